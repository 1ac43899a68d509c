/* The user-mode fuzzer (issue 8): random mmap/munmap/mprotect/fork/exit/waitpid, syscalls with
 * buffers (SYS_DEBUG_WRITE, SYS_WAITPID's status, SYS_CYCLES_HZ's pointer) and reads, writes and
 * executions of memory, with arguments hostile as often as sane, every result checked against a
 * model of what this process must see (this file: the processes, the op loop, the checks and the
 * smaller syscall ops; the memory ops are in tests/user/fuzz/mem_ops.c, the model and the
 * generators in fuzz/model.c). Parameters come from the kernel (SYS_INJECT's
 * INJECT_FUZZ_PARAM, set by tests/ktest/fuzz_test.c): seed, op count, injection per million,
 * check interval. Everything follows from the seed: op N draws from a generator seeded with
 * (seed, N), so `make fuzz SEED=s OPS=N+1` replays a failure at op N. Every PROGRESS_EVERY ops
 * the process at that op prints the time since the start (does an op's cost grow over a run?).
 *
 * Processes. The spawned process is the root: it maps the mailbox (MAP_SHARED, inherited by all)
 * and forks a worker that runs the ops; it never runs ops or injection itself. A worker's fork op
 * makes a child that continues the op sequence (the fork is its op), may fork in turn (depth <=
 * MAX_DEPTH) and exits at an exit op; its parent waits for it at once. So exactly one process
 * runs ops at any time, and the model stays exact:
 *  - the model of the mappings (regions[]) and of private page contents (priv[]) lives in the
 *    process's private memory, so fork copies it exactly as the kernel copies the pages, and
 *    nothing the child does changes the parent's copy (nor, as CoW must ensure, its pages);
 *  - contents of MAP_SHARED pages live in the mailbox, keyed by (object, address): every sharer
 *    maps an object page at the same address (there is no mremap), and whoever writes updates it;
 *  - the parent resumes only after the child is gone, and continues at the op after the child's
 *    last (mailbox.op).
 * With injection on (FUZZ_PARAM_INJECT), each process running ops puts only itself under
 * SYS_INJECT (the kernel scopes it to the caller's pid). Then, and only then, a syscall may also
 * return -ENOMEM (nothing changed), a syscall with a buffer -EFAULT, and a process may be killed
 * with status 137; a killed worker's ops go on in a new worker forked by the root (or its parent
 * continues), and no other outcome is accepted.
 *
 * Schemes (tests/user/fuzz/files.c, file_access.c): the root starts the testfs daemon (its child)
 * before the first worker and, at the end, checks that testfs holds no file (so no mapped range)
 * and no unknown munmap, and that it exits with 0; 10% of the ops open/read/write/lseek/close
 * testfs files, mmap them (shared, private, lazy), map memory:zeroed (MAP_PHYS_CONTIGUOUS too)
 * and memory:physical@wb of RAM (-EPERM), narrow the namespace (below the first worker); file
 * contents, positions and which mapping sees which file page are in the model, and at each check
 * point the first worker compares testfs's own view (testfs:.stats) with it.
 *
 * Page layout of every page the fuzzer writes: [8, 32) never written (SYS_DEBUG_WRITE source,
 * prints nothing), 32 waitpid status target, [40, 48) SYS_CYCLES_HZ target, 48 a return stub
 * (executed by exec ops), and 16 sample words at 64 + 256 i carrying the page's stamp. */
#include "tests/user/fuzz/fuzz.h"
#include "tests/user/testfs.h"
#include "kernel/errno.h"

/* Per process (copied by fork), besides the model. */
static uint64_t seed;
static unsigned long total_ops, ppm, check_every;
unsigned long cur_op, trace_from;
int depth;
static int failures;
static bool inject_on, exit_now;
static uint64_t hz;
static uint64_t start_cycles;          /* the root's, before its first worker (for progress) */

