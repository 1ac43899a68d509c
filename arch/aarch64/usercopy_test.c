/* Self-tests of aarch64 usercopy and PAN: copies to and from a mapped user page in every
 * alignment path; -EFAULT with nothing changed for unmapped, kernel, straddling, read-only,
 * no-access and wrapping ranges; and a plain kernel read of a user page trapping under PAN. */
#include "kernel/ktest.h"
#include "kernel/trap.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "kernel/panic.h"
#include "mm/frame.h"
#include "arch/aarch64/mmu.h"
#include "arch/aarch64/cpu.h"
#include "arch/aarch64/memlayout.h"

#define UVA      0x400000ul            /* read/write page, followed by a hole */
#define URW2     0x402000ul            /* read/write page, followed by ... */
#define URO      0x403000ul            /* ... a read-only page */
#define UNONE    0x405000ul            /* MMU_USER without rights: EL0 cannot touch it */
#define UTOP_PG  (USER_TOP - PAGE_SIZE) /* the last user page, read/write */

long aarch64_copy_from_user(void *dst, uintptr_t src, size_t size);
long aarch64_copy_to_user(uintptr_t dst, const void *src, size_t size);

enum { RW, RW2, RO, NONE, TOP, PAGES };
static const uintptr_t page_va[PAGES] = { UVA, URW2, URO, UNONE, UTOP_PG };
static const unsigned page_flags[PAGES] = {
	MMU_USER | MMU_READ | MMU_WRITE, MMU_USER | MMU_READ | MMU_WRITE, MMU_USER | MMU_READ,
	MMU_USER, MMU_USER | MMU_READ | MMU_WRITE,
};

struct uc_env {
	struct mmu_space space;
	paddr_t frame[PAGES];
};

static uint8_t *frame_bytes(paddr_t pa)
{
	return (uint8_t *)(DIRECT_MAP_BASE + pa);
}

/* The initial byte at offset I of test page P. */
static uint8_t initial(unsigned p, unsigned i)
{
	return (uint8_t)(i + 0x40 * p);
}

/* Creates and activates a space with the test pages, each filled by initial(). */
static bool uc_setup(struct uc_env *env)
{
	if (arch_mmu_space_create(&env->space))
		return false;
	for (unsigned p = 0; p < PAGES; p++) {
		kassert(frame_alloc(&env->frame[p]) == 0);
		for (unsigned i = 0; i < PAGE_SIZE; i++)
			frame_bytes(env->frame[p])[i] = initial(p, i);
		kassert(!arch_mmu_map(&env->space, page_va[p], env->frame[p], page_flags[p]));
	}
	arch_mmu_space_activate(&env->space);
	return true;
}

/* Returns whether test page P still holds its initial bytes. */
static bool unchanged(const struct uc_env *env, unsigned p)
{
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		if (frame_bytes(env->frame[p])[i] != initial(p, i))
			return false;
	return true;
}

static void uc_teardown(struct uc_env *env)
{
	arch_mmu_space_activate(NULL);
	for (unsigned p = 0; p < PAGES; p++)
		kassert(arch_mmu_unmap(&env->space, page_va[p], NULL));
	arch_tlb_flush_space(&env->space);
	arch_mmu_space_destroy(&env->space);
	for (unsigned p = 0; p < PAGES; p++)
		frame_free(env->frame[p]);
}

static uint8_t buf[2 * 4096 + 16];

KTEST(aarch64_copy_from_user_every_alignment)
{
	struct uc_env env;
	ASSERT_TRUE(uc_setup(&env));

	/* whole page, 8-byte units */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(arch_copy_from_user(buf, UVA, PAGE_SIZE), 0);
	EXPECT_EQ(memcmp(buf, frame_bytes(env.frame[RW]), PAGE_SIZE), 0);
	/* same misalignment on both sides: bytes up to the boundary, words, a tail */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(arch_copy_from_user(buf + 3, UVA + 3, 100), 0);
	EXPECT_EQ(memcmp(buf + 3, frame_bytes(env.frame[RW]) + 3, 100), 0);
	EXPECT_EQ(buf[2], 0);
	EXPECT_EQ(buf[103], 0);
	/* different alignment: bytes only */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(arch_copy_from_user(buf + 1, UVA + 6, 37), 0);
	EXPECT_EQ(memcmp(buf + 1, frame_bytes(env.frame[RW]) + 6, 37), 0);
	EXPECT_EQ(buf[0], 0);
	EXPECT_EQ(buf[38], 0);
	/* read-only page, and the very last bytes below the user top */
	EXPECT_EQ(arch_copy_from_user(buf, URO + 8, 16), 0);
	EXPECT_EQ(memcmp(buf, frame_bytes(env.frame[RO]) + 8, 16), 0);
	EXPECT_EQ(arch_copy_from_user(buf, USER_TOP - 16, 16), 0);
	EXPECT_EQ(memcmp(buf, frame_bytes(env.frame[TOP]) + PAGE_SIZE - 16, 16), 0);
	EXPECT_EQ(arch_copy_from_user(buf, 0x12345, 0), 0);
	uc_teardown(&env);
}

