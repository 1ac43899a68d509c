/* The Linux system-call shim of the benchmark programs (tests/bench/linux_ulib.h): _start, one
 * raw system-call entry per arch, the wrappers bench_vm.c and bench_threads.c call (threads on
 * clone(2) with a trampoline per arch), and the init's frame around
 * user_main: a "bench: begin" line, the program, a "bench: end" line, then power-off, since the
 * program runs as PID 1 and an init that exits makes Linux panic. */
#include <stdarg.h>
#include "tests/bench/linux_ulib.h"
#include "kernel/format.h"

/* long linux_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5): one system
 * call with Linux's register convention of the arch; returns its raw result (-errno on error). */
long linux_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);
/* long linux_clone_thread(unsigned long flags, void *sp, int *tid_word): clone(2) with the
 * new stack SP (holding the entry's argument, then the entry) and TID_WORD as both the parent's
 * and the child's tid pointer; returns the new thread's tid or -errno in the caller. */
long linux_clone_thread(unsigned long flags, void *sp, int *tid_word);
__attribute__((noreturn)) void linux_main(void);

#if defined(__x86_64__)
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %rsp\n"
	"	call linux_main\n"
	"	ud2\n"
	".globl linux_syscall\n"
	"linux_syscall:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %r10\n"
	"	mov %r9, %r8\n"
	"	mov 8(%rsp), %r9\n"
	"	syscall\n"
	"	ret\n"
	/* clone(flags, sp, parent_tid = word, child_tid = word, tls = 0); the child pops its
	 * argument and entry from the new stack and calls the entry, which never returns */
	".globl linux_clone_thread\n"
	"linux_clone_thread:\n"
	"	mov $56, %eax\n"
	"	mov %rdx, %r10\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	pop %rdi\n"
	"	pop %rax\n"
	"	call *%rax\n"
	"	ud2\n"
	"1:	ret\n");
enum {
	NR_WRITE = 1, NR_MMAP = 9, NR_MPROTECT = 10, NR_MUNMAP = 11, NR_FORK = 57, NR_WAIT4 = 61,
	NR_SYSINFO = 99, NR_REBOOT = 169, NR_CLOCK_GETTIME = 228, NR_EXIT_GROUP = 231,
	NR_EXIT = 60, NR_SCHED_YIELD = 24, NR_GETCPU = 309,
};
#elif defined(__i386__)
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	and $-16, %esp\n"
	"	call linux_main\n"
	"	ud2\n"
	".globl linux_syscall\n"
	"linux_syscall:\n"
	"	push %ebp\n"
	"	push %edi\n"
	"	push %esi\n"
	"	push %ebx\n"
	"	mov 20(%esp), %eax\n"
	"	mov 24(%esp), %ebx\n"
	"	mov 28(%esp), %ecx\n"
	"	mov 32(%esp), %edx\n"
	"	mov 36(%esp), %esi\n"
	"	mov 40(%esp), %edi\n"
	"	mov 44(%esp), %ebp\n"
	"	int $0x80\n"
	"	pop %ebx\n"
	"	pop %esi\n"
	"	pop %edi\n"
	"	pop %ebp\n"
	"	ret\n"
	/* clone(flags, sp, parent_tid = word, tls = 0, child_tid = word); the child pops its
	 * argument (into eax: the entry is regparm(1)) and entry from the new stack */
	".globl linux_clone_thread\n"
	"linux_clone_thread:\n"
	"	push %ebx\n"
	"	push %esi\n"
	"	push %edi\n"
	"	mov 16(%esp), %ebx\n"
	"	mov 20(%esp), %ecx\n"
	"	mov 24(%esp), %edx\n"
	"	mov %edx, %edi\n"
	"	xor %esi, %esi\n"
	"	mov $120, %eax\n"
	"	int $0x80\n"
	"	test %eax, %eax\n"
	"	jnz 1f\n"
	"	xor %ebp, %ebp\n"
	"	pop %eax\n"
	"	pop %ecx\n"
	"	call *%ecx\n"
	"	ud2\n"
	"1:	pop %edi\n"
	"	pop %esi\n"
	"	pop %ebx\n"
	"	ret\n");
