#!/usr/bin/env bash
# The whole test suite: core unit tests (plain and under ASan+UBSan), a short
# run of every fuzz target and the extra checks in test/checks/, which need no
# server, once; then, on each server, pg_regress, isolation specs, TAP tests,
# a smoke run of the benchmarks and of the demo, against a throwaway cluster
# this script starts and always stops, and the Citus tests on a throwaway
# coordinator and two workers where Citus is installed (test/citus/run.sh).
#
#   bash test/run.sh            everything, on Debian's PostgreSQL 15 and on
#                               18.6 built from ../shared/vendor (the build is
#                               cached: test/lib/pg_from_source.sh)
#   PG_CONFIG=/path/to/pg_config bash test/run.sh   on that server only
#   FUZZ_RUNS=200000 bash test/run.sh   more fuzzing (fixed seed, reproducible)
#
# Ends with "total: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
source "$(dirname "$0")/lib/cluster.sh"
run_from_readable_copy "$0" "$@"

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
	# what a stage left out on this server (a peer not packaged for it)
	grep '^skipped: ' "$out"
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
		as_cluster_user mkdir -p "$WORKDIR/tap/$(basename "$t" .pl)/log"
		# PostgreSQL 16+ keeps each file's clusters and logs where
		# TESTDATADIR and TESTLOGDIR say (else in ./tmp_check).
		as_cluster_user env PATH="$PG_BINDIR:$PATH" PERL5LIB="$PGXS_DIR/src/test/perl:$REPO/test/t" \
			TESTDIR="$WORKDIR/tap" TESTDATADIR="$WORKDIR/tap/$(basename "$t" .pl)/data" \
			TESTLOGDIR="$WORKDIR/tap/$(basename "$t" .pl)/log" \
			PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" \
			REPO="$REPO" perl "$t" >"$out" 2>&1
		local trc=$?
		p=$(grep -c '^ok ' "$out")
		f=$(grep -c '^not ok ' "$out")
		if [ $trc -ne 0 ]; then rc=1; [ "$f" -eq 0 ] && f=1; fi
		echo "$(basename "$t"): $p passed, $f failed"
		# a file that skips says why (e.g. no browser installed)
		grep '^skipped: ' "$out"
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
	local reports rc
	reports=$(mktemp -d /tmp/contacts-demo-reports.XXXXXX)
	env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE DEMO_ROWS=400 DEMO_REPORT_DIR="$reports" \
		bash "$REPO/test/demo.sh" >"$LOGDIR/demo.out" 2>&1
	rc=$?
	# the demo wrote both report pages
	for f in dedupe_report health_report; do
		grep -q '</html>' "$reports/$f.html" 2>/dev/null || { echo "demo: no $f.html"; rc=1; }
	done
	rm -rf "$reports"
	tail -n 30 "$LOGDIR/demo.out"
	if [ $rc -eq 0 ]; then echo "demo: 1 passed, 0 failed"; else echo "demo: 0 passed, 1 failed"; fi
	return $rc
}

# The demo from a clone the cluster user cannot enter (a mode-0700
# directory, like root's home or mktemp -d): it must find its way to a
# readable copy and run to the end.
run_private_clone() {
	local d rc
	d=$(mktemp -d /tmp/contacts-private.XXXXXX)
	cp -a "$REPO/." "$d/main"
	env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE -u CONTACTS_READABLE_COPY DEMO_ROWS=200 \
		DEMO_REPORT_DIR="$d.reports" bash "$d/main/test/demo.sh" >"$LOGDIR/private-clone.out" 2>&1
	rc=$?
	rm -rf "$d.reports"
	grep -q "running from a readable copy" "$LOGDIR/private-clone.out" || rc=1
	tail -n 5 "$LOGDIR/private-clone.out"
	rm -rf "$d"
	if [ $rc -eq 0 ]; then echo "private-clone: 1 passed, 0 failed"; else echo "private-clone: 0 passed, 1 failed"; fi
	return $rc
}

