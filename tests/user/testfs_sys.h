/* Wrappers of the file and scheme syscalls (kernel/syscall_numbers.h) for testfs and its tests,
 * until tests/user/lib/ulib.h has its own (then this header goes). */
#ifndef TESTS_USER_TESTFS_SYS_H
#define TESTS_USER_TESTFS_SYS_H

#include "tests/user/lib/ulib.h"
#include "scheme/scheme_abi.h"

static inline long u_open(const char *path, unsigned flags)
{
	return sys3(SYS_OPEN, (long)path, (long)strlen(path), (long)flags);
}
static inline long u_close(long fd) { return sys1(SYS_CLOSE, fd); }
static inline long u_read(long fd, void *buf, size_t len) { return sys3(SYS_READ, fd, (long)buf, (long)len); }
static inline long u_write(long fd, const void *buf, size_t len)
{
	return sys3(SYS_WRITE, fd, (long)buf, (long)len);
}
static inline long u_lseek(long fd, long offset, int whence) { return sys3(SYS_LSEEK, fd, offset, whence); }
static inline long u_scheme_create(const char *name)
{
	return sys2(SYS_SCHEME_CREATE, (long)name, (long)strlen(name));
}
static inline long u_scheme_recv(long sfd, struct scheme_packet *out)
{
	return sys2(SYS_SCHEME_RECV, sfd, (long)out);
}
static inline long u_scheme_reply(long sfd, uint32_t tag, long result)
{
	return sys3(SYS_SCHEME_REPLY, sfd, (long)tag, result);
}
static inline void *u_mmap_fd(void *addr, size_t len, int prot, int flags, long fd, uint64_t offset)
{
	return (void *)sys_call(SYS_MMAP, (long)addr, (long)len, prot, flags, fd, (long)offset);
}

#endif
