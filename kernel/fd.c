/* The per-process file-descriptor table (contract in kernel/fd.h). */
#include "kernel/fd.h"
#include "kernel/errno.h"
#include "scheme/scheme.h"

int fd_install(struct proc *p, struct scheme_file *f)
{
	for (int fd = 0; fd < PROC_FD_MAX; fd++) {
		if (!p->fds[fd]) {
			p->fds[fd] = f;
			return fd;
		}
	}
	return -EMFILE;
}

struct scheme_file *fd_get(struct proc *p, long fd)
{
	if (fd < 0 || fd >= PROC_FD_MAX || !p->fds[fd])
		return NULL;
	scheme_file_get(p->fds[fd]);
	return p->fds[fd];
}

int fd_close(struct proc *p, long fd)
{
	if (fd < 0 || fd >= PROC_FD_MAX || !p->fds[fd])
		return -EBADF;
	struct scheme_file *f = p->fds[fd];
	p->fds[fd] = NULL;                /* gone from the table before its close runs */
	scheme_file_put(f);
	return 0;
}

void fd_table_fork(struct proc *child, const struct proc *parent)
{
	for (int fd = 0; fd < PROC_FD_MAX; fd++) {
		struct scheme_file *f = parent->fds[fd];
		if (f && scheme_file_forks(f)) {
			scheme_file_get(f);
			child->fds[fd] = f;
		}
	}
}

void fd_table_close_all(struct proc *p)
{
	for (int fd = 0; fd < PROC_FD_MAX; fd++)
		if (p->fds[fd])
			fd_close(p, fd);
}