# The extension on a Citus cluster (test/citus/run.sh, then smoke runs of
# test/citus/bench_scale.sh, bench_merge.sh and bench_entry.sh), where Citus is
# installed for this server.  On the test machines (root, Debian's 15 and
# ../shared/vendor/citus-*.tar.gz beside the clone) Citus is built and
# installed first, once per machine; everywhere else the stage says it is
# skipped.
run_citus() {
	if [ "$(id -u)" -eq 0 ] && [ "$PG_CONFIG" = /usr/lib/postgresql/15/bin/pg_config ] &&
		ls "$REPO"/../shared/vendor/citus-*.tar.gz >/dev/null 2>&1; then
		bash "$REPO/test/lib/citus_from_source.sh" || { echo "citus build: 0 passed, 1 failed"; return 1; }
	fi
	bash "$REPO/test/citus/run.sh" || return 1
	# the scale-out, merge and entry benchmarks, in their smoke sizes
	SMOKE=1 bash "$REPO/test/citus/bench_scale.sh" || return 1
	SMOKE=1 bash "$REPO/test/citus/bench_merge.sh" || return 1
	SMOKE=1 bash "$REPO/test/citus/bench_entry.sh"
}

# Every stage that needs a server, on the one PG_CONFIG names; stages are
# named for its major version (regress-pg18).  Its cluster's directory is
# removed unless one of them failed.
server_stages() {
	local major failed_before=$FAILED start=$(date +%s)
	find_pg_config
	major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
	log "PostgreSQL $major ($PG_CONFIG)"
	if build_and_install >"$LOGDIR/build-pg$major.log" 2>&1 && cluster_start; then
		tally "build-pg$major" "$LOGDIR/build-pg$major.log" 0 >/dev/null
		stage "regress-pg$major" run_regress
		stage "isolation-pg$major" run_isolation
		stage "tap-pg$major" run_tap
		stage "bench-smoke-pg$major" bash "$REPO/test/bench/run.sh" --smoke
		stage "demo-pg$major" run_demo
		stage "citus-pg$major" run_citus
	else
		cat "$LOGDIR/build-pg$major.log"
		tally "build-pg$major" "$LOGDIR/build-pg$major.log" 1
	fi
	cluster_stop
	if [ "$FAILED" -eq "$failed_before" ] && [ -n "${WORKDIR:-}" ]; then rm -rf "$WORKDIR"; fi
	WORKDIR=""
	echo "PostgreSQL $major: $(($(date +%s) - start)) s"
}

cleanup() {
	cluster_stop
	if [ "$FAILED" -eq 0 ] && [ -n "${WORKDIR:-}" ]; then rm -rf "$WORKDIR"; fi
	if [ "$FAILED" -eq 0 ]; then remove_readable_copy; fi
}
trap cleanup EXIT

ensure_packages || { echo "total: 0 passed, 1 failed"; exit 1; }
LOGDIR=$(mktemp -d /tmp/contacts-logs.XXXXXX)

stage unit make -C "$REPO/test" -s -j2 unit
stage sanitize make -C "$REPO/test" -s -j2 sanitize
stage fuzz make -C "$REPO/test" -s -j2 fuzz FUZZ_RUNS="${FUZZ_RUNS:-20000}"
stage checks run_checks
[ "$(id -u)" -eq 0 ] && stage private-clone run_private_clone

if [ -n "${PG_CONFIG:-}" ]; then
	server_stages
else
	# Debian's 15 (find_pg_config's default), then 18 built from the
	# vendored tarball (once per machine).
	server_stages
	log "PostgreSQL 18.6 from ../shared/vendor"
	if PG_CONFIG=$(bash "$REPO/test/lib/pg_from_source.sh" 18.6 2>"$LOGDIR/pg-18.6-build.log"); then
		export PG_CONFIG
		server_stages
	else
		tail -n 40 "$LOGDIR/pg-18.6-build.log"
		tally build-pg18 "$LOGDIR/pg-18.6-build.log" 1
	fi
fi

log "summary ($(($(date +%s) - START)) s; logs in $LOGDIR)"
[ -n "$FAILED_STAGES" ] && echo "failed stages:$FAILED_STAGES"
echo "total: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