/* mmap is mmap2 (offset in pages; always 0 here); clock_gettime is the 32-bit-time call */
enum {
	NR_WRITE = 4, NR_MMAP = 192, NR_MPROTECT = 125, NR_MUNMAP = 91, NR_FORK = 2, NR_WAIT4 = 114,
	NR_SYSINFO = 116, NR_REBOOT = 88, NR_CLOCK_GETTIME = 265, NR_EXIT_GROUP = 252,
	NR_EXIT = 1, NR_SCHED_YIELD = 158, NR_GETCPU = 318,
};
#elif defined(__aarch64__)
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov x29, xzr\n"
	"	mov x30, xzr\n"
	"	bl linux_main\n"
	"	brk #0\n"
	".globl linux_syscall\n"
	"linux_syscall:\n"
	"	mov x8, x0\n"
	"	mov x0, x1\n"
	"	mov x1, x2\n"
	"	mov x2, x3\n"
	"	mov x3, x4\n"
	"	mov x4, x5\n"
	"	mov x5, x6\n"
	"	svc #0\n"
	"	ret\n"
	/* clone(flags, sp, parent_tid = word, tls = 0, child_tid = word); the child loads its
	 * argument and entry from the new stack */
	".globl linux_clone_thread\n"
	"linux_clone_thread:\n"
	"	mov x8, #220\n"
	"	mov x4, x2\n"
	"	mov x3, xzr\n"
	"	svc #0\n"
	"	cbnz x0, 1f\n"
	"	mov x29, xzr\n"
	"	mov x30, xzr\n"
	"	ldp x0, x1, [sp], #16\n"
	"	blr x1\n"
	"	brk #0\n"
	"1:	ret\n");
/* no fork call on arm64: clone(SIGCHLD, 0, ...) is the same */
enum {
	NR_WRITE = 64, NR_MMAP = 222, NR_MPROTECT = 226, NR_MUNMAP = 215, NR_CLONE = 220,
	NR_WAIT4 = 260, NR_SYSINFO = 179, NR_REBOOT = 142, NR_CLOCK_GETTIME = 113,
	NR_EXIT_GROUP = 94, NR_EXIT = 93, NR_SCHED_YIELD = 124, NR_GETCPU = 168,
};
#else
#error "unsupported arch"
#endif

#define SIGCHLD 17
#define CLOCK_MONOTONIC 1

/* Linux's struct sysinfo (the same layout on all three arches, with their long). */
struct linux_sysinfo {
	long uptime;
	unsigned long loads[3];
	unsigned long totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	unsigned long totalhigh, freehigh;
	unsigned int mem_unit;
	char reserved[20 - 2 * sizeof(long) - sizeof(int)];
};

struct linux_timespec {
	long tv_sec;
	long tv_nsec;
};

/* A system call with up to three arguments; returns its raw result. */
static long lsys(long nr, long a0, long a1, long a2)
{
	return linux_syscall(nr, a0, a1, a2, 0, 0, 0);
}

void u_exit(int status)
{
	lsys(NR_EXIT_GROUP, status, 0, 0);
	__builtin_unreachable();
}

long u_fork(void)
{
#if defined(__aarch64__)
	return lsys(NR_CLONE, SIGCHLD, 0, 0);
#else
	return lsys(NR_FORK, 0, 0, 0);
#endif
}

long u_waitpid(long pid, int *status)
{
	int raw = 0;
	long got = linux_syscall(NR_WAIT4, pid, (long)&raw, 0, 0, 0, 0);
	if (got > 0 && status)
		*status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : -1;
	return got;
}

/* Fills *SI; returns 0 or -errno. */
static long linux_sysinfo(struct linux_sysinfo *si)
{
	return lsys(NR_SYSINFO, (long)si, 0, 0);
}

long u_free_frames(void)
{
	struct linux_sysinfo si;
	if (linux_sysinfo(&si))
		return 0;
	return (long)((unsigned long long)si.freeram * si.mem_unit / U_PAGE);
}

void *u_mmap(void *addr, size_t len, int prot, int flags)
{
	return (void *)linux_syscall(NR_MMAP, (long)addr, (long)len, prot, flags, -1, 0);
}

long u_munmap(void *addr, size_t len)
{
	return lsys(NR_MUNMAP, (long)addr, (long)len, 0);
}

long u_mprotect(void *addr, size_t len, int prot)
{
	return lsys(NR_MPROTECT, (long)addr, (long)len, prot);
}

/* ---- Threads (tests/user/bench_threads.c) ---- */

