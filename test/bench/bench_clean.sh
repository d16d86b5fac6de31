#!/usr/bin/env bash
# Cleaning an existing table (issue 23):
#  contacts.clean() over N rows of which 10% need a fix (a name in capitals,
#  an e-mail domain in capitals or a phone not in E.164), batches of 1000
#  with a commit each and every change logged, against the only way there
#  was before: UPDATE t SET col = col through the entry trigger, one
#  statement over the whole table, nothing logged.  Both start from the same
#  rows and must end with the same values.  Then the time of
#  contacts.undo_clean() for the run, which must give the rows back as they
#  were.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N=$(scale 1000000)

bpsql <<SQL
CREATE EXTENSION IF NOT EXISTS contacts;
DROP TABLE IF EXISTS clean_src, clean_ours, clean_peer;
CREATE TABLE clean_src AS
SELECT i AS id,
       CASE WHEN i % 30 = 1 THEN 'PERSON ' || i ELSE 'Person ' || i END AS full_name,
       CASE WHEN i % 30 = 2 THEN 'p' || i || '@EXAMPLE.COM' ELSE 'p' || i || '@example.com' END AS email,
       CASE WHEN i % 30 = 3 THEN '6' || lpad((i % 100000000)::text, 8, '0')
            ELSE '+346' || lpad((i % 100000000)::text, 8, '0') END AS phone
  FROM generate_series(1, $N) i;
SQL
echo "rows: $N, to fix: $(bpsql -At -c "SELECT count(*) FROM clean_src WHERE id % 30 IN (1, 2, 3)")"

# A fresh configured copy of the source, for each timed run.
fresh() {
	bpsql >/dev/null <<SQL
DROP TABLE IF EXISTS $1;
CREATE TABLE $1 (id bigint PRIMARY KEY, full_name text, email text, phone text);
INSERT INTO $1 SELECT * FROM clean_src;
SELECT contacts.configure('$1', 'id', '{"full_name": "full_name", "email": "email", "phone": "phone"}',
                          default_region => 'ES');
CREATE TRIGGER ${1}_enforce BEFORE INSERT OR UPDATE ON $1 FOR EACH ROW EXECUTE FUNCTION contacts.enforce();
VACUUM ANALYZE $1;
CHECKPOINT;
SQL
}

ot="" pt="" ut=""
for i in $(seq "$RUNS"); do
	bpsql -c "DELETE FROM contacts.clean_run" >/dev/null
	fresh clean_ours
	# (a CALL alone: in a multi-statement string it could not commit)
	ot="$ot $(PGOPTIONS='-c client_min_messages=warning' time_ms "CALL contacts.clean('clean_ours', batch_size => 1000)")"
	fresh clean_peer
	pt="$pt $(time_ms "UPDATE clean_peer SET full_name = full_name")"
	# both end with the same values
	differ=$(bpsql -At -c "SELECT count(*) FROM clean_ours o JOIN clean_peer p USING (id) WHERE (o.full_name, o.email, o.phone) IS DISTINCT FROM (p.full_name, p.email, p.phone)")
	[ "$differ" = 0 ] || { echo "clean() and UPDATE through the trigger differ on $differ rows" >&2; exit 1; }
	values=$(bpsql -At -c "SELECT count(*) FROM contacts.clean_change")
	bpsql -c "CHECKPOINT" >/dev/null
	ut="$ut $(time_ms "SELECT contacts.undo_clean(max(run_id)) FROM contacts.clean_run")"
	differ=$(bpsql -At -c "SELECT count(*) FROM clean_ours o JOIN clean_src s USING (id) WHERE (o.full_name, o.email, o.phone) IS DISTINCT FROM (s.full_name, s.email, s.phone)")
	[ "$differ" = 0 ] || { echo "undo_clean() left $differ rows changed" >&2; exit 1; }
done
o=$(printf '%s\n' $ot | median)
p=$(printf '%s\n' $pt | median)
u=$(printf '%s\n' $ut | median)
printf 'clean() of %s rows, 10%% to fix (%s values), batches of 1000, logged: %.0f ms, %.0f rows/s\n' \
	"$N" "$values" "$o" "$(awk -v n="$N" -v t="$o" 'BEGIN {print n / t * 1000}')"
printf 'UPDATE t SET col = col through the trigger, one statement, no log:  %.0f ms, %.0f rows/s, ratio clean/UPDATE x%s\n' \
	"$p" "$(awk -v n="$N" -v t="$p" 'BEGIN {print n / t * 1000}')" "$(ratio "$o" "$p")"
printf 'undo_clean() of the run (%s values): %.0f ms\n' "$values" "$u"
bpsql -c "DROP TABLE clean_src, clean_ours, clean_peer" -c "DELETE FROM contacts.clean_run"
