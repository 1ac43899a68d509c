/* Self-tests of the generic trap path: the fixup table and the unexpected-trap report. */
#include "kernel/ktest.h"
#include "kernel/trap.h"

/* Reads one byte at ADDR through an instruction listed in the fixup table: returns 0 and the
 * byte, or -EFAULT if the read faulted. Provided by each arch in assembly. */
int arch_probe_read_u8(uintptr_t addr, uint8_t *out);

KTEST(trap_fixup_table_resumes_faulting_read)
{
	uint8_t byte = 0x5a;
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_probe_read_u8(ARCH_TEST_UNMAPPED_ADDR, &byte), -14 /* -EFAULT */);
	EXPECT_EQ(byte, 0x5a);
	EXPECT_EQ(trap_last_fixup.kind, TRAP_PAGE_FAULT);
	EXPECT_EQ(trap_last_fixup.fault_addr, ARCH_TEST_UNMAPPED_ADDR);
	EXPECT_EQ(trap_last_fixup.access, TRAP_ACCESS_READ);
	EXPECT_FALSE(trap_last_fixup.user);

	/* the same probe on mapped memory reads it */
	static const uint8_t known = 0xc3;
	EXPECT_EQ(arch_probe_read_u8((uintptr_t)&known, &byte), 0);
	EXPECT_EQ(byte, 0xc3);
}

KTEST(trap_unexpected_fault_is_reported)
{
	struct trap_info info = { 0 };
	volatile uint8_t *bad = (volatile uint8_t *)(ARCH_TEST_UNMAPPED_ADDR + 0x123);

	if (KTEST_CATCH_TRAP(&info) == 0) {
		(void)*bad;
		ktest_trap_disarm();
		EXPECT_TRUE(!"the read of an unmapped address did not trap");
		return;
	}
	EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
	EXPECT_EQ(info.vector, ARCH_TRAP_VECTOR_KERNEL_DATA_FAULT);
	EXPECT_EQ(info.fault_addr, ARCH_TEST_UNMAPPED_ADDR + 0x123);
	EXPECT_EQ(info.access, TRAP_ACCESS_READ);
	EXPECT_FALSE(info.present);
	EXPECT_FALSE(info.user);
	EXPECT_STREQ(info.name, ARCH_TRAP_NAME_KERNEL_DATA_FAULT);
}

KTEST(trap_unexpected_write_is_reported_as_write)
{
	struct trap_info info = { 0 };
	volatile uint32_t *bad = (volatile uint32_t *)(ARCH_TEST_UNMAPPED_ADDR + 0x40);

	if (KTEST_CATCH_TRAP(&info) == 0) {
		*bad = 0xdeadbeef;
		ktest_trap_disarm();
		EXPECT_TRUE(!"the write to an unmapped address did not trap");
		return;
	}
	EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
	EXPECT_EQ(info.fault_addr, ARCH_TEST_UNMAPPED_ADDR + 0x40);
	EXPECT_EQ(info.access, TRAP_ACCESS_WRITE);
}
