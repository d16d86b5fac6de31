#!/usr/bin/env bash
# phone_parse in SQL over 1M phone numbers written the way people write them
# (national and international forms, punctuation, tel: URIs, extensions; ten
# regions), against the length() floor: the marginal cost of parsing,
# validating and building a phone per row.  A digits-only regexp_replace,
# the usual hand-rolled "normalization", is timed too for scale.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ROWS=$(scale 1000000)

bpsql <<SQL
CREATE EXTENSION IF NOT EXISTS contacts;
DROP TABLE IF EXISTS bench_phones;
-- Ten regions, three written forms each; the subscriber digits come from the
-- row number (the first group starts with 2-9, as subscriber numbers do) so
-- that numbers vary and every one is valid.
CREATE TABLE bench_phones AS
SELECT g AS id, r.region,
       format(r.forms[1 + (g / 10) % 3], d4a, d4b, d2, d3) AS raw
  FROM generate_series(1, $ROWS) g,
       LATERAL (SELECT (2000 + g % 8000)::text AS d4a,
                       lpad(((g / 10000) * 37 % 10000)::text, 4, '0') AS d4b,
                       lpad((g % 97)::text, 2, '0') AS d2,
                       lpad((g % 997)::text, 3, '0') AS d3) d,
       LATERAL (SELECT * FROM (VALUES
           (0, 'ES', ARRAY['+34 6%1\$s %2\$s', '6%1\$s%2\$s', '0034 6%1\$s %2\$s']),
           (1, 'AR', ARRAY['+54 9 11 4%4\$s-%1\$s', '(011) 15 4%4\$s-%1\$s', '011 4%4\$s-%2\$s']),
           (2, 'MX', ARRAY['55 %1\$s %2\$s', '+52 55 %1\$s %2\$s ext. %3\$s', '(55) %1\$s-%2\$s']),
           (3, 'US', ARRAY['(201) 555-%1\$s', 'tel:+1-201-555-%1\$s', '+1 201.555.%1\$s x%3\$s']),
           (4, 'BR', ARRAY['(11) 9%1\$s-%2\$s', '+55 11 9%1\$s-%2\$s', '0 15 11 9%1\$s-%2\$s']),
           (5, 'GB', ARRAY['07400 %1\$s%3\$s', '+44 7400 %1\$s%3\$s', '020 7946 %1\$s']),
           (6, 'FR', ARRAY['06 12 %1\$s %3\$s', '+33 6 12 %1\$s %3\$s', '01 23 %1\$s %3\$s']),
           (7, 'IT', ARRAY['02 %1\$s %2\$s', '+39 06 %1\$s %2\$s', '312 345 %1\$s']),
           (8, 'CO', ARRAY['321 %4\$s%1\$s', '+57 321 %4\$s%1\$s', '(601) 234 %1\$s']),
           (9, 'DE', ARRAY['030 %1\$s%3\$s', '+49 151 %1\$s%2\$s', '0151 %1\$s %2\$s'])
         ) v(k, region, forms) WHERE k = g % 10) r;
ANALYZE bench_phones;
SQL

invalid=$(bpsql -At -c "SELECT count(*) FROM bench_phones WHERE contacts.phone_check(raw, region) IS NOT NULL")
if [ "$invalid" != 0 ]; then
	echo "bench_phone: $invalid generated numbers are not valid:"
	bpsql -c "SELECT region, raw, contacts.phone_check(raw, region) FROM bench_phones
	           WHERE contacts.phone_check(raw, region) IS NOT NULL LIMIT 10"
	exit 1
fi
bpsql -c "SELECT region, raw, contacts.phone_parse(raw, region) FROM bench_phones ORDER BY id LIMIT 12"

floor_sql="SELECT count(length(raw)) FROM bench_phones"
parse_sql="SELECT count(contacts.phone_parse(raw, region)) FROM bench_phones"
regexp_sql="SELECT count(regexp_replace(raw, '[^0-9]', '', 'g')) FROM bench_phones"

floor=$(median_ms "$floor_sql")
parse=$(median_ms "$parse_sql")
printf '%-44s %9.1f ms\n' "length() floor, $ROWS rows" "$floor"
printf '%-44s %9.1f ms\n' "phone_parse, $ROWS rows" "$parse"
printf '%-44s %9.0f ns/row\n' "phone_parse marginal cost" \
	"$(awk -v p="$parse" -v f="$floor" -v n="$ROWS" 'BEGIN{print (p - f) * 1e6 / n}')"
printf '%-44s x%s\n' "phone_parse / length() (whole query)" "$(ratio "$parse" "$floor")"
compare "phone_parse vs regexp digits-only" "$parse_sql" "$regexp_sql" "$floor_sql"

bpsql -c "DROP TABLE bench_phones"