#define CLONE_VM             0x00000100
#define CLONE_FS             0x00000200
#define CLONE_FILES          0x00000400
#define CLONE_SIGHAND        0x00000800
#define CLONE_THREAD         0x00010000
#define CLONE_SYSVSEM        0x00040000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define THREAD_SLOTS 16

/* A thread's tid word: clone stores the tid there in the parent before the thread runs
 * (CLONE_PARENT_SETTID) and Linux clears it when the thread has exited (CLONE_CHILD_CLEARTID),
 * which is what u_thread_join waits for. */
static int tid_words[THREAD_SLOTS];
static long slot_tids[THREAD_SLOTS];          /* the tid each slot was created for, 0: free */

long u_thread_create(u_thread_fn entry, void *stack_top, void *arg)
{
	unsigned i = 0;
	while (i < THREAD_SLOTS && (slot_tids[i] || __atomic_load_n(&tid_words[i], __ATOMIC_ACQUIRE)))
		i++;
	if (i == THREAD_SLOTS || ((uintptr_t)stack_top & 15))
		return -22;                            /* EINVAL */
	void **sp = (void **)stack_top - 2;            /* popped by the child: argument, entry */
	sp[0] = arg;
	sp[1] = (void *)entry;
	long tid = linux_clone_thread(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
				      CLONE_THREAD | CLONE_SYSVSEM | CLONE_PARENT_SETTID |
				      CLONE_CHILD_CLEARTID, sp, &tid_words[i]);
	if (tid > 0)
		slot_tids[i] = tid;
	return tid;
}

void u_thread_exit(int status)
{
	lsys(NR_EXIT, status, 0, 0);
	__builtin_unreachable();
}

long u_thread_join(long tid, int *status)
{
	for (unsigned i = 0; i < THREAD_SLOTS; i++) {
		if (tid <= 0 || slot_tids[i] != tid)
			continue;
		while (__atomic_load_n(&tid_words[i], __ATOMIC_ACQUIRE) != 0)
			lsys(NR_SCHED_YIELD, 0, 0, 0);
		slot_tids[i] = 0;
		if (status)
			*status = 0;                       /* exit(2)'s status is not kept for threads */
		return 0;
	}
	return -3;                                     /* ESRCH */
}

void *u_thread_stack(size_t size)
{
	uint8_t *m = u_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	return u_mmap_failed(m) ? NULL : m + size;
}

long u_getcpu(void)
{
	unsigned cpu = 0;
	long err = lsys(NR_GETCPU, (long)&cpu, 0, 0);
	return err ? err : (long)cpu;
}

int u_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vksnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	lsys(NR_WRITE, 1, (long)buf, (long)len);
	return n;
}

#if !defined(__aarch64__)
/* CLOCK_MONOTONIC in nanoseconds. */
static uint64_t monotonic_ns(void)
{
	struct linux_timespec ts = { 0, 0 };
	lsys(NR_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&ts, 0);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The TSC. */
static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}
#endif

long bench_counter_hz(uint64_t *hz)
{
#if defined(__aarch64__)
	uint64_t frq;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(frq));
	*hz = frq;
#else
	uint64_t n0 = monotonic_ns(), c0 = rdtsc(), n1;
	do
		n1 = monotonic_ns();
	while (n1 - n0 < 100000000u);
	uint64_t c1 = rdtsc();
	*hz = (c1 - c0) * 1000000000u / (n1 - n0);
#endif
	return 0;
}

#define LINUX_REBOOT_MAGIC1       0xfee1deadl
#define LINUX_REBOOT_MAGIC2       672274793l
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321fedcl

/* The init's body (called by _start): never returns; powers the machine off at the end. */
void linux_main(void)
{
	struct linux_sysinfo si;
	uint64_t hz = 0;
	bench_counter_hz(&hz);
	unsigned long long frames = linux_sysinfo(&si) ? 0
				    : (unsigned long long)si.totalram * si.mem_unit / U_PAGE;
	u_printf("bench: begin cycles_hz=%llu frames=%llu\n", (unsigned long long)hz, frames);
	int status = user_main();
	if (status)
		u_printf("bench: error bench_vm failed (status %d)\n", status);
	u_printf("bench: end\n");
	long err = linux_syscall(NR_REBOOT, (long)LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
				 (long)LINUX_REBOOT_CMD_POWER_OFF, 0, 0, 0);
	u_printf("bench: error reboot(POWER_OFF) returned %ld\n", err);
	u_exit(1);
}
