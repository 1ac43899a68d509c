/* A scheme daemon's death, both ways, while clients wait: (1) it closes its scheme fd while it
 * holds a READ whose buffer is lent to it: the client gets -EIO, keeps what the daemon wrote,
 * and the lent pages are gone from the daemon at once; the name is free again and files left
 * open give -EIO. (2) it exits holding a received WRITE and with another client's OPEN still
 * queued: both clients get -EIO. The free frame count and the checker come back to the start. */
#include "tests/user/lib/ulib.h"
#include "kernel/errno.h"

#define PATTERN 0xa5

struct shared {
	volatile int ready;
	volatile int go;            /* the daemon holds the parent's WRITE */
	volatile int b_ready;       /* client B is about to send its OPEN */
};

static __attribute__((noreturn)) void daemon_main(struct shared *sh)
{
	long sfd = u_scheme_create("ipcdie");
	long sfd2 = u_scheme_create("ipcdie2");
	U_EXPECT_EQ(sfd >= 0 && sfd2 >= 0, true);
	sh->ready = 1;
	struct scheme_packet pkt;

	/* (1) */
	U_EXPECT_EQ(u_scheme_recv(sfd, &pkt), 0);
	U_EXPECT_EQ(pkt.op, SCHEME_OP_OPEN);
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, 7), 0);
	U_EXPECT_EQ(u_scheme_recv(sfd, &pkt), 0);
	U_EXPECT_EQ(pkt.op, SCHEME_OP_READ);
	U_EXPECT_EQ(pkt.id, 7);
	U_EXPECT_EQ(pkt.size, 100);
	volatile uint8_t *lent = (volatile uint8_t *)(uintptr_t)pkt.buf;
	U_EXPECT_EQ(lent[1], PATTERN);
	lent[0] = 'Z';
	U_EXPECT_EQ(u_close(sfd), 0);                    /* the scheme dies, unanswered */
	uint8_t b;
	U_EXPECT_EQ(u_read_faults(lent, &b), true);      /* given back at once */
	U_EXPECT_EQ(u_scheme_recv(sfd, &pkt), -EBADF);
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, 0), -EBADF);

	/* (2) */
	U_EXPECT_EQ(u_scheme_recv(sfd2, &pkt), 0);
	U_EXPECT_EQ(pkt.op, SCHEME_OP_OPEN);
	U_EXPECT_EQ(u_scheme_reply(sfd2, pkt.tag, 8), 0);
	U_EXPECT_EQ(u_scheme_recv(sfd2, &pkt), 0);
	U_EXPECT_EQ(pkt.op, SCHEME_OP_WRITE);
	U_EXPECT_EQ(pkt.size, 10);
	sh->go = 1;
	while (!sh->b_ready)
		u_yield();
	/* B queues its OPEN: with one CPU during the first yields (round robin), with several
	 * within a moment of b_ready - nothing shows it has, so give it 100 ms (once a loaded
	 * 4-CPU boot took longer than 50 yields, and B found the name already gone) */
	uint64_t hz = 0, start = u_cycles();
	U_EXPECT_EQ(sys1(SYS_CYCLES_HZ, (long)&hz), 0);
	for (int i = 0; i < 50 || u_cycles() - start < hz / 10; i++)
		u_yield();
	u_exit(u_failures());                            /* WRITE received, OPEN queued */
}

int user_main(void)
{
	struct shared *sh = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	uint8_t *buf = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(sh) || u_mmap_failed(buf))
		return 100;
	memset(sh, 0, U_PAGE);
	memset(buf, PATTERN, U_PAGE);
	long free_start = u_free_frames();

	long dpid = u_fork();
	if (dpid == 0)
		daemon_main(sh);
	while (!sh->ready)
		u_yield();

	long fd = u_open("ipcdie:x", O_RDWR);
	U_EXPECT_EQ(fd >= 0, true);
	U_EXPECT_EQ(u_read(fd, buf, 100), -EIO);
	U_EXPECT_EQ(buf[0], 'Z');                        /* written through the lent page */
	U_EXPECT_EQ(buf[1], PATTERN);
	U_EXPECT_EQ(u_open("ipcdie:x", O_RDWR), -ENOENT);
	U_EXPECT_EQ(u_read(fd, buf, 100), -EIO);
	U_EXPECT_EQ(u_write(fd, buf, 100), -EIO);
	U_EXPECT_EQ(u_close(fd), 0);
	buf[0] = PATTERN;

	long fd2 = u_open("ipcdie2:y", O_RDWR);
	U_EXPECT_EQ(fd2 >= 0, true);
	long bpid = u_fork();
	if (bpid == 0) {
		while (!sh->go)
			u_yield();
		sh->b_ready = 1;
		U_EXPECT_EQ(u_open("ipcdie2:z", O_RDWR), -EIO);
		u_exit(u_failures());
	}
	U_EXPECT_EQ(u_write(fd2, buf, 10), -EIO);
	int status = -1;
	U_EXPECT_EQ(u_waitpid(bpid, &status), bpid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_waitpid(dpid, &status), dpid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_open("ipcdie2:y", O_RDWR), -ENOENT);
	U_EXPECT_EQ(u_close(fd2), 0);
	buf[0] = 1;                                      /* still the parent's, writable */
	U_EXPECT_EQ(buf[0], 1);
	U_EXPECT_EQ(u_free_frames(), free_start);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
