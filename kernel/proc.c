/* The process table, process creation (spawn, fork), exit and wait, sleeping on wait queues,
 * round-robin scheduling on one CPU, and the handling of every trap that comes from user mode
 * (syscalls, faults, ticks). Each process also carries its open files (kernel/fd.c) and its
 * scheme namespace (scheme/namespace.c), inherited by fork and dropped at exit.
 * A switch changes three things together: the kernel stack user traps land on, the active user
 * address space, and the saved kernel context. */
#include "kernel/proc.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "kernel/errno.h"
#include "kernel/string.h"
#include "kernel/trap.h"
#include "kernel/syscall.h"
#include "kernel/user_program.h"
#include "kernel/fd.h"
#include "kernel/spinlock.h"
#include "scheme/scheme.h"
#include "mm/addrspace.h"
#include "mm/vm.h"

/* Every field of every process is protected by masking interrupts (one CPU): the table changes
 * only in syscalls and in proc_spawn/proc_wait, all with interrupts masked. */
static struct proc procs[PROC_MAX];
static uint8_t kstacks[PROC_MAX][PROC_KSTACK] __aligned(16);
static int next_pid = 1;
static bool timer_running;
#define PROC_HZ 100
struct proc *proc_running;

/* The user stack of a new program: USER_STACK_PAGES pages ending at USER_STACK_TOP. */
#define USER_STACK_TOP   0x7ff00000ul
#define USER_STACK_PAGES 16

struct proc *proc_current(void)
{
	return proc_running;
}

void proc_init(void)
{
	struct proc *p = &procs[0];
	p->pid = 0;
	p->state = PROC_RUNNING;
	p->name = "kernel";
	p->kstack = NULL;              /* process 0 keeps the boot stack */
	proc_running = p;
}

unsigned proc_count(void)
{
	unsigned n = 0;
	for (unsigned i = 0; i < PROC_MAX; i++)
		n += procs[i].state != PROC_UNUSED;
	return n;
}

/* Returns a free slot with a fresh pid and a kernel stack, or NULL when the table is full. */
static struct proc *proc_alloc(const char *name)
{
	for (unsigned i = 1; i < PROC_MAX; i++) {
		struct proc *p = &procs[i];
		if (p->state != PROC_UNUSED)
			continue;
		memset(p, 0, sizeof(*p));
		p->pid = next_pid++;
		p->name = name;
		p->kstack = kstacks[i];
		p->parent = proc_running;
		uintptr_t top = (uintptr_t)(p->kstack + PROC_KSTACK);
		p->tf = (struct trap_frame *)ALIGN_DOWN(top - sizeof(struct trap_frame), 16);
		return p;
	}
	return NULL;
}

/* Where a new process starts on its kernel stack: straight out to user mode. */
static void proc_first_entry(void *arg)
{
	struct proc *p = arg;
	arch_return_to_user(p->tf);
}

/* Makes P runnable from its user frame p->tf. */
static void proc_start(struct proc *p)
{
	arch_context_init(&p->ctx, p->tf, proc_first_entry, p);
	p->state = PROC_RUNNABLE;
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
	unsigned long flags = arch_irq_save();
	int err = -EAGAIN;
	struct proc *p = proc_alloc(prog->name);
	if (!p)
		goto out;
	err = addrspace_create(&p->as);
	if (!err)
		err = proc_load(p->as, prog);
	if (err) {
		if (p->as)
			addrspace_destroy(p->as);
		p->state = PROC_UNUSED;
		goto out;
	}
	arch_trap_frame_init_user(p->tf, USER_PROGRAM_BASE, USER_STACK_TOP);
	p->ns = scheme_ns_get(proc_running->ns);
	proc_start(p);
	if (!timer_running) {               /* ticks preempt user processes */
		arch_timer_start(PROC_HZ);
		timer_running = true;
	}
	err = p->pid;
out:
	arch_irq_restore(flags);
	return err;
}

int proc_fork(const struct trap_frame *tf)
{
	struct proc *parent = proc_running;
	struct proc *child = proc_alloc(parent->name);
	if (!child)
		return -EAGAIN;
	int err = addrspace_fork(parent->as, &child->as);
	if (err) {
		child->state = PROC_UNUSED;
		return err;
	}
	*child->tf = *tf;
	arch_syscall_set_result(child->tf, 0);
	child->fault_handler = parent->fault_handler;
	fd_table_fork(child, parent);
	child->ns = scheme_ns_get(parent->ns);
	proc_start(child);
	return child->pid;
}

/* Wakes P's parent if it waits for a child. */
static void proc_wake_parent(struct proc *p)
{
	if (p->parent && p->parent->state == PROC_BLOCKED)
		p->parent->state = PROC_RUNNABLE;
}

void proc_exit(int status)
{
	arch_irq_save();
	struct proc *p = proc_running;
	if (p->pid == 0)
		panic("process 0 cannot exit (status %d)", status);
	/* files first: a scheme this process serves dies while its address space still exists,
	 * so the client buffers lent to it are given back one by one (scheme/user_scheme.c) */
	fd_table_close_all(p);
	scheme_ns_put(p->ns);
	p->ns = NULL;
	struct addrspace *as = p->as;
	p->as = NULL;
	addrspace_activate(NULL);
	addrspace_destroy(as);
	for (unsigned i = 1; i < PROC_MAX; i++)      /* orphans go to process 0 */
		if (procs[i].state != PROC_UNUSED && procs[i].parent == p)
			procs[i].parent = &procs[0];
	p->exit_status = status;
	p->state = PROC_ZOMBIE;
	proc_wake_parent(p);
	sched_yield();
	panic("zombie pid %d ran again", p->pid);
}

