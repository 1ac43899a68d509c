/* fork from a thread copies only the calling thread: the child's one thread has tid == pid,
 * sees the parent's memory as it was (private pages copy-on-write both ways), can start and
 * join threads of its own, and its exit status reaches the parent process whichever thread
 * waits for it (children belong to the process, not to the thread that forked them).
 * Exit status = failed checks. */
#include "tests/user/lib/ulib.h"

#define STACK (4 * U_PAGE)

static volatile unsigned long shared_word = 0x1234;

/* The flags the spinning thread reads live in a MAP_SHARED page: the forker's write of
 * shared_word breaks copy-on-write of the data page, and the spinner must not poll a stale copy
 * of it on another CPU (TLB shootdown is not under test here). */
struct flags {
	unsigned spinning, release;
};
static U_THREAD_ENTRY void spin_until_released(void *arg)
{
	struct flags *fl = arg;
	__atomic_fetch_add(&fl->spinning, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&fl->release, __ATOMIC_ACQUIRE))
		u_yield();
	u_thread_exit(3);
}

static U_THREAD_ENTRY void child_helper(void *arg)
{
	(void)arg;
	u_thread_exit(u_getpid() == u_gettid() ? 1 : 21);
}

/* The child of the forking thread: one thread, the parent's memory, threads of its own. */
static int child_main(void)
{
	int bad = 0;
	bad += u_gettid() != u_getpid();
	bad += shared_word != 0x5678;           /* written by the parent before the fork */
	shared_word = 0x9999;                   /* copy-on-write: the parent keeps 0x5678 */
	long t = u_thread_create(child_helper, u_thread_stack(STACK), NULL);
	int status = -1;
	bad += t <= 0 || u_thread_join(t, &status) != 0 || status != 21;
	/* the parent's other threads did not come along: their tids are not ours */
	return bad;
}

struct fork_result {
	long pid;
	int status;
	long waited;
};

static U_THREAD_ENTRY void forker(void *arg)
{
	struct fork_result *r = arg;
	shared_word = 0x5678;
	long pid = u_fork();
	if (pid == 0)
		u_exit(child_main() ? 30 : 9);
	r->pid = pid;
	r->waited = u_waitpid(pid, &r->status);
	u_thread_exit(0);
}

static U_THREAD_ENTRY void forker_no_wait(void *arg)
{
	long *pid = arg;
	*pid = u_fork();
	if (*pid == 0)
		u_exit(u_gettid() == u_getpid() ? 11 : 31);
	u_thread_exit(0);
}

int user_main(void)
{
	struct flags *fl = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	if (u_mmap_failed(fl))
		return 100;
	/* a thread that keeps running while another forks: it must not appear in the child */
	long spinner = u_thread_create(spin_until_released, u_thread_stack(STACK), fl);
	U_EXPECT_EQ(spinner > 0, 1);
	while (__atomic_load_n(&fl->spinning, __ATOMIC_ACQUIRE) < 1)
		u_yield();

	struct fork_result r = { -1, -1, -1 };
	long t = u_thread_create(forker, u_thread_stack(STACK), &r);
	int status = -1;
	U_EXPECT_EQ(u_thread_join(t, &status), 0);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(r.waited, r.pid);
	U_EXPECT_EQ(r.status, 9);
	U_EXPECT_EQ(shared_word, 0x5678);       /* the child's write stayed in the child */

	/* a child forked by a thread that ended is reaped by the first thread */
	long pid = -1;
	t = u_thread_create(forker_no_wait, u_thread_stack(STACK), &pid);
	U_EXPECT_EQ(u_thread_join(t, &status), 0);
	U_EXPECT_EQ(pid > 0, 1);
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 11);
	U_EXPECT_EQ(u_waitpid(-1, &status), -10);      /* -ECHILD: nothing left */

	__atomic_store_n(&fl->release, 1, __ATOMIC_RELEASE);
	U_EXPECT_EQ(u_thread_join(spinner, &status), 0);
	U_EXPECT_EQ(status, 3);
	U_EXPECT_EQ(u_check(), 0);             /* (the kernel side counts every frame back) */
	return u_failures();
}
