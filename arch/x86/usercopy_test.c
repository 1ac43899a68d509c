/* Self-tests with a user address space made active in the kernel: usercopy in both directions
 * and each way it must fail without changing anything, the fixup's trap_info, the accessed and
 * dirty bits, the TLB flushes, and SMAP / SMEP stopping plain kernel accesses to user pages. */
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "kernel/trap.h"
#include "mm/frame.h"
#include "arch_test.h"
#include "features.h"
#include "mmu.h"
#include "usercopy.h"

#define PAGE    ((uintptr_t)X86_PAGE_SIZE)
#define UVA     ((uintptr_t)0x20000000)
/* The test space: pages 0 and 1 read-write, page 2 unmapped, page 3 read-only, page 4 executable
 * (a single ret). Frame i backs page i (frame 2 stays unmapped, for the TLB test). */
#define NPAGES  5
#define VA(i)   (UVA + (i) * PAGE)
static const unsigned page_flags[NPAGES] = {
	MMU_READ | MMU_WRITE | MMU_USER, MMU_READ | MMU_WRITE | MMU_USER, 0,
	MMU_READ | MMU_USER, MMU_READ | MMU_EXEC | MMU_USER,
};

struct uspace {
	struct mmu_space space;
	paddr_t frame[NPAGES];
};

/* Fills FRAME with bytes BASE, BASE+1, ... */
static void frame_fill(paddr_t frame, uint8_t base)
{
	uint8_t *p = kmap_frame(frame);
	for (unsigned i = 0; i < X86_PAGE_SIZE; i++)
		p[i] = (uint8_t)(base + i);
	kunmap_frame(p);
}

/* Whether FRAME still holds what frame_fill(FRAME, BASE) wrote. */
static bool frame_holds(paddr_t frame, uint8_t base)
{
	uint8_t *p = kmap_frame(frame);
	unsigned bad = 0;
	for (unsigned i = 0; i < X86_PAGE_SIZE; i++)
		bad += p[i] != (uint8_t)(base + i);
	kunmap_frame(p);
	return bad == 0;
}

/* Builds the test space and makes it active; false if anything was missing. */
static bool uspace_setup(struct uspace *u)
{
	*u = (struct uspace){ 0 };
	if (arch_mmu_space_create(&u->space))
		return false;
	for (unsigned i = 0; i < NPAGES; i++) {
		if (frame_alloc(&u->frame[i]))
			return false;
		frame_fill(u->frame[i], (uint8_t)(i * 0x40));
		if (page_flags[i] && arch_mmu_map(&u->space, VA(i), u->frame[i], page_flags[i]))
			return false;
	}
	uint8_t *code = kmap_frame(u->frame[4]);
	code[0] = 0xc3;                      /* ret */
	kunmap_frame(code);
	arch_mmu_space_activate(&u->space);
	return true;
}

static void uspace_teardown(struct uspace *u)
{
	arch_mmu_space_activate(NULL);
	for (unsigned i = 0; i < NPAGES; i++) {
		if (u->space.root)
			arch_mmu_unmap(&u->space, VA(i), NULL);
		if (u->frame[i])
			frame_free(u->frame[i]);
	}
	if (u->space.root)
		arch_mmu_space_destroy(&u->space);
}

