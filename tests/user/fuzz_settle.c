/* The regression test of the fuzzer's SMP bug (issue 8): after a close (or a process's exit) the
 * daemon of the file may still be handling the CLOSE notice - testfs deletes the file and unmaps
 * its pages then - while the closer already counts free frames or runs the checker; the checker
 * then saw a frame it had counted as mapped come back free ("frame of type free is mapped 1
 * times", seed 2 at 2% injection on i686 with 4 CPUs, after an OOM kill). SYS_FREE_FRAMES and
 * SYS_CHECK now wait until every other daemon is back in SYS_SCHEME_RECV after its notices
 * (kernel/proc.c: proc_settle; scheme/user_scheme.c: scheme_notices_pending).
 * Here a daemon of our own, on the CLOSE notice, first spins for SPIN_MS (longer than the 20 ms
 * proc_settle gives a merely busy process) and then unmaps UNMAP_PAGES of its populated pages:
 * a free frame count taken right after close() must already include them, on one CPU or four.
 * (At least them: the kernel heap may give a slab frame back too, as the notice is freed.) */
#include "tests/user/lib/ulib.h"
#include "kernel/errno.h"

#define SPIN_MS     200
#define UNMAP_PAGES 8
#define FILE_ID     5

struct shared {
	volatile int ready;          /* the daemon serves, its pages are populated */
	volatile int closes;         /* CLOSE notices the daemon handled */
};

/* The daemon: answers OPEN with FILE_ID ("exit": then ends), and handles CLOSE slowly. */
static __attribute__((noreturn)) void daemon_main(struct shared *sh, uint64_t hz)
{
	/* twice the pages it unmaps, so that the page table over them stays */
	uint8_t *pages = u_mmap(NULL, 2 * UNMAP_PAGES * U_PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS);
	long sfd = u_scheme_create("settle");
	U_EXPECT_EQ(u_mmap_failed(pages), false);
	U_EXPECT_EQ(sfd >= 0, true);
	if (u_failures())
		u_exit(u_failures());
	for (unsigned i = 0; i < 2 * UNMAP_PAGES; i++)
		pages[i * U_PAGE] = (uint8_t)(i + 1);
	sh->ready = 1;
	struct scheme_packet pkt;
	for (;;) {
		U_EXPECT_EQ(u_scheme_recv(sfd, &pkt), 0);
		if (u_failures())
			break;
		if (pkt.op == SCHEME_OP_OPEN) {
			bool quit = pkt.path_len == 4 && memcmp(pkt.path, "exit", 4) == 0;
			U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, FILE_ID), 0);
			if (quit)
				break;
		} else if (pkt.op == SCHEME_OP_CLOSE) {
			U_EXPECT_EQ(pkt.tag, 0);
			U_EXPECT_EQ(pkt.id, FILE_ID);
			uint64_t start = u_cycles();
			while (u_cycles() - start < hz / 1000 * SPIN_MS)
				;
			U_EXPECT_EQ(u_munmap(pages, UNMAP_PAGES * U_PAGE), 0);
			sh->closes++;
		} else {
			U_EXPECT_EQ(pkt.op, SCHEME_OP_OPEN);
		}
	}
	u_exit(u_failures());
}

int user_main(void)
{
	uint64_t hz = 0;
	U_EXPECT_EQ(sys1(SYS_CYCLES_HZ, (long)&hz), 0);
	U_EXPECT_EQ(hz > 0, true);
	struct shared *sh = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	if (u_mmap_failed(sh) || !hz)
		return u_failures() + 1;
	long pid = u_fork();
	if (pid == 0)
		daemon_main(sh, hz);
	U_EXPECT_EQ(pid > 0, true);
	while (!sh->ready)
		u_yield();
	long fd = u_open("settle:f", O_RDWR);
	U_EXPECT_EQ(fd >= 0, true);
	long before = u_free_frames(), after;
	U_EXPECT_EQ(u_close(fd), 0);
	/* the CLOSE notice is queued; the daemon spins, then unmaps: both counts wait for it */
	after = u_free_frames();
	U_EXPECT_EQ(sh->closes, 1);
	U_EXPECT_EQ(after - before >= UNMAP_PAGES, true);
	U_EXPECT_EQ(u_check(), 0);

	/* the same through a process's exit: a child opens, exits, and its parent checks at once
	 * (the daemon now unmaps pages it no longer has: munmap of nothing is 0) */
	long child = u_fork();
	if (child == 0)
		u_exit(u_open("settle:g", O_RDONLY) >= 0 ? 0 : 1);   /* its exit closes the file */
	int status = -1;
	U_EXPECT_EQ(u_waitpid(child, &status), child);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_check(), 0);
	U_EXPECT_EQ(sh->closes, 2);

	long efd = u_open("settle:exit", O_RDONLY);
	U_EXPECT_EQ(efd >= 0, true);
	status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_close(efd), 0);     /* the daemon is gone: the notice is dropped */
	return u_failures();
}
