#!/usr/bin/env bash
# Entry standards benchmark:
#  1. COPY of N rows into a table with the enforcing trigger (email, phone and
#     name columns checked and normalized) against the same COPY without it.
#     Target: <= 2x.  The same COPY with the table's change feed on: logical
#     decoding messages, and logical messages plus NOTIFY.
#  2. contacts.import() of N staged rows with 10% duplicates and 5% invalid
#     rows: seconds.
#  3. The same import into a table with typed columns (a birth date, an
#     amount, a consent boolean) filled from spreadsheet text: day-first
#     dates, 1.234,50 amounts, sí/no consent, 5% of rows with one cell its
#     column's type rejects (an impossible date, a word for an amount, an
#     unreadable consent).  Beside import 2 in the same run; nothing may
#     abort, and every bad cell must cost exactly its row.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=$(scale 1000000)
CSV=/tmp/contacts_bench_entry_$$.csv
trap 'rm -f "$CSV"' EXIT

bpsql <<SQL
CREATE EXTENSION IF NOT EXISTS contacts;
DROP TABLE IF EXISTS entry_src, entry_plain, entry_enforced, entry_feed_logical, entry_feed_notify, entry_empty_trigger, entry_unchecked, entry_staging, entry_target,
    entry_typed_staging, entry_typed_target;
DROP FUNCTION IF EXISTS entry_noop();
-- Realistic written values: mixed case names with extra spaces, emails with
-- upper-case domains, Spanish phones in several forms; 5% invalid.
CREATE TABLE entry_src AS
SELECT i AS id,
       (ARRAY['  JOSE  perez','maría GARCÍA lópez','juan de la cruz','Ana  Martínez','o''brien, patrick',
              'lucía fernández','PEDRO sánchez ruiz','Carmen  de los Ríos'])[1 + i % 8] || ' ' || (i % 997) AS full_name,
       CASE WHEN i % 20 = 0 THEN 'user' || i || '@gmial..con'
            ELSE (ARRAY['Ana','jose.perez','MARIA_g','l.fdez','pedro'])[1 + i % 5] || i
                 || '@' || (ARRAY['Gmail.com','HOTMAIL.es','example.COM','yahoo.com.ar','outlook.es'])[1 + i % 7 % 5] END AS email,
       CASE WHEN i % 20 = 1 THEN '12345'
            ELSE (ARRAY['+34 6','0034 6','6','(+34) 6'])[1 + i % 4] || lpad((i % 100000000)::text, 8, '0') END AS phone
  FROM generate_series(1, $N) i;
COPY entry_src TO '$CSV' WITH (FORMAT csv);
CREATE TABLE entry_plain (id bigint PRIMARY KEY, full_name text, email text, phone text, flags jsonb);
CREATE TABLE entry_enforced (LIKE entry_plain INCLUDING ALL);
-- Any BEFORE ROW trigger turns off COPY's multi-row inserts: an empty
-- PL/pgSQL trigger shows what that alone costs.
CREATE TABLE entry_empty_trigger (LIKE entry_plain INCLUDING ALL);
CREATE FUNCTION entry_noop() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN RETURN NEW; END \$\$;
CREATE TRIGGER entry_noop BEFORE INSERT ON entry_empty_trigger FOR EACH ROW EXECUTE FUNCTION entry_noop();
-- contacts.enforce() with nothing to check (free text is stored as typed):
-- what calling a C row trigger costs before any checking.
CREATE TABLE entry_unchecked (LIKE entry_plain INCLUDING ALL);
SELECT contacts.configure('entry_unchecked', 'id', '{"full_name": "free_text"}');
CREATE TRIGGER entry_unchecked_enforce BEFORE INSERT ON entry_unchecked
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
SELECT contacts.configure('entry_enforced', 'id',
        '{"full_name": "full_name", "email": "email", "phone": "phone"}',
        default_region => 'ES', on_invalid => 'flag', flag_column => 'flags');
CREATE TRIGGER entry_enforced_enforce BEFORE INSERT OR UPDATE ON entry_enforced
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
-- The same with the change feed on: an event per row.
CREATE TABLE entry_feed_logical (LIKE entry_plain INCLUDING ALL);
CREATE TABLE entry_feed_notify (LIKE entry_plain INCLUDING ALL);
SELECT contacts.configure(t, 'id',
        '{"full_name": "full_name", "email": "email", "phone": "phone"}',
        default_region => 'ES', on_invalid => 'flag', flag_column => 'flags')
  FROM unnest(ARRAY['entry_feed_logical', 'entry_feed_notify']::regclass[]) t;
