#!/usr/bin/env bash
# Dedupe benchmark, in one run:
#   1. accuracy at default settings on generated contacts with known truth
#      (precision, recall, F1 of the matched pairs and of the clusters) and
#      the same for what a DBA writes today, a pg_trgm self-join
#      (a.full_name % b.full_name with a GIN index, plus e-mail and phone
#      equality), on the same 100k rows: times, F1 of both, speedup;
#   2. scale: 1M contacts end to end, seconds per phase, F1; the run's
#      report (time and page size, against one scan of the table) and the
#      health report (against health()).
# SMOKE=1 shrinks both to a few hundred rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
REPO=$(cd "$here/../.." && pwd)

ACC_ROWS=$(scale 100000)
BIG_ROWS=$(scale 1000000)
make -C "$REPO/test" -s gen >/dev/null
CSV=$(mktemp /tmp/bench-dedupe.XXXXXX.csv)
trap 'rm -f "$CSV"' EXIT
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

pairs_of_run() {
	echo "SELECT key_a AS a, key_b AS b FROM contacts.dedupe_pairs WHERE run_id = $1"
}

clusters_of_run() {
	echo "SELECT x.key AS a, y.key AS b FROM contacts.dedupe_clusters x
	      JOIN contacts.dedupe_clusters y ON y.run_id = x.run_id AND y.cluster_id = x.cluster_id AND x.key < y.key
	      WHERE x.run_id = $1"
}

# run_dedupe TABLE: run it, print "run_id wall_ms"
run_dedupe() {
	local out
	out=$(bpsql -At -c '\timing on' -c "SELECT contacts.dedupe_run('$1')" 2>&1)
	echo "$(echo "$out" | grep -E '^[0-9]+$' | head -n 1)" \
		"$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1)"
}

bpsql -c "CREATE EXTENSION IF NOT EXISTS contacts" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"

echo "-- accuracy and the pg_trgm peer: $ACC_ROWS generated contacts (25% duplicate rows)"
load_contactgen acc "$ACC_ROWS" 11 "$CSV"
read -r acc_run ours_ms < <(run_dedupe acc)
read -r pp pr pf < <(quality acc "$(pairs_of_run "$acc_run")")
read -r cp cr cf < <(quality acc "$(clusters_of_run "$acc_run")")

# The peer: trigram similarity of the full names through a GIN index, or
# the same e-mail, or the same phone digits.
bpsql -q <<-SQL
	CREATE INDEX acc_name_trgm ON acc USING gin (full_name gin_trgm_ops);
	CREATE INDEX acc_email ON acc (lower(btrim(email)));
	CREATE INDEX acc_phone ON acc (regexp_replace(phone, '\D', '', 'g'));
	ANALYZE acc;
SQL
PEER_SQL="SELECT a.id AS a, b.id AS b FROM acc a JOIN acc b ON a.full_name % b.full_name AND a.id < b.id
	UNION SELECT a.id, b.id FROM acc a JOIN acc b ON lower(btrim(a.email)) = lower(btrim(b.email)) AND a.id < b.id
	UNION SELECT a.id, b.id FROM acc a JOIN acc b
	      ON regexp_replace(a.phone, '\D', '', 'g') = regexp_replace(b.phone, '\D', '', 'g') AND a.id < b.id"
# The self-join is quadratic in the size of common-name trigram sets: it is
# given PEER_TIMEOUT seconds (default 1800), after which it counts as "more
# than" that and its pairs are unknown.
PEER_TIMEOUT=${PEER_TIMEOUT:-1800}
peer_ms=$(bpsql -c '\timing on' -c "SET statement_timeout = '${PEER_TIMEOUT}s'" \
	-c "CREATE TABLE peer_pairs AS $PEER_SQL" 2>/dev/null |
	sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1) || true
peer_done=$(bpsql -At -c "SELECT to_regclass('peer_pairs') IS NOT NULL")
if [ "$peer_done" = t ]; then
	read -r qp qr qf < <(quality acc "SELECT a, b FROM peer_pairs")
	peer_label=$(printf '%.0f' "$peer_ms")
	speedup="x$(ratio "$peer_ms" "$ours_ms")"
else
	qp=n/a qr=n/a qf=n/a
	peer_label=">$((PEER_TIMEOUT * 1000))"
	speedup="more than x$(ratio "$((PEER_TIMEOUT * 1000))" "$ours_ms") (peer stopped after ${PEER_TIMEOUT} s)"
fi

