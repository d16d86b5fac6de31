#!/usr/bin/env bash
# The phone engine in C against libphonenumber 8.12.57 (parse + isValid +
# format E164, same corpus, single core).  Builds test/bench/phone_bench.cc
# (rule in test/Makefile).  SMOKE=1: one run over a small slice.  A full run
# fails below the issue's target of 10x.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
# its tables are generated from ../shared/data beside the clone
if ! why=$(make -s --no-print-directory -C "$here/.." phone_metadata 2>/dev/null); then
	echo "phone engine benchmark skipped: $why"
	exit 0
fi
make -s -C "$here/.." phone_bench >/dev/null
bin="$here/../build/bench/phone_bench"
if [ "$SMOKE" = 1 ]; then
	"$bin" 1 2000
	exit 0
fi
out=$("$bin" "$RUNS")
echo "$out"
speedup=$(echo "$out" | sed -n 's/.*speedup x\([0-9.]*\).*/\1/p')
awk -v s="$speedup" 'BEGIN { exit (s >= 10 ? 0 : 1) }' || { echo "below the 10x target"; exit 1; }
