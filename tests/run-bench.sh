#!/usr/bin/env bash
# The command behind `make bench`: for each arch and RAM size, boots our benchmark kernel and
# then Debian's own Linux kernel (with the same benchmark program, tests/user/bench_vm.c, built
# for Linux as the only process of an initramfs) in the same QEMU configuration, and prints one
# table per arch: operation, our cycles, Linux's cycles, ours/Linux, for each RAM size. Every
# value is the median of 5 runs, measured inside the guest with the cycle counter (rdtsc /
# CNTVCT_EL0). Rows measured inside our kernel only (frame allocator, the fault path's steps)
# have no Linux value. Then the frame metadata: our PageInfo (from our boot log) next to Linux's
# struct page for the same RAM. Under TCG the cycle counter is emulated: the ratio of the two
# kernels in one run is the figure that counts, not the absolute numbers.
# BENCH_ICOUNT=1 runs both kernels under QEMU's -icount shift=0 instead: the virtual clock, and
# with it the cycle counter, then advances one nanosecond per guest instruction, so the values are
# instruction counts (x86: 1 tick = 1 instruction; aarch64, 62.5 MHz: 1 tick = 16 instructions)
# that do not depend on how much CPU the host lends QEMU; without it the counter follows host time
# and a loaded host inflates whatever ran while it was loaded.
# Then, per arch and size, a second boot of each kernel with 4 CPUs run one at a time by QEMU
# (-smp 4 -accel tcg,thread=single; with BENCH_ICOUNT=1 also -icount) for what needs several
# CPUs: the shootdown row with the space live on 4 CPUs (ours) and first-touch faults from 1, 2
# and 4 threads (tests/user/bench_threads.c; rows threads_*): there every value is the work of
# all CPUs together, as docs/performance.md explains. BENCH_THREADS=0 skips that boot,
# BENCH_SMP1=0 the 1-CPU ones.
# Usage: tests/run-bench.sh [ARCH...]; BENCH_MEMS="128M 2G" overrides the sizes (default 2G,
# which fork with 512 MiB populated needs); BENCH_LINUX=0 skips Linux. Logs: build/bench/
# (<arch>-<mem>-smp4.log and linux-<arch>-<mem>-smp4.log for the 4-CPU boots).
set -uo pipefail
cd "$(dirname "$0")/.."

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 i686 aarch64)
mems=${BENCH_MEMS:-2G}
with_linux=${BENCH_LINUX:-1}
with_threads=${BENCH_THREADS:-1}
with_smp1=${BENCH_SMP1:-1}
out=build/bench
mkdir -p "$out"
accel=$([ "${KVM:-0}" = 1 ] && echo KVM || echo TCG)
icount=
if [ "${BENCH_ICOUNT:-0}" = 1 ] && [ "${KVM:-0}" != 1 ]; then   # icount is a TCG mode
	icount=" -icount shift=0,sleep=off"
	accel="$accel with -icount shift=0 (counter = guest instructions, see above)"
fi
status=0
start=$SECONDS

declare -A value          # value[name,arch/mem,side]: side is ours or linux
declare -A info           # info[key,arch/mem]: pageinfo, frames, overhead_kib, linux_pkg, sizes
names=(counter_hz)

# Reads the "bench: <name> <value>" lines of LOG into value[...,COL,SIDE]; with a 4th argument
# (the 4-CPU boot) only rows the 1-CPU boot did not set (its counter_hz and shootdown_*_1cpu stay).
parse_log() {
	local log=$1 col=$2 side=$3 only_new=${4:-} name val rest
	while read -r _ name val rest; do
		case $name in
		end) continue ;;
		begin) val=${val#cycles_hz=}; name=counter_hz ;;
		error) echo "$col $side: $val $rest (see $log)"; status=1; continue ;;
		esac
		if [ -n "$only_new" ]; then
			[ -z "${value[$name,$col,$side]:-}" ] || continue
		fi
		[[ " ${names[*]} " == *" $name "* ]] || names+=("$name")
		value[$name,$col,$side]=$val
	done < <(tr -d '\r' <"$log" | grep -a '^bench: ')
	[ -n "$only_new" ] && return
	info[sizes_$side,$col]=$(tr -d '\r' <"$log" | grep -a -o 'faults over [0-9]* MiB, CoW over [0-9]* MiB' | head -n 1)
}

# Boots one kernel with the QEMU command CMD (evaluated: it holds a quoted -append), serial to
# LOG; returns 0 when the log ends with "bench: end".
boot() {
	local col=$1 side=$2 log=$3 cmd=$4 t0=$SECONDS
	rm -f "$log"
	eval "timeout -k 5 ${BENCH_TIMEOUT:-600} $cmd$icount" </dev/null >/dev/null 2>&1
	echo "$col $side: $((SECONDS - t0)) s"
	if ! tr -d '\r' <"$log" 2>/dev/null | grep -aq '^bench: end'; then
		echo "$col $side: the benchmark did not finish (see $log)"; status=1; return 1
	fi
}

