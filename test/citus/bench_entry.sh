#!/usr/bin/env bash
# Rows written through the entry trigger on a distributed table against the
# same rows on a local table, in one run: ROWS rows (default 100,000) with
# names and phones to normalize, inserted by one INSERT ... SELECT (or
# statements of BATCH rows each) into a
# table distributed by its contacts.email key (the trigger runs in the
# shards, on two workers: throwaway clusters on this machine, as the
# coordinator is) and into a local table under the same configuration;
# then the same rows without the trigger, on both, for the trigger's own
# cost.  Prints the times, the ratio, and whether both tables hold the
# same rows.
#
#   PG_CONFIG=... bash test/citus/bench_entry.sh     after `make install`
#   SMOKE=1 ...                                       5,000 rows
#
# Prints "skipped: ..." when Citus is not installed for that server.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
require_citus citus-entry
ROWS=${ROWS:-100000}
[ "${SMOKE:-0}" = 1 ] && ROWS=5000
BATCH=${BATCH:-$ROWS}
DB=$CITUS_DB

start_cluster || exit 1
node_psql 5432 -d "$DB" -o /dev/null <<SQL || exit 1
SET client_min_messages = warning;
-- suppressed people, none of them among the rows: every row is checked
SELECT count(contacts.suppress('email', 'gone' || g || '@example.org')) FROM generate_series(1, 1000) g;
CREATE TABLE source AS
SELECT g AS n, 'User.' || g || '@Example.com' AS email, '  ' || upper(md5(g::text)) || '  perez ' AS full_name,
       '6' || lpad((g % 100000000)::text, 8, '0') AS phone, 'ES' AS country
FROM generate_series(1, $ROWS) g;
SET citus.enable_unsafe_triggers = on;
CREATE TABLE customers (email contacts.email PRIMARY KEY, full_name text, phone text, country text,
                        flags jsonb);
CREATE TABLE customers_local (LIKE customers INCLUDING ALL);
SELECT create_distributed_table('customers', 'email');
SELECT contacts.configure(t, 'email',
    '{"email": "email", "full_name": "full_name", "phone": "phone", "country": "country"}',
    default_region => 'ES', on_duplicate => 'reject', duplicate_keys => '{email}', flag_column => 'flags')
FROM unnest(ARRAY['customers', 'customers_local']::regclass[]) t;
CREATE TRIGGER customers_enforce BEFORE INSERT OR UPDATE ON customers
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
CREATE TRIGGER customers_enforce BEFORE INSERT OR UPDATE ON customers_local
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
SQL

# load TABLE: the rows in statements of BATCH rows, their wall time in ms
load() {
	node_psql 5432 -d "$DB" -At -v ON_ERROR_STOP=1 -c "TRUNCATE $1" -f - <<SQL 2>&1 |
SET client_min_messages = warning;
SELECT clock_timestamp() AS started \\gset
SELECT format('INSERT INTO $1 (email, full_name, phone, country) '
              'SELECT email, full_name, phone, country FROM source WHERE n BETWEEN %s AND %s', b, b + $BATCH - 1)
FROM generate_series(1, $ROWS, $BATCH) b \\gexec
SELECT round(extract(epoch FROM clock_timestamp() - :'started') * 1000, 1);
SQL
		tail -n 1
}
trigger() {
	node_psql 5432 -d "$DB" -o /dev/null -c "SET citus.enable_unsafe_triggers = on" \
		-c "ALTER TABLE customers $1 TRIGGER customers_enforce" -c "ALTER TABLE customers_local $1 TRIGGER customers_enforce"
}
secs() { awk -v m="$1" 'BEGIN {printf "%.2f", m / 1000}'; }
rate() { awk -v m="$1" -v n="$ROWS" 'BEGIN {printf "%.0f", n / (m / 1000)}'; }

echo "-- $ROWS rows through the entry trigger, $BATCH a statement (names and phones normalized, 1,000 suppressed addresses)"
trigger DISABLE
plain_local=$(load customers_local)
plain_dist=$(load customers)
trigger ENABLE
ms_local=$(load customers_local)
ms_dist=$(load customers)
printf '%-44s %7s s  %7s rows/s   (without the trigger %s s)\n' "local table" "$(secs "$ms_local")" \
	"$(rate "$ms_local")" "$(secs "$plain_local")"
printf '%-44s %7s s  %7s rows/s   (without the trigger %s s)\n' "distributed by email (2 workers, in the shards)" \
	"$(secs "$ms_dist")" "$(rate "$ms_dist")" "$(secs "$plain_dist")"
same=$(node_psql 5432 -d "$DB" -At <<SQL
SELECT NOT EXISTS (SELECT * FROM customers EXCEPT ALL SELECT * FROM customers_local)
   AND NOT EXISTS (SELECT * FROM customers_local EXCEPT ALL SELECT * FROM customers)
   AND (SELECT count(*) FROM customers) = $ROWS
   AND (SELECT count(*) FROM customers WHERE full_name LIKE '% Perez' AND phone LIKE '+34%') = $ROWS
SQL
)
echo "distributed / local: x$(awk -v a="$ms_dist" -v b="$ms_local" 'BEGIN {printf "%.2f", a / b}') the time;" \
	"the trigger's own cost: local +$(secs "$(awk -v a="$ms_local" -v b="$plain_local" 'BEGIN {print a - b}')") s," \
	"distributed +$(secs "$(awk -v a="$ms_dist" -v b="$plain_dist" 'BEGIN {print a - b}')") s; same rows, normalized: $same"
stop_all
rm -rf "$CITUS_DIR"
if [ "$same" = t ]; then echo "citus-entry: 1 passed, 0 failed"; else echo "citus-entry: 0 passed, 1 failed"; exit 1; fi
