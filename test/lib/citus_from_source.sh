#!/usr/bin/env bash
# Build Citus from the vendored tarball in ../shared/vendor and install it
# into the PostgreSQL that PG_CONFIG names, so that the suite's citus stage
# (test/citus/run.sh) runs.  Only for the project's own test machines: the
# extension never needs Citus, and without the tarball this does nothing.
# Citus 12.1 supports PostgreSQL 14-16; on any other major it does nothing.
#
#   PG_CONFIG=... bash test/lib/citus_from_source.sh
#
# The build tree is cached under CONTACTS_PG_CACHE (default
# /var/cache/contacts), keyed by the Citus and PostgreSQL versions, so a
# second run only re-installs (seconds) when the server lost the files.
# Output goes to stderr; exits 0 when Citus is installed afterwards.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
CACHE=${CONTACTS_PG_CACHE:-/var/cache/contacts}
BUILD_DEPS="libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libselinux1-dev libxslt1-dev
libpam0g-dev libreadline-dev autoconf"

TARBALL=$(ls "$REPO"/../shared/vendor/citus-*.tar.gz 2>/dev/null | sort | tail -n 1 || true)
[ -n "$TARBALL" ] || { echo "citus_from_source: no ../shared/vendor/citus-*.tar.gz" >&2; exit 1; }
VERSION=$(basename "$TARBALL" .tar.gz)
MAJOR=$("$PG_CONFIG" --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
case "$MAJOR" in 14 | 15 | 16) ;; *)
	echo "citus_from_source: $VERSION does not support PostgreSQL $MAJOR" >&2
	exit 1
	;;
esac
PKGLIB=$("$PG_CONFIG" --pkglibdir)
SHARE=$("$PG_CONFIG" --sharedir)
installed() { [ -f "$PKGLIB/citus.so" ] && [ -f "$SHARE/extension/citus.control" ]; }
installed && exit 0

TREE=$CACHE/$VERSION-pg$MAJOR
mkdir -p "$CACHE"
exec 9>"$TREE.lock"
flock 9
installed && exit 0
{
	if [ ! -f "$TREE/.complete" ]; then
		if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
			missing=""
			for p in $BUILD_DEPS; do
				dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
			done
			if [ -n "$missing" ]; then
				export DEBIAN_FRONTEND=noninteractive
				apt-get update -qq
				# shellcheck disable=SC2086
				apt-get install -y -qq $missing >/dev/null
			fi
		fi
		echo "citus_from_source: building $VERSION for PostgreSQL $MAJOR in $TREE"
		rm -rf "$TREE"
		mkdir -p "$TREE"
		tar -xzf "$TARBALL" -C "$TREE" --strip-components=1
		cd "$TREE"
		./configure PG_CONFIG="$PG_CONFIG" >configure.log
		make -s -j2 >make.log
		touch .complete
	fi
	make -s -C "$TREE" install >/dev/null
} >&2
installed
