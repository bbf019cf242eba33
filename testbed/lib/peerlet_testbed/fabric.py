# SPDX-License-Identifier: Apache-2.0
"""A leaf-spine fabric from a description file (testbed/fabrics/*.toml): a spine, ToRs (BIRD 2 or FRR), hosts
running peerletd with eBGP to their ToR(s), and workloads as namespaces behind a veth with a host /32 and /128 (the
Calico / CNI ptp layout: the workload's gateway is 169.254.1.1 and fe80::1 on the host end). Every router and
host forwards; the ToRs and the spine install what they learn in their own namespace's kernel. Everything lives in
the Lab, which removes every namespace and process it made (also on failure and Ctrl-C).

Addressing (all private, all inside the namespaces): spine to ToR uplink k is 10.254.k.0/30 and fd00:254:k::/64;
ToR t to host link h is 10.t.h.0/24 and fd00:t:h::/64 (ToR .1, host .2). IPv4 routes travel on IPv4 sessions and
IPv6 routes on IPv6 sessions, so every daemon sees plain next hops of the family."""

import json
import os
import tomllib

from .daemons import Bird, Frr, Peerletd, wait_for
from .netns import Lab


def v4(t, h, side):
    return "10.%d.%d.%d" % (t, h, side)


def v6(t, h, side):
    return "fd00:%d:%d::%d" % (t, h, side)


class FabricBird(Bird):
    """BIRD as a ToR: eBGP to the spine and the hosts, every route to everyone, learned routes into its kernel."""

    def __init__(self, *args, sessions=(), **kw):
        super().__init__(*args, **kw)
        self.sessions = list(sessions)  # (name, local, remote, remote_as, family)

    def config(self):
        lines = ['router id %s;' % self.router_id, 'log "%s" all;' % self.path("bird.log"), "protocol device {}",
                 "protocol kernel k4 { ipv4 { import none; export all; }; merge paths on; }",
                 "protocol kernel k6 { ipv6 { import none; export all; }; merge paths on; }"]
        for name, local, remote, remote_as, family in self.sessions:
            lines.append("protocol bgp %s {" % name)
            lines.append("  local %s as %d; neighbor %s as %d;" % (local, self.asn, remote, remote_as))
            lines.append("  hold time 9; connect retry time 2; connect delay time 1; error wait time 1, 5;")
            lines.append("  %s { import all; export all; };" % family)
            lines.append("}")
        return "\n".join(lines) + "\n"


class FabricFrr(Frr):
    """FRR as the spine or a ToR: eBGP per family, ECMP across ASes, learned routes into its kernel."""

    def __init__(self, *args, sessions=(), **kw):
        super().__init__(*args, **kw)
        self.sessions = list(sessions)  # (remote, remote_as, family)

    def config(self):
        lines = ["frr defaults traditional", "hostname %s" % self.name, "log file %s debugging" % self.path("bgpd.log"),
                 "!", "router bgp %d" % self.asn, " bgp router-id %s" % self.router_id, " no bgp ebgp-requires-policy",
                 " no bgp default ipv4-unicast", " bgp bestpath as-path multipath-relax"]
        for remote, remote_as, _ in self.sessions:
            lines += [" neighbor %s remote-as %d" % (remote, remote_as), " neighbor %s timers 3 9" % remote,
                      " neighbor %s timers connect 2" % remote, " neighbor %s advertisement-interval 0" % remote]
        for family in ("ipv4", "ipv6"):
            lines.append(" address-family %s unicast" % family)
            lines.append("  maximum-paths 8")
            for remote, _, fam in self.sessions:
                if fam == family:
                    lines.append("  neighbor %s activate" % remote)
            for prefix in self.networks:
                if (":" in prefix) == (family == "ipv6"):
                    lines.append("  network %s" % prefix)
            lines.append(" exit-address-family")
        return "\n".join(lines) + "\n!\n"


class Host:
    """A host of the fabric: its namespace, its peerletd, its workloads (name -> (namespace, v4, v6))."""

    def __init__(self, name, ns, peer, asn):
        self.name = name
        self.ns = ns
        self.peer = peer
        self.asn = asn
        self.workloads = {}
        self.subnet = None


