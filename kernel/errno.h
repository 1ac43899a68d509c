/* Error numbers returned (negated) by kernel functions and syscalls. Values match Linux so that
 * transcripts from our kernel and from Linux compare equal. */
#ifndef KERNEL_ERRNO_H
#define KERNEL_ERRNO_H

#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define ENODEV  19
#define EINVAL  22
#define EMFILE  24
#define ENOSPC  28
#define ERANGE  34
#define EDEADLK 35
#define ENAMETOOLONG 36
#define ENOSYS  38
#define EOVERFLOW 75

#endif
