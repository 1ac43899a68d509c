/* Assembly helpers shared by i686 and x86_64: function boundaries and exception-table entries.
 * X86_ASM_PTR (".quad" / ".long") and X86_WORD_SIZE come from the mode's arch_types.h. */
#ifndef ARCH_X86_X86_ASM_H
#define ARCH_X86_X86_ASM_H

#ifdef __ASSEMBLY__

/* FUNC(name) ... END(name): a global function symbol with type and size for the debugger. */
#define FUNC(name) .globl name; .type name, @function; .balign 16; name:
#define END(name)  .size name, . - name

/* EXTABLE_ENTRY(insn, fixup): a fault at INSN resumes at FIXUP (see kernel/trap.h). */
#define EXTABLE_ENTRY(insn, fixup) \
	.pushsection extable, "a"; .balign X86_WORD_SIZE; X86_ASM_PTR insn, fixup; .popsection

/* A kernel data symbol as a memory operand: RIP-relative on x86_64, absolute on i686. */
#if X86_WORD_SIZE == 8
#define X86_DATA(sym) sym(%rip)
#else
#define X86_DATA(sym) sym
#endif

/* SMAP_STAC / SMAP_CLAC: open and close the kernel's access to user pages (EFLAGS.AC) when SMAP
 * is on (arch/x86/features.c); stac and clac do not exist on CPUs without SMAP. Change the
 * arithmetic flags. */
.macro SMAP_STAC
	cmpb $0, X86_DATA(x86_smap_enabled)
	je .Lsmap_stac_done\@
	stac
.Lsmap_stac_done\@:
.endm
.macro SMAP_CLAC
	cmpb $0, X86_DATA(x86_smap_enabled)
	je .Lsmap_clac_done\@
	clac
.Lsmap_clac_done\@:
.endm

#else

#define X86_STR_(x) #x
#define X86_STR(x) X86_STR_(x)

/* The same entry from C inline assembly: asm("1: mov ...\n" EXTABLE_ENTRY_ASM(1b, 2f) ...). */
#define EXTABLE_ENTRY_ASM(insn, fixup) \
	".pushsection extable, \"a\"\n\t.balign " X86_STR(X86_WORD_SIZE) "\n\t" \
	X86_STR(X86_ASM_PTR) " " #insn ", " #fixup "\n\t.popsection\n\t"

#endif

#endif
