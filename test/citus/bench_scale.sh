#!/usr/bin/env bash
# Scale-out of dedupe_run on Citus, in one run: ROWS generated contacts
# (contactgen, default 1M) in a table distributed by id over a coordinator
# and one worker, deduplicated; then a second worker joins, the shards are
# rebalanced, and the same again.  Each time dedupe_run runs twice: scoring
# on the coordinator, then on the workers (contacts.dedupe_on_workers).
# Prints the times, their phases, what the distributing phase moved and
# the ratios, and checks that all four runs found the same pairs.  All
# nodes are throwaway clusters on this machine.  So that a worker stands
# for a node of its own, each worker is pinned to one CPU (worker1 to CPU
# 0, worker2 to CPU 1; the coordinator is not pinned): a second worker
# brings a second CPU, as a second machine would.  PIN=0 leaves them
# unpinned.
#
#   PG_CONFIG=... bash test/citus/bench_scale.sh     after `make install`
#   SMOKE=1 ...                                       2,000 rows
#
# Prints "skipped: ..." when Citus is not installed for that server.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
require_citus citus-scale
ROWS=${ROWS:-1000000}
[ "${SMOKE:-0}" = 1 ] && ROWS=2000
DB=$CITUS_DB

make -C "$REPO/test" -s gen >/dev/null || exit 1
CSV="$CITUS_DIR/contacts.csv"
"$REPO/test/build/plain/contactgen" --rows "$ROWS" --seed 12 >"$CSV" && chmod 644 "$CSV"

# the coordinator runs the dedupe's local phases: give them the memory a
# 1M-row run wants (docs/dedupe.md)
start_node coordinator 5432 "maintenance_work_mem = 512MB" "work_mem = 64MB" \
	"citus.local_hostname = '$CITUS_DIR'" || exit 1
PIN=${PIN:-1}
[ "$(nproc)" -lt 2 ] && PIN=0
if [ "$PIN" = 1 ]; then
	NODE_CPU=0 start_node worker1 5433 || exit 1
	NODE_CPU=1 start_node worker2 5434 || exit 1
else
	start_node worker1 5433 || exit 1
	start_node worker2 5434 || exit 1
fi
node_psql 5432 -d "$DB" -o /dev/null <<SQL || exit 1
SELECT citus_set_coordinator_host('$CITUS_DIR', 5432);
SELECT citus_add_node('$CITUS_DIR', 5433);
CREATE EXTENSION contacts;
CREATE TABLE big (id bigint PRIMARY KEY, truth_id bigint, full_name text, given_name text,
    family_name text, email text, phone text, region text, company text, city text,
    postcode text, birth_date text, national_id text, consent boolean, updated_at timestamptz);
SELECT create_distributed_table('big', 'id');
\copy big FROM '$CSV' WITH (FORMAT csv, HEADER true)
ANALYZE big;
SELECT contacts.configure('big', 'id', '{"full_name": "full_name", "given_name": "given_name",
  "family_name": "family_name", "email": "email", "phone": "phone", "company": "company",
  "city": "city", "postcode": "postcode", "birth_date": "birth_date",
  "national_id": "national_id", "region": "country"}');
SQL

# run_dedupe LABEL ON_WORKERS: a run (contacts.dedupe_on_workers on or
# off), its wall time, phases, pair count and what it moved to the workers
run_dedupe() {
	local out run ms
	out=$(node_psql 5432 -d "$DB" -At -c '\timing on' -c "SET client_min_messages = notice" \
		-c "SET contacts.dedupe_on_workers = $2" -c "SELECT contacts.dedupe_run('big')" 2>&1) ||
		{ echo "$out" >&2; return 1; }
	run=$(echo "$out" | grep -E '^[0-9]+$' | head -n 1)
	ms=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1)
	printf '%-36s %7.1f s  %s\n' "$1" "$(awk -v m="$ms" 'BEGIN {print m / 1000}')" \
		"$(node_psql 5432 -d "$DB" -At -c "SELECT 'pairs ' || pairs_above_threshold || ', phases ' || seconds::text
			FROM contacts.dedupe_runs WHERE run_id = $run")" >&2
	# what the distributing phase moved (its notice): records and MB
	echo "$out" | sed -n 's/.*distributing done in [0-9.]* s (CPU [0-9.]* s): /   distributing: /p' >&2
	echo "$run $ms"
}

# same_pairs RUN RUN: whether two runs found the same pairs
same_pairs() {
	node_psql 5432 -d "$DB" -At -c "SELECT NOT EXISTS (
	(SELECT key_a, key_b FROM contacts.dedupe_pairs WHERE run_id = $1
	 EXCEPT SELECT key_a, key_b FROM contacts.dedupe_pairs WHERE run_id = $2)
	UNION ALL
	(SELECT key_a, key_b FROM contacts.dedupe_pairs WHERE run_id = $2
	 EXCEPT SELECT key_a, key_b FROM contacts.dedupe_pairs WHERE run_id = $1))"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

echo "-- $ROWS generated contacts, distributed by id ($(node_psql 5432 -d "$DB" -At -c \
	"SELECT shard_count FROM citus_tables WHERE table_name = 'big'::regclass") shards)$([ "$PIN" = 1 ] &&
	echo ", each worker on one CPU")"
read -r c1 cms1 < <(run_dedupe "1 worker, coordinator scores" off) || exit 1
read -r w1 wms1 < <(run_dedupe "1 worker, workers score" on) || exit 1
node_psql 5432 -d "$DB" -o /dev/null -c "SET client_min_messages = warning" -c "SELECT citus_add_node('$CITUS_DIR', 5434)" \
	-c "SELECT rebalance_table_shards('big', shard_transfer_mode => 'block_writes')" || exit 1
echo "   (second worker added, $(node_psql 5432 -d "$DB" -At -c \
	"SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'big'::regclass") nodes hold shards)"
read -r c2 cms2 < <(run_dedupe "2 workers, coordinator scores" off) || exit 1
read -r w2 wms2 < <(run_dedupe "2 workers, workers score" on) || exit 1
same=$([ "$(same_pairs "$c1" "$w1")$(same_pairs "$c1" "$c2")$(same_pairs "$c1" "$w2")" = ttt ] && echo t || echo f)
echo "2 workers / 1 worker: x$(ratio "$cms1" "$cms2") faster when the coordinator scores," \
	"x$(ratio "$wms1" "$wms2") when the workers score"
echo "workers score / coordinator scores: x$(ratio "$wms1" "$cms1") the time on 1 worker," \
	"x$(ratio "$wms2" "$cms2") on 2; same pairs in all four runs: $same"
stop_all
rm -rf "$CITUS_DIR"
if [ "$same" = t ]; then echo "citus-scale: 1 passed, 0 failed"; else echo "citus-scale: 0 passed, 1 failed"; exit 1; fi
