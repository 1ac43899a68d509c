/* The kernel's memory: scheme (the seed's replacement of physalloc/physmap): opening a path gives a
 * file whose only useful operation is mmap.
 *   memory:zeroed        anonymous memory as a file. MAP_PRIVATE: private anonymous memory;
 *                        MAP_SHARED: shared anonymous memory (stays shared across fork); with
 *                        MAP_PHYS_CONTIGUOUS (MAP_SHARED only): physically contiguous, zeroed,
 *                        allocator-owned frames, all present, whose addresses SYS_VIRT_TO_PHYS
 *                        reports (vm_mmap_contig). The offset is ignored (page aligned): every
 *                        mmap gets new memory, two mappings of one open file share nothing.
 *   memory:physical@wb   device or firmware memory by physical address: the mmap offset is the
 *   memory:physical@uc   physical address, the suffix the cache type (physical alone = wb). A
 *   memory:physical@wc   PhysBorrowed grant (vm_map_phys); a frame with a pageinfo or any usable
 *                        RAM is refused with -EPERM, whoever asks. MAP_SHARED only.
 * Who may open memory: is the namespace's business (scheme_open); this file adds no check of
 * its own. read, write and fsize are not implemented (the registry answers -EINVAL); an open
 * file holds nothing, so close has nothing to free.
 *
 * What each cache type really is on each arch (more in scheme/README.md):
 *   x86 (PAT programmed by arch/x86/features.c as WB, WC, UC-, UC, repeated in entries 4-7):
 *     wb = PAT entry 0 (PWT=PCD=PAT=0), wc = entry 1 (PWT), uc = entry 3 (PCD|PWT), the strong
 *     UC, never UC- (which an MTRR could turn into WC). Without a PAT, wc falls back to uc.
 *   aarch64 (MAIR_EL1 from arch/aarch64/sysreg.h): wb = index 3, 0xff (Normal, inner and outer
 *     write-back read/write-allocate); uc = index 1, 0x04 (Device-nGnRE: no gathering, no
 *     reordering, early write acknowledgement allowed, as Linux's ioremap); wc = index 2, 0x44
 *     (Normal, inner and outer non-cacheable: gathers writes, may read speculatively). */
#include "scheme/memory.h"
#include "mm/addrspace.h"
#include "mm/vm.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/string.h"

static const struct {
	const char *path;
	enum memory_file_kind kind;
} memory_paths[] = {
	{ "zeroed", MEMORY_FILE_ZEROED },
	{ "physical", MEMORY_FILE_PHYS_WB },
	{ "physical@wb", MEMORY_FILE_PHYS_WB },
	{ "physical@uc", MEMORY_FILE_PHYS_UC },
	{ "physical@wc", MEMORY_FILE_PHYS_WC },
};

/* Fills F for PATH (after "memory:"); returns 0 or -ENOENT for a path that does not exist. */
static int memory_open(struct scheme *s, const char *path, unsigned flags, struct scheme_file *f)
{
	(void)s;
	(void)flags;                     /* the access mode is checked at mmap */
	for (size_t i = 0; i < ARRAY_SIZE(memory_paths); i++) {
		if (strcmp(path, memory_paths[i].path) == 0) {
			f->id = memory_paths[i].kind;
			f->priv = NULL;
			return 0;
		}
	}
	return -ENOENT;
}

/* Returns the MMU_CACHE_* of a physical file kind. */
static unsigned phys_cache(uint64_t kind)
{
	switch (kind) {
	case MEMORY_FILE_PHYS_UC:
		return MMU_CACHE_UC;
	case MEMORY_FILE_PHYS_WC:
		return MMU_CACHE_WC;
	default:
		return MMU_CACHE_WB;
	}
}

/* Maps [OFFSET, OFFSET + LEN) of F into AS (see the top of this file). Returns 0 and the address
 * in *OUT, -EACCES (a writable shared mapping of a file opened read-only), -EINVAL (offset not
 * page aligned, MAP_PRIVATE of physical memory, MAP_PHYS_CONTIGUOUS of physical memory or without
 * MAP_SHARED), -EPERM (physical memory owned by the allocator or usable RAM), or the errors of
 * vm_mmap / vm_mmap_contig / vm_map_phys. No lock may be held. */
static int memory_mmap(struct scheme_file *f, struct addrspace *as, uintptr_t addr, size_t len,
		       unsigned prot, unsigned flags, uint64_t offset, uintptr_t *out)
{
	bool private = (flags & MAP_TYPE) == MAP_PRIVATE;
	bool physical = f->id != MEMORY_FILE_ZEROED;
	if ((prot & PROT_WRITE) && (f->flags & O_ACCMODE) == O_RDONLY && (physical || !private))
		return -EACCES;
	if (offset % FRAME_SIZE)
		return -EINVAL;
	unsigned pass = flags & ~(MAP_LAZY | MAP_PHYS_CONTIGUOUS);   /* ours: not for vm_mmap */
	if (!physical) {
		if (flags & MAP_PHYS_CONTIGUOUS)
			return vm_mmap_contig(as, addr, len, prot, pass, out);
		return vm_mmap(as, addr, len, prot, pass | MAP_ANONYMOUS, out);
	}
	if (private || (flags & MAP_PHYS_CONTIGUOUS))
		return -EINVAL;
	if (offset >= PHYS_LIMIT)
		return -EINVAL;
	return vm_map_phys(as, addr, (paddr_t)offset, len, prot, pass, phys_cache(f->id), out);
}

const struct scheme_ops memory_scheme_ops = {
	.open = memory_open,
	.mmap = memory_mmap,
};

void memory_scheme_init(void)
{
	int err = scheme_register_kernel("memory", &memory_scheme_ops);
	if (err)
		panic("memory_scheme_init: scheme_register_kernel(\"memory\") = %d", err);
}

long memory_sys_virt_to_phys(uintptr_t addr, uintptr_t uphys)
{
	struct addrspace *as = proc_current()->as;
	paddr_t pa;
	int err = vm_virt_to_phys(as, addr, &pa);
	if (err)
		return err;
	uint64_t value = pa;
	if (vm_user_check(as, uphys, sizeof(value), VM_ACCESS_WRITE) ||
	    arch_copy_to_user(uphys, &value, sizeof(value)))
		return -EFAULT;
	return 0;
}
