/* Schemes: named resource providers reached by path ("name:rest"). A scheme is either built into
 * the kernel (memory:, scheme/memory.c) or served by a user-space daemon (scheme/user_scheme.c)
 * through a request/response channel: the kernel blocks the client, queues a packet
 * (scheme/scheme_abi.h), the daemon receives it, answers by tag, the client wakes.
 *
 * An open file is a struct scheme_file, shared by the fd-table entries that name it (fork
 * inherits them) and by the grants that map it (grant_file_ref). It is reference counted; the
 * last put closes it in its scheme.
 *
 * Who calls what:
 *   kernel/syscall.c  open/close/read/write/lseek/mmap-of-an-fd through the fd table (kernel/fd.c)
 *   mm/fmap.c         scheme_mmap_prep (blocking, no lock held) and scheme_munmap_notify
 *                     (never blocks) for files of user schemes; scheme_file_get/put for grants
 *   scheme/memory.c   registers memory: with scheme_register_kernel
 *
 * Lock order: scheme locks come after addrspace.lock and before kheap_lock (mm/addrspace.h), so
 * that scheme_munmap_notify and scheme_file_put may be called with an address-space lock held. */
#ifndef SCHEME_SCHEME_H
#define SCHEME_SCHEME_H

#include <stdatomic.h>
#include "kernel/compiler.h"
#include "scheme/scheme_abi.h"

struct addrspace;
struct scheme;
struct scheme_file;

#define SCHEME_NAME_MAX 32

/* What a scheme built into the kernel implements. Any entry may be NULL: the operation is then
 * -EINVAL (-ENODEV for mmap). Called in the client's process context with no lock held; buffers
 * are user addresses of the current address space (use arch_copy_*_user after vm_user_check). */
struct scheme_ops {
	/* Opens PATH (the part after "name:", NUL-terminated) with O_* FLAGS and fills F->id and
	 * F->priv. Returns 0 or -errno. */
	int (*open)(struct scheme *s, const char *path, unsigned flags, struct scheme_file *f);
	long (*read)(struct scheme_file *f, uint64_t offset, uintptr_t ubuf, size_t len);
	long (*write)(struct scheme_file *f, uint64_t offset, uintptr_t ubuf, size_t len);
	long (*fsize)(struct scheme_file *f);
	/* Maps [OFFSET, OFFSET + LEN) of F into AS itself (arguments as for vm_mmap). */
	int (*mmap)(struct scheme_file *f, struct addrspace *as, uintptr_t addr, size_t len,
		    unsigned prot, unsigned flags, uint64_t offset, uintptr_t *out);
	/* The last reference went; may be called with an address-space lock held. */
	void (*close)(struct scheme_file *f);
};

struct scheme_file {
	struct scheme *scheme;        /* holds a reference on the scheme */
	uint64_t id;                  /* the scheme's number for this open file */
	unsigned flags;               /* O_* given to open */
	uint64_t pos;                 /* read/write position (kernel/fd.c) */
	_Atomic uint32_t refcount;    /* fd-table entries + grants mapping it */
	void *priv;                   /* kernel schemes' own; user schemes: the CLOSE notice */
};

/* Registers the kernel scheme NAME (static storage) with OPS. Returns 0, -EEXIST or -ENOMEM. */
int scheme_register_kernel(const char *name, const struct scheme_ops *ops);

/* Opens "name:path" for the current process, honouring its namespace. Returns 0 and a new file
 * (one reference) in *OUT, or -ENOENT (no such scheme, or not in the namespace), -EPERM, the
 * scheme's error, -EIO (the daemon died). Blocks for user schemes. */
int scheme_open(const char *path, unsigned flags, struct scheme_file **out);

long scheme_read(struct scheme_file *f, uint64_t offset, uintptr_t ubuf, size_t len);
long scheme_write(struct scheme_file *f, uint64_t offset, uintptr_t ubuf, size_t len);
long scheme_fsize(struct scheme_file *f);

/* mmap of an open file: the scheme's own mmap (kernel schemes) or vm_mmap_file (user schemes). */
int scheme_mmap(struct scheme_file *f, struct addrspace *as, uintptr_t addr, size_t len,
		unsigned prot, unsigned flags, uint64_t offset, uintptr_t *out);

void scheme_file_get(struct scheme_file *f);
void scheme_file_put(struct scheme_file *f);

/* ---- For mm/fmap.c: files of user schemes ---- */

