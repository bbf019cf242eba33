# SPDX-License-Identifier: Apache-2.0
"""Real BGP daemons run by hand in namespaces: BIRD 2, FRR (zebra + bgpd), GoBGP and peerletd."""

import json
import os
import re
import shutil
import subprocess
import time

from .netns import run


def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def peerletd_binary():
    return os.environ.get("PEERLETD") or os.path.join(repo_root(), ".build", "debug", "peerletd")


def peerlet_cli_binary():
    return os.environ.get("PEERLET_CLI") or os.path.join(repo_root(), ".build", "debug", "peerlet")


def wait_for(predicate, timeout, interval=0.1, what="condition"):
    """Polls predicate until it returns a truthy value; returns it, or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)


class Neighbor:
    def __init__(self, address, asn, passive=False, password=None, hold=3, local_address=None, **options):
        self.address = address
        self.asn = asn
        self.passive = passive
        self.password = password
        self.hold = hold
        self.local_address = local_address
        # Daemon-specific extras, e.g. peerletd's import/export/next-hop-ipv6 keys.
        self.options = options


class Daemon:
    """Common shape: configure neighbours, start, ask for session state, stop (by PID)."""

    kind = "daemon"

    def __init__(self, lab, ns, name, asn, router_id):
        self.lab = lab
        self.ns = ns
        self.name = name
        self.asn = asn
        self.router_id = router_id
        self.neighbors = []
        self.procs = []
        self.dir = lab.path(name)
        os.makedirs(self.dir, exist_ok=True)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def neighbor(self, address, asn, **kw):
        self.neighbors.append(Neighbor(address, asn, **kw))
        return self

    def stop(self):
        for p in reversed(self.procs):
            self.lab.stop(p)

    def is_established(self, address):
        return self.state(address) == "Established"


class Bird(Daemon):
    kind = "bird"

    def config(self):
        lines = ['router id %s;' % self.router_id, 'log "%s" all;' % self.path("bird.log"),
                 "protocol device {}"]
        for i, n in enumerate(self.neighbors):
            lines.append("protocol bgp n%d {" % i)
            local = (" %s" % n.local_address) if n.local_address else ""
            lines.append("  local%s as %d;" % (local, self.asn))
            lines.append("  neighbor %s as %d;" % (n.address, n.asn))
            lines.append("  hold time %d;" % n.hold)
            lines.append("  connect retry time 2;")
            lines.append("  connect delay time 1;")
            lines.append("  error wait time 1, 5;")
            if n.passive:
                lines.append("  passive on;")
            if n.password:
                lines.append('  password "%s";' % n.password)
            lines.append("  ipv4 { import all; export none; };")
            lines.append("  ipv6 { import all; export none; };")
            lines.append("}")
        return "\n".join(lines) + "\n"

    def start(self):
        with open(self.path("bird.conf"), "w") as f:
            f.write(self.config())
        self.ctl = self.path("bird.ctl")
        self.procs.append(self.lab.spawn(self.ns, ["bird", "-f", "-c", self.path("bird.conf"), "-s", self.ctl,
                                                   "-P", self.path("bird.pid")], self.name + ".out"))
        wait_for(lambda: os.path.exists(self.ctl), 10, what="bird control socket")
        return self

    def birdc(self, *args):
        return run(["birdc", "-s", self.ctl] + list(args), check=False)

    def state(self, address):
        index = [n.address for n in self.neighbors].index(address)
        out = self.birdc("show", "protocols", "n%d" % index)
        m = re.search(r"^n%d\s+BGP\s+\S+\s+\S+\s+\S+\s+(\S+)" % index, out, re.M)
        return m.group(1) if m else "unknown"


class Frr(Daemon):
    kind = "frr"
    LIB = "/usr/lib/frr"

    def __init__(self, *args, networks=(), **kw):
        super().__init__(*args, **kw)
        self.networks = list(networks)

    def config(self):
        lines = ["frr defaults traditional", "hostname %s" % self.name, "log file %s debugging" % self.path("bgpd.log"),
                 "!", "router bgp %d" % self.asn, " bgp router-id %s" % self.router_id,
                 " no bgp ebgp-requires-policy", " no bgp network import-check"]
        for n in self.neighbors:
            lines.append(" neighbor %s remote-as %d" % (n.address, n.asn))
            lines.append(" neighbor %s timers %d %d" % (n.address, max(n.hold // 3, 1), n.hold))
            lines.append(" neighbor %s timers connect 2" % n.address)
            lines.append(" neighbor %s advertisement-interval 0" % n.address)
            if n.passive:
                lines.append(" neighbor %s passive" % n.address)
            if n.password:
                lines.append(" neighbor %s password %s" % (n.address, n.password))
        for family in ("ipv4", "ipv6"):
            lines.append(" address-family %s unicast" % family)
            for prefix in self.networks:
                if (":" in prefix) == (family == "ipv6"):
                    lines.append("  network %s" % prefix)
            for n in self.neighbors:
                lines.append("  neighbor %s activate" % n.address)
            lines.append(" exit-address-family")
        return "\n".join(lines) + "\n!\n"

    def start(self):
        with open(self.path("bgpd.conf"), "w") as f:
            f.write(self.config())
        with open(self.path("zebra.conf"), "w") as f:
            f.write("frr defaults traditional\nhostname %s\nlog file %s warnings\n!\n" % (self.name, self.path("zebra.log")))
        os.makedirs(self.path("vty"), exist_ok=True)
        for p in (self.dir, self.path("vty")):
            shutil.chown(p, "frr", "frr")
        common = ["-u", "frr", "-g", "frr", "--vty_socket", self.path("vty"), "-A", "127.0.0.1",
                  "-z", self.path("zserv.api")]
        self.procs.append(self.lab.spawn(self.ns, [os.path.join(self.LIB, "zebra"), "-f", self.path("zebra.conf"),
                                                   "-i", self.path("zebra.pid"), "-P", "0"] + common,
                                         self.name + "-zebra.out"))
        wait_for(lambda: os.path.exists(self.path("zserv.api")), 20, what="zebra")
        self.procs.append(self.lab.spawn(self.ns, [os.path.join(self.LIB, "bgpd"), "-f", self.path("bgpd.conf"),
                                                   "-i", self.path("bgpd.pid"), "-P", "0", "-p", "179"] + common,
                                         self.name + "-bgpd.out"))
        wait_for(lambda: os.path.exists(self.path("vty", "bgpd.vty")), 20, what="bgpd vty")
        return self

    def stop(self):
        pids = [p.pid for p in self.procs]
        super().stop()
        for pid in pids:
            for daemon in ("zebra", "bgpd"):
                shutil.rmtree("/var/tmp/frr/%s.%d" % (daemon, pid), ignore_errors=True)

    def vtysh(self, command):
        return self.ns.exec(["vtysh", "--vty_socket", self.path("vty"), "-c", command], check=False)

    def neighbor_json(self, address):
        try:
            data = json.loads(self.vtysh("show bgp neighbors %s json" % address) or "{}")
        except ValueError:
            return {}
        return data.get(address, {})

    def state(self, address):
        return self.neighbor_json(address).get("bgpState", "unknown")


class GoBgp(Daemon):
    kind = "gobgp"

    def config(self):
        out = ['[global.config]', '  as = %d' % self.asn, '  router-id = "%s"' % self.router_id, '  port = 179', '']
        for n in self.neighbors:
            out += ['[[neighbors]]', '  [neighbors.config]', '    neighbor-address = "%s"' % n.address,
                    '    peer-as = %d' % n.asn]
            if n.password:
                out.append('    auth-password = "%s"' % n.password)
            out += ['  [neighbors.timers.config]', '    hold-time = %d' % n.hold,
                    '    keepalive-interval = %d' % max(n.hold // 3, 1), '    connect-retry = 2',
                    '  [neighbors.transport.config]', '    passive-mode = %s' % ("true" if n.passive else "false")]
            for family in ("ipv4-unicast", "ipv6-unicast"):
                out += ['  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]',
                        '      afi-safi-name = "%s"' % family]
            out.append('')
        return "\n".join(out)

    def start(self):
        with open(self.path("gobgpd.toml"), "w") as f:
            f.write(self.config())
        self.procs.append(self.lab.spawn(self.ns, ["gobgpd", "-f", self.path("gobgpd.toml"), "-t", "toml",
                                                   "-l", "info", "--api-hosts", "127.0.0.1:50051",
                                                   "--pprof-disable"], self.name + ".out"))
        wait_for(lambda: self.ns.exec(["gobgp", "-u", "127.0.0.1", "-p", "50051", "global"], check=False), 20,
                 what="gobgpd API")
        return self

    def state(self, address):
        out = self.ns.exec(["gobgp", "-u", "127.0.0.1", "-p", "50051", "neighbor", address, "-j"], check=False)
        try:
            data = json.loads(out or "{}")
        except ValueError:
            return "unknown"
        state = data.get("state", {}).get("session_state", "unknown")
        # GoBGP reports numbers in JSON (6 = established) or names depending on the build.
        names = {1: "Idle", 2: "Connect", 3: "Active", 4: "OpenSent", 5: "OpenConfirm", 6: "Established"}
        if isinstance(state, int):
            return names.get(state, str(state))
        return str(state).capitalize().replace("Opensent", "OpenSent").replace("Openconfirm", "OpenConfirm")


class Peerletd(Daemon):
    kind = "peerlet"

    def __init__(self, lab, ns, name, asn, router_id, listen=None, extra=""):
        super().__init__(lab, ns, name, asn, router_id)
        self.listen = listen
        self.extra = extra

    def config(self):
        lines = ["router-id: %s" % self.router_id, "local-as: %d" % self.asn]
        if self.listen is not None:
            lines += ["listen:", "  enabled: %s" % ("true" if self.listen else "false")]
        lines.append("neighbors:" if self.neighbors else "neighbors: []")
        for n in self.neighbors:
            lines += ["  - address: %s" % n.address, "    peer-as: %d" % n.asn, "    hold-time: %d" % n.hold,
                      "    connect-retry: 2"]
            if n.passive:
                lines.append("    passive: true")
            if n.password:
                lines.append("    password: %s" % n.password)
            for key, value in n.options.items():
                lines.append("    %s: %s" % (key.replace("_", "-"), value))
        if "api:" not in self.extra:
            lines += ["api:", "  socket: %s" % self.socket]
        return "\n".join(lines) + "\n" + self.extra

    @property
    def socket(self):
        """The API socket: in the daemon's own directory, unless the extra configuration names one."""
        m = re.search(r"^  socket: (\S+)$", self.extra, re.M)
        return m.group(1) if m else self.path("api.sock")

    def cli(self, *args, check=True, json_output=False):
        """Runs the real `peerlet` CLI against this daemon's socket; returns (exit code, stdout, stderr)."""
        argv = [peerlet_cli_binary()] + list(args) + ["--socket", self.socket] + (["--json"] if json_output else [])
        done = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
        if check and done.returncode != 0:
            raise RuntimeError("peerlet %s: exit %d: %s" % (" ".join(args), done.returncode, done.stderr))
        return done.returncode, done.stdout, done.stderr

    def api(self, path, method="GET", body=None):
        """One API request with curl --unix-socket: (HTTP status, parsed JSON or None)."""
        argv = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "--unix-socket", self.socket, "-X", method]
        if body is not None:
            argv += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        out = subprocess.run(argv + ["http://localhost" + path], capture_output=True, text=True).stdout
        text, _, status = out.rpartition("\n")
        return int(status or 0), (json.loads(text) if text.strip() else None)

    def start(self, log_level="debug"):
        with open(self.path("peerlet.yaml"), "w") as f:
            f.write(self.config())
        self.log = self.lab.path(self.name + ".out")
        self.process = self.lab.spawn(self.ns, [peerletd_binary(), "--config", self.path("peerlet.yaml"),
                                                "--log-level", log_level], self.name + ".out")
        self.procs.append(self.process)
        wait_for(lambda: "started" in self.read_log() or self.process.poll() is not None, 20, what="peerletd start")
        api_off = re.search(r"^api:\n(?:  .*\n)*?  enabled: false", self.extra, re.M)
        if not api_off:
            wait_for(lambda: "API listening" in self.read_log() or self.process.poll() is not None, 20, what="peerletd API")
        if self.process.poll() is not None:
            raise RuntimeError("peerletd exited: " + self.read_log())
        return self

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def events(self, address, what):
        """Log lines about `address` that contain `what` (text or JSON log format)."""
        return [line for line in self.read_log().splitlines()
                if ("peer=%s " % address in line or '"peer":"%s"' % address in line) and what in line]

    def state(self, address):
        established = len(self.events(address, "session established"))
        down = len(self.events(address, "session down"))
        return "Established" if established > down else "NotEstablished"
