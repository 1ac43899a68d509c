/* The threaded half of `make bench` (issue 9): first-touch write faults with 1, 2 and 4 threads
 * of one process, each thread writing one byte per page of its own SLICE_BYTES slice of one
 * private anonymous mapping (no two threads touch the same page; they share the address space,
 * its lock and its page tables). Started instead of bench_vm by the benchmark kernel booted with
 * more than one CPU (kernel/bench.c), and built again with -DBENCH_LINUX as the /init of the
 * Linux side's 4-CPU boot (tests/bench/linux_ulib.c provides the thread calls on clone(2)).
 *
 * One repetition with N threads: the main thread is worker 0 and starts N - 1 more; all meet
 * (spinning), then each reads the counter, writes its slice, reads the counter again. The
 * value printed ("bench: threads_fault_first_write_<N>t <ticks>") is the median over BENCH_REPS
 * of (last end - first start) / (N * SLICE_PAGES): counter ticks per fault over the whole run.
 * What those ticks are depends on how QEMU runs the CPUs; `make bench` runs them one at a time
 * (thread=single, round robin), where that figure is the work of one fault summed over every CPU
 * (docs/performance.md, "Faults with several threads"). A "bench_threads:" line gives the CPUs
 * the workers ran on in the last repetition of each N. */
#ifdef BENCH_LINUX
#include "tests/bench/linux_ulib.h"
#else
#include "tests/user/lib/ulib.h"
#endif

#define BENCH_REPS   5
#define MAX_THREADS  4
#define SLICE_BYTES  (16ul * 1024 * 1024)   /* per thread: 4096 faults */
#define SLICE_PAGES  (SLICE_BYTES / U_PAGE)
#define STACK_BYTES  (16 * U_PAGE)

/* A spin-wait hint: under QEMU's round-robin TCG, pause / yield also hand the host thread to
 * the next virtual CPU, so a waiting CPU costs a few instructions per turn. */
static inline void spin_hint(void)
{
#if defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("pause" ::: "memory");
#endif
}

struct worker {
	uint8_t *slice;
	uint64_t t0, t1;
	long cpu;
};

static struct worker workers[MAX_THREADS];
static unsigned ready, go;
static void *stacks[MAX_THREADS];

static __attribute__((noreturn)) void die(const char *what, long err)
{
	u_printf("bench_threads: %s failed (%ld)\n", what, err);
	u_exit(1);
}

/* Waits for the start signal, then writes one byte per page of W's slice between two counter
 * reads. */
static void run_slice(struct worker *w)
{
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		spin_hint();
	w->cpu = u_getcpu();
	uint64_t t0 = u_cycles();
	for (size_t off = 0; off < SLICE_BYTES; off += U_PAGE)
		((volatile uint8_t *)w->slice)[off] = 1;
	w->t1 = u_cycles();
	w->t0 = t0;
}

static U_THREAD_ENTRY void worker_main(void *arg)
{
	__atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
	run_slice(arg);
	u_thread_exit(0);
}

/* One repetition with N threads: returns ticks per fault over the whole run. */
static uint64_t run_once(unsigned n)
{
	uint8_t *m = u_mmap(NULL, n * SLICE_BYTES, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(m))
		die("mmap", (long)m);
	__atomic_store_n(&ready, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&go, 0, __ATOMIC_SEQ_CST);
	long tids[MAX_THREADS];
	for (unsigned i = 0; i < n; i++)
		workers[i] = (struct worker){ .slice = m + i * SLICE_BYTES };
	for (unsigned i = 1; i < n; i++) {
		tids[i] = u_thread_create(worker_main, stacks[i], &workers[i]);
		if (tids[i] <= 0)
			die("thread create", tids[i]);
	}
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < n - 1)
		spin_hint();
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	run_slice(&workers[0]);
	for (unsigned i = 1; i < n; i++) {
		int status = -1;
		long err = u_thread_join(tids[i], &status);
		if (err || status != 0)
			die("thread join", err ? err : status);
	}
	uint64_t first = workers[0].t0, last = workers[0].t1;
	for (unsigned i = 1; i < n; i++) {
		first = MIN(first, workers[i].t0);
		last = MAX(last, workers[i].t1);
	}
	long err = u_munmap(m, n * SLICE_BYTES);
	if (err)
		die("munmap", err);
	return (last - first) / (n * SLICE_PAGES);
}

/* Sorts the BENCH_REPS samples in place and returns the middle one. */
static uint64_t median(uint64_t *v)
{
	for (unsigned i = 1; i < BENCH_REPS; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[BENCH_REPS / 2];
}

int user_main(void)
{
	for (unsigned i = 1; i < MAX_THREADS; i++) {
		stacks[i] = u_thread_stack(STACK_BYTES);
		if (!stacks[i])
			die("thread stack", -1);
	}
	static const unsigned counts[] = { 1, 2, 4 };
	for (unsigned c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		unsigned n = counts[c];
		uint64_t s[BENCH_REPS];
		for (unsigned r = 0; r < BENCH_REPS; r++)
			s[r] = run_once(n);
		unsigned long mask = 0;
		for (unsigned i = 0; i < n; i++)
			if (workers[i].cpu >= 0 && workers[i].cpu < 32)
				mask |= 1ul << workers[i].cpu;
		u_printf("bench_threads: %u thread(s), %lu faults each, on CPU mask %#lx\n", n,
			 (unsigned long)SLICE_PAGES, mask);
		u_printf("bench: threads_fault_first_write_%ut %llu\n", n,
			 (unsigned long long)median(s));
	}
	return 0;
}
