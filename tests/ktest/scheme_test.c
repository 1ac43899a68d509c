/* Self-tests of schemes: the registry (kernel schemes, names), the namespace parser and its
 * narrowing, opening through the namespace of process 0, and the user-scheme IPC programs
 * (tests/user/scheme_*.c) run as real processes. */
#include "kernel/ktest.h"
#include "tests/ktest/user_program.h"
#include "kernel/errno.h"
#include "kernel/proc.h"
#include "kernel/string.h"
#include "mm/check.h"
#include "mm/frame.h"
#include "mm/kheap.h"
#include "mm/addrspace.h"
#include "mm/vm.h"
#include "scheme/scheme.h"

#define PAGE_TEST 4096u

static unsigned long heap_objects(void)
{
	struct kheap_stats st;
	kheap_get_stats(&st);
	return st.objects;
}

KTEST(scheme_names)
{
	EXPECT_TRUE(scheme_name_valid("memory", 6));
	EXPECT_TRUE(scheme_name_valid("a", 1));
	EXPECT_TRUE(scheme_name_valid("0123456789012345678901234567890", 31));
	EXPECT_FALSE(scheme_name_valid("01234567890123456789012345678901", 32));
	EXPECT_FALSE(scheme_name_valid("", 0));
	EXPECT_FALSE(scheme_name_valid("a:b", 3));
	EXPECT_FALSE(scheme_name_valid("a,b", 3));
	EXPECT_FALSE(scheme_name_valid("a/b", 3));
	EXPECT_FALSE(scheme_name_valid("a\0b", 3));
}

KTEST(scheme_namespace_restrict_narrows_only)
{
	unsigned long objects = heap_objects();
	EXPECT_TRUE(scheme_ns_allows(NULL, "anything", 8));
	struct scheme_ns *a, *b, *c, *e;
	ASSERT_EQ(scheme_ns_restrict(NULL, "memory,file,memory,disk", 23, &a), 0);
	EXPECT_TRUE(scheme_ns_allows(a, "memory", 6));
	EXPECT_TRUE(scheme_ns_allows(a, "file", 4));
	EXPECT_TRUE(scheme_ns_allows(a, "disk", 4));
	EXPECT_FALSE(scheme_ns_allows(a, "mem", 3));           /* whole names only */
	EXPECT_FALSE(scheme_ns_allows(a, "memoryx", 7));
	EXPECT_TRUE(scheme_ns_allows(a, "filexyz", 4));        /* LEN counts, not the NUL */
	ASSERT_EQ(scheme_ns_restrict(a, "file,net", 8, &b), 0);
	EXPECT_TRUE(scheme_ns_allows(b, "file", 4));
	EXPECT_FALSE(scheme_ns_allows(b, "net", 3));           /* not in A: never widens */
	EXPECT_FALSE(scheme_ns_allows(b, "memory", 6));
	ASSERT_EQ(scheme_ns_restrict(b, "", 0, &e), 0);         /* the empty namespace */
	EXPECT_FALSE(scheme_ns_allows(e, "file", 4));
	EXPECT_EQ(scheme_ns_restrict(a, "file,", 5, &c), -EINVAL);
	EXPECT_EQ(scheme_ns_restrict(a, ",file", 5, &c), -EINVAL);
	EXPECT_EQ(scheme_ns_restrict(a, "fi:le", 5, &c), -EINVAL);
	EXPECT_EQ(scheme_ns_restrict(a, "0123456789012345678901234567890123", 34, &c), -EINVAL);
	EXPECT_TRUE(scheme_ns_get(b) == b);
	scheme_ns_put(b);
	scheme_ns_put(a);
	scheme_ns_put(b);
	scheme_ns_put(e);
	scheme_ns_put(NULL);
	EXPECT_EQ(heap_objects(), objects);
}

/* A kernel scheme for the registry test: open remembers the path, read gives nothing. */
static char kt_last_path[16];
static unsigned kt_closes;

static int kt_open(struct scheme *s, const char *path, unsigned flags, struct scheme_file *f)
{
	(void)s;
	if (strcmp(path, "missing") == 0)
		return -ENOENT;
	strlcpy(kt_last_path, path, sizeof(kt_last_path));
	f->id = 42;
	f->priv = (void *)(uintptr_t)flags;
	return 0;
}

static long kt_fsize(struct scheme_file *f)
{
	return (long)f->id;
}

static void kt_close(struct scheme_file *f)
{
	(void)f;
	kt_closes++;
}

static const struct scheme_ops kt_ops = { .open = kt_open, .fsize = kt_fsize, .close = kt_close };

