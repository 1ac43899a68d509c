/* Fault storms and fork storms, four at once (on four CPUs when there are), each a fixed number
 * of iterations:
 *  - fault storm: four threads each map PAGES private pages, write a pattern of their own on each
 *    (one fault per page), read it back, add to a shared-memory tally, and unmap them;
 *  - fork storm: four worker processes each fork FORK_ROUNDS children that write a private page
 *    and a slot of a shared page, then exit with a status of their own; the worker waits for
 *    exactly that child.
 * Afterwards the shared tallies are exact and the checker is clean; the storms run in a child,
 * and once it is gone the free frame count is back where it was before. Exit status = failed
 * checks. */
#include "tests/user/lib/ulib.h"

#define THREADS      4
#define STACK        (4 * U_PAGE)
#define FAULT_ROUNDS 12
#define PAGES        16
#define FORK_ROUNDS  6

struct shared;

struct storm {
	unsigned index;
	struct shared *sh;
	uint8_t *privpage;                   /* a private page the children dirty */
};

/* Everything the threads read or write besides their own stacks and regions lives in one
 * MAP_SHARED page: no copy-on-write break elsewhere can leave another CPU reading a stale copy
 * (that would need TLB shootdown, which these storms do not test). */
struct shared {
	unsigned long pages_ok[THREADS];     /* fault storm: pages written and read back */
	unsigned long child_writes[THREADS]; /* fork storm: children's writes */
	struct storm st[THREADS];
	unsigned ready;
};

static U_THREAD_ENTRY void storm_thread(void *arg)
{
	struct storm *s = arg;
	unsigned bad = 0;
	__atomic_fetch_add(&s->sh->ready, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&s->sh->ready, __ATOMIC_ACQUIRE) < THREADS)
		u_yield();
	for (unsigned r = 0; r < FAULT_ROUNDS; r++) {
		uint8_t *m = u_mmap(NULL, PAGES * U_PAGE, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS);
		if (u_mmap_failed(m)) {
			bad++;
			continue;
		}
		uint8_t v = (uint8_t)(s->index * 16 + r);
		for (unsigned p = 0; p < PAGES; p++)
			m[p * U_PAGE + p] = v;
		for (unsigned p = 0; p < PAGES; p++)
			if (m[p * U_PAGE + p] == v && m[p * U_PAGE + p + 1] == 0)
				__atomic_fetch_add(&s->sh->pages_ok[s->index], 1, __ATOMIC_RELAXED);
		bad += u_munmap(m, PAGES * U_PAGE) != 0;
	}
	u_thread_exit((int)bad);
}

/* One fork-storm worker process (a child of the storms' process): FORK_ROUNDS children, each
 * dirtying a private page and a shared tally, each waited for by pid. Returns the failures. */
static int fork_worker(struct storm *s)
{
	int bad = 0;
	for (unsigned r = 0; r < FORK_ROUNDS; r++) {
		long pid = u_fork();
		if (pid == 0) {
			s->privpage[r] = (uint8_t)r;          /* copy-on-write in the child */
			__atomic_fetch_add(&s->sh->child_writes[s->index], 1, __ATOMIC_RELAXED);
			u_exit(50 + (int)s->index);
		}
		int status = -1;
		bad += u_waitpid(pid, &status) != pid;
		bad += status != 50 + (int)s->index;
	}
	return bad;
}

/* The storms, in a child of user_main (so that the count of free frames is compared after
 * everything the storms touched, page tables included, is gone). */
static void storms(void)
{
	struct shared *sh = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	U_EXPECT_EQ(u_mmap_failed(sh), 0);
	if (u_mmap_failed(sh))
		return;
	memset(sh, 0, sizeof(*sh));
	struct storm *st = sh->st;
	uint8_t *stacks[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		stacks[i] = u_thread_stack(STACK);
		uint8_t *priv = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
		U_EXPECT_EQ(!stacks[i] || u_mmap_failed(priv), 0);
		if (!stacks[i] || u_mmap_failed(priv))
			return;
		memset(stacks[i] - STACK, 0, STACK);
		memset(priv, 0xee, U_PAGE);
		st[i] = (struct storm){ i, sh, priv };
	}
	long tids[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		tids[i] = u_thread_create(storm_thread, stacks[i], &st[i]);
		U_EXPECT_EQ(tids[i] > 0, 1);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		int status = -1;
		U_EXPECT_EQ(u_thread_join(tids[i], &status), 0);
		U_EXPECT_EQ(status, 0);
	}
	/* the fork storm: four worker processes at once (forks from threads whose siblings run
	 * on other CPUs need TLB shootdown to be exact: the parent's write-protection reaches
	 * only the forking CPU without it) */
	long workers[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		workers[i] = u_fork();
		if (workers[i] == 0)
			u_exit(fork_worker(&st[i]));
	}
	for (unsigned i = 0; i < THREADS; i++) {
		int status = -1;
		U_EXPECT_EQ(u_waitpid(workers[i], &status), workers[i]);
		U_EXPECT_EQ(status, 0);
	}
	for (unsigned i = 0; i < THREADS; i++) {
		U_EXPECT_EQ(sh->pages_ok[i], (unsigned long)FAULT_ROUNDS * PAGES);
		U_EXPECT_EQ(sh->child_writes[i], FORK_ROUNDS);
		U_EXPECT_EQ(st[i].privpage[0], 0xee);     /* the children's writes stayed theirs */
	}
	U_EXPECT_EQ(u_check(), 0);
}

int user_main(void)
{
	u_run_child_checked(storms);     /* status 0, every frame back, the checker clean */
	return u_failures();
}
