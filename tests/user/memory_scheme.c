/* memory: from user mode, through the real syscalls (open, mmap of an fd, virt-to-phys, the
 * namespace): what scheme/memory_test.c checks from inside the kernel, seen from a process.
 *   - physical@wb of frames the allocator owns (a contiguous run of our own): -EPERM
 *   - physical@uc of a device: aarch64 the PL011 (identification bytes, a line printed through
 *     it), x86 the HPET (capabilities 0x8086a201, period 10^7 fs); virt-to-phys of it
 *   - physical@wc of the same device maps (the entry type is checked in the kernel test)
 *   - zeroed + MAP_PHYS_CONTIGUOUS of 64 KiB: virt-to-phys of page i = base + i * 4096,
 *     zeroed, shared with a forked child, freed on munmap
 *   - virt-to-phys of private anonymous memory: -EINVAL; of nothing: -EFAULT
 *   - read/write of a memory: file: -EINVAL; unknown paths: -ENOENT
 *   - after narrowing the namespace to "testfs", memory: cannot be opened (-ENOENT).
 * Needs the scheme syscalls of the scheme-ipc branch; started by scheme/memory_user_test.c, and
 * exits with NO_SCHEME_SYSCALLS at once when SYS_OPEN does not exist. */
#include "tests/user/lib/ulib.h"
#include "scheme/scheme_abi.h"
#include "kernel/errno.h"

#define RW    (PROT_READ | PROT_WRITE)
#define KIB64 (64ul * 1024)
/* The exit status that says the scheme syscalls are missing (SYS_OPEN answered -ENOSYS). */
#define NO_SCHEME_SYSCALLS 200

#if defined(__aarch64__)
#define DEVICE_PA 0x09000000ul     /* PL011 */
#else
#define DEVICE_PA 0xfed00000ul     /* HPET */
#endif

static long mmap_result(void *p)
{
	return u_mmap_failed(p) ? (long)(intptr_t)p : 0;
}

/* The contiguous run: layout, zeroes, fork sharing, -EPERM through physical@wb, munmap. */
static void contiguous(long zeroed, long phys_wb)
{
	uint8_t *p = u_mmap_fd(NULL, KIB64, RW, MAP_SHARED | MAP_PHYS_CONTIGUOUS, zeroed, 0);
	U_EXPECT_EQ(mmap_result(p), 0);
	if (u_mmap_failed(p))
		return;
	long free1 = u_free_frames();
	uint64_t base = ~0ull, phys = 0;
	U_EXPECT_EQ(u_virt_to_phys(p, &base), 0);
	U_EXPECT_EQ(base % U_PAGE, 0);
	unsigned nonzero = 0;
	for (unsigned i = 0; i < KIB64 / U_PAGE; i++) {
		phys = ~0ull;
		U_EXPECT_EQ(u_virt_to_phys(p + i * U_PAGE + 99, &phys), 0);
		U_EXPECT_EQ(phys, base + i * U_PAGE + 99);
		for (unsigned b = 0; b < U_PAGE; b++)
			nonzero += p[i * U_PAGE + b] != 0;
	}
	U_EXPECT_EQ(nonzero, 0);
	U_EXPECT_EQ(u_free_frames(), free1);     /* reading took no frame: all were present */

	/* our own frames through physical@wb: refused, whatever we are */
	U_EXPECT_EQ(mmap_result(u_mmap_fd(NULL, U_PAGE, RW, MAP_SHARED, phys_wb, (uintptr_t)base)),
		    -EPERM);
	U_EXPECT_EQ(mmap_result(u_mmap_fd(NULL, U_PAGE, PROT_READ, MAP_SHARED, phys_wb,
					   (uintptr_t)(base + 5 * U_PAGE))), -EPERM);

	/* fork shares the frames both ways */
	p[3 * U_PAGE] = 0x5a;
	long pid = u_fork();
	if (pid == 0) {
		uint64_t child_phys = 0;
		U_EXPECT_EQ(u_virt_to_phys(p + 7 * U_PAGE, &child_phys), 0);
		U_EXPECT_EQ(child_phys, base + 7 * U_PAGE);
		U_EXPECT_EQ(p[3 * U_PAGE], 0x5a);
		p[7 * U_PAGE + 1] = 0xc3;
		u_exit(u_failures());
	}
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(p[7 * U_PAGE + 1], 0xc3);
	U_EXPECT_EQ(u_munmap(p, KIB64), 0);
	phys = 0;
	U_EXPECT_EQ(u_virt_to_phys(p, &phys), -EFAULT);

	/* freed on munmap: the same range again (its page tables exist now), counted */
	long free0 = u_free_frames();
	uint8_t *q = u_mmap_fd(p, KIB64, RW, MAP_SHARED | MAP_FIXED | MAP_PHYS_CONTIGUOUS, zeroed, 0);
	U_EXPECT_EQ((uintptr_t)q, (uintptr_t)p);
	if (q != p)
		return;
	U_EXPECT_EQ(free0 - u_free_frames() >= 16, 1);   /* the run, maybe a kernel-heap frame */
	U_EXPECT_EQ(u_munmap(p, KIB64), 0);
	U_EXPECT_EQ(u_free_frames(), free0);
}

