/* TLB shootdown seen from user mode (issue 9): a thread reads a page in a loop, on another CPU
 * when there is one, while the main thread unmaps it. Once munmap has returned, the reader's
 * next access must fault: it may never read the page's old data (nor whatever its freed frame
 * holds next) through a translation its CPU kept. Every read before that returns the page's
 * value. ROUNDS rounds, each with a fresh page, with one reader thread throughout. */
#include <stdatomic.h>
#include "tests/user/lib/ulib.h"

#define ROUNDS     32
#define MAGIC      0x5eed5eed5eed5eedull
#define STACK_SIZE (16 * U_PAGE)
#define MIN_READS  200            /* reads the reader makes before the page goes */

static volatile uint64_t *volatile target;   /* the page of the current round */
static atomic_int go;                        /* round number the reader may start */
static atomic_int done;                      /* round number the reader finished */
static atomic_int unmapped;                  /* set once munmap of this round has returned */
static atomic_long reads;                    /* successful reads in this round */
static volatile long bad_values;             /* reads that did not return MAGIC (any round) */
static volatile long stale_after;            /* reads that succeeded after munmap returned */
static volatile long no_fault;               /* rounds that ended without a fault */
static volatile long reader_cpu = -1;

/* Reads the target until the read that follows "munmap returned" (which must fault). */
static void read_loop(void *arg)
{
	(void)arg;
	for (;;) {
		int after = atomic_load(&unmapped);          /* seen before the access */
		uint64_t v = *target;
		if (after) {
			stale_after++;                       /* the access should have faulted */
			return;
		}
		if (v != MAGIC)
			bad_values++;
		atomic_fetch_add(&reads, 1);
	}
}

static U_THREAD_ENTRY void reader(void *arg)
{
	(void)arg;
	reader_cpu = u_getcpu();
	for (int r = 1; r <= ROUNDS; r++) {
		while (atomic_load(&go) != r)
			u_yield();
		if (!u_try(read_loop, NULL, NULL, NULL))
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
	long tid = u_thread_create(reader, stack_top, NULL);
	U_EXPECT_EQ(tid > 0, 1);
	if (tid <= 0)
		return u_failures();
	for (int r = 1; r <= ROUNDS; r++) {
		volatile uint64_t *p = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS);
		U_EXPECT_EQ(u_mmap_failed((void *)p), 0);
		if (u_mmap_failed((void *)p))
			break;
		*p = MAGIC;
		target = p;
		atomic_store(&unmapped, 0);
		atomic_store(&reads, 0);
		atomic_store(&go, r);
		while (atomic_load(&reads) < MIN_READS)
			u_yield();
		U_EXPECT_EQ(u_munmap((void *)p, U_PAGE), 0);
		atomic_store(&unmapped, 1);
		while (atomic_load(&done) != r)
			u_yield();
	}
	int status = -1;
	U_EXPECT_EQ(u_thread_join(tid, &status), 0);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(stale_after, 0);
	U_EXPECT_EQ(bad_values, 0);
	U_EXPECT_EQ(no_fault, 0);
	u_printf("    # shootdown_munmap: main on CPU %ld, reader on CPU %ld, %d rounds\n",
		 u_getcpu(), reader_cpu, ROUNDS);
	U_EXPECT_EQ(u_munmap(stack_top - STACK_SIZE, STACK_SIZE), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