for arch in "${arches[@]}"; do
	for mem in $mems; do
		[ "$with_smp1" = 1 ] || continue
		col="$arch/$mem"
		# One vCPU on both sides, as the tables say (and -icount cannot run with MTTCG).
		mk=(make -s --no-print-directory ARCH="$arch" MEM="$mem" BENCH=1 SMP=1)
		if ! "${mk[@]}" image >"$out/build-$arch-$mem.log" 2>&1; then
			echo "$col: build failed (see $out/build-$arch-$mem.log)"; status=1; continue
		fi
		log="$out/$arch-$mem.log"
		if boot "$col" ours "$log" "$("${mk[@]}" LOG="$log" print-qemu)"; then
			parse_log "$log" "$col" ours
			read -r frames pageinfo overhead < <(tr -d '\r' <"$log" | grep -a -o \
				'[0-9]* frames ([0-9]* MiB), PageInfo [0-9]* B, overhead [0-9]* KiB' |
				awk '{ print $1, $6, $9 }')
			info[frames,$col]=${frames:-}
			info[pageinfo,$col]=${pageinfo:-}
			info[overhead,$col]=${overhead:-}
		fi
		[ "$with_linux" = 1 ] || continue
		if ! "${mk[@]}" linux-bench >"$out/build-linux-$arch-$mem.log" 2>&1; then
			echo "$col linux: build or kernel fetch failed (see $out/build-linux-$arch-$mem.log)"
			status=1; continue
		fi
		info[linux_pkg,$col]=$(cat "build/deps/linux-$arch/package" 2>/dev/null)
		log="$out/linux-$arch-$mem.log"
		boot "$col" linux "$log" "$("${mk[@]}" LOG="$log" print-qemu-linux)" &&
			parse_log "$log" "$col" linux
	done
	[ "$with_threads" = 1 ] || continue
	for mem in $mems; do
		# The 4-CPU boots: QEMU runs the CPUs in turn on one host thread (what -icount needs).
		col="$arch/$mem"
		mk=(make -s --no-print-directory ARCH="$arch" MEM="$mem" BENCH=1 SMP=4 TCG_THREAD=single)
		if ! "${mk[@]}" image >"$out/build-$arch-$mem-smp4.log" 2>&1; then
			echo "$col: 4-CPU build failed (see $out/build-$arch-$mem-smp4.log)"; status=1
			continue
		fi
		log="$out/$arch-$mem-smp4.log"
		boot "$col" "ours (4 CPUs)" "$log" "$("${mk[@]}" LOG="$log" print-qemu)" &&
			parse_log "$log" "$col" ours only_new
		[ "$with_linux" = 1 ] || continue
		if [ -n "$icount" ] && [ "$arch" != aarch64 ]; then
			# Debian's x86 6.1 (x86_64 and i686 both seen) stops while starting its CPUs under
			# -icount with round-robin CPUs; aarch64 boots. No Linux value then.
			echo "$col Linux (4 CPUs): skipped under -icount (Debian's x86 Linux does not finish" \
				"bringing its CPUs up there; see docs/performance.md)"
			continue
		fi
		info[linux_pkg,$col]=$(cat "build/deps/linux-$arch/package" 2>/dev/null)
		"${mk[@]}" linux-bench >"$out/build-linux-$arch-$mem-smp4.log" 2>&1 || {
			echo "$col linux: build failed (see $out/build-linux-$arch-$mem-smp4.log)"; status=1
			continue
		}
		log="$out/linux-$arch-$mem-smp4.log"
		boot "$col" "Linux (4 CPUs)" "$log" \
			"$("${mk[@]}" LOG="$log" LINUX_INIT=threads print-qemu-linux)" &&
			parse_log "$log" "$col" linux only_new
	done
done

# ours/Linux with two decimals, or "-" when either is missing.
ratio() {
	[[ $1 =~ ^[0-9]+$ && $2 =~ ^[1-9][0-9]*$ ]] || { echo -; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# MEM (e.g. 2G, 128M) in 4 KiB frames.
mem_frames() {
	local n=${1%[GM]}
	case $1 in *G) echo $((n * 262144)) ;; *M) echo $((n * 256)) ;; *) echo 0 ;; esac
}

echo
echo "cycles per operation, median of 5; accelerator: $accel (both kernels); cycle counter:" \
	"rdtsc (x86) / CNTVCT_EL0 (aarch64), read in user mode; counter_hz is its rate"
for arch in "${arches[@]}"; do
	echo
	printf '%-22s' "$arch"
	for mem in $mems; do printf ' %12s %12s %7s' "ours/$mem" "Linux/$mem" ratio; done
	echo
	for n in "${names[@]}"; do
		printf '%-22s' "$n"
		for mem in $mems; do
			c="$arch/$mem"
			o=${value[$n,$c,ours]:--} l=${value[$n,$c,linux]:--}
			r=-
			[ "$n" = counter_hz ] || r=$(ratio "$o" "$l")
			printf ' %12s %12s %7s' "$o" "$l" "$r"
		done
		echo
	done
	for mem in $mems; do
		c="$arch/$mem"
		echo "$c: ours: ${info[sizes_ours,$c]:-?}; Linux: ${info[sizes_linux,$c]:-?}" \
			"(${info[linux_pkg,$c]:-no Linux run})"
	done
done

# Linux's struct page: 64 bytes on the 64-bit kernels; on Debian's 32-bit 686 kernel 40 (see
# docs/performance.md: 36 bytes of fields with CONFIG_MEMCG, aligned to 8).
echo
echo "frame metadata for the booted RAM (4 KiB frames):"
for arch in "${arches[@]}"; do
	for mem in $mems; do
		c="$arch/$mem"
		[ -n "${info[pageinfo,$c]:-}" ] || continue
		lp=64
		[ "$arch" = i686 ] && lp=40
		f=$(mem_frames "$mem")
		printf '%-12s ours: PageInfo %s B/frame, %s KiB for %s frames (the boot log);' \
			"$c" "${info[pageinfo,$c]}" "${info[overhead,$c]}" "${info[frames,$c]}"
		printf ' Linux: struct page %s B/frame, %s KiB for %s frames\n' "$lp" $((f * lp / 1024)) "$f"
	done
done
echo "make bench: $((SECONDS - start)) s"
exit $status
