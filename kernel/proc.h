/* Processes and threads. A struct proc is one thread: a kernel stack, a saved context and a
 * state; the threads of one process share its address space, its open files and its pid. The
 * first thread of a process is its leader: it carries what is per process (pid, parent, fds,
 * fault handler, exit status) and its slot lives until the parent reaps the process, even when
 * the leader thread ends first. Every CPU schedules (kernel/sched.c); the boot context that
 * runs the self-tests is process 0, a kernel-only process pinned to CPU 0 that never exits.
 *
 * Locking: sched_lock (kernel/sched.c) protects the table (slot use, pids), every state, the
 * parent/leader links, the per-process thread counts and exit flags, and every wait queue.
 * The fd table is protected by the leader's fd_lock (kernel/fd.c). Everything else of a thread
 * (tf, ns, as) is touched only by the thread itself, or by its creator before it runs. */
#ifndef KERNEL_PROC_H
#define KERNEL_PROC_H

#include "kernel/arch.h"
#include "kernel/spinlock.h"

#define PROC_MAX        64
#define PROC_KSTACK     (16 * 1024)
#define PROC_THREADS_MAX 8      /* slots one process may hold: live threads + unjoined ended ones */

/* Exit statuses of a process the kernel killed, as a shell would show a signal. */
#define PROC_KILLED_SEGV 139    /* unresolvable fault and no handler (128 + SIGSEGV) */
#define PROC_KILLED_OOM  137    /* out of memory during a fault (128 + SIGKILL) */
#define PROC_KILLED_ILL  132    /* illegal instruction or breakpoint (128 + SIGILL) */

enum proc_state {
	PROC_UNUSED = 0,
	PROC_NEW,           /* slot taken, being built by its creator: nobody runs it yet */
	PROC_RUNNABLE,
	PROC_RUNNING,       /* on the CPU proc.cpu */
	PROC_BLOCKED,       /* asleep on a wait queue (waitpid, thread_join, a scheme call) */
	PROC_ZOMBIE,        /* the thread ended; its slot waits for a join or the process's reaping */
};

struct addrspace;
struct scheme_file;
struct scheme_ns;
struct proc;

/* A list of threads asleep until some condition holds; protected by sched_lock. */
struct wait_queue {
	struct proc *head;
};
#define WAIT_QUEUE_INIT { NULL }

/* Open files per process (kernel/fd.c): descriptors 0..PROC_FD_MAX-1. */
#define PROC_FD_MAX     32

struct proc {
	int pid;                       /* the process's id, the same in all its threads */
	int tid;                       /* this thread's id; the leader's is the pid */
	enum proc_state state;
	const char *name;
	struct proc *leader;           /* the process's first thread (itself for the leader) */
	struct addrspace *as;          /* shared by the threads (one reference each); NULL for 0 */
	struct arch_context ctx;       /* saved by arch_context_switch */
	uint8_t *kstack;               /* PROC_KSTACK bytes */
	struct trap_frame *tf;         /* where a new thread's first user frame is built */
	int exit_status;               /* thread: its SYS_THREAD_EXIT status; leader: the process's */
	struct scheme_ns *ns;          /* schemes it may open or create (per thread, inherited);
					* NULL = every one */
	struct proc *wait_next;        /* on the wait queue it sleeps on */
	struct wait_queue *waiting_on; /* that queue, NULL when not on one */
	int pin_cpu;                   /* the only CPU that may run it, or -1 (any) */
	unsigned cpu;                  /* the CPU running it, while PROC_RUNNING */
	bool on_cpu;                   /* its context is still in use on a CPU (kernel/sched.c) */
	bool joined;                   /* a SYS_THREAD_JOIN took its status (leader thread) */
	unsigned empty_yields;         /* SYS_YIELDs in a row with nothing else to run (itself) */

