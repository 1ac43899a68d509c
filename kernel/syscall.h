/* The syscall layer: decodes a user syscall frame and calls the kernel function behind it. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

#include "kernel/arch.h"
#include "kernel/syscall_numbers.h"

/* Runs the syscall described by TF (a user frame) and stores its result in TF. */
void syscall_dispatch(struct trap_frame *tf);

#endif
