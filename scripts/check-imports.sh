#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The pure targets must stay pure: no sockets, no Foundation, no C modules, no logging, no clocks.
# (The manifest is the first fence; this catches a dependency added there by mistake.)
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {
    local target=$1; shift
    for module in "$@"; do
        if grep -rEn "^\s*(@preconcurrency\s+)?((public|internal|package|private|fileprivate)\s+)?import\s+$module\b" "Sources/$target" >/dev/null; then
            grep -rEn "^\s*(@preconcurrency\s+)?((public|internal|package|private|fileprivate)\s+)?import\s+$module\b" "Sources/$target"
            echo "check-imports: $target must not import $module" >&2
            status=1
        fi
    done
}
check BGPModel NIOCore NIOPosix NIOEmbedded Foundation Glibc Logging Dispatch CMNL
check BGPWire NIOPosix NIOEmbedded Foundation Glibc Logging Dispatch CMNL
check BGPSession NIOCore NIOPosix NIOEmbedded Foundation Glibc Logging Dispatch CMNL
check BGPRIB NIOCore NIOPosix NIOEmbedded Foundation Glibc Logging Dispatch CMNL BGPWire BGPSession
check FIBSync NIOCore NIOPosix NIOEmbedded Foundation Glibc Logging Dispatch CMNL BGPWire BGPSession BGPRIB
for target in Sources/*/; do
    target=$(basename "$target")
    [ "$target" = NetlinkMNL ] || [ "$target" = CMNL ] || check "$target" CMNL
done
check BGPConfig NIOCore NIOPosix Foundation Glibc Logging Dispatch CMNL
check PeerletAPI NIOCore NIOPosix Foundation Glibc Logging Dispatch CMNL Hummingbird BGPModel BGPDaemon
check PeerletCLIKit NIOCore NIOPosix Foundation Glibc Logging Dispatch CMNL Hummingbird AsyncHTTPClient BGPDaemon
check PeerletServer BGPDaemon BGPRIB BGPSession BGPWire NIOPosix CMNL
if grep -rEn "Task\.sleep|ContinuousClock|SuspendingClock|Date\(\)" Sources/BGPSession Sources/BGPWire Sources/BGPModel; then
    echo "check-imports: the pure targets must not read a clock" >&2
    status=1
fi
[ $status -eq 0 ] && echo "check-imports: pure targets are pure"
exit $status
