# SPDX-License-Identifier: Apache-2.0
"""Issue #3 interop: BIRD sends IPv4 and IPv6 routes with communities and large communities to Peerlet, which
passes them to FRR and GoBGP with the right AS_PATH, next hop and communities; withdrawals propagate; Peerlet's
own networks reach all three."""

import json
import re
import time

from peerlet_testbed import Bird, Frr, GoBgp, Lab, Peerletd
from peerlet_testbed.daemons import wait_for

PEERLET_AS = 4200000001
BIRD_AS, FRR_AS, GOBGP_AS = 4200000011, 4200000012, 4200000013


class SendingBird(Bird):
    """BIRD with two static routes tagged with communities, exported to Peerlet."""

    v6_next_hop = "fd00:210:1::2"

    def config(self):
        n = self.neighbors[0]
        return """router id %(rid)s;
log "%(log)s" all;
protocol device {}
protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:11::/48 blackhole; }
filter tagged { bgp_community.add((65001,100)); bgp_large_community.add((%(asn)d,1,2)); accept; }
protocol bgp n0 {
  local as %(asn)d; neighbor %(peer)s as %(pas)d; hold time 9; connect retry time 2;
  ipv4 { import all; export filter tagged; };
  ipv6 { import all; export filter tagged; next hop address %(v6)s; };
}
""" % dict(rid=self.router_id, log=self.path("bird.log"), asn=self.asn, peer=n.address, pas=n.asn, v6=self.v6_next_hop)


def gobgp_rib(daemon, family):
    out = daemon.ns.exec(["gobgp", "-u", "127.0.0.1", "-p", "50051", "global", "rib", "-a", family, "-j"], check=False)
    try:
        return json.loads(out or "{}")
    except ValueError:
        return {}


def frr_route(daemon, prefix, family="ipv4"):
    try:
        return json.loads(daemon.vtysh("show bgp %s unicast %s json" % (family, prefix)) or "{}")
    except ValueError:
        return {}


def test_routes_flow_from_bird_through_peerlet_to_frr_and_gobgp():
    lab = Lab()
    try:
        host = lab.namespace("h")
        peerlet = Peerletd(lab, host, "peerletd", PEERLET_AS, "10.210.0.1",
                           extra="networks:\n  - 10.244.1.0/24\n  - prefix: 2001:db8:244:1::/64\n    communities: [65000:1]\n")
        daemons = []
        for i, (kind, cls, asn) in enumerate([("bird", SendingBird, BIRD_AS), ("frr", Frr, FRR_AS), ("gobgp", GoBgp, GOBGP_AS)], 1):
            ns = lab.namespace(kind)
            lab.link(host, ns, ["10.210.%d.1/24" % i, "fd00:210:%d::1/64" % i], ["10.210.%d.2/24" % i, "fd00:210:%d::2/64" % i],
                     name="l%d" % i)
            daemon = cls(lab, ns, kind, asn, "10.210.%d.2" % i).neighbor("10.210.%d.1" % i, PEERLET_AS, hold=9)
            peerlet.neighbor("10.210.%d.2" % i, asn, hold=9, **{"import": "accept", "export": "accept",
                                                              "next-hop-ipv6": "fd00:210:%d::1" % i})
            daemons.append(daemon)
        bird, frr, gobgp = daemons
        for d in daemons:
            d.start()
        peerlet.start()

        # IPv4 at FRR: AS_PATH Peerlet then BIRD, next hop Peerlet's address on that link, communities kept.
        def frr_v4():
            paths = frr_route(frr, "198.51.100.0/24").get("paths", [])
            return paths[0] if paths else None
        path = wait_for(frr_v4, 40, what="198.51.100.0/24 at FRR")
        assert path["aspath"]["string"] == "%d %d" % (PEERLET_AS, BIRD_AS)
        assert path["nexthops"][0]["ip"] == "10.210.2.1"
        assert "65001:100" in path["community"]["string"]
        assert "%d:1:2" % BIRD_AS in path["largeCommunity"]["string"]

        # IPv6 at FRR, over the IPv4 session, with the configured IPv6 next hop.
        def frr_v6():
            paths = frr_route(frr, "2001:db8:11::/48", "ipv6").get("paths", [])
            return paths[0] if paths else None
        path6 = wait_for(frr_v6, 20, what="2001:db8:11::/48 at FRR")
        assert path6["aspath"]["string"] == "%d %d" % (PEERLET_AS, BIRD_AS)
        assert path6["nexthops"][0]["ip"] == "fd00:210:2::1"

        # GoBGP sees the same route with the same attributes.
        def gobgp_v4():
            return gobgp_rib(gobgp, "ipv4").get("198.51.100.0/24")
        entry = wait_for(gobgp_v4, 20, what="198.51.100.0/24 at GoBGP")[0]
        attrs = {a["type"]: a for a in entry["attrs"]}
        as_path = [asn for seg in attrs[2]["as_paths"] for asn in seg["asns"]]
        assert as_path == [PEERLET_AS, BIRD_AS]
        assert attrs[3]["nexthop"] == "10.210.3.1"
        assert 65001 << 16 | 100 in attrs[8]["communities"]

        # Peerlet's own networks reach all three, with only Peerlet's AS in the path.
        wait_for(lambda: frr_route(frr, "10.244.1.0/24").get("paths"), 20, what="own network at FRR")
        assert frr_route(frr, "10.244.1.0/24")["paths"][0]["aspath"]["string"] == str(PEERLET_AS)
        wait_for(lambda: "10.244.1.0/24" in bird.birdc("show", "route", "10.244.1.0/24"), 20, what="own network at BIRD")
        wait_for(lambda: gobgp_rib(gobgp, "ipv6").get("2001:db8:244:1::/64"), 20, what="own IPv6 network at GoBGP")

        # Peerlet does not send BIRD's routes back to BIRD: what BIRD learned from Peerlet is Peerlet's and FRR's
        # and GoBGP's networks only.
        learned = bird.birdc("show", "route", "protocol", "n0")
        assert "10.244.1.0/24" in learned and "198.51.100.0/24" not in learned

        # Withdrawal propagates.
        bird.birdc("disable", "s4")
        wait_for(lambda: not frr_route(frr, "198.51.100.0/24").get("paths"), 20, what="withdrawal at FRR")
        wait_for(lambda: gobgp_rib(gobgp, "ipv4").get("198.51.100.0/24") is None, 20, what="withdrawal at GoBGP")
    finally:
        lab.close()


