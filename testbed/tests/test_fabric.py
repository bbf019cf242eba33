# SPDX-License-Identifier: Apache-2.0
"""Issue #6 scenarios on the leaf-spine fabric (testbed/fabrics/leaf-spine.toml): a spine (FRR), two ToRs (BIRD 2
and FRR), five hosts running peerletd (one dual-homed), workloads in namespaces. Every figure a scenario measures
is printed (run with -s to see them) and recorded in docs/testbed.md."""

import json
import os
import re
import subprocess
import time

import pytest

from peerlet_testbed import repo_root
from peerlet_testbed.daemons import wait_for
from peerlet_testbed.fabric import Fabric

DESCRIPTION = os.path.join(repo_root(), "testbed", "fabrics", "leaf-spine.toml")


@pytest.fixture(scope="module")
def fabric():
    f = Fabric(DESCRIPTION)
    try:
        f.up()
        f.wait_converged(90)
        yield f
    finally:
        f.close()


def ping(ns, address, count=1, wait=2):
    family = ["-6"] if ":" in address else []
    return subprocess.run(["ip", "netns", "exec", ns.name, "ping"] + family + ["-c", str(count), "-W", str(wait), address],
                          capture_output=True, text=True).returncode == 0


def flood(ns, address, seconds):
    """ping every 10 ms for `seconds` in the background; returns the process (read with loss())."""
    family = ["-6"] if ":" in address else []
    return subprocess.Popen(["ip", "netns", "exec", ns.name, "ping"] + family + ["-i", "0.01", "-W", "1", "-c", str(int(seconds * 100)), address],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def loss(process):
    """(sent, received) of a finished flood."""
    out = process.communicate(timeout=120)[0]
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    return int(m.group(1)), int(m.group(2))


def test_workloads_on_different_racks_reach_each_other(fabric):
    src = fabric.hosts["a1"].workloads["w1"][0]
    _, dst4, dst6 = fabric.hosts["b1"].workloads["w1"]
    dst_ns = fabric.hosts["b1"].workloads["w1"][0]
    assert ping(src, dst4) and ping(src, dst6)
    # A TCP request, v4 and v6, to a server in the other rack's workload.
    fabric.lab.spawn(dst_ns, ["python3", "-m", "http.server", "--bind", "::", "8080", "--directory", "/tmp"], "http-b1.out")
    for address in (dst4, "[%s]" % dst6):
        out = wait_for(lambda: subprocess.run(["ip", "netns", "exec", src.name, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                               "http://%s:8080/" % address], capture_output=True, text=True).stdout == "200",
                       10, what="HTTP from rack A to rack B over " + address)
        assert out
    # The IPVLAN L3-style subnet and the spine's service are reachable too.
    assert ping(src, fabric.hosts["b2"].subnet[1]) and ping(src, fabric.hosts["b2"].subnet[2])
    assert ping(src, fabric.service_addresses[0]) and ping(src, fabric.service_addresses[1])
    path = fabric.path("a1", dst4)
    print("path a1/w1 -> b1/w1: " + " -> ".join(path))
    assert path == ["a1", "tor-a", "spine", "tor-b", "b1"]


def test_the_dual_homed_host_uses_both_tors(fabric):
    d1 = fabric.hosts["d1"]
    for prefix, family in (("10.253.0.0/24", "-4"), ("fd00:253::/64", "-6")):
        route = json.loads(d1.ns.ip("-j", family, "route", "show", prefix))[0]
        assert sorted(h["gateway"] for h in route["nexthops"]) == (["10.1.5.1", "10.2.5.1"] if family == "-4" else ["fd00:1:5::1", "fd00:2:5::1"])


def test_a_new_workload_is_reachable_from_the_other_rack_within_a_second(fabric):
    src = fabric.hosts["a1"].workloads["w1"][0]
    # Pings every 10 ms from before the workload exists: the first answered sequence number is the time.
    probe = flood(src, "10.244.22.20", 5)
    time.sleep(0.05)
    fabric.add_workload(fabric.hosts["b2"], "w2", "10.244.22.20", "fd00:244:22::20")
    out = probe.communicate(timeout=30)[0]
    answered = [int(n) for n in re.findall(r"icmp_seq=(\d+) ttl=", out)]
    assert answered, out
    took = (min(answered) - 5) * 0.01  # sequence numbers start at 1, the workload came after about 5 of them
    print("new workload on b2 reachable from a1/w1 after %.2f s (first answered ping %d)" % (took, min(answered)))
    assert took <= 1.0, took
    wait_for(lambda: ping(src, "fd00:244:22::20", wait=1), 5, interval=0.01, what="new workload reachable over IPv6")


def test_a_removed_workload_is_withdrawn_everywhere(fabric):
    start = time.monotonic()
    fabric.remove_workload(fabric.hosts["b2"], "w2")

    def gone():
        for name, host in fabric.hosts.items():
            if fabric.kernel_has(host, "10.244.22.20/32") or fabric.kernel_has(host, "fd00:244:22::20/128"):
                return False
        for ns in [t.ns for t in fabric.tors.values()] + [fabric.spine.ns]:
            if ns.ip("route", "show", "10.244.22.20").strip() or ns.ip("-6", "route", "show", "fd00:244:22::20").strip():
                return False
        return True
    wait_for(gone, 10, interval=0.02, what="workload route withdrawn everywhere")
    print("removed workload withdrawn from every host, ToR and the spine after %.3f s" % (time.monotonic() - start))


def test_a_tor_failure_under_the_dual_homed_host_keeps_traffic_flowing(fabric):
    """tor-a fails for d1: the link between them goes down on both ends."""
    d1 = fabric.hosts["d1"]
    src = d1.workloads["w1"][0]
    traffic = flood(src, fabric.service_addresses[0], 12)
    time.sleep(2)
    fabric.fail_link("d1", "tor-a")
    sent, received = loss(traffic)
    print("ToR failure under the dual-homed host: %d of %d packets lost (10 ms interval)" % (sent - received, sent))
    assert received > 0.9 * sent, (sent, received)
    # The session to the failed ToR goes down; the routes stay through tor-b alone.
    wait_for(lambda: d1.peer.api("/v1/neighbors/10.1.5.1")[1]["state"] != "Established", 20, what="session to tor-a down")
    route = json.loads(d1.ns.ip("-j", "route", "show", "10.253.0.0/24"))[0]
    assert route.get("gateway") == "10.2.5.1" or [h["gateway"] for h in route.get("nexthops", [])] == ["10.2.5.1"], route
    fabric.restore_link("d1", "tor-a")
    wait_for(lambda: d1.peer.api("/v1/neighbors/10.1.5.1")[1]["state"] == "Established", 30, what="session to tor-a back")
    fabric.wait_converged(30)


def test_peerletd_restart_on_a_host_reconverges(fabric):
    """peerletd on a1 stops (its routes leave the kernel: no graceful restart yet) and starts again."""
    a1 = fabric.hosts["a1"]
    src = a1.workloads["w1"][0]
    _, dst4, _ = fabric.hosts["b1"].workloads["w1"]
    traffic = flood(src, dst4, 15)
    time.sleep(1)
    start = time.monotonic()
    a1.peer.stop()
    a1.peer.procs.clear()
    a1.peer.start(log_level="info")
    fabric.wait_converged(60)
    took = time.monotonic() - start
    sent, received = loss(traffic)
    print("peerletd restart on a1: routes back after %.2f s; %d of %d packets lost (10 ms interval)" % (took, sent - received, sent))
    assert ping(src, dst4)


def live_workloads(fabric):
    out = set()
    for host in fabric.hosts.values():
        for _, a4, a6 in host.workloads.values():
            out |= {a4 + "/32", a6 + "/128"}
    return out


def test_a_flapping_tor_session_leaves_fib_and_tors_exact(fabric):
    b1 = fabric.hosts["b1"]
    for _ in range(20):
        code, _, _ = b1.peer.cli("neighbor", "reset", "10.2.3.1")
        assert code == 0
        time.sleep(0.05)
    wait_for(lambda: all(n["state"] == "Established" for n in b1.peer.api("/v1/neighbors")[1]), 60, what="b1's sessions back")
    fabric.wait_converged(60)

    def exact():
        # b1's FIB equals its Loc-RIB: every learned best route installed, nothing else of ours in the kernel.
        routes = b1.peer.api("/v1/routes")[1]
        learned = {r["prefix"] for r in routes if any(p["status"] == "best" and p["source"] != "local" for p in r["paths"])}
        fib = b1.peer.api("/v1/fib")[1]["routes"]
        if {r["prefix"] for r in fib} != learned or any(r["state"] != "installed" for r in fib):
            return False
        kernel = set()
        for family, full in (("-4", "/32"), ("-6", "/128")):
            for r in json.loads(b1.ns.ip("-j", family, "route", "show", "proto", "186") or "[]"):
                kernel.add(r["dst"] if "/" in r["dst"] else r["dst"] + full)
        if kernel != learned:
            return False
        # The ToRs hold exactly the live workloads (and the subnet and service prefixes), nothing stale.
        for tor in fabric.tors.values():
            held = set()
            for family, full in (("-4", "/32"), ("-6", "/128")):
                for r in json.loads(tor.ns.ip("-j", family, "route", "show") or "[]"):
                    dst = r["dst"]
                    if dst.startswith("10.244.") or dst.startswith("fd00:244:"):
                        held.add(dst if "/" in dst else dst + full)
            if held != live_workloads(fabric):
                return False
        return True
    wait_for(exact, 30, interval=0.5, what="b1's FIB equal to its Loc-RIB and the ToRs holding exactly the live workloads")


def test_a_reload_under_traffic_loses_nothing(fabric):
    a1 = fabric.hosts["a1"]
    src = a1.workloads["w1"][0]
    _, dst4, _ = fabric.hosts["b1"].workloads["w1"]
    traffic = flood(src, dst4, 5)
    time.sleep(1)
    for n in a1.peer.neighbors:
        n.options["description"] = "tor-a (reloaded)"
    with open(a1.peer.path("peerlet.yaml"), "w") as f:
        f.write(a1.peer.config())
    code, text, _ = a1.peer.cli("reload")
    assert code == 0 and "no session resets" in text, text
    sent, received = loss(traffic)
    print("reload under traffic on a1: %d of %d packets lost" % (sent - received, sent))
    assert sent == received
