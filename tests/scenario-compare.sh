#!/usr/bin/env bash
# Compares the scenario transcripts of one kernel serial log with the Linux oracle's.
# Usage: tests/scenario-compare.sh LOG OUTDIR EXPECTDIR SCENARIO_DIR
#   Extracts every transcript printed between `    # scenario-begin NAME` and
#   `    # scenario-end NAME` (the `    # ` prefix stripped) into OUTDIR/NAME.out, a scenario error
#   `    # scenario-error FILE:LINE: message` into OUTDIR/NAME.err and a runner failure
#   `    # scenario-failure ...` into OUTDIR/NAME.failure, and compares them byte for byte with
#   the oracle's EXPECTDIR/NAME.out and EXPECTDIR/NAME.err (its stderr), for every
#   SCENARIO_DIR/NAME.mem. A scenario error (malformed or invalid scenario) fails the scenario
#   and is reported with both sides' messages; scenarios the kernel reported with
#   `    # scenario-skip NAME: why` are skipped, not compared.
# Prints the first differing lines of each difference on stderr, then one line on stdout
# "passed failed skipped skipped-names..."; exits 0 only when every scenario matched or was
# skipped.
log=$1 outdir=$2 expect=$3 scen=$4
rm -rf "$outdir"
mkdir -p "$outdir"
awk -v dir="$outdir" '
  { sub(/\r$/, "") }
  /^    # scenario-begin / { name = $3; out = dir "/" name ".out"; printf "" > out; next }
  /^    # scenario-end / { if (out != "") close(out); out = ""; next }
  /^    # scenario-error / { if (name != "") print substr($0, 22) > (dir "/" name ".err"); next }
  /^    # scenario-failure / { if (name != "") print substr($0, 24) > (dir "/" name ".failure"); next }
  /^    # scenario-skip / { n = $3; sub(/:$/, "", n); print n > (dir "/skipped"); next }
  out != "" && /^    # / { print substr($0, 7) > out }
' "$log"
pass=0 fail=0 skip=0 skipped=""
for mem in "$scen"/*.mem; do
	[ -e "$mem" ] || continue
	name=$(basename "$mem" .mem)
	k=$outdir/$name l=$expect/$name
	if [ -f "$outdir/skipped" ] && grep -qx -- "$name" "$outdir/skipped"; then
		skip=$((skip + 1)); skipped="$skipped $name"
		rm -f "$k.out"          # a partial transcript up to the first file line
		continue
	fi
	if [ ! -f "$k.out" ]; then
		echo "    scenario $name: no transcript in $log" >&2
		fail=$((fail + 1))
	elif [ ! -f "$l.out" ]; then
		echo "    scenario $name: no Linux transcript $l.out" >&2
		fail=$((fail + 1))
	elif [ -s "$k.err" ] || [ -s "$l.err" ]; then
		echo "    scenario $name: scenario error" >&2
		echo "      kernel: $(cat "$k.err" 2>/dev/null)" >&2
		echo "      Linux:  $(cat "$l.err" 2>/dev/null)" >&2
		if cmp -s "$k.out" "$l.out" && cmp -s "$k.err" "$l.err"; then
			echo "      (the same message and transcript before it on both sides)" >&2
		else
			echo "      (the two sides differ)" >&2
			diff "$k.out" "$l.out" | head -n 12 | sed 's/^/      /' >&2
		fi
		fail=$((fail + 1))
	elif [ -s "$k.failure" ]; then
		echo "    scenario $name: kernel runner failure: $(cat "$k.failure")" >&2
		fail=$((fail + 1))
	elif ! cmp -s "$k.out" "$l.out"; then
		echo "    scenario $name differs from Linux (< kernel $k.out, > Linux):" >&2
		diff "$k.out" "$l.out" | head -n 12 | sed 's/^/      /' >&2
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
echo "$pass $fail $skip$skipped"
[ $fail -eq 0 ]