KTEST(x86_usercopy_round_trip_sets_accessed_and_dirty)
{
	struct uspace u;
	if (!uspace_setup(&u)) {
		uspace_teardown(&u);
		ASSERT_TRUE(!"no test space");
	}
	unsigned flags = 0;
	EXPECT_TRUE(arch_mmu_query(&u.space, VA(0), NULL, &flags));
	EXPECT_EQ(flags, MMU_READ | MMU_WRITE | MMU_USER);          /* untouched yet */

	static const char msg[] = "to user and back";
	EXPECT_EQ(arch_copy_to_user(VA(0) + 100, msg, sizeof(msg)), 0);
	char back[sizeof(msg)] = { 0 };
	EXPECT_EQ(arch_copy_from_user(back, VA(0) + 100, sizeof(back)), 0);
	EXPECT_STREQ(back, msg);
	uint8_t *p = kmap_frame(u.frame[0]);
	EXPECT_EQ(memcmp(p + 100, msg, sizeof(msg)), 0);
	EXPECT_EQ(p[99], 99);                                        /* the neighbours untouched */
	EXPECT_EQ(p[100 + sizeof(msg)], (uint8_t)(100 + sizeof(msg)));
	kunmap_frame(p);
	EXPECT_TRUE(arch_mmu_query(&u.space, VA(0), NULL, &flags));
	EXPECT_EQ(flags, MMU_READ | MMU_WRITE | MMU_USER | MMU_ACCESSED | MMU_DIRTY);

	/* A copy across the two read-write pages, and a read-only use of page 3. */
	uint8_t big[300];
	EXPECT_EQ(arch_copy_from_user(big, VA(1) - 150, sizeof(big)), 0);
	EXPECT_EQ(big[0], (uint8_t)(X86_PAGE_SIZE - 150));
	EXPECT_EQ(big[150], 0x40);
	EXPECT_EQ(big[299], (uint8_t)(0x40 + 149));
	EXPECT_EQ(arch_copy_from_user(big, VA(3), 8), 0);
	EXPECT_EQ(big[7], 0xc7);
	EXPECT_TRUE(arch_mmu_query(&u.space, VA(3), NULL, &flags));
	EXPECT_EQ(flags, MMU_READ | MMU_USER | MMU_ACCESSED);        /* read, never written */
	EXPECT_EQ(arch_copy_to_user(VA(0), big, 0), 0);
	uspace_teardown(&u);
}

KTEST(x86_usercopy_faults_return_efault_and_change_nothing)
{
	struct uspace u;
	if (!uspace_setup(&u)) {
		uspace_teardown(&u);
		ASSERT_TRUE(!"no test space");
	}
	uint8_t buf[16];
	memset(buf, 0xee, sizeof(buf));

	/* an unmapped user page: the read probe faults */
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_copy_from_user(buf, VA(2) + 8, 8), -EFAULT);
	EXPECT_EQ(buf[0], 0xee);
	EXPECT_EQ(trap_last_fixup.kind, TRAP_PAGE_FAULT);
	EXPECT_EQ(trap_last_fixup.pc, (uintptr_t)x86_user_probe_read_insn);
	EXPECT_EQ(trap_last_fixup.fault_addr, VA(2) + 8);
	EXPECT_EQ(trap_last_fixup.access, TRAP_ACCESS_READ);
	EXPECT_FALSE(trap_last_fixup.present);
	EXPECT_FALSE(trap_last_fixup.user);

	/* straddling the end of the mapping, both ways: nothing moves */
	EXPECT_EQ(arch_copy_from_user(buf, VA(2) - 8, 16), -EFAULT);
	EXPECT_EQ(buf[0], 0xee);
	EXPECT_EQ(buf[15], 0xee);
	EXPECT_EQ(trap_last_fixup.fault_addr, VA(2));
	EXPECT_EQ(arch_copy_to_user(VA(2) - 8, buf, 16), -EFAULT);
	EXPECT_EQ(trap_last_fixup.pc, (uintptr_t)x86_user_probe_write_insn);
	EXPECT_EQ(trap_last_fixup.fault_addr, VA(2));
	EXPECT_FALSE(trap_last_fixup.present);
	/* (The locked read-modify-write of the probe may report a not-present page as a read: QEMU
	 * does. A fault handler then maps the page and the retry faults again, as a write.) */
	EXPECT_TRUE(frame_holds(u.frame[1], 0x40));

	/* a read-only page: the write probe faults on a present entry */
	EXPECT_EQ(arch_copy_to_user(VA(3) + 4, buf, 8), -EFAULT);
	EXPECT_EQ(trap_last_fixup.fault_addr, VA(3) + 4);
	EXPECT_TRUE(trap_last_fixup.present);
	EXPECT_EQ(trap_last_fixup.access, TRAP_ACCESS_WRITE);
	EXPECT_TRUE(frame_holds(u.frame[3], 0xc0));

	/* ranges refused before any access: kernel addresses, past the top, wrapping */
	trap_last_fixup = (struct trap_info){ 0 };
	uintptr_t top = arch_mmu_user_top();
	static uint8_t kernel_data[16] = { 1, 2, 3 };
	EXPECT_EQ(arch_copy_from_user(buf, (uintptr_t)kernel_data, 8), -EFAULT);
	EXPECT_EQ(arch_copy_to_user((uintptr_t)kernel_data, buf, 8), -EFAULT);
	EXPECT_EQ(kernel_data[0], 1);
	EXPECT_EQ(arch_copy_from_user(buf, top - 8, 16), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, top, 1), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, UINTPTR_MAX - 7, 16), -EFAULT);
	EXPECT_EQ(arch_copy_to_user(VA(0), buf, SIZE_MAX), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, (uintptr_t)kernel_data, 0), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, top, 0), 0);
	EXPECT_EQ(trap_last_fixup.kind, TRAP_OTHER);                /* none of those touched memory */
	EXPECT_EQ(buf[0], 0xee);
	EXPECT_TRUE(frame_holds(u.frame[0], 0x00));
	uspace_teardown(&u);
}

