/* Page zeroing and copying for x86_64 and i686 (the page-contents part of mm/arch_mmu.h): one
 * string instruction of word-sized iterations, `rep stosq` / `rep movsq` on x86_64 and
 * `rep stosl` / `rep movsl` on i686.
 *
 * Why word-sized and not `rep stosb` / `rep movsb` even where CPUID reports ERMS (QEMU's `max`
 * model does): ERMS makes the byte form fast on hardware, but under TCG each iteration of a rep
 * string instruction is one step of the emulator (and one instruction under -icount), so 4096
 * byte iterations cost 8 (x86_64) or 4 (i686) times the word form there; on hardware without
 * ERMS the word form is the fast one, and with ERMS both run at the same microcoded speed for a
 * whole aligned page. The C ABI guarantees the direction flag is clear (the trap entry clears it). */
#include "mm/arch_mmu.h"

#if UINTPTR_MAX == 0xffffffffu
#define REP_STOS "rep stosl"
#define REP_MOVS "rep movsl"
#else
#define REP_STOS "rep stosq"
#define REP_MOVS "rep movsq"
#endif

void arch_page_zero(void *page)
{
	void *d = page;
	unsigned long n = FRAME_SIZE / sizeof(unsigned long);
	__asm__ volatile(REP_STOS : "+D"(d), "+c"(n) : "a"(0ul) : "memory");
}

void arch_page_copy(void *dst, const void *src)
{
	void *d = dst;
	const void *s = src;
	unsigned long n = FRAME_SIZE / sizeof(unsigned long);
	__asm__ volatile(REP_MOVS : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}
