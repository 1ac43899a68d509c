/* Syscall wrappers that tests/user/memory_scheme.c needs and that tests/user/lib/ulib.h does not
 * have on the memory-scheme branch (the scheme-ipc branch adds its own u_open, u_mmap_fd, ...).
 * Prefixed ms_ so that nothing collides at the merge; the lead may switch the program over to
 * ulib.h's wrappers and delete this header. Arguments as in kernel/syscall_numbers.h. */
#ifndef TESTS_USER_MEMORY_SCHEME_SYS_H
#define TESTS_USER_MEMORY_SCHEME_SYS_H

#include "tests/user/lib/ulib.h"
#include "scheme/scheme_abi.h"

static inline long ms_open(const char *path, unsigned flags)
{
	return sys3(SYS_OPEN, (long)path, (long)strlen(path), (long)flags);
}
static inline long ms_close(long fd) { return sys1(SYS_CLOSE, fd); }
static inline long ms_read(long fd, void *buf, size_t len)
{
	return sys3(SYS_READ, fd, (long)buf, (long)len);
}
static inline long ms_write(long fd, const void *buf, size_t len)
{
	return sys3(SYS_WRITE, fd, (long)buf, (long)len);
}
/* mmap of an open file; OFFSET is a physical address for memory:physical, passed as the full
 * register (on i686 an address at or above 2 GiB must be taken as unsigned by the kernel). */
static inline void *ms_mmap_fd(void *addr, size_t len, int prot, int flags, long fd, uintptr_t offset)
{
	return (void *)sys_call(SYS_MMAP, (long)addr, (long)len, prot, flags, fd, (long)offset);
}
static inline long ms_virt_to_phys(const volatile void *addr, uint64_t *phys)
{
	return sys2(SYS_VIRT_TO_PHYS, (long)addr, (long)phys);
}
/* Narrows this process's namespace to the comma-separated scheme NAMES. */
static inline long ms_ns_restrict(const char *names)
{
	return sys2(SYS_NS_RESTRICT, (long)names, (long)strlen(names));
}

#endif
