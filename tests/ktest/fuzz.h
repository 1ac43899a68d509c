/* The parameters of a user-mode fuzz run (tests/user/fuzz.c), set by the fuzz self-tests
 * (tests/ktest/fuzz_test.c) and read by the fuzzer through SYS_INJECT's INJECT_FUZZ_PARAM. */
#ifndef TESTS_KTEST_FUZZ_H
#define TESTS_KTEST_FUZZ_H

/* Returns bits [SHIFT, SHIFT + 16) of fuzz parameter INDEX (FUZZ_PARAM_*), -EINVAL for an
 * unknown INDEX or a SHIFT above 48. */
long fuzz_param(unsigned long index, unsigned long shift);

#endif