def test_rfc8212_default_passes_nothing_between_ebgp_neighbors():
    lab = Lab()
    try:
        host = lab.namespace("h")
        peerlet = Peerletd(lab, host, "peerletd", PEERLET_AS, "10.211.0.1")
        bird_ns, frr_ns = lab.namespace("bird"), lab.namespace("frr")
        lab.link(host, bird_ns, ["10.211.1.1/24"], ["10.211.1.2/24"], name="l1")
        lab.link(host, frr_ns, ["10.211.2.1/24"], ["10.211.2.2/24"], name="l2")
        bird = SendingBird(lab, bird_ns, "bird", BIRD_AS, "10.211.1.2").neighbor("10.211.1.1", PEERLET_AS)
        frr = Frr(lab, frr_ns, "frr", FRR_AS, "10.211.2.2").neighbor("10.211.2.1", PEERLET_AS, hold=9)
        peerlet.neighbor("10.211.1.2", BIRD_AS, hold=9).neighbor("10.211.2.2", FRR_AS, hold=9)
        bird.start()
        frr.start()
        peerlet.start()
        wait_for(lambda: frr.is_established("10.211.2.1") and bird.is_established("10.211.1.1"), 40, what="sessions")
        # BIRD did send its route; Peerlet, with no policy on either eBGP session, neither accepts nor passes it.
        wait_for(lambda: re.search(r"Routes:\s+\d+ imported, [1-9]\d* exported", bird.birdc("show", "protocols", "all", "n0")), 20,
                 what="BIRD exporting")
        time.sleep(2)
        assert not frr_route(frr, "198.51.100.0/24").get("paths"), "RFC 8212: no policy, no routes"
    finally:
        lab.close()


def test_max_prefix_closes_the_session_with_the_rfc4486_cease():
    lab = Lab()
    try:
        host, bird_ns = lab.namespace("h"), lab.namespace("bird")
        lab.link(host, bird_ns, ["10.212.1.1/24", "fd00:212:1::1/64"], ["10.212.1.2/24", "fd00:212:1::2/64"], name="l1")
        bird = SendingBird(lab, bird_ns, "bird", BIRD_AS, "10.212.1.2").neighbor("10.212.1.1", PEERLET_AS)
        peerlet = Peerletd(lab, host, "peerletd", PEERLET_AS, "10.212.0.1")
        # BIRD sends two prefixes (one IPv4, one IPv6); the limit is one.
        peerlet.neighbor("10.212.1.2", BIRD_AS, hold=9, **{"import": "accept", "max-prefix": "{limit: 1, restart-after: 0}"})
        bird.start()
        peerlet.start()
        wait_for(lambda: "Maximum number of prefixes reached" in bird.birdc("show", "protocols", "all", "n0"), 40,
                 what="BIRD receiving Cease/Maximum Number of Prefixes Reached")
        assert peerlet.events("10.212.1.2", "maximum prefixes reached")
        # restart-after 0: the session stays down.
        time.sleep(3)
        assert not bird.is_established("10.212.1.1")
    finally:
        lab.close()


