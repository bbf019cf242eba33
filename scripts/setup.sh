#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what Peerlet's build, tests and testbed need on Debian 12 (run as root). Idempotent.
# The Swift 6 toolchain itself is expected on PATH (https://www.swift.org/install/linux/).
set -euo pipefail
packages=(libmnl-dev bird2 frr gobgpd exabgp iproute2 iputils-ping procps psmisc python3 python3-pytest python3-prometheus-client curl ca-certificates)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    # The testbed runs BIRD, FRR and GoBGP by hand with their own configs: keep the packaged services from
    # starting during installation.
    had_policy=0
    [ -e /usr/sbin/policy-rc.d ] && had_policy=1
    if [ $had_policy -eq 0 ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ $had_policy -eq 1 ] || rm -f /usr/sbin/policy-rc.d
fi
if ! command -v swift >/dev/null; then
    echo "setup: no 'swift' on PATH; install the Swift 6 toolchain first" >&2
    exit 1
fi
echo "setup: $(swift --version 2>/dev/null | head -1); $(bird --version 2>&1 | head -1); gobgpd $(gobgpd --version 2>/dev/null | awk '{print $NF}')"