#define PROGRESS_EVERY 100000           /* ops between two progress lines (long runs only) */

/* Reports a failed check of the current op (the op number replays it) and counts it. */
void fail(const char *what, unsigned long long want, unsigned long long got)
{
	u_printf("fuzz: FAIL at op %lu (seed %llu, pid %ld, depth %d): %s: expected %#llx, got %#llx\n",
		 cur_op, (unsigned long long)seed, u_getpid(), depth, what, want, got);
	failures++;
}

/* ---- Checking results ---- */

/* Checks a syscall result GOT against WANT; with injection on, -ENOMEM (and -EFAULT when
 * EFAULT_OK, a syscall copying a buffer) is also accepted in place of WANT. Returns whether the
 * syscall did what WANT says (so the model follows). */
bool check_result(const char *what, long want, long got, bool efault_ok)
{
	if (got == want)
		return true;
	if (inject_on && got == -ENOMEM) {
		mb->enomem++;
		return false;
	}
	if (inject_on && efault_ok && got == -EFAULT && want >= 0) {
		mb->efault_injected++;
		return false;
	}
	fail(what, (unsigned long long)want, (unsigned long long)got);
	return false;
}

/* Adds the failures injected since the mode was last set to the totals. */
static void inject_count(void)
{
	mb->injected += (unsigned long)sys2(SYS_INJECT, INJECT_FAILURES, INJECT_KIND_ALL);
	mb->injected_kmalloc += (unsigned long)sys2(SYS_INJECT, INJECT_FAILURES, INJECT_KIND_KMALLOC);
}

/* Puts this process (alone) under random allocation failures, seeded from the op, if asked. */
static void inject_enable(void)
{
	if (!ppm)
		return;
	inject_count();
	sys3(SYS_INJECT, INJECT_RANDOM, (long)(seed * 31 + cur_op * 7 + (uint64_t)depth), (long)ppm);
	inject_on = true;
}

/* ---- Syscalls (mmap, munmap, mprotect and memory accesses: fuzz/mem_ops.c) ---- */

static void op_cycles_hz(void)
{
	uintptr_t p = gen_out_ptr(sizeof(uint64_t), OFF_HZ);
	bool ok = range_allows(p, sizeof(uint64_t), A_WRITE);
	TRACE("fuzz: op %lu: cycles_hz(%#lx) ok %d\n", cur_op, (unsigned long)p, ok);
	long got = sys1(SYS_CYCLES_HZ, (long)p);
	if (!check_result("cycles_hz", ok ? 0 : -EFAULT, got, true) || !ok)
		return;
	uint64_t v;
	memcpy(&v, (const void *)p, sizeof(v));
	if (v != hz)
		fail("cycles_hz value written", hz, v);
}

/* SYS_DEBUG_WRITE of a generated buffer (its bytes are zero: nothing is printed). */
static void op_debug_write(void)
{
	uintptr_t buf;
	size_t len;
	switch (below(6)) {
	case 0: buf = gen_addr(); len = gen_len(); break;
	case 1: buf = random_region_page(false) + PAGE - 8; len = 16; break;  /* straddles */
	case 2: buf = USER_TOP - 4; len = below(2) ? 4 : 8; break;
	default: buf = random_region_page(false) + OFF_DEBUG; len = below(25); break;
	}
	long want = range_allows(buf, len, A_READ) ? (long)len : -EFAULT;
	if (want > 0 && (overlaps(buf, buf + len, R_FSHARED) || overlaps(buf, buf + len, R_FPRIVATE)))
		return;         /* file pages: not ours to print (and maybe holes) */
	if (want > 0 && (len > 64 || overlaps(buf, buf + len, R_RESERVED) || *(const char *)buf))
		return;         /* would print our code or text: the console prints up to a NUL */
	TRACE("fuzz: op %lu: debug_write(%#lx, %#lx) want %ld\n", cur_op, (unsigned long)buf,
	      (unsigned long)len, want);
	long got = sys2(SYS_DEBUG_WRITE, (long)buf, (long)len);
	check_result("debug_write", want, got, true);
}

