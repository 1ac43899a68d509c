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
	PROC_BLOCKED,       /* in waitpid until a child exits, or asleep on a wait queue */
	PROC_ZOMBIE,        /* exited; its parent has not collected the status yet */
};

struct addrspace;
struct scheme_file;
struct scheme_ns;
struct spinlock;

/* Open files per process (kernel/fd.c): descriptors 0..PROC_FD_MAX-1. */
#define PROC_FD_MAX     32

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
	struct scheme_file *fds[PROC_FD_MAX];   /* kernel/fd.c: one reference each, NULL = free */
	struct scheme_ns *ns;          /* schemes it may open or create; NULL = every one */
	struct proc *wait_next;        /* on the wait queue it sleeps on */
	struct wait_queue *waiting_on; /* that queue, NULL when not on one */
};

/* A list of processes asleep until some condition holds (one CPU: every field is protected by
 * masking interrupts; SMP will add a lock here). */
struct wait_queue {
	struct proc *head;
};
#define WAIT_QUEUE_INIT { NULL }

/* Puts the current process to sleep on WQ until wait_queue_wake_all(WQ) (or a spurious wake-up:
 * callers re-check their condition in a loop). Interrupts must be masked. LOCK, when not NULL,
 * is held by the caller: it is released while asleep (interrupts stay masked) and held again on
 * return. Process 0 may call it too: it stays runnable and polls (each call yields once), so a
 * daemon that never answers it cannot leave the CPU with nothing to run. */
void proc_sleep(struct wait_queue *wq, struct spinlock *lock);

/* Makes every process asleep on WQ runnable and empties WQ. Interrupts must be masked (or the
 * lock that guards the sleepers' condition held). Never blocks. */
void wait_queue_wake_all(struct wait_queue *wq);

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
