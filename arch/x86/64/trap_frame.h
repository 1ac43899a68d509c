/* The x86_64 trap frame: what arch/x86/64/trap_entry.S saves on the kernel stack for every trap.
 * The TF_* offsets are used by the assembly; the C struct is static-asserted against them. */
#ifndef ARCH_X86_64_TRAP_FRAME_H
#define ARCH_X86_64_TRAP_FRAME_H

/* Saved by the trampoline */
#define TF_RAX     0
#define TF_RBX     8
#define TF_RCX     16
#define TF_RDX     24
#define TF_RSI     32
#define TF_RDI     40
#define TF_RBP     48
#define TF_R8      56
#define TF_R9      64
#define TF_R10     72
#define TF_R11     80
#define TF_R12     88
#define TF_R13     96
#define TF_R14     104
#define TF_R15     112
#define TF_CR2     120      /* the faulting address for a page fault, 0 for other vectors */
/* Pushed by the per-vector stub */
#define TF_VECTOR  128
#define TF_ERROR   136      /* the CPU's error code, or 0 for vectors without one */
/* Pushed by the CPU (always all five in 64-bit mode) */
#define TF_IP      144
#define TF_CS      152
#define TF_FLAGS   160
#define TF_SP      168
#define TF_SS      176
#define TF_SIZE    184

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

struct trap_frame {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t cr2;
	uint64_t vector;
	uint64_t error_code;
	uint64_t ip;             /* rip */
	uint64_t cs;
	uint64_t flags;          /* rflags */
	uint64_t sp;             /* rsp */
	uint64_t ss;
};

#define TF_CHECK(field, off) \
	_Static_assert(offsetof(struct trap_frame, field) == (off), "trap_frame." #field " != " #off)
TF_CHECK(rax, TF_RAX); TF_CHECK(rbx, TF_RBX); TF_CHECK(rcx, TF_RCX); TF_CHECK(rdx, TF_RDX);
TF_CHECK(rsi, TF_RSI); TF_CHECK(rdi, TF_RDI); TF_CHECK(rbp, TF_RBP);
TF_CHECK(r8, TF_R8); TF_CHECK(r9, TF_R9); TF_CHECK(r10, TF_R10); TF_CHECK(r11, TF_R11);
TF_CHECK(r12, TF_R12); TF_CHECK(r13, TF_R13); TF_CHECK(r14, TF_R14); TF_CHECK(r15, TF_R15);
TF_CHECK(cr2, TF_CR2); TF_CHECK(vector, TF_VECTOR); TF_CHECK(error_code, TF_ERROR);
TF_CHECK(ip, TF_IP); TF_CHECK(cs, TF_CS); TF_CHECK(flags, TF_FLAGS); TF_CHECK(sp, TF_SP);
TF_CHECK(ss, TF_SS);
_Static_assert(sizeof(struct trap_frame) == TF_SIZE, "trap_frame size");
#undef TF_CHECK

/* The stack pointer of the interrupted code (64-bit mode always pushes it). */
static inline uintptr_t x86_trap_frame_sp(const struct trap_frame *tf)
{
	return tf->sp;
}
#endif

#endif