/* The device through physical@uc (and @wc). */
static void device(long uc, long wc)
{
	volatile uint32_t *d = u_mmap_fd(NULL, U_PAGE, RW, MAP_SHARED, uc, DEVICE_PA);
	U_EXPECT_EQ(mmap_result((void *)d), 0);
	if (u_mmap_failed((void *)d))
		return;
	uint64_t phys = 0;
	U_EXPECT_EQ(u_virt_to_phys((const volatile uint8_t *)d + 0x18, &phys), 0);
	U_EXPECT_EQ(phys, DEVICE_PA + 0x18);
#if defined(__aarch64__)
	static const uint32_t ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	for (unsigned i = 0; i < 8; i++)
		U_EXPECT_EQ(d[0xfe0 / 4 + i], ids[i]);
	d[0x44 / 4] = 0x20;                       /* UARTICR: clear the transmit interrupt */
	U_EXPECT_EQ(d[0x3c / 4] & 0x20, 0);
	u_printf("    # user mode writes the PL011 through memory:physical@uc: ");
	static const char msg[] = "user uc ok\n";
	for (unsigned i = 0; i < sizeof(msg) - 1; i++) {
		for (unsigned spin = 0; spin < 1000000 && (d[0x18 / 4] & 0x20); spin++)
			;
		d[0] = (uint8_t)msg[i];
	}
	U_EXPECT_EQ(d[0x3c / 4] & 0x20, 0x20);   /* UARTRIS: the UART sent them */
#else
	U_EXPECT_EQ(d[0], 0x8086a201);
	U_EXPECT_EQ(d[1], 0x00989680);
#endif
	U_EXPECT_EQ(u_munmap((void *)d, U_PAGE), 0);

	volatile uint32_t *w = u_mmap_fd(NULL, U_PAGE, PROT_READ, MAP_SHARED, wc, DEVICE_PA);
	U_EXPECT_EQ(mmap_result((void *)w), 0);
	if (!u_mmap_failed((void *)w)) {
		phys = 0;
		U_EXPECT_EQ(u_virt_to_phys(w, &phys), 0);
		U_EXPECT_EQ(phys, DEVICE_PA);
		U_EXPECT_EQ(u_munmap((void *)w, U_PAGE), 0);
	}
	/* not page aligned, or private: refused */
	U_EXPECT_EQ(mmap_result(u_mmap_fd(NULL, U_PAGE, RW, MAP_SHARED, uc, DEVICE_PA + 8)), -EINVAL);
	U_EXPECT_EQ(mmap_result(u_mmap_fd(NULL, U_PAGE, RW, MAP_PRIVATE, uc, DEVICE_PA)), -EINVAL);
}