POLICY_CONFIG = """prefix-sets:
  docs: [198.51.100.0/24]
policies:
  from-bird:
    - name: only-docs
      match: {prefix-set: docs}
      set: {community: {add: ["65000:42"]}, large-community: {remove: ["%(bird)d:1:2"]}}
      action: accept
  to-frr:
    default: accept
    terms:
      - match: {community: "65000:42"}
        set: {as-path-prepend: 2, med: 77}
""" % dict(bird=BIRD_AS)


def test_named_policies_filter_tag_and_prepend():
    lab = Lab()
    try:
        host = lab.namespace("h")
        peerlet = Peerletd(lab, host, "peerletd", PEERLET_AS, "10.213.0.1", extra=POLICY_CONFIG)
        bird_ns, frr_ns = lab.namespace("bird"), lab.namespace("frr")
        lab.link(host, bird_ns, ["10.213.1.1/24", "fd00:213:1::1/64"], ["10.213.1.2/24", "fd00:213:1::2/64"], name="l1")
        lab.link(host, frr_ns, ["10.213.2.1/24", "fd00:213:2::1/64"], ["10.213.2.2/24", "fd00:213:2::2/64"], name="l2")
        bird = SendingBird(lab, bird_ns, "bird", BIRD_AS, "10.213.1.2").neighbor("10.213.1.1", PEERLET_AS)
        frr = Frr(lab, frr_ns, "frr", FRR_AS, "10.213.2.2").neighbor("10.213.2.1", PEERLET_AS, hold=9)
        peerlet.neighbor("10.213.1.2", BIRD_AS, hold=9, **{"import": "from-bird", "export": "reject"})
        peerlet.neighbor("10.213.2.2", FRR_AS, hold=9, **{"import": "reject", "export": "to-frr", "next-hop-ipv6": "fd00:213:2::1"})
        bird.start()
        frr.start()
        peerlet.start()

        def frr_v4():
            paths = frr_route(frr, "198.51.100.0/24").get("paths", [])
            return paths[0] if paths else None
        path = wait_for(frr_v4, 40, what="198.51.100.0/24 at FRR")
        # Import tagged it and dropped BIRD's large community; export prepended twice and set MED.
        assert path["aspath"]["string"] == "%d %d %d %d" % (PEERLET_AS, PEERLET_AS, PEERLET_AS, BIRD_AS)
        assert "65000:42" in path["community"]["string"] and "65001:100" in path["community"]["string"]
        assert "largeCommunity" not in path
        assert path.get("metric") == 77
        # The IPv6 route is outside the prefix set: rejected on import, so FRR never sees it.
        wait_for(lambda: bird.is_established("10.213.1.1"), 10)
        time.sleep(2)
        assert not frr_route(frr, "2001:db8:11::/48", "ipv6").get("paths")
    finally:
        lab.close()


def test_route_refresh_from_each_peer_gets_the_table_again():
    """BIRD (`reload in`) and FRR (`clear bgp … soft in`) send ROUTE-REFRESH and get the table again on the same
    session. GoBGP 3.10 keeps its own Adj-RIB-In: its `softresetin` re-applies that and sends no ROUTE-REFRESH,
    so GoBGP only checks that nothing breaks."""
    lab = Lab()
    try:
        host = lab.namespace("h")
        peerlet = Peerletd(lab, host, "peerletd", PEERLET_AS, "10.214.0.1", extra="networks: [10.244.14.0/24]\n")
        daemons = []
        for i, (kind, cls, asn) in enumerate([("bird", Bird, BIRD_AS), ("frr", Frr, FRR_AS), ("gobgp", GoBgp, GOBGP_AS)], 1):
            ns = lab.namespace(kind)
            lab.link(host, ns, ["10.214.%d.1/24" % i], ["10.214.%d.2/24" % i], name="l%d" % i)
            daemons.append(cls(lab, ns, kind, asn, "10.214.%d.2" % i).neighbor("10.214.%d.1" % i, PEERLET_AS, hold=9))
            peerlet.neighbor("10.214.%d.2" % i, asn, hold=9, **{"import": "accept", "export": "originated"})
        for d in daemons:
            d.start()
        peerlet.start()
        bird, frr, gobgp = daemons
        wait_for(lambda: "10.244.14.0/24" in bird.birdc("show", "route", "10.244.14.0/24"), 30, what="route at BIRD")
        wait_for(lambda: frr_route(frr, "10.244.14.0/24").get("paths"), 30, what="route at FRR")
        wait_for(lambda: gobgp_rib(gobgp, "ipv4").get("10.244.14.0/24"), 30, what="route at GoBGP")
        frr_before = frr.neighbor_json("10.214.2.1").get("messageStats", {}).get("updatesRecv", 0)
        # Each peer asks for the table again (ROUTE-REFRESH); Peerlet answers on the same session.
        bird.birdc("reload", "in", "n0")
        frr.vtysh("clear bgp 10.214.2.1 soft in")
        gobgp.ns.exec(["gobgp", "-u", "127.0.0.1", "-p", "50051", "neighbor", "10.214.3.1", "softresetin"])
        for address in ("10.214.1.2", "10.214.2.2"):
            wait_for(lambda: peerlet.events(address, "route refresh for ipv4-unicast answered with 1 prefixes"), 15,
                     what="route refresh from %s answered" % address)
        wait_for(lambda: frr.neighbor_json("10.214.2.1").get("messageStats", {}).get("updatesRecv", 0) > frr_before, 10,
                 what="FRR receiving the refreshed table")
        # The route is still there and no session was reset.
        assert "10.244.14.0/24" in bird.birdc("show", "route", "10.244.14.0/24")
        assert frr_route(frr, "10.244.14.0/24").get("paths")
        assert gobgp_rib(gobgp, "ipv4").get("10.244.14.0/24")
        for address in ("10.214.1.2", "10.214.2.2", "10.214.3.2"):
            assert len(peerlet.events(address, "session established")) == 1
    finally:
        lab.close()


