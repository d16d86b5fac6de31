#!/usr/bin/env bash
# Dedupe on data it was not built around, at default settings, in one run:
#   1. registry-style person records (test/gen/registrygen.c: no e-mail or
#      phone, FEBRL/GeCo-style errors) at 5k, 10k and 100k rows, one of them
#      again with a degenerate column (one birth date on ~97% of rows);
#   2. generated contacts (contactgen) at 100k rows;
# each with the pair precision, recall and F1 of dedupe_run, the recall of
# its blocking step alone (share of the true pairs that were compared), and
# beside it a hand-written pg_trgm rule query on the same table (trigram
# similarity of the names through a GIN index, joined with agreement on
# another column), its time, F1 and the ratio of times;
#   3. 1M generated contacts end to end, run by the table's owner (an
#      ordinary role): wall and CPU seconds per phase and candidate pairs
#      (the machine is shared: the load average is printed beside).
# SMOKE=1 shrinks everything to a few hundred rows.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
REPO=$(cd "$here/../.." && pwd)
make -C "$REPO/test" -s gen >/dev/null
REGGEN="$REPO/test/build/plain/registrygen"
CSV=$(mktemp /tmp/bench-generalize.XXXXXX.csv)
trap 'rm -f "$CSV"' EXIT
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
PEER_TIMEOUT=${PEER_TIMEOUT:-600}

bpsql -c "CREATE EXTENSION IF NOT EXISTS contacts" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm"

# blocking_recall TABLE: the share of the true pairs that share a key of
# a rule the last run chose (in the run's features table), i.e. were compared
blocking_recall() {
	local ft rules
	ft="contacts.dedupe_features_$(bpsql -At -c "SELECT '$1'::regclass::oid")"
	rules=$(bpsql -At -c "SELECT string_agg(format('(x.%1\$I = y.%1\$I)', 'b_' || r), ' OR ')
		FROM contacts.dedupe_settings, unnest(blocking_rules) r WHERE tbl = '$1'::regclass")
	bpsql -At <<-SQL
		WITH truth AS (SELECT a.id AS a, b.id AS b FROM $1 a JOIN $1 b
		               ON a.truth_id = b.truth_id AND a.id < b.id)
		SELECT round(count(*) FILTER (WHERE $rules)::numeric / greatest(count(*), 1), 4)
		FROM truth t JOIN $ft x ON x.key = t.a JOIN $ft y ON y.key = t.b
	SQL
}

# run_dedupe TABLE: "run_id wall_ms"
run_dedupe() {
	local out
	out=$(bpsql -At -c '\timing on' -c "SELECT contacts.dedupe_run('$1')" 2>&1)
	echo "$(echo "$out" | grep -E '^[0-9]+$' | head -n 1)" \
		"$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1)"
}

# peer TABLE SQL: "ms precision recall f1" of the peer's pairs, or n/a past PEER_TIMEOUT
peer() {
	local ms
	bpsql -q -c "DROP TABLE IF EXISTS peer_pairs"
	ms=$(bpsql -c '\timing on' -c "SET statement_timeout = '${PEER_TIMEOUT}s'" \
		-c "CREATE TABLE peer_pairs AS $2" 2>/dev/null |
		sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1) || true
	if [ "$(bpsql -At -c "SELECT to_regclass('peer_pairs') IS NOT NULL")" = t ]; then
		echo "$ms $(quality "$1" "SELECT a, b FROM peer_pairs")"
	else
		echo "$((PEER_TIMEOUT * 1000)) n/a n/a n/a"
	fi
	bpsql -q -c "DROP TABLE IF EXISTS peer_pairs"
}

# speedup PEER_MS OUR_MS PEER_F1: the ratio, "more than" when the peer was stopped
speedup() {
	if [ "$3" = n/a ]; then
		echo "more than x$(ratio "$1" "$2") faster (pg_trgm stopped after ${PEER_TIMEOUT} s)"
	else
		echo "x$(ratio "$1" "$2") faster"
	fi
}

REG_KINDS='{"given_name": "given_name", "family_name": "family_name", "address": "address",
  "city": "city", "postcode": "postcode", "birth_date": "birth_date", "member_no": "identifier"}'
# The pg_trgm peer for registry records: names alike (trigram similarity
# above pg_trgm.similarity_threshold, 0.3, through a GIN index, given and
# family in either order) and one more column the same, or the same
# member number.
REG_PEER="SELECT a.id AS a, b.id AS b FROM reg a JOIN reg b
	  ON (a.given_name || ' ' || a.family_name) % (b.given_name || ' ' || b.family_name) AND a.id < b.id
	 WHERE a.birth_date = b.birth_date OR a.postcode = b.postcode OR a.address = b.address
	UNION SELECT a.id, b.id FROM reg a JOIN reg b
	  ON upper(regexp_replace(a.member_no, '[^[:alnum:]]', '', 'g')) = upper(regexp_replace(b.member_no, '[^[:alnum:]]', '', 'g'))
	 AND a.id < b.id"

