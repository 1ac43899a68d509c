/* The user-mode half of `make bench` (issues 4 and 7): what page faults, fork, mmap, munmap
 * and mprotect cost as a process sees them, in ticks of the cycle counter user mode reads itself
 * (rdtsc at ring 3; CNTVCT_EL0 at EL0, which the kernel opens with CNTKCTL_EL1.EL0VCTEN). Every
 * operation is measured BENCH_REPS times and the median is printed as "bench: <name> <cycles>",
 * or "bench: <name> -" when free RAM is too small for it. Fault sizes shrink (halving) to what
 * free RAM holds; the sizes used are printed on a "bench_vm:" line.
 *
 * Started by the benchmark kernel (kernel/bench.c) only: the test kernel embeds it like every
 * program of tests/user/ but never runs it. It checks nothing beyond its own syscalls: a failed
 * mmap or fork ends it with a non-zero status.
 *
 * The same source is also built with -DBENCH_LINUX as a static Linux program (the calls come
 * from tests/bench/linux_ulib.h instead of ulib.h) and runs as /init under Debian's Linux in
 * the same `make bench` run, so both kernels execute exactly these loops. */
#ifdef BENCH_LINUX
#include "tests/bench/linux_ulib.h"
#define COUNTER_SOURCE "measured against CLOCK_MONOTONIC / CNTFRQ_EL0"
#else
#include "tests/user/lib/ulib.h"
#define COUNTER_SOURCE "SYS_CYCLES_HZ"
/* The cycle counter's rate into *HZ; returns 0 or -EFAULT. */
static long bench_counter_hz(uint64_t *hz)
{
	return sys1(SYS_CYCLES_HZ, (long)hz);
}
#endif
#include "kernel/format.h"

#define BENCH_REPS    5
#define MIB           (1024ul * 1024)
#define FAULT_BYTES   (64 * MIB)      /* the fault benchmarks' mapping */
#define SYSCALL_LOOPS 256u            /* one-page mmap/munmap/mprotect calls per repetition */

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

static void report(const char *name, uint64_t *samples)
{
	u_printf("bench: %s %llu\n", name, (unsigned long long)median(samples));
}

static void report_none(const char *name)
{
	u_printf("bench: %s -\n", name);
}

static __attribute__((noreturn)) void die(const char *what, long err)
{
	u_printf("bench_vm: %s failed (%ld)\n", what, err);
	u_exit(1);
}

static uint8_t *map_private(size_t len)
{
	uint8_t *m = u_mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(m))
		die("mmap", (long)m);
	return m;
}

static void unmap(void *m, size_t len)
{
	long err = u_munmap(m, len);
	if (err)
		die("munmap", err);
}

/* Writes one byte per page of [M, M + LEN). */
static void write_pages(uint8_t *m, size_t len)
{
	for (size_t off = 0; off < len; off += U_PAGE)
		((volatile uint8_t *)m)[off] = 1;
}

/* Reads one byte per page of [M, M + LEN); returns their sum so the reads stay. */
static unsigned read_pages(const uint8_t *m, size_t len)
{
	unsigned sum = 0;
	for (size_t off = 0; off < len; off += U_PAGE)
		sum += ((const volatile uint8_t *)m)[off];
	return sum;
}

/* One page shared with the forked children (MAP_SHARED stays shared across fork), where they
 * leave their timings. */
static volatile uint64_t *shared;

/* Whether COPIES times LEN bytes of fresh frames fit in free RAM, leaving an eighth of it (and
 * 4 MiB) for page tables, the kernel heap and the program itself. */
static bool fits(size_t len, unsigned copies)
{
	uint64_t free_bytes = (uint64_t)u_free_frames() * U_PAGE;
	return (uint64_t)len * copies + free_bytes / 8 + 4 * MIB <= free_bytes;
}

/* WANT, halved until COPIES copies fit (at least 1 MiB; 0 when not even that fits). */
static size_t fit(size_t want, unsigned copies)
{
	while (want >= MIB && !fits(want, copies))
		want /= 2;
	return want >= MIB ? want : 0;
}

/* 1. First-touch write faults: a write to each page of a fresh private mapping, each one
 * allocating and zeroing a frame (and, once per 512 pages, a page table). Cycles per fault. */