class GoBgpSender(GoBgp):
    """GoBGP announcing 198.51.100.0/24 itself after start."""

    def start(self):
        super().start()
        # Same ORIGIN as BIRD's route, so that the two are equal up to the multipath step.
        self.ns.exec(["gobgp", "-u", "127.0.0.1", "-p", "50051", "global", "rib", "add", "198.51.100.0/24", "origin", "igp"])
        return self


def test_add_path_send_gives_frr_both_ecmp_paths():
    lab = Lab()
    try:
        host = lab.namespace("h")
        peerlet = Peerletd(lab, host, "peerletd", PEERLET_AS, "10.215.0.1", extra="multipath-relax: true\n")
        spec = [("bird", SendingBird, BIRD_AS), ("gobgp", GoBgpSender, GOBGP_AS), ("frr", Frr, FRR_AS)]
        daemons = []
        for i, (kind, cls, asn) in enumerate(spec, 1):
            ns = lab.namespace(kind)
            lab.link(host, ns, ["10.215.%d.1/24" % i, "fd00:215:%d::1/64" % i], ["10.215.%d.2/24" % i, "fd00:215:%d::2/64" % i],
                     name="l%d" % i)
            daemons.append(cls(lab, ns, kind, asn, "10.215.%d.2" % i).neighbor("10.215.%d.1" % i, PEERLET_AS, hold=9))
        bird, gobgp, frr = daemons
        peerlet.neighbor("10.215.1.2", BIRD_AS, hold=9, **{"import": "accept", "export": "reject"})
        peerlet.neighbor("10.215.2.2", GOBGP_AS, hold=9, **{"import": "accept", "export": "reject"})
        peerlet.neighbor("10.215.3.2", FRR_AS, hold=9, **{"import": "reject", "export": "accept", "add-path": "send"})
        for d in daemons:
            d.start()
        peerlet.start()

        def two_paths():
            paths = frr_route(frr, "198.51.100.0/24").get("paths", [])
            return paths if len(paths) == 2 else None
        paths = wait_for(two_paths, 40, what="two paths for 198.51.100.0/24 at FRR (ADD-PATH)")
        as_paths = sorted(p["aspath"]["string"] for p in paths)
        assert as_paths == ["%d %d" % (PEERLET_AS, BIRD_AS), "%d %d" % (PEERLET_AS, GOBGP_AS)]
        assert all(p["nexthops"][0]["ip"] == "10.215.3.1" for p in paths)
        assert len({p.get("addpathRxId") for p in paths}) == 2
        # GoBGP withdraws: FRR is left with BIRD's path only.
        gobgp.ns.exec(["gobgp", "-u", "127.0.0.1", "-p", "50051", "global", "rib", "del", "198.51.100.0/24"])
        wait_for(lambda: len(frr_route(frr, "198.51.100.0/24").get("paths", [])) == 1, 20, what="one path left at FRR")
        assert frr_route(frr, "198.51.100.0/24")["paths"][0]["aspath"]["string"] == "%d %d" % (PEERLET_AS, BIRD_AS)
    finally:
        lab.close()
