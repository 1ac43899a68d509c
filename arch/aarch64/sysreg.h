/* AArch64 system registers: the bit values this kernel writes (SCTLR, TCR, MAIR, HCR, ...) and the
 * fields it decodes (ESR), plus read/write helpers for C. Bit positions are from the Arm ARM
 * (DDI 0487). Includable from C and from .S files. */
#ifndef ARCH_AARCH64_SYSREG_H
#define ARCH_AARCH64_SYSREG_H

/* An unsigned long constant in C, a plain number in assembly (which has no suffixes). */
#ifdef __ASSEMBLY__
#define UL(x) (x)
#else
#define UL(x) (x##ul)
#endif

/* ---- SCTLR_EL1 ---- */
#define SCTLR_M        (UL(1) << 0)     /* stage 1 MMU on */
#define SCTLR_C        (UL(1) << 2)     /* data caches on */
#define SCTLR_SA       (UL(1) << 3)     /* SP alignment check at EL1 */
#define SCTLR_SA0      (UL(1) << 4)     /* SP alignment check at EL0 */
#define SCTLR_EOS      (UL(1) << 11)    /* exception exit is context synchronizing (RES1 before v8.5) */
#define SCTLR_I        (UL(1) << 12)    /* instruction caches on */
#define SCTLR_NTWI     (UL(1) << 16)    /* EL0 wfi not trapped */
#define SCTLR_NTWE     (UL(1) << 18)    /* EL0 wfe not trapped */
#define SCTLR_TSCXT    (UL(1) << 20)    /* RES1 without FEAT_CSV2 */
#define SCTLR_EIS      (UL(1) << 22)    /* exception entry is context synchronizing (RES1 before v8.5) */
#define SCTLR_SPAN     (UL(1) << 23)    /* 1: PSTATE.PAN is left alone on exception entry */
#define SCTLR_NTLSMD   (UL(1) << 28)    /* RES1 without FEAT_LSMAOC */
#define SCTLR_LSMAOE   (UL(1) << 29)    /* RES1 without FEAT_LSMAOC */
/* MMU and caches off: only the bits that must be one. */
#define SCTLR_EL1_MMU_OFF (SCTLR_EOS | SCTLR_TSCXT | SCTLR_EIS | SCTLR_SPAN | SCTLR_NTLSMD | SCTLR_LSMAOE)
/* What the kernel runs with: MMU and caches on, SP alignment checks, unaligned data allowed. */
#define SCTLR_EL1_KERNEL  (SCTLR_EL1_MMU_OFF | SCTLR_M | SCTLR_C | SCTLR_I | SCTLR_SA | SCTLR_SA0 | \
			   SCTLR_NTWI | SCTLR_NTWE)

/* ---- MAIR_EL1: the memory types page-table entries pick by index ---- */
#define MAIR_IDX_DEVICE_NGNRNE 0
#define MAIR_IDX_DEVICE_NGNRE  1
#define MAIR_IDX_NORMAL_NC     2
#define MAIR_IDX_NORMAL_WB     3
#define MAIR_IDX_NORMAL_WT     4
#define MAIR_EL1_VALUE  (UL(0x00) << (8 * MAIR_IDX_DEVICE_NGNRNE) | UL(0x04) << (8 * MAIR_IDX_DEVICE_NGNRE) | \
			 UL(0x44) << (8 * MAIR_IDX_NORMAL_NC) | UL(0xff) << (8 * MAIR_IDX_NORMAL_WB) | \
			 UL(0xbb) << (8 * MAIR_IDX_NORMAL_WT))

/* ---- TCR_EL1: 4 KiB granule, 48-bit VAs in both halves, walks through WBWA inner shareable ---- */
#define TCR_T0SZ(bits)   (64 - (bits))
#define TCR_T1SZ(bits)   ((UL(64) - (bits)) << 16)
#define TCR_IRGN0_WBWA   (UL(1) << 8)
#define TCR_ORGN0_WBWA   (UL(1) << 10)
#define TCR_SH0_INNER    (UL(3) << 12)
#define TCR_TG0_4K       (UL(0) << 14)
#define TCR_EPD0         (UL(1) << 7)
#define TCR_IRGN1_WBWA   (UL(1) << 24)
#define TCR_ORGN1_WBWA   (UL(1) << 26)
#define TCR_SH1_INNER    (UL(3) << 28)
#define TCR_TG1_4K       (UL(2) << 30)
#define TCR_IPS_SHIFT    32
#define TCR_AS           (UL(1) << 36)  /* 16-bit ASIDs */
#define TCR_HA           (UL(1) << 39)  /* hardware sets the access flag */
#define TCR_HD           (UL(1) << 40)  /* hardware manages dirty state (DBM) */
#define TTBR_ASID_SHIFT  48
#define TCR_EL1_BASE (TCR_T0SZ(48) | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K | \
		      TCR_T1SZ(48) | TCR_IRGN1_WBWA | TCR_ORGN1_WBWA | TCR_SH1_INNER | TCR_TG1_4K)