KTEST(aarch64_copy_to_user_every_alignment)
{
	struct uc_env env;
	ASSERT_TRUE(uc_setup(&env));
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(0xa5 ^ i);

	EXPECT_EQ(arch_copy_to_user(UVA, buf, PAGE_SIZE), 0);
	EXPECT_EQ(memcmp(frame_bytes(env.frame[RW]), buf, PAGE_SIZE), 0);
	memset(frame_bytes(env.frame[RW]), 0, PAGE_SIZE);
	EXPECT_EQ(arch_copy_to_user(UVA + 5, buf + 5, 99), 0);
	EXPECT_EQ(memcmp(frame_bytes(env.frame[RW]) + 5, buf + 5, 99), 0);
	EXPECT_EQ(frame_bytes(env.frame[RW])[4], 0);
	EXPECT_EQ(frame_bytes(env.frame[RW])[104], 0);
	EXPECT_EQ(arch_copy_to_user(UVA + 200, buf + 1, 30), 0);
	EXPECT_EQ(memcmp(frame_bytes(env.frame[RW]) + 200, buf + 1, 30), 0);
	EXPECT_EQ(frame_bytes(env.frame[RW])[230], 0);
	EXPECT_EQ(arch_copy_to_user(USER_TOP - 8, buf, 8), 0);
	EXPECT_EQ(memcmp(frame_bytes(env.frame[TOP]) + PAGE_SIZE - 8, buf, 8), 0);
	uc_teardown(&env);
}

/* Expects a usercopy fault resolved through the fixup table at ADDR with ACCESS. */
static void expect_fixup(uintptr_t addr, enum trap_access access, bool present)
{
	EXPECT_EQ(trap_last_fixup.kind, TRAP_PAGE_FAULT);
	EXPECT_EQ(trap_last_fixup.fault_addr, addr);
	EXPECT_EQ(trap_last_fixup.access, access);
	EXPECT_EQ(trap_last_fixup.present, present);
	EXPECT_FALSE(trap_last_fixup.user);
	/* pc is the faulting instruction, inside the copy routines */
	EXPECT_GE(trap_last_fixup.pc, (uintptr_t)aarch64_copy_from_user);
	EXPECT_LT(trap_last_fixup.pc, (uintptr_t)aarch64_copy_from_user + 0x200);
}

KTEST(aarch64_copy_from_user_faults_change_nothing)
{
	struct uc_env env;
	ASSERT_TRUE(uc_setup(&env));
	static const uint8_t junk[64] = { [0 ... 63] = 0x5a };

	/* unmapped user page */
	memset(buf, 0x5a, 64);
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_copy_from_user(buf, UVA + PAGE_SIZE + 8, 16), -EFAULT);
	EXPECT_EQ(memcmp(buf, junk, 64), 0);
	expect_fixup(UVA + PAGE_SIZE + 8, TRAP_ACCESS_READ, false);
	/* straddling the end of the mapping: the mapped half is not copied either */
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_copy_from_user(buf, UVA + PAGE_SIZE - 8, 16), -EFAULT);
	EXPECT_EQ(memcmp(buf, junk, 64), 0);
	expect_fixup(UVA + PAGE_SIZE, TRAP_ACCESS_READ, false);
	/* a present page EL0 may not read: refused by the unprivileged load (permission fault) */
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_copy_from_user(buf, UNONE, 8), -EFAULT);
	EXPECT_EQ(memcmp(buf, junk, 64), 0);
	expect_fixup(UNONE, TRAP_ACCESS_READ, true);
	/* EL1 itself may read it: PAN only guards pages EL0 can access */
	EXPECT_EQ(*(volatile uint8_t *)UNONE, initial(NONE, 0));
	/* kernel addresses and ranges past the top or wrapping: refused before any access */
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_copy_from_user(buf, (uintptr_t)junk, 8), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, DIRECT_MAP_BASE + env.frame[RW], 8), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, USER_TOP - 8, 16), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, USER_TOP, 1), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, ~0ul - 3, 8), -EFAULT);
	EXPECT_EQ(arch_copy_from_user(buf, UVA, ~0ul), -EFAULT);
	EXPECT_EQ(memcmp(buf, junk, 64), 0);
	EXPECT_EQ(trap_last_fixup.kind, TRAP_OTHER);   /* no fault happened */
	uc_teardown(&env);
}

