/* A software MMU for host tests: implements the user-address-space half of mm/arch_mmu.h over
 * fake RAM (fake_ram.h), and plays the CPU for user accesses.
 *
 * Page tables: 4 levels of 512 64-bit entries (x86_64-like, 48-bit addresses), each table a
 * frame from frame_alloc() typed PAGEINFO_PAGE_TABLE with its level, so table allocation can
 * run out of memory (and be failure-injected) like on the real arches, and table_frames counts.
 * Leaf entry: bit 0 present, bits 1-8 the MMU_* attributes, bits 12-51 the frame. Like x86,
 * query and walk report every present entry with MMU_READ, and a user entry without any right
 * panics, so the generic code is tested against those quirks. Contract misuse panics (mapping over a present entry, protecting a missing one, destroying a space
 * with leaves left or while active, addresses outside the user half).
 *
 * TLB: 64 entries tagged with the mmu_space, filled by user accesses, dropped only by the
 * arch_tlb_flush_* calls (and on a permission fault, like x86). Accesses go through it, so a
 * missing flush shows up as a real stale access; each stale hit (the entry no longer matches the
 * page table, or its frame is free) is also reported at once as a test failure.
 *
 * The CPU: soft_user_read/write/exec access user memory as user mode would: translate through
 * the TLB and tables with user rights, on a fault call vm_fault() and retry, and fail with
 * vm_fault's error when it cannot resolve it. */
#ifndef TESTS_HOST_SOFT_MMU_H
#define TESTS_HOST_SOFT_MMU_H

#include "kernel/compiler.h"

struct addrspace;

/* Forgets the TLB, the active space and the statistics; user top back to 2^47. */
void soft_mmu_reset(void);

/* Sets what arch_mmu_user_top() returns (a page multiple, at most 2^48). */
void soft_mmu_set_user_top(uintptr_t top);

struct soft_mmu_stats {
	unsigned long faults;        /* vm_fault calls made by the CPU */
	unsigned long tlb_hits, tlb_misses, stale_hits;
	unsigned long flush_page, flush_range, flush_space;
};

/* Returns the statistics since soft_mmu_reset. */
struct soft_mmu_stats soft_mmu_stats(void);

/* User-mode accesses to AS (which need not be active): 0, or vm_fault's error (-EFAULT,
 * -ENOMEM, ...) for the first byte that could not be accessed (earlier bytes were). */
int soft_user_read(struct addrspace *as, uintptr_t va, void *dst, size_t len);
int soft_user_write(struct addrspace *as, uintptr_t va, const void *src, size_t len);
int soft_user_exec(struct addrspace *as, uintptr_t va);

/* One byte / one 64-bit word; the value is stored in *OUT. */
int soft_user_read8(struct addrspace *as, uintptr_t va, uint8_t *out);
int soft_user_write8(struct addrspace *as, uintptr_t va, uint8_t value);

/* Returns how many TLB entries belong to AS's space. */
unsigned soft_tlb_entries(struct addrspace *as);

#endif
