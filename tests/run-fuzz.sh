#!/usr/bin/env bash
# The command behind `make fuzz`: for each arch, one at a time, builds an image whose kernel
# command line carries the fuzz run's parameters (fuzz_seed, fuzz_ops, fuzz_inject,
# fuzz_check; read by tests/ktest/fuzz_test.c, which then runs only that fuzz run besides the
# self-tests), boots it in QEMU (TCG) and prints seed, ops, injection, time and result per arch.
# Exits non-zero if any run failed, timed out or panicked. A failure prints the op number; replay
# it with `make fuzz ARCH=<arch> SEED=<seed> OPS=<op + 1> INJECT=<ppm>`.
#
# Usage: tests/run-fuzz.sh [ARCH...]          (default: x86_64 i686 aarch64)
# Environment: SEED (default: random), OPS (default 1000000; 1M, 200K accepted), INJECT (failures
# per million allocations, default 0), CHECK (SYS_CHECK every that many ops, default 1000),
# TRACE=N (print every op from op N - 1 on), MEM (default 256M), SMP (CPUs, default 4), FUZZ_TIMEOUT (seconds per boot, default 7200), KVM=1.
set -uo pipefail
cd "$(dirname "$0")/.."

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 i686 aarch64)
seed=${SEED:-}
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
ops=${OPS:-1000000}
inject=${INJECT:-0}
check=${CHECK:-1000}
mem=${MEM:-256M}
smp=${SMP:-4}
timeout_s=${FUZZ_TIMEOUT:-7200}
out=build/fuzz
mkdir -p "$out"
cmdline="fuzz_seed=$seed fuzz_ops=$ops fuzz_inject=$inject fuzz_check=$check"
[ -z "${TRACE:-}" ] || cmdline="$cmdline fuzz_trace=$TRACE"
bad=0

for arch in "${arches[@]}"; do
	vars=(ARCH="$arch" MEM="$mem" SMP="$smp" KVM="${KVM:-0}" IMAGE_TAG=-fuzz KCMDLINE="$cmdline")
	rm -f "build/$arch/kernel-$mem-smp$smp-fuzz.iso"      # the command line is baked into the image
	if ! make -s --no-print-directory "${vars[@]}" image >"$out/build-$arch.log" 2>&1; then
		echo "$arch: BUILD FAILED (see $out/build-$arch.log)"
		tail -n 20 "$out/build-$arch.log"
		bad=1
		continue
	fi
	log="$out/$arch-$seed.log"
	cmd=$(make -s --no-print-directory "${vars[@]}" LOG="$log" print-qemu)
	rm -f "$log"
	start=$SECONDS
	timeout --foreground -k 5 "$timeout_s" $cmd </dev/null >"$out/$arch.qemu.log" 2>&1
	qstatus=$?
	secs=$((SECONDS - start))
	if [ $qstatus -eq 124 ] || [ $qstatus -eq 137 ]; then kstatus=124
	else tests/exit-status.sh "$arch" $qstatus; kstatus=$?; fi
	line=$(grep -a '^fuzz: seed .* result ' "$log" | tail -n 1 | tr -d '\r')
	summary=$(grep -a '^fuzz: \(PASS\|FAIL\) seed' "$log" | tail -n 1 | tr -d '\r')
	# a fuzz process the kernel killed for anything but out of memory (the fuzzer cannot always
	# see the status of a child it waited for with a bad status pointer)
	bad_kills=$(grep -a 'proc: pid [0-9]* (fuzz) killed' "$log" | grep -avc 'out of memory')
	if [ $kstatus -eq 0 ] && grep -aq 'result PASS$' <<<"$line" && ! grep -aq 'PANIC' "$log" &&
	   [ "$bad_kills" -eq 0 ]; then
		result=PASS
	else
		result=FAIL; bad=1
		[ $kstatus -eq 124 ] && result="FAIL (timeout after ${timeout_s}s)"
	fi
	printf '%-8s seed %s ops %s inject %s ppm: %s, %ss (boot and self-tests included)\n' \
		"$arch" "$seed" "$ops" "$inject" "$result" "$secs"
	[ -z "$line" ] || echo "    $line"
	[ -z "$summary" ] || echo "    $summary"
	if [ "$result" != PASS ]; then
		grep -aE 'fuzz: FAIL|fuzz: replay|PANIC|panic|not ok|check: |\(fuzz\) killed: [^(]*$' "$log" |
			head -n 20 | sed 's/^/    /'
		echo "    log: $log"
	fi
done
exit $bad
