#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's main command: install what is missing, build, run the demo in network namespaces (root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "==> building peerletd (the first build with SwiftNIO takes a few minutes)"
# Progress: one line per 25 compile steps; errors are printed as they come.
swift build --product peerletd --product peerlet 2>&1 | awk '/Compiling/ { if (++n % 25 == 1) print "    compiling... (" n " steps)"; next } /error/ { print }' || true
swift build --product peerletd >/dev/null && swift build --product peerlet >/dev/null   # fails loudly if the build did
echo "    built"
exec "$([ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)" testbed/demo.py
