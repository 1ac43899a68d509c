/* The i686 trap frame: what arch/x86/32/trap_entry.S saves on the kernel stack for every trap.
 * The TF_* offsets are used by the assembly; the C struct is static-asserted against them. */
#ifndef ARCH_X86_32_TRAP_FRAME_H
#define ARCH_X86_32_TRAP_FRAME_H

/* Saved by the trampoline */
#define TF_EAX     0
#define TF_EBX     4
#define TF_ECX     8
#define TF_EDX     12
#define TF_ESI     16
#define TF_EDI     20
#define TF_EBP     24
#define TF_DS      28
#define TF_ES      32
#define TF_FS      36
#define TF_GS      40
#define TF_CR2     44       /* the faulting address for a page fault, 0 for other vectors */
/* Pushed by the per-vector stub */
#define TF_VECTOR  48
#define TF_ERROR   52       /* the CPU's error code, or 0 for vectors without one */
/* Pushed by the CPU */
#define TF_IP      56
#define TF_CS      60
#define TF_FLAGS   64
/* Pushed by the CPU only on a privilege change (trap from ring 3). For a trap taken in the
 * kernel these two slots are NOT part of the frame: they belong to the interrupted stack. */
#define TF_SP      68
#define TF_SS      72
#define TF_SIZE    76

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
	uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
	uint32_t ds, es, fs, gs;
	uint32_t cr2;
	uint32_t vector;
	uint32_t error_code;
	uint32_t ip;             /* eip */
	uint32_t cs;
	uint32_t flags;          /* eflags */
	uint32_t sp;             /* esp: valid only when (cs & 3) == 3, see above */
	uint32_t ss;             /* likewise */
};

#define TF_CHECK(field, off) \
	_Static_assert(offsetof(struct trap_frame, field) == (off), "trap_frame." #field " != " #off)
TF_CHECK(eax, TF_EAX); TF_CHECK(ebx, TF_EBX); TF_CHECK(ecx, TF_ECX); TF_CHECK(edx, TF_EDX);
TF_CHECK(esi, TF_ESI); TF_CHECK(edi, TF_EDI); TF_CHECK(ebp, TF_EBP);
TF_CHECK(ds, TF_DS); TF_CHECK(es, TF_ES); TF_CHECK(fs, TF_FS); TF_CHECK(gs, TF_GS);
TF_CHECK(cr2, TF_CR2); TF_CHECK(vector, TF_VECTOR); TF_CHECK(error_code, TF_ERROR);
TF_CHECK(ip, TF_IP); TF_CHECK(cs, TF_CS); TF_CHECK(flags, TF_FLAGS); TF_CHECK(sp, TF_SP);
TF_CHECK(ss, TF_SS);
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap_frame size");
#undef TF_CHECK

/* The stack pointer of the interrupted code: pushed by the CPU for a trap from ring 3; for a
 * trap in the kernel the interrupted code's stack continues right where the frame ends. */
static inline uintptr_t x86_trap_frame_sp(const struct trap_frame *tf)
{
	return (tf->cs & 3) == 3 ? tf->sp : (uintptr_t)&tf->sp;
}
#endif

#endif
