/* User schemes end to end: a forked child serves the scheme "ipctest" (a RAM file), the parent
 * opens, writes, reads, seeks and closes through it and checks the exact bytes and errors; the
 * daemon checks on its side that READ/WRITE buffers are the client's own pages lent to it (it
 * sees the bytes the client left there, at the same offset in the page; a WRITE buffer is
 * read-only; it cannot unmap or reprotect them; they are gone once it answered), that bad replies
 * get -errno, and that calling its own scheme is -EDEADLK. Every packet the daemon receives is
 * logged in a shared page and compared with the exact expected sequence (FIFO: notices before a
 * later blocking request). Then the namespace rules in a forked child, and the daemon's death:
 * exit while a client waits (-EIO), unregistered name (-ENOENT), open files (-EIO). */
#include "tests/user/lib/ulib.h"
#include "kernel/errno.h"

#define NAME "ipctest"
#define RAM_SIZE 8192
#define PATTERN 0xa5
#define LOG_MAX 64

#define ID_RAM0  10      /* ids the daemon gives: "ram" opens count up from here */
#define ID_RO    20
#define ID_BOGUS 30

struct shared {
	volatile int ready;
	volatile uintptr_t client_buf;       /* where the client's next READ buffer is */
	volatile int check_lent;             /* 1: check the buffer is gone after the reply; 2: done */
	volatile unsigned nlog;
	volatile uint32_t log[LOG_MAX];      /* op << 16 | id of every packet received */
};

#define MIN_U64(x, y) ((x) < (y) ? (x) : (y))
#define LOG(op, id) (((uint32_t)(op) << 16) | (uint32_t)(id))

static uint8_t ram[RAM_SIZE];
static uint64_t ram_size;

static void bad_replies(long sfd, const struct scheme_packet *pkt)
{
	struct scheme_packet junk;
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt->tag + 1000, 0), -EINVAL);     /* unknown tag */
	U_EXPECT_EQ(u_scheme_reply(sfd, 0, 0), -EINVAL);                   /* tag 0 */
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt->tag, -5000), -EINVAL);        /* impossible result */
	U_EXPECT_EQ(u_scheme_reply(31, pkt->tag, 0), -EBADF);              /* not an open fd */
	U_EXPECT_EQ(u_scheme_recv(sfd, (struct scheme_packet *)16), -EFAULT);
	U_EXPECT_EQ(u_scheme_recv(31, &junk), -EBADF);
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt->tag, ID_BOGUS), 0);
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt->tag, ID_BOGUS), -EINVAL);     /* answered already */
}

static long serve_read(long sfd, const struct scheme_packet *pkt, struct shared *sh)
{
	volatile uint8_t *buf = (volatile uint8_t *)(uintptr_t)pkt->buf;
	if (pkt->size == 0) {
		U_EXPECT_EQ(pkt->buf, 0);                /* nothing lent for 0 bytes */
		return 0;
	}
	/* the client's own page: same offset in the page, and the bytes it left there */
	U_EXPECT_EQ(pkt->buf % U_PAGE, sh->client_buf % U_PAGE);
	U_EXPECT_EQ(buf[0], PATTERN);
	U_EXPECT_EQ(buf[pkt->size - 1], PATTERN);
	uintptr_t page = (uintptr_t)pkt->buf & ~(U_PAGE - 1);
	U_EXPECT_EQ(u_munmap((void *)page, U_PAGE), -EBUSY);
	U_EXPECT_EQ(u_mprotect((void *)page, U_PAGE, PROT_READ), -EBUSY);
	if (pkt->size == 5)                          /* more bytes than asked: refused */
		U_EXPECT_EQ(u_scheme_reply(sfd, pkt->tag, 6), -EINVAL);
	uint64_t n = pkt->offset >= ram_size ? 0 : MIN_U64(ram_size - pkt->offset, pkt->size);
	for (uint64_t i = 0; i < n; i++)
		buf[i] = ram[pkt->offset + i];
	return (long)n;
}

static long serve_write(const struct scheme_packet *pkt)
{
	volatile uint8_t *buf = (volatile uint8_t *)(uintptr_t)pkt->buf;
	U_EXPECT_EQ(u_write_faults(buf, 1), true);  /* lent read-only */
	if (pkt->offset + pkt->size > RAM_SIZE)
		return -ENOSPC;
	for (uint64_t i = 0; i < pkt->size; i++)
		ram[pkt->offset + i] = buf[i];
	if (pkt->offset + pkt->size > ram_size)
		ram_size = pkt->offset + pkt->size;
	return (long)pkt->size;
}

