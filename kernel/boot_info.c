/* Building the common memory map from whatever the firmware reported. Firmware maps can be
 * unsorted, overlapping and split into many adjacent pieces; boot_mem_add keeps ours sorted,
 * disjoint and merged, so later code can trust it. */
#include "kernel/boot_info.h"

/* Which type wins where two ranges overlap: the one that forbids more. */
static int type_rank(enum boot_mem_type t)
{
	switch (t) {
	case BOOT_MEM_USABLE:       return 1;
	case BOOT_MEM_ACPI_RECLAIM: return 2;
	case BOOT_MEM_FW_RUNTIME:   return 3;
	case BOOT_MEM_ACPI_NVS:     return 4;
	case BOOT_MEM_BAD:          return 5;
	default:                    return 6;   /* reserved and anything unknown */
	}
}

static void sort_u64(paddr_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		paddr_t x = v[i];
		unsigned j = i;
		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

bool boot_mem_add(struct boot_info *bi, paddr_t base, paddr_t size, enum boot_mem_type type)
{
	/* Ends are exclusive, so the last page of the 64-bit space cannot be described; no CPU has
	 * physical addresses up there, so clip ranges below it (and so never wrap). */
	const paddr_t limit = ~(paddr_t)0xfff;
	if (base >= limit)
		return true;
	if (size > limit - base)
		size = limit - base;
	if (size == 0)
		return true;

	/* Sweep over every range boundary; between two boundaries the strongest type covering
	 * the segment wins. */
	paddr_t points[2 * BOOT_MEM_MAX_RANGES + 2];
	unsigned npoints = 0;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		points[npoints++] = bi->mem[i].base;
		points[npoints++] = bi->mem[i].base + bi->mem[i].size;
	}
	points[npoints++] = base;
	points[npoints++] = base + size;
	sort_u64(points, npoints);

	struct boot_mem_range out[BOOT_MEM_MAX_RANGES];
	unsigned nout = 0;
	for (unsigned p = 0; p + 1 < npoints; p++) {
		paddr_t lo = points[p], hi = points[p + 1];
		if (lo == hi)
			continue;
		int best = 0;
		enum boot_mem_type best_type = BOOT_MEM_RESERVED;
		for (unsigned i = 0; i <= bi->mem_count; i++) {
			const struct boot_mem_range *r = i < bi->mem_count ? &bi->mem[i] : NULL;
			paddr_t rb = r ? r->base : base, re = r ? r->base + r->size : base + size;
			enum boot_mem_type rt = r ? r->type : type;
			if (rb <= lo && hi <= re && type_rank(rt) > best) {
				best = type_rank(rt);
				best_type = rt;
			}
		}
		if (!best)
			continue;                   /* a hole between ranges */
		if (nout && out[nout - 1].type == best_type &&
		    out[nout - 1].base + out[nout - 1].size == lo) {
			out[nout - 1].size += hi - lo;
			continue;
		}
		if (nout == BOOT_MEM_MAX_RANGES)
			return false;
		out[nout++] = (struct boot_mem_range){ lo, hi - lo, best_type };
	}
	for (unsigned i = 0; i < nout; i++)
		bi->mem[i] = out[i];
	bi->mem_count = nout;
	return true;
}

bool boot_reserve(struct boot_info *bi, paddr_t base, paddr_t size)
{
	if (bi->reserved_count == BOOT_RESERVED_MAX)
		return false;
	bi->reserved[bi->reserved_count++] = (struct boot_mem_range){ base, size, BOOT_MEM_USABLE };
	return true;
}

paddr_t boot_mem_usable_total(const struct boot_info *bi)
{
	paddr_t total = 0;
	for (unsigned i = 0; i < bi->mem_count; i++)
		if (bi->mem[i].type == BOOT_MEM_USABLE)
			total += bi->mem[i].size;
	return total;
}

const char *boot_mem_type_name(enum boot_mem_type type)
{
	switch (type) {
	case BOOT_MEM_USABLE:       return "usable";
	case BOOT_MEM_RESERVED:     return "reserved";
	case BOOT_MEM_ACPI_RECLAIM: return "acpi-reclaim";
	case BOOT_MEM_ACPI_NVS:     return "acpi-nvs";
	case BOOT_MEM_BAD:          return "bad";
	case BOOT_MEM_FW_RUNTIME:   return "fw-runtime";
	}
	return "unknown";
}
