# SPDX-License-Identifier: Apache-2.0
"""Issue #4 workload discovery in the testbed: a workload namespace with a veth (`cali…`) and a host /32 appears on
a Peerlet host, and the BIRD and FRR ToRs have the /32 within one second (measured and printed); removing the
workload withdraws it; a /32 inside an owned IPAM block is suppressed in favour of the block; an address on a
host interface matching `addresses` (a service address, as kube-proxy binds them on kube-ipvs0) is announced while
it is there."""

import json
import subprocess
import time

from peerlet_testbed import Bird, Frr, Lab, Peerletd
from peerlet_testbed.daemons import wait_for

HOST_AS, BIRD_AS, FRR_AS = 4200001021, 4200000121, 4200000122
WORKLOADS = """workloads:
  interfaces: ["cali*"]
  addresses: ["svc*"]
  blocks: [10.77.0.0/26]
  unreachable-blocks: true
  communities: ["65000:42"]
"""


def bird_has(bird, prefix):
    return ("%s " % prefix) in bird.birdc("show", "route", "for", prefix.split("/")[0]) and \
        prefix in bird.birdc("show", "route", prefix)


def frr_has(frr, prefix):
    try:
        data = json.loads(frr.vtysh("show ip bgp json") or "{}")
    except ValueError:
        return False
    return prefix in data.get("routes", {})


def fabric(lab):
    host = lab.namespace("h")
    peer = Peerletd(lab, host, "peerletd", HOST_AS, "10.217.0.1", extra=WORKLOADS)
    tor_a, tor_b = lab.namespace("ta"), lab.namespace("tb")
    lab.link(host, tor_a, ["10.217.1.1/24"], ["10.217.1.2/24"], name="ua")
    lab.link(host, tor_b, ["10.217.2.1/24"], ["10.217.2.2/24"], name="ub")
    bird = Bird(lab, tor_a, "bird", BIRD_AS, "10.217.1.2").neighbor("10.217.1.1", HOST_AS)
    frr = Frr(lab, tor_b, "frr", FRR_AS, "10.217.2.2").neighbor("10.217.2.1", HOST_AS, hold=9)
    for address, asn in (("10.217.1.2", BIRD_AS), ("10.217.2.2", FRR_AS)):
        peer.neighbor(address, asn, hold=9, **{"import": "accept", "export": "originated"})
    return host, peer, bird, frr


def start_all(peer, bird, frr):
    """Starts both ToRs and the host, and waits for both sessions."""
    bird.start()
    frr.start()
    peer.start()
    wait_for(lambda: peer.state("10.217.1.2") == "Established" and peer.state("10.217.2.2") == "Established", 40,
             what="both sessions Established")


def add_workload(lab, host, short, address):
    """A workload namespace: a veth whose host end is `cali<short>`, the address on the workload end, and the
    host route to it (the Calico felix / CNI ptp layout)."""
    w = lab.namespace("w" + short)
    host_end, workload_end = lab.link(host, w, [], [address + "/32"], name="cali" + short)
    host.ip("route", "add", address + "/32", "dev", host_end, "scope", "link")
    w.ip("route", "add", "default", "dev", workload_end)
    return w


