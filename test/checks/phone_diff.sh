#!/bin/bash
# Differential test of the phone engine against libphonenumber 8.12.57
# (Debian's libphonenumber-dev, a test-only dependency): builds
# test/checks/phone_diff.cc with the engine and tables generated from the same
# metadata, runs it, and prints "phone_diff: N passed, N failed".
# PHONE_DIFF_SHOW=N lists the first N disagreements (default 40).
# The metadata is in ../shared/data beside the clone; without it the check
# says it is skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.." || exit 1
if ! why=$(make -s --no-print-directory phone_metadata 2>/dev/null); then
	echo "phone_diff: skipped, $why"
	exit 0
fi
if ! make -s phone_diff >build_phone_diff.log 2>&1; then
	cat build_phone_diff.log
	rm -f build_phone_diff.log
	echo "phone_diff: 0 passed, 1 failed"
	exit 1
fi
rm -f build_phone_diff.log
./build/checks/phone_diff "${PHONE_DIFF_SHOW:-40}"
