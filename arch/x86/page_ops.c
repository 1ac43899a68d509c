/* Page zeroing and copying for x86_64 and i686 (the page-contents part of mm/arch_mmu.h): one
 * string instruction of word-sized iterations, `rep stosq` / `rep movsq` on x86_64 and
 * `rep stosl` / `rep movsl` on i686.
 *
 * Why word-sized and not `rep stosb` / `rep movsb` even where CPUID reports ERMS (QEMU's `max`
 * model does): ERMS makes the byte form fast on hardware, but under TCG each iteration of a rep
 * string instruction is one step of the emulator (and one instruction under -icount), so 4096
 * byte iterations cost 8 (x86_64) or 4 (i686) times the word form there; on hardware without
 * ERMS the word form is the fast one, and with ERMS both run at the same microcoded speed for a
 * whole aligned page. The C ABI guarantees the direction flag is clear (the trap entry clears it).
 * arch_frame_zero / arch_frame_copy reach allocator frames through the direct map, or on i686
 * above X86_DIRECT_MAP_LIMIT through a kmap slot of arch/x86/kmap.c. */
#include "mm/arch_mmu.h"
#include "kernel/panic.h"
#include "paging.h"

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

/* Returns the address of allocator frame FRAME and stores in *SLOT whether it is a kmap slot
 * (release with kunmap_frame). All RAM below X86_DIRECT_MAP_LIMIT is in the direct map (as
 * x86_table_map relies on too), so an allocator frame there needs no page-table lookup, unlike
 * kmap_frame, which must also serve frames that are not RAM. */
static void *frame_address(paddr_t frame, bool *slot)
{
	if (!IS_ALIGNED(frame, (paddr_t)X86_PAGE_SIZE))
		panic("frame %#llx is not page aligned", (unsigned long long)frame);
	*slot = frame + X86_PAGE_SIZE > X86_DIRECT_MAP_LIMIT;
	return *slot ? x86_kmap_slot(frame) : x86_phys_to_virt(frame);
}

void arch_frame_zero(paddr_t frame)
{
	bool slot;
	void *p = frame_address(frame, &slot);
	arch_page_zero(p);
	if (slot)
		kunmap_frame(p);
}

void arch_frame_copy(paddr_t dst, paddr_t src)
{
	if (dst == src)
		panic("frame %#llx copied onto itself", (unsigned long long)dst);
	bool dslot, sslot;
	void *d = frame_address(dst, &dslot);
	const void *s = frame_address(src, &sslot);
	arch_page_copy(d, s);
	if (sslot)
		kunmap_frame((void *)s);
	if (dslot)
		kunmap_frame(d);
}
