/* Two threads break the same copy-on-write page at once after a fork: ROUNDS times, a private
 * page is filled, the process forks (the child keeps the page shared until told to go), and two
 * threads released together write different halves of the page. Afterwards both writes are
 * visible in the parent's one copy, the child still sees the original bytes, the checker is
 * clean while the child holds the old frame, and once the child is gone the free frame count is
 * back where it was before the fork. Exit status = failed checks. */
#include "tests/user/lib/ulib.h"

#define STACK   (4 * U_PAGE)
#define ROUNDS  12
#define HALF    (U_PAGE / 2)

struct flags;

struct writer {
	volatile uint8_t *at;
	uint8_t value;
	struct flags *f;
};

/* What the threads read besides the page under test lives in one MAP_SHARED page: the first
 * thread's join breaks copy-on-write on this stack, and a writer still running on another CPU
 * must not read its arguments through a stale entry (TLB shootdown is not under test here). */
struct flags {
	unsigned ready, go, child_ok, child_go;
	struct writer w[2];
};

static U_THREAD_ENTRY void write_half(void *arg)
{
	struct writer *w = arg;
	__atomic_fetch_add(&w->f->ready, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&w->f->go, __ATOMIC_ACQUIRE))
		;                                  /* both leave the line together */
	for (unsigned i = 0; i < HALF; i += 64)
		w->at[i] = w->value;
	u_thread_exit(0);
}

int user_main(void)
{
	struct flags *f = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	uint8_t *page = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(f) || u_mmap_failed(page))
		return 100;
	uint8_t *stacks[2] = { u_thread_stack(STACK), u_thread_stack(STACK) };
	if (!stacks[0] || !stacks[1])
		return 101;
	for (int i = 0; i < 2; i++)
		memset(stacks[i] - STACK, 0, STACK);   /* populated before any count is taken */
	for (unsigned round = 0; round < ROUNDS; round++) {
		memset(page, 0x5a, U_PAGE);
		memset(f, 0, sizeof(*f));
		f->w[0] = (struct writer){ page, (uint8_t)(0xa0 + round), f };
		f->w[1] = (struct writer){ page + HALF, (uint8_t)(0xb0 + round), f };
		long free0 = u_free_frames();
		long pid = u_fork();
		if (pid == 0) {
			while (!__atomic_load_n(&f->child_go, __ATOMIC_ACQUIRE))
				u_yield();
			unsigned ok = 1;
			for (unsigned i = 0; i < U_PAGE; i++)
				ok &= page[i] == 0x5a;
			__atomic_store_n(&f->child_ok, ok, __ATOMIC_RELEASE);
			u_exit(0);
		}
		long tids[2];
		for (int i = 0; i < 2; i++)
			tids[i] = u_thread_create(write_half, stacks[i], &f->w[i]);
		while (__atomic_load_n(&f->ready, __ATOMIC_ACQUIRE) < 2)
			u_yield();
		__atomic_store_n(&f->go, 1, __ATOMIC_RELEASE);
		for (int i = 0; i < 2; i++) {
			int status = -1;
			U_EXPECT_EQ(u_thread_join(tids[i], &status), 0);
			U_EXPECT_EQ(status, 0);
		}
		for (unsigned i = 0; i < HALF; i += 64) {
			U_EXPECT_EQ(page[i], 0xa0 + round);
			U_EXPECT_EQ(page[HALF + i], 0xb0 + round);
			U_EXPECT_EQ(page[i + 1], 0x5a);
		}
		U_EXPECT_EQ(u_check(), 0);         /* one copy here, the old frame the child's only */
		__atomic_store_n(&f->child_go, 1, __ATOMIC_RELEASE);
		int status = -1;
		U_EXPECT_EQ(u_waitpid(pid, &status), pid);
		U_EXPECT_EQ(status, 0);
		U_EXPECT_EQ(f->child_ok, 1);       /* the child never saw the threads' writes */
		U_EXPECT_EQ(u_free_frames(), free0);
		U_EXPECT_EQ(u_check(), 0);
	}
	return u_failures();
}