/* Anonymous memory through zeroed, and virt-to-phys rules. */
static void zeroed_rules(long zeroed)
{
	uint8_t *priv = u_mmap_fd(NULL, 2 * U_PAGE, RW, MAP_PRIVATE, zeroed, 0);
	U_EXPECT_EQ(mmap_result(priv), 0);
	if (u_mmap_failed(priv))
		return;
	priv[0] = 1;
	uint64_t phys = 0;
	U_EXPECT_EQ(u_virt_to_phys(priv, &phys), -EINVAL);
	U_EXPECT_EQ(u_virt_to_phys(priv + U_PAGE, &phys), -EINVAL);
	uint8_t *anon = u_mmap(NULL, U_PAGE, RW, MAP_PRIVATE | MAP_ANONYMOUS);
	anon[0] = 1;
	U_EXPECT_EQ(u_virt_to_phys(anon, &phys), -EINVAL);
	U_EXPECT_EQ(u_virt_to_phys((void *)0, &phys), -EFAULT);
	uint8_t *shared = u_mmap_fd(NULL, U_PAGE, RW, MAP_SHARED, zeroed, 0);
	U_EXPECT_EQ(mmap_result(shared), 0);
	if (!u_mmap_failed(shared)) {
		U_EXPECT_EQ(u_virt_to_phys(shared, &phys), -EFAULT);   /* not populated yet */
		shared[0] = 9;
		U_EXPECT_EQ(u_virt_to_phys(shared, &phys), 0);
		/* a result pointer the process cannot write */
		U_EXPECT_EQ(u_virt_to_phys(shared, (uint64_t *)16), -EFAULT);
		/* zeroed + MAP_SHARED stays shared across fork */
		long pid = u_fork();
		if (pid == 0) {
			shared[1] = 10;
			u_exit(0);
		}
		int status = -1;
		U_EXPECT_EQ(u_waitpid(pid, &status), pid);
		U_EXPECT_EQ(shared[1], 10);
		U_EXPECT_EQ(u_munmap(shared, U_PAGE), 0);
	}
	/* ... and zeroed + MAP_PRIVATE does not */
	long pid = u_fork();
	if (pid == 0) {
		priv[0] = 77;
		u_exit(0);
	}
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(priv[0], 1);
	U_EXPECT_EQ(u_munmap(priv, 2 * U_PAGE), 0);
	U_EXPECT_EQ(u_munmap(anon, U_PAGE), 0);
}

/* A child narrows its namespace to testfs: memory: is gone for it, not for us. */
static void namespace(void)
{
	long pid = u_fork();
	if (pid == 0) {
		U_EXPECT_EQ(u_ns_restrict("testfs"), 0);
		U_EXPECT_EQ(u_open("memory:physical", O_RDWR), -ENOENT);
		U_EXPECT_EQ(u_open("memory:physical@uc", O_RDWR), -ENOENT);
		U_EXPECT_EQ(u_open("memory:zeroed", O_RDWR), -ENOENT);
		/* narrowing is for good: naming memory again gives nothing back */
		U_EXPECT_EQ(u_ns_restrict("memory,testfs"), 0);
		U_EXPECT_EQ(u_open("memory:physical", O_RDWR), -ENOENT);
		u_exit(u_failures());
	}
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	long fd = u_open("memory:physical", O_RDWR);
	U_EXPECT_EQ(fd >= 0, 1);
	if (fd >= 0)
		U_EXPECT_EQ(u_close(fd), 0);
}

int user_main(void)
{
	long free_start = u_free_frames();
	long zeroed = u_open("memory:zeroed", O_RDWR);
	if (zeroed == -ENOSYS)
		return NO_SCHEME_SYSCALLS;       /* the memory-scheme branch without scheme-ipc */
	long wb = u_open("memory:physical@wb", O_RDWR);
	long uc = u_open("memory:physical@uc", O_RDWR);
	long wc = u_open("memory:physical@wc", O_RDWR);
	long ro = u_open("memory:physical@uc", O_RDONLY);
	U_EXPECT_EQ(zeroed >= 0 && wb >= 0 && uc >= 0 && wc >= 0 && ro >= 0, 1);
	if (zeroed < 0 || wb < 0 || uc < 0 || wc < 0 || ro < 0)
		return u_failures();
	U_EXPECT_EQ(u_open("memory:nothing", O_RDWR), -ENOENT);
	U_EXPECT_EQ(u_open("memory:physical@xx", O_RDWR), -ENOENT);
	U_EXPECT_EQ(u_open("memory:", O_RDWR), -ENOENT);
	char buf[8];
	U_EXPECT_EQ(u_read(zeroed, buf, sizeof(buf)), -EINVAL);
	U_EXPECT_EQ(u_write(uc, buf, sizeof(buf)), -EINVAL);
	U_EXPECT_EQ(mmap_result(u_mmap_fd(NULL, U_PAGE, RW, MAP_SHARED, ro, DEVICE_PA)), -EACCES);

	contiguous(zeroed, wb);
	device(uc, wc);
	zeroed_rules(zeroed);
	namespace();

	U_EXPECT_EQ(u_close(zeroed), 0);
	U_EXPECT_EQ(u_close(wb), 0);
	U_EXPECT_EQ(u_close(uc), 0);
	U_EXPECT_EQ(u_close(wc), 0);
	U_EXPECT_EQ(u_close(ro), 0);
	U_EXPECT_EQ(u_check(), 0);
	u_printf("    # memory_scheme: free frames %ld at start, %ld at the end\n", free_start,
		 u_free_frames());
	return u_failures();
}