KTEST(aarch64_copy_to_user_faults_change_nothing)
{
	struct uc_env env;
	ASSERT_TRUE(uc_setup(&env));
	memset(buf, 0xee, 64);

	/* straddling the end of the mapping: the mapped half is left untouched */
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_copy_to_user(UVA + PAGE_SIZE - 8, buf, 16), -EFAULT);
	EXPECT_TRUE(unchanged(&env, RW));
	expect_fixup(UVA + PAGE_SIZE, TRAP_ACCESS_READ, false);
	/* a read-only page: the write probe faults (a write on a present entry) */
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_copy_to_user(URO + 16, buf, 8), -EFAULT);
	EXPECT_TRUE(unchanged(&env, RO));
	expect_fixup(URO + 16, TRAP_ACCESS_WRITE, true);
	EXPECT_EQ(aarch64_pan_enabled(), aarch64_cpu.pan);   /* the fixup turned PAN back on */
	/* a writable page followed by a read-only one: nothing written on either */
	trap_last_fixup = (struct trap_info){ 0 };
	EXPECT_EQ(arch_copy_to_user(URO - 100, buf, 200), -EFAULT);
	EXPECT_TRUE(unchanged(&env, RW2));
	EXPECT_TRUE(unchanged(&env, RO));
	expect_fixup(URO, TRAP_ACCESS_WRITE, true);
	/* no EL0 access at all, kernel addresses, past the top, wrapping */
	EXPECT_EQ(arch_copy_to_user(UNONE, buf, 8), -EFAULT);
	EXPECT_TRUE(unchanged(&env, NONE));
	uint64_t kernel_word = 7;
	EXPECT_EQ(arch_copy_to_user((uintptr_t)&kernel_word, buf, 8), -EFAULT);
	EXPECT_EQ(kernel_word, 7);
	EXPECT_EQ(arch_copy_to_user(USER_TOP - 4, buf, 8), -EFAULT);
	EXPECT_EQ(arch_copy_to_user(~0ul - 3, buf, 8), -EFAULT);
	EXPECT_TRUE(unchanged(&env, TOP));
	EXPECT_TRUE(unchanged(&env, RW));
	uc_teardown(&env);
}

KTEST(aarch64_pan_stops_plain_kernel_reads_of_user_pages)
{
	if (!aarch64_cpu.pan) {
		ktest_skip("no FEAT_PAN on this CPU");
		return;
	}
	struct uc_env env;
	ASSERT_TRUE(uc_setup(&env));
	struct trap_info info = { 0 };
	volatile uint8_t *user = (volatile uint8_t *)(UVA + 0x20);

	EXPECT_TRUE(aarch64_pan_enabled());
	if (KTEST_CATCH_TRAP(&info) == 0) {
		(void)*user;
		ktest_trap_disarm();
		EXPECT_TRUE(!"a plain kernel read of a user page did not trap");
	} else {
		EXPECT_EQ(info.kind, TRAP_PAGE_FAULT);
		EXPECT_EQ(info.vector, 0x25);                   /* data abort, same EL */
		EXPECT_EQ(info.code & 0x3c, 0x0c);              /* FSC: permission fault */
		EXPECT_TRUE(info.present);
		EXPECT_FALSE(info.user);
		EXPECT_EQ(info.access, TRAP_ACCESS_READ);
		EXPECT_EQ(info.fault_addr, UVA + 0x20);
	}
	/* the same byte through usercopy is fine */
	uint8_t b = 0;
	EXPECT_EQ(arch_copy_from_user(&b, UVA + 0x20, 1), 0);
	EXPECT_EQ(b, 0x20);
	uc_teardown(&env);
}

KTEST(aarch64_usercopy_on_device_and_write_combining_pages)
{
	struct mmu_space s;
	paddr_t uc, wc;
	ASSERT_EQ(arch_mmu_space_create(&s), 0);
	kassert(frame_alloc(&uc) == 0 && frame_alloc(&wc) == 0);
	const uintptr_t uva = 0x600000, wva = 0x601000;
	ASSERT_EQ(arch_mmu_map(&s, uva, uc, MMU_USER | MMU_READ | MMU_WRITE | MMU_CACHE_UC), 0);
	ASSERT_EQ(arch_mmu_map(&s, wva, wc, MMU_USER | MMU_READ | MMU_WRITE | MMU_CACHE_WC), 0);
	arch_mmu_space_activate(&s);

	/* writable at EL0 from the start: copy_to_user needs no exclusive probe on them; read
	 * back through the same mappings (the direct map's write-back alias would mismatch) */
	static const uint8_t pattern[24] = "device and write-comb!!";
	uint8_t back[24];
	EXPECT_EQ(arch_copy_to_user(uva + 8, pattern, sizeof(pattern)), 0);
	EXPECT_EQ(arch_copy_to_user(wva + 3, pattern, sizeof(pattern)), 0);
	memset(back, 0, sizeof(back));
	EXPECT_EQ(arch_copy_from_user(back, uva + 8, sizeof(back)), 0);
	EXPECT_EQ(memcmp(back, pattern, sizeof(pattern)), 0);
	memset(back, 0, sizeof(back));
	EXPECT_EQ(arch_copy_from_user(back, wva + 3, sizeof(back)), 0);
	EXPECT_EQ(memcmp(back, pattern, sizeof(pattern)), 0);

	arch_mmu_space_activate(NULL);
	EXPECT_TRUE(arch_mmu_unmap(&s, uva, NULL));
	EXPECT_TRUE(arch_mmu_unmap(&s, wva, NULL));
	arch_tlb_flush_space(&s);
	arch_mmu_space_destroy(&s);
	frame_free(uc);
	frame_free(wc);
}
