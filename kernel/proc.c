/* The process table: creating processes (spawn, fork) and threads, ending threads and
 * processes (thread exit, exit of the whole group, fatal faults), waiting for children and
 * joining threads, and the handling of every trap that comes from user mode (syscalls, faults,
 * ticks). Which thread runs where is kernel/sched.c's business; every table change here is made
 * under its sched_lock (kernel/proc.h says what else protects what).
 *
 * A thread's end: it stops using the address space on its CPU first (addrspace_activate(NULL)),
 * then counts itself out of the process; the last thread out closes the files and destroys the
 * address space (nobody else can have it active then), marks the process reapable and wakes the
 * parent's waitpid. Other threads put their reference. The slots of a process's threads are
 * freed by the parent's reaping (or, one by one, by thread_join); a thread that faults with no
 * fault handler ends its whole process (as SYS_EXIT with the kill status). */
#include "kernel/proc.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "kernel/trap.h"
#include "kernel/syscall.h"
#include "kernel/user_program.h"
#include "kernel/fd.h"
#include "kernel/smp.h"
#include "scheme/scheme.h"
#include "mm/addrspace.h"
#include "mm/vm.h"
#include "mm/check.h"

struct proc procs[PROC_MAX];                    /* sched_lock */
static uint8_t kstacks[PROC_MAX][PROC_KSTACK] __aligned(16);
static int next_id = 1;                         /* sched_lock: pids and tids */
static unsigned exiting;            /* sched_lock (read atomically): processes ending, not reapable */
static unsigned orphans;            /* sched_lock (read atomically): live processes whose parent
				     * ended (process 0 adopted them) */
/* SYS_CHECK against process teardowns on other CPUs (a teardown changes refcounts and entries
 * in steps the checker must not see half done): teardowns counts those under way, checking is
 * set while the checker runs. Each side announces itself, then looks at the other (sequentially
 * consistent atomics: at least one of two racing sides sees the other and backs off, yielding).
 * Not a lock: a teardown may sleep (file closes), and no CPU spins with interrupts masked. */
static unsigned teardowns, checking;

/* The user stack of a new program: USER_STACK_PAGES pages ending at USER_STACK_TOP. */
#define USER_STACK_TOP   0x7ff00000ul
#define USER_STACK_PAGES 16

/* The least of a new thread's stack that must be writable user memory below its top. */
#define THREAD_STACK_CHECK 512

void proc_init(void)
{
	(void)vm_init();               /* out of memory here comes back at the first fork or spawn */
	struct proc *p = &procs[0];
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	p->pid = p->tid = 0;
	p->state = PROC_RUNNING;
	p->name = "kernel";
	p->leader = p;
	p->kstack = NULL;              /* process 0 keeps the boot stack */
	p->pin_cpu = 0;                /* and the boot CPU: the self-tests run there */
	p->cpu = 0;
	p->on_cpu = true;
	p->threads_live = p->threads_slots = 1;
	spin_init(&p->fd_lock, "fd");
	smp_cpus[0].current = p;
	spin_unlock_irqrestore(&sched_lock, irq);
}

unsigned proc_count(void)
{
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	unsigned n = 0;
	for (unsigned i = 0; i < PROC_MAX; i++)
		n += procs[i].state != PROC_UNUSED;
	spin_unlock_irqrestore(&sched_lock, irq);
	return n;
}

/* Returns a free slot (PROC_NEW, fresh tid, kernel stack, the leader of a new process whose
 * parent is the caller's process), or NULL when the table is full. sched_lock held. */
static struct proc *proc_alloc_locked(const char *name)
{
	spin_assert_held(&sched_lock);
	for (unsigned i = 1; i < PROC_MAX; i++) {
		struct proc *p = &procs[i];
		if (p->state != PROC_UNUSED)
			continue;
		memset(p, 0, sizeof(*p));
		p->state = PROC_NEW;
		p->pid = p->tid = next_id++;
		p->name = name;
		p->kstack = kstacks[i];
		p->leader = p;
		p->parent = proc_current()->leader;
		p->pin_cpu = -1;
		p->threads_live = p->threads_slots = 1;
		spin_init(&p->fd_lock, "fd");
		uintptr_t top = (uintptr_t)(p->kstack + PROC_KSTACK);
		p->tf = (struct trap_frame *)ALIGN_DOWN(top - sizeof(struct trap_frame), 16);
		return p;
	}
	return NULL;
}

