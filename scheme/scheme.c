/* Schemes (contract in scheme/scheme.h): the registry of names, the lifetime of open files, and
 * the dispatch of open/read/write/fsize/mmap to a kernel scheme's ops or to a user scheme's
 * daemon (scheme/user_scheme.c). Also the layout checks of the packet user space shares. */
#include "scheme/scheme_internal.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/proc.h"
#include "kernel/string.h"
#include "mm/kheap.h"
#include "mm/vm.h"

/* The packet is the same on every arch and in user and kernel mode: fixed-size fields, each
 * 64-bit one at an offset that is a multiple of 8 (i686 aligns uint64_t to 4 inside structs). */
_Static_assert(offsetof(struct scheme_packet, tag) == 0, "packet tag");
_Static_assert(offsetof(struct scheme_packet, op) == 4, "packet op");
_Static_assert(offsetof(struct scheme_packet, id) == 8, "packet id");
_Static_assert(offsetof(struct scheme_packet, offset) == 16, "packet offset");
_Static_assert(offsetof(struct scheme_packet, size) == 24, "packet size");
_Static_assert(offsetof(struct scheme_packet, buf) == 32, "packet buf");
_Static_assert(offsetof(struct scheme_packet, flags) == 40, "packet flags");
_Static_assert(offsetof(struct scheme_packet, caller_pid) == 44, "packet caller_pid");
_Static_assert(offsetof(struct scheme_packet, path_len) == 48, "packet path_len");
_Static_assert(offsetof(struct scheme_packet, reserved) == 52, "packet reserved");
_Static_assert(offsetof(struct scheme_packet, path) == 56, "packet path");
_Static_assert(sizeof(struct scheme_packet) == 56 + SCHEME_PATH_MAX, "packet size");

struct spinlock scheme_lock = SPINLOCK_INIT_RANKED("scheme", LOCK_RANK_SCHEME);
static struct scheme *registry;            /* scheme_lock */

bool scheme_name_valid(const char *name, size_t len)
{
	if (len == 0 || len >= SCHEME_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] == ':' || name[i] == ',' || name[i] == '/' || name[i] == '\0')
			return false;
	return true;
}

struct scheme *scheme_lookup_locked(const char *name, size_t len)
{
	spin_assert_held(&scheme_lock);
	for (struct scheme *s = registry; s; s = s->next)
		if (strncmp(s->name, name, len) == 0 && s->name[len] == '\0')
			return s;
	return NULL;
}

int scheme_register_locked(struct scheme *s)
{
	spin_assert_held(&scheme_lock);
	if (scheme_lookup_locked(s->name, strlen(s->name)))
		return -EEXIST;
	s->next = registry;
	registry = s;
	s->registered = true;
	return 0;
}