static __attribute__((noreturn)) void daemon_main(struct shared *sh)
{
	long sfd = u_scheme_create(NAME);
	U_EXPECT_EQ(sfd >= 0, true);
	U_EXPECT_EQ(u_scheme_create(NAME), -EEXIST);
	U_EXPECT_EQ(u_scheme_create("bad:name"), -EINVAL);
	U_EXPECT_EQ(u_open(NAME ":ram", O_RDWR), -EDEADLK);     /* its own scheme */
	sh->ready = 1;
	uint64_t next_id = ID_RAM0;
	for (;;) {
		struct scheme_packet pkt;
		if (u_scheme_recv(sfd, &pkt) != 0)
			u_exit(100 + u_failures());
		if (sh->nlog < LOG_MAX)
			sh->log[sh->nlog++] = LOG(pkt.op, pkt.id);
		long r = -EINVAL;
		uintptr_t lent = (uintptr_t)pkt.buf;
		/* decided when the packet arrives: the client asks for the check before it sends its
		 * READ, so the answer to the request before it (the client may run between that
		 * answer and the check below, and lend its next buffer at the same address) is never
		 * checked by mistake */
		bool check_lent = pkt.op == SCHEME_OP_READ && sh->check_lent == 1;
		switch (pkt.op) {
		case SCHEME_OP_OPEN:
			U_EXPECT_EQ(pkt.caller_pid != u_getpid(), true);
			if (pkt.path_len == 3 && !memcmp(pkt.path, "ram", 3))
				r = (long)next_id++;
			else if (pkt.path_len == 2 && !memcmp(pkt.path, "ro", 2))
				r = ID_RO;
			else if (pkt.path_len == 4 && !memcmp(pkt.path, "fail", 4))
				r = -EACCES;
			else if (pkt.path_len == 5 && !memcmp(pkt.path, "bogus", 5)) {
				bad_replies(sfd, &pkt);
				continue;
			} else if (pkt.path_len == 4 && !memcmp(pkt.path, "quit", 4))
				u_exit(u_failures());        /* the client is still waiting */
			break;
		case SCHEME_OP_READ:
			r = serve_read(sfd, &pkt, sh);
			break;
		case SCHEME_OP_WRITE:
			r = serve_write(&pkt);
			break;
		case SCHEME_OP_FSIZE:
			r = (long)ram_size;
			break;
		case SCHEME_OP_CLOSE:
			U_EXPECT_EQ(pkt.tag, 0);
			continue;                            /* nothing to answer */
		}
		U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, r), 0);
		if (lent && check_lent) {
			/* the client waits for this check before its next request, whose buffer
			 * could be lent at the same address */
			uint8_t b;
			U_EXPECT_EQ(u_read_faults((const volatile uint8_t *)lent, &b), true);
			sh->check_lent = 2;
		}
	}
}

/* The namespace rules, in a forked child that shares FD (position included). */
static void namespace_child(long fd, struct shared *sh)
{
	uint8_t b[8];
	memset(b, PATTERN, sizeof(b));
	sh->client_buf = (uintptr_t)b;
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	U_EXPECT_EQ(u_read(fd, b, 5), 5);
	U_EXPECT_EQ(memcmp(b, "hello", 5), 0);
	U_EXPECT_EQ(u_ns_restrict("zzz," NAME), 0);
	long f2 = u_open(NAME ":ram", O_RDONLY);          /* still in the namespace */
	U_EXPECT_EQ(f2 >= 0, true);
	U_EXPECT_EQ(u_ns_restrict("memory,other"), 0);
	U_EXPECT_EQ(u_open(NAME ":ram", O_RDONLY), -ENOENT);
	U_EXPECT_EQ(u_open("memory:zeroed", O_RDONLY), -ENOENT);   /* "memory" was not kept */
	U_EXPECT_EQ(u_scheme_create("other"), -EPERM);
	U_EXPECT_EQ(u_ns_restrict(NAME), 0);                 /* never widens */
	U_EXPECT_EQ(u_open(NAME ":ram", O_RDONLY), -ENOENT);
	U_EXPECT_EQ(u_ns_restrict("a,,b"), -EINVAL);
	U_EXPECT_EQ(u_ns_restrict("a:b"), -EINVAL);
	U_EXPECT_EQ(u_scheme_create(NAME "2"), -EPERM);
	u_exit(u_failures());                                /* closes f2: CLOSE(11) */
}

