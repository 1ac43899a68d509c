/* The user-mode fuzzer's shared parts (tests/user/fuzz.c is the program): the layout constants,
 * the model of the mappings and page contents, the argument generators and fork_and_wait, in
 * tests/user/fuzz/model.c; the memory ops in mem_ops.c; the scheme ops and their model in
 * files.c, file_maps.c and file_access.c. One process runs ops at a time; the model is that
 * process's own. */
#ifndef TESTS_USER_FUZZ_FUZZ_H
#define TESTS_USER_FUZZ_FUZZ_H

#include "tests/user/lib/ulib.h"
#include "tests/user/testfs.h"

#if defined(__x86_64__)
#define USER_TOP    0x7ffffffff000ul
#define KERNEL_ADDR 0xffffffff80100000ul
#elif defined(__i386__)
#define USER_TOP    0xc0000000ul
#define KERNEL_ADDR 0xc0100000ul
#else
#define USER_TOP    (1ul << 48)
#define KERNEL_ADDR 0xffffffff80100000ul
#endif
#define USER_BASE   0x1000ul
#define PAGE        4096ul
#define ARENA_BASE  0x10000000ul
#define ARENA_PAGES 64
#define STACK_TOP   0x7ff00000ul       /* kernel/proc.c: the user stack ends here */
#define MAX_REGIONS 96
#define MAX_PRIV    768
#define MAX_SHARED  2048
#define MAX_DEPTH   3
#define OFF_DEBUG   8
#define OFF_STATUS  32
#define OFF_HZ      40
#define OFF_CODE    48
#define OFF_SAMPLE  64
#define SAMPLES     16
#define KILLED_OOM  137                /* kernel/proc.h: PROC_KILLED_OOM */
/* mmap flags the kernel knows (mm/mmap.c); MAP_LAZY and MAP_PHYS_CONTIGUOUS are never drawn for
 * anonymous memory: the scheme ops (tests/user/fuzz/files.c) draw them for files and memory:. */
#define MAP_KNOWN   (MAP_TYPE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE | MAP_POPULATE | MAP_FIXED_NOREPLACE)
#define MAP_NEVER   (MAP_LAZY | MAP_PHYS_CONTIGUOUS)

/* The scheme part (files.c): testfs files "f0".."f3" of at most FILE_PAGES pages each (writes
 * that would go further are not issued), open file descriptions, private file page copies. */
#define NFILES      4
#define FILE_PAGES  8
#define FILE_MAX    (FILE_PAGES * PAGE)
#define NDESC       48
#define MAX_FDS     32                 /* kernel/proc.h: PROC_FD_MAX */
#define MAX_COPIES  12
#define IO_MAX      (1ul << 20)        /* scheme/scheme.h: SCHEME_IO_MAX */
#define WINDOW_MAX  (4096ul * PAGE)    /* testfs: TESTFS_WINDOW_PAGES pages */

/* R_FSHARED / R_FPRIVATE: MAP_SHARED / MAP_PRIVATE mappings of a testfs file. */
enum { R_PRIVATE, R_SHARED, R_RESERVED, R_FSHARED, R_FPRIVATE };
enum { A_READ, A_WRITE, A_EXEC };
/* A mapping. File regions: FILE, the description DESC, the file offset FOFF of START, LAZY, and
 * for eager ones LIMIT, the file pages the daemon had at mmap (pages past it are holes). */
struct region {
	uintptr_t start, end;
	uint8_t prot, kind, maxprot, file, desc, lazy;
	uint32_t obj, limit;
	uint64_t foff;
};
/* What the daemon holds of a file: its size, the pages of its window (max size since creation
 * or truncation, in pages) and their bytes (beyond the size too: shared mappings write there). */
struct mfile { uint32_t size, pages; uint8_t data[FILE_MAX]; };
/* An open file description (shared by the fds fork copies): the file, O_ACCMODE, position. */
struct mdesc { uint8_t file, acc; uint64_t pos; };
struct pstamp { uintptr_t va; uint32_t stamp; };
struct sstamp { uint32_t obj, stamp; uintptr_t va; };

struct mailbox {
	volatile unsigned long op;            /* the op the running process is at */
	volatile int exit_valid, exit_status; /* set by a process that exits on its own */
	volatile long exit_pid;               /* ... and its pid */
	volatile int wait_status;             /* a waitpid status target that cannot fault */
	unsigned long forks, kills, enomem, efault_injected, faults, checks, injected, injected_kmalloc, skipped;
	unsigned long mapped, unmapped, protected, written, verified, executed;   /* successes */
	unsigned long opens, closes, reads, writes, seeks, fmaps, fverified, fwritten, mem_maps;
	unsigned long daemon_checks;
	uint64_t ram_phys;                    /* a RAM frame (memory:physical must refuse it) */
	struct mfile files[NFILES];
	struct mdesc descs[NDESC];
	uint32_t next_obj, nshared;
	struct sstamp shared[MAX_SHARED];
};
#define MAILBOX_BYTES ((sizeof(struct mailbox) + PAGE - 1) & ~(PAGE - 1))

/* The model, per process (in private memory: fork copies it exactly). */
extern struct region regions[MAX_REGIONS];   /* sorted, disjoint: every mapping of the process */
extern unsigned nregions;
extern struct pstamp priv[MAX_PRIV];         /* stamps of written private pages */
extern unsigned npriv;
extern struct mailbox *mb;                   /* shared by every fuzz process */
extern uint64_t rng;                         /* the generator, seeded per op */

