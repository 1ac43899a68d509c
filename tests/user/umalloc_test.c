/* The user heap (tests/user/lib/umalloc.c): blocks of every size class and large ones are
 * 16-byte aligned, do not overlap (each is filled with its own byte and checked after all are
 * allocated), freed small blocks are reused by the next allocation of their class, large blocks
 * give their frames back on free, ucalloc returns zeroes, the live count is exact, and a size of
 * 0 or an impossible size gives NULL. */
#include "tests/user/lib/ulib.h"
#include "tests/user/lib/umalloc.h"

#define N 200

static uint8_t *blocks[N];
static size_t sizes[N];

int user_main(void)
{
	U_EXPECT_EQ((uintptr_t)umalloc(0), 0);
	U_EXPECT_EQ((uintptr_t)umalloc((size_t)-1), 0);
	U_EXPECT_EQ(umalloc_live(), 0);
	for (unsigned i = 0; i < N; i++) {
		sizes[i] = 1 + (i * 37) % 3000 + (i % 10 == 0 ? 20000 : 0);
		blocks[i] = umalloc(sizes[i]);
		U_EXPECT_NE((uintptr_t)blocks[i], 0);
		U_EXPECT_EQ((uintptr_t)blocks[i] % 16, 0);
		memset(blocks[i], (int)(i & 0xff), sizes[i]);
	}
	U_EXPECT_EQ(umalloc_live(), N);
	for (unsigned i = 0; i < N; i++) {
		unsigned bad = 0;
		for (size_t j = 0; j < sizes[i]; j++)
			bad += blocks[i][j] != (uint8_t)i;
		U_EXPECT_EQ(bad, 0);
	}
	/* a freed small block is the next one of its class */
	uint8_t *p = blocks[1];                  /* 38 bytes: the 64-byte class */
	ufree(p);
	U_EXPECT_EQ((uintptr_t)umalloc(40), (uintptr_t)p);
	ufree(p);
	/* a large block's frames go back on free */
	uint8_t *big = umalloc(64 * 1024);
	U_EXPECT_NE((uintptr_t)big, 0);
	memset(big, 1, 64 * 1024);
	long before = u_free_frames();
	ufree(big);
	U_EXPECT_EQ(u_free_frames(), before + 17);   /* 64 KiB + the header's page */
	uint8_t *z = ucalloc(5000);
	unsigned nonzero = 0;
	for (unsigned j = 0; j < 5000; j++)
		nonzero += z[j] != 0;
	U_EXPECT_EQ(nonzero, 0);
	ufree(z);
	for (unsigned i = 0; i < N; i++)
		if (i != 1)
			ufree(blocks[i]);
	U_EXPECT_EQ(umalloc_live(), 0);
	U_EXPECT_EQ(u_check(), 0);
	return u_failures();
}
