/* What scheme/scheme.c (registry, files, dispatch) and scheme/user_scheme.c (the daemon channel)
 * share; not an API for the rest of the kernel.
 *
 * Locking: one spinlock, scheme_lock, protects the registry and every user scheme's queues,
 * request states and death (lock order in mm/addrspace.h: after addrspace.lock, before
 * kheap_lock). Reference counts are atomics. */
#ifndef SCHEME_SCHEME_INTERNAL_H
#define SCHEME_SCHEME_INTERNAL_H

#include "scheme/scheme.h"
#include "kernel/spinlock.h"

struct user_scheme;

struct scheme {
	char name[SCHEME_NAME_MAX];        /* NUL-terminated */
	const struct scheme_ops *ops;      /* kernel schemes; NULL for user schemes */
	struct user_scheme *user;          /* user schemes (scheme/user_scheme.c); else NULL */
	_Atomic uint32_t refcount;         /* the registry's, one per file, the daemon's end */
	bool registered;                   /* scheme_lock */
	struct scheme *next;               /* scheme_lock: the registry list */
};

extern struct spinlock scheme_lock;

/* Returns the registered scheme called NAME[0..LEN) or NULL. */
struct scheme *scheme_lookup_locked(const char *name, size_t len);

/* Adds S (refcount 1: the registry's) to the registry. Returns 0 or -EEXIST. */
int scheme_register_locked(struct scheme *s);

/* Takes S out of the registry; the caller then drops the registry's reference (scheme_put). */
void scheme_unregister_locked(struct scheme *s);

/* Takes / drops a reference on S; the last put frees a user scheme (user_scheme_free). */
void scheme_get(struct scheme *s);
void scheme_put(struct scheme *s);

/* ---- scheme/user_scheme.c ---- */
int user_scheme_open(struct scheme *s, const char *path, size_t path_len, unsigned flags,
		     struct scheme_file *f);
long user_scheme_io(struct scheme_file *f, unsigned op, uint64_t offset, uintptr_t ubuf,
		    size_t len);
long user_scheme_fsize(struct scheme_file *f);
/* Queues the CLOSE notice of F (its last reference went); never blocks. */
void user_scheme_close(struct scheme_file *f);
/* Frees the user-scheme state of S (its last reference went). */
void user_scheme_free(struct scheme *s);

/* Reads and writes of user schemes are cut to this many bytes (a short read or write): the
 * buffer is lent to the daemon page by page, all at once. */
#define SCHEME_IO_MAX (1024 * 1024)

#endif
