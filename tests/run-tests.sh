#!/usr/bin/env bash
# The test command behind `make test`: builds and boots each arch under each memory size in QEMU
# (TCG), checks every serial log, runs the host unit tests (with the Linux scenario oracle),
# compares every scenario transcript of every log with Linux's (tests/scenario-compare.sh), and
# ends with one line "N passed, N failed" for everything. Exits non-zero on any failure, timeout
# or panic.
#
# Usage: tests/run-tests.sh [ARCH...]          (default: x86_64 i686 aarch64)
# Environment: TEST_MEMS="128M 4G" overrides the memory sizes, TEST_SMP="4 1" the CPU counts of
# the first (smallest) memory size (the others always boot with 1 CPU), BOOT_TIMEOUT (seconds,
# default 300), JOBS (parallel boots, default: number of CPUs), KVM=1 to opt in to KVM, SCENARIOS=dir
# the directory of memory scenarios (*.mem, default tests/scenarios; `make test SCENARIOS=dir`).
# Each boot is one run <arch>:<mem>:<cpus>, logged in build/test/<arch>-<mem>-smp<cpus>.log; the
# kernel gets "smp=<cpus>" on its command line and its SMP self-tests expect that many CPUs.
# Each arch also boots once without copy-on-write page tables (COW_PT=0, mm/arch_mmu.h) at its
# smallest memory size with 1 CPU, so the memory scenarios and self-tests run both ways; that
# boot runs one short fuzz run instead of the three long ones (run <arch>:<mem>:1:nocowpt, log
# <arch>-<mem>-smp1-nocowpt.log). TEST_NOCOWPT=0 leaves it out.
set -uo pipefail
cd "$(dirname "$0")/.."

arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 i686 aarch64)
timeout_s=${BOOT_TIMEOUT:-300}
scen_dir=${SCENARIOS:-tests/scenarios}
scen_dir=${scen_dir%/}
jobs=${JOBS:-$(nproc)}
out=build/test
mkdir -p "$out"

# Memory sizes per arch: small, and large enough that RAM continues above 4 GiB (on i686, past
# what the kernel can map directly).
mems_for() {
	if [ -n "${TEST_MEMS:-}" ]; then echo "$TEST_MEMS"; return; fi
	case $1 in
	x86_64|i686) echo "128M 4G 6G" ;;
	aarch64) echo "128M 4G" ;;
	esac
}

# CPU counts per memory size: the first memory size of an arch boots with each count of
# TEST_SMP (4 CPUs under MTTCG, then 1), the others with 1 CPU.
smps_for() {
	if [ "$2" = first ]; then echo "${TEST_SMP:-4 1}"; else echo 1; fi
}

total_pass=0 total_fail=0 bad=0
runs=()

# The extra make variables of a run's variant (empty, or nocowpt), into the array variant_vars.
set_variant_vars() {
	variant_vars=()
	if [ "${1:-}" = nocowpt ]; then
		variant_vars=(COW_PT=0 IMAGE_TAG=-quick "KCMDLINE=fuzz_ops=5000 fuzz_seed=3 fuzz_inject=10000")
	fi
}

echo "== building"
for arch in "${arches[@]}"; do
	which=first
	for mem in $(mems_for "$arch"); do
		for smp in $(smps_for "$arch" $which); do
			blog="$out/build-$arch-$mem-smp$smp.log"
			if ! make -s --no-print-directory ARCH="$arch" MEM="$mem" SMP="$smp" KVM="${KVM:-0}" SCENARIOS="$scen_dir" image >"$blog" 2>&1; then
				echo "$arch $mem smp$smp: BUILD FAILED (see $blog)"
				tail -n 20 "$blog"
				total_fail=$((total_fail + 1)); bad=1
				continue
			fi
			runs+=("$arch:$mem:$smp:")
		done
		which=rest
	done
	if [ "${TEST_NOCOWPT:-1}" != 0 ]; then
		mem=$(mems_for "$arch" | awk '{print $1}')
		set_variant_vars nocowpt
		blog="$out/build-$arch-$mem-smp1-nocowpt.log"
		if ! make -s --no-print-directory ARCH="$arch" MEM="$mem" SMP=1 KVM="${KVM:-0}" SCENARIOS="$scen_dir" "${variant_vars[@]}" image >"$blog" 2>&1; then
			echo "$arch $mem smp1 nocowpt: BUILD FAILED (see $blog)"
			tail -n 20 "$blog"
			total_fail=$((total_fail + 1)); bad=1
		else
			runs+=("$arch:$mem:1:nocowpt")
		fi
	fi
done

# Boots one run in the background-friendly way: writes $out/<arch>-<mem>.{log,status,time}.
boot_one() {
	local arch mem smp variant
	IFS=: read -r arch mem smp variant <<<"$1"
	local name="$arch-$mem-smp$smp${variant:+-$variant}"
	local log="$out/$name.log"
	local cmd
	set_variant_vars "$variant"
	cmd=$(make -s --no-print-directory ARCH="$arch" MEM="$mem" SMP="$smp" KVM="${KVM:-0}" LOG="$log" "${variant_vars[@]}" print-qemu)
	rm -f "$log"
	local start=$SECONDS
	timeout --foreground -k 5 "$timeout_s" $cmd </dev/null >"$out/$name.qemu.log" 2>&1
	local qstatus=$?
	local kstatus
	if [ $qstatus -eq 124 ] || [ $qstatus -eq 137 ]; then kstatus=124
	else tests/exit-status.sh "$arch" $qstatus; kstatus=$?; fi
	echo "$kstatus" >"$out/$name.status"
	echo $((SECONDS - start)) >"$out/$name.time"
}

