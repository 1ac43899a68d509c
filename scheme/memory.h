/* The kernel's memory: scheme (scheme/memory.c): anonymous memory as a file, device memory by
 * physical address with a cache type, and the physical-address translation call of
 * MAP_PHYS_CONTIGUOUS. Paths and their mmap semantics are in scheme/README.md. */
#ifndef SCHEME_MEMORY_H
#define SCHEME_MEMORY_H

#include "scheme/scheme.h"

/* The open file kinds (struct scheme_file.id) of memory:. */
enum memory_file_kind {
	MEMORY_FILE_ZEROED = 1,      /* "zeroed" */
	MEMORY_FILE_PHYS_WB,         /* "physical", "physical@wb" */
	MEMORY_FILE_PHYS_UC,         /* "physical@uc" */
	MEMORY_FILE_PHYS_WC,         /* "physical@wc" */
};

/* The operations of memory: (what scheme_register_kernel gets); tests call them directly. */
extern const struct scheme_ops memory_scheme_ops;

/* Registers "memory" with the scheme registry; panics when that fails (boot cannot go on without
 * it). Called once by kernel_main after mm_init. */
void memory_scheme_init(void);

/* SYS_VIRT_TO_PHYS for the current process: translates user address ADDR with vm_virt_to_phys
 * and stores the physical address as a uint64_t at user address UPHYS. Returns 0 or -errno
 * (vm_virt_to_phys's, or -EFAULT for UPHYS). No lock may be held. */
long memory_sys_virt_to_phys(uintptr_t addr, uintptr_t uphys);

#endif