	/* Per process: meaningful in the leader only. */
	struct proc *parent;           /* the parent process's leader */
	uintptr_t fault_handler;       /* user upcall for unresolvable faults, 0 = kill */
	struct spinlock fd_lock;       /* protects fds */
	struct scheme_file *fds[PROC_FD_MAX];   /* kernel/fd.c: one reference each, NULL = free */
	unsigned threads_live;         /* sched_lock: threads not yet ended */
	unsigned threads_slots;        /* sched_lock: slots held (live + unjoined ended threads) */
	bool group_exit;               /* sched_lock: SYS_EXIT or a fatal fault: all threads end */
	int group_status;              /* sched_lock: the status group_exit ends the process with */
	bool reapable;                 /* sched_lock: every thread ended and the teardown is done */
	bool orphan;                   /* sched_lock: adopted by process 0 while alive */
	struct wait_queue child_wq;    /* threads of this process in waitpid */
	struct wait_queue thread_wq;   /* threads of this process in thread_join */
};

/* Puts the current thread to sleep on WQ until wait_queue_wake_all(WQ) (or a spurious wake-up:
 * callers re-check their condition in a loop). Interrupts must be masked. LOCK, when not NULL,
 * is held by the caller and guards the condition: it is released once the thread is on WQ
 * (interrupts stay masked), so a waker holding LOCK cannot miss it, and held again on return.
 * In a thread of an ending process it yields once and returns (see proc_ending).
 * Process 0 may call it too: it stays runnable and polls (each call yields once, or waits for
 * an interrupt when nothing else can run on CPU 0), so a daemon that never answers it cannot
 * leave CPU 0 with nothing to run. */
void proc_sleep(struct wait_queue *wq, struct spinlock *lock);

/* Whether the calling thread's process is ending (SYS_EXIT, or a fatal fault, in some thread of
 * it): from then on its threads do not sleep (proc_sleep returns after one yield) and a thread
 * asleep when it began was woken (sched_interrupt_group_locked). Whoever sleeps in a loop checks
 * it and gives up with -EINTR once what it waits for is left in a safe state; the thread then
 * ends on its way back to user mode. False for process 0. */
bool proc_ending(void);

/* Makes every thread asleep on WQ runnable and empties WQ. The caller may hold any lock that
 * sched_lock comes after (mm/addrspace.h), e.g. the one guarding the sleepers' condition.
 * Never blocks. */
void wait_queue_wake_all(struct wait_queue *wq);

/* The thread running on this CPU (NULL on an idle CPU). */
struct proc *proc_current(void);

/* Makes the boot context process 0 (pinned to CPU 0). Called once by kernel_main. */
void proc_init(void);

/* Starts the embedded user program NAME as a child of the current process. Returns its pid or
 * -ENOENT (no such program) / -EAGAIN (process table full) / -ENOMEM. */
int proc_spawn(const char *name);

/* Waits for the child PID (-1: any child) of the current process to exit, stores its status in
 * *STATUS and frees it. Returns the pid, or -ECHILD when there is no such child, or -EINTR when
 * the caller's process is ending (SYS_EXIT from another thread). */
int proc_wait(int pid, int *status);

/* SYS_EXIT: ends every thread of the current process; the process's status is STATUS (unless
 * another thread's exit or a fatal fault came first). Never returns. */
__noreturn void proc_exit(int status);

/* SYS_THREAD_EXIT: ends the calling thread with STATUS; when it is the last one, the process
 * ends with STATUS (or the group status, when the process is ending). Never returns. */
__noreturn void proc_thread_exit(int status);

/* SYS_THREAD_CREATE: a new thread of the current process starting at ENTRY with ARG (where a
 * fault upcall's first argument goes) on the stack below STACK_TOP. Returns its tid, -EFAULT
 * (ENTRY or the stack not user memory, the stack not writable), -EINVAL (STACK_TOP not 16-byte
 * aligned), -EAGAIN (PROC_THREADS_MAX slots held, or the table is full). */
long proc_thread_create(uintptr_t entry, uintptr_t stack_top, uintptr_t arg);

