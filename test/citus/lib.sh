# Throwaway Citus nodes for test/citus/run.sh and the Citus benchmarks:
# clusters started from the PostgreSQL that PG_CONFIG names, with
# shared_preload_libraries = citus and Unix sockets in one temporary
# directory (CITUS_DIR), each with the database CITUS_DB and Citus created.
# Sourced, not executed; stop_all runs on exit.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/cluster.sh"
find_pg_config
CITUS_DB=contacts_citus
STARTED=""

# Print the "skipped" line and exit when Citus is not installed.
require_citus() {
	local major
	major=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
	if [ ! -f "$("$PG_CONFIG" --pkglibdir)/citus.so" ]; then
		echo "skipped: citus not installed for PostgreSQL $major ($PG_CONFIG)"
		echo "$1: 0 passed, 0 failed"
		exit 0
	fi
	CITUS_DIR=$(mktemp -d /tmp/contacts-citus.XXXXXX)
	chmod 755 "$CITUS_DIR"
	[ "$(id -u)" -eq 0 ] && chown "$CLUSTER_USER" "$CITUS_DIR"
	trap stop_all EXIT
}

node_psql() {
	local port=$1
	shift
	as_cluster_user "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$CITUS_DIR" -p "$port" \
		-U "$CLUSTER_USER" "$@"
}

stop_all() {
	local n
	for n in $STARTED; do
		as_cluster_user "$PG_BINDIR/pg_ctl" -D "$CITUS_DIR/$n" -m fast -w stop >/dev/null 2>&1
	done
	STARTED=""
}

# start_node NAME PORT [SETTING ...]: a node, its database and Citus in it;
# with NODE_CPU set, pinned to that CPU
start_node() {
	local name=$1 port=$2 setting
	shift 2
	init_cluster "$CITUS_DIR/$name" "$CITUS_DIR/$name.initdb.log" || return 1
	cat >>"$CITUS_DIR/$name/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$CITUS_DIR'
port = $port
shared_preload_libraries = 'citus'
max_prepared_transactions = 50
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
CONF
	for setting in "$@"; do echo "$setting" >>"$CITUS_DIR/$name/postgresql.conf"; done
	# NODE_CPU: the node's processes run on that CPU only, as a node of its own would
	as_cluster_user ${NODE_CPU:+taskset -c "$NODE_CPU"} "$PG_BINDIR/pg_ctl" -D "$CITUS_DIR/$name" \
		-l "$CITUS_DIR/$name.log" -w start >/dev/null || { cat "$CITUS_DIR/$name.log"; return 1; }
	STARTED="$STARTED $name"
	node_psql "$port" -d postgres -c "CREATE DATABASE $CITUS_DB" &&
		node_psql "$port" -d "$CITUS_DB" -c "CREATE EXTENSION citus"
}

# start_cluster: a coordinator (5432) and two workers (5433, 5434) that it
# knows, with contacts created on the coordinator (Citus creates it on the
# workers)
start_cluster() {
	start_node coordinator 5432 && start_node worker1 5433 && start_node worker2 5434 || return 1
	node_psql 5432 -d "$CITUS_DB" -o /dev/null <<SQL
SET client_min_messages = warning;
SELECT citus_set_coordinator_host('$CITUS_DIR', 5432);
SELECT citus_add_node('$CITUS_DIR', 5433);
SELECT citus_add_node('$CITUS_DIR', 5434);
CREATE EXTENSION contacts;
SQL
}