echo "== booting ${#runs[@]} kernels under $( [ "${KVM:-0}" = 1 ] && echo KVM || echo TCG), $jobs at a time"
running=0
for run in "${runs[@]}"; do
	boot_one "$run" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
done
wait

# The fuzz runs of a log (tests/ktest/fuzz_test.c): fixed seeds, and the fresh random seed to
# replay with `make fuzz` if it failed.
fuzz_lines() {
	grep -a '^fuzz: \(fresh random seed\|seed .* result\)' "$1" | tr -d '\r' | sed 's/^/    /'
}

for run in "${runs[@]}"; do
	IFS=: read -r arch mem smp variant <<<"$run"
	name="$arch-$mem-smp$smp${variant:+-$variant}"
	log="$out/$name.log"
	[ -f "$log" ] || : >"$log"
	result=$(tests/ktap-check.sh "$log" "$(cat "$out/$name.status")")
	ok=$?
	read -r p f problems <<<"$result"
	secs=$(cat "$out/$name.time")
	total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
	if [ $ok -eq 0 ]; then
		printf '%-8s %-5s smp%-2s %3d passed, %d failed  (%ss)%s\n' "$arch" "$mem" "$smp" "$p" "$f" "$secs" "${variant:+  $variant}"
		fuzz_lines "$log"
	else
		# A broken boot counts as one more failure even when no test said "not ok".
		[ "$f" -gt 0 ] || total_fail=$((total_fail + 1))
		bad=1
		printf '%-8s %-5s smp%-2s %3d passed, %d failed  (%ss)%s FAILED:%s\n' "$arch" "$mem" "$smp" "$p" "$f" "$secs" "${variant:+  $variant}" "$problems"
		grep -aE 'not ok|PANIC|# .*:[0-9]+:|fuzz: FAIL|fuzz: replay' "$log" | head -n 20 | sed 's/^/    /'
		fuzz_lines "$log"
		echo "    log: $log"
	fi
done

echo "== host unit tests"
rm -rf build/host/scenarios     # the Linux oracle's transcripts, rewritten by host-test
if make -s --no-print-directory SCENARIOS="$scen_dir" host-test >"$out/host.log" 2>&1; then host_ok=1; else host_ok=0; fi
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out/host.log" | tail -n 1)
if [ -n "$summary" ]; then
	read -r hp _ hf _ <<<"$summary"
	total_pass=$((total_pass + hp)); total_fail=$((total_fail + hf))
	echo "host     $hp passed, $hf failed"
else
	hf=0
fi
if [ $host_ok -eq 0 ] || [ -z "$summary" ]; then
	[ "$hf" -gt 0 ] || total_fail=$((total_fail + 1))
	bad=1
	echo "host unit tests FAILED (see $out/host.log):"
	grep -E 'not ok|error|ERROR|runtime error' "$out/host.log" | head -n 20 | sed 's/^/    /'
fi

# Memory scenarios: every transcript the kernels printed against the Linux oracle's (written by
# host-test above), one result per scenario and run; the first run of an arch writes
# build/scenarios/<arch>/, the other runs build/scenarios/<arch>-<mem>-smp<cpus>/. The time is the
# kernel's own measure of its scenario test (the KTEST's "scenarios took N ms").
echo "== memory scenarios of $scen_dir against Linux"
declare -A scen_first=()
for run in "${runs[@]}"; do
	IFS=: read -r arch mem smp variant <<<"$run"
	name="$arch-$mem-smp$smp${variant:+-$variant}"
	dir=build/scenarios/$arch
	[ -z "${scen_first[$arch]:-}" ] || dir=build/scenarios/$name
	scen_first[$arch]=1
	result=$(tests/scenario-compare.sh "$out/$name.log" "$dir" build/host/scenarios \
		"$scen_dir" 2>"$out/scenarios-$name.diff")
	ok=$?
	read -r sp sf ss snames <<<"$result"
	total_pass=$((total_pass + sp)); total_fail=$((total_fail + sf))
	ms=$(sed -n 's/.*# scenarios took \([0-9]*\) ms.*/\1/p' "$out/$name.log" | tail -n 1)
	msg=$(printf '%-8s %-5s smp%-2s %3d scenarios match Linux, %d differ, %d skipped, %s s%s' \
		"$arch" "$mem" "$smp" "$sp" "$sf" "$ss" "$( [ -n "$ms" ] && echo "$((ms / 1000)).$(( (ms % 1000) / 100 ))" || echo '?')" "${variant:+  $variant}")
	[ "$ss" -eq 0 ] || msg="$msg (files:$snames)"
	echo "$msg"
	if [ $ok -ne 0 ]; then
		bad=1
		head -n 60 "$out/scenarios-$name.diff"
	fi
done

echo "$total_pass passed, $total_fail failed"
[ $bad -eq 0 ] && [ $total_fail -eq 0 ]
