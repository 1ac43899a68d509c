#!/usr/bin/env bash
# The command behind `make bench`: boots the benchmark kernel of each arch at two RAM sizes and
# prints one table of cycles per operation (medians of 5 runs, measured inside the guest).
# Under TCG the cycle counter is emulated: compare rows of one run with each other, not with
# hardware. Usage: tests/run-bench.sh [ARCH...]; BENCH_MEMS="128M 4G" overrides the sizes.
set -uo pipefail
cd "$(dirname "$0")/.."

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 i686 aarch64)
mems=${BENCH_MEMS:-128M 4G}
out=build/bench
mkdir -p "$out"
accel=$([ "${KVM:-0}" = 1 ] && echo KVM || echo TCG)
status=0

rows=()
names=()
for arch in "${arches[@]}"; do
	for mem in $mems; do
		log="$out/$arch-$mem.log"
		if ! make -s --no-print-directory ARCH="$arch" MEM="$mem" BENCH=1 image >"$out/build-$arch-$mem.log" 2>&1; then
			echo "$arch $mem: build failed (see $out/build-$arch-$mem.log)"; status=1; continue
		fi
		cmd=$(make -s --no-print-directory ARCH="$arch" MEM="$mem" BENCH=1 LOG="$log" print-qemu)
		rm -f "$log"
		timeout -k 5 "${BENCH_TIMEOUT:-600}" $cmd </dev/null >/dev/null 2>&1
		if ! grep -q '^bench: end' "$log"; then
			echo "$arch $mem: the benchmark kernel did not finish (see $log)"; status=1; continue
		fi
		row="$arch $mem"
		while read -r _ name value; do
			case $name in begin|end) continue ;; esac
			[[ " ${names[*]} " == *" $name "* ]] || names+=("$name")
			row+=" $name=$value"
		done < <(tr -d '\r' <"$log" | grep '^bench: ')
		rows+=("$row")
	done
done

echo "cycles per operation, median of 5 (accelerator: $accel; cycle counter: rdtsc / CNTVCT_EL0)"
printf '%-8s %-5s' arch mem
for n in "${names[@]}"; do printf ' %22s' "$n"; done
echo
for row in "${rows[@]}"; do
	read -r arch mem rest <<<"$row"
	printf '%-8s %-5s' "$arch" "$mem"
	for n in "${names[@]}"; do
		v=$(tr ' ' '\n' <<<"$rest" | sed -n "s/^$n=//p")
		printf ' %22s' "${v:--}"
	done
	echo
done
exit $status