CREATE TRIGGER entry_feed_logical_enforce BEFORE INSERT OR UPDATE ON entry_feed_logical
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
CREATE TRIGGER entry_feed_notify_enforce BEFORE INSERT OR UPDATE ON entry_feed_notify
    FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
SELECT contacts.feed_configure('entry_feed_logical', logical => true, notify => false);
SELECT contacts.feed_configure('entry_feed_notify', logical => true, notify => true);
SQL
wal_level=$(bpsql -At -c "SHOW wal_level")

# Check the trigger really normalized before timing it.
bpsql -c "TRUNCATE entry_enforced" -c "COPY entry_enforced (id, full_name, email, phone) FROM '$CSV' WITH (FORMAT csv)" \
	-At -c "SELECT 'sample: ' || full_name || ' | ' || email || ' | ' || phone FROM entry_enforced WHERE flags IS NULL ORDER BY id LIMIT 1" \
	-c "SELECT 'flagged invalid: ' || count(*) FROM entry_enforced WHERE flags IS NOT NULL"

# The four COPYs take turns, run after run, so that a change in the machine's
# load affects them alike; each figure is the median of its runs.  Each
# starts from a checkpoint (not timed), so that none pays for writing out
# what the one before it left behind.
copy_sql() { echo "COPY $1 (id, full_name, email, phone) FROM '$CSV' WITH (FORMAT csv)"; }
declare -A runs=()
for i in $(seq "$RUNS"); do
	for t in entry_plain entry_empty_trigger entry_unchecked entry_enforced entry_feed_logical entry_feed_notify; do
		bpsql -c "TRUNCATE $t" -c "CHECKPOINT"
		runs[$t]="${runs[$t]:-} $(time_ms "$(copy_sql "$t")")"
	done
done
med() { printf '%s\n' ${runs[$1]} | median; }
plain=$(med entry_plain)
empty=$(med entry_empty_trigger)
unchecked=$(med entry_unchecked)
enforced=$(med entry_enforced)
printf 'COPY %s rows: without trigger %.0f ms, with contacts.enforce() %.0f ms, ratio x%s (target <= 2)\n' \
	"$N" "$plain" "$enforced" "$(ratio "$enforced" "$plain")"
feed_logical=$(med entry_feed_logical)
feed_notify=$(med entry_feed_notify)
printf 'COPY %s rows with contacts.enforce() and the change feed on (logical messages, wal_level = %s): %.0f ms, ratio x%s\n' \
	"$N" "$wal_level" "$feed_logical" "$(ratio "$feed_logical" "$plain")"
printf 'COPY %s rows with contacts.enforce() and the change feed on (logical messages and NOTIFY): %.0f ms, ratio x%s\n' \
	"$N" "$feed_notify" "$(ratio "$feed_notify" "$plain")"
printf 'COPY %s rows with an empty PL/pgSQL BEFORE ROW trigger: %.0f ms, ratio x%s (what any row trigger costs)\n' \
	"$N" "$empty" "$(ratio "$empty" "$plain")"
printf 'COPY %s rows with contacts.enforce() and nothing to check: %.0f ms, ratio x%s (what a C row trigger costs)\n' \
	"$N" "$unchecked" "$(ratio "$unchecked" "$plain")"

# Import: 10% of staged rows repeat an earlier email, 5% are invalid.
bpsql <<SQL
CREATE TABLE entry_staging AS
SELECT id AS line, full_name,
       CASE WHEN id % 10 = 3 THEN coalesce(lag(email, 7) OVER (ORDER BY id), email) ELSE email END AS email,
       phone, 'ES' AS country, (id % 37 <> 0) AS consent
  FROM entry_src;
CREATE TABLE entry_target (id bigserial PRIMARY KEY, full_name text, email text, phone text, country text, consent boolean);
CREATE INDEX ON entry_target (contacts.email_key(email));
SELECT contacts.configure('entry_target', 'id',
        '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country"}',
        consent_column => 'consent', duplicate_keys => '{email}');
SQL
start=$(date +%s.%N)
bpsql -c "SET client_min_messages = warning" -At -c "SELECT format('import: staged %s, inserted %s, updated %s, kept %s, rejected %s, suppressed %s',
        staged, inserted, updated, kept, rejected, suppressed)
  FROM contacts.import('entry_staging', 'entry_target',
        '{\"full_name\": \"full_name\", \"email\": \"email\", \"phone\": \"phone\", \"country\": \"country\", \"consent\": \"consent\"}',
        duplicate_key => 'email', on_duplicate => 'keep')"