printf '%-34s %10s %9s %9s %9s\n' "" "time ms" precision recall F1
printf '%-34s %10.0f %9s %9s %9s\n' "contacts.dedupe_run, pairs" "$ours_ms" "$pp" "$pr" "$pf"
printf '%-34s %10s %9s %9s %9s\n' "contacts.dedupe_run, clusters" "" "$cp" "$cr" "$cf"
printf '%-34s %10s %9s %9s %9s\n' "pg_trgm self-join + email/phone" "$peer_label" "$qp" "$qr" "$qf"
echo "dedupe vs pg_trgm: speedup $speedup, F1 $pf vs $qf"
bpsql -At -c "SELECT 'phases (s): ' || seconds::text || ', candidate pairs ' || candidate_pairs ||
	', reduction ratio ' || round(reduction_ratio::numeric, 6) || ', clusters ' || clusters
	FROM contacts.dedupe_runs WHERE run_id = $acc_run"
bpsql -q -c "DROP TABLE IF EXISTS peer_pairs"

echo "-- scale: $BIG_ROWS generated contacts end to end"
load_contactgen big "$BIG_ROWS" 12 "$CSV"
read -r big_run big_ms < <(run_dedupe big)
read -r bp br bf < <(quality big "$(pairs_of_run "$big_run")")
printf 'dedupe_run on %s rows: %.1f s end to end; pairs precision %s recall %s F1 %s\n' \
	"$BIG_ROWS" "$(awk -v m="$big_ms" 'BEGIN {print m / 1000}')" "$bp" "$br" "$bf"
bpsql -At -c "SELECT 'phases, wall s: ' || seconds::text || E'\nphases, CPU s of the backend: ' || cpu_seconds::text ||
	' (total ' || (SELECT round(sum(value::numeric), 1) FROM jsonb_each_text(cpu_seconds)) || ')'
	FROM contacts.dedupe_runs WHERE run_id = $big_run"
bpsql -At -c "SELECT 'candidate pairs ' || candidate_pairs || ', reduction ratio ' ||
	round(reduction_ratio::numeric, 6) || ', pairs above threshold ' || pairs_above_threshold ||
	', clusters ' || clusters || ', sizes ' || cluster_sizes::text FROM contacts.dedupe_runs WHERE run_id = $big_run"

# The run's report pages: read from the run's stored results (pairs,
# clusters, summary), never from the table.  Peers in the same run: one
# scan of the table (count(*), which the report must not pay) and the run.
report_ms=$(median_ms "SELECT length(contacts.dedupe_report($big_run))")
report_text_ms=$(median_ms "SELECT length(contacts.dedupe_report($big_run, 'text'))")
scan_ms=$(median_ms "SELECT count(*) FROM big")
read -r page_bytes text_bytes < <(bpsql -At -F ' ' -c "SELECT octet_length(contacts.dedupe_report($big_run)),
	octet_length(contacts.dedupe_report($big_run, 'text'))")
printf 'dedupe_report of the %s-row run: html %.1f ms (%s bytes), text %.1f ms (%s bytes)\n' \
	"$BIG_ROWS" "$report_ms" "$page_bytes" "$report_text_ms" "$text_bytes"
echo "  peers: one scan of the table (count(*)) $scan_ms ms, x$(ratio "$scan_ms" "$report_ms") the report;" \
	"the run $(printf '%.0f' "$big_ms") ms, x$(ratio "$big_ms" "$report_ms") the report"
# health_report: one scan of its own for the breakdown, then health()'s checks
# (one run each: both scan the 1M rows)
health_report_ms=$(RUNS=1 median_ms "SELECT length(contacts.health_report('big'))")
health_ms=$(RUNS=1 median_ms "SELECT count(*) FROM contacts.health('big')")
health_bytes=$(bpsql -At -c "SELECT octet_length(contacts.health_report('big'))")
printf 'health_report on %s rows: %.0f ms (%s bytes); peer health() %.0f ms: x%s\n' \
	"$BIG_ROWS" "$health_report_ms" "$health_bytes" "$health_ms" "$(ratio "$health_report_ms" "$health_ms")"

# single-row matching on the big table: median of RUNS calls
match_ms=$(median_ms "SELECT count(*) FROM contacts.dedupe_match('big',
	(SELECT to_jsonb(b) - 'id' FROM big b WHERE id = 4242))")
echo "dedupe_match on $BIG_ROWS rows: $match_ms ms per row (median)"
bpsql -q -c "DROP TABLE big" -c "DROP TABLE acc"
