#!/usr/bin/env bash
# Merges on a distributed table against the same merges on a local copy,
# in one run: PAIRS clusters of two rows (default 2,000), each row with a
# co-located referencing row, merged by merge_clusters on a coordinator
# and two workers (throwaway clusters on this machine), then on a local
# table of the same rows.  Prints both times, per merge, and the ratio, and
# checks that both tables end with the same rows.
#
#   PG_CONFIG=... bash test/citus/bench_merge.sh     after `make install`
#   SMOKE=1 ...                                       200 clusters
#
# Prints "skipped: ..." when Citus is not installed for that server.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
require_citus citus-merge
PAIRS=${PAIRS:-2000}
[ "${SMOKE:-0}" = 1 ] && PAIRS=200
DB=$CITUS_DB

start_cluster || exit 1
node_psql 5432 -d "$DB" -o /dev/null <<SQL || exit 1
SET client_min_messages = warning;
CREATE TABLE people (id bigint PRIMARY KEY, full_name text, email text, phone text);
INSERT INTO people
SELECT g, 'Name ' || (g + 1) / 2, 'user' || g || '@example.com',
       CASE WHEN g % 2 = 0 THEN '+34 612 ' || lpad(g::text, 6, '0') END
FROM generate_series(1, 2 * $PAIRS) g;
CREATE TABLE orders (person_id bigint REFERENCES people, order_id bigint, item text,
                     PRIMARY KEY (person_id, order_id));
INSERT INTO orders SELECT id, 1, 'item ' || id FROM people;
CREATE TABLE people_local AS SELECT * FROM people;
ALTER TABLE people_local ADD PRIMARY KEY (id);
CREATE TABLE orders_local AS SELECT * FROM orders;
ALTER TABLE orders_local ADD PRIMARY KEY (person_id, order_id),
    ADD FOREIGN KEY (person_id) REFERENCES people_local;
SELECT create_distributed_table('people', 'id');
SELECT create_distributed_table('orders', 'person_id', colocate_with => 'people');
SQL

# merge TABLE: merge_clusters over the pairs, its wall time in ms
merge() {
	node_psql 5432 -d "$DB" -At -c '\timing on' -c "SET client_min_messages = warning" \
		-c "CALL contacts.merge_clusters('$1', 'SELECT (id + 1) / 2 AS cluster_id, id AS member_key FROM $1',
			survivor => 'smallest_key')" 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}

echo "-- $PAIRS clusters of two rows, each row referenced by an order"
ms_local=$(merge people_local)
ms_dist=$(merge people)
printf '%-34s %8.1f s  %6.2f ms per merge\n' "local table" "$(awk -v m="$ms_local" 'BEGIN {print m / 1000}')" \
	"$(awk -v m="$ms_local" -v n="$PAIRS" 'BEGIN {print m / n}')"
printf '%-34s %8.1f s  %6.2f ms per merge\n' "distributed (2 workers, co-located)" \
	"$(awk -v m="$ms_dist" 'BEGIN {print m / 1000}')" "$(awk -v m="$ms_dist" -v n="$PAIRS" 'BEGIN {print m / n}')"
same=$(node_psql 5432 -d "$DB" -At <<SQL
SELECT NOT EXISTS (SELECT * FROM people EXCEPT ALL SELECT * FROM people_local)
   AND NOT EXISTS (SELECT * FROM people_local EXCEPT ALL SELECT * FROM people)
   AND NOT EXISTS (SELECT * FROM orders EXCEPT ALL SELECT * FROM orders_local)
   AND NOT EXISTS (SELECT * FROM orders_local EXCEPT ALL SELECT * FROM orders)
   AND (SELECT count(*) FROM people) = (SELECT count(*) FROM people_local)
   AND (SELECT count(*) FROM contacts.merge_log WHERE tbl = 'people'::regclass) = $PAIRS
SQL
)
echo "distributed / local: x$(awk -v a="$ms_dist" -v b="$ms_local" 'BEGIN {printf "%.2f", a / b}') the time; same rows: $same"
stop_all
rm -rf "$CITUS_DIR"
if [ "$same" = t ]; then echo "citus-merge: 1 passed, 0 failed"; else echo "citus-merge: 0 passed, 1 failed"; exit 1; fi
