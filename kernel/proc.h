/* Processes: a user address space, a kernel stack and a saved context each. One CPU runs them
 * round-robin (kernel/sched.c); the boot context that runs the self-tests is process 0, a
 * kernel-only process that never exits. */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include "kernel/arch.h"

#define PROC_MAX        64
#define PROC_KSTACK     (16 * 1024)

/* Exit statuses of a process the kernel killed, as a shell would show a signal. */
#define PROC_KILLED_SEGV 139    /* unresolvable fault and no handler (128 + SIGSEGV) */
#define PROC_KILLED_OOM  137    /* out of memory during a fault (128 + SIGKILL) */
#define PROC_KILLED_ILL  132    /* illegal instruction or breakpoint (128 + SIGILL) */

enum proc_state {
	PROC_UNUSED = 0,
	PROC_RUNNABLE,
	PROC_RUNNING,
	PROC_BLOCKED,       /* in waitpid until a child exits */
	PROC_ZOMBIE,        /* exited; its parent has not collected the status yet */
};

struct addrspace;

struct proc {
	int pid;
	enum proc_state state;
	const char *name;
	struct proc *parent;
	struct addrspace *as;          /* NULL for process 0 */
	struct arch_context ctx;       /* saved by arch_context_switch */
	uint8_t *kstack;               /* PROC_KSTACK bytes */
	struct trap_frame *tf;         /* where a new process's first user frame is built */
	int exit_status;
	uintptr_t fault_handler;       /* user upcall for unresolvable faults, 0 = kill */
};

/* The process running on this CPU. */
struct proc *proc_current(void);

/* Makes the boot context process 0. Called once by kernel_main. */
void proc_init(void);

/* Starts the embedded user program NAME as a child of the current process. Returns its pid or
 * -ENOENT (no such program) / -EAGAIN (process table full) / -ENOMEM. */
int proc_spawn(const char *name);

/* Waits for the child PID (-1: any child) of the current process to exit, stores its status in
 * *STATUS and frees it. Returns the pid, or -ECHILD when there is no such child. */
int proc_wait(int pid, int *status);

/* Ends the current process with STATUS; never returns. */
__noreturn void proc_exit(int status);

/* fork: a copy of the current process whose user frame is *TF with result 0. Returns the
 * child's pid or -EAGAIN / -ENOMEM, with nothing left behind on failure. */
int proc_fork(const struct trap_frame *tf);

/* Switches to the next runnable process (round-robin); returns when this one runs again.
 * Returns at once when nothing else can run. */
void sched_yield(void);

/* Number of processes in use, process 0 included (for leak checks in tests). */
unsigned proc_count(void);

#endif
