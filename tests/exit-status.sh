#!/usr/bin/env bash
# Turns QEMU's exit status after a kernel run into the kernel's own status and exits with it:
# 0 = every test passed, 1 = some failed, 3 = panic, anything else = QEMU stopped some other way
# (killed, timed out, crashed). Usage: tests/exit-status.sh ARCH QEMU_STATUS
arch=$1 status=$2
case $arch in
  x86_64|i686)
    # isa-debug-exit makes QEMU exit with (value << 1) | 1.
    if [ $((status & 1)) -eq 1 ] && [ "$status" -lt 128 ]; then exit $((status >> 1)); fi
    exit 125 ;;
  aarch64)
    # Semihosting SYS_EXIT hands the kernel's value straight through.
    [ "$status" -lt 124 ] && exit "$status"
    exit 125 ;;
esac
exit 125
