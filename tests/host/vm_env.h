/* The fake machine of the VM host tests: fake RAM, the section table and frame allocator built
 * by mm_init, the software MMU, and after every test (once vm_env_machine has been called): the
 * invariant checker must report 0, no address space may be left live (leftovers are destroyed
 * and the test fails), and failure injection is turned off. */
#ifndef TESTS_HOST_VM_ENV_H
#define TESTS_HOST_VM_ENV_H

#include "kernel/compiler.h"
#include "mm/addrspace.h"

#define MiB(x) ((paddr_t)(x) << 20)

/* A new machine with MIB MiB of usable RAM from 1 MiB up (the first MiB is a hole), the direct
 * map below DIRECT_LIMIT (i686-like when below the top of RAM), user top 2^47. */
void vm_env_machine(unsigned mib, paddr_t direct_limit);

/* The default machine: 16 MiB, all of it directly mapped. */
void vm_env_default(void);

/* Creates an address space; fails the test (and returns NULL) when that fails. */
struct addrspace *vm_env_space(void);

/* Free frames now (frame_count_free). */
uint64_t vm_env_free(void);

/* Frames held by the kernel heap now. */
unsigned long vm_env_heap_frames(void);

/* Writes LEN bytes of VALUE at VA as user mode; returns soft_user_write's result. */
int vm_env_fill(struct addrspace *as, uintptr_t va, size_t len, uint8_t value);

/* Returns whether LEN bytes at VA read (as user mode, faulting them in) all equal VALUE. */
bool vm_env_all(struct addrspace *as, uintptr_t va, size_t len, uint8_t value);

/* Returns the frame mapped at VA (and its attributes in *FLAGS when not NULL), or ~0 if none. */
paddr_t vm_env_frame(struct addrspace *as, uintptr_t va, unsigned *flags);

/* Returns the refcount of the frame mapped at VA (0 if none). */
uint32_t vm_env_refcount(struct addrspace *as, uintptr_t va);

/* Runs the invariant checker and fails the test with its count when it is not 0. */
#define VM_CHECK_CLEAN() EXPECT_EQ(vm_check_all(), 0)

#endif
