/* The one way the self-tests run a user program of tests/user/ as a real process and check that
 * it left nothing behind (tests/ktest/user_program.c). */
#ifndef TESTS_KTEST_USER_PROGRAM_H
#define TESTS_KTEST_USER_PROGRAM_H

/* Spawns program NAME, waits for it and expects exit status EXPECTED; then every process and
 * frame it made is gone, no scheme notice was lost and the mm invariant checker is clean. Call
 * from a KTEST only (failures are the current test's). */
void ktest_run_user_program(const char *name, int expected);

#endif
