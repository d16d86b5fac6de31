#!/usr/bin/env bash
# Build a PostgreSQL release from the vendored tarball in ../shared/vendor into
# a prefix cached outside the repository, and print that prefix's pg_config.
# Debian 12 packages only PostgreSQL 15; the suite also runs on a newer major
# built this way.  The prefix is keyed by the tarball's version, so a second
# run on the same machine reuses it (about 10 minutes on 2 cores otherwise).
#
#   bash test/lib/pg_from_source.sh [VERSION]     default 18.6; prints PG_CONFIG
#
# CONTACTS_PG_CACHE moves the cache (default /var/cache/contacts, for root);
# PG_TARBALL names another tarball of that version.
# Build output goes to stderr; stdout is only the pg_config path.
set -euo pipefail

VERSION=${1:-18.6}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TARBALL=${PG_TARBALL:-$REPO/../shared/vendor/postgresql-$VERSION.tar.bz2}
CACHE=${CONTACTS_PG_CACHE:-/var/cache/contacts}
PREFIX=$CACHE/pg-$VERSION
# Contrib modules the tests and benchmarks load, beside the extension.
CONTRIB="citext fuzzystrmatch pg_prewarm pg_trgm test_decoding unaccent"
BUILD_DEPS="build-essential bison flex libicu-dev libreadline-dev zlib1g-dev pkg-config libipc-run-perl"

# The marker is written last: a build that stopped half way is redone.
cached() { [ -f "$PREFIX/.complete" ] && echo "$PREFIX/bin/pg_config"; }
cached && exit 0
# Two suites started together build once: the second waits for the first.
mkdir -p "$CACHE"
exec 9>"$CACHE/pg-$VERSION.lock"
flock 9
cached && exit 0

[ -f "$TARBALL" ] || { echo "pg_from_source: $TARBALL not found" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	missing=""
	for p in $BUILD_DEPS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		# shellcheck disable=SC2086
		apt-get install -y -qq $missing >&2
	fi
fi

SRC=$(mktemp -d /tmp/pg-src.XXXXXX)
trap 'rm -rf "$SRC"' EXIT
{
	echo "pg_from_source: building PostgreSQL $VERSION into $PREFIX"
	rm -rf "$PREFIX"
	tar -xjf "$TARBALL" -C "$SRC"
	cd "$SRC/postgresql-$VERSION"
	./configure --prefix="$PREFIX" --with-icu --enable-tap-tests --without-llvm >configure.log
	make -s -j"$(nproc)" >make.log
	make -s install >/dev/null
	make -s -C src/test/isolation install >/dev/null
	for m in $CONTRIB; do make -s -C "contrib/$m" install >/dev/null; done
	touch "$PREFIX/.complete"
} >&2
echo "$PREFIX/bin/pg_config"