/* Gives back slot P (PROC_NEW, never run). */
static void proc_free_new(struct proc *p)
{
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	p->state = PROC_UNUSED;
	spin_unlock_irqrestore(&sched_lock, irq);
}

static __noreturn void thread_end(int status);

/* Where a new thread starts on its kernel stack: finish the switch, then out to user mode
 * (unless its process is ending already). */
static void proc_first_entry(void *arg)
{
	struct proc *p = arg;
	sched_first_entry();
	if (__atomic_load_n(&p->leader->group_exit, __ATOMIC_RELAXED))
		thread_end(0);
	arch_return_to_user(p->tf);
}

/* Makes P (PROC_NEW, frame p->tf built) runnable. */
static void proc_start(struct proc *p)
{
	arch_context_init(&p->ctx, p->tf, proc_first_entry, p);
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	sched_make_runnable_locked(p);
	spin_unlock_irqrestore(&sched_lock, irq);
}

/* Maps the program image and a stack into AS and writes the image in. Returns 0 or -errno. */
static int proc_load(struct addrspace *as, const struct user_program *prog)
{
	size_t image = (size_t)(prog->end - prog->start);
	size_t size = ALIGN_UP(image, (size_t)4096) + 4096 * 16;   /* room for .bss */
	uintptr_t at;
	int err = vm_mmap(as, USER_PROGRAM_BASE, size, PROT_READ | PROT_WRITE | PROT_EXEC,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &at);
	if (!err)
		err = vm_mmap(as, USER_STACK_TOP - USER_STACK_PAGES * 4096, USER_STACK_PAGES * 4096,
			      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, &at);
	if (!err)
		err = vm_space_write(as, USER_PROGRAM_BASE, prog->start, image);
	return err;
}

int proc_spawn(const char *name)
{
	const struct user_program *prog = user_program_find(name);
	if (!prog)
		return -ENOENT;
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	struct proc *p = proc_alloc_locked(prog->name);
	spin_unlock_irqrestore(&sched_lock, irq);
	if (!p)
		return -EAGAIN;
	int err = addrspace_create(&p->as);
	if (!err)
		err = proc_load(p->as, prog);
	if (err) {
		if (p->as)
			addrspace_destroy(p->as);
		proc_free_new(p);
		return err;
	}
	arch_trap_frame_init_user(p->tf, USER_PROGRAM_BASE, USER_STACK_TOP);
	p->ns = scheme_ns_get(proc_current()->ns);
	if (proc_current()->pid == 0)
		sched_timers_start();          /* ticks preempt user threads on every CPU */
	int pid = p->pid;                  /* read before it runs (and may end) */
	proc_start(p);
	return pid;
}

int proc_fork(const struct trap_frame *tf)
{
	struct proc *me = proc_current(), *leader = me->leader;
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	struct proc *child = proc_alloc_locked(leader->name);
	spin_unlock_irqrestore(&sched_lock, irq);
	if (!child)
		return -EAGAIN;
	int err = addrspace_fork(me->as, &child->as);
	if (err) {
		proc_free_new(child);
		return err;
	}
	*child->tf = *tf;
	arch_syscall_set_result(child->tf, 0);
	child->fault_handler = __atomic_load_n(&leader->fault_handler, __ATOMIC_RELAXED);
	fd_table_fork(child, leader);
	child->ns = scheme_ns_get(me->ns);
	int pid = child->pid;              /* read before it runs (and may end) */
	proc_start(child);
	return pid;
}

