#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The demo: a container host running peerletd peers over eBGP with a top-of-rack switch running BIRD 2,
over IPv4 and IPv6, in network namespaces on this machine. It shows the sessions from both sides, then
stops peerletd with SIGTERM and shows the ToR receiving Cease/Administrative Shutdown. Everything it
creates is removed at the end (also on Ctrl-C).

Issue #6 grows this into the leaf-spine fabric where workloads on different racks reach each other."""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from peerlet_testbed import Bird, Lab, Peerletd  # noqa: E402
from peerlet_testbed.daemons import wait_for  # noqa: E402


def step(text):
    print("\033[1m==>\033[0m %s" % text if sys.stdout.isatty() else "==> %s" % text, flush=True)


def main():
    lab = Lab("pld")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    started = time.monotonic()
    try:
        step("creating namespaces: host (peerletd, AS 4200001011) and tor-a (BIRD 2, AS 4200000101)")
        host = lab.namespace("host")
        tor = lab.namespace("tor")
        lab.link(host, tor, ["10.0.1.11/24", "fd00:0:1::11/64"], ["10.0.1.1/24", "fd00:0:1::1/64"], name="up")
        step("starting BIRD on the ToR and peerletd on the host (one IPv4 and one IPv6 session, hold time 9 s)")
        bird = Bird(lab, tor, "tor-a", 4200000101, "10.0.1.1")
        bird.neighbor("10.0.1.11", 4200001011, hold=9).neighbor("fd00:0:1::11", 4200001011, hold=9).start()
        peer = Peerletd(lab, host, "peerletd", 4200001011, "10.0.1.11")
        peer.neighbor("10.0.1.1", 4200000101, hold=9).neighbor("fd00:0:1::1", 4200000101, hold=9).start(log_level="info")
        step("waiting for both sessions to reach Established")
        t0 = time.monotonic()
        for address in ("10.0.1.11", "fd00:0:1::11"):
            wait_for(lambda: bird.is_established(address), 30, what="session with %s" % address)
        print("    both sessions Established after %.2f s" % (time.monotonic() - t0))
        step("BIRD's view (birdc show protocols all n0):")
        out = bird.birdc("show", "protocols", "all", "n0")
        for line in out.splitlines()[1:18]:
            print("    " + line)
        step("peerletd's log:")
        for line in peer.read_log().splitlines():
            if "established" in line or "listening" in line or "started" in line:
                print("    " + line)
        step("stopping peerletd with SIGTERM")
        peer.process.send_signal(signal.SIGTERM)
        peer.process.wait(15)
        wait_for(lambda: "Administrative shutdown" in bird.birdc("show", "protocols", "all", "n0"), 10, what="Cease at BIRD")
        print("    " + [line for line in bird.birdc("show", "protocols", "n0").splitlines() if line.startswith("n0")][0])
        print()
        print("What this showed:")
        print("  - peerletd opened eBGP sessions with 4-octet private ASNs to a real BIRD 2, over IPv4 and IPv6 transport;")
        print("  - both sides agree the sessions are Established (capabilities, hold time 9 s, keepalives every 3 s);")
        print("  - on SIGTERM peerletd sent Cease/Administrative Shutdown with its RFC 9003 message before exiting.")
        print("  (%.1f s; namespaces and processes are removed now)" % (time.monotonic() - started))
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        lab.close()


if __name__ == "__main__":
    sys.exit(main())
