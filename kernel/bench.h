/* The benchmark kernel's entry (make bench). */
#ifndef KERNEL_BENCH_H
#define KERNEL_BENCH_H

/* Runs every benchmark and prints "bench: <name> <cycles>" lines. */
void bench_run_all(void);

#endif
