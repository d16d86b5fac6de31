#!/bin/bash
# The readable copy a script runs from when the cluster's user cannot read
# the clone (test/lib/cluster.sh, run_from_readable_copy): a script run
# from that copy by its maker (the demo, run by test/run.sh) leaves it in
# place for its maker's later stages, and the maker removes it.  Runs a
# probe from a mode-0700 tree holding cluster.sh, as root only (elsewhere
# no copy is made).  Prints "readable_copy: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ] || ! id "${CLUSTER_USER:-postgres}" >/dev/null 2>&1; then
	echo "readable_copy: skipped, a copy is made for root only, with the cluster's user present"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/main/test/lib" "$tmp/main/sql"
cp "$here/../lib/cluster.sh" "$tmp/main/test/lib/"
: >"$tmp/main/sql/base.sql"
# the maker: runs from its copy, runs a child as test/run.sh runs the demo,
# then cleans up as test/run.sh does; prints what it sees at each step
cat >"$tmp/main/test/maker.sh" <<'EOF'
source "$(dirname "$0")/lib/cluster.sh"
run_from_readable_copy "$0" "$@"
echo "copy: $([ -n "${CONTACTS_READABLE_COPY:-}" ] && [ -d "$CONTACTS_READABLE_COPY" ] && echo made || echo none)"
bash -c 'source "$1"; remove_readable_copy' child "$REPO/test/lib/cluster.sh"
echo "after the child: $([ -d "$CONTACTS_READABLE_COPY" ] && echo kept || echo removed)"
remove_readable_copy
echo "after the maker: $([ -d "$CONTACTS_READABLE_COPY" ] && echo kept || echo removed)"
EOF
# (not the copy the suite itself may run from)
got=$(env -u CONTACTS_READABLE_COPY -u CONTACTS_READABLE_COPY_MAKER bash "$tmp/main/test/maker.sh" 2>&1 |
	grep -v '^$\|^== ')
wanted='copy: made
after the child: kept
after the maker: removed'
if [ "$got" = "$wanted" ]; then
	echo "readable_copy: 1 passed, 0 failed"
else
	printf 'readable_copy: got\n%s\nwanted\n%s\n' "$got" "$wanted"
	echo "readable_copy: 0 passed, 1 failed"
	exit 1
fi