printf '%-44s %9s %9s %9s %9s %9s %9s\n' "" "time ms" precision recall F1 "blocking" "pairs"
# registry ROWS SEED [DEGENERATE_COLUMN]
registry() {
	local label="registrygen $1 rows${3:+, $3 degenerate}"
	"$REGGEN" --rows "$1" --seed "$2" ${3:+--degenerate "$3"} >"$CSV"
	bpsql -q <<-SQL
		DROP TABLE IF EXISTS reg;
		CREATE TABLE reg (id bigint PRIMARY KEY, truth_id bigint, given_name text, family_name text,
		    address text, city text, postcode text, birth_date text, member_no text);
		\copy reg FROM '$CSV' WITH (FORMAT csv, HEADER true)
		CREATE INDEX reg_name_trgm ON reg USING gin ((given_name || ' ' || family_name) gin_trgm_ops);
		VACUUM (ANALYZE) reg;
	SQL
	bpsql -q -c "SELECT contacts.configure('reg', 'id', '$REG_KINDS')" >/dev/null
	read -r run ms < <(run_dedupe reg)
	read -r p r f < <(quality reg "SELECT key_a AS a, key_b AS b FROM contacts.dedupe_pairs WHERE run_id = $run")
	br=$(blocking_recall reg)
	cand=$(bpsql -At -c "SELECT candidate_pairs FROM contacts.dedupe_runs WHERE run_id = $run")
	printf '%-44s %9.0f %9s %9s %9s %9s %9s\n' "dedupe_run, $label" "$ms" "$p" "$r" "$f" "$br" "$cand"
	read -r pms pp pr pf < <(peer reg "$REG_PEER")
	printf '%-44s %9.0f %9s %9s %9s\n' "pg_trgm rule query, $label" "$pms" "$pp" "$pr" "$pf"
	echo "  dedupe_run vs pg_trgm: $(speedup "$pms" "$ms" "$pf"), F1 $f vs $pf;" \
		"rules chosen: $(bpsql -At -c "SELECT array_to_string(blocking_rules, ' ') FROM contacts.dedupe_settings WHERE tbl = 'reg'::regclass")"
	bpsql -q -c "DROP TABLE reg"
}

registry "$(scale 5000)" 1
registry "$(scale 10000)" 2
registry "$(scale 100000)" 3
registry "$(scale 10000)" 4 birth_date

# contactgen: the pg_trgm peer of bench_dedupe.sh, but with a second column
# required beside the names (a bare trigram join on 100k names does not end).
ACC_ROWS=$(scale 100000)
load_contactgen acc "$ACC_ROWS" 11 "$CSV"
bpsql -q -c "CREATE INDEX acc_name_trgm ON acc USING gin (full_name gin_trgm_ops)"
read -r run ms < <(run_dedupe acc)
read -r p r f < <(quality acc "SELECT key_a AS a, key_b AS b FROM contacts.dedupe_pairs WHERE run_id = $run")
br=$(blocking_recall acc)
cand=$(bpsql -At -c "SELECT candidate_pairs FROM contacts.dedupe_runs WHERE run_id = $run")
printf '%-44s %9.0f %9s %9s %9s %9s %9s\n' "dedupe_run, contactgen $ACC_ROWS rows" "$ms" "$p" "$r" "$f" "$br" "$cand"
read -r pms pp pr pf < <(peer acc "SELECT a.id AS a, b.id AS b FROM acc a JOIN acc b
	  ON a.full_name % b.full_name AND a.id < b.id
	 WHERE a.city = b.city OR a.birth_date = b.birth_date OR a.postcode = b.postcode
	UNION SELECT a.id, b.id FROM acc a JOIN acc b ON lower(btrim(a.email)) = lower(btrim(b.email)) AND a.id < b.id
	UNION SELECT a.id, b.id FROM acc a JOIN acc b
	      ON regexp_replace(a.phone, '\D', '', 'g') = regexp_replace(b.phone, '\D', '', 'g') AND a.id < b.id")
printf '%-44s %9.0f %9s %9s %9s\n' "pg_trgm rule query, contactgen $ACC_ROWS rows" "$pms" "$pp" "$pr" "$pf"
echo "  dedupe_run vs pg_trgm: $(speedup "$pms" "$ms" "$pf"), F1 $f vs $pf"
bpsql -q -c "DROP TABLE acc"

BIG_ROWS=$(scale 1000000)
echo "-- $BIG_ROWS generated contacts end to end (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
load_contactgen big "$BIG_ROWS" 12 "$CSV"
# run as the table's owner, an ordinary role, as a DBA's deployment does
bpsql -q -c "DO \$\$ BEGIN CREATE ROLE contacts_bench_owner; EXCEPTION WHEN duplicate_object THEN NULL; END \$\$" \
	-c "ALTER TABLE big OWNER TO contacts_bench_owner"
read -r run ms < <(PGOPTIONS="$PGOPTIONS -c role=contacts_bench_owner" run_dedupe big)
read -r p r f < <(quality big "SELECT key_a AS a, key_b AS b FROM contacts.dedupe_pairs WHERE run_id = $run")
printf 'dedupe_run on %s rows, as the table'"'"'s owner: %.1f s end to end (target 60 s); pairs P %s R %s F1 %s; load average after: %s\n' \
	"$BIG_ROWS" "$(awk -v m="$ms" 'BEGIN {print m / 1000}')" "$p" "$r" "$f" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
echo "blocking recall (true pairs sharing a chosen rule's key): $(blocking_recall big)"
bpsql -At -c "SELECT 'phases, wall s: ' || seconds::text || E'\nphases, CPU s of the backend: ' || cpu_seconds::text ||
	E'\ncandidate pairs ' || candidate_pairs || ', rules chosen: ' ||
	(SELECT string_agg(r ->> 'rule', ' ') FROM jsonb_array_elements(blocking) r WHERE (r ->> 'chosen')::boolean)
	FROM contacts.dedupe_runs WHERE run_id = $run"
bpsql -q -c "DROP TABLE big" -c "DROP ROLE contacts_bench_owner"