int user_main(void)
{
	struct shared *sh = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	uint8_t *a = u_mmap(NULL, 4 * U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	uint8_t *b = u_mmap(NULL, 4 * U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	if (u_mmap_failed(sh) || u_mmap_failed(a) || u_mmap_failed(b))
		return 100;
	memset(sh, 0, U_PAGE);
	memset(a, 0, 4 * U_PAGE);
	memset(b, 0, 4 * U_PAGE);
	long free_start = u_free_frames();

	long dpid = u_fork();
	if (dpid == 0)
		daemon_main(sh);
	while (!sh->ready)
		u_yield();

	U_EXPECT_EQ(u_open("nosuch:x", O_RDWR), -ENOENT);
	U_EXPECT_EQ(u_open(NAME, O_RDWR), -EINVAL);             /* no ':' */
	long fd = u_open(NAME ":ram", O_RDWR);                  /* OPEN -> 10 */
	U_EXPECT_EQ(fd >= 0, true);

	/* write, then read back the exact bytes; the rest of the buffer stays untouched */
	memcpy(a, "hello, scheme", 13);
	U_EXPECT_EQ(u_write(fd, a, 13), 13);                    /* WRITE 10 */
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	memset(b, PATTERN, 64);
	sh->client_buf = (uintptr_t)b;
	U_EXPECT_EQ(u_read(fd, b, 64), 13);                     /* READ 10 */
	U_EXPECT_EQ(memcmp(b, "hello, scheme", 13), 0);
	U_EXPECT_EQ(b[13], PATTERN);
	U_EXPECT_EQ(b[63], PATTERN);
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_END), 13);              /* FSIZE 10 */
	memset(b, PATTERN, 64);
	U_EXPECT_EQ(u_read(fd, b, 64), 0);                      /* READ 10: end of file */
	U_EXPECT_EQ(b[0], PATTERN);
	U_EXPECT_EQ(u_read(fd, b, 0), 0);                       /* READ 10: 0 bytes, nothing lent */
	U_EXPECT_EQ(u_lseek(fd, 3, SEEK_CUR), 16);
	U_EXPECT_EQ(u_lseek(fd, -17, SEEK_CUR), -EINVAL);
	U_EXPECT_EQ(u_lseek(fd, 0, 7), -EINVAL);

	/* 6000 bytes from the middle of a page, over three pages, and back */
	for (unsigned i = 0; i < 6000; i++)
		a[100 + i] = (uint8_t)(i * 7 + 1);
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	U_EXPECT_EQ(u_write(fd, a + 100, 6000), 6000);          /* WRITE 10 */
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	memset(b, PATTERN, 4 * U_PAGE);
	sh->client_buf = (uintptr_t)(b + 4000);
	sh->check_lent = 1;
	U_EXPECT_EQ(u_read(fd, b + 4000, 6000), 6000);          /* READ 10 */
	while (sh->check_lent != 2)
		u_yield();
	U_EXPECT_EQ(memcmp(b + 4000, a + 100, 6000), 0);
	U_EXPECT_EQ(b[3999], PATTERN);
	U_EXPECT_EQ(b[10000], PATTERN);

	/* bad descriptors and buffers: no packet */
	U_EXPECT_EQ(u_read(99, b, 1), -EBADF);
	U_EXPECT_EQ(u_read(-1, b, 1), -EBADF);
	U_EXPECT_EQ(u_read(7, b, 1), -EBADF);
	U_EXPECT_EQ(u_close(99), -EBADF);
	U_EXPECT_EQ(u_read(fd, (void *)0x10, 4), -EFAULT);
	U_EXPECT_EQ(u_write(fd, (void *)0x10, 4), -EFAULT);
	U_EXPECT_EQ((long)u_mmap_fd(NULL, U_PAGE, PROT_READ, MAP_SHARED, 99, 0), -EBADF);
	U_EXPECT_EQ((long)u_mmap_fd(NULL, U_PAGE, PROT_READ, MAP_SHARED, fd, 100), -EINVAL);
	struct scheme_packet pkt;
	U_EXPECT_EQ(u_scheme_recv(fd, &pkt), -EBADF);           /* a client file, not a scheme fd */
	U_EXPECT_EQ(u_scheme_reply(fd, 1, 0), -EBADF);
	U_EXPECT_EQ(u_scheme_create(NAME), -EEXIST);

	/* access modes, the daemon's errors, bad replies */
	long ro = u_open(NAME ":ro", O_RDONLY);                 /* OPEN -> 20 */
	U_EXPECT_EQ(ro >= 0, true);
	U_EXPECT_EQ(u_write(ro, a, 1), -EBADF);
	U_EXPECT_EQ(u_close(ro), 0);                            /* CLOSE 20 */
	U_EXPECT_EQ(u_open(NAME ":fail", O_RDWR), -EACCES);     /* OPEN */
	long bogus = u_open(NAME ":bogus", O_RDWR);             /* OPEN -> 30 */
	U_EXPECT_EQ(bogus >= 0, true);
	U_EXPECT_EQ(u_close(bogus), 0);                         /* CLOSE 30 */
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	memset(b, PATTERN, 8);
	sh->client_buf = (uintptr_t)b;
	U_EXPECT_EQ(u_read(fd, b, 5), 5);                       /* READ 10 (a reply of 6 refused) */
	U_EXPECT_EQ(b[0], 1);
	U_EXPECT_EQ(b[4], 29);
	U_EXPECT_EQ(b[5], PATTERN);

	/* fork shares the open file and its position; namespaces narrow in the child only */
	memcpy(a, "hello", 5);
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_SET), 0);
	U_EXPECT_EQ(u_write(fd, a, 5), 5);                      /* WRITE 10 */
	long cpid = u_fork();
	if (cpid == 0)
		namespace_child(fd, sh);    /* READ 10 (buffer on its stack), OPEN -> 11, CLOSE 11 */
	int status = -1;
	U_EXPECT_EQ(u_waitpid(cpid, &status), cpid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_CUR), 5);

	/* FIFO: two notices, then a blocking request behind them */
	long fa = u_open(NAME ":ram", O_RDWR);                  /* OPEN -> 12 */
	long fb = u_open(NAME ":ram", O_RDWR);                  /* OPEN -> 13 */
	U_EXPECT_EQ(u_close(fa), 0);                            /* CLOSE 12 */
	U_EXPECT_EQ(u_close(fb), 0);                            /* CLOSE 13 */
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_END), 6000);            /* FSIZE 10 */

	/* the daemon exits while this client waits for its answer */
	U_EXPECT_EQ(u_open(NAME ":quit", O_RDWR), -EIO);        /* OPEN */
	U_EXPECT_EQ(u_waitpid(dpid, &status), dpid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_open(NAME ":ram", O_RDWR), -ENOENT);      /* unregistered */
	U_EXPECT_EQ(u_read(fd, b, 4), -EIO);                    /* files left open */
	U_EXPECT_EQ(u_lseek(fd, 0, SEEK_END), -EIO);
	U_EXPECT_EQ(u_close(fd), 0);

	static const uint32_t expected[] = {
		LOG(SCHEME_OP_OPEN, 0), LOG(SCHEME_OP_WRITE, 10), LOG(SCHEME_OP_READ, 10),
		LOG(SCHEME_OP_FSIZE, 10), LOG(SCHEME_OP_READ, 10), LOG(SCHEME_OP_READ, 10),
		LOG(SCHEME_OP_WRITE, 10), LOG(SCHEME_OP_READ, 10),
		LOG(SCHEME_OP_OPEN, 0), LOG(SCHEME_OP_CLOSE, ID_RO), LOG(SCHEME_OP_OPEN, 0),
		LOG(SCHEME_OP_OPEN, 0), LOG(SCHEME_OP_CLOSE, ID_BOGUS), LOG(SCHEME_OP_READ, 10),
		LOG(SCHEME_OP_WRITE, 10),
		LOG(SCHEME_OP_READ, 10), LOG(SCHEME_OP_OPEN, 0), LOG(SCHEME_OP_CLOSE, 11),
		LOG(SCHEME_OP_OPEN, 0), LOG(SCHEME_OP_OPEN, 0), LOG(SCHEME_OP_CLOSE, 12),
		LOG(SCHEME_OP_CLOSE, 13), LOG(SCHEME_OP_FSIZE, 10), LOG(SCHEME_OP_OPEN, 0),
	};
	U_EXPECT_EQ(sh->nlog, sizeof(expected) / sizeof(expected[0]));
	for (unsigned i = 0; i < sizeof(expected) / sizeof(expected[0]) && i < sh->nlog; i++)
		if (sh->log[i] != expected[i])
			u_printf("    # packet %u: got op %u id %u, expected op %u id %u\n", i,
				 sh->log[i] >> 16, sh->log[i] & 0xffff, expected[i] >> 16,
				 expected[i] & 0xffff);
	U_EXPECT_EQ(memcmp((const void *)sh->log, expected, sizeof(expected)), 0);

	U_EXPECT_EQ(u_free_frames(), free_start);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