/* waitpid without children: -ECHILD whatever the arguments. */
static void op_waitpid_none(void)
{
	static const long pids[] = { -1, 0, 1, -2, 12345 };
	long pid = below(6) ? pids[below(5)] : (long)rnd();
	if (pid == -1 || pid > 0)
		pid = below(2) ? -1 : pid;
	long got = u_waitpid(pid, (int *)gen_out_ptr(sizeof(int), OFF_STATUS));
	check_result("waitpid without children", -ECHILD, got, false);
}

/* Ends this process: the last check at depth 1, the clean-exit note in the mailbox, exit. */
static __attribute__((noreturn)) void finish(void)
{
	if (!failures && depth == 1) {
		long problems = u_check();
		if (problems)
			fail("SYS_CHECK at the end", 0, (unsigned long)problems);
	}
	if (inject_on) {                 /* from here on, an injected kill would look like a clean exit */
		inject_count();
		sys1(SYS_INJECT, INJECT_OFF);
	}
	mb->exit_status = failures;
	mb->exit_pid = u_getpid();
	mb->exit_valid = 1;
	u_exit(failures);
}

/* Checks how child PID ended: STATUS (when KNOWN) against what the mailbox says. */
static void check_child(long pid, int status, bool known)
{
	bool clean = mb->exit_valid && mb->exit_pid == pid;
	int want = mb->exit_status;
	mb->exit_valid = 0;
	if (clean && want != 0) {
		u_printf("fuzz: child %ld failed (see above)\n", pid);
		failures++;
	} else if (clean && known && status != want) {
		fail("child's exit status", (unsigned)want, (unsigned)status);
	} else if (!clean && !(inject_on && (!known || status == KILLED_OOM))) {
		fail("child died with status", KILLED_OOM, (unsigned)status);
	} else if (!clean) {
		mb->kills++;                             /* everything it held must be back in order */
		mb->checks++;
		long problems = u_check();
		if (problems)
			fail("SYS_CHECK after an OOM kill", 0, (unsigned long)problems);
	}
}

/* fork shares MAP_SHARED mappings by their objects (mm/shm.c), populating nothing, so any size
 * of shared mapping forks. */
static void op_fork(void)
{
	if (depth >= MAX_DEPTH)
		return;
	/* the status pointer: our own mailbox word (shared and populated, so the kernel's store
	 * cannot fail), or a generated one */
	uintptr_t p = below(2) ? (uintptr_t)&mb->wait_status : gen_out_ptr(sizeof(int), OFF_STATUS);
	bool ok = p == 0 || p == (uintptr_t)&mb->wait_status || range_allows(p, sizeof(int), A_WRITE);
	long any = (long)below(2);
	mb->exit_valid = 0;
	TRACE("fuzz: op %lu: fork at depth %d, status at %#lx\n", cur_op, depth, (unsigned long)p);
	long waited;
	long pid = fork_and_wait(p, any, &waited);
	if (pid == 0) {
		depth++;
		files_forked();
		inject_enable();
		return;                                  /* the child runs the next ops */
	}
	if (pid < 0) {
		check_result("fork", 1, pid, false);
		return;
	}
	mb->forks++;
	int status = -1;
	if (ok && p)
		memcpy(&status, (const void *)p, sizeof(status));
	if (waited != (ok ? pid : -EFAULT) && !(inject_on && waited == -EFAULT && ok && p)) {
		fail("waitpid for the child", (unsigned long)(ok ? pid : -EFAULT), (unsigned long)waited);
		return;
	}
	check_child(pid, status, ok && p && waited == pid);
	cur_op = mb->op;                               /* go on after the child's last op */
	inject_enable();                               /* the child had it; now this process again */
}

