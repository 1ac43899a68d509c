/* Self-tests of the memory: scheme (scheme/memory.c) and of MAP_PHYS_CONTIGUOUS / virt-to-phys
 * (mm/contig.c), from kernel mode: the scheme's operations are called directly on throwaway
 * address spaces (the registry and the syscalls are tested by tests/user/memory_scheme.c), pages
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
#include "kernel/ktest.h"
#include "kernel/errno.h"
#include "kernel/kprintf.h"
#include "kernel/string.h"
#include "mm/addrspace.h"
#include "mm/alloc_inject.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/mm.h"
#include "mm/pageinfo.h"
#include "mm/section.h"
#include "mm/vm.h"
#include "mm/vm_internal.h"
#include "scheme/memory.h"
#include "kernel/boot_info.h"
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

#define PG     FRAME_SIZE
#define RW     (PROT_READ | PROT_WRITE)
#define KIB64  (64u * 1024)

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
static uint32_t user_read32(uintptr_t va)
{
	uint32_t v;
	__asm__ volatile("ldtr %w0, [%1]" : "=r"(v) : "r"(va) : "memory");
	return v;
}

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
static uint32_t user_read32(uintptr_t va)
{
	if (x86_smap_enabled)
		__asm__ volatile("stac" : : : "memory");
	uint32_t v = *(volatile uint32_t *)va;
	if (x86_smap_enabled)
		__asm__ volatile("clac" : : : "memory");
	return v;
}

static uint64_t raw_entry(struct addrspace *as, uintptr_t va)
{
	return x86_mmu_leaf(&as->mmu, va);
}
#endif

/* ---- Helpers ---- */

static uint64_t free_start(void)
{
	vm_zero_frame_init();
	return frame_count_free();
}

/* Opens memory:PATH with O_* FLAGS into *F through the scheme's own open; returns its result. */
static int mem_open(const char *path, unsigned flags, struct scheme_file *f)
{
	memset(f, 0, sizeof(*f));
	f->flags = flags;
	return memory_scheme_ops.open(NULL, path, flags, f);
}

static int mem_mmap(struct scheme_file *f, struct addrspace *as, size_t len, unsigned prot,
		    unsigned flags, uint64_t offset, uintptr_t *out)
{
	return memory_scheme_ops.mmap(f, as, 0, len, prot, flags, offset, out);
}

static size_t grant_count(struct addrspace *as)
{
	size_t n = 0;
	unsigned long irq = spin_lock_irqsave(&as->lock);
	for (struct grant *g = grant_tree_first(&as->grants); g; g = grant_tree_next(g))
		n++;
	spin_unlock_irqrestore(&as->lock, irq);
	return n;
}

static int grant_kind_at(struct addrspace *as, uintptr_t va)
{
	unsigned long irq = spin_lock_irqsave(&as->lock);
	struct grant *g = grant_tree_find(&as->grants, va);
	int kind = g ? (int)g->provider.kind : -1;
	spin_unlock_irqrestore(&as->lock, irq);
	return kind;
}

static paddr_t frame_at(struct addrspace *as, uintptr_t va, unsigned *flags)
{
	paddr_t pa = ~(paddr_t)0;
	if (!arch_mmu_query(&as->mmu, va, &pa, flags))
		return ~(paddr_t)0;
	return pa;
}

static paddr_t v2p(struct addrspace *as, uintptr_t va, int *err)
{
	paddr_t pa = ~(paddr_t)0;
	*err = vm_virt_to_phys(as, va, &pa);
	return pa;
}

/* Returns how many frames the kernel heap holds (grant nodes come and go with their slabs). */
static uint64_t heap_frames(void)
{
	struct kheap_stats st;
	kheap_get_stats(&st);
	return st.frames;
}

/* Returns whether every byte of the frame at PA is VALUE. */
static bool frame_all(paddr_t pa, uint8_t value)
{
	const uint8_t *p = kmap_frame(pa);
	bool same = true;
	for (size_t i = 0; i < PG && same; i++)
		same = p[i] == value;
	kunmap_frame((void *)p);
	return same;
}

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

