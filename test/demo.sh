#!/usr/bin/env bash
# The demo: a generated messy contact base (Spanish, Latin-American and
# English contacts with planted duplicates, bad emails and phones written in
# many forms) loaded into a throwaway cluster, and what the extension does
# with it, step by step (test/demo/*.sql, in order).
#
#   bash test/demo.sh                 throwaway cluster, 5000 contacts, run as
#                                     crm_owner, an ordinary role
#   DEMO_ROWS=20000 bash test/demo.sh
#   DEMO_REPORT_DIR=/some/dir bash test/demo.sh   where the report pages go
#                                     (default: a new /tmp/contacts-demo-reports.*)
#   PGHOST=... PGDATABASE=... bash test/demo.sh   against an existing server
#                                      (the extension must be installable there)
set -euo pipefail
source "$(dirname "$0")/lib/cluster.sh"
run_from_readable_copy "$0" "$@"
ROWS=${DEMO_ROWS:-5000}

find_pg_config
if [ -z "${PGHOST:-}" ]; then
	ensure_packages
	build_and_install
	cluster_start
	trap 'cluster_stop; rm -rf "$WORKDIR"; remove_readable_copy' EXIT
	# As in production, a superuser installs the extension and the rest
	# runs as an ordinary role that owns the contact tables; keeping the
	# suppression list is granted to it, as a DBA would.
	run_psql -c "CREATE EXTENSION contacts" \
		-c "CREATE ROLE crm_owner LOGIN" \
		-c "GRANT CREATE ON SCHEMA public TO crm_owner" \
		-c "GRANT SELECT, INSERT ON contacts.suppression TO crm_owner"
	demo_psql() { PGUSER=crm_owner run_psql "$@"; }
	PSQL=demo_psql
	# psql runs as the cluster's user: it writes the report pages
	REPORT_WRITER=$CLUSTER_USER
else
	PSQL="$PG_BINDIR/psql -X -q -v ON_ERROR_STOP=1"
fi

# The contact base, and a later spreadsheet to import into it.
CSV=$(mktemp /tmp/contacts-demo.XXXXXX.csv)
IMPORT_CSV=$(mktemp /tmp/contacts-import.XXXXXX.csv)
chmod 644 "$CSV" "$IMPORT_CSV"
make -C "$REPO/test" -s gen >/dev/null
"$REPO/test/build/plain/contactgen" --rows "$ROWS" --seed 42 >"$CSV"
"$REPO/test/build/plain/contactgen" --rows $((ROWS / 5)) --seed 43 >"$IMPORT_CSV"

# The report pages, written by psql (as the demo's role) and kept.
REPORT_DIR=${DEMO_REPORT_DIR:-$(mktemp -d /tmp/contacts-demo-reports.XXXXXX)}
mkdir -p "$REPORT_DIR"
chmod 755 "$REPORT_DIR"
if [ -n "${REPORT_WRITER:-}" ] && [ "$(id -u)" -eq 0 ]; then
	chown "$REPORT_WRITER" "$REPORT_DIR"
fi

for f in "$REPO"/test/demo/*.sql; do
	echo
	echo "################ $(basename "$f" .sql)"
	$PSQL -v csv="$CSV" -v import_csv="$IMPORT_CSV" -v rows="$ROWS" -v report_dir="$REPORT_DIR" -a -f "$f"
done
rm -f "$CSV" "$IMPORT_CSV"
echo
echo "report pages (open them in a browser):"
echo "  $REPORT_DIR/dedupe_report.html"
echo "  $REPORT_DIR/health_report.html"
