# Shared set-up for test/run.sh, test/demo.sh and the benchmarks: install
# what is missing, build and install the extension, and run a throwaway
# PostgreSQL cluster in a temporary directory.  Sourced, not executed.

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Debian packages the suite needs: the server, headers, ICU, compilers, the
# TAP modules, and the peers the differential tests and benchmarks compare
# against (libphonenumber, pg_similarity, fuzzystrmatch/pg_trgm in contrib).
DEB_PACKAGES="postgresql-15 postgresql-contrib postgresql-server-dev-15 libicu-dev pkg-config
make gcc g++ clang libclang-rt-14-dev libipc-run-perl libphonenumber-dev postgresql-15-similarity"

log() { printf '\n== %s\n' "$*"; }

# As root on Debian, install whatever of DEB_PACKAGES is missing.  A
# non-root user is expected to have PostgreSQL already (PG_CONFIG honoured).
ensure_packages() {
	if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		return 0
	fi
	local missing=""
	for p in $DEB_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	log "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq $missing >/dev/null
}

# PG_CONFIG: honour the caller's, else Debian's PostgreSQL 15, else PATH.
find_pg_config() {
	if [ -z "${PG_CONFIG:-}" ]; then
		if [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
			PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
		else
			PG_CONFIG=pg_config
		fi
	fi
	export PG_CONFIG
	PG_BINDIR=$("$PG_CONFIG" --bindir)
	PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs)")/..
	PGXS_DIR=$(cd "$PGXS_DIR/.." && pwd)
	export PG_BINDIR PGXS_DIR
}

build_and_install() {
	log "building and installing the extension"
	make -C "$REPO" -s -j2 PG_CONFIG="$PG_CONFIG" >/dev/null
	make -C "$REPO" -s install PG_CONFIG="$PG_CONFIG" >/dev/null
}

# initdb refuses to run as root: the cluster belongs to an unprivileged user.
if [ "$(id -u)" -eq 0 ]; then
	CLUSTER_USER=${CLUSTER_USER:-postgres}
	as_cluster_user() { runuser -u "$CLUSTER_USER" -- "$@"; }
else
	CLUSTER_USER=$(id -un)
	as_cluster_user() { "$@"; }
fi

# The server-side steps (pg_regress, isolation, TAP, the demo's psql) run as
# the cluster user and read the tree.  A clone it cannot read (root's home,
# a mktemp -d directory, a strict umask) is run from a readable copy:
#   run_from_readable_copy "$0" "$@"   (at the top of a script; execs)
run_from_readable_copy() {
	local script base rel
	script=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
	shift
	[ "$(id -u)" -eq 0 ] || return 0
	[ -z "${CONTACTS_READABLE_COPY:-}" ] || return 0
	id "$CLUSTER_USER" >/dev/null 2>&1 || return 0
	as_cluster_user test -r "$REPO/sql/base.sql" -a -x "$REPO/test/lib" 2>/dev/null && return 0
	base=$(mktemp -d /tmp/contacts-src.XXXXXX)
	log "$CLUSTER_USER cannot read $REPO: running from a readable copy in $base/main"
	cp -a "$REPO/." "$base/main"
	# ../shared beside the clone holds the vendored server sources
	if [ -d "$REPO/../shared" ]; then ln -s "$(cd "$REPO/../shared" && pwd)" "$base/shared"; fi
	chmod -R a+rX "$base/main"
	chmod 755 "$base"
	rel=${script#"$REPO"/}
	export CONTACTS_READABLE_COPY=$base
	# exec keeps the process: the script that made the copy knows it by $$
	export CONTACTS_READABLE_COPY_MAKER=$$
	# the same place in the copy: what runs as the cluster user inherits it
	case "$PWD/" in
		"$REPO"/*) cd "$base/main${PWD#"$REPO"}" ;;
		*) cd "$base/main" ;;
	esac
	exec bash "$base/main/$rel" "$@"
}

# Remove the readable copy if this script made it: one it inherited (the
# demo run by test/run.sh) is still in use by its caller.
remove_readable_copy() {
	if [ -n "${CONTACTS_READABLE_COPY:-}" ] && [ "${CONTACTS_READABLE_COPY_MAKER:-}" = "$$" ]; then
		rm -rf "$CONTACTS_READABLE_COPY"
	fi
}

# init_cluster DATADIR LOG: a new cluster of CLUSTER_USER (UTF8, C locale,
# trust), or its initdb log shown and a failure.
init_cluster() {
	as_cluster_user "$PG_BINDIR/initdb" -D "$1" -U "$CLUSTER_USER" -E UTF8 \
		--no-locale --no-sync -A trust >"$2" 2>&1 || { cat "$2"; return 1; }
}

# Start a cluster listening only on a Unix socket inside a fresh temporary
# directory.  Sets WORKDIR, PGHOST, PGPORT, PGUSER and PGDATABASE.
cluster_start() {
	WORKDIR=$(mktemp -d /tmp/contacts.XXXXXX)
	chmod 755 "$WORKDIR"
	[ "$(id -u)" -eq 0 ] && chown "$CLUSTER_USER" "$WORKDIR"
	init_cluster "$WORKDIR/data" "$WORKDIR/initdb.log" || return 1
	cat >>"$WORKDIR/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$WORKDIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_prepared_transactions = 10
shared_buffers = 512MB
work_mem = 64MB
maintenance_work_mem = 512MB
max_wal_size = 4GB
# the change feed's logical decoding messages are written (and measured)
# only at this level
wal_level = logical
CONF
	export PGHOST=$WORKDIR PGPORT=5432 PGUSER=$CLUSTER_USER PGDATABASE=postgres
	as_cluster_user "$PG_BINDIR/pg_ctl" -D "$WORKDIR/data" -l "$WORKDIR/server.log" -w start >/dev/null ||
		{ cat "$WORKDIR/server.log"; return 1; }
	CLUSTER_RUNNING=1
}

cluster_stop() {
	if [ "${CLUSTER_RUNNING:-0}" = 1 ]; then
		as_cluster_user "$PG_BINDIR/pg_ctl" -D "$WORKDIR/data" -m fast -w stop >/dev/null 2>&1 || true
		CLUSTER_RUNNING=0
	fi
}

# psql as the cluster user, quiet and failing on the first error.
run_psql() {
	as_cluster_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
		"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}