long proc_thread_create(uintptr_t entry, uintptr_t stack_top, uintptr_t arg)
{
	struct proc *me = proc_current(), *leader = me->leader;
	uintptr_t top = arch_mmu_user_top();
	if (!me->as || entry == 0 || entry >= top)
		return -EFAULT;
	if (!IS_ALIGNED(stack_top, 16))
		return -EINVAL;
	if (stack_top < THREAD_STACK_CHECK || stack_top > top ||
	    vm_user_check(me->as, stack_top - THREAD_STACK_CHECK, THREAD_STACK_CHECK, VM_ACCESS_WRITE))
		return -EFAULT;
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	struct proc *t = NULL;
	long err = leader->group_exit ? -EINTR
		 : leader->threads_slots >= PROC_THREADS_MAX ? -EAGAIN : 0;
	if (!err && !(t = proc_alloc_locked(leader->name)))
		err = -EAGAIN;
	if (!err) {
		t->pid = leader->pid;
		t->leader = leader;
		t->parent = NULL;
		leader->threads_slots++;
		leader->threads_live++;
	}
	spin_unlock_irqrestore(&sched_lock, irq);
	if (err)
		return err;
	addrspace_get(me->as);
	t->as = me->as;
	t->ns = scheme_ns_get(me->ns);
	arch_trap_frame_init_user(t->tf, entry, stack_top);
	arch_trap_frame_setup_upcall(t->tf, entry, arg, 0);   /* ARG where an upcall's first goes */
	long tid = t->tid;
	proc_start(t);
	return tid;
}

/* Announces a teardown (teardowns), after any checker run under way. */
static void teardown_begin(void)
{
	for (;;) {
		__atomic_fetch_add(&teardowns, 1, __ATOMIC_SEQ_CST);
		if (!__atomic_load_n(&checking, __ATOMIC_SEQ_CST))
			return;
		__atomic_fetch_sub(&teardowns, 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&checking, __ATOMIC_SEQ_CST))
			sched_yield();
	}
}

long proc_check_all(void)
{
	proc_settle();
	while (__atomic_exchange_n(&checking, 1, __ATOMIC_SEQ_CST))
		sched_yield();                      /* one checker at a time */
	/* teardowns that began before us finish first (at most about a second: one may wait
	 * for a daemon, which may be our caller) */
	uint64_t hz = arch_cycles_hz() ? arch_cycles_hz() : 1000000000ull, start = arch_cycles();
	while (__atomic_load_n(&teardowns, __ATOMIC_SEQ_CST) && arch_cycles() - start < hz)
		sched_yield();
	long problems = vm_check_all();
	__atomic_store_n(&checking, 0, __ATOMIC_SEQ_CST);
	return problems;
}

/* Ends the calling thread with STATUS (see the top of the file); never returns. */
static __noreturn void thread_end(int status)
{
	(void)arch_irq_save();
	struct proc *p = proc_current(), *leader = p->leader;
	if (p->pid == 0)
		panic("process 0 cannot exit (status %d)", status);
	scheme_ns_put(p->ns);
	p->ns = NULL;
	struct addrspace *as = p->as;
	p->as = NULL;
	addrspace_activate(NULL);              /* before counting out: see the top of the file */
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	p->exit_status = status;
	bool last = --leader->threads_live == 0;
	if (last && !leader->group_exit)
		__atomic_store_n(&exiting, exiting + 1, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&sched_lock, irq);
	if (last) {
		teardown_begin();
		/* files first: a scheme this process serves dies while its address space still
		 * exists, so the client buffers lent to it are given back one by one */
		fd_table_close_all(leader);
		addrspace_destroy(as);
		__atomic_fetch_sub(&teardowns, 1, __ATOMIC_SEQ_CST);
	} else {
		addrspace_put(as);
	}
	(void)spin_lock_irqsave(&sched_lock);
	p->state = PROC_ZOMBIE;
	if (last) {
		for (unsigned i = 1; i < PROC_MAX; i++) {    /* orphans go to process 0 */
			struct proc *c = &procs[i];
			if (c->state == PROC_UNUSED || c->parent != leader)
				continue;
			c->parent = &procs[0];
			if (!c->reapable) {
				c->orphan = true;
				__atomic_store_n(&orphans, orphans + 1, __ATOMIC_RELEASE);
			}
		}
		leader->exit_status = leader->group_exit ? leader->group_status : status;
		leader->reapable = true;
		__atomic_store_n(&exiting, exiting - 1, __ATOMIC_RELEASE);
		if (leader->orphan)
			__atomic_store_n(&orphans, orphans - 1, __ATOMIC_RELEASE);
		wait_queue_wake_all_locked(&leader->parent->child_wq);
	}
	wait_queue_wake_all_locked(&leader->thread_wq);
	sched_exit_locked();
}

