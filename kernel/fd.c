/* The per-process file-descriptor table (contract in kernel/fd.h). The table is the process
 * leader's (struct proc.fds), shared by its threads and protected by the leader's fd_lock, a
 * leaf lock: nothing else is taken under it, and every put of a file (which may close it and
 * block) happens after it is released. */
#include "kernel/fd.h"
#include "kernel/errno.h"
#include "scheme/scheme.h"

int fd_install(struct proc *p, struct scheme_file *f)
{
	struct proc *g = p->leader;
	unsigned long irq = spin_lock_irqsave(&g->fd_lock);
	int r = -EMFILE;
	for (int fd = 0; fd < PROC_FD_MAX; fd++) {
		if (!g->fds[fd]) {
			g->fds[fd] = f;
			r = fd;
			break;
		}
	}
	spin_unlock_irqrestore(&g->fd_lock, irq);
	return r;
}

struct scheme_file *fd_get(struct proc *p, long fd)
{
	struct proc *g = p->leader;
	if (fd < 0 || fd >= PROC_FD_MAX)
		return NULL;
	unsigned long irq = spin_lock_irqsave(&g->fd_lock);
	struct scheme_file *f = g->fds[fd];
	if (f)
		scheme_file_get(f);
	spin_unlock_irqrestore(&g->fd_lock, irq);
	return f;
}

int fd_close(struct proc *p, long fd)
{
	struct proc *g = p->leader;
	if (fd < 0 || fd >= PROC_FD_MAX)
		return -EBADF;
	unsigned long irq = spin_lock_irqsave(&g->fd_lock);
	struct scheme_file *f = g->fds[fd];
	g->fds[fd] = NULL;                /* gone from the table before its close runs */
	spin_unlock_irqrestore(&g->fd_lock, irq);
	if (!f)
		return -EBADF;
	scheme_file_put(f);
	return 0;
}

void fd_table_fork(struct proc *child, const struct proc *parent)
{
	struct proc *g = parent->leader;
	unsigned long irq = spin_lock_irqsave(&g->fd_lock);
	for (int fd = 0; fd < PROC_FD_MAX; fd++) {
		struct scheme_file *f = g->fds[fd];
		if (f && scheme_file_forks(f)) {
			scheme_file_get(f);
			child->fds[fd] = f;
		}
	}
	spin_unlock_irqrestore(&g->fd_lock, irq);
}

void fd_table_close_all(struct proc *p)
{
	for (int fd = 0; fd < PROC_FD_MAX; fd++)
		fd_close(p, fd);
}
