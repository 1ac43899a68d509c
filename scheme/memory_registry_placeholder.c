/* PLACEHOLDER, to be deleted at the merge with the scheme-ipc branch, whose scheme/scheme.c owns
 * the real registry: the smallest scheme_register_kernel that lets memory_scheme_init link and
 * run on this branch, plus a lookup for the test below. Nothing else here is used. */
#include "scheme/scheme.h"
#include "scheme/memory.h"
#include "kernel/errno.h"
#include "kernel/ktest.h"
#include "kernel/string.h"

#define PLACEHOLDER_SCHEMES 4

/* The registry's own struct in scheme/scheme.c replaces this one. */
struct scheme {
	const char *name;
	const struct scheme_ops *ops;
};

static struct scheme placeholder_schemes[PLACEHOLDER_SCHEMES];   /* boot only: no lock */

int scheme_register_kernel(const char *name, const struct scheme_ops *ops)
{
	for (unsigned i = 0; i < PLACEHOLDER_SCHEMES; i++) {
		struct scheme *s = &placeholder_schemes[i];
		if (s->name && strcmp(s->name, name) == 0)
			return -EEXIST;
		if (!s->name) {
			s->name = name;
			s->ops = ops;
			return 0;
		}
	}
	return -ENOMEM;
}

/* Returns the operations registered under NAME, or NULL. */
static const struct scheme_ops *scheme_placeholder_lookup(const char *name)
{
	for (unsigned i = 0; i < PLACEHOLDER_SCHEMES && placeholder_schemes[i].name; i++)
		if (strcmp(placeholder_schemes[i].name, name) == 0)
			return placeholder_schemes[i].ops;
	return NULL;
}

KTEST(memory_scheme_registered_at_boot)
{
	EXPECT_TRUE(scheme_placeholder_lookup("memory") == &memory_scheme_ops);
	EXPECT_EQ(scheme_register_kernel("memory", &memory_scheme_ops), -EEXIST);
	EXPECT_TRUE(scheme_placeholder_lookup("nosuch") == NULL);
}
