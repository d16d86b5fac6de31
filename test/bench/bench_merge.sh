#!/usr/bin/env bash
# Merge and unmerge throughput.  N merges (10k; SMOKE=1: 100) of 2 or 3 rows
# each into a contact table referenced by two tables: orders, and tags with a
# unique (contact, tag) key so that merges also resolve conflicts.  Then every
# merge is undone, newest first, and the three tables are compared with a
# snapshot taken before.  Each phase is one statement in one transaction.
# Target on the reference machine: <= 30 s for each phase at 10k merges.
# The whole run is made twice: without alternates (the table is not
# configured), then with them (configured with email and phone duplicate
# keys, so that every merge keeps the merged-away emails and phones in
# contacts.alternate), and the two are printed side by side with their
# ratio.  on_duplicate stays 'allow': with a duplicate policy each merge
# also locks the values it moves, and 10k merges in one transaction would
# hold more advisory locks than the lock table has room for.
# MERGES=N sets another number of merges.  The table's change feed is on
# (logical messages, NOTIFY and kept events; FEED=0: off), and its rows
# have external ids that the merges move and the unmerges move back.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

N=${MERGES:-$(scale 10000)}
FEED=${FEED:-1}

# seconds of a statement, from psql's \timing
seconds() {
	bpsql -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1 |
		awk '{printf "%.2f", $1 / 1000}'
}

