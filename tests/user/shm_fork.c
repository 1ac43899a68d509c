/* fork of a huge, sparsely touched MAP_SHARED anonymous mapping (mm/shm.c): fork references the
 * mapping's shared object instead of populating it, so it costs no frame per page; both sides
 * see each other's writes on pages touched before and after the fork; the object's frames go
 * back when the last process holding the mapping lets go, whichever exits first; a fork that
 * fails with injected out-of-memory leaves nothing allocated. Every step ends with the
 * invariant checker clean. Exit status = failed checks. Started by tests/ktest/mm_shm_test.c,
 * which reaps the orphan of the parent-exits-first case. */
#include "tests/user/lib/ulib.h"
#include "kernel/errno.h"

#define RW (PROT_READ | PROT_WRITE)
#define SHARED_ANON (MAP_SHARED | MAP_ANONYMOUS)
/* With several CPUs a yield returns at once while the other process runs elsewhere: bounds are
 * in yields but generous (a failing test still ends, through the harness's timeout at worst). */
#define SETTLE_YIELDS 10000000

/* The mailbox of the parent-exits-first case: shared with both processes of the pair. */
struct mailbox {
	volatile long a_gone;            /* set by us once the pair's parent was reaped */
	volatile long b_done;            /* set by the pair's child at its end */
	volatile long b_failures;
};

static size_t size;                      /* bytes of each big mapping */
static size_t pages;

/* Maps SIZE bytes of shared anonymous memory (2^40, or the largest power of two the address
 * space has room for); returns it or NULL. */
static volatile uint8_t *map_big(void)
{
	for (size = (size_t)1 << (sizeof(size_t) == 8 ? 40 : 31); size >= ((size_t)1 << 24);
	     size >>= 1) {
		void *p = u_mmap(NULL, size, RW, SHARED_ANON);
		if (!u_mmap_failed(p)) {
			pages = size / U_PAGE;
			return p;
		}
		U_EXPECT_EQ((long)p, -ENOMEM);
	}
	return NULL;
}

static volatile uint8_t *page(volatile uint8_t *s, size_t n)
{
	return s + n * U_PAGE;
}

/* The pair's parent is us (a child of user_main), the child exits first. */
static void child_exits_first(void)
{
	volatile uint8_t *s = map_big();
	if (!s)
		return;
	size_t mid = pages / 2, last = pages - 1;
	*page(s, 0) = 0x10;
	*page(s, 1) = 0x11;
	*page(s, mid) = 0x12;
	*page(s, last) = 0x13;
	U_EXPECT_EQ(u_check(), 0);
	long f1 = u_free_frames();
	long pid = u_fork();
	if (pid == 0) {
		U_EXPECT_EQ(*page(s, 0), 0x10);      /* the parent's pages, touched before fork */
		U_EXPECT_EQ(*page(s, 1), 0x11);
		U_EXPECT_EQ(*page(s, mid), 0x12);
		U_EXPECT_EQ(*page(s, last), 0x13);
		U_EXPECT_EQ(*page(s, 5), 0);         /* untouched: reads put a zeroed frame in too */
		page(s, 0)[8] = 0x20;                /* seen by the parent */
		*page(s, 2) = 0x21;                  /* untouched pages: new frames in the object */
		*page(s, last - 1) = 0x22;
		U_EXPECT_EQ(u_check(), 0);
		u_exit(u_failures());
	}
	U_EXPECT_NE(pid, -1);
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	/* Everything of the child went with it except the three frames it put into the object
	 * (pages 2, 5 and last - 1: a shared page never maps the zero frame, so a read takes one
	 * too, as on Linux). */
	long f2 = u_free_frames();
	U_EXPECT_EQ(f1 - f2, 3);
	U_EXPECT_EQ(page(s, 0)[8], 0x20);
	U_EXPECT_EQ(*page(s, 2), 0x21);
	U_EXPECT_EQ(*page(s, last - 1), 0x22);
	U_EXPECT_EQ(*page(s, 5), 0);
	/* Those pages lie next to ones we mapped (same page tables, same object index leaves):
	 * mapping the object's frames costs nothing. */
	U_EXPECT_EQ(u_free_frames(), f2);
	U_EXPECT_EQ(u_check(), 0);
	u_printf("shm_fork: %zu pages shared, forked with 4 touched\n", pages);
	/* Our exit drops the last reference on the object: u_run_child_checked sees every frame
	 * back (the index nodes went to the heap, so a count after munmap would not be exact). */
}

/* The pair's parent A (our child) exits first; its child B (an orphan then) checks that the
 * object outlived A and reports through the mailbox. */
