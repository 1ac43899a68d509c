/* SYS_EXIT ends threads asleep in a scheme call. A daemon (a forked process serving "exitwake")
 * and three client processes, each checked by the parent exactly:
 *  - W (warm-up): opens, reads 100 bytes (answered), exits 0. The daemon's borrow and its page
 *    tables now exist once, so the frame counts below compare equal states.
 *  - A: a second thread reads 100 bytes into a lent buffer; the daemon receives the READ and
 *    never answers; the first thread then calls SYS_EXIT(7). The parent's waitpid returns 7, the
 *    free frame count is back to what it was before A, the daemon's next packet is A's CLOSE
 *    notice and the lent buffer is gone from the daemon (touching it faults); much later the
 *    daemon answers the READ's tag and gets -EINVAL.
 *  - B: the same, but the daemon receives nothing while B lives, so the READ is still queued at
 *    the exit (the thread announces it is about to read, then the first thread yields 50 times,
 *    as tests/user/scheme_death.c does); B ends with 8, and the daemon's next packet is B's
 *    CLOSE, not the withdrawn READ.
 *  - D: a daemon of its own ("exitwake2") whose second thread waits in scheme_recv while the
 *    first calls SYS_EXIT(9) (after the thread announced it and 50 yields): waitpid returns 9,
 *    the scheme is gone (open gives -ENOENT) and the free frame count is back.
 * At the end the daemon exits with its failure count, the free frame count is back to the start
 * and the checker is clean. Exit status = failed checks. */
#include "tests/user/lib/ulib.h"
#include "kernel/errno.h"

#define PATTERN 0x5a
#define STACK   (4 * U_PAGE)

struct shared {
	volatile int ready;         /* the scheme exists */
	volatile int closes;        /* CLOSE notices the daemon has received */
	volatile int got_read;      /* the daemon holds A's READ */
	volatile int reading;       /* B's thread is about to read */
	volatile int b_go;          /* the daemon may receive again (B has ended) */
	volatile long stale;        /* the daemon's late reply to A's READ */
	volatile int receiving;     /* D's thread is about to wait in scheme_recv */
};

static struct shared *sh;

/* Receives one packet into *PKT and checks its op (and, for a CLOSE, the file id). */
static void expect_packet(long sfd, struct scheme_packet *pkt, unsigned op, uint64_t id)
{
	U_EXPECT_EQ(u_scheme_recv(sfd, pkt), 0);
	U_EXPECT_EQ(pkt->op, op);
	if (op == SCHEME_OP_CLOSE || op == SCHEME_OP_READ)
		U_EXPECT_EQ(pkt->id, id);
}

static __attribute__((noreturn)) void daemon_main(void)
{
	volatile uint8_t pad[3 * U_PAGE];           /* the stack it will ever use, touched now */
	for (size_t i = 0; i < sizeof(pad); i += 64)
		pad[i] = 0;
	uint8_t b;
	uint8_t *probe = u_mmap(NULL, U_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
	U_EXPECT_EQ(u_munmap(probe, U_PAGE), 0);
	U_EXPECT_EQ(u_read_faults(probe, &b), true);    /* a fault upcall once: its state exists */
	long sfd = u_scheme_create("exitwake");
	U_EXPECT_EQ(sfd >= 0, true);
	sh->ready = 1;
	struct scheme_packet pkt;

	/* W */
	expect_packet(sfd, &pkt, SCHEME_OP_OPEN, 0);
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, 5), 0);
	expect_packet(sfd, &pkt, SCHEME_OP_READ, 5);
	((volatile uint8_t *)(uintptr_t)pkt.buf)[0] = 'W';
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, 100), 0);
	expect_packet(sfd, &pkt, SCHEME_OP_CLOSE, 5);
	sh->closes = 1;

	/* A: hold its READ, unanswered */
	expect_packet(sfd, &pkt, SCHEME_OP_OPEN, 0);
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, 6), 0);
	expect_packet(sfd, &pkt, SCHEME_OP_READ, 6);
	U_EXPECT_EQ(pkt.size, 100);
	uint32_t stale_tag = pkt.tag;
	volatile uint8_t *lent = (volatile uint8_t *)(uintptr_t)pkt.buf;
	U_EXPECT_EQ(lent[1], PATTERN);
	sh->got_read = 1;
	expect_packet(sfd, &pkt, SCHEME_OP_CLOSE, 6);   /* A ended: the READ was withdrawn first */
	U_EXPECT_EQ(u_read_faults(lent, &b), true);     /* and its borrow ended */
	sh->closes = 2;

	/* B: receive nothing until it has ended */
	expect_packet(sfd, &pkt, SCHEME_OP_OPEN, 0);
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, 7), 0);
	while (!sh->b_go)
		u_yield();
	expect_packet(sfd, &pkt, SCHEME_OP_CLOSE, 7);   /* not B's withdrawn READ */
	sh->closes = 3;

	/* the parent's last OPEN: answer A's READ now, then the OPEN */
	expect_packet(sfd, &pkt, SCHEME_OP_OPEN, 0);
	sh->stale = u_scheme_reply(sfd, stale_tag, 100);
	U_EXPECT_EQ(u_scheme_reply(sfd, pkt.tag, 8), 0);
	expect_packet(sfd, &pkt, SCHEME_OP_CLOSE, 8);
	u_exit(u_failures());
}

