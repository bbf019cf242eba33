# SPDX-License-Identifier: Apache-2.0
"""Issue #4 in the testbed: routes learned from the ToRs land in the host's routing table with protocol 186, two
ToRs give one multipath route, losing a ToR keeps the other next hop, and a restart neither flushes nor keeps
stale routes."""

import json
import signal
import time

from peerlet_testbed import Frr, Lab, Peerletd
from peerlet_testbed.daemons import wait_for
from test_interop_routing import SendingBird

HOST_AS, BIRD_AS, FRR_AS = 4200001011, 4200000101, 4200000102


def kernel_routes(ns, prefix=None):
    routes = json.loads(ns.ip("-j", "route", "show", "proto", "186") or "[]")
    return [r for r in routes if prefix is None or r.get("dst") == prefix]


def gateways(route):
    if "nexthops" in route:
        return sorted(h["gateway"] for h in route["nexthops"])
    return [route["gateway"]]


def fabric(lab, keep=False):
    host = lab.namespace("h")
    extra = "multipath-relax: true\n" + ("fib:\n  keep-routes-on-exit: true\n  stale-after: 60s\n" if keep else "")
    peer = Peerletd(lab, host, "peerletd", HOST_AS, "10.216.0.1", extra=extra)
    tor_a, tor_b = lab.namespace("ta"), lab.namespace("tb")
    lab.link(host, tor_a, ["10.216.1.1/24", "fd00:216:1::1/64"], ["10.216.1.2/24", "fd00:216:1::2/64"], name="ua")
    lab.link(host, tor_b, ["10.216.2.1/24", "fd00:216:2::1/64"], ["10.216.2.2/24", "fd00:216:2::2/64"], name="ub")
    bird = SendingBird(lab, tor_a, "bird", BIRD_AS, "10.216.1.2").neighbor("10.216.1.1", HOST_AS)
    bird.v6_next_hop = "fd00:216:1::2"
    frr = Frr(lab, tor_b, "frr", FRR_AS, "10.216.2.2", networks=["198.51.100.0/24"]).neighbor("10.216.2.1", HOST_AS, hold=9)
    for address, asn in (("10.216.1.2", BIRD_AS), ("10.216.2.2", FRR_AS)):
        peer.neighbor(address, asn, hold=9, **{"import": "accept", "export": "originated"})
    return host, peer, bird, frr


def test_learned_routes_are_installed_with_ecmp_and_survive_losing_a_tor():
    lab = Lab()
    try:
        host, peer, bird, frr = fabric(lab)
        bird.start()
        frr.start()
        peer.start()
        route = wait_for(lambda: next((r for r in kernel_routes(host, "198.51.100.0/24") if len(gateways(r)) == 2), None), 40,
                         what="one multipath route over both ToRs")
        assert gateways(route) == ["10.216.1.2", "10.216.2.2"]
        shown = json.loads(host.ip("-j", "route", "show", "198.51.100.0/24"))
        assert [(r["protocol"], r["metric"]) for r in shown] == [("bgp", 20)]
        # BIRD's IPv6 route came over an IPv4 session with an IPv6 next hop: installed as well.
        v6 = wait_for(lambda: json.loads(host.ip("-6", "-j", "route", "show", "proto", "186") or "[]"), 20, what="IPv6 route")
        assert any(r["dst"] == "2001:db8:11::/48" and r.get("gateway") == "fd00:216:1::2" for r in v6), v6
        # A withdrawal removes the route from the kernel at once (not at the next reconcile).
        host_v6_before = json.loads(host.ip("-6", "-j", "route", "show", "proto", "186") or "[]")
        assert any(r["dst"] == "2001:db8:11::/48" for r in host_v6_before)
        bird.birdc("disable", "s6")
        wait_for(lambda: not any(r["dst"] == "2001:db8:11::/48" for r in json.loads(host.ip("-6", "-j", "route", "show", "proto", "186") or "[]")),
                 5, what="IPv6 route withdrawn from the kernel")
        # ToR B fails: the route keeps ToR A's next hop, never disappearing.
        for p in frr.procs:
            p.send_signal(signal.SIGKILL)
        wait_for(lambda: [gateways(r) for r in kernel_routes(host, "198.51.100.0/24")] == [["10.216.1.2"]], 30,
                 what="single next hop via ToR A")
        # A clean stop (default: routes not kept) leaves no route of ours behind.
        peer.process.send_signal(signal.SIGTERM)
        assert peer.process.wait(15) == 0
        assert kernel_routes(host) == [] and json.loads(host.ip("-6", "-j", "route", "show", "proto", "186") or "[]") == []
    finally:
        lab.close()


def test_restart_keeps_adopts_and_sweeps():
    lab = Lab()
    try:
        host, peer, bird, frr = fabric(lab, keep=True)
        bird.start()
        frr.start()
        peer.start()
        wait_for(lambda: kernel_routes(host, "198.51.100.0/24"), 40, what="route installed")
        # Something else's route is never touched; a stale route of ours (left by an earlier run) is swept.
        host.ip("route", "add", "203.0.113.0/24", "via", "10.216.1.2", "proto", "static")
        host.ip("route", "add", "192.0.2.0/24", "via", "10.216.1.2", "proto", "186", "metric", "20")
        # A clean stop with keep-routes-on-exit leaves the routes forwarding.
        peer.process.send_signal(signal.SIGTERM)
        peer.process.wait(15)
        assert kernel_routes(host, "198.51.100.0/24"), "kept across the stop"
        # The next peerletd adopts them (no flush) and, once both ToRs sent End-of-RIB, removes only the stale one.
        again = Peerletd(lab, host, "peerletd2", HOST_AS, "10.216.0.1", extra=peer.extra)
        again.neighbors = peer.neighbors
        again.start()
        assert kernel_routes(host, "198.51.100.0/24"), "not flushed at start"
        wait_for(lambda: not kernel_routes(host, "192.0.2.0/24"), 40, what="stale route swept after End-of-RIB")
        assert kernel_routes(host, "198.51.100.0/24")
        assert "203.0.113.0/24" in host.ip("route", "show", "proto", "static")
        assert again.events("10.216.1.2", "session established") or "End-of-RIB" in again.read_log()
    finally:
        lab.close()
