#!/usr/bin/env python3
"""A sampling profiler for `make bench` boots (a tool for the performance note, not part of make
bench): runs a QEMU command with a monitor socket added, asks the monitor for the registers every
few milliseconds, and charges each sample's program counter to a function (symbols from `nm` of
the given ELF files or System.map files) and to the benchmark phase running at that moment: the
phase is the row after the last "bench: <row> ..." line in the serial log so far (bench_vm.c
prints each row when it is done). Prints, per phase, the functions with the most samples.

Usage: tests/bench/profile.py --log SERIAL_LOG --nm NM --sym FILE [--sym FILE...]
           [--interval-ms 5] [--top 12] [--phases row,row...] -- QEMU COMMAND...
The QEMU command must send the serial port to SERIAL_LOG (-serial file:...). For Linux, boot
with nokaslr so that System.map addresses hold.
"""
import argparse
import bisect
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

PC_RE = re.compile(rb"\b(?:RIP|EIP|PC)=([0-9a-fA-F]+)")


def load_symbols(nm, paths):
    """Sorted (address, name) of the text symbols of every file."""
    syms = []
    for path in paths:
        if path.endswith(".map") or os.path.basename(path).startswith("System.map"):
            lines = open(path).read().splitlines()
        else:
            lines = subprocess.run([nm, "-n", path], capture_output=True, text=True,
                                   check=True).stdout.splitlines()
        for line in lines:
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return syms


def symbolize(syms, addrs, pc):
    i = bisect.bisect_right(addrs, pc) - 1
    return syms[i][1] if i >= 0 else "?%x" % pc


def phase_of(log_path):
    """The benchmark row being measured now: the one after the last row printed."""
    try:
        text = open(log_path, "rb").read().replace(b"\r", b"")
    except OSError:
        return "boot"
    done = re.findall(rb"^bench: (\S+)", text, re.M)
    if not done:
        return "boot"
    last = done[-1].decode()
    return "after " + last


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--sym", action="append", default=[])
    ap.add_argument("--interval-ms", type=float, default=5)
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.qemu[1:] if args.qemu and args.qemu[0] == "--" else args.qemu
    syms = load_symbols(args.nm, args.sym)
    addrs = [a for a, _ in syms]
    sock_path = os.path.join(tempfile.mkdtemp(), "mon.sock")
    cmd = [c for c in cmd]
    if "-monitor" in cmd:
        i = cmd.index("-monitor")
        del cmd[i:i + 2]
    cmd += ["-monitor", "unix:%s,server,nowait" % sock_path]
    if os.path.exists(args.log):
        os.unlink(args.log)
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    for _ in range(200):
        if os.path.exists(sock_path):
            break
        time.sleep(0.05)
    mon = socket.socket(socket.AF_UNIX)
    mon.connect(sock_path)
    mon.settimeout(2)
    buf = b""
    counts = collections.defaultdict(collections.Counter)
    totals = collections.Counter()
    while qemu.poll() is None:
        try:
            mon.sendall(b"info registers\n")
            deadline = time.time() + 1
            buf = b""
            while time.time() < deadline:
                chunk = mon.recv(65536)
                if not chunk:
                    break
                buf += chunk
                if PC_RE.search(buf) and buf.rstrip().endswith(b"(qemu)"):
                    break
        except OSError:
            break
        m = PC_RE.search(buf)
        if m:
            phase = phase_of(args.log)
            name = symbolize(syms, addrs, int(m.group(1), 16))
            counts[phase][name] += 1
            totals[phase] += 1
        time.sleep(args.interval_ms / 1000)
    qemu.wait()
    for phase in sorted(counts, key=lambda p: -totals[p]):
        print("%s: %d samples" % (phase, totals[phase]))
        for name, n in counts[phase].most_common(args.top):
            print("  %5.1f%% %5d  %s" % (100.0 * n / totals[phase], n, name))


if __name__ == "__main__":
    main()
