/* The kernel page tables built at boot, shared by i686 (PAE, 3 levels) and x86_64 (4 levels):
 * the entries have the same 64-bit format, only the depth differs. They replace the entry
 * assembly's tables, so loading them removes the 1:1 map of low memory. They hold:
 *   - the kernel image at KERNEL_VMA + physical, 4 KiB pages: text read-only and executable,
 *     rodata read-only NX, data and bss writable NX, the page below the boot stack unmapped;
 *   - the direct map: every RAM range of the memory map at X86_DIRECT_MAP_BASE + physical,
 *     writable NX, in the largest pages alignment allows (1 GiB with pdpe1gb on x86_64, 2 MiB,
 *     4 KiB at the edges). On i686 it covers RAM below X86_DIRECT_MAP_LIMIT and coincides with
 *     the kernel window, so the image keeps its own permissions there.
 * The table frames come from free usable RAM above the kernel and are handed to boot_reserve. */
#include "paging.h"
#include "pte.h"
#include "boot.h"
#include "kernel/panic.h"
#include "kernel/kprintf.h"
#include "kernel/string.h"

/* Table frames are taken below this: reachable through the boot tables' kernel window (physical
 * 0-1 GiB at KERNEL_VMA) while building, and through the direct map afterwards on both modes. */
#define FRAME_LIMIT  0x20000000ull
#define TOP_LEVEL    (X86_PT_LEVELS - 1)
#define PAGE         ((paddr_t)X86_PAGE_SIZE)

_Static_assert(FRAME_LIMIT <= X86_DIRECT_MAP_LIMIT, "table frames must be in the direct map");

paddr_t x86_kernel_root;
uint64_t x86_pte_nx;

static struct boot_info *tables_bi;   /* the memory map the frames come from */
static paddr_t next_frame;            /* where the search for the next table frame starts */
static paddr_t run_base, run_end;     /* frames handed out since the last boot_reserve */
static unsigned frames_used;
static bool tables_loaded;            /* the boot tables, and with them the 1:1 map, are gone */

static paddr_t kmap_table;            /* the page table of the kmap window */

static const unsigned level_shift[4] = { 12, 21, 30, 39 };

static uint64_t page_size(unsigned level)
{
	return 1ull << level_shift[level];
}

/* A frame of the boot kernel window (physical 0-1 GiB at KERNEL_VMA), before the switch only. */
static x86_pte_t *early_virt(paddr_t pa)
{
	kassert(!tables_loaded && pa < FRAME_LIMIT);
	return (x86_pte_t *)(uintptr_t)(pa + KERNEL_VMA);
}

/* Hands the frames allocated since the last call to boot_reserve. */
static void reserve_run(void)
{
	if (run_end > run_base && !boot_reserve(tables_bi, run_base, run_end - run_base))
		panic("no room to reserve page-table frames");
	run_base = run_end = 0;
}

/* The end of a reserved range overlapping the frame at PA, or 0 when none does. */
static paddr_t reserved_end(paddr_t pa)
{
	for (unsigned i = 0; i < tables_bi->reserved_count; i++) {
		const struct boot_mem_range *r = &tables_bi->reserved[i];
		if (pa < r->base + r->size && r->base < pa + PAGE)
			return r->base + r->size;
	}
	return 0;
}

/* True if the frame at PA is usable RAM; otherwise *NEXT is the base of the next usable range
 * above PA (FRAME_LIMIT if there is none). */
static bool frame_is_usable(paddr_t pa, paddr_t *next)
{
	*next = FRAME_LIMIT;
	for (unsigned i = 0; i < tables_bi->mem_count; i++) {
		const struct boot_mem_range *r = &tables_bi->mem[i];
		if (r->type != BOOT_MEM_USABLE)
			continue;
		if (r->base <= pa && pa + PAGE <= r->base + r->size)
			return true;
		if (r->base > pa && r->base < *next)
			*next = r->base;
	}
	return false;
}

