#!/usr/bin/env bash
# Reads one kernel serial log (KTAP) and says whether the run was good.
# Usage: tests/ktap-check.sh LOG KERNEL_STATUS
#   KERNEL_STATUS is what tests/exit-status.sh made of QEMU's exit status (124 = timed out).
# Prints one line "passed failed problem..." for the caller; exits 0 only when the run was clean:
# a KTAP plan, as many results as planned, no "not ok", the summary line agreeing with the
# results, no PANIC, and an exit status saying "all passed".
log=$1 status=$2
awk -v status="$status" '
  { sub(/\r$/, "") }
  /^KTAP version 1$/ { ktap = 1 }
  /^1\.\.[0-9]+$/ && ktap && plan == "" { plan = substr($0, 4) + 0 }
  /^ok [0-9]+ / { ok++ }
  /^not ok [0-9]+ / { notok++; failed_names = failed_names " " $4 }
  /^[0-9]+ passed, [0-9]+ failed$/ { summary = 1; s_pass = $1 + 0; s_fail = $3 + 0 }
  /PANIC:/ { panic = 1 }
  END {
    problems = ""
    if (panic) problems = problems " panic;"
    if (status == 124) problems = problems " timeout;"
    else if (status == 3) problems = problems " panic exit status;"
    else if (status != 0 && status != 1) problems = problems " bad exit status " status ";"
    if (!ktap) problems = problems " no KTAP header;"
    if (plan == "") problems = problems " no plan line;"
    else if (ok + notok != plan) problems = problems " " ok + notok " results for a plan of " plan ";"
    if (!summary) problems = problems " no summary line;"
    else if (s_pass != ok || s_fail != notok) problems = problems " summary disagrees with results;"
    if (notok) problems = problems " not ok:" failed_names ";"
    if (status == 1 && !notok) problems = problems " kernel reported failure;"
    printf "%d %d%s\n", ok, notok, problems
    exit (problems == "" ? 0 : 1)
  }' "$log"
