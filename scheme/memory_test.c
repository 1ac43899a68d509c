/* Self-tests of the memory: scheme's paths and physical files (scheme/memory.c; zeroed and
 * MAP_PHYS_CONTIGUOUS are in memory_contig_test.c), from kernel mode: the scheme's operations are
 * called directly on throwaway address spaces (the registry and the syscalls are tested by
 * tests/user/memory_scheme.c), pages
 * are made present with vm_fault, and device registers are reached through the user mapping
 * with the arch's unprivileged accesses (ldtr/sttr on aarch64; stac/mov/clac on x86) after the
 * fault, so that what the test reads really went through the entry the scheme made.
 *
 * Devices used, both present on the QEMU machines the tests boot:
 *   aarch64 virt: the PL011 UART at 0x09000000 (the console). Its identification registers
 *     0xfe0-0xffc read 0x11 0x10 0x14 0x00 0x0d 0xf0 0x05 0xb1; a byte written to UARTDR goes to
 *     the console and sets the transmit bit (5) of the raw interrupt status UARTRIS.
 *   x86 pc: the HPET at 0xfed00000 (the serial port is port I/O, not memory). Its general
 *     capabilities register reads 0x8086a201 (vendor 8086, legacy route and 64-bit counter
 *     capable, 3 timers, revision 1) and the counter period 0x00989680 (10^7 fs = 10 ns); QEMU
 *     accepts only 32-bit accesses there.
 * The wc and wb entries are checked on a page nobody uses (aarch64: the PL031 RTC at 0x09010000,
 * so that the console's Device mapping of the PL011 gets no cacheable alias). */
#include "scheme/memory_test.h"
#include "kernel/boot_info.h"
#include "kernel/kprintf.h"
#include "mm/check.h"
#include "mm/mm.h"
#include "mm/pageinfo.h"
#if defined(ARCH_aarch64)
#include "arch/aarch64/pte.h"
#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/memlayout.h"
#else
#include "arch/x86/features.h"
#include "arch/x86/mmu.h"
#include "arch/x86/pte.h"
#include "arch/x86/x86.h"
#endif

extern struct boot_info *boot_info;

#if defined(ARCH_aarch64)
#define DEVICE_PA      0x09000000ull      /* PL011 */
#define DEVICE_ID_OFF  0xfe0
#define QUIET_PA       0x09010000ull      /* PL031 RTC: mapped wb/wc, never touched */
#else
#define DEVICE_PA      0xfed00000ull      /* HPET */
#define DEVICE_ID_OFF  0x000
#define QUIET_PA       DEVICE_PA
#endif

/* ---- Reaching a user mapping from kernel mode (the space must be active, the page present) ---- */

#if defined(ARCH_aarch64)
/* Returns the 32-bit word at user address VA, read with EL0's permissions (ldtr). */
static uint32_t user_read32(uintptr_t va)
{
	uint32_t v;
	__asm__ volatile("ldtr %w0, [%1]" : "=r"(v) : "r"(va) : "memory");
	return v;
}

/* Stores VALUE at user address VA with EL0's permissions (sttrb). */
static void user_write8(uintptr_t va, uint8_t value)
{
	__asm__ volatile("sttrb %w0, [%1]" : : "r"(value), "r"(va) : "memory");
}

/* The L3 descriptor of VA in AS, straight from the tables (0 when a table is missing). */
static uint64_t raw_entry(struct addrspace *as, uintptr_t va)
{
	pte_t *t = (pte_t *)(DIRECT_MAP_BASE + as->mmu.root);
	for (unsigned level = 0; level < 3; level++) {
		pte_t e = t[(va >> (39 - 9 * level)) & 511];
		if ((e & 3) != 3)
			return 0;
		t = (pte_t *)(DIRECT_MAP_BASE + (e & PTE_ADDR_MASK));
	}
	return t[(va >> 12) & 511];
}
#else
/* Returns the 32-bit word at user address VA (one 32-bit load, SMAP opened around it). */
static uint32_t user_read32(uintptr_t va)
{
	if (x86_smap_enabled)
		__asm__ volatile("stac" : : : "memory");
	uint32_t v = *(volatile uint32_t *)va;
	if (x86_smap_enabled)
		__asm__ volatile("clac" : : : "memory");
	return v;
}