/* Returns a zeroed frame of free usable RAM below FRAME_LIMIT for a page table; panics if none. */
static paddr_t frame_alloc(void)
{
	for (;;) {
		paddr_t pa = next_frame, skip;
		if (pa + PAGE > FRAME_LIMIT)
			panic("no free RAM below %#llx for page tables", FRAME_LIMIT);
		if ((skip = reserved_end(pa)) != 0 || !frame_is_usable(pa, &skip)) {
			next_frame = ALIGN_UP(skip, PAGE);
			continue;
		}
		if (pa != run_end) {
			reserve_run();
			run_base = pa;
		}
		run_end = next_frame = pa + PAGE;
		memset(early_virt(pa), 0, PAGE);
		frames_used++;
		return pa;
	}
}

/* The flags of an entry at LEVEL that points to a lower table. */
static uint64_t table_flags(unsigned level)
{
	/* PAE's PDPT entries have no RW/US/NX bits (they are reserved there). */
	if (X86_PT_LEVELS == 3 && level == TOP_LEVEL)
		return X86_PTE_P;
	return X86_PTE_P | X86_PTE_RW;
}

/* The page-table frame at PA, through whichever mapping of it is live. */
static x86_pte_t *table_at(paddr_t pa)
{
	return tables_loaded ? x86_phys_to_virt(pa) : early_virt(pa);
}

/* Returns the entry at LEVEL for VA in the tables under ROOT, creating the tables above it;
 * panics if a large page already covers VA. Before the switch only. */
static x86_pte_t *walk_create(paddr_t root, uint64_t va, unsigned level)
{
	x86_pte_t *table = early_virt(root);
	for (unsigned l = TOP_LEVEL; l > level; l--) {
		x86_pte_t *e = &table[(va >> level_shift[l]) % X86_PT_ENTRIES];
		if (!(*e & X86_PTE_P))
			*e = frame_alloc() | table_flags(l);
		else if (*e & X86_PTE_PS)
			panic("%#llx is inside a large page already", (unsigned long long)va);
		table = early_virt(*e & X86_PTE_ADDR_MASK);
	}
	return &table[(va >> level_shift[level]) % X86_PT_ENTRIES];
}

/* Maps one page of page_size(LEVEL) at VA to PA with FLAGS in the tables under ROOT; panics if
 * any of it is mapped already. */
static void map_page(paddr_t root, uint64_t va, paddr_t pa, unsigned level, uint64_t flags)
{
	x86_pte_t *e = walk_create(root, va, level);
	if (*e & X86_PTE_P)
		panic("%#llx is mapped twice", (unsigned long long)va);
	*e = pa | flags | (level ? X86_PTE_PS : 0);
}

/* Maps [PA, PA + SIZE) at VA with FLAGS, in pages of up to MAX_LEVEL where alignment allows. All
 * three must be 4 KiB aligned. */
static void map_range(paddr_t root, uint64_t va, paddr_t pa, uint64_t size, uint64_t flags,
		      unsigned max_level)
{
	while (size) {
		unsigned level = max_level;
		while (level && (!IS_ALIGNED(va | pa, page_size(level)) || size < page_size(level)))
			level--;
		map_page(root, va, pa, level, flags);
		va += page_size(level);
		pa += page_size(level);
		size -= page_size(level);
	}
}

/* Maps the kernel image section by section in 4 KiB pages, leaving the stack guard unmapped. */
static void map_kernel_image(paddr_t root)
{
	const struct { const char *start, *end; uint64_t flags; } parts[] = {
		{ __kernel_start, __text_end, X86_PTE_P | X86_PTE_G },
		{ __text_end, __rodata_end, X86_PTE_P | X86_PTE_G | x86_pte_nx },
		{ __rodata_end, x86_boot_stack_guard, X86_PTE_P | X86_PTE_RW | X86_PTE_G | x86_pte_nx },
		{ x86_boot_stack_guard + PAGE, __kernel_end, X86_PTE_P | X86_PTE_RW | X86_PTE_G | x86_pte_nx },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(parts); i++)
		map_range(root, (uintptr_t)parts[i].start, x86_kernel_phys(parts[i].start),
			  (uintptr_t)parts[i].end - (uintptr_t)parts[i].start, parts[i].flags, 0);
}

static bool is_ram(enum boot_mem_type type)
{
	return type == BOOT_MEM_USABLE || type == BOOT_MEM_ACPI_RECLAIM || type == BOOT_MEM_ACPI_NVS;
}

