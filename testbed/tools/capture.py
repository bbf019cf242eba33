#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Captures what BIRD 2, FRR and GoBGP send on an eBGP session (IPv4 transport, 4-octet ASNs) with IPv4 and
IPv6 routes carrying standard, extended and large communities, and writes each distinct message as an
annotated hex fixture in Tests/BGPWireTests/Captures/ (provenance in the header). Run as root:
    python3 testbed/tools/capture.py"""

import datetime
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))

from peerlet_testbed import Bird, Frr, GoBgp, Lab, repo_root  # noqa: E402
from peerlet_testbed.daemons import wait_for  # noqa: E402

COLLECTOR_AS = 4200000099
NAMES = {1: "open", 2: "update", 3: "notification", 4: "keepalive", 5: "route-refresh"}


def version(kind):
    if kind == "bird":
        return subprocess.run(["bird", "--version"], capture_output=True, text=True).stderr.strip()
    if kind == "frr":
        out = subprocess.run(["/usr/lib/frr/bgpd", "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0].strip()
    return subprocess.run(["gobgpd", "--version"], capture_output=True, text=True).stdout.strip()


class BirdExporter(Bird):
    def config(self):
        return """router id %(rid)s;
protocol device {}
protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }
protocol static s6 { ipv6; route 2001:db8:11::/48 blackhole; }
filter tagged { bgp_community.add((65001,100)); bgp_community.add((65535,65281));
  bgp_ext_community.add((rt,65001,100)); bgp_large_community.add((%(asn)d,1,2)); accept; }
protocol bgp c {
  local as %(asn)d; neighbor %(peer)s as %(cas)d;
  ipv4 { import none; export filter tagged; };
  ipv6 { import none; export filter tagged; next hop address fd00:230:1::2; };
}
""" % dict(rid=self.router_id, asn=self.asn, peer=self.neighbors[0].address, cas=COLLECTOR_AS)


class FrrExporter(Frr):
    def config(self):
        n = self.neighbors[0].address
        return """frr defaults traditional
hostname %(name)s
!
route-map TAG permit 10
 set community 65001:100 65001:200
 set extcommunity rt 65001:100
 set large-community %(asn)d:1:2
!
router bgp %(asn)d
 bgp router-id %(rid)s
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor %(n)s remote-as %(cas)d
 neighbor %(n)s advertisement-interval 0
 address-family ipv4 unicast
  network 198.51.100.0/24 route-map TAG
  neighbor %(n)s activate
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:12::/48 route-map TAG
  neighbor %(n)s activate
 exit-address-family
!
""" % dict(name=self.name, asn=self.asn, rid=self.router_id, n=n, cas=COLLECTOR_AS)


def capture(kind, cls, asn, index):
    lab = Lab("plc")
    try:
        col = lab.namespace("col")
        ns = lab.namespace(kind)
        lab.link(col, ns, ["10.230.%d.1/24" % index, "fd00:230:%d::1/64" % index],
                 ["10.230.%d.2/24" % index, "fd00:230:%d::2/64" % index], name="c")
        daemon = cls(lab, ns, kind, asn, "10.230.%d.2" % index).neighbor("10.230.%d.1" % index, COLLECTOR_AS)
        out = open(lab.path("collector.jsonl"), "w")
        collector = subprocess.Popen(["ip", "netns", "exec", col.name, sys.executable,
                                      os.path.join(os.path.dirname(os.path.abspath(__file__)), "collector.py"),
                                      "--listen", "10.230.%d.1" % index, "--asn", str(COLLECTOR_AS),
                                      "--router-id", "10.230.%d.1" % index, "--seconds", "15"], stdout=out)
        daemon.start()
        if kind == "gobgp":
            gobgp = ["gobgp", "-u", "127.0.0.1", "-p", "50051", "global", "rib"]
            ns.exec(gobgp + ["add", "198.51.100.0/24", "community", "65001:100,no-export", "large-community",
                             "%d:1:2" % asn])
            ns.exec(gobgp + ["-a", "ipv6", "add", "2001:db8:13::/48", "nexthop", "fd00:230:3::2", "community",
                             "65001:100"])
        collector.wait(30)
        out.close()
        with open(lab.path("collector.jsonl")) as f:
            return [json.loads(line) for line in f if line.strip()]
    finally:
        lab.close()


def main():
    target = os.path.join(repo_root(), "Tests", "BGPWireTests", "Captures")
    os.makedirs(target, exist_ok=True)
    today = datetime.date.today().isoformat()
    for index, (kind, cls, asn) in enumerate(
            [("bird", BirdExporter, 4200000011), ("frr", FrrExporter, 4200000012), ("gobgp", GoBgp, 4200000013)], 1):
        messages = capture(kind, cls, asn, index)
        seen = set()
        count = 0
        for m in messages:
            if m["type"] == 4 or m["hex"] in seen:
                continue
            seen.add(m["hex"])
            count += 1
            name = "%s-%02d-%s.hex" % (kind, count, NAMES.get(m["type"], "type%d" % m["type"]))
            with open(os.path.join(target, name), "w") as f:
                f.write("# captured from %s (Debian package) on %s by testbed/tools/capture.py\n" % (version(kind), today))
                f.write("# session: eBGP over IPv4, %s AS %d -> collector AS %d (4-octet AS, IPv4+IPv6 unicast)\n"
                        % (kind, asn, COLLECTOR_AS))
                for i in range(0, len(m["hex"]), 64):
                    f.write(m["hex"][i:i + 64] + "\n")
            print("wrote %s" % name)


if __name__ == "__main__":
    main()
