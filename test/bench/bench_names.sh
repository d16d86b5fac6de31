#!/usr/bin/env bash
# Names on generated contacts (200k rows; SMOKE=1: 200):
#   name_similarity      vs pg_trgm similarity()        speed (marginal cost)
#   name_similarity      vs trigram and Jaro-Winkler on fold()ed whole names:
#                         how well each separates the generator's same-person
#                         pairs from different people who share a family name
#   name_normalize       vs initcap()                     speed
#   company_key, company_normalize, national_id_valid      cost per row
# and the C core alone on the same data (test/bench/names_bench.c).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)

ROWS=$(scale 200000)
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0 -c jit=off"

make -s -C "$repo/test" gen build/bench/names_bench >/dev/null

bpsql <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contacts;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP TABLE IF EXISTS bench_people, bench_pairs;
CREATE TABLE bench_people (id bigint, truth_id bigint, full_name text, given_name text,
	family_name text, email text, phone text, region text, company text, city text,
	postcode text, birth_date text, national_id text, consent boolean, updated_at text);
SQL
"$repo/test/build/plain/contactgen" --rows "$ROWS" --seed 7 |
	bpsql -c "\\copy bench_people FROM pstdin WITH (FORMAT csv, HEADER true)"
# Positive pairs: two records of one person; negative pairs: records of
# different people with the same family name (the hard case), as many.
bpsql <<'SQL'
CREATE INDEX ON bench_people (family_name, id);
CREATE TABLE bench_pairs AS
SELECT a.full_name AS a, b.full_name AS b, true AS same
  FROM bench_people a JOIN bench_people b ON a.truth_id = b.truth_id AND a.id < b.id
 WHERE a.full_name <> '' AND b.full_name <> '';
INSERT INTO bench_pairs
SELECT a.full_name, b.full_name, false
  FROM bench_people a
  JOIN LATERAL (SELECT full_name FROM bench_people b
                 WHERE b.family_name = a.family_name AND b.truth_id <> a.truth_id AND b.id > a.id
                 ORDER BY b.id LIMIT 1) b ON true
 WHERE a.full_name <> '' AND b.full_name <> '' AND a.family_name <> ''
 LIMIT (SELECT count(*) FROM bench_pairs);
VACUUM ANALYZE bench_pairs;
SQL
echo "pairs: $(bpsql -At -c "SELECT count(*) FILTER (WHERE same) || ' same person, ' || count(*) FILTER (WHERE NOT same) || ' different people' FROM bench_pairs")"

compare "name_similarity vs pg_trgm similarity" \
	"SELECT sum(contacts.name_similarity(a, b)) FROM bench_pairs" \
	"SELECT sum(similarity(a, b)) FROM bench_pairs" \
	"SELECT sum(length(a) + length(b)) FROM bench_pairs"
compare "name_normalize vs initcap" \
	"SELECT sum(length(contacts.name_normalize(full_name))) FROM bench_people" \
	"SELECT sum(length(initcap(full_name))) FROM bench_people" \
	"SELECT sum(length(full_name)) FROM bench_people"
# cost LABEL EXPR FLOOR_EXPR FILTER: marginal cost per row of a function
# without a peer, over the rows of bench_people matching FILTER.
cost() {
	local o z n
	o=$(median_ms "SELECT sum($2) FROM bench_people WHERE $4")
	z=$(median_ms "SELECT sum($3) FROM bench_people WHERE $4")
	n=$(bpsql -At -c "SELECT count(*) FROM bench_people WHERE $4")
	awk -v l="$1" -v o="$o" -v z="$z" -v n="$n" \
		'BEGIN {printf "%-44s ours %9.1f ms  floor %9.1f ms  %d rows, %.0f ns per row marginal\n", l, o, z, n, (o - z) * 1e6 / n}'
}
cost "company_key" "length(contacts.company_key(company))" "length(company)" "company <> ''"
cost "company_normalize" "length(contacts.company_normalize(company))" "length(company)" "company <> ''"
cost "national_id_valid (kind detected)" \
	"contacts.national_id_valid(region, NULL, national_id)::int" \
	"(length(region) + length(national_id) > 0)::int" "national_id <> ''"

# Separation: for each scorer, the share of same-person pairs at or above
# the threshold that lets through at most 2% of the different-people pairs.
bpsql -c "
WITH scored AS (
    SELECT same, contacts.name_similarity(a, b) AS name_similarity,
           similarity(contacts.fold(a), contacts.fold(b)) AS trigram_folded,
           contacts.jaro_winkler_similarity(a, b) AS jaro_winkler_folded
      FROM bench_pairs
), long AS (
    SELECT same, 'name_similarity' AS scorer, name_similarity AS score FROM scored
    UNION ALL SELECT same, 'pg_trgm similarity on fold()', trigram_folded FROM scored
    UNION ALL SELECT same, 'jaro_winkler_similarity on fold()', jaro_winkler_folded FROM scored
), cut AS (
    SELECT scorer, percentile_disc(0.98) WITHIN GROUP (ORDER BY score) AS threshold
      FROM long WHERE NOT same GROUP BY scorer
)
SELECT l.scorer, round(c.threshold::numeric, 3) AS threshold_2pct_false,
       round(100.0 * avg((l.score > c.threshold)::int) FILTER (WHERE l.same), 1) AS same_person_recall_pct,
       round(avg(l.score) FILTER (WHERE l.same)::numeric, 3) AS mean_same,
       round(avg(l.score) FILTER (WHERE NOT l.same)::numeric, 3) AS mean_different
  FROM long l JOIN cut c USING (scorer)
 GROUP BY l.scorer, c.threshold ORDER BY same_person_recall_pct DESC"

# The C core on the same data, without the server.
bpsql -c "\\copy (SELECT p.a, p.b, coalesce(q.company, ''), coalesce(q.region, ''), coalesce(q.national_id, '')
	FROM (SELECT a, b, row_number() OVER () AS r FROM bench_pairs) p
	JOIN (SELECT company, region, national_id, row_number() OVER () AS r FROM bench_people) q USING (r)) TO STDOUT" |
	"$repo/test/build/bench/names_bench"
bpsql -q -c "DROP TABLE bench_people, bench_pairs"