/* Runs one op, drawn from the op's generator. */
static void one_op(void)
{
	unsigned k = (unsigned)below(100);
	if (k < 10) {
		files_op();                          /* open/read/write/lseek/close, file mmap, memory: */
		return;
	}
	k = (unsigned)below(100);
	if (k < 14)
		mem_op_mmap();
	else if (k < 22 || nregions > 48)
		mem_op_unmap_protect(false);
	else if (k < 32)
		mem_op_unmap_protect(true);
	else if (k < 52)
		mem_op_access(A_READ);
	else if (k < 72)
		mem_op_access(A_WRITE);
	else if (k < 78)
		mem_op_access(A_EXEC);
	else if (k < 82)
		op_cycles_hz();
	else if (k < 86)
		op_debug_write();
	else if (k < 88)
		op_waitpid_none();
	else if (k < 90) {
		long got = sys0(1000 + (long)below(100000));
		check_result("unknown syscall", -ENOSYS, got, false);
	} else if (k < 92)
		op_fork();
	else if (k < 96 && depth > 1)
		exit_now = true;
	else
		mem_op_access(A_READ);
}

/* Runs ops from FIRST on; never returns. */
static __attribute__((noreturn)) void run_ops(unsigned long first)
{
	depth = 1;
	cur_op = first;
	inject_enable();
	for (cur_op = first; cur_op < total_ops && !failures && !exit_now; cur_op++) {
		mb->op = cur_op;
		rng = seed ^ (cur_op * 0xd1342543de82ef95ull);
		rnd();
		if (cur_op && cur_op % PROGRESS_EVERY == 0 && hz >= 1000)   /* time per op over a run */
			u_printf("fuzz: op %lu after %llu ms\n", cur_op,
				 (unsigned long long)((u_cycles() - start_cycles) / (hz / 1000)));
		if (check_every && cur_op % check_every == 0) {
			mb->checks++;
			long problems = u_check();
			if (problems)
				fail("SYS_CHECK (see the check: lines above)", 0, (unsigned long)problems);
			files_check_daemon();
		}
		TRACE("fuzz: op %lu: depth %d, %u regions, %ld free frames\n", cur_op, depth, nregions,
		      u_free_frames());
		one_op();
	}
	finish();
}

/* Returns fuzz parameter INDEX (FUZZ_PARAM_*) from the kernel, 0 if unset. */
static uint64_t param(unsigned index)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 16) {
		long part = sys3(SYS_INJECT, INJECT_FUZZ_PARAM, index, shift);
		if (part < 0)
			return 0;
		v |= (uint64_t)part << shift;
	}
	return v;
}