static void bench_first_touch(size_t len)
{
	uint64_t s[BENCH_REPS];
	for (unsigned r = 0; r < BENCH_REPS; r++) {
		uint8_t *m = map_private(len);
		uint64_t t0 = u_cycles();
		write_pages(m, len);
		uint64_t t1 = u_cycles();
		unmap(m, len);
		s[r] = (t1 - t0) / (len / U_PAGE);
	}
	report("fault_first_write", s);
}

/* 2. A read of each page of a fresh private mapping (maps the shared zero frame read-only),
 * then a write to each (a fresh zeroed frame replaces the zero frame). Cycles per fault of
 * each pass. */
static void bench_zero_frame(size_t len)
{
	uint64_t rd[BENCH_REPS], wr[BENCH_REPS];
	unsigned sum = 0;
	for (unsigned r = 0; r < BENCH_REPS; r++) {
		uint8_t *m = map_private(len);
		uint64_t t0 = u_cycles();
		sum += read_pages(m, len);
		uint64_t t1 = u_cycles();
		write_pages(m, len);
		uint64_t t2 = u_cycles();
		unmap(m, len);
		rd[r] = (t1 - t0) / (len / U_PAGE);
		wr[r] = (t2 - t1) / (len / U_PAGE);
	}
	if (sum)
		die("zero-frame read", (long)sum);
	report("fault_zero_read", rd);
	report("fault_zero_write", wr);
}

/* 3. CoW faults: the parent populates LEN bytes and forks; the child writes one byte to its
 * first page (fault_cow_first: its first write after fork, which with shared page tables also
 * copies the page table), then one byte per page of the rest (each a copy of a frame the parent
 * still maps), and leaves its times in a shared page. Cycles per fault, as the child measured
 * them. */
static void bench_cow(size_t len)
{
	uint8_t *m = map_private(len);
	write_pages(m, len);
	uint64_t s[BENCH_REPS], first[BENCH_REPS];
	for (unsigned r = 0; r < BENCH_REPS; r++) {
		shared[0] = shared[1] = 0;
		long pid = u_fork();
		if (pid < 0)
			die("fork", pid);
		if (pid == 0) {
			uint64_t t0 = u_cycles();
			write_pages(m, U_PAGE);
			uint64_t t1 = u_cycles();
			write_pages(m + U_PAGE, len - U_PAGE);
			uint64_t t2 = u_cycles();
			shared[1] = t1 - t0;
			shared[0] = t2 - t1;
			u_exit(0);
		}
		int status = -1;
		if (u_waitpid(pid, &status) != pid || status != 0)
			die("CoW child", status);
		s[r] = shared[0] / (len / U_PAGE - 1);
		first[r] = shared[1];
	}
	unmap(m, len);
	report("fault_cow_first", first);
	report("fault_cow", s);
}

/* 4. fork with MIB_POPULATED MiB of populated private memory: cycles until fork returns, and
 * until the child (which exits at once) has been reaped by waitpid. "Returns" is the first
 * moment user mode runs again in either process: a timer tick that arrived while the kernel
 * forked (interrupts are masked in syscalls) preempts the parent on its way out and runs the
 * child first, whose exit would otherwise count as fork time. The memory is populated once;
 * before each repetition the parent writes every page again, so that every fork finds writable
 * entries to make copy-on-write (after the previous child exited they are read-only with count
 * 1, and that write only makes them writable again). */
static void bench_fork(unsigned mib_populated)
{
	char fork_name[32], wait_name[32];
	ksnprintf(fork_name, sizeof(fork_name), "fork_%uM", mib_populated);
	ksnprintf(wait_name, sizeof(wait_name), "fork_exit_wait_%uM", mib_populated);
	size_t len = mib_populated * MIB;
	if (!fits(len, 1)) {
		report_none(fork_name);
		report_none(wait_name);
		return;
	}
	uint8_t *m = map_private(len);
	uint64_t f[BENCH_REPS], w[BENCH_REPS];
	for (unsigned r = 0; r < BENCH_REPS; r++) {
		write_pages(m, len);
		shared[0] = ~0ull;
		uint64_t t0 = u_cycles();
		long pid = u_fork();
		if (pid == 0) {
			shared[0] = u_cycles();
			u_exit(0);
		}
		uint64_t t1 = u_cycles();
		if (pid < 0)
			die("fork", pid);
		int status = -1;
		long got = u_waitpid(pid, &status);
		uint64_t t2 = u_cycles();
		if (got != pid || status != 0)
			die("fork child", status);
		uint64_t child_start = shared[0];
		f[r] = MIN(t1, child_start) - t0;
		w[r] = t2 - t0;
	}
	unmap(m, len);
	report(fork_name, f);
	report(wait_name, w);
}

