#!/usr/bin/env bash
# Compares the scenario transcripts of one kernel serial log with the Linux oracle's.
# Usage: tests/scenario-compare.sh LOG OUTDIR EXPECTDIR SCENARIO_DIR
#   Extracts every transcript printed between `    # scenario-begin NAME` and
#   `    # scenario-end NAME` (the `    # ` prefix stripped, `    # scenario-error` lines left
#   out as they are Linux's stderr) into OUTDIR/NAME.out and compares it
#   byte for byte with EXPECTDIR/NAME.out, for every SCENARIO_DIR/NAME.mem; scenarios the kernel
#   reported with `    # scenario-skip NAME: why` are skipped, not compared.
# Prints the first differing lines of each difference, then one line "passed failed skipped
# skipped-names..."; exits 0 only when every scenario matched or was skipped.
log=$1 outdir=$2 expect=$3 scen=$4
rm -rf "$outdir"
mkdir -p "$outdir"
awk -v dir="$outdir" '
  { sub(/\r$/, "") }
  /^    # scenario-begin / { name = $3; out = dir "/" name ".out"; printf "" > out; next }
  /^    # scenario-end / { if (out != "") close(out); out = ""; next }
  /^    # scenario-error / { next }      # on stderr on Linux; the kernel test fails on it
  /^    # scenario-skip / { n = $3; sub(/:$/, "", n); print n > (dir "/skipped"); next }
  out != "" && /^    # / { print substr($0, 7) > out }
' "$log"
pass=0 fail=0 skip=0 skipped=""
for mem in "$scen"/*.mem; do
	name=$(basename "$mem" .mem)
	if [ -f "$outdir/skipped" ] && grep -qx -- "$name" "$outdir/skipped"; then
		skip=$((skip + 1)); skipped="$skipped $name"
		continue
	fi
	if [ ! -f "$outdir/$name.out" ]; then
		echo "    scenario $name: no transcript in $log" >&2
		fail=$((fail + 1))
	elif [ ! -f "$expect/$name.out" ]; then
		echo "    scenario $name: no Linux transcript $expect/$name.out" >&2
		fail=$((fail + 1))
	elif ! cmp -s "$outdir/$name.out" "$expect/$name.out"; then
		echo "    scenario $name differs from Linux (< kernel $outdir/$name.out, > Linux):" >&2
		diff "$outdir/$name.out" "$expect/$name.out" | head -n 12 | sed 's/^/      /' >&2
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
echo "$pass $fail $skip$skipped"
[ $fail -eq 0 ]