/* The leaf entry of VA in AS (0 when none). */
static uint64_t raw_entry(struct addrspace *as, uintptr_t va)
{
	return x86_mmu_leaf(&as->mmu, va);
}
#endif

/* ---- Tests ---- */

KTEST(memory_scheme_open_paths)
{
	static const char *const bad[] = {
		"", "zero", "Zeroed", "zeroed/", "physical@", "physical@xx", "physical@uc ",
		"physical@wbx", "physicalwb", "physical@@wb",
	};
	static const struct { const char *path; uint64_t id; } good[] = {
		{ "zeroed", MEMORY_FILE_ZEROED }, { "physical", MEMORY_FILE_PHYS_WB },
		{ "physical@wb", MEMORY_FILE_PHYS_WB }, { "physical@uc", MEMORY_FILE_PHYS_UC },
		{ "physical@wc", MEMORY_FILE_PHYS_WC },
	};
	struct scheme_file f;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
		EXPECT_EQ(mem_open(good[i].path, O_RDWR, &f), 0);
		EXPECT_EQ(f.id, good[i].id);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(mem_open(bad[i], O_RDWR, &f), -ENOENT);
	/* read, write and fsize are not offered: the registry answers -EINVAL for them */
	EXPECT_TRUE(memory_scheme_ops.read == NULL);
	EXPECT_TRUE(memory_scheme_ops.write == NULL);
	EXPECT_TRUE(memory_scheme_ops.fsize == NULL);
	EXPECT_TRUE(memory_scheme_ops.mmap != NULL);
}

KTEST(memory_scheme_physical_refuses_owned_frames_and_bad_requests)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	paddr_t owned;
	ASSERT_EQ(frame_alloc(&owned), 0);
	struct scheme_file f;
	uintptr_t a = 0;
	static const char *const paths[] = { "physical", "physical@wb", "physical@uc", "physical@wc" };
	for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
		ASSERT_EQ(mem_open(paths[i], O_RDWR, &f), 0);
		EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, owned, &a), -EPERM);
		EXPECT_EQ(mem_mmap(&f, as, PG, PROT_READ, MAP_SHARED, vm_zero_frame(), &a), -EPERM);
	}
	/* usable RAM, owned or not (the kernel image, the frame metadata), is refused too: the
	 * first and the last page of every usable range of the boot memory map */
	ASSERT_EQ(mem_open("physical@wb", O_RDWR, &f), 0);
	unsigned ranges = 0;
	for (unsigned i = 0; i < boot_info->mem_count; i++) {
		const struct boot_mem_range *r = &boot_info->mem[i];
		paddr_t first = ALIGN_UP(r->base, (paddr_t)PG), end = ALIGN_DOWN(r->base + r->size, (paddr_t)PG);
		if (r->type != BOOT_MEM_USABLE || end <= first || end > PHYS_LIMIT)
			continue;
		ranges++;
		EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, first, &a), -EPERM);
		EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, end - PG, &a), -EPERM);
		/* a range from a page that is not RAM into this RAM: refused as a whole */
		if (first >= PG && !mm_phys_is_ram(first - PG, PG) && !pageinfo_of(first - PG)) {
			EXPECT_EQ(mem_mmap(&f, as, PG, PROT_READ, MAP_SHARED, first - PG, &a), 0);
			EXPECT_EQ(vm_munmap(as, a, PG), 0);
			EXPECT_EQ(mem_mmap(&f, as, 2 * PG, RW, MAP_SHARED, first - PG, &a), -EPERM);
		}
	}
	EXPECT_GT(ranges, 0);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, DEVICE_PA + 1, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_PRIVATE, DEVICE_PA, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED | MAP_PHYS_CONTIGUOUS, DEVICE_PA, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, 0, RW, MAP_SHARED, DEVICE_PA, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, PHYS_LIMIT, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, ~0ull & ~(uint64_t)(PG - 1), &a), -EINVAL);
	/* opened read-only: no writable mapping, a readable one is fine */
	ASSERT_EQ(mem_open("physical@uc", O_RDONLY, &f), 0);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, DEVICE_PA, &a), -EACCES);
	EXPECT_EQ(grant_count(as), 0);
	EXPECT_EQ(mem_mmap(&f, as, PG, PROT_READ, MAP_SHARED, DEVICE_PA, &a), 0);
	EXPECT_EQ(grant_kind_at(as, a), GRANT_PHYS_BORROWED);
	EXPECT_EQ(grant_count(as), 1);

	frame_free(owned);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(memory_scheme_physical_uc_reaches_the_device)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	struct scheme_file f;
	uintptr_t a = 0;
	ASSERT_EQ(mem_open("physical@uc", O_RDWR, &f), 0);
	ASSERT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, DEVICE_PA, &a), 0);
	EXPECT_EQ(grant_kind_at(as, a), GRANT_PHYS_BORROWED);
	int err;
	/* the translation is known before the page is present */
	EXPECT_EQ(v2p(as, a + 0x18, &err), DEVICE_PA + 0x18);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(frame_at(as, a, NULL), ~(paddr_t)0);
	ASSERT_EQ(vm_fault(as, a, VM_ACCESS_WRITE), 0);
	unsigned flags = 0;
	EXPECT_EQ(frame_at(as, a, &flags), DEVICE_PA);
	EXPECT_EQ(flags & MMU_CACHE_MASK, MMU_CACHE_UC);
	EXPECT_TRUE(flags & MMU_WRITE);
	EXPECT_FALSE(flags & MMU_EXEC);
	uint64_t e = raw_entry(as, a);