/* Adds the mapping around VA (probed page by page in direction STEP) as reserved. */
static void reserve_probe(uintptr_t va, long step)
{
	uintptr_t lo = va, hi = va + PAGE;
	for (;;) {
		uintptr_t next = step > 0 ? hi : lo - PAGE;
		void *m = u_mmap((void *)next, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
		if (!u_mmap_failed(m)) {
			u_munmap(m, PAGE);
			break;
		}
		if (step > 0)
			hi += PAGE;
		else
			lo -= PAGE;
	}
	model_insert(lo, hi, PROT_READ | PROT_WRITE, R_RESERVED, 0);
}

/* The root: parameters, the reserved regions, the mailbox, then workers until every op ran. */
int user_main(void)
{
	seed = param(FUZZ_PARAM_SEED);
	total_ops = (unsigned long)param(FUZZ_PARAM_OPS);
	ppm = (unsigned long)param(FUZZ_PARAM_INJECT);
	check_every = (unsigned long)param(FUZZ_PARAM_CHECK);
	trace_from = (unsigned long)param(FUZZ_PARAM_TRACE);
	u_printf("fuzz: seed %llu ops %lu inject %lu ppm check every %lu ops\n",
		 (unsigned long long)seed, total_ops, ppm, check_every);
	reserve_probe(0x400000, 1);                    /* the program image */
	reserve_probe(STACK_TOP - PAGE, -1);           /* the stack */
	mb = u_mmap(NULL, MAILBOX_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	if (u_mmap_failed(mb))
		return 100;
	memset(mb, 0, MAILBOX_BYTES);
	model_insert((uintptr_t)mb, (uintptr_t)mb + MAILBOX_BYTES, PROT_READ | PROT_WRITE, R_RESERVED, 0);
	if (files_init() != 0)
		return 104;
	if (sys1(SYS_CYCLES_HZ, (long)&hz) != 0)
		return 101;
	mem_probe(ARENA_BASE);                         /* registers the upcall */
	long free0 = u_free_frames();
	uint64_t phys = 0;
	if (u_virt_to_phys(mb, &phys) != 0)
		return 102;
	mb->ram_phys = phys;
	long daemon = testfs_start();                  /* our child: serves "testfs" until .exit */
	start_cycles = u_cycles();
	if (daemon < 0)
		return 103;
	unsigned long next = 0;
	while (next < total_ops && !failures) {
		mb->exit_valid = 0;
		mb->op = next;                           /* a worker killed before its first op skips it */
		long pid = u_fork();
		if (pid == 0)
			run_ops(next);
		if (pid < 0) {
			fail("root fork", 1, (unsigned long)pid);
			break;
		}
		int status = -1;
		if (u_waitpid(pid, &status) != pid)
			fail("root waitpid", (unsigned long)pid, 0);
		inject_on = ppm != 0;                    /* the worker ran with it */
		cur_op = mb->op;
		check_child(pid, status, true);
		inject_on = false;
		next = mb->op + 1;
	}
	cur_op = mb->op;
	if (ppm) {
		inject_count();
		sys1(SYS_INJECT, INJECT_OFF);
	}
	int idle = testfs_idle_problems();            /* no file left, so no range mapped */
	if (!failures && idle)
		fail("testfs files left, unknown munmaps or errors", 0, (unsigned long)idle);
	int dstatus = testfs_stop(daemon);
	if (!failures && dstatus)
		fail("testfs daemon's exit status", 0, (unsigned long)dstatus);
	long problems = u_check();
	long free1 = u_free_frames();
	if (!failures && problems)
		fail("SYS_CHECK after all processes exited", 0, (unsigned long)problems);
	if (!failures && free1 != free0)
		fail("free frames after all processes exited", (unsigned long)free0, (unsigned long)free1);
	u_printf("fuzz: %s seed %llu: %lu ops, %lu forks, %lu OOM kills, %lu -ENOMEM, %lu injected "
		 "-EFAULT, %lu injected failures (%lu kmalloc), %lu expected faults, %lu checks\n",
		 failures ? "FAIL" : "PASS", (unsigned long long)seed, failures ? mb->op + 1 : total_ops,
		 mb->forks, mb->kills, mb->enomem, mb->efault_injected, mb->injected,
		 mb->injected_kmalloc, mb->faults, mb->checks);
	u_printf("fuzz: succeeded: %lu mmap, %lu munmap, %lu mprotect, %lu pages written, %lu read "
		 "and verified, %lu executed\n", mb->mapped, mb->unmapped, mb->protected, mb->written,
		 mb->verified, mb->executed);
	u_printf("fuzz: schemes: %lu opens, %lu closes, %lu reads, %lu writes, %lu seeks, %lu file "
		 "mmaps, %lu memory: mmaps, %lu file pages verified, %lu written, %lu daemon checks\n", mb->opens,
		 mb->closes, mb->reads, mb->writes, mb->seeks, mb->fmaps, mb->mem_maps, mb->fverified,
		 mb->fwritten, mb->daemon_checks);
	if (failures)
		u_printf("fuzz: replay: make fuzz SEED=%llu OPS=%lu INJECT=%lu\n",
			 (unsigned long long)seed, mb->op + 1, ppm);
	return failures;
}
