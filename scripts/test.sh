#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Peerlet's whole test suite, as CI runs it (root on Debian 12): setup, import fence, build, unit tests,
# shipped-config check, a bounded fuzz run, and the network-namespace testbed with real BIRD, FRR and GoBGP.
# Environment: FUZZ_SECONDS (default 20 per target), PYTEST_ARGS (extra pytest arguments).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
stage() { printf '\n==> %s\n' "$*"; }

stage "setup"
scripts/setup.sh

stage "import fence"
scripts/check-imports.sh

stage "build"
swift build --build-tests 2>&1 | grep -E "error|warning: |Build complete" || true
swift build --build-tests >/dev/null

stage "unit tests (swift test)"
set +e
swift test --skip-build > /tmp/peerlet-swift-test.log 2>&1
swift_rc=$?
set -e
grep -E "^✘|Test run with|error:" /tmp/peerlet-swift-test.log || true
swift_summary=$(grep -E "Test run with [0-9]+ tests" /tmp/peerlet-swift-test.log | tail -1)
if [ $swift_rc -ne 0 ] || ! echo "$swift_summary" | grep -q "passed"; then
    echo "unit tests failed" >&2
    exit 1
fi
swift_tests=$(echo "$swift_summary" | grep -Eo "with [0-9]+ tests" | grep -Eo "[0-9]+")

stage "shipped configuration files"
for f in config/*.yaml; do .build/debug/peerletd --check-config "$f"; done

stage "fuzzing (${FUZZ_SECONDS:-20}s per target)"
testbed/fuzz/run.sh "${FUZZ_SECONDS:-20}"

stage "testbed: network namespaces with real BIRD, FRR and GoBGP"
cd testbed
set +e
PYTHON=$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)  # Debian's, which sees the apt packages
$PYTHON -m pytest -q -p no:cacheprovider ${PYTEST_ARGS:-} tests 2>&1 | tee /tmp/peerlet-pytest.log
set -e
py_summary=$(tail -1 /tmp/peerlet-pytest.log)
py_passed=$(echo "$py_summary" | grep -Eo "[0-9]+ passed" | grep -Eo "[0-9]+" || echo 0)
py_failed=$(echo "$py_summary" | grep -Eo "[0-9]+ failed" | grep -Eo "[0-9]+" || echo 0)
cd "$root"

echo
echo "summary: $((swift_tests + py_passed)) passed, ${py_failed} failed"
[ "$py_failed" -eq 0 ] && echo "$py_summary" | grep -q passed
