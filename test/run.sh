#!/usr/bin/env bash
# The whole test suite: core unit tests (plain and under ASan+UBSan), a short
# run of every fuzz target, pg_regress, isolation specs, TAP tests, the extra
# checks in test/checks/, a smoke run of the benchmarks and of the demo, against a
# throwaway cluster this script starts and always stops.
#
#   bash test/run.sh            everything
#   FUZZ_RUNS=200000 bash test/run.sh   more fuzzing (fixed seed, reproducible)
#
# Ends with "total: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/lib/cluster.sh"

PASSED=0
FAILED=0
FAILED_STAGES=""
START=$(date +%s)

# Add the "N passed, N failed" lines of a stage's output to the totals.  A
# stage that exits non-zero without reporting a failure counts as one.
tally() {
	local stage=$1 out=$2 rc=$3 p f
	p=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$out" | awk '{s+=$1} END {print s+0}')
	f=$(grep -Eo '[0-9]+ passed, [0-9]+ failed' "$out" | awk '{s+=$3} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	PASSED=$((PASSED + p))
	FAILED=$((FAILED + f))
	[ "$f" -gt 0 ] && FAILED_STAGES="$FAILED_STAGES $stage"
	echo "$stage: $p passed, $f failed"
}

# Run a stage, keep its output in $WORKDIR/<stage>.log, show it on failure.
stage() {
	local name=$1
	shift
	local out="$LOGDIR/$name.log" rc
	log "$name"
	"$@" >"$out" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then tail -n 80 "$out"; fi
	tally "$name" "$out" $rc
}

# pg_regress and pg_isolation_regress print "test NAME ... ok|FAILED".
regress_counts() {
	local out=$1
	echo "$(grep -Ec '\.\.\. ok|^ok ' "$out") passed, $(grep -Ec '\.\.\. FAILED|^not ok ' "$out") failed"
}

run_regress() {
	local tests
	tests=$(cd "$REPO/sql" && ls *.sql | sed 's/\.sql$//' | sort)
	local od="$WORKDIR/regress"
	as_cluster_user mkdir -p "$od"
	# shellcheck disable=SC2086
	as_cluster_user "$PGXS_DIR/src/test/regress/pg_regress" --inputdir="$REPO" --outputdir="$od" \
		--bindir="$PG_BINDIR" --host="$PGHOST" --port="$PGPORT" \
		--load-extension=contacts --dbname=contrib_regression $tests >"$od/out.txt" 2>&1
	local rc=$?
	cat "$od/out.txt"
	[ -f "$od/regression.diffs" ] && head -n 200 "$od/regression.diffs"
	regress_counts "$od/out.txt"
	return $rc
}

run_isolation() {
	local specs
	specs=$(cd "$REPO/test/isolation/specs" && ls *.spec 2>/dev/null | sed 's/\.spec$//' | sort)
	[ -z "$specs" ] && { echo "0 passed, 0 failed"; return 0; }
	local od="$WORKDIR/isolation"
	as_cluster_user mkdir -p "$od"
	# shellcheck disable=SC2086
	as_cluster_user "$PGXS_DIR/src/test/isolation/pg_isolation_regress" \
		--inputdir="$REPO/test/isolation" --outputdir="$od" --bindir="$PG_BINDIR" \
		--host="$PGHOST" --port="$PGPORT" --load-extension=contacts \
		--dbname=isolation_regression $specs >"$od/out.txt" 2>&1
	local rc=$?
	cat "$od/out.txt"
	[ -f "$od/regression.diffs" ] && head -n 200 "$od/regression.diffs"
	regress_counts "$od/out.txt"
	return $rc
}

# Each TAP file starts its own clusters (PostgreSQL::Test::Cluster); every
# "ok" / "not ok" line is one test, and a file that dies counts as a failure.
run_tap() {
	local rc=0 t p f out
	as_cluster_user mkdir -p "$WORKDIR/tap"
	for t in "$REPO"/test/t/*.pl; do
		[ -e "$t" ] || continue
		out="$WORKDIR/tap/$(basename "$t" .pl).out"
		as_cluster_user env PATH="$PG_BINDIR:$PATH" PERL5LIB="$PGXS_DIR/src/test/perl:$REPO/test/t" \
			TESTDIR="$WORKDIR/tap" PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" \
			REPO="$REPO" perl "$t" >"$out" 2>&1
		local trc=$?
		p=$(grep -c '^ok ' "$out")
		f=$(grep -c '^not ok ' "$out")
		if [ $trc -ne 0 ]; then rc=1; [ "$f" -eq 0 ] && f=1; fi
		echo "$(basename "$t"): $p passed, $f failed"
		[ $trc -ne 0 ] && tail -n 40 "$out"
	done
	return $rc
}

# Extra checks (e.g. the phone engine against libphonenumber): each script
# in test/checks/ prints its own "name: N passed, N failed" lines.
run_checks() {
	local rc=0 c
	for c in "$REPO"/test/checks/*.sh; do
		[ -e "$c" ] || continue
		bash "$c" || rc=1
	done
	return $rc
}

# The README's demo command, as a user runs it (its own throwaway cluster),
# on a small data set: it must run to the end without an error.
run_demo() {
	env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE DEMO_ROWS=400 bash "$REPO/test/demo.sh" >"$LOGDIR/demo.out" 2>&1
	local rc=$?
	tail -n 30 "$LOGDIR/demo.out"
	if [ $rc -eq 0 ]; then echo "demo: 1 passed, 0 failed"; else echo "demo: 0 passed, 1 failed"; fi
	return $rc
}

cleanup() {
	cluster_stop
	if [ "$FAILED" -eq 0 ] && [ -n "${WORKDIR:-}" ]; then rm -rf "$WORKDIR"; fi
}
trap cleanup EXIT

ensure_packages || { echo "total: 0 passed, 1 failed"; exit 1; }
find_pg_config
LOGDIR=$(mktemp -d /tmp/contacts-logs.XXXXXX)

stage unit make -C "$REPO/test" -s -j2 unit
stage sanitize make -C "$REPO/test" -s -j2 sanitize
stage fuzz make -C "$REPO/test" -s -j2 fuzz FUZZ_RUNS="${FUZZ_RUNS:-20000}"

if build_and_install >"$LOGDIR/build.log" 2>&1 && cluster_start; then
	tally build "$LOGDIR/build.log" 0 >/dev/null
	stage regress run_regress
	stage isolation run_isolation
	stage tap run_tap
	stage checks run_checks
	stage bench-smoke bash "$REPO/test/bench/run.sh" --smoke
	stage demo run_demo
else
	cat "$LOGDIR/build.log"
	tally build "$LOGDIR/build.log" 1
fi

log "summary ($(($(date +%s) - START)) s; logs in $LOGDIR)"
[ -n "$FAILED_STAGES" ] && echo "failed stages:$FAILED_STAGES"
echo "total: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
