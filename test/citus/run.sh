#!/usr/bin/env bash
# The extension on a Citus cluster: a coordinator and two workers started
# from the PostgreSQL that PG_CONFIG names (shared_preload_libraries = citus,
# Unix sockets in one temporary directory, ports 5432-5434), the extension
# created everywhere, then the pg_regress tests of test/citus/sql against the
# coordinator, compared with test/citus/expected.  Everything is stopped and
# removed at the end (the directory is kept when a test failed).
#
#   PG_CONFIG=... bash test/citus/run.sh        after `make install`
#
# Prints "skipped: ..." and passes when Citus is not installed for that
# server (test/lib/citus_from_source.sh installs it on the test machines).
# Ends with "citus: N passed, N failed".
set -uo pipefail
source "$(dirname "$0")/lib.sh"
require_citus citus
DB=$CITUS_DB

rc=1
if start_cluster; then
	tests=$(cd "$REPO/test/citus/sql" && ls *.sql | sed 's/\.sql$//' | sort)
	od="$CITUS_DIR/regress"
	as_cluster_user mkdir -p "$od"
	# shellcheck disable=SC2086
	as_cluster_user "$PGXS_DIR/src/test/regress/pg_regress" --inputdir="$REPO/test/citus" \
		--outputdir="$od" --bindir="$PG_BINDIR" --host="$CITUS_DIR" --port=5432 \
		--user="$CLUSTER_USER" --use-existing --dbname="$DB" $tests >"$od/out.txt" 2>&1
	rc=$?
	cat "$od/out.txt"
	[ -f "$od/regression.diffs" ] && head -n 300 "$od/regression.diffs"
	echo "citus: $(grep -Ec '\.\.\. ok|^ok ' "$od/out.txt") passed, $(grep -Ec '\.\.\. FAILED|^not ok ' "$od/out.txt") failed"
else
	echo "citus: 0 passed, 1 failed"
fi
stop_all
if [ $rc -eq 0 ]; then rm -rf "$CITUS_DIR"; else echo "cluster logs kept in $CITUS_DIR"; fi
exit $rc
