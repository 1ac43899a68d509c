/* A daemon for the in-kernel test of mmap_prep and munmap notices (tests/ktest/scheme_test.c,
 * where process 0 is the client): serves "preptest" with four shared pages whose first bytes are
 * 0x40 + page, checks each packet it gets against the exact expected sequence, and exits after
 * the last one with the number of failed checks. */
#include "tests/user/lib/ulib.h"
#include "kernel/errno.h"

static void next(long sfd, struct scheme_packet *p, unsigned op, uint64_t offset, uint64_t size,
		 unsigned flags)
{
	U_EXPECT_EQ(u_scheme_recv(sfd, p), 0);
	U_EXPECT_EQ(p->op, op);
	U_EXPECT_EQ(p->offset, offset);
	U_EXPECT_EQ(p->size, size);
	U_EXPECT_EQ(p->flags, flags);
	U_EXPECT_EQ(p->caller_pid, 0);                 /* process 0 */
	if (op != SCHEME_OP_OPEN)
		U_EXPECT_EQ(p->id, 5);
	U_EXPECT_EQ(p->tag != 0, op != SCHEME_OP_MUNMAP && op != SCHEME_OP_CLOSE);
}

int user_main(void)
{
	uint8_t *mem = u_mmap(NULL, 4 * U_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
	if (u_mmap_failed(mem))
		return 100;
	for (unsigned i = 0; i < 4; i++)
		mem[i * U_PAGE] = (uint8_t)(0x40 + i);
	long sfd = u_scheme_create("preptest");
	U_EXPECT_EQ(sfd >= 0, true);
	struct scheme_packet p;

	next(sfd, &p, SCHEME_OP_OPEN, 0, 0, O_RDWR);
	U_EXPECT_EQ(p.path_len, 1);
	U_EXPECT_EQ(p.path[0], 'f');
	U_EXPECT_EQ(u_scheme_reply(sfd, p.tag, 5), 0);

	next(sfd, &p, SCHEME_OP_MMAP_PREP, U_PAGE, 2 * U_PAGE, MAP_SHARED);
	U_EXPECT_EQ(u_scheme_reply(sfd, p.tag, (long)(mem + U_PAGE + 1)), -EINVAL);  /* unaligned */
	U_EXPECT_EQ(u_scheme_reply(sfd, p.tag, 0), -EINVAL);                         /* below the user half */
	U_EXPECT_EQ(u_scheme_reply(sfd, p.tag, (long)(mem + U_PAGE)), 0);

	next(sfd, &p, SCHEME_OP_MMAP_PREP, 3 * U_PAGE, U_PAGE, MAP_SHARED | MAP_LAZY);
	U_EXPECT_EQ(u_scheme_reply(sfd, p.tag, -EACCES), 0);

	next(sfd, &p, SCHEME_OP_MUNMAP, U_PAGE, U_PAGE, 0);
	next(sfd, &p, SCHEME_OP_MUNMAP, 2 * U_PAGE, U_PAGE, 0);
	next(sfd, &p, SCHEME_OP_FSIZE, 0, 0, 0);       /* a blocking request behind the notices */
	U_EXPECT_EQ(u_scheme_reply(sfd, p.tag, 4 * U_PAGE), 0);
	return u_failures();                           /* the scheme dies with this exit */
}