/* ---- EL2 state for dropping to EL1 (non-VHE) ---- */
#define HCR_EL2_RW        (UL(1) << 31)        /* EL1 is AArch64 */
#define HCR_EL2_API_APK   (UL(3) << 40)      /* pointer authentication keys/instructions not trapped */
#define CNTHCTL_EL1PCTEN  (UL(1) << 0)         /* EL1 may read the physical counter */
#define CNTHCTL_EL1PCEN   (UL(1) << 1)         /* EL1 may use the physical timer */
#define CPTR_EL2_NO_TRAPS 0x22ff           /* RES1 bits only: FP, SVE, SME not trapped to EL2 */
#define SCTLR_EL2_MMU_OFF 0x30c50830       /* RES1 bits of SCTLR_EL2 (non-VHE), MMU and caches off */
#define ICC_SRE_EL2_SRE   (UL(1) << 0)
#define ICC_SRE_EL2_ENABLE (UL(1) << 3)        /* EL1 may use ICC_SRE_EL1 */

/* ---- ID registers: the fields this kernel looks at ---- */
#define ID_MMFR0_ASIDBITS(v)   (((v) >> 4) & 0xf)    /* ID_AA64MMFR0_EL1: 0 = 8, 2 = 16 bits */
#define ID_MMFR1_HAFDBS(v)     ((v) & 0xf)           /* ID_AA64MMFR1_EL1: 1 = AF, 2 = AF + dirty */
#define ID_MMFR1_PAN(v)        (((v) >> 20) & 0xf)   /* ID_AA64MMFR1_EL1: 0 = no PAN */
#define CTR_IDC                (UL(1) << 28)         /* no D-cache clean needed for I/D coherence */
#define CTR_DIC                (UL(1) << 29)         /* no I-cache invalidation needed */

/* ---- Generic timer ---- */
#define CNTV_CTL_ENABLE  (UL(1) << 0)
#define CNTV_CTL_IMASK   (UL(1) << 1)
#define CNTV_CTL_ISTATUS (UL(1) << 2)
#define CNTKCTL_EL0VCTEN (UL(1) << 1)   /* EL0 may read CNTVCT_EL0 and CNTFRQ_EL0 */

/* ---- PSTATE ---- */
#define SPSR_MODE_EL0T   0x0
#define SPSR_MODE_EL1H   0x5
#define SPSR_MODE_MASK   0x1f           /* M[4] (AArch32) and M[3:0] */
#define SPSR_PAN         (UL(1) << 22)
/* MSR PAN, #imm as raw instructions, so the assembler needs no ARMv8.1 option. */
#define INSN_SET_PAN     0xd500419f
#define INSN_CLEAR_PAN   0xd500409f
#define SPSR_DAIF        (UL(0xf) << 6)
#define DAIF_IRQ_BIT     (UL(1) << 7)

/* ---- ESR_ELx ---- */
#define ESR_EC_SHIFT       26
#define ESR_EC(esr)        (((esr) >> ESR_EC_SHIFT) & 0x3f)
#define ESR_ISS(esr)       ((esr) & 0x1ffffff)
#define EC_UNKNOWN         0x00
#define EC_WFX             0x01
#define EC_FP_ACCESS       0x07
#define EC_ILLEGAL_STATE   0x0e
#define EC_SVC64           0x15
#define EC_HVC64           0x16
#define EC_SMC64           0x17
#define EC_SYSREG          0x18
#define EC_SVE_ACCESS      0x19
#define EC_IABT_LOWER      0x20
#define EC_IABT_SAME       0x21
#define EC_PC_ALIGN        0x22
#define EC_DABT_LOWER      0x24
#define EC_DABT_SAME       0x25
#define EC_SP_ALIGN        0x26
#define EC_SERROR          0x2f
#define EC_BREAKPT_LOWER   0x30
#define EC_BREAKPT_SAME    0x31
#define EC_STEP_LOWER      0x32
#define EC_STEP_SAME       0x33
#define EC_WATCHPT_LOWER   0x34
#define EC_WATCHPT_SAME    0x35
#define EC_BRK64           0x3c
/* Data/instruction abort ISS fields. */
#define ISS_DABT_WNR       (UL(1) << 6)    /* write, not read */
#define ISS_DABT_CM        (UL(1) << 8)    /* cache maintenance: reported as a write, is a read */
#define ISS_FSC(iss)       ((iss) & 0x3f)
#define FSC_TYPE(fsc)      ((fsc) & 0x3c)  /* the fault kind without the table level */
#define FSC_ADDR_SIZE      0x00
#define FSC_TRANSLATION    0x04
#define FSC_ACCESS_FLAG    0x08
#define FSC_PERMISSION     0x0c
#define FSC_ALIGNMENT      0x21

/* ---- PSCI and semihosting ---- */
#define PSCI_SYSTEM_OFF            0x84000008
#define SEMIHOSTING_SYS_EXIT       0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

#ifndef __ASSEMBLY__
#include <stdint.h>

#define read_sysreg(reg) ({ uint64_t v_; __asm__ volatile("mrs %0, " #reg : "=r"(v_)); v_; })
#define write_sysreg(reg, v) __asm__ volatile("msr " #reg ", %0" :: "r"((uint64_t)(v)) : "memory")
#define isb()  __asm__ volatile("isb" ::: "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt ::: "memory")

/* The exception level this code runs at (1 or 2). */
static inline unsigned current_el(void)
{
	return (unsigned)(read_sysreg(CurrentEL) >> 2) & 3;
}
#endif

#endif