/* Looks for a child of the current process matching PID: returns a zombie one if there is one,
 * else sets *ANY when a live matching child exists. */
static struct proc *find_child(int pid, bool *any)
{
	*any = false;
	for (unsigned i = 1; i < PROC_MAX; i++) {
		struct proc *c = &procs[i];
		if (c->state == PROC_UNUSED || c->parent != proc_running || (pid != -1 && c->pid != pid))
			continue;
		if (c->state == PROC_ZOMBIE)
			return c;
		*any = true;
	}
	return NULL;
}

int proc_wait(int pid, int *status)
{
	unsigned long flags = arch_irq_save();
	for (;;) {
		bool any;
		struct proc *c = find_child(pid, &any);
		if (c) {
			int found = c->pid;
			if (status)
				*status = c->exit_status;
			c->state = PROC_UNUSED;
			if (timer_running && proc_count() == 1) {   /* only process 0 is left */
				arch_timer_stop();
				timer_running = false;
			}
			arch_irq_restore(flags);
			return found;
		}
		if (!any) {
			arch_irq_restore(flags);
			return -ECHILD;
		}
		if (proc_running->pid != 0)
			proc_running->state = PROC_BLOCKED;
		sched_yield();            /* process 0 polls; others sleep until a child exits */
	}
}

/* An unresolvable fault (or a bad instruction) in user mode: kill the process, unless it asked
 * for faults to be delivered to a handler. */
static void proc_user_fault(struct trap_frame *tf, const struct trap_info *info, int err)
{
	struct proc *p = proc_running;
	if (err != -ENOMEM && p->fault_handler && info->kind == TRAP_PAGE_FAULT) {
		arch_trap_frame_setup_upcall(tf, p->fault_handler, info->fault_addr, info->access);
		return;
	}
	int status = err == -ENOMEM ? PROC_KILLED_OOM
		   : info->kind == TRAP_PAGE_FAULT ? PROC_KILLED_SEGV : PROC_KILLED_ILL;
	kprintf("    # proc: pid %d (%s) killed: %s at pc %p, address %p%s\n", p->pid, p->name,
		info->name, (void *)info->pc, (void *)info->fault_addr,
		err == -ENOMEM ? " (out of memory)" : "");
	proc_exit(status);
}

bool proc_user_trap(struct trap_frame *tf, const struct trap_info *info)
{
	struct proc *p = proc_running;
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
		trap_irq_count++;
		if (info->vector == ARCH_TIMER_VECTOR)
			sched_yield();
		break;
	default:
		proc_user_fault(tf, info, -EFAULT);
		break;
	}
	return true;
}

bool proc_resolve_kernel_fault(const struct trap_info *info)
{
	struct proc *p = proc_running;
	if (!p || !p->as || info->fault_addr >= arch_mmu_user_top())
		return false;
	return vm_fault(p->as, info->fault_addr, (enum vm_access)info->access) == 0;
}

void proc_sleep(struct wait_queue *wq, struct spinlock *lock)
{
	if (unlikely(arch_irq_enabled()))
		panic("proc_sleep with interrupts enabled (pid %d)", proc_running->pid);
	unsigned long masked = arch_irq_save();
	struct proc *p = proc_running;
	if (unlikely(p->waiting_on))
		panic("pid %d sleeps on two wait queues", p->pid);
	p->wait_next = wq->head;
	wq->head = p;
	p->waiting_on = wq;
	if (p->pid != 0)
		p->state = PROC_BLOCKED;   /* process 0 polls, as in proc_wait: it stays runnable */
	if (lock)
		spin_unlock_irqrestore(lock, masked);    /* masked stays masked */
	sched_yield();
	if (lock)
		(void)spin_lock_irqsave(lock);
	/* a spurious wake-up (a child's exit) leaves P queued: take it off */
	for (struct proc **pp = &wq->head; *pp; pp = &(*pp)->wait_next) {
		if (*pp == p) {
			*pp = p->wait_next;
			break;
		}
	}
	p->wait_next = NULL;
	p->waiting_on = NULL;
	p->state = PROC_RUNNING;
	arch_irq_restore(masked);
}

void wait_queue_wake_all(struct wait_queue *wq)
{
	unsigned long irq = arch_irq_save();
	struct proc *p = wq->head;
	wq->head = NULL;
	while (p) {
		struct proc *next = p->wait_next;
		p->wait_next = NULL;
		p->waiting_on = NULL;
		if (p->state == PROC_BLOCKED)
			p->state = PROC_RUNNABLE;
		p = next;
	}
	arch_irq_restore(irq);
}

/* Returns the next runnable process after CUR in table order, or NULL. */
static struct proc *pick_next(struct proc *cur)
{
	unsigned start = (unsigned)(cur - procs);
	for (unsigned n = 1; n <= PROC_MAX; n++) {
		struct proc *p = &procs[(start + n) % PROC_MAX];
		if (p->state == PROC_RUNNABLE)
			return p;
	}
	return NULL;
}

void sched_yield(void)
{
	unsigned long flags = arch_irq_save();
	struct proc *prev = proc_running;
	struct proc *next = pick_next(prev);
	if (!next) {
		if (prev->state != PROC_RUNNING && prev->pid != 0)
			panic("pid %d blocked and nothing can run", prev->pid);
		arch_irq_restore(flags);
		return;
	}
	if (prev->state == PROC_RUNNING)
		prev->state = PROC_RUNNABLE;
	next->state = PROC_RUNNING;
	proc_running = next;
	if (next->kstack)
		arch_set_kernel_stack(next->kstack + PROC_KSTACK);
	addrspace_activate(next->as);
	arch_context_switch(&prev->ctx, &next->ctx);
	arch_irq_restore(flags);
}