/* Asks F's daemon to prepare [OFFSET, OFFSET + SIZE) for a mapping with MAP_* FLAGS and waits for
 * the answer: the address in the daemon's address space where those pages are. Stores the
 * daemon's address space (a reference: addrspace_put when done) in *SRC_AS and the address in
 * *SRC_ADDR. No lock may be held (the caller sleeps). Returns 0, the daemon's -errno, -EIO (the
 * daemon is gone or dies before answering), -EDEADLK (the caller is F's daemon itself), or
 * -EINVAL (F is not a user scheme's file). */
int scheme_mmap_prep(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags,
		     struct addrspace **src_as, uintptr_t *src_addr);

/* Sets aside the spare notices of user schemes (scheme/user_scheme.c); once, at boot. */
void user_scheme_init(void);

/* Tells F's daemon that [OFFSET, OFFSET + SIZE), which it prepared, is no longer mapped there
 * once (a munmap packet); does not wait. May be called with an address-space lock held. A
 * notice to a dead daemon is dropped; out of memory it takes a spare from the boot-time pool,
 * and only when none is left is it counted in scheme_notices_lost (tests assert it stays 0). */
void scheme_munmap_notify(struct scheme_file *f, uint64_t offset, size_t size, unsigned flags);
extern _Atomic unsigned long scheme_notices_lost;

/* Returns whether the daemon of a live user scheme that process PID does not serve has notices
 * (CLOSE, MUNMAP) it has not finished handling: queued, or received and the daemon not back in
 * SYS_SCHEME_RECV since (with several receiving threads, any thread's return counts). The
 * daemon may still be changing its memory for them. For proc_settle. No lock may be held. */
bool scheme_notices_pending(long pid);

/* Returns whether F belongs to a user scheme (the mm side then uses scheme_mmap_prep). */
bool scheme_file_is_user(const struct scheme_file *f);

/* Returns whether fork copies F into the child's fd table: every file but a daemon's scheme fd,
 * which stays with the process that created the scheme. */
bool scheme_file_forks(const struct scheme_file *f);

/* ---- For kernel/syscall.c: the daemon's end (scheme/user_scheme.c) ---- */

/* Registers the user scheme NAME[0..LEN) served by the current process, if its namespace allows
 * NAME. Returns 0 and the daemon's end (a file, one reference) in *OUT, or -EINVAL (bad name:
 * empty, longer than SCHEME_NAME_MAX - 1, or containing ':', ',', '/' or NUL), -EPERM (not in the
 * namespace, or process 0), -EEXIST (a live scheme has that name), -ENOMEM. */
int scheme_create_user(const char *name, size_t len, struct scheme_file **out);

/* Waits until a request is queued for the scheme whose daemon end is END, takes the oldest, and
 * copies its packet to user address UPKT. Returns 0, -EBADF (END is not a daemon's end),
 * -EFAULT (bad UPKT: the request stays first in the queue), -EINTR (the caller's process is
 * ending). A request its client withdrew meanwhile (the client's process ended) is skipped. */
int scheme_recv(struct scheme_file *end, uintptr_t upkt);

/* Answers the received request TAG of END's scheme with RESULT and wakes its client. Returns 0,
 * -EBADF (END is not a daemon's end), -EINVAL (no received request has TAG: unknown, 0, or
 * answered already; or RESULT is impossible for the request, which then stays unanswered). */
int scheme_reply(struct scheme_file *end, uint32_t tag, long result);

/* ---- Namespaces (scheme/namespace.c) ----
 * The set of scheme names a process may open or create. NULL stands for every name. A namespace
 * is immutable and shared (reference counted) by the processes that have it. */
struct scheme_ns;

/* Takes / drops a reference (NULL is fine). */
struct scheme_ns *scheme_ns_get(struct scheme_ns *ns);
void scheme_ns_put(struct scheme_ns *ns);

/* Returns whether NS contains NAME[0..LEN). */
bool scheme_ns_allows(const struct scheme_ns *ns, const char *name, size_t len);

/* Builds the intersection of NS with the comma-separated names LIST[0..LEN) (LEN 0: the empty
 * set) in *OUT (a new reference). Returns 0, -EINVAL (an empty or invalid name in the list) or
 * -ENOMEM. */
int scheme_ns_restrict(const struct scheme_ns *ns, const char *list, size_t len,
		       struct scheme_ns **out);

/* Returns whether NAME[0..LEN) can name a scheme (see scheme_create_user). */
bool scheme_name_valid(const char *name, size_t len);

#endif
