#!/bin/sh
# Regenerate src/core/fold_table.c from the ICU found by pkg-config.
set -e
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -O1 -Isrc/core $(pkg-config --cflags icu-uc icu-i18n) -o "$tmp/gen" \
	tools/gen_fold_table.c src/core/fold.c src/core/fold_table.c src/core/ct_alloc.c \
	$(pkg-config --libs icu-uc icu-i18n)
"$tmp/gen" > "$tmp/fold_table.c"
mv "$tmp/fold_table.c" src/core/fold_table.c
echo "src/core/fold_table.c regenerated"