end=$(date +%s.%N)
clean=$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')
printf 'import of %s staged rows: %.1f s\n' "$N" "$clean"

# Import into typed columns from spreadsheet text, 5% of rows with one
# unconvertible cell (a third each: date, amount, consent).
bpsql <<SQL
CREATE TABLE entry_typed_staging AS
SELECT s.line, s.full_name, s.email, s.phone, s.country,
       CASE WHEN s.line % 60 = 5 THEN '31/02/1980'
            ELSE lpad((1 + s.line % 28)::text, 2, '0') || '/' || lpad((1 + s.line % 12)::text, 2, '0')
                 || '/' || (1940 + s.line % 60) END AS nacimiento,
       CASE WHEN s.line % 60 = 25 THEN 'mucho'
            ELSE replace(to_char(s.line % 100000, 'FM999,999'), ',', '.') || ',' || lpad((s.line % 100)::text, 2, '0') END AS importe,
       CASE WHEN s.line % 60 = 45 THEN 'quizás'
            WHEN s.line % 37 = 0 THEN 'no'
            ELSE (ARRAY['sí', 'Si', 'x', 'SÍ', 'acepto', '1'])[1 + s.line % 6] END AS acepta
  FROM entry_staging s;
CREATE TABLE entry_typed_target (id bigserial PRIMARY KEY, full_name text, email text, phone text, country text,
                                 birth_date date, amount numeric(12,2), consent boolean);
CREATE INDEX ON entry_typed_target (contacts.email_key(email));
SELECT contacts.configure('entry_typed_target', 'id',
        '{"full_name": "full_name", "email": "email", "phone": "phone", "country": "country", "birth_date": "birth_date"}',
        consent_column => 'consent', duplicate_keys => '{email}');
SQL
start=$(date +%s.%N)
typed_counts=$(bpsql -c "SET client_min_messages = warning" -At -c "SELECT format('%s %s %s %s %s %s',
        staged, inserted, updated, kept, rejected, suppressed)
  FROM contacts.import('entry_typed_staging', 'entry_typed_target',
        '{\"full_name\": \"full_name\", \"email\": \"email\", \"phone\": \"phone\", \"country\": \"country\",
          \"birth_date\": \"nacimiento\", \"amount\": \"importe\", \"consent\": \"acepta\"}',
        duplicate_key => 'email', on_duplicate => 'keep')")
end=$(date +%s.%N)
typed=$(awk -v a="$start" -v b="$end" 'BEGIN{print b-a}')
read -r staged inserted updated kept rejected suppressed <<<"$typed_counts"
echo "typed import: staged $staged, inserted $inserted, updated $updated, kept $kept, rejected $rejected, suppressed $suppressed"
# every staged row accounted for, and the unconvertible cells among the rejects
[ "$staged" -eq "$N" ] && [ "$staged" -eq $((inserted + updated + kept + rejected + suppressed)) ] ||
	{ echo "typed import does not balance" >&2; exit 1; }
bad=$(bpsql -At -c "SELECT count(*) FROM entry_typed_staging WHERE line % 60 IN (5, 25, 45)")
conv=$(bpsql -At -c "SELECT count(*) FROM contacts.import_reject j
                      WHERE j.import_id = (SELECT max(import_id) FROM contacts.import_run)
                        AND (j.reasons && ARRAY['birth_date: DATE_IMPOSSIBLE', 'amount: INVALID_VALUE', 'consent: CONSENT_UNREADABLE'])")
echo "rows with an unconvertible cell: $bad staged, $conv rejected for it (the others were rejected or kept first for another reason)"
[ "$conv" -le "$bad" ] && [ "$conv" -gt 0 ] || { echo "unconvertible cells not rejected as expected" >&2; exit 1; }
printf 'import of %s staged rows into typed columns, 5%% unconvertible cells, nothing aborted: %.1f s (clean text import in this run: %.1f s, ratio x%s)\n' \
	"$N" "$typed" "$clean" "$(ratio "$typed" "$clean")"
bpsql -c "DROP TABLE entry_src, entry_plain, entry_enforced, entry_feed_logical, entry_feed_notify, entry_empty_trigger, entry_unchecked, entry_staging, entry_target, entry_typed_staging, entry_typed_target" -c "DROP FUNCTION entry_noop()"
