#!/bin/bash
# make phone-metadata, the procedure that regenerates the phone tables from a
# newer PhoneNumberMetadata.xml: the committed tables' own XML gives them back
# byte for byte with the report "no change", and the report on an edited copy
# (one territory removed, one pattern changed) names exactly those edits.
# Prints "phone_metadata: N passed, N failed".  The XML is in ../shared/data
# beside the clone; without it the check says it is skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.." || exit 1
tables=src/core/phone_metadata.c
xml=../shared/data/phone/$(sed -n 's/^ \* Source: \([^ ]*\) .*/\1/p' $tables)
version=$(sed -n 's/^ \* Version: //p' $tables)
count=$(grep -c '^ \* [0-9A-Z/+]* +[0-9]* attributes=' $tables)
if [ ! -r "$xml" ]; then
	echo "phone_metadata: skipped, no $xml"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() {
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf '%s: got\n%s\nwanted\n%s\n' "$1" "$2" "$3"
	fi
}
# Regenerate into a copy of the tables (the target compares with, then
# replaces, PHONE_METADATA_OUT); prints the report without its version line.
regenerate() {
	cp $tables "$tmp/phone_metadata.c"
	make -s --no-print-directory phone-metadata PHONE_METADATA_XML="$1" \
		PHONE_METADATA_VERSION="$version" PHONE_METADATA_OUT="$tmp/phone_metadata.c" \
		2>"$tmp/err" | grep -v '^version: ' || cat "$tmp/err"
}

check "same XML" "$(regenerate "$xml")" "territories: $count -> $count
no change"
if cmp -s $tables "$tmp/phone_metadata.c"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "same XML: the regenerated tables differ from $tables"
fi

# Andorra's territory out, one of Spain's mobile ranges moved.
python3 - "$xml" "$tmp/PhoneNumberMetadata.xml" <<'PY'
import re, sys
xml = open(sys.argv[1]).read()
xml, n = re.subn(r'\s*<territory id="AD" .*?</territory>', '', xml, count=1, flags=re.S)
es = xml.index('<territory id="ES"')
mobile = xml.index('<mobile>', es)
at = xml.index('96906(?:', mobile)
assert n == 1 and at < xml.index('</mobile>', mobile)
open(sys.argv[2], 'w').write(xml[:at] + '96907(?:' + xml[at + 8:])
PY
check "edited XML" "$(regenerate "$tmp/PhoneNumberMetadata.xml")" "territories: $count -> $((count - 1))
removed: AD (+376)
changed: ES: mobile changed
0 added, 1 removed, 1 changed"

echo "phone_metadata: $passed passed, $failed failed"
[ $failed -eq 0 ]