KTEST(x86_usercopy_fault_in_the_copy_instruction_is_fixed_up)
{
	struct uspace u;
	if (!uspace_setup(&u)) {
		uspace_teardown(&u);
		ASSERT_TRUE(!"no test space");
	}
	uint8_t buf[8] = { 0 };
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(x86_user_copy(buf, (const void *)VA(2), sizeof(buf)), -EFAULT);
	EXPECT_EQ(trap_last_fixup.pc, (uintptr_t)x86_user_copy_insn);
	EXPECT_EQ(trap_last_fixup.fault_addr, VA(2));
	EXPECT_EQ(trap_last_fixup.access, TRAP_ACCESS_READ);
	EXPECT_FALSE(trap_last_fixup.user);
	EXPECT_EQ(x86_user_copy((void *)(VA(3) + 1), buf, sizeof(buf)), -EFAULT);
	EXPECT_EQ(trap_last_fixup.pc, (uintptr_t)x86_user_copy_insn);
	EXPECT_EQ(trap_last_fixup.fault_addr, VA(3) + 1);
	EXPECT_EQ(trap_last_fixup.access, TRAP_ACCESS_WRITE);
	EXPECT_TRUE(trap_last_fixup.present);
	EXPECT_EQ(x86_read_flags() & X86_FLAGS_AC, 0);              /* the fixup closed access */
	uspace_teardown(&u);
}

KTEST(x86_smap_stops_a_plain_kernel_read_of_a_user_page)
{
	uint32_t r[4];
	x86_cpuid(7, 0, r);
	if (!(r[1] & X86_CPUID7_SMAP)) {
		ktest_log("no SMAP on this CPU");
		EXPECT_FALSE(x86_smap_enabled);
		return;
	}
	EXPECT_TRUE(x86_smap_enabled);
	EXPECT_NE(x86_read_cr4() & X86_CR4_SMAP, 0);
	EXPECT_EQ(x86_read_flags() & X86_FLAGS_AC, 0);
	struct uspace u;
	if (!uspace_setup(&u)) {
		uspace_teardown(&u);
		ASSERT_TRUE(!"no test space");
	}
	struct trap_info info = { 0 };
	if (KTEST_CATCH_TRAP(&info) == 0) {
		uint8_t byte = x86_test_plain_read(VA(0) + 5);
		ktest_trap_disarm();
		ktest_fail(__FILE__, __LINE__, "read %#x from a user page without a fault", byte);
	} else {
		EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
		EXPECT_TRUE(info.present);
		EXPECT_FALSE(info.user);
		EXPECT_EQ(info.pc, (uintptr_t)x86_test_plain_read_insn);
		EXPECT_EQ(info.fault_addr, VA(0) + 5);
		EXPECT_EQ(info.access, TRAP_ACCESS_READ);
	}
	uspace_teardown(&u);
}

