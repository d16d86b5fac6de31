#!/usr/bin/env bash
# Text functions against their peers on 1M generated names (SMOKE=1: 1000):
#   contacts.jaro_winkler_similarity      vs pg_similarity's jarowinkler        (target x4)
#   contacts.levenshtein_distance       vs fuzzystrmatch's levenshtein        (target x5)
#   contacts.levenshtein_distance(,,2)  vs fuzzystrmatch's levenshtein_less_equal(,,2)
#                              (target x1 or better on every length mix:
#                              short names, long names, pure ASCII, accented)
#   contacts.fold              vs lower(unaccent(x))                 (target x3)
# Ratios compare marginal costs: each query minus the same query with
# length() in place of the function.  Then the core is timed in C
# (test/bench/text_bench.c) on the same names.
#
# Note the comparison is conservative for us: contacts' similarity functions
# also fold both arguments (accent- and case-insensitive), the peers do not.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)

ROWS=$(scale 1000000)
# One backend, no parallel workers: we compare per-row costs.
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0 -c jit=off"

make -s -C "$repo/test" gen build/bench/text_bench >/dev/null

# pg_similarity is packaged for Debian's PostgreSQL 15 only: on a server
# without it, its comparison is skipped (and said so), not failed.
have_similarity=$(bpsql -At -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_similarity'")
if [ "$have_similarity" = 1 ]; then
	bpsql -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pg_similarity"
else
	echo "skipped: jaro_winkler_similarity vs pg_similarity (pg_similarity is not installed for PostgreSQL $(bpsql -At -c 'SHOW server_version'))"
fi

bpsql <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contacts;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
CREATE EXTENSION IF NOT EXISTS unaccent;
DROP TABLE IF EXISTS bench_contacts, bench_names;
CREATE TABLE bench_contacts (id bigint, truth_id bigint, full_name text, given_name text,
	family_name text, email text, phone text, region text, company text, city text,
	postcode text, birth_date text, national_id text, consent boolean, updated_at text);
SQL
"$repo/test/build/plain/contactgen" --rows "$ROWS" --seed 5 |
	bpsql -c "\\copy bench_contacts FROM pstdin WITH (FORMAT csv, HEADER true)"
# Pairs: each name with the next record of the same person when there is
# one (a typed variant), else with the next person's.
bpsql <<'SQL'
CREATE TABLE bench_pairs AS
SELECT full_name AS a, lead(full_name, 1, 'Juan Pérez') OVER w AS b,
       concat_ws(', ', full_name, company, city) AS long_a,
       lead(concat_ws(', ', full_name, company, city), 1, 'Juan Pérez, Pérez S.L., Madrid') OVER w AS long_b
FROM bench_contacts WHERE full_name IS NOT NULL
WINDOW w AS (ORDER BY truth_id, id);
DROP TABLE bench_contacts;
CREATE TABLE bench_names AS SELECT a, b FROM bench_pairs;
-- The length mixes of the bounded distance: first words only (short), the
-- name with company and city (long), and the pairs split by script.
CREATE TABLE mix_short AS SELECT split_part(a, ' ', 1) AS a, split_part(b, ' ', 1) AS b FROM bench_pairs;
CREATE TABLE mix_long AS SELECT long_a AS a, long_b AS b FROM bench_pairs;
CREATE TABLE mix_ascii AS SELECT a, b FROM bench_pairs WHERE a || b !~ '[^\x01-\x7f]';
CREATE TABLE mix_accented AS SELECT a, b FROM bench_pairs WHERE a || b ~ '[^\x01-\x7f]';
DROP TABLE bench_pairs;
VACUUM ANALYZE bench_names, mix_short, mix_long, mix_ascii, mix_accented;
SQL

echo "rows: $(bpsql -At -c 'SELECT count(*) FROM bench_names'), $(bpsql -At -c \
	"SELECT round(100.0 * count(*) FILTER (WHERE a !~ '[^\\x01-\\x7f]') / count(*)) FROM bench_names")% pure ASCII"

# Make sure the peers are what we think they are.
bpsql -At -c "SELECT 'peer check: ' || public.levenshtein('kitten', 'sitting') || ' ' || lower(unaccent('JOSÉ'))"

if [ "$have_similarity" = 1 ]; then
	bpsql -At -c "SELECT 'peer check: ' || round(jarowinkler('MARTHA', 'MARHTA')::numeric, 4)"
	compare "jaro_winkler_similarity vs pg_similarity jarowinkler" \
		"SELECT sum(contacts.jaro_winkler_similarity(a, b)) FROM bench_names" \
		"SELECT sum(jarowinkler(a, b)) FROM bench_names" \
		"SELECT sum(length(a) + length(b)) FROM bench_names"
fi
compare "levenshtein_distance vs fuzzystrmatch levenshtein" \
	"SELECT sum(contacts.levenshtein_distance(a, b)) FROM bench_names" \
	"SELECT sum(public.levenshtein(a, b)) FROM bench_names" \
	"SELECT sum(length(a) + length(b)) FROM bench_names"
compare "levenshtein_distance(a,b,2) vs levenshtein_less_equal" \
	"SELECT sum(contacts.levenshtein_distance(a, b, 2)) FROM bench_names" \
	"SELECT sum(public.levenshtein_less_equal(a, b, 2)) FROM bench_names" \
	"SELECT sum(length(a) + length(b)) FROM bench_names"
for mix in short long ascii accented; do
	compare "  $mix: $(bpsql -At -c "SELECT count(*) || ' pairs, ' || round(avg(length(a)), 1) || ' chars' FROM mix_$mix")" \
		"SELECT sum(contacts.levenshtein_distance(a, b, 2)) FROM mix_$mix" \
		"SELECT sum(public.levenshtein_less_equal(a, b, 2)) FROM mix_$mix" \
		"SELECT sum(length(a) + length(b)) FROM mix_$mix"
done
compare "fold vs lower(unaccent(x))" \
	"SELECT sum(length(contacts.fold(a))) FROM bench_names" \
	"SELECT sum(length(lower(unaccent(a)))) FROM bench_names" \
	"SELECT sum(length(a)) FROM bench_names"

# The core alone, on the same names.
bpsql -At -c "\\copy (SELECT a FROM bench_names) TO pstdout" | "$repo/test/build/bench/text_bench"

bpsql -c "DROP TABLE bench_names, mix_short, mix_long, mix_ascii, mix_accented"
