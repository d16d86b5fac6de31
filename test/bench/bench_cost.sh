#!/usr/bin/env bash
# What each function costs the planner's way, on 200k generated contacts
# (SMOKE=1: 200): its marginal time per call in units of one operator call
# as the planner sees it.  The planner charges a row cpu_tuple_cost (0.01)
# and an operator or a C function without a COST cpu_operator_cost (0.0025):
# one unit is a quarter of the time the executor spends on a row of the scan
# (the floor query's time per row), which is measured far more steadily than
# any single cheap operator.  Beside it, the COST the install script
# declares (the measure rounded to 1, 2 or 5 times a power of ten), so that a
# declared COST that drifts far from what a call costs shows up here.
# The planner uses COST to order a WHERE clause's conditions (cheap first)
# and to weigh a function in an index expression or a join filter.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)

ROWS=$(scale 200000)
export PGOPTIONS="${PGOPTIONS:-} -c max_parallel_workers_per_gather=0 -c jit=off"
make -s -C "$repo/test" gen >/dev/null

bpsql <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS contacts;
DROP TABLE IF EXISTS cost_contacts, cost_rows;
CREATE TABLE cost_contacts (id bigint, truth_id bigint, full_name text, given_name text,
	family_name text, email text, phone text, region text, company text, city text,
	postcode text, birth_date text, national_id text, consent boolean, updated_at text);
SQL
"$repo/test/build/plain/contactgen" --rows "$ROWS" --seed 11 |
	bpsql -c "\\copy cost_contacts FROM pstdin WITH (FORMAT csv, HEADER true)"
bpsql <<'SQL'
CREATE TABLE cost_rows AS
SELECT coalesce(full_name, 'Ana Ruiz') AS a,
       coalesce(lead(full_name) OVER (ORDER BY truth_id, id), 'Juan Pérez') AS b,
       coalesce(email, 'ana@example.com') AS email, coalesce(phone, '+34612345678') AS phone,
       coalesce(region, 'ES') AS region, coalesce(company, 'Acme S.L.') AS company,
       coalesce(national_id, '12345678Z') AS national_id
FROM cost_contacts;
DROP TABLE cost_contacts;
-- the functions that raise on what they cannot read get what they can
UPDATE cost_rows SET email = 'ana@example.com' WHERE NOT contacts.email_valid(email);
UPDATE cost_rows SET region = 'ES', national_id = '12345678Z'
 WHERE NOT coalesce(contacts.national_id_valid(region, NULL, national_id), false);
UPDATE cost_rows SET phone = '+34612345678' WHERE NOT coalesce(contacts.phone_valid(phone, region), false);
VACUUM ANALYZE cost_rows;
SQL

# marginal_ns EXPR: ns per call of EXPR over the floor query.
floor_ms=$(median_ms "SELECT count(*) FROM cost_rows WHERE a IS NOT NULL")
marginal_ns() {
	local t
	t=$(median_ms "SELECT count(*) FROM cost_rows WHERE ($1) IS NOT NULL")
	awk -v t="$t" -v f="$floor_ms" -v n="$ROWS" 'BEGIN {v = (t - f) * 1e6 / n; printf "%.1f\n", v < 0.1 ? 0.1 : v}'
}
unit=$(awk -v f="$floor_ms" -v n="$ROWS" 'BEGIN {printf "%.1f\n", f * 1e6 / n / 4}')
echo "rows: $ROWS; the scan: $(awk -v u="$unit" 'BEGIN {print u * 4}') ns per row, so one unit (COST 1) is $unit ns"
printf '%-58s %10s %10s %9s\n' "function" "ns/call" "units" "declared"

while IFS='|' read -r fn expr; do
	[ -z "$fn" ] && continue
	ns=$(marginal_ns "$expr")
	declared=$(bpsql -At -c "SELECT procost FROM pg_proc WHERE oid = 'contacts.$fn'::regprocedure")
	printf '%-58s %10s %10s %9s\n' "$fn" "$ns" "$(ratio "$ns" "$unit")" "$declared"
done <<'LIST'
fold(text)|contacts.fold(a)
levenshtein_distance(text,text)|contacts.levenshtein_distance(a, b)
levenshtein_distance(text,text,integer)|contacts.levenshtein_distance(a, b, 2)
jaro_winkler_similarity(text,text)|contacts.jaro_winkler_similarity(a, b)
damerau_levenshtein_distance(text,text)|contacts.damerau_levenshtein_distance(a, b)
token_set_similarity(text,text)|contacts.token_set_similarity(a, b)
qgram_similarity(text,text,integer)|contacts.qgram_similarity(a, b, 2)
double_metaphone(text)|contacts.double_metaphone(a)
phonetic_es(text)|contacts.phonetic_es(a)
name_normalize(text)|contacts.name_normalize(a)
name_parts(text)|contacts.name_parts(a)
name_similarity(text,text)|contacts.name_similarity(a, b)
name_search_similarity(text,text)|contacts.name_search_similarity(a, b)
name_search_key(text)|contacts.name_search_key(a)
company_normalize(text)|contacts.company_normalize(company)
company_key(text)|contacts.company_key(company)
email_valid(text)|contacts.email_valid(email)
email_check(text)|contacts.email_check(email)
email_normalize(text)|contacts.email_normalize(email)
email_key(text)|contacts.email_key(email)
email_suggest(text)|contacts.email_suggest(email)
phone_parse(text,text)|contacts.phone_parse(phone, region)
phone_valid(text,text)|contacts.phone_valid(phone, region)
phone_check(text,text)|contacts.phone_check(phone, region)
national_id_valid(text,text,text)|contacts.national_id_valid(region, NULL, national_id)
national_id_normalize(text,text,text)|contacts.national_id_normalize(region, NULL, national_id)
LIST

bpsql -c "DROP TABLE cost_rows"
