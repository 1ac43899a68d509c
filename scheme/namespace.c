/* Scheme namespaces (contract in scheme/scheme.h): the immutable, shared set of scheme names a
 * process may open or create. NULL is the namespace of every name (what process 0 and every
 * process that never narrowed its namespace has); SYS_NS_RESTRICT replaces a process's
 * namespace by its intersection with a list, so a namespace can only ever shrink. */
#include "scheme/scheme.h"
#include "kernel/errno.h"
#include "kernel/panic.h"
#include "kernel/string.h"
#include "mm/kheap.h"

struct scheme_ns {
	_Atomic uint32_t refcount;
	unsigned count;
	char names[][SCHEME_NAME_MAX];     /* NUL-terminated, no duplicates */
};

struct scheme_ns *scheme_ns_get(struct scheme_ns *ns)
{
	if (ns) {
		uint32_t old = atomic_fetch_add_explicit(&ns->refcount, 1, memory_order_relaxed);
		if (unlikely(old == 0 || old == UINT32_MAX))
			panic("namespace %p refcount was %u", (void *)ns, (unsigned)old);
	}
	return ns;
}

void scheme_ns_put(struct scheme_ns *ns)
{
	if (!ns)
		return;
	uint32_t old = atomic_fetch_sub_explicit(&ns->refcount, 1, memory_order_acq_rel);
	if (unlikely(old == 0))
		panic("namespace %p refcount underflow", (void *)ns);
	if (old == 1)
		kfree(ns);
}

/* Returns whether the COUNT names of NS's array contain NAME[0..LEN). */
static bool names_contain(const struct scheme_ns *ns, unsigned count, const char *name,
			  size_t len)
{
	for (unsigned i = 0; i < count; i++)
		if (strncmp(ns->names[i], name, len) == 0 && ns->names[i][len] == '\0')
			return true;
	return false;
}

bool scheme_ns_allows(const struct scheme_ns *ns, const char *name, size_t len)
{
	return !ns || names_contain(ns, ns->count, name, len);
}

int scheme_ns_restrict(const struct scheme_ns *ns, const char *list, size_t len,
		       struct scheme_ns **out)
{
	/* first pass: validate, and count the names (an upper bound of the result) */
	unsigned names = 0;
	for (size_t start = 0; len && start <= len;) {
		size_t end = start;
		while (end < len && list[end] != ',')
			end++;
		if (!scheme_name_valid(list + start, end - start))
			return -EINVAL;
		names++;
		start = end + 1;
	}
	struct scheme_ns *n = kzalloc(sizeof(*n) + (names ? names : 1) * SCHEME_NAME_MAX);
	if (!n)
		return -ENOMEM;
	atomic_init(&n->refcount, 1);
	for (size_t start = 0; len && start <= len;) {
		size_t end = start;
		while (end < len && list[end] != ',')
			end++;
		const char *name = list + start;
		size_t nlen = end - start;
		if (scheme_ns_allows(ns, name, nlen) && !names_contain(n, n->count, name, nlen)) {
			memcpy(n->names[n->count], name, nlen);
			n->names[n->count][nlen] = '\0';
			n->count++;
		}
		start = end + 1;
	}
	*out = n;
	return 0;
}
