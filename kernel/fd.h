/* File descriptors: each process's table of open scheme files (struct proc.fds, PROC_FD_MAX
 * entries). An entry holds one reference on its struct scheme_file; fork copies the table with
 * references (both processes then share the file and its position), except a daemon's scheme
 * fd, which stays with the daemon; exit closes every entry. The table is the process's (its
 * leader's), shared by all its threads: P may be any thread of it. Each call takes the table's
 * fd_lock itself; the caller holds no spinlock. */
#ifndef KERNEL_FD_H
#define KERNEL_FD_H

#include "kernel/proc.h"

/* Puts F in the lowest free descriptor of P, handing the caller's reference over. Returns the
 * descriptor, or -EMFILE (table full: the caller keeps its reference). */
int fd_install(struct proc *p, struct scheme_file *f);

/* Returns the file of descriptor FD of P with a reference for the caller (scheme_file_put when
 * done), or NULL when FD is not open. */
struct scheme_file *fd_get(struct proc *p, long fd);

/* Closes descriptor FD of P, dropping its reference. Returns 0 or -EBADF. */
int fd_close(struct proc *p, long fd);

/* Gives CHILD (a new process, empty table) PARENT's descriptors, one more reference each, except
 * those scheme_file_forks says stay behind. */
void fd_table_fork(struct proc *child, const struct proc *parent);

/* Closes every descriptor of P (exit). */
void fd_table_close_all(struct proc *p);

#endif
