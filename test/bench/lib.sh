# Helpers for benchmark scripts (sourced).  Every benchmark times our query
# and its peer on the same data in the same run, several runs each, and
# prints medians and the ratio.  SMOKE=1 (CI) shrinks data and runs.

SMOKE=${SMOKE:-0}
RUNS=${RUNS:-5}
[ "$SMOKE" = 1 ] && RUNS=1

# scale N: N rows for a real run, a small fraction in smoke mode.
scale() {
	if [ "$SMOKE" = 1 ]; then echo $(($1 / 1000 > 100 ? $1 / 1000 : 100)); else echo "$1"; fi
}

bpsql() {
	"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# time_ms SQL: wall time of one run of SQL, in milliseconds.
time_ms() {
	bpsql -c '\timing on' -c "$1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -n 1
}

# median: the median of the numbers on stdin, one per line.
median() {
	sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}

# median_ms SQL: median wall time of SQL over $RUNS runs, in milliseconds.
median_ms() {
	local sql=$1 i
	for i in $(seq "$RUNS"); do
		time_ms "$sql"
	done | median
}

# ratio A B: A/B with two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {if (b <= 0) print "inf"; else printf "%.2f\n", a / b}'
}

# compare LABEL OURS_SQL PEER_SQL [FLOOR_SQL]: time both (and the floor),
# print the medians and the ratio peer/ours of their marginal costs (each
# minus the floor, which removes the executor's per-row cost).  A ratio above
# 1 means ours is faster.
compare() {
	local label=$1 ours=$2 peer=$3 floor=${4:-} o p f=0 i ot="" pt="" ft=""
	# Interleave the runs (ours, peer, floor, ours, ...) so that a change in
	# the machine's load during the benchmark affects all three alike.
	for i in $(seq "$RUNS"); do
		ot="$ot $(time_ms "$ours")"
		pt="$pt $(time_ms "$peer")"
		if [ -n "$floor" ]; then ft="$ft $(time_ms "$floor")"; fi
	done
	o=$(printf '%s\n' $ot | median)
	p=$(printf '%s\n' $pt | median)
	if [ -n "$floor" ]; then
		f=$(printf '%s\n' $ft | median)
		printf '%-44s ours %9.1f ms  peer %9.1f ms  floor %9.1f ms  marginal speedup x%s\n' \
			"$label" "$o" "$p" "$f" "$(ratio "$(awk -v a="$p" -v f="$f" 'BEGIN{print a-f}')" "$(awk -v a="$o" -v f="$f" 'BEGIN{print a-f}')")"
	else
		printf '%-44s ours %9.1f ms  peer %9.1f ms  speedup x%s\n' "$label" "$o" "$p" "$(ratio "$p" "$o")"
	fi
}

# quality TABLE PAIRS_SQL: "precision recall f1" of the pairs (a < b) the
# query returns against the generator's truth
quality() {
	bpsql -At -F ' ' <<-SQL
		WITH truth AS (SELECT a.id AS a, b.id AS b FROM $1 a JOIN $1 b
		               ON a.truth_id = b.truth_id AND a.id < b.id),
		     found AS ($2),
		     hits AS (SELECT count(*) AS tp FROM found JOIN truth USING (a, b))
		SELECT round(tp::numeric / greatest((SELECT count(*) FROM found), 1), 4),
		       round(tp::numeric / greatest((SELECT count(*) FROM truth), 1), 4),
		       round(2 * tp::numeric / greatest((SELECT count(*) FROM found) + (SELECT count(*) FROM truth), 1), 4)
		FROM hits
	SQL
}

# The kinds of contactgen's columns, for contacts.configure().
CONTACTGEN_KINDS='{"full_name": "full_name", "given_name": "given_name", "family_name": "family_name",
  "email": "email", "phone": "phone", "company": "company", "city": "city",
  "postcode": "postcode", "birth_date": "birth_date", "national_id": "national_id",
  "region": "country"}'

# load_contactgen TABLE ROWS SEED CSV: TABLE (replaced) holds ROWS contacts
# from contactgen (`make -C test gen` first) with SEED, written through the
# file CSV, vacuumed and analyzed (as autovacuum would soon, which would
# otherwise vacuum a freshly loaded table on the cores a timed run needs),
# checkpointed (the load's dirty pages written now, not by the checkpointer
# during the timed run) and configured with CONTACTGEN_KINDS.
load_contactgen() {
	"$(dirname "${BASH_SOURCE[0]}")/../build/plain/contactgen" --rows "$2" --seed "$3" >"$4"
	bpsql -q <<-SQL
		DROP TABLE IF EXISTS $1;
		CREATE TABLE $1 (id bigint PRIMARY KEY, truth_id bigint, full_name text, given_name text,
		    family_name text, email text, phone text, region text, company text, city text,
		    postcode text, birth_date text, national_id text, consent boolean, updated_at timestamptz);
		\copy $1 FROM '$4' WITH (FORMAT csv, HEADER true)
		VACUUM (ANALYZE) $1;
		CHECKPOINT;
	SQL
	bpsql -q -c "SELECT contacts.configure('$1', 'id', '$CONTACTGEN_KINDS')" >/dev/null
}