static void wait_closes(int n)
{
	while (sh->closes < n)
		u_yield();
}

static __attribute__((noreturn)) void child_w(void)
{
	uint8_t *buf = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	long fd = u_open("exitwake:w", O_RDWR);
	if (u_mmap_failed(buf) || fd < 0)
		u_exit(90);
	u_exit(u_read(fd, buf, 100) == 100 && buf[0] == 'W' ? 0 : 91);
}

static long client_fd;

static U_THREAD_ENTRY void reader(void *arg)
{
	uint8_t *buf = arg;
	memset(buf, PATTERN, 100);
	sh->reading = 1;
	long r = u_read(client_fd, buf, 100);
	/* not reached: the process ends while the READ waits */
	u_thread_exit(100 + (int)-r);
}

/* A client whose second thread blocks in a READ; the first thread waits until *FLAG is set
 * (and then yields YIELDS times more), then ends the process with STATUS. */
static __attribute__((noreturn)) void child_blocked(const char *path, volatile int *flag,
						     int yields, int status)
{
	uint8_t *buf = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
	void *stack = u_thread_stack(STACK);
	client_fd = u_open(path, O_RDWR);
	if (u_mmap_failed(buf) || !stack || client_fd < 0)
		u_exit(92);
	if (u_thread_create(reader, stack, buf) <= 0)
		u_exit(93);
	while (!*flag)
		u_yield();
	for (int i = 0; i < yields; i++)
		u_yield();
	u_exit(status);
}

static long d_sfd;

static U_THREAD_ENTRY void receiver(void *arg)
{
	(void)arg;
	struct scheme_packet pkt;
	sh->receiving = 1;
	long r = u_scheme_recv(d_sfd, &pkt);
	/* not reached: nobody opens exitwake2, and the process ends while this waits */
	u_thread_exit(100 + (int)-r);
}

static __attribute__((noreturn)) void child_d(void)
{
	void *stack = u_thread_stack(STACK);
	d_sfd = u_scheme_create("exitwake2");
	if (!stack || d_sfd < 0)
		u_exit(94);
	if (u_thread_create(receiver, stack, NULL) <= 0)
		u_exit(95);
	while (!sh->receiving)
		u_yield();
	for (int i = 0; i < 50; i++)
		u_yield();
	u_exit(9);
}

/* Forks a process running FN and checks that it ends with status WANT. */
static void run_child(__attribute__((noreturn)) void (*fn)(void), int want)
{
	long pid = u_fork();
	if (pid == 0)
		fn();
	int status = -1;
	U_EXPECT_EQ(u_waitpid(pid, &status), pid);
	U_EXPECT_EQ(status, want);
}

static __attribute__((noreturn)) void child_a(void)
{
	child_blocked("exitwake:a", &sh->got_read, 0, 7);
}

static __attribute__((noreturn)) void child_b(void)
{
	child_blocked("exitwake:b", &sh->reading, 50, 8);
}

int user_main(void)
{
	sh = u_mmap(NULL, U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	if (u_mmap_failed(sh))
		return 100;
	memset(sh, 0, U_PAGE);
	long free_start = u_free_frames();

	long dpid = u_fork();
	if (dpid == 0)
		daemon_main();
	while (!sh->ready)
		u_yield();

	run_child(child_w, 0);
	wait_closes(1);
	long free0 = u_free_frames();

	run_child(child_a, 7);                          /* waitpid returns: the READ let go */
	wait_closes(2);
	U_EXPECT_EQ(u_free_frames(), free0);

	run_child(child_b, 8);
	sh->b_go = 1;
	wait_closes(3);
	U_EXPECT_EQ(u_free_frames(), free0);

	run_child(child_d, 9);                          /* its receiving thread ended too */
	U_EXPECT_EQ(u_open("exitwake2:x", O_RDWR), -ENOENT);
	U_EXPECT_EQ(u_free_frames(), free0);

	long fd = u_open("exitwake:go", O_RDWR);
	U_EXPECT_EQ(fd >= 0, true);
	U_EXPECT_EQ(sh->stale, -EINVAL);                /* the late answer went nowhere */
	U_EXPECT_EQ(u_close(fd), 0);
	int status = -1;
	U_EXPECT_EQ(u_waitpid(dpid, &status), dpid);
	U_EXPECT_EQ(status, 0);
	U_EXPECT_EQ(u_free_frames(), free_start);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