/* 5. One-page mmap + munmap; mmap + a write (one first-touch fault) + munmap; mprotect of one
 * populated page alone in its mapping, alternating read-only and read/write. Cycles per
 * operation (per pair, per triple, per mprotect call). */
static void bench_syscalls(void)
{
	uint64_t mm[BENCH_REPS], mtm[BENCH_REPS], mp[BENCH_REPS];
	for (unsigned r = 0; r < BENCH_REPS; r++) {
		uint64_t t0 = u_cycles();
		for (unsigned k = 0; k < SYSCALL_LOOPS; k++)
			unmap(map_private(U_PAGE), U_PAGE);
		uint64_t t1 = u_cycles();
		for (unsigned k = 0; k < SYSCALL_LOOPS; k++) {
			uint8_t *p = map_private(U_PAGE);
			*(volatile uint8_t *)p = 1;
			unmap(p, U_PAGE);
		}
		uint64_t t2 = u_cycles();
		mm[r] = (t1 - t0) / SYSCALL_LOOPS;
		mtm[r] = (t2 - t1) / SYSCALL_LOOPS;

		uint8_t *p = map_private(U_PAGE);
		*(volatile uint8_t *)p = 1;
		uint64_t t3 = u_cycles();
		for (unsigned k = 0; k < SYSCALL_LOOPS; k++) {
			long err = u_mprotect(p, U_PAGE, k & 1 ? PROT_READ | PROT_WRITE : PROT_READ);
			if (err)
				die("mprotect", err);
		}
		uint64_t t4 = u_cycles();
		unmap(p, U_PAGE);
		mp[r] = (t4 - t3) / SYSCALL_LOOPS;
	}
	report("mmap_munmap", mm);
	report("mmap_touch_munmap", mtm);
	report("mprotect", mp);
}

int user_main(void)
{
	uint64_t hz = 0;
	long err = bench_counter_hz(&hz);
	if (err)
		die("counter rate", err);
#if defined(__aarch64__)
	uint64_t frq;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));   /* EL0VCTEN opens it too */
	if (frq != hz)
		u_printf("bench_vm: CNTFRQ_EL0 reads %llu at EL0, the kernel says %llu\n",
			 (unsigned long long)frq, (unsigned long long)hz);
#endif
	shared = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	if (u_mmap_failed((void *)shared))
		die("mmap shared", (long)shared);
	shared[0] = 0;
	size_t fault_len = fit(FAULT_BYTES, 1), cow_len = fit(FAULT_BYTES, 2);
	u_printf("bench_vm: counter at %llu Hz (" COUNTER_SOURCE "), read in user mode; %lu MiB free; "
		 "faults over %lu MiB, CoW over %lu MiB\n", (unsigned long long)hz,
		 (unsigned long)(u_free_frames() * U_PAGE / MIB), (unsigned long)(fault_len / MIB),
		 (unsigned long)(cow_len / MIB));
	if (fault_len) {
		bench_first_touch(fault_len);
		bench_zero_frame(fault_len);
	} else {
		report_none("fault_first_write");
		report_none("fault_zero_read");
		report_none("fault_zero_write");
	}
	if (cow_len)
		bench_cow(cow_len);
	else
		report_none("fault_cow");
	static const unsigned fork_mib[] = { 1, 16, 128, 512 };
	for (unsigned i = 0; i < sizeof(fork_mib) / sizeof(fork_mib[0]); i++)
		bench_fork(fork_mib[i]);
	bench_syscalls();
	return 0;
}