#if defined(ARCH_aarch64)
	EXPECT_EQ((e & PTE_ATTR_IDX_MASK) >> 2, MAIR_IDX_DEVICE_NGNRE);
	EXPECT_EQ((read_sysreg(mair_el1) >> (8 * MAIR_IDX_DEVICE_NGNRE)) & 0xff, 0x04);
	EXPECT_EQ(e & PTE_ADDR_MASK, DEVICE_PA);
#else
	EXPECT_EQ(e & X86_PTE_CACHE_MASK, X86_PTE_PCD | X86_PTE_PWT);   /* PAT entry 3 */
	EXPECT_EQ((x86_rdmsr(X86_MSR_PAT) >> 24) & 0xff, 0x00);          /* strong UC */
	EXPECT_EQ(e & X86_PTE_ADDR_MASK, DEVICE_PA);
#endif

	addrspace_activate(as);
	uint32_t id[4];
	for (unsigned i = 0; i < 4; i++)
		id[i] = user_read32(a + DEVICE_ID_OFF + 4 * i);
#if defined(ARCH_aarch64)
	uint32_t cell[4];
	for (unsigned i = 0; i < 4; i++)
		cell[i] = user_read32(a + 0xff0 + 4 * i);
	EXPECT_EQ(id[0], 0x11);
	EXPECT_EQ(id[1], 0x10);
	EXPECT_EQ(id[2], 0x14);
	EXPECT_EQ(id[3], 0x00);
	EXPECT_EQ(cell[0], 0x0d);
	EXPECT_EQ(cell[1], 0xf0);
	EXPECT_EQ(cell[2], 0x05);
	EXPECT_EQ(cell[3], 0xb1);
	/* Clear the transmit bit of the raw interrupt status (UARTICR), send through the user
	 * mapping, and see the UART raise it again: the bytes reached the device. */
	user_write8(a + 0x44, 0x20);
	EXPECT_EQ(user_read32(a + 0x3c) & 0x20, 0);
	kprintf("# PL011 written through a memory:physical@uc user mapping: ");
	static const char msg[] = "uc ok\n";
	for (size_t i = 0; i < sizeof(msg) - 1; i++) {
		for (unsigned spin = 0; spin < 1000000 && (user_read32(a + 0x18) & 0x20); spin++)
			;                        /* TXFF: transmit FIFO full */
		user_write8(a, (uint8_t)msg[i]);
	}
	EXPECT_EQ(user_read32(a + 0x3c) & 0x20, 0x20);
	EXPECT_EQ(user_read32(a + 0x18) & 0x80, 0x80);   /* TXFE: sent */
