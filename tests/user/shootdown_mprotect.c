/* TLB shootdown seen from user mode (issue 9): a thread increments a counter in a page in a
 * loop, on another CPU when there is one, while the main thread makes the page read-only. Once
 * mprotect has returned, the writer's next write must fault and land nowhere: the counter stops
 * at exactly the last value written before, and stays there. ROUNDS rounds, one writer. */
#include <stdatomic.h>
#include "tests/user/lib/ulib.h"

#define ROUNDS     32
#define STACK_SIZE (16 * U_PAGE)
#define MIN_WRITES 200            /* writes the writer makes before the page turns read-only */

static volatile uint64_t *volatile target;   /* the page of the current round */
static atomic_int go;                        /* round number the writer may start */
static atomic_int done;                      /* round number the writer finished */
static atomic_int protected_;                /* set once mprotect of this round has returned */
static atomic_long writes;                   /* writes that landed in this round */
static volatile uint64_t attempt;            /* the value of the write that faulted */
static volatile long landed_after;           /* writes that landed after mprotect returned */
static volatile long no_fault;               /* rounds that ended without a fault */
static volatile long writer_cpu = -1;

/* Writes 1, 2, 3... into the target until the write that follows "mprotect returned". */
static void write_loop(void *arg)
{
	(void)arg;
	uint64_t n = 0;
	for (;;) {
		int after = atomic_load(&protected_);        /* seen before the access */
		attempt = ++n;
		*target = n;
		if (after) {
			landed_after++;                      /* the write should have faulted */
			return;
		}
		atomic_fetch_add(&writes, 1);
	}
}

static U_THREAD_ENTRY void writer(void *arg)
{
	(void)arg;
	writer_cpu = u_getcpu();
	for (int r = 1; r <= ROUNDS; r++) {
		while (atomic_load(&go) != r)
			u_yield();
		if (!u_try(write_loop, NULL, NULL, NULL))
			no_fault++;
		atomic_store(&done, r);
	}
	u_thread_exit(0);
}

int user_main(void)
{
	char *stack_top = u_thread_stack(STACK_SIZE);
	if (!stack_top)
		return 100;
	long tid = u_thread_create(writer, stack_top, NULL);
	U_EXPECT_EQ(tid > 0, 1);
	if (tid <= 0)
		return u_failures();
	for (int r = 1; r <= ROUNDS; r++) {
		volatile uint64_t *p = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS);
		U_EXPECT_EQ(u_mmap_failed((void *)p), 0);
		if (u_mmap_failed((void *)p))
			break;
		*p = 0;
		target = p;
		atomic_store(&protected_, 0);
		atomic_store(&writes, 0);
		atomic_store(&go, r);
		while (atomic_load(&writes) < MIN_WRITES)
			u_yield();
		U_EXPECT_EQ(u_mprotect((void *)p, U_PAGE, PROT_READ), 0);
		uint64_t first = *p;                         /* no write lands from here on */
		atomic_store(&protected_, 1);
		while (atomic_load(&done) != r)
			u_yield();
		/* The faulting write was ATTEMPT; every write before it landed, none after. */
		U_EXPECT_EQ(*p, attempt - 1);
		U_EXPECT_EQ(*p, first);
		U_EXPECT_EQ(u_munmap((void *)p, U_PAGE), 0);
	}
	int status = -1;
	U_EXPECT_EQ(u_thread_join(tid, &status), 0);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(landed_after, 0);
	U_EXPECT_EQ(no_fault, 0);
	u_printf("    # shootdown_mprotect: main on CPU %ld, writer on CPU %ld, %d rounds\n",
		 u_getcpu(), writer_cpu, ROUNDS);
	U_EXPECT_EQ(u_munmap(stack_top - STACK_SIZE, STACK_SIZE), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