KTEST(memory_scheme_contiguous_64k_frames_zeroed_shared_freed)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	struct scheme_file f;
	uintptr_t a = 0;
	ASSERT_EQ(mem_open("zeroed", O_RDWR, &f), 0);
	/* warm the page tables of the range once, so that the counts below are frames alone */
	ASSERT_EQ(mem_mmap(&f, as, KIB64, RW, MAP_SHARED | MAP_PHYS_CONTIGUOUS, 0, &a), 0);
	ASSERT_EQ(vm_munmap(as, a, KIB64), 0);
	uintptr_t b = 0;
	uint64_t before = frame_count_free() + heap_frames();
	ASSERT_EQ(memory_scheme_ops.mmap(&f, as, a, KIB64, RW,
					 MAP_SHARED | MAP_PHYS_CONTIGUOUS | MAP_FIXED, 0, &b), 0);
	ASSERT_EQ(b, a);
	EXPECT_EQ(before - frame_count_free() - heap_frames(), KIB64 / PG);
	EXPECT_EQ(grant_kind_at(as, a), GRANT_ALLOCATED_SHARED);
	int err;
	paddr_t base = v2p(as, a, &err);
	ASSERT_EQ(err, 0);
	EXPECT_EQ(base % PG, 0);
	for (size_t i = 0; i < KIB64 / PG; i++) {
		unsigned flags = 0;
		/* present without a fault, the run in order, each frame zeroed and owned once */
		EXPECT_EQ(frame_at(as, a + i * PG, &flags), base + i * PG);
		EXPECT_EQ(vm_flags_norm(flags), MMU_USER | MMU_READ | MMU_WRITE | MMU_CACHE_WB);
		EXPECT_EQ(v2p(as, a + i * PG + 123, &err), base + i * PG + 123);
		EXPECT_EQ(err, 0);
		struct pageinfo *pi = pageinfo_of(base + i * PG);
		ASSERT_TRUE(pi != NULL);
		EXPECT_EQ(pageinfo_refcount(pi), 1);
		EXPECT_EQ(pageinfo_type(pi), PAGEINFO_USER);
		EXPECT_TRUE(frame_all(base + i * PG, 0));
	}
	EXPECT_EQ(vm_check_all(), 0);

	/* fork shares the frames: the child's writes show in the parent */
	struct addrspace *child;
	ASSERT_EQ(addrspace_fork(as, &child), 0);
	for (size_t i = 0; i < KIB64 / PG; i++) {
		EXPECT_EQ(frame_at(child, a + i * PG, NULL), base + i * PG);
		EXPECT_EQ(v2p(child, a + i * PG, &err), base + i * PG);
		EXPECT_EQ(pageinfo_refcount(pageinfo_of(base + i * PG)), 2);
		EXPECT_TRUE(pageinfo_is_shared(pageinfo_of(base + i * PG)));
	}
	addrspace_activate(child);
	ASSERT_EQ(arch_copy_to_user(a + 5 * PG + 40, "contiguous", 11), 0);
	addrspace_activate(NULL);
	char buf[11] = { 0 };
	ASSERT_EQ(vm_space_read(as, a + 5 * PG + 40, buf, sizeof(buf)), 0);
	EXPECT_STREQ(buf, "contiguous");
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(child);
	EXPECT_EQ(pageinfo_refcount(pageinfo_of(base)), 1);

	/* a partial munmap frees just those frames; the rest stay where they were */
	uint64_t mapped = frame_count_free() + heap_frames();
	ASSERT_EQ(vm_munmap(as, a + 3 * PG, 2 * PG), 0);
	EXPECT_EQ(frame_count_free() + heap_frames() - mapped, 2);
	EXPECT_TRUE(frame_is_free(base + 3 * PG));
	EXPECT_TRUE(frame_is_free(base + 4 * PG));
	EXPECT_EQ(v2p(as, a + 3 * PG, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	EXPECT_EQ(v2p(as, a + 5 * PG, &err), base + 5 * PG);
	ASSERT_EQ(vm_munmap(as, a, KIB64), 0);
	EXPECT_EQ(frame_count_free() + heap_frames(), before);
	for (size_t i = 0; i < KIB64 / PG; i++)
		EXPECT_TRUE(frame_is_free(base + i * PG));
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

KTEST(memory_scheme_contiguous_bad_requests)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	struct scheme_file f, ro;
	uintptr_t a = 0;
	ASSERT_EQ(mem_open("zeroed", O_RDWR, &f), 0);
	ASSERT_EQ(mem_open("zeroed", O_RDONLY, &ro), 0);
	unsigned contig = MAP_SHARED | MAP_PHYS_CONTIGUOUS;
	EXPECT_EQ(mem_mmap(&f, as, KIB64, RW, MAP_PRIVATE | MAP_PHYS_CONTIGUOUS, 0, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, 0, RW, contig, 0, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, PG, 0x80, contig, 0, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, contig, 100, &a), -EINVAL);
	EXPECT_EQ(mem_mmap(&ro, as, PG, RW, contig, 0, &a), -EACCES);
	/* longer than a section: no run can be that long */
	EXPECT_EQ(mem_mmap(&f, as, (size_t)(SECTION_MAX_FRAMES + 1) * PG, RW, contig, 0, &a), -ENOMEM);
	EXPECT_EQ(memory_scheme_ops.mmap(&f, as, 0x1234000 + 1, PG, RW, contig | MAP_FIXED, 0, &a),
		  -EINVAL);
	EXPECT_EQ(memory_scheme_ops.mmap(&f, as, 0, PG, RW, contig | MAP_FIXED, 0, &a), -EPERM);
	EXPECT_EQ(grant_count(as), 0);
	/* MAP_FIXED_NOREPLACE over a mapping: -EEXIST, the run given back */
	uintptr_t b = 0;
	ASSERT_EQ(mem_mmap(&f, as, 2 * PG, RW, contig, 0, &b), 0);
	uint64_t mapped = frame_count_free() + heap_frames();
	EXPECT_EQ(memory_scheme_ops.mmap(&f, as, b, PG, RW, contig | MAP_FIXED_NOREPLACE, 0, &a),
		  -EEXIST);
	EXPECT_EQ(frame_count_free() + heap_frames(), mapped);
	/* MAP_FIXED over the second page: a new frame there, the first page keeps its own */
	int err;
	paddr_t first = v2p(as, b, &err), second = v2p(as, b + PG, &err);
	ASSERT_EQ(memory_scheme_ops.mmap(&f, as, b + PG, PG, RW, contig | MAP_FIXED, 0, &a), 0);
	EXPECT_EQ(a, b + PG);
	EXPECT_EQ(v2p(as, b, &err), first);
	EXPECT_TRUE(frame_is_free(second));      /* the new run was taken before it went */
	EXPECT_NE(v2p(as, b + PG, &err), second);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(frame_count_free() + heap_frames(), mapped);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}

/* Fails each allocation of a 64 KiB contiguous mmap at ADDR with FLAGS in turn (the grant node,
 * the split spares, the run, every page table on the way) until it succeeds; checks that each
 * failure leaves no grant, no entry and no frame behind. Returns the allocation count at which
 * it succeeded (0 if it never did). */
static unsigned long contig_oom_walk(uintptr_t addr, unsigned flags)
{
	uint64_t start = frame_count_free();
	struct scheme_file f;
	mem_open("zeroed", O_RDWR, &f);
	int err = -ENOMEM;
	unsigned long n;
	for (n = 1; n < 64 && err == -ENOMEM; n++) {
		struct addrspace *as;
		if (addrspace_create(&as))
			return 0;
		uintptr_t a = 0;
		alloc_inject_nth(n);
		err = memory_scheme_ops.mmap(&f, as, addr, KIB64, RW,
					     MAP_SHARED | MAP_PHYS_CONTIGUOUS | flags, 0, &a);
		alloc_inject_off();
		if (err == -ENOMEM) {
			EXPECT_EQ(grant_count(as), 0);
			EXPECT_EQ(addrspace_resident_pages(as), 0);
		} else {
			EXPECT_EQ(err, 0);
			EXPECT_EQ(addrspace_resident_pages(as), KIB64 / PG);
			if (flags & MAP_FIXED)
				EXPECT_EQ(a, addr);
		}
		EXPECT_EQ(vm_check_all(), 0);
		addrspace_destroy(as);
		EXPECT_EQ(frame_count_free(), start);
	}
	return err ? 0 : n - 1;
}

KTEST(memory_scheme_contiguous_out_of_memory_leaks_nothing)
{
	free_start();
	unsigned long n = contig_oom_walk(0, 0);
	ktest_log("64 KiB contiguous, placed anywhere: succeeded at allocation %lu", n);
	EXPECT_GE(n, 3);                 /* at least the node, the run and one page table */
	/* across a 2 MiB boundary: the second half needs a leaf table of its own, so a failure can
	 * come after the first eight pages are mapped (they are unmapped and freed again) */
	uintptr_t across = 0x40000000u - 8 * PG;
	unsigned long m = contig_oom_walk(across, MAP_FIXED);
	ktest_log("64 KiB contiguous, fixed across 2 MiB: succeeded at allocation %lu", m);
	EXPECT_GE(m, n + 1);             /* the spares come on top, and a second leaf table */
}

KTEST(memory_scheme_zeroed_and_virt_to_phys_rules)
{
	uint64_t start = free_start();
	struct addrspace *as;
	ASSERT_EQ(addrspace_create(&as), 0);
	struct scheme_file f;
	uintptr_t priv = 0, shared = 0;
	ASSERT_EQ(mem_open("zeroed", O_RDWR, &f), 0);
	ASSERT_EQ(mem_mmap(&f, as, 4 * PG, RW, MAP_PRIVATE, 0, &priv), 0);
	ASSERT_EQ(mem_mmap(&f, as, 4 * PG, RW, MAP_SHARED, 8 * PG, &shared), 0);
	EXPECT_EQ(grant_kind_at(as, priv), GRANT_ALLOCATED);
	EXPECT_EQ(grant_kind_at(as, shared), GRANT_ALLOCATED_SHARED);
	/* nothing allocated until touched, like any anonymous memory */
	EXPECT_EQ(addrspace_resident_pages(as), 0);
	int err;
	EXPECT_EQ(v2p(as, priv, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EINVAL);
	ASSERT_EQ(vm_fault(as, priv, VM_ACCESS_WRITE), 0);
	EXPECT_EQ(v2p(as, priv, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EINVAL);                 /* private: CoW may move it */
	EXPECT_EQ(v2p(as, shared + PG, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);                 /* shared, not populated yet */
	ASSERT_EQ(vm_fault(as, shared + PG, VM_ACCESS_READ), 0);
	EXPECT_EQ(v2p(as, shared + PG + 7, &err), frame_at(as, shared + PG, NULL) + 7);
	EXPECT_EQ(err, 0);
	EXPECT_EQ(v2p(as, 0, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	EXPECT_EQ(v2p(as, arch_mmu_user_top(), &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	EXPECT_EQ(v2p(as, shared - PG, &err), ~(paddr_t)0);
	EXPECT_EQ(err, -EFAULT);
	/* read-only open: a private writable mapping is fine (a copy), a shared one is not */
	struct scheme_file ro;
	uintptr_t c = 0;
	ASSERT_EQ(mem_open("zeroed", O_RDONLY, &ro), 0);
	EXPECT_EQ(mem_mmap(&ro, as, PG, RW, MAP_PRIVATE, 0, &c), 0);
	EXPECT_EQ(mem_mmap(&ro, as, PG, RW, MAP_SHARED, 0, &c), -EACCES);
	EXPECT_EQ(mem_mmap(&ro, as, PG, PROT_READ, MAP_SHARED, 0, &c), 0);
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED, 1, &c), -EINVAL);
	/* MAP_LAZY means nothing for memory: and is not passed on */
	EXPECT_EQ(mem_mmap(&f, as, PG, RW, MAP_SHARED_VALIDATE | MAP_LAZY, 0, &c), 0);
	EXPECT_EQ(vm_check_all(), 0);
	addrspace_destroy(as);
	EXPECT_EQ(frame_count_free(), start);
}