/* The generator (splitmix64) and a draw in [0, N). */
uint64_t rnd(void);
unsigned long below(unsigned long n);

/* The region containing VA, or -1; whether region R (-1: none) allows ACCESS (A_*). */
int region_at(uintptr_t va);
bool allows(int r, int access);
/* Whether [ADDR, ADDR + LEN) lies in the user half without wrapping. */
bool user_range(uintptr_t addr, size_t len);
/* Whether every byte of [ADDR, ADDR + LEN) is mapped allowing ACCESS (vm_user_check). */
bool range_allows(uintptr_t addr, size_t len, int access);
/* Whether [S, E) overlaps a region of KIND (-1: any); whether it has no hole. */
bool overlaps(uintptr_t s, uintptr_t e, int kind);
bool covered(uintptr_t s, uintptr_t e);
/* munmap, mmap (after model_remove) and mprotect of [S, E) in the model. */
void model_remove(uintptr_t s, uintptr_t e);
int model_insert(uintptr_t s, uintptr_t e, unsigned prot, int kind, uint32_t obj);
/* mprotect's answer for [S, E) from the model: 0, -ENOMEM (a hole) or -EACCES (beyond a
 * mapping's maximum protection), whichever comes first in address order. */
long protect_check(uintptr_t s, uintptr_t e, unsigned prot);
/* Whether region R maps a file. */
bool is_file_region(int r);
void model_protect(uintptr_t s, uintptr_t e, unsigned prot);
/* The stamp slot of page VA of region R (NULL: none and not CREATE, or the table is full), the
 * stamp itself (0: never written), and the clean-up of unmapped shared objects' stamps. */
uint32_t *stamp_slot(int r, uintptr_t va, bool create);
uint32_t stamp_of(int r, uintptr_t va);
void shared_gc(void);
/* Where the kernel places SIZE bytes without MAP_FIXED; false if nowhere. */
bool find_free(uintptr_t hint, size_t size, uintptr_t *out);

/* Generators: a page of a fuzz region, an address, a length, PROT and MAP_ bits, a pointer for
 * a syscall writing SIZE bytes (at OFF of a fuzz page when sane), hostile as often as sane. */
uintptr_t random_region_page(bool writable_only);
uintptr_t gen_addr(void);
size_t gen_len(void);
unsigned gen_prot(void);
unsigned gen_flags(void);
uintptr_t gen_out_ptr(size_t size, size_t off);

/* The scheme part's private memory, too large for the .bss room a program gets (kernel/proc.c):
 * mapped by the root (files_init), a reserved region of the model, copied by fork like the rest. */
struct pcopy { uintptr_t va; uint8_t data[PAGE]; };
struct fpriv {
	uint8_t scratch[3 * PAGE];            /* sane read/write buffers */
	uint8_t pagebuf[PAGE];                /* a file page read back */
	struct pcopy copies[MAX_COPIES];      /* written private file pages */
	struct testfs_stats stats;            /* the daemon's snapshot (files_check_daemon) */
};
extern struct fpriv *fp;
extern unsigned ncopies;
/* The descriptions our fds / our file mappings hold (bit masks), the lowest free fd, an fd to
 * use (mostly an open one, else closed, never opened or out of range), FD's description (-1:
 * not open), and whether ns_restrict took memory: away. */
uint64_t fd_mask(void);
uint64_t map_mask(void);
unsigned lowest_fd(void);
long pick_fd(void);
int desc_of(long fd);
extern bool no_memory;
/* The scheme mmap ops (file_maps.c): mmap of a testfs fd; open, mmap and close of memory:zeroed
 * or (PHYSICAL) memory:physical@wb of RAM. */
void files_op_fmap(void);
void files_op_memory(bool physical);

/* The scheme ops (files.c): their private memory (the root maps it), the fuzz op (one draw), an access to a page of file region R, the
 * model's update when a process forks (in the child) and when [S, E) is unmapped. */
int files_init(void);
void files_op(void);
void files_access(int kind, uintptr_t page, int r);
void files_forked(void);
void files_forget(uintptr_t s, uintptr_t e);
/* Compares the daemon's files (testfs:.stats: which exist, their open ids, sizes and pages) with
 * the model; only in the first worker, which alone holds files then. */
void files_check_daemon(void);
/* Shared with fuzz.c: checking a result, failing, tracing. */
extern unsigned long cur_op, trace_from;
extern int depth;
bool check_result(const char *what, long want, long got, bool efault_ok);
void fail(const char *what, unsigned long long want, unsigned long long got);
#define TRACE(...) do { if (trace_from && cur_op + 1 >= trace_from) u_printf(__VA_ARGS__); } while (0)

/* The memory ops (mem_ops.c): a read, write or execution (A_*) of a drawn page, mmap of
 * anonymous memory, munmap or mprotect (PROTECT) of a drawn range; and a read of PAGE under
 * u_try that checks nothing (the root's first one registers the fault upcall). */
void mem_op_access(int kind);
void mem_op_mmap(void);
void mem_op_unmap_protect(bool protect);
void mem_probe(uintptr_t page);

/* fork, then at once in the parent waitpid(ANY ? -1 : child, STATUS) without a store to memory
 * in between. Returns fork's result (0 in the child) and waitpid's in *WAITED. */
long fork_and_wait(uintptr_t status, long any, long *waited);

#endif
