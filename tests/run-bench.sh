#!/usr/bin/env bash
# The command behind `make bench`: boots the benchmark kernel of each arch at each RAM size and
# prints one table of cycles per operation (medians of 5 runs, measured inside the guest: the
# frame allocator and the fault path's steps by the kernel, faults, fork and mmap by the user
# program bench_vm), one row per operation, one column per arch and size; "-" where the RAM was
# too small for that row. Under TCG the cycle counter is emulated: compare rows of one run with
# each other, not with hardware. Usage: tests/run-bench.sh [ARCH...]; BENCH_MEMS="128M 2G"
# overrides the sizes (two sizes show that frame allocation is O(1); 2G is enough for fork with
# 512 MiB populated).
set -uo pipefail
cd "$(dirname "$0")/.."

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 i686 aarch64)
mems=${BENCH_MEMS:-128M 2G}
out=build/bench
mkdir -p "$out"
accel=$([ "${KVM:-0}" = 1 ] && echo KVM || echo TCG)
status=0
start=$SECONDS

declare -A value          # value[name,column]
names=(counter_hz)
columns=()
for arch in "${arches[@]}"; do
	for mem in $mems; do
		log="$out/$arch-$mem.log"
		col="$arch/$mem"
		if ! make -s --no-print-directory ARCH="$arch" MEM="$mem" BENCH=1 image >"$out/build-$arch-$mem.log" 2>&1; then
			echo "$col: build failed (see $out/build-$arch-$mem.log)"; status=1; continue
		fi
		cmd=$(make -s --no-print-directory ARCH="$arch" MEM="$mem" BENCH=1 LOG="$log" print-qemu)
		rm -f "$log"
		t0=$SECONDS
		timeout -k 5 "${BENCH_TIMEOUT:-600}" $cmd </dev/null >/dev/null 2>&1
		echo "$col: $((SECONDS - t0)) s"
		if ! grep -q '^bench: end' "$log"; then
			echo "$col: the benchmark kernel did not finish (see $log)"; status=1; continue
		fi
		columns+=("$col")
		while read -r _ name val rest; do
			case $name in
			end) continue ;;
			begin) val=${val#cycles_hz=}; name=counter_hz ;;
			error) echo "$col: $val $rest (see $log)"; status=1; continue ;;
			esac
			[[ " ${names[*]} " == *" $name "* ]] || names+=("$name")
			value[$name,$col]=$val
		done < <(tr -d '\r' <"$log" | grep '^bench: ')
	done
done

echo "cycles per operation, median of 5 (accelerator: $accel; cycle counter: rdtsc / CNTVCT_EL0;" \
	"counter_hz is its rate)"
printf '%-22s' operation
for c in "${columns[@]}"; do printf ' %14s' "$c"; done
echo
for n in "${names[@]}"; do
	printf '%-22s' "$n"
	for c in "${columns[@]}"; do printf ' %14s' "${value[$n,$c]:--}"; done
	echo
done
echo "make bench: $((SECONDS - start)) s"
exit $status