static void parent_exits_first(void)
{
	struct mailbox *mb = u_mmap(NULL, U_PAGE, RW, SHARED_ANON);
	if (u_mmap_failed(mb)) {
		U_EXPECT_EQ(0, 1);
		return;
	}
	mb->a_gone = 0;
	mb->b_done = 0;
	mb->b_failures = -1;
	long f0 = u_free_frames();
	int inherited = u_failures();            /* A and B report only their own */
	long a = u_fork();
	if (a == 0) {
		volatile uint8_t *s = map_big();
		if (!s)
			u_exit(100);
		size_t mid = pages / 2;
		*page(s, 0) = 0x30;
		*page(s, mid) = 0x31;
		long b = u_fork();
		if (b == 0) {
			while (!mb->a_gone)
				u_yield();
			U_EXPECT_EQ(*page(s, 0), 0x30);
			U_EXPECT_EQ(page(s, 0)[8], 0x40);    /* A's writes after the fork */
			U_EXPECT_EQ(*page(s, 1), 0x41);
			U_EXPECT_EQ(*page(s, mid), 0x31);
			U_EXPECT_EQ(*page(s, pages - 1), 0);
			*page(s, 3) = 0x50;
			U_EXPECT_EQ(*page(s, 3), 0x50);
			U_EXPECT_EQ(u_check(), 0);
			mb->b_failures = u_failures() - inherited;
			mb->b_done = 1;
			u_exit(0);
		}
		U_EXPECT_EQ(b > 0, 1);
		page(s, 0)[8] = 0x40;
		*page(s, 1) = 0x41;                  /* untouched at fork: B finds it in the object */
		u_exit(u_failures() - inherited);
	}
	int status = -1;
	U_EXPECT_EQ(u_waitpid(a, &status), a);
	U_EXPECT_EQ(status, 0);
	mb->a_gone = 1;
	for (long i = 0; i < SETTLE_YIELDS && !mb->b_done; i++)
		u_yield();
	U_EXPECT_EQ(mb->b_done, 1);
	U_EXPECT_EQ(mb->b_failures, 0);
	/* B is on its way out (process 0 reaps it): once it is gone, so is the object. */
	for (long i = 0; i < SETTLE_YIELDS && u_free_frames() != f0; i++)
		u_yield();
	U_EXPECT_EQ(u_free_frames(), f0);
	U_EXPECT_EQ(u_check(), 0);
	U_EXPECT_EQ(u_munmap(mb, U_PAGE), 0);
}

/* The results of one fork under injection, reported by the process that tried it. */
struct fork_report {
	volatile long result;            /* what fork returned */
	volatile long leaked;            /* frames missing after the failed fork */
	volatile long problems;          /* SYS_CHECK after it */
};

/* fork under injected allocation failures (every Nth allocation, N = 1, 2, ...) in a helper
 * process W that shares our big mapping: every failing fork returns -ENOMEM and leaves the
 * frame count and the checker exactly as before it. W exits 0 after a failed fork; after one
 * that got through it exits 42 or, when its next write (a CoW copy of its stack) meets the
 * injection first, is killed (137). Then everything W and its child had comes back. */
static void fork_fails_cleanly(void)
{
	struct fork_report *r = u_mmap(NULL, U_PAGE, RW, SHARED_ANON);
	volatile uint8_t *s = map_big();
	if (u_mmap_failed(r) || !s) {
		U_EXPECT_EQ(0, 1);
		return;
	}
	*page(s, 0) = 1;
	*page(s, pages / 3) = 2;
	*page(s, pages - 1) = 3;
	long enomem = 0, ok = 0;
	for (unsigned long n = 1; n <= 2000 && !ok; n++) {
		r->result = 1;
		long f0 = u_free_frames();
		long w = u_fork();
		if (w == 0) {
			long f = u_free_frames();
			sys3(SYS_INJECT, INJECT_EVERY, (long)n, 0);
			long pid = u_fork();
			/* nothing but registers until injection is off: a stack write could copy */
			sys1(SYS_INJECT, INJECT_OFF);
			if (pid == 0)
				u_exit(0);
			if (pid > 0) {
				u_waitpid(pid, NULL);
				u_exit(42);
			}
			r->leaked = f - u_free_frames();
			r->problems = u_check();
			r->result = pid;
			u_exit(0);
		}
		int status = -1;
		U_EXPECT_EQ(u_waitpid(w, &status), w);
		if (status == 0) {
			U_EXPECT_EQ(r->result, -ENOMEM);
			U_EXPECT_EQ(r->leaked, 0);
			U_EXPECT_EQ(r->problems, 0);
			enomem++;
		} else {
			U_EXPECT_EQ(status == 42 || status == 137, 1);
			ok = 1;
		}
		/* W's child, if W was killed, is an orphan on its way out */
		for (long i = 0; i < SETTLE_YIELDS && u_free_frames() != f0; i++)
			u_yield();
		U_EXPECT_EQ(u_free_frames(), f0);
		U_EXPECT_EQ(u_check(), 0);
	}
	U_EXPECT_EQ(ok, 1);
	U_EXPECT_EQ(enomem > 0, 1);
	u_printf("shm_fork: %ld forks failed with -ENOMEM before one got through\n", enomem);
	U_EXPECT_EQ(*page(s, pages / 3), 2);
	U_EXPECT_EQ(u_munmap((void *)s, size), 0);
	U_EXPECT_EQ(u_munmap(r, U_PAGE), 0);
	U_EXPECT_EQ(u_check(), 0);
}

int user_main(void)
{
	u_run_child_checked(child_exits_first);
	parent_exits_first();
	fork_fails_cleanly();
	return u_failures();
}
