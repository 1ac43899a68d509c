/* How threads end a process, each case in a forked child whose status the parent checks
 * exactly (then: every frame back, the checker clean):
 *  - SYS_EXIT from one thread while three others spin in user mode ends them all: status 42;
 *  - SYS_EXIT while the first thread waits in thread_join (it returns -EINTR and ends): 43;
 *  - the first thread ends with SYS_THREAD_EXIT(5) and the process lives on in another thread,
 *    which ends last with SYS_THREAD_EXIT(7): the process's status is the last thread's, 7;
 *  - a thread that faults with no fault handler kills the whole process: 139 (SIGSEGV's).
 * Exit status = failed checks. */
#include "tests/user/lib/ulib.h"

#define STACK (4 * U_PAGE)

static unsigned spinning;

static U_THREAD_ENTRY void spin_forever(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&spinning, 1, __ATOMIC_SEQ_CST);
	for (;;)
		;
}

static U_THREAD_ENTRY void exit_group(void *arg)
{
	while (__atomic_load_n(&spinning, __ATOMIC_ACQUIRE) < 3)
		u_yield();
	u_exit((int)(uintptr_t)arg);
}

/* Forks a child that runs FN and checks that it ends with status WANT, leaving nothing behind. */
static void expect_child_status(void (*fn)(void), int want)
{
	long free0 = u_free_frames();
	long pid = u_fork();
	if (pid == 0) {
		fn();
		u_exit(200);                        /* not reached */
	}
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, want);
	U_EXPECT_EQ(u_free_frames(), free0);
	U_EXPECT_EQ(u_check(), 0);
}

static void exit_ends_spinners(void)
{
	for (int i = 0; i < 3; i++)
		u_thread_create(spin_forever, u_thread_stack(STACK), NULL);
	u_thread_create(exit_group, u_thread_stack(STACK), (void *)42);
	for (;;)
		u_yield();
}

static void exit_interrupts_join(void)
{
	long spinner = u_thread_create(spin_forever, u_thread_stack(STACK), NULL);
	u_thread_create(spin_forever, u_thread_stack(STACK), NULL);
	u_thread_create(spin_forever, u_thread_stack(STACK), NULL);
	u_thread_create(exit_group, u_thread_stack(STACK), (void *)43);
	int status;
	long r = u_thread_join(spinner, &status);  /* -EINTR, then this thread ends too */
	u_exit(100 + (int)-r);                      /* not reached: the group exit came first */
}

static U_THREAD_ENTRY void outlive_leader(void *arg)
{
	long leader = (long)(uintptr_t)arg;
	int status = -1;
	/* the first thread ends with 5 and can be joined like any thread */
	long r = u_thread_join(leader, &status);
	u_thread_exit(r == 0 && status == 5 ? 7 : 8);
}

static void last_thread_decides(void)
{
	u_thread_create(outlive_leader, u_thread_stack(STACK), (void *)(uintptr_t)u_gettid());
	u_thread_exit(5);
}

static U_THREAD_ENTRY void fault(void *arg)
{
	while (__atomic_load_n(&spinning, __ATOMIC_ACQUIRE) < 2)
		u_yield();
	*(volatile uint8_t *)arg = 1;               /* unmapped: no handler, the process dies */
	u_thread_exit(9);
}

static void fault_kills_all(void)
{
	u_thread_create(spin_forever, u_thread_stack(STACK), NULL);
	u_thread_create(spin_forever, u_thread_stack(STACK), NULL);
	u_thread_create(fault, u_thread_stack(STACK), (void *)0x10);
	for (;;)
		u_yield();
}

int user_main(void)
{
	expect_child_status(exit_ends_spinners, 42);
	expect_child_status(exit_interrupts_join, 43);
	expect_child_status(last_thread_decides, 7);
	expect_child_status(fault_kills_all, 139);
	return u_failures();
}