void scheme_unregister_locked(struct scheme *s)
{
	spin_assert_held(&scheme_lock);
	if (unlikely(!s->registered))
		panic("scheme %s is not registered", s->name);
	for (struct scheme **pp = &registry; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	s->next = NULL;
	s->registered = false;
}

void scheme_get(struct scheme *s)
{
	uint32_t old = atomic_fetch_add_explicit(&s->refcount, 1, memory_order_relaxed);
	if (unlikely(old == 0 || old == UINT32_MAX))
		panic("scheme %s refcount was %u", s->name, (unsigned)old);
}

void scheme_put(struct scheme *s)
{
	uint32_t old = atomic_fetch_sub_explicit(&s->refcount, 1, memory_order_acq_rel);
	if (unlikely(old == 0))
		panic("scheme %s refcount underflow", s->name);
	if (old > 1)
		return;
	if (unlikely(!s->user || s->registered))
		panic("scheme %s (%s) lost its last reference while registered", s->name,
		      s->user ? "user" : "kernel");
	user_scheme_free(s);
	kfree(s);
}

int scheme_register_kernel(const char *name, const struct scheme_ops *ops)
{
	size_t len = strlen(name);
	if (!scheme_name_valid(name, len))
		return -EINVAL;
	struct scheme *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	memcpy(s->name, name, len + 1);
	s->ops = ops;
	atomic_init(&s->refcount, 1);
	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	int err = scheme_register_locked(s);
	spin_unlock_irqrestore(&scheme_lock, irq);
	if (err)
		kfree(s);
	return err;
}

int scheme_open(const char *path, unsigned flags, struct scheme_file **out)
{
	const char *colon = NULL;
	for (const char *c = path; *c; c++) {
		if (*c == ':') {
			colon = c;
			break;
		}
	}
	if (!colon)
		return -EINVAL;
	size_t name_len = (size_t)(colon - path);
	const char *rest = colon + 1;
	size_t rest_len = strlen(rest);
	if (!scheme_name_valid(path, name_len))
		return -ENOENT;
	if (rest_len > SCHEME_PATH_MAX)
		return -ENAMETOOLONG;
	if (!scheme_ns_allows(proc_current()->ns, path, name_len))
		return -ENOENT;

	unsigned long irq = spin_lock_irqsave(&scheme_lock);
	struct scheme *s = scheme_lookup_locked(path, name_len);
	if (s)
		scheme_get(s);
	spin_unlock_irqrestore(&scheme_lock, irq);
	if (!s)
		return -ENOENT;

	struct scheme_file *f = kzalloc(sizeof(*f));
	if (!f) {
		scheme_put(s);
		return -ENOMEM;
	}
	f->scheme = s;
	f->flags = flags;
	atomic_init(&f->refcount, 1);
	int err;
	if (s->user)
		err = user_scheme_open(s, rest, rest_len, flags, f);
	else
		err = s->ops->open ? s->ops->open(s, rest, flags, f) : -EINVAL;
	if (err) {
		kfree(f);
		scheme_put(s);
		return err;
	}
	*out = f;
	return 0;
}

void scheme_file_get(struct scheme_file *f)
{
	uint32_t old = atomic_fetch_add_explicit(&f->refcount, 1, memory_order_relaxed);
	if (unlikely(old == 0 || old == UINT32_MAX))
		panic("scheme file %p refcount was %u", (void *)f, (unsigned)old);
}

void scheme_file_put(struct scheme_file *f)
{
	uint32_t old = atomic_fetch_sub_explicit(&f->refcount, 1, memory_order_acq_rel);
	if (unlikely(old == 0))
		panic("scheme file %p refcount underflow", (void *)f);
	if (old > 1)
		return;
	struct scheme *s = f->scheme;
	if (s->user)
		user_scheme_close(f);
	else if (s->ops->close)
		s->ops->close(f);
	kfree(f);
	scheme_put(s);
}

long scheme_read(struct scheme_file *f, uint64_t offset, uintptr_t ubuf, size_t len)
{
	if (f->scheme->user)
		return user_scheme_io(f, SCHEME_OP_READ, offset, ubuf, len);
	return f->scheme->ops->read ? f->scheme->ops->read(f, offset, ubuf, len) : -EINVAL;
}

long scheme_write(struct scheme_file *f, uint64_t offset, uintptr_t ubuf, size_t len)
{
	if (f->scheme->user)
		return user_scheme_io(f, SCHEME_OP_WRITE, offset, ubuf, len);
	return f->scheme->ops->write ? f->scheme->ops->write(f, offset, ubuf, len) : -EINVAL;
}

long scheme_fsize(struct scheme_file *f)
{
	if (f->scheme->user)
		return user_scheme_fsize(f);
	return f->scheme->ops->fsize ? f->scheme->ops->fsize(f) : -EINVAL;
}

int scheme_mmap(struct scheme_file *f, struct addrspace *as, uintptr_t addr, size_t len,
		unsigned prot, unsigned flags, uint64_t offset, uintptr_t *out)
{
	if (f->scheme->user)
		return vm_mmap_file(as, addr, len, prot, flags, f, offset, out);
	if (!f->scheme->ops->mmap)
		return -ENODEV;
	return f->scheme->ops->mmap(f, as, addr, len, prot, flags, offset, out);
}

bool scheme_file_is_user(const struct scheme_file *f)
{
	return f->scheme->user != NULL;
}
