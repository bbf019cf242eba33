#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets and runs each for SECONDS (default 20), seeded from the golden wire vectors.
# A crash is copied to Tests/BGPWireTests/FuzzRegressions/<target>-<name> (replayed by `swift test`) and the
# script exits non-zero. Usage: testbed/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-20}"; shift || true
targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(FuzzFrame FuzzOpen FuzzUpdate FuzzNetlink FuzzConfig)
scratch="$root/.build-fuzz"
work="${FUZZ_WORKDIR:-$(mktemp -d /tmp/peerlet-fuzz.XXXXXX)}"

echo "fuzz: building targets (sanitize=fuzzer,address)"
(cd "$here" && swift build -c release --scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >/dev/null)

# Seed corpora from the golden fixtures: whole streams for FuzzFrame, message bodies for the others.
python3 - "$root/Tests/BGPWireTests/Fixtures" "$work" <<'PY'
import os, sys, re
src, work = sys.argv[1], sys.argv[2]
for t in ("FuzzFrame", "FuzzOpen", "FuzzUpdate", "FuzzNetlink", "FuzzConfig"):
    os.makedirs(os.path.join(work, "corpus-" + t), exist_ok=True)
for name in sorted(os.listdir(src)):
    if not name.endswith(".hex"): continue
    text = "".join(line.split("#", 1)[0] for line in open(os.path.join(src, name)))
    data = bytes.fromhex(re.sub(r"[^0-9a-fA-F]", "", text))
    for selector in (0, 1, 2, 4):
        open(os.path.join(work, "corpus-FuzzFrame", "%s-%d" % (name, selector)), "wb").write(bytes([selector]) + data)
    if data[18] == 1:
        open(os.path.join(work, "corpus-FuzzOpen", name), "wb").write(data[19:])
    if data[18] == 2:
        for selector in (0, 1, 2, 4):
            open(os.path.join(work, "corpus-FuzzUpdate", "%s-%d" % (name, selector)), "wb").write(bytes([selector]) + data[19:])
PY
# FuzzNetlink starts from its regression inputs (a recorded veth link, a route, malformed ones).
cp "$root/Tests/NetlinkMNLTests/FuzzRegressions/"FuzzNetlink-* "$work/corpus-FuzzNetlink/" 2>/dev/null || true
# FuzzConfig starts from the configuration fixtures (good and bad) and the shipped examples.
for f in "$root"/Tests/BGPConfigTests/Fixtures/*.in.yaml "$root"/config/*.yaml; do cp "$f" "$work/corpus-FuzzConfig/$(basename "$f")"; done
cp "$root/Tests/BGPConfigTests/FuzzRegressions/"FuzzConfig-* "$work/corpus-FuzzConfig/" 2>/dev/null || true

status=0
for t in "${targets[@]}"; do
    mkdir -p "$work/crash-$t"
    log="$work/$t.log"
    if "$scratch/release/$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/crash-$t/" \
        "$work/corpus-$t" >"$log" 2>&1; then
        runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' || echo "?")
        echo "fuzz: $t: $runs executions in ${seconds}s, no crash"
    else
        status=1
        echo "fuzz: $t: CRASH (log: $log)"
        tail -30 "$log"
    fi
    for crash in "$work/crash-$t"/*; do
        [ -e "$crash" ] || continue
        dest="$root/Tests/BGPWireTests/FuzzRegressions"
        [ "$t" != FuzzNetlink ] || dest="$root/Tests/NetlinkMNLTests/FuzzRegressions"
        [ "$t" != FuzzConfig ] || dest="$root/Tests/BGPConfigTests/FuzzRegressions"
        cp "$crash" "$dest/$t-$(basename "$crash")"
        echo "fuzz: kept $t-$(basename "$crash") as a regression test"
    done
done
[ -n "${FUZZ_WORKDIR:-}" ] || rm -rf "$work"
exit $status
