/* TLB shootdown seen from user mode (issue 9). A second thread, on another CPU when there is one,
 * touches a page in a loop while the main thread takes the page's rights away; once that system
 * call has returned, the other thread's next access must fault. Two races, ROUNDS rounds each,
 * each round with a fresh page, one racing thread throughout:
 * - munmap under a reader: every read before munmap returned sees the page's value; none after
 *   it succeeds (no read through a translation its CPU kept of a page whose frame is freed);
 * - mprotect read-only under a writer of 1, 2, 3...: the counter stops at exactly the last value
 *   written before the write that faulted, and stays there. */
#include <stdatomic.h>
#include "tests/user/lib/ulib.h"

#define ROUNDS      32
#define MAGIC       0x5eed5eed5eed5eedull
#define STACK_SIZE  (16 * U_PAGE)
#define MIN_ACCESS  200           /* accesses the racer makes before the rights go */
#define NRACES      (int)(sizeof(races) / sizeof(races[0]))

/* One race: what the racer does in its loop, and how the main thread takes the rights away. */
struct race {
	const char *name;
	void (*loop)(void *);        /* accesses the target until the access after "taken" */
	void (*take)(volatile uint64_t *p);       /* takes the rights away; its checks follow */
	void (*after)(volatile uint64_t *p);      /* checks once the racer's access faulted */
};

static const struct race *volatile race;    /* the race of the current round */
static volatile uint64_t *volatile target;  /* the page of the current round */
static atomic_int go;                       /* round number the racer may start */
static atomic_int done;                     /* round number the racer finished */
static atomic_int taken;                    /* set once this round's system call returned */
static atomic_long accesses;                /* accesses that succeeded in this round */
static volatile long after_taken;           /* accesses that succeeded after "taken" (any round) */
static volatile long bad_values;            /* reads that did not return MAGIC */
static volatile long no_fault;              /* rounds that ended without a fault */
static volatile uint64_t attempt;           /* the value of the write that faulted */
static volatile long racer_cpu = -1;

static void read_loop(void *arg)
{
	(void)arg;
	for (;;) {
		int after = atomic_load(&taken);             /* seen before the access */
		uint64_t v = *target;
		if (after) {
			after_taken++;                       /* the access should have faulted */
			return;
		}
		if (v != MAGIC)
			bad_values++;
		atomic_fetch_add(&accesses, 1);
	}
}

static void write_loop(void *arg)
{
	(void)arg;
	uint64_t n = 0;
	for (;;) {
		int after = atomic_load(&taken);
		attempt = ++n;
		*target = n;
		if (after) {
			after_taken++;
			return;
		}
		atomic_fetch_add(&accesses, 1);
	}
}

static void take_unmap(volatile uint64_t *p)
{
	U_EXPECT_EQ(u_munmap((void *)p, U_PAGE), 0);
}

static volatile uint64_t value_when_taken;

static void take_write(volatile uint64_t *p)
{
	U_EXPECT_EQ(u_mprotect((void *)p, U_PAGE, PROT_READ), 0);
	value_when_taken = *p;                       /* no write lands from here on */
}

/* The faulting write was ATTEMPT: every write before it landed, none after. */
static void after_write(volatile uint64_t *p)
{
	U_EXPECT_EQ(*p, attempt - 1);
	U_EXPECT_EQ(*p, value_when_taken);
	U_EXPECT_EQ(u_munmap((void *)p, U_PAGE), 0);
}

static const struct race races[] = {
	{ "munmap under a reader", read_loop, take_unmap, NULL },
	{ "mprotect read-only under a writer", write_loop, take_write, after_write },
};

static U_THREAD_ENTRY void racer(void *arg)
{
	(void)arg;
	racer_cpu = u_getcpu();
	for (int r = 1; r <= ROUNDS * NRACES; r++) {
		while (atomic_load(&go) != r)
			u_yield();
		if (!u_try(race->loop, NULL, NULL, NULL))
			no_fault++;
		atomic_store(&done, r);
	}
	u_thread_exit(0);
}

/* Plays ROUNDS rounds of race RC, numbered from FIRST. Returns false when mmap failed. */
static bool play(const struct race *rc, int first)
{
	for (int r = first; r < first + ROUNDS; r++) {
		volatile uint64_t *p = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS);
		U_EXPECT_EQ(u_mmap_failed((void *)p), 0);
		if (u_mmap_failed((void *)p))
			return false;
		*p = rc->loop == read_loop ? MAGIC : 0;
		target = p;
		race = rc;
		atomic_store(&taken, 0);
		atomic_store(&accesses, 0);
		atomic_store(&go, r);
		while (atomic_load(&accesses) < MIN_ACCESS)
			u_yield();
		rc->take(p);
		atomic_store(&taken, 1);
		while (atomic_load(&done) != r)
			u_yield();
		if (rc->after)
			rc->after(p);
	}
	return true;
}

int user_main(void)
{
	char *stack_top = u_thread_stack(STACK_SIZE);
	if (!stack_top)
		return 100;
	long tid = u_thread_create(racer, stack_top, NULL);
	U_EXPECT_EQ(tid > 0, 1);
	if (tid <= 0)
		return u_failures();
	for (int i = 0; i < NRACES; i++) {
		if (!play(&races[i], 1 + i * ROUNDS))
			return u_failures();         /* the exit ends the racer too */
		U_EXPECT_EQ(after_taken, 0);
		U_EXPECT_EQ(no_fault, 0);
		u_printf("    # shootdown: %s: main on CPU %ld, racer on CPU %ld, %d rounds\n",
			 races[i].name, u_getcpu(), racer_cpu, ROUNDS);
	}
	U_EXPECT_EQ(bad_values, 0);
	int status = -1;
	U_EXPECT_EQ(u_thread_join(tid, &status), 0);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_munmap(stack_top - STACK_SIZE, STACK_SIZE), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
