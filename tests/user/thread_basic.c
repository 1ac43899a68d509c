/* Thread basics: ids (the first thread's tid is the pid, others differ and share the pid),
 * exact statuses through join, shared memory under a user spinlock, and every error code of
 * create and join: -EFAULT for an entry or stack outside user memory (or a stack not mapped
 * writable), -EINVAL for an unaligned stack, -EAGAIN past the per-process thread limit (8 slots:
 * live threads and ended ones not yet joined), -EDEADLK for joining oneself, -ESRCH for a tid
 * that is not (or no longer) a thread of this process. Exit status = failed checks. */
#include "tests/user/lib/ulib.h"

#define STACK        (4 * U_PAGE)
#define MAX_THREADS  8          /* PROC_THREADS_MAX */
#define ADDS         2000

struct info {
	long tid, pid;
	int status;
};

static U_THREAD_ENTRY void report(void *arg)
{
	struct info *in = arg;
	in->tid = u_gettid();
	in->pid = u_getpid();
	u_thread_exit(in->status);
}

static struct u_spinlock lock;
static unsigned long counter;

static U_THREAD_ENTRY void adder(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < ADDS; i++) {
		u_spin_lock(&lock);
		unsigned long v = counter;
		if (i % 64 == 0)
			u_yield();                  /* a holder that sleeps: the others must wait */
		counter = v + 1;
		u_spin_unlock(&lock);
	}
	u_thread_exit(0);
}

static unsigned release;

static U_THREAD_ENTRY void waiter(void *arg)
{
	while (!__atomic_load_n(&release, __ATOMIC_ACQUIRE))
		u_yield();
	u_thread_exit((int)(uintptr_t)arg);
}

/* Ids and statuses: three threads report themselves and end with 40, 41, 42. */
static void ids_and_statuses(void)
{
	long pid = u_getpid();
	U_EXPECT_EQ(u_gettid(), pid);
	struct info in[3];
	long tids[3];
	for (int i = 0; i < 3; i++) {
		in[i] = (struct info){ .tid = -1, .pid = -1, .status = 40 + i };
		tids[i] = u_thread_create(report, u_thread_stack(STACK), &in[i]);
		U_EXPECT_EQ(tids[i] > 0, 1);
	}
	for (int i = 2; i >= 0; i--) {          /* join order is free */
		int status = -1;
		U_EXPECT_EQ(u_thread_join(tids[i], &status), 0);
		U_EXPECT_EQ(status, 40 + i);
		U_EXPECT_EQ(in[i].tid, tids[i]);
		U_EXPECT_EQ(in[i].pid, pid);
		U_EXPECT_NE(in[i].tid, pid);
		U_EXPECT_EQ(u_thread_join(tids[i], &status), -3);       /* -ESRCH: joined already */
	}
	U_EXPECT_NE(tids[0], tids[1]);
	U_EXPECT_EQ(u_thread_join(u_gettid(), NULL), -35);         /* -EDEADLK */
	U_EXPECT_EQ(u_thread_join(999999, NULL), -3);              /* -ESRCH */
	U_EXPECT_EQ(u_thread_join(1, NULL), -3);                   /* another process's */
}

/* Four threads add under one lock: no increment is lost. */
static void shared_counter(void)
{
	long tids[4];
	for (int i = 0; i < 4; i++)
		tids[i] = u_thread_create(adder, u_thread_stack(STACK), NULL);
	for (int i = 0; i < 4; i++) {
		int status = -1;
		U_EXPECT_EQ(u_thread_join(tids[i], &status), 0);
		U_EXPECT_EQ(status, 0);
	}
	U_EXPECT_EQ(counter, 4ul * ADDS);
}

/* Bad arguments of SYS_THREAD_CREATE. */
static void create_errors(void)
{
	uint8_t *top = u_thread_stack(STACK);
	U_EXPECT_EQ(top != NULL, 1);
	uintptr_t entry = (uintptr_t)report;
	struct info in = { .status = 1 };
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, 0, (long)top, (long)&in), -14);          /* entry 0 */
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, -4096, (long)top, (long)&in), -14);      /* kernel entry */
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, (long)entry, -16, (long)&in), -14);      /* kernel stack */
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, (long)entry, (long)(top - 8), 0), -22);  /* unaligned */
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, (long)entry, 0, 0), -14);                /* no stack */
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, (long)entry, 0x50000000, 0), -14);       /* unmapped */
	U_EXPECT_EQ(u_mprotect(top - STACK, STACK, PROT_READ), 0);
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, (long)entry, (long)top, 0), -14);        /* read-only */
#if UINTPTR_MAX > 0xffffffffu
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, 0x0000800000000000l, (long)top, 0), -14); /* above user */
	U_EXPECT_EQ(sys3(SYS_THREAD_CREATE, (long)entry, 0x0000800000000000l, 0), -14);
#endif
	U_EXPECT_EQ(u_munmap(top - STACK, STACK), 0);
}

/* The per-process limit: with MAX_THREADS - 1 threads waiting (and this one), one more is
 * -EAGAIN; after they ended and were joined, creating works again. */
static void thread_limit(void)
{
	long tids[MAX_THREADS];
	for (int i = 0; i < MAX_THREADS - 1; i++) {
		tids[i] = u_thread_create(waiter, u_thread_stack(STACK), (void *)(uintptr_t)(60 + i));
		U_EXPECT_EQ(tids[i] > 0, 1);
	}
	void *top = u_thread_stack(STACK);
	U_EXPECT_EQ(u_thread_create(waiter, top, (void *)1), -11);                 /* -EAGAIN */
	__atomic_store_n(&release, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < MAX_THREADS - 1; i++) {
		int status = -1;
		U_EXPECT_EQ(u_thread_join(tids[i], &status), 0);
		U_EXPECT_EQ(status, 60 + i);
	}
	long again = u_thread_create(waiter, top, (void *)77);
	U_EXPECT_EQ(again > 0, 1);
	int status = -1;
	U_EXPECT_EQ(u_thread_join(again, &status), 0);
	U_EXPECT_EQ(status, 77);
}

int user_main(void)
{
	ids_and_statuses();
	shared_counter();
	create_errors();
	thread_limit();
	return u_failures();
}