def test_workload_reaches_both_tors_within_a_second_and_is_withdrawn_when_gone():
    lab = Lab()
    try:
        host, peer, bird, frr = fabric(lab)
        start_all(peer, bird, frr)
        # The owned block is announced from the start.
        wait_for(lambda: bird_has(bird, "10.77.0.0/26") and frr_has(frr, "10.77.0.0/26"), 10, what="IPAM block at both ToRs")

        start = time.monotonic()
        w = add_workload(lab, host, "1", "10.66.0.5")
        seen = {}
        while time.monotonic() - start < 5 and len(seen) < 2:
            now = time.monotonic() - start
            if "bird" not in seen and bird_has(bird, "10.66.0.5/32"):
                seen["bird"] = now
            if "frr" not in seen and frr_has(frr, "10.66.0.5/32"):
                seen["frr"] = now
            time.sleep(0.02)
        print("workload /32 at the ToRs after: BIRD %.3f s, FRR %.3f s" % (seen.get("bird", -1), seen.get("frr", -1)))
        assert set(seen) == {"bird", "frr"}, seen
        assert max(seen.values()) < 1.0, seen
        assert "65000:42" in bird.birdc("show", "route", "10.66.0.5/32", "all").replace("(65000,42)", "65000:42")

        # Inside the owned block: suppressed (the block covers it), never announced.
        add_workload(lab, host, "2", "10.77.0.9")
        time.sleep(1.0)
        assert not bird_has(bird, "10.77.0.9/32") and not frr_has(frr, "10.77.0.9/32")
        # The block's unreachable route is in the host's table, owned by Peerlet, and shadows no workload: the
        # workload in the block answers, an unused address in it is unreachable here.
        block = json.loads(host.ip("-j", "route", "show", "10.77.0.0/26"))
        assert [(r.get("type"), r.get("protocol")) for r in block] == [("unreachable", "bgp")], block
        host.exec(["ping", "-c", "1", "-W", "2", "10.77.0.9"])
        unused = subprocess.run(["ip", "-n", host.name, "route", "get", "10.77.0.20"], capture_output=True, text=True)
        # An unreachable route gives EHOSTUNREACH; no route at all would be ENETUNREACH ("Network is unreachable").
        assert unused.returncode != 0 and "no route to host" in unused.stderr.lower(), unused

        # The workload goes away with its namespace: the link is deleted, the kernel drops the route without a
        # route notification, and the ToRs lose the /32.
        start = time.monotonic()
        lab.namespaces.remove(w)
        from peerlet_testbed.netns import run
        run(["ip", "netns", "del", w.name])
        wait_for(lambda: not bird_has(bird, "10.66.0.5/32") and not frr_has(frr, "10.66.0.5/32"), 5,
                 interval=0.02, what="workload withdrawn at both ToRs")
        print("workload withdrawn at both ToRs after %.3f s" % (time.monotonic() - start))
        assert bird_has(bird, "10.77.0.0/26"), "the block stays announced"
    finally:
        lab.close()


def test_a_service_address_on_a_host_interface_is_announced_while_bound():
    lab = Lab()
    try:
        host, peer, bird, frr = fabric(lab)
        # A veth pair stands in for kube-ipvs0 (this kernel has no dummy links); both ends stay in the host.
        host.ip("link", "add", "svc0", "type", "veth", "peer", "name", "svc1")
        host.ip("link", "set", "svc0", "up")
        host.ip("addr", "add", "10.96.0.10/32", "dev", "svc0")
        start_all(peer, bird, frr)
        # Bound before the start: found in the snapshot.
        wait_for(lambda: bird_has(bird, "10.96.0.10/32") and frr_has(frr, "10.96.0.10/32"), 10, what="service address at both ToRs")
        # Bound later: found by notification.
        start = time.monotonic()
        host.ip("addr", "add", "10.96.0.11/32", "dev", "svc0")
        wait_for(lambda: bird_has(bird, "10.96.0.11/32") and frr_has(frr, "10.96.0.11/32"), 5, interval=0.02,
                 what="new service address at both ToRs")
        print("service address at both ToRs after %.3f s" % (time.monotonic() - start))
        # Unbound: withdrawn; the other stays.
        host.ip("addr", "del", "10.96.0.10/32", "dev", "svc0")
        wait_for(lambda: not bird_has(bird, "10.96.0.10/32") and not frr_has(frr, "10.96.0.10/32"), 5, interval=0.02,
                 what="service address withdrawn")
        assert bird_has(bird, "10.96.0.11/32")
        # The interface down: withdrawn.
        host.ip("link", "set", "svc0", "down")
        wait_for(lambda: not bird_has(bird, "10.96.0.11/32"), 5, interval=0.02, what="address on a down link withdrawn")
    finally:
        lab.close()