/* SYS_THREAD_JOIN: waits for thread TID of the current process to end and stores its status in
 * *STATUS. Returns 0, -ESRCH (no such thread, or already joined), -EDEADLK (TID is the caller),
 * -EINTR (the process is ending). */
int proc_thread_join(long tid, int *status);

/* fork: a copy of the current process whose only thread is a copy of the calling one, with
 * user frame *TF and result 0. Returns the child's pid or -EAGAIN / -ENOMEM, with nothing left
 * behind on failure. */
int proc_fork(const struct trap_frame *tf);

/* Switches to the next runnable thread this CPU may run (round-robin); returns when this one
 * runs again. Returns at once when nothing else can run. */
void sched_yield(void);

/* Waits (yielding, at most about a second) until no process is between its exit and the moment
 * its parent may reap it, i.e. until every ended process gave its frames back, and no orphan
 * is alive (nobody waits for it: it may be about to exit) and no scheme daemon but the
 * caller's own is still handling notices (scheme_notices_pending); then, for at most 20 ms,
 * until no other process has a thread running or runnable (a daemon finishing a request).
 * SYS_CHECK and SYS_FREE_FRAMES call it first: with several CPUs an exit overlaps the caller's
 * count. (Other CPUs' faults or munmaps during a count can still change it: the counts are
 * exact only while nothing else changes memory.) No spinlock held. */
void proc_settle(void);

/* SYS_CHECK: proc_settle, then the mm invariant checker (vm_check_all) with no process
 * teardown (file closes, address-space destroy) under way on another CPU. Returns the number
 * of problems. No spinlock held. */
long proc_check_all(void);

/* SYS_YIELD from a user thread: sched_yield, unless another CPU is in the scheduler right now
 * (then it returns at once: the yield is a hint). */
void sched_yield_hint(void);

/* Number of slots in use (threads, and processes waiting to be reaped), process 0 included
 * (for leak checks in tests). */
unsigned proc_count(void);

/* ---- Between kernel/proc.c, kernel/sched.c and kernel/smp.c ---- */

/* The idle loop of an AP (from smp_ap_main): runs threads when there are, else waits for an
 * interrupt. Never returns. */
__noreturn void sched_idle_loop(void);

/* The one lock of the scheduler and the process table (kernel/sched.c). */
extern struct spinlock sched_lock;

/* The process table (kernel/proc.c), read by the scheduler under sched_lock. */
extern struct proc procs[PROC_MAX];

/* Makes P (PROC_NEW, PROC_BLOCKED) runnable and wakes a CPU that may run it. sched_lock held. */
void sched_make_runnable_locked(struct proc *p);

/* Wakes every thread of LEADER's process that is asleep (PROC_BLOCKED), taking it off its wait
 * queue, whatever it waits for; LEADER->group_exit must be set (in the same sched_lock hold as
 * this call, so that no thread of the process goes to sleep after it: sched_block_locked). Each
 * sleeper finds proc_ending() true and gives up. sched_lock held. */
void sched_interrupt_group_locked(struct proc *leader);

/* wait_queue_wake_all with sched_lock held. */
void wait_queue_wake_all_locked(struct wait_queue *wq);

/* Sleeps on WQ (NULL: on no queue; a waker sets the state itself) with sched_lock held, which
 * is released while asleep and held again on return. Process 0 polls instead; a thread of an
 * ending process (proc_ending) yields once instead. */
void sched_block_locked(struct wait_queue *wq);

/* Ends the current thread for good: its state must be PROC_ZOMBIE already, sched_lock held.
 * Switches away and never returns. */
__noreturn void sched_exit_locked(void);

/* Called first by a new thread on its first switch-in: finishes the switch (drops sched_lock
 * taken by the CPU that switched to it). */
void sched_first_entry(void);

/* Starts / stops the tick on every online CPU (nothing when it already is / is not running).
 * Called by process 0 only, with no spinlock held. */
void sched_timers_start(void);
void sched_timers_stop(void);

#endif