KTEST(x86_smep_stops_the_kernel_executing_a_user_page)
{
	uint32_t r[4];
	x86_cpuid(7, 0, r);
	if (!(r[1] & X86_CPUID7_SMEP)) {
		ktest_log("no SMEP on this CPU");
		EXPECT_FALSE(x86_smep_enabled);
		return;
	}
	EXPECT_TRUE(x86_smep_enabled);
	EXPECT_NE(x86_read_cr4() & X86_CR4_SMEP, 0);
	EXPECT_NE(x86_read_cr0() & X86_CR0_WP, 0);
	struct uspace u;
	if (!uspace_setup(&u)) {
		uspace_teardown(&u);
		ASSERT_TRUE(!"no test space");
	}
	struct trap_info info = { 0 };
	if (KTEST_CATCH_TRAP(&info) == 0) {
		((void (*)(void))VA(4))();
		ktest_trap_disarm();
		EXPECT_TRUE(!"the kernel ran a user page");
	} else {
		EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
		EXPECT_TRUE(info.present);
		EXPECT_FALSE(info.user);
		EXPECT_EQ(info.access, TRAP_ACCESS_EXEC);
		EXPECT_EQ(info.pc, VA(4));
		EXPECT_EQ(info.fault_addr, VA(4));
	}
	uspace_teardown(&u);
}

/* The first byte of the page at VA as the CPU sees it through the active space. */
static int first_byte(uintptr_t va)
{
	uint8_t b = 0;
	return arch_copy_from_user(&b, va, 1) ? -1 : b;
}

KTEST(x86_tlb_flushes_make_new_translations_visible)
{
	struct uspace u;
	if (!uspace_setup(&u)) {
		uspace_teardown(&u);
		ASSERT_TRUE(!"no test space");
	}
	EXPECT_EQ((uintptr_t)x86_active_space, (uintptr_t)&u.space);
	EXPECT_EQ(x86_read_cr3() & X86_PTE_ADDR_MASK, u.space.root);
	const unsigned rw = MMU_READ | MMU_WRITE | MMU_USER;

	/* one page: frame 0 -> frame 2 */
	EXPECT_EQ(first_byte(VA(0)), 0x00);                  /* now in the TLB */
	EXPECT_TRUE(arch_mmu_unmap(&u.space, VA(0), NULL));
	EXPECT_EQ(arch_mmu_map(&u.space, VA(0), u.frame[2], rw), 0);
	arch_tlb_flush_page(&u.space, VA(0));
	EXPECT_EQ(first_byte(VA(0)), 0x80);

	/* a range: pages 0 and 1 swap frames */
	EXPECT_EQ(first_byte(VA(1)), 0x40);
	EXPECT_TRUE(arch_mmu_unmap(&u.space, VA(0), NULL));
	EXPECT_TRUE(arch_mmu_unmap(&u.space, VA(1), NULL));
	EXPECT_EQ(arch_mmu_map(&u.space, VA(0), u.frame[1], rw), 0);
	EXPECT_EQ(arch_mmu_map(&u.space, VA(1), u.frame[0], rw), 0);
	arch_tlb_flush_range(&u.space, VA(0) + 10, PAGE);    /* touches both pages */
	EXPECT_EQ(first_byte(VA(0)), 0x40);
	EXPECT_EQ(first_byte(VA(1)), 0x00);

	/* the whole space, and a protect that removes the right to write */
	arch_mmu_protect(&u.space, VA(1), MMU_READ | MMU_USER);
	arch_tlb_flush_space(&u.space);
	uint8_t b = 1;
	EXPECT_EQ(arch_copy_to_user(VA(1), &b, 1), -EFAULT);
	EXPECT_EQ(first_byte(VA(1)), 0x00);

	/* back to the kernel's tables: user addresses are gone */
	arch_mmu_space_activate(NULL);
	EXPECT_EQ((uintptr_t)x86_active_space, 0);
	EXPECT_EQ(x86_read_cr3() & X86_PTE_ADDR_MASK, x86_kernel_root);
	EXPECT_EQ(first_byte(VA(1)), -1);
	uspace_teardown(&u);
}