KTEST(scheme_registry_open_dispatch_close)
{
	int err = scheme_register_kernel("ktestscheme", &kt_ops);
	ASSERT_TRUE(err == 0 || err == -EEXIST);                 /* once per boot */
	EXPECT_EQ(scheme_register_kernel("ktestscheme", &kt_ops), -EEXIST);
	EXPECT_EQ(scheme_register_kernel("bad:name", &kt_ops), -EINVAL);
	unsigned long objects = heap_objects();
	struct scheme_file *f = NULL;
	EXPECT_EQ(scheme_open("nosuchscheme:x", O_RDONLY, &f), -ENOENT);
	EXPECT_EQ(scheme_open("ktestscheme", O_RDONLY, &f), -EINVAL);     /* no ':' */
	EXPECT_EQ(scheme_open(":x", O_RDONLY, &f), -ENOENT);
	EXPECT_EQ(scheme_open("ktestscheme:missing", O_RDONLY, &f), -ENOENT);
	ASSERT_EQ(scheme_open("ktestscheme:a/b:c", O_RDWR, &f), 0);
	EXPECT_STREQ(kt_last_path, "a/b:c");
	EXPECT_EQ(f->id, 42);
	EXPECT_EQ((uintptr_t)f->priv, O_RDWR);
	EXPECT_FALSE(scheme_file_is_user(f));
	EXPECT_TRUE(scheme_file_forks(f));
	EXPECT_EQ(scheme_fsize(f), 42);
	EXPECT_EQ(scheme_read(f, 0, 0, 0), -EINVAL);             /* no read op */
	EXPECT_EQ(scheme_mmap(f, NULL, 0, 4096, 0, 0, 0, NULL), -ENODEV);
	unsigned closes = kt_closes;
	scheme_file_get(f);
	scheme_file_put(f);
	EXPECT_EQ(kt_closes, closes);
	scheme_file_put(f);
	EXPECT_EQ(kt_closes, closes + 1);
	EXPECT_EQ(heap_objects(), objects);

	/* process 0's namespace is narrowed and given back */
	struct proc *p = proc_current();
	struct scheme_ns *saved = p->ns, *ns;
	ASSERT_EQ(scheme_ns_restrict(saved, "other", 5, &ns), 0);
	p->ns = ns;
	EXPECT_EQ(scheme_open("ktestscheme:x", O_RDONLY, &f), -ENOENT);
	p->ns = saved;
	scheme_ns_put(ns);
	EXPECT_EQ(heap_objects(), objects);
}

KTEST(user_scheme_ipc) { ktest_run_user_program("scheme_ipc", 0); }
KTEST(user_scheme_death) { ktest_run_user_program("scheme_death", 0); }

/* Process 0 as the client of a user scheme (the way mm/fmap.c calls it): mmap_prep answers with
 * the daemon's space and address, errors pass through, munmap notices arrive in order before a
 * later blocking request, and after the daemon's exit mmap_prep is -EIO and notices are dropped. */
KTEST(scheme_mmap_prep_and_munmap_notices)
{
	uint64_t free_before = frame_count_free();
	unsigned long lost = scheme_notices_lost;
	int pid = proc_spawn("scheme_prep");
	ASSERT_GT(pid, 0);
	struct scheme_file *f = NULL;
	int err = -ENOENT;
	for (int i = 0; i < 10000 && err == -ENOENT; i++) {
		sched_yield();                           /* let the daemon create its scheme */
		err = scheme_open("preptest:f", O_RDWR, &f);
	}
	ASSERT_EQ(err, 0);
	EXPECT_TRUE(scheme_file_is_user(f));
	EXPECT_EQ(f->id, 5);
	struct addrspace *das = NULL;
	uintptr_t addr = 0;
	ASSERT_EQ(scheme_mmap_prep(f, PAGE_TEST, 2 * PAGE_TEST, MAP_SHARED, &das, &addr), 0);
	ASSERT_TRUE(das != NULL);
	uint8_t b0 = 0, b1 = 0;
	EXPECT_EQ(vm_space_read(das, addr, &b0, 1), 0);
	EXPECT_EQ(vm_space_read(das, addr + PAGE_TEST, &b1, 1), 0);
	EXPECT_EQ(b0, 0x41);
	EXPECT_EQ(b1, 0x42);
	addrspace_put(das);
	EXPECT_EQ(scheme_mmap_prep(f, 3 * PAGE_TEST, PAGE_TEST, MAP_SHARED | MAP_LAZY, &das, &addr),
		  -EACCES);
	scheme_munmap_notify(f, PAGE_TEST, PAGE_TEST, 0);
	scheme_munmap_notify(f, 2 * PAGE_TEST, PAGE_TEST, 0);
	EXPECT_EQ(scheme_fsize(f), 4 * PAGE_TEST);
	int status = -1;
	EXPECT_EQ(proc_wait(pid, &status), pid);
	EXPECT_EQ(status, 0);
	/* the daemon is gone; the file stays valid */
	EXPECT_EQ(scheme_mmap_prep(f, 0, PAGE_TEST, MAP_SHARED, &das, &addr), -EIO);
	EXPECT_EQ(scheme_fsize(f), -EIO);
	scheme_munmap_notify(f, 0, PAGE_TEST, 0);      /* dropped */
	EXPECT_EQ(scheme_open("preptest:f", O_RDWR, &f), -ENOENT);
	scheme_file_put(f);                            /* its CLOSE is dropped too */
	EXPECT_EQ(scheme_notices_lost, lost);
	EXPECT_EQ(frame_count_free(), free_before);
	EXPECT_EQ(vm_check_all(), 0);
}