void proc_thread_exit(int status)
{
	thread_end(status);
}

void proc_exit(int status)
{
	struct proc *leader = proc_current()->leader;
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	if (!leader->group_exit) {
		leader->group_exit = true;
		leader->group_status = status;
		__atomic_store_n(&exiting, exiting + 1, __ATOMIC_RELEASE);
	}
	/* sleeping threads (waitpid, thread_join, a scheme call or receive) wake, return -EINTR
	 * and end; running ones end at their next trap (a tick at the latest) */
	sched_interrupt_group_locked(leader);
	spin_unlock_irqrestore(&sched_lock, irq);
	thread_end(status);
}

#define SETTLE_MS 20

/* Whether a thread of another user process is running or runnable (read without the lock: a
 * hint for proc_settle). */
static bool others_busy(void)
{
	int me = proc_current()->pid;
	for (unsigned i = 1; i < PROC_MAX; i++) {
		enum proc_state st = __atomic_load_n(&procs[i].state, __ATOMIC_RELAXED);
		if ((st == PROC_RUNNING || st == PROC_RUNNABLE) && procs[i].pid != me)
			return true;
	}
	return false;
}

void proc_settle(void)
{
	/* A process that ended just before (a daemon told to stop, a scenario process after its
	 * last answer) may still be closing its files and tearing its address space down on
	 * another CPU: its frames are still referenced, or referenced by a space no longer listed.
	 * An orphan nobody waits for may be about to exit. A daemon may still be handling the
	 * notices of those exits (or of the caller's closes and munmaps): a CLOSE that deletes a
	 * file unmaps the daemon's pages. Let them finish (yielding, at most a second: file closes
	 * may wait for daemons, and an orphan may have work left). */
	uint64_t hz = arch_cycles_hz() ? arch_cycles_hz() : 1000000000ull, start = arch_cycles();
	struct proc *leader = proc_current()->leader;
	unsigned self = leader && __atomic_load_n(&leader->orphan, __ATOMIC_RELAXED);  /* not us */
	while ((__atomic_load_n(&exiting, __ATOMIC_ACQUIRE) ||
		__atomic_load_n(&orphans, __ATOMIC_ACQUIRE) > self ||
		scheme_notices_pending(proc_current()->pid)) && arch_cycles() - start < hz)
		sched_yield();
	/* A daemon that just answered lets go of its last request only when it is back in its
	 * receive: give other processes' threads (briefly, SETTLE_MS) the time to go to sleep. */
	start = arch_cycles();
	while (others_busy() && arch_cycles() - start < hz / 1000 * SETTLE_MS)
		sched_yield();
}

/* Looks for a child process of LEADER's matching PID: returns a reapable one if there is one,
 * else sets *ANY when a live matching child exists. sched_lock held. */
static struct proc *find_child_locked(struct proc *leader, int pid, bool *any)
{
	*any = false;
	for (unsigned i = 1; i < PROC_MAX; i++) {
		struct proc *c = &procs[i];
		if (c->state == PROC_UNUSED || c->leader != c || c->parent != leader ||
		    (pid != -1 && c->pid != pid))
			continue;
		if (c->reapable)
			return c;
		*any = true;
	}
	return NULL;
}