run() {
local alternates=$1
bpsql <<SQL
CREATE EXTENSION IF NOT EXISTS contacts;
DROP TABLE IF EXISTS bm_snapshot, bm_tag, bm_order, bm_contact;
TRUNCATE contacts.merge_log CASCADE;
TRUNCATE contacts.feed_event;
CREATE TABLE bm_contact (
    id          bigint PRIMARY KEY,
    grp         int NOT NULL,
    full_name   text,
    email       text,
    phone       text,
    city        text,
    updated_at  timestamptz
);
CREATE TABLE bm_order (
    id          bigint PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES bm_contact,
    amount      numeric
);
CREATE INDEX ON bm_order (contact_id);
CREATE TABLE bm_tag (
    contact_id  bigint REFERENCES bm_contact ON DELETE CASCADE,
    tag         text,
    PRIMARY KEY (contact_id, tag)
);
-- group g has 2 or 3 rows
INSERT INTO bm_contact
SELECT row_number() OVER (), g,
       CASE WHEN i = 1 THEN 'Ana García ' || g ELSE 'A. García ' || g END,
       CASE WHEN i = 2 THEN 'ana' || g || '@example.com' ELSE 'ana' || g || '(at)example' END,
       CASE WHEN i = 1 THEN NULL ELSE '+34 600 ' || lpad(g::text, 6, '0') END,
       CASE WHEN i = 3 THEN 'Sevilla' ELSE 'Madrid' END,
       timestamptz '2024-01-01' + (g * 3 + i) * interval '1 minute'
  FROM generate_series(1, $N) g, generate_series(1, 2 + g % 2) i;
INSERT INTO bm_order SELECT row_number() OVER (), c.id, k * 10 FROM bm_contact c, generate_series(1, 2) k;
INSERT INTO bm_tag SELECT c.id, t FROM bm_contact c, unnest(ARRAY['vip', 'new', 'old']) t
 WHERE (c.id + length(t)) % 3 <> 0;
-- one external id per row, from the mail tool
INSERT INTO contacts.external_id (tbl, system, external_id, key)
SELECT 'bm_contact', 'mail', 'M-' || id, id::text FROM bm_contact;
SELECT contacts.feed_configure('bm_contact', logical => $FEED = 1, notify => $FEED = 1, keep => $FEED = 1);
ANALYZE bm_contact; ANALYZE bm_order; ANALYZE bm_tag;
SELECT contacts.configure('bm_contact', 'id', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
                          default_region => 'ES', duplicate_keys => '{email,phone}')
 WHERE $alternates;
CREATE TABLE bm_snapshot AS
SELECT (SELECT md5(string_agg(x::text, ',' ORDER BY x.id)) FROM bm_contact x) AS contacts,
       (SELECT md5(string_agg(x::text, ',' ORDER BY x.id)) FROM bm_order x) AS orders,
       (SELECT md5(string_agg(x::text, ',' ORDER BY x.contact_id, x.tag)) FROM bm_tag x) AS tags,
       (SELECT md5(string_agg(x.external_id || '=' || x.key, ',' ORDER BY x.external_id)) FROM contacts.external_id x
         WHERE x.tbl = 'bm_contact'::regclass) AS ids;
SQL

rows=$(bpsql -At -c "SELECT count(*) FROM bm_contact")
orders=$(bpsql -At -c "SELECT count(*) FROM bm_order")
tags=$(bpsql -At -c "SELECT count(*) FROM bm_tag")

merge_s=$(seconds "SELECT count(contacts.merge('bm_contact', g.ids[1], g.ids))
                     FROM (SELECT array_agg(id ORDER BY id) AS ids FROM bm_contact GROUP BY grp) g")
read -r left merged repointed dropped kept <<<"$(bpsql -At -F ' ' -c "
    SELECT (SELECT count(*) FROM bm_contact),
           (SELECT count(*) FROM contacts.merge_log WHERE tbl = 'bm_contact'::regclass),
           (SELECT count(*) FROM contacts.merge_log_row WHERE action = 'repoint'),
           (SELECT count(*) FROM contacts.merge_log_row WHERE action = 'delete_conflict'),
           (SELECT count(*) FROM contacts.alternate WHERE tbl = 'bm_contact'::regclass)")"
[ "$left" = "$N" ] && [ "$merged" = "$N" ] || { echo "merge left $left rows and logged $merged merges, expected $N"; exit 1; }
# with alternates, every group's other phone and its valid email are kept
if [ "$alternates" = true ] && [ "$kept" -lt "$N" ]; then echo "only $kept alternates kept for $N merges"; exit 1; fi
read -r events moved <<<"$(bpsql -At -F ' ' -c "
    SELECT (SELECT count(*) FROM contacts.feed_event WHERE kind = 'merge'),
           (SELECT count(*) FROM contacts.external_id x WHERE x.tbl = 'bm_contact'::regclass
               AND x.key <> substr(x.external_id, 3))")"
if [ "$FEED" = 1 ]; then [ "$events" = "$N" ] || { echo "$events merge events kept, expected $N"; exit 1; }; fi

unmerge_s=$(seconds "DO \$\$
DECLARE m bigint;
BEGIN
    FOR m IN SELECT merge_id FROM contacts.merge_log WHERE tbl = 'bm_contact'::regclass ORDER BY merge_id DESC LOOP
        PERFORM contacts.unmerge(m);
    END LOOP;
END \$\$")
same=$(bpsql -At -c "
    SELECT s.contacts = (SELECT md5(string_agg(x::text, ',' ORDER BY x.id)) FROM bm_contact x)
       AND s.orders = (SELECT md5(string_agg(x::text, ',' ORDER BY x.id)) FROM bm_order x)
       AND s.tags = (SELECT md5(string_agg(x::text, ',' ORDER BY x.contact_id, x.tag)) FROM bm_tag x)
       AND NOT EXISTS (SELECT FROM contacts.alternate)
       AND s.ids = (SELECT md5(string_agg(x.external_id || '=' || x.key, ',' ORDER BY x.external_id)) FROM contacts.external_id x
                     WHERE x.tbl = 'bm_contact'::regclass)
      FROM bm_snapshot s")

label=$([ "$alternates" = true ] && echo "with alternates" || echo "no alternates")
printf '%s: data: %d contacts in %d groups, %d orders, %d tags\n' "$label" "$rows" "$N" "$orders" "$tags"
printf '%s: change feed: %s (%d merge events kept); external ids moved by the merges: %d\n' \
	"$label" "$([ "$FEED" = 1 ] && echo 'on: logical messages, NOTIFY, kept events' || echo off)" "$events" "$moved"
printf '%s: merge:   %6d merges in %7.2f s (%.2f ms each; %d references repointed, %d conflicting tags dropped, %d alternates kept)\n' \
	"$label" "$N" "$merge_s" "$(awk -v s="$merge_s" -v n="$N" 'BEGIN {print s * 1000 / n}')" "$repointed" "$dropped" "$kept"
printf '%s: unmerge: %6d merges in %7.2f s (%.2f ms each), tables restored exactly: %s\n' \
	"$label" "$N" "$unmerge_s" "$(awk -v s="$unmerge_s" -v n="$N" 'BEGIN {print s * 1000 / n}')" "$same"

bpsql -c "DROP TABLE bm_snapshot, bm_tag, bm_order, bm_contact" -c "TRUNCATE contacts.merge_log CASCADE" \
	-c "TRUNCATE contacts.feed_event"
[ "$same" = t ]
# the best of the rounds so far
eval "best=\${${alternates}_merge:-}"
if [ -z "$best" ] || awk -v a="$merge_s" -v b="$best" 'BEGIN {exit !(a < b)}'; then
	eval "${alternates}_merge=$merge_s"
fi
eval "best=\${${alternates}_unmerge:-}"
if [ -z "$best" ] || awk -v a="$unmerge_s" -v b="$best" 'BEGIN {exit !(a < b)}'; then
	eval "${alternates}_unmerge=$unmerge_s"
fi
}

# Interleaved rounds (ROUNDS, 2; smoke 1), the best of each kept: a load
# change on the machine during the run affects both alike.
ROUNDS=${ROUNDS:-2}
[ "$SMOKE" = 1 ] && ROUNDS=1
for round in $(seq "$ROUNDS"); do
	run false
	run true
done
printf 'best of %d: merge %.2f s without alternates, %.2f s with (x%s; target <= 30 s at 10k with alternates); unmerge %.2f s, %.2f s (x%s)\n' \
	"$ROUNDS" "$false_merge" "$true_merge" "$(ratio "$true_merge" "$false_merge")" \
	"$false_unmerge" "$true_unmerge" "$(ratio "$true_unmerge" "$false_unmerge")"
