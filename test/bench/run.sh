#!/usr/bin/env bash
# Run every benchmark (test/bench/bench_*.sh).  Against the server in
# PGHOST/PGPORT when set (test/run.sh does this), else on a throwaway cluster.
#   bash test/bench/run.sh            full size (1M rows where issues name it)
#   bash test/bench/run.sh --smoke    tiny data, one run: checks they still work
#   bash test/bench/run.sh email      only bench_email.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/cluster.sh"
export SMOKE=0
only=""
for a in "$@"; do
	case "$a" in
		--smoke) SMOKE=1 ;;
		*) only=$a ;;
	esac
done

find_pg_config
if [ -z "${PGHOST:-}" ]; then
	ensure_packages
	build_and_install
	cluster_start
	trap cluster_stop EXIT
fi
export PGDATABASE=${BENCH_DB:-contacts_bench}
"$PG_BINDIR/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE" -c "CREATE DATABASE $PGDATABASE"

rc=0
for b in "$here"/bench_*.sh; do
	[ -e "$b" ] || continue
	name=$(basename "$b" .sh)
	[ -n "$only" ] && [ "$name" != "bench_$only" ] && continue
	echo "== $name"
	if bash "$b"; then echo "$name: 1 passed, 0 failed"; else echo "$name: 0 passed, 1 failed"; rc=1; fi
done
"$PG_BINDIR/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE"
exit $rc