int proc_wait(int pid, int *status)
{
	struct proc *me = proc_current(), *leader = me->leader;
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	for (;;) {
		if (leader->group_exit) {
			spin_unlock_irqrestore(&sched_lock, irq);
			return -EINTR;
		}
		bool any;
		struct proc *c = find_child_locked(leader, pid, &any);
		if (c) {
			int found = c->pid;
			if (status)
				*status = c->exit_status;
			/* every thread of it ended: their last switches are over (sched_lock) */
			unsigned left = 0;
			for (unsigned i = 1; i < PROC_MAX; i++) {
				if (procs[i].state != PROC_UNUSED && procs[i].leader == c)
					procs[i].state = PROC_UNUSED;
				left += procs[i].state != PROC_UNUSED;
			}
			spin_unlock_irqrestore(&sched_lock, irq);
			if (left == 1 && me->pid == 0)      /* only process 0 is left */
				sched_timers_stop();
			return found;
		}
		if (!any) {
			spin_unlock_irqrestore(&sched_lock, irq);
			return -ECHILD;
		}
		sched_block_locked(&leader->child_wq);  /* process 0 polls */
	}
}

int proc_thread_join(long tid, int *status)
{
	struct proc *me = proc_current(), *leader = me->leader;
	if (tid == me->tid)
		return -EDEADLK;
	unsigned long irq = spin_lock_irqsave(&sched_lock);
	int err;
	for (;;) {
		if (leader->group_exit) {
			err = -EINTR;
			break;
		}
		struct proc *t = NULL;
		for (unsigned i = 0; i < PROC_MAX && !t; i++)
			if (procs[i].state != PROC_UNUSED && procs[i].leader == leader &&
			    procs[i].tid == tid && !procs[i].joined)
				t = &procs[i];
		if (!t) {
			err = -ESRCH;
			break;
		}
		if (t->state == PROC_ZOMBIE) {
			*status = t->exit_status;
			if (t == leader) {
				t->joined = true;           /* its slot is the process's */
			} else {
				t->state = PROC_UNUSED;
				leader->threads_slots--;
			}
			err = 0;
			break;
		}
		sched_block_locked(&leader->thread_wq);
	}
	spin_unlock_irqrestore(&sched_lock, irq);
	return err;
}

/* An unresolvable fault (or a bad instruction) in user mode: kill the process (all its
 * threads), unless it asked for faults to be delivered to a handler. */
static void proc_user_fault(struct trap_frame *tf, const struct trap_info *info, int err)
{
	struct proc *p = proc_current();
	uintptr_t handler = __atomic_load_n(&p->leader->fault_handler, __ATOMIC_RELAXED);
	if (err != -ENOMEM && handler && info->kind == TRAP_PAGE_FAULT) {
		arch_trap_frame_setup_upcall(tf, handler, info->fault_addr, info->access);
		return;
	}
	int status = err == -ENOMEM ? PROC_KILLED_OOM
		   : info->kind == TRAP_PAGE_FAULT ? PROC_KILLED_SEGV : PROC_KILLED_ILL;
	kprintf("    # proc: pid %d tid %d (%s) killed: %s at pc %p, address %p%s\n", p->pid, p->tid,
		p->name, info->name, (void *)info->pc, (void *)info->fault_addr,
		err == -ENOMEM ? " (out of memory)" : "");
	proc_exit(status);
}

bool proc_user_trap(struct trap_frame *tf, const struct trap_info *info)
{
	struct proc *p = proc_current();
	if (!p || p->pid == 0)
		return false;
	switch (info->kind) {
	case TRAP_SYSCALL:
		syscall_dispatch(tf);
		break;
	case TRAP_PAGE_FAULT: {
		int err = vm_fault(p->as, info->fault_addr, (enum vm_access)info->access);
		if (err)
			proc_user_fault(tf, info, err);
		break;
	}
	case TRAP_IRQ:
		__atomic_fetch_add(&trap_irq_count, 1, __ATOMIC_RELAXED);
		if (info->vector == ARCH_TIMER_VECTOR)
			sched_yield();
		break;
	default:
		proc_user_fault(tf, info, -EFAULT);
		break;
	}
	/* back to user mode only while the process lives: SYS_EXIT elsewhere ends this thread */
	if (__atomic_load_n(&p->leader->group_exit, __ATOMIC_RELAXED))
		thread_end(0);
	return true;
}

bool proc_resolve_kernel_fault(const struct trap_info *info)
{
	struct proc *p = proc_current();
	if (!p || !p->as || info->fault_addr >= arch_mmu_user_top())
		return false;
	return vm_fault(p->as, info->fault_addr, (enum vm_access)info->access) == 0;
}