/* Maps [BASE, END) of RAM into the direct map; returns the bytes mapped. */
static uint64_t map_direct(paddr_t root, paddr_t base, paddr_t end, unsigned max_level)
{
	if (base >= end)
		return 0;
	map_range(root, X86_DIRECT_MAP_BASE + base, base, end - base,
		  X86_PTE_P | X86_PTE_RW | X86_PTE_G | x86_pte_nx, max_level);
	return end - base;
}

/* Maps every RAM range of the memory map (rounded out to pages) into the direct map; returns the
 * bytes mapped. */
static uint64_t map_all_ram(paddr_t root, unsigned max_level)
{
	paddr_t kernel_base = x86_kernel_phys(__kernel_start), kernel_end = x86_kernel_phys(__kernel_end);
	paddr_t done = 0;           /* ranges are sorted: never map a page twice */
	uint64_t mapped = 0;
	for (unsigned i = 0; i < tables_bi->mem_count; i++) {
		const struct boot_mem_range *r = &tables_bi->mem[i];
		if (!is_ram(r->type))
			continue;
		paddr_t base = MAX(ALIGN_DOWN(r->base, PAGE), done);
		paddr_t end = MIN(ALIGN_UP(r->base + r->size, PAGE), (paddr_t)X86_DIRECT_MAP_LIMIT);
		if (base >= end)
			continue;
		done = end;
		if (X86_DIRECT_MAP_BASE == KERNEL_VMA) {
			/* The image is already mapped here, with its own permissions. */
			mapped += map_direct(root, base, MIN(end, kernel_base), max_level);
			mapped += map_direct(root, MAX(base, kernel_end), end, max_level);
		} else {
			mapped += map_direct(root, base, end, max_level);
		}
	}
	return mapped;
}

void x86_paging_init(struct boot_info *bi)
{
	uint32_t ext = x86_cpuid_ext_features();
	x86_pte_nx = (ext & X86_CPUID_EXT_NX) && (x86_rdmsr(X86_MSR_EFER) & X86_EFER_NXE) ? X86_PTE_NX : 0;
	unsigned max_level = X86_PT_LEVELS == 4 && (ext & X86_CPUID_EXT_PAGE1GB) ? 2 : 1;

	tables_bi = bi;
	next_frame = x86_kernel_phys(__kernel_end);
	paddr_t root = frame_alloc();
	map_kernel_image(root);
	uint64_t direct = map_all_ram(root, max_level);
	/* The kmap window: one page table, its entries filled by kmap_frame. */
	x86_pte_t *pde = walk_create(root, X86_KMAP_BASE, 1);
	kmap_table = frame_alloc();
	*pde = kmap_table | X86_PTE_P | X86_PTE_RW;

	x86_write_cr4(x86_read_cr4() | X86_CR4_PGE);
	x86_write_cr3((unsigned long)root);   /* from here on low memory is unmapped */
	tables_loaded = true;
	x86_kernel_root = root;
	reserve_run();

	kprintf("x86: page tables at %#llx: %u frames, NX %s, direct map %llu MiB at %p in %s pages\n",
		(unsigned long long)root, frames_used, x86_pte_nx ? "on" : "off (not supported)",
		(unsigned long long)(direct >> 20), (void *)X86_DIRECT_MAP_BASE,
		max_level == 2 ? "1 GiB" : "2 MiB");
}

x86_pte_t x86_paging_lookup(uint64_t va)
{
	kassert(tables_loaded);
	x86_pte_t *table = table_at(x86_kernel_root);
	for (unsigned l = TOP_LEVEL;; l--) {
		x86_pte_t e = table[(va >> level_shift[l]) % X86_PT_ENTRIES];
		if (!(e & X86_PTE_P) || l == 0 || (e & X86_PTE_PS))
			return e & X86_PTE_P ? e : 0;
		table = table_at(e & X86_PTE_ADDR_MASK);
	}
}

x86_pte_t *x86_kmap_pte(unsigned slot)
{
	kassert(tables_loaded && slot < X86_KMAP_SLOTS);
	return &table_at(kmap_table)[(X86_KMAP_BASE >> 12) % X86_PT_ENTRIES + slot];
}

x86_pte_t *x86_fixmap_pte(unsigned index)
{
	kassert(tables_loaded && index >= X86_KMAP_SLOTS && index < X86_PT_ENTRIES);
	return &table_at(kmap_table)[(X86_KMAP_BASE >> 12) % X86_PT_ENTRIES + index];
}