#else
	EXPECT_EQ(id[0], 0x8086a201);      /* vendor 8086, LegacyReplacementRoute, 64-bit, 3 timers */
	EXPECT_EQ(id[1], 0x00989680);      /* 10^7 fs per tick */
	ktest_log("HPET through a memory:physical@uc user mapping: id %#x period %u fs", id[0],
		  id[1]);
#endif
	addrspace_activate(NULL);
	EXPECT_EQ(vm_munmap(as, a, PG), 0);
	EXPECT_EQ(frame_at(as, a, NULL), ~(paddr_t)0);
	EXPECT_EQ(v2p(as, a, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(memory_scheme_physical_wc_and_wb_entry_types)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	struct scheme_file wc, wb;
	uintptr_t a = 0, b = 0;
	ASSERT_EQ(mem_open("physical@wc", O_RDWR, &wc), 0);
	ASSERT_EQ(mem_open("physical", O_RDWR, &wb), 0);
	ASSERT_EQ(mem_mmap(&wc, as, 2 * PG, PROT_READ, MAP_SHARED, QUIET_PA, &a), 0);
	ASSERT_EQ(mem_mmap(&wb, as, PG, PROT_READ, MAP_SHARED, QUIET_PA, &b), 0);
	ASSERT_EQ(vm_fault(as, a + PG, VM_ACCESS_READ), 0);
	ASSERT_EQ(vm_fault(as, b, VM_ACCESS_READ), 0);
	unsigned flags = 0;
	EXPECT_EQ(frame_at(as, a + PG, &flags), QUIET_PA + PG);
	EXPECT_EQ(flags & MMU_CACHE_MASK, MMU_CACHE_WC);
	EXPECT_FALSE(flags & MMU_WRITE);
	EXPECT_EQ(frame_at(as, b, &flags), QUIET_PA);
	EXPECT_EQ(flags & MMU_CACHE_MASK, MMU_CACHE_WB);
	uint64_t ewc = raw_entry(as, a + PG), ewb = raw_entry(as, b);
#if defined(ARCH_aarch64)
	EXPECT_EQ((ewc & PTE_ATTR_IDX_MASK) >> 2, MAIR_IDX_NORMAL_NC);
	EXPECT_EQ((read_sysreg(mair_el1) >> (8 * MAIR_IDX_NORMAL_NC)) & 0xff, 0x44);
	EXPECT_EQ((ewb & PTE_ATTR_IDX_MASK) >> 2, MAIR_IDX_NORMAL_WB);
	EXPECT_EQ((read_sysreg(mair_el1) >> (8 * MAIR_IDX_NORMAL_WB)) & 0xff, 0xff);
#else
	if (x86_pat_enabled) {
		EXPECT_EQ(ewc & X86_PTE_CACHE_MASK, X86_PTE_PWT);          /* PAT entry 1 */
		EXPECT_EQ((x86_rdmsr(X86_MSR_PAT) >> 8) & 0xff, 0x01);    /* WC */
	} else {
		EXPECT_EQ(ewc & X86_PTE_CACHE_MASK, X86_PTE_PCD | X86_PTE_PWT);
	}
	EXPECT_EQ(ewb & X86_PTE_CACHE_MASK, 0);                           /* PAT entry 0 */
	EXPECT_EQ(x86_rdmsr(X86_MSR_PAT) & 0xff, 0x06);                   /* WB */
#endif
	/* the two grants have different cache types: never merged */
	EXPECT_EQ(grant_count(as), 2);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}