class Fabric:
    """Builds the fabric of a description file; `close()` removes all of it."""

    def __init__(self, description, lab=None):
        with open(description, "rb") as f:
            self.desc = tomllib.load(f)
        self.lab = lab or Lab("plf")
        self.hosts = {}
        self.tors = {}
        self.spine = None
        self.service = None
        self.service_addresses = None

    def forwarding(self, ns):
        ns.exec(["sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
                 "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"])

    def up(self):
        lab, d = self.lab, self.desc
        spine_ns = lab.namespace("sp")
        self.forwarding(spine_ns)
        spine_sessions = []
        tor_index = {}
        tor_sessions = {}
        tor_ns = {}
        for t, tor in enumerate(d["tor"], start=1):
            ns = lab.namespace(tor["name"].replace("tor-", "t"))
            self.forwarding(ns)
            tor_index[tor["name"]] = t
            tor_ns[tor["name"]] = ns
            k = tor["uplink"]
            lab.link(spine_ns, ns, ["10.254.%d.1/30" % k, "fd00:254:%d::1/64" % k], ["10.254.%d.2/30" % k, "fd00:254:%d::2/64" % k],
                     name="s%d" % k)
            spine_sessions += [("10.254.%d.2" % k, tor["as"], "ipv4"), ("fd00:254:%d::2" % k, tor["as"], "ipv6")]
            tor_sessions[tor["name"]] = [("sp4", "10.254.%d.2" % k, "10.254.%d.1" % k, d["spine"]["as"], "ipv4"),
                                         ("sp6", "fd00:254:%d::2" % k, "fd00:254:%d::1" % k, d["spine"]["as"], "ipv6")]
        for h, host in enumerate(d["host"], start=1):
            ns = lab.namespace(host["name"])
            self.forwarding(ns)
            extra = "multipath-relax: true\nfib:\n  stale-after: 10s\nworkloads:\n  interfaces: [\"cali*\"]\n"
            if "subnet" in host:
                extra += "networks:\n  - prefix: %s\n  - prefix: %s\n" % (host["subnet"]["prefix"], host["subnet"]["ipv6"])
            peer = Peerletd(lab, ns, "peerletd-" + host["name"], host["as"], "10.255.1.%d" % h, extra=extra)
            for tor_name in host["tors"]:
                t = tor_index[tor_name]
                lab.link(tor_ns[tor_name], ns, [v4(t, h, 1) + "/24", v6(t, h, 1) + "/64"], [v4(t, h, 2) + "/24", v6(t, h, 2) + "/64"],
                         name="t%dh%d" % (t, h))
                tor_as = next(x["as"] for x in d["tor"] if x["name"] == tor_name)
                tor_sessions[tor_name] += [("%s4" % host["name"], v4(t, h, 1), v4(t, h, 2), host["as"], "ipv4"),
                                           ("%s6" % host["name"], v6(t, h, 1), v6(t, h, 2), host["as"], "ipv6")]
                peer.neighbor(v4(t, h, 1), tor_as, hold=9, families="[ipv4-unicast]", **{"import": "accept", "export": "originated"})
                peer.neighbor(v6(t, h, 1), tor_as, hold=9, families="[ipv6-unicast]", **{"import": "accept", "export": "originated"})
            node = Host(host["name"], ns, peer, host["as"])
            self.hosts[host["name"]] = node
            for w, workload in enumerate(host.get("workloads", []), start=1):
                self.add_workload(node, workload["name"], workload["ipv4"], workload["ipv6"])
            if "subnet" in host:
                self.add_subnet(node, host["subnet"])
        s = d["spine"]
        networks = []
        if "service" in s:
            service = s["service"]
            self.service = lab.namespace("svc")
            length4 = service["prefix"].split("/")[1]
            gateway4 = service["prefix"].split("/")[0].rsplit(".", 1)[0] + ".1"
            gateway6 = service["ipv6"].split("/")[0] + "1"
            lab.link(spine_ns, self.service, [gateway4 + "/" + length4, gateway6 + "/64"],
                     [service["address"] + "/" + length4, service["address6"] + "/64"], name="svc")
            self.service.ip("route", "add", "default", "via", gateway4)
            self.service.ip("-6", "route", "add", "default", "via", gateway6)
            self.service_addresses = (service["address"], service["address6"])
            networks = [service["prefix"], service["ipv6"]]
        self.spine = FabricFrr(lab, spine_ns, "spine", s["as"], s["router-id"], sessions=spine_sessions, networks=networks)
        for tor in d["tor"]:
            sessions = tor_sessions[tor["name"]]
            if tor["daemon"] == "bird":
                node = FabricBird(lab, tor_ns[tor["name"]], tor["name"], tor["as"], tor["router-id"], sessions=sessions)
            else:
                node = FabricFrr(lab, tor_ns[tor["name"]], tor["name"], tor["as"], tor["router-id"],
                                 sessions=[(remote, ras, fam) for _, _, remote, ras, fam in sessions])
            self.tors[tor["name"]] = node
        self.spine.start()
        for tor in self.tors.values():
            tor.start()
        for host in self.hosts.values():
            host.peer.start(log_level="info")
        return self

    def add_workload(self, host, name, address4, address6):
        """A workload namespace behind a veth `cali<host><name>`: the host routes /32 and /128 to it."""
        w = self.lab.namespace(host.name + name)
        host_end, w_end = self.lab.link(host.ns, w, ["169.254.1.1/32", "fe80::1/64"], [address4 + "/32", address6 + "/128"],
                                        name="cali%s%s" % (host.name, name))
        w.ip("route", "add", "169.254.1.1", "dev", w_end)
        w.ip("route", "add", "default", "via", "169.254.1.1", "dev", w_end)
        w.ip("-6", "route", "add", "default", "via", "fe80::1", "dev", w_end)
        host.ns.ip("route", "add", address4 + "/32", "dev", host_end)
        host.ns.ip("-6", "route", "add", address6 + "/128", "dev", host_end)
        host.workloads[name] = (w, address4, address6)
        return w

    def remove_workload(self, host, name):
        """Deletes a workload's namespace (its veth goes with it, and the kernel drops the host routes)."""
        w, _, _ = host.workloads.pop(name)
        self.lab.namespaces.remove(w)
        from .netns import run
        run(["ip", "netns", "del", w.name])

    def add_subnet(self, host, subnet):
        """The IPVLAN L3 stand-in: a workload on a subnet routed to a veth, the subnet announced from config."""
        w = self.lab.namespace(host.name + "ipv")
        prefix4, length4 = subnet["prefix"].split("/")
        gateway4 = prefix4.rsplit(".", 1)[0] + ".1"
        gateway6 = subnet["ipv6"].split("/")[0] + "1"
        host_end, w_end = self.lab.link(host.ns, w, [gateway4 + "/" + length4, gateway6 + "/64"],
                                        [subnet["workload"] + "/" + length4, subnet["workload6"] + "/64"], name="ipvl%s" % host.name)
        w.ip("route", "add", "default", "via", gateway4)
        w.ip("-6", "route", "add", "default", "via", gateway6)
        host.subnet = (w, subnet["workload"], subnet["workload6"], subnet["prefix"], subnet["ipv6"])
        return w

    def node_of(self):
        """Which node owns each address (for `path`)."""
        owners = {}
        nodes = [("spine", self.spine.ns)] + [(n, t.ns) for n, t in self.tors.items()] + [(n, h.ns) for n, h in self.hosts.items()]
        for name, ns in nodes:
            for entry in json.loads(ns.ip("-j", "addr", "show") or "[]"):
                for a in entry.get("addr_info", []):
                    owners[a["local"]] = name
        return owners, dict(nodes)

    def path(self, source, address, limit=8):
        """The routers a packet from host `source` to `address` crosses, from the kernels' own lookups."""
        owners, namespaces = self.node_of()
        hops = [source]
        while len(hops) < limit:
            out = json.loads(namespaces[hops[-1]].ip("-j", "route", "get", address) or "[]")
            gateway = out[0].get("gateway") if out else None
            if not gateway or gateway not in owners:
                break
            hops.append(owners[gateway])
        return hops

    def access_links(self, host, tor):
        """The interface names of the link between `host` and `tor` (host end, ToR end)."""
        t = [x["name"] for x in self.desc["tor"]].index(tor) + 1
        h = [x["name"] for x in self.desc["host"]].index(host) + 1
        return "t%dh%db" % (t, h), "t%dh%da" % (t, h)

    def fail_link(self, host, tor):
        """The link between a host and a ToR fails (both ends down)."""
        host_end, tor_end = self.access_links(host, tor)
        self.hosts[host].ns.ip("link", "set", host_end, "down")
        self.tors[tor].ns.ip("link", "set", tor_end, "down")

    def restore_link(self, host, tor):
        host_end, tor_end = self.access_links(host, tor)
        self.tors[tor].ns.ip("link", "set", tor_end, "up")
        self.hosts[host].ns.ip("link", "set", host_end, "up")

    def all_destinations(self):
        """Every workload address with the host it lives on: (host, ns, v4, v6)."""
        out = []
        for host in self.hosts.values():
            for w, a4, a6 in host.workloads.values():
                out.append((host, w, a4, a6))
            if host.subnet:
                out.append((host, host.subnet[0], host.subnet[1], host.subnet[2]))
        return out

    def kernel_has(self, host, prefix):
        family = "-6" if ":" in prefix else "-4"
        routes = json.loads(host.ns.ip("-j", family, "route", "show", "proto", "186") or "[]")
        # `ip -j` writes a host route without its length.
        full = [r.get("dst", "") if "/" in r.get("dst", "") else r.get("dst", "") + ("/128" if family == "-6" else "/32") for r in routes]
        return prefix in full

    def converged(self):
        """True when every host has a kernel route (proto 186) to every other host's workloads and subnets."""
        for host in self.hosts.values():
            for other in self.hosts.values():
                if other is host:
                    continue
                wanted = [a4 + "/32" for _, a4, _ in other.workloads.values()] + [a6 + "/128" for _, _, a6 in other.workloads.values()]
                if other.subnet:
                    wanted += [other.subnet[3], other.subnet[4]]
                if not all(self.kernel_has(host, p) for p in wanted):
                    return False
        return True

    def wait_converged(self, timeout=60):
        return wait_for(self.converged, timeout, interval=0.2, what="every host has routes to every workload")

    def close(self):
        self.lab.close()
