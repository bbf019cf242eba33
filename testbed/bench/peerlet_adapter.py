# SPDX-License-Identifier: Apache-2.0
"""Peerlet adapter for the shared side-by-side benchmark harness (../shared/bench, see its README).

    sudo python3 ../shared/bench/run.py --adapter-file testbed/bench/peerlet_adapter.py --out /tmp/bench \\
        --daemons peerlet,bird --nofib --n 10000,100000,1000000 --repeat 3 --tag peerlet-vs-bird

Uses the release build (`swift build -c release`); PEERLETD overrides the binary; PEERLET_NEXTHOP_OBJECTS=0 sets
`fib.nexthop-objects: false` (to compare). With FIB on (the harness
default) peerletd installs the routes into the target namespace's main table; with --nofib it does not."""

import os
import subprocess

from adapters import ADAPTERS, Adapter

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PEERLETD = os.environ.get("PEERLETD", os.path.join(ROOT, ".build", "release", "peerletd"))


class Peerlet(Adapter):
    name = "peerlet"
    supports_fib = True
    fib_proc = "peerletd"

    def write_config(self):
        c = self.ctx
        with open(c.path("peerlet.yaml"), "w") as f:
            f.write("""router-id: %(rid)s
local-as: %(tas)d
log:
  level: warning
fib:
  enabled: %(fib)s
  nexthop-objects: %(objects)s
neighbors:
  - address: %(sip)s
    peer-as: %(sas)d
    passive: true
    hold-time: %(hold)d
    import: accept
    export: reject
  - address: %(mip)s
    peer-as: %(mas)d
    passive: true
    hold-time: %(hold)d
    import: reject
    export: accept
""" % dict(rid=c.router_id, tas=c.target_as, sip=c.sender_ip, sas=c.sender_as, mip=c.monitor_ip, mas=c.monitor_as,
           hold=c.hold, fib="true" if c.fib else "false",
           objects="false" if os.environ.get("PEERLET_NEXTHOP_OBJECTS") == "0" else "true"))

    def start(self):
        argv = [PEERLETD, "--config", self.ctx.path("peerlet.yaml")]
        if os.environ.get("PEERLET_PERF"):
            # Profiling aid: sample peerletd with perf (software clock) into $PEERLET_PERF.
            argv = ["perf", "record", "-e", "cpu-clock", "-F", "4000", "-g", "-o", os.environ["PEERLET_PERF"], "--"] + argv
        self.spawn("peerletd", argv)

    def version(self):
        return "peerletd " + subprocess.run([PEERLETD, "--version"], capture_output=True, text=True).stdout.strip()


ADAPTERS["peerlet"] = Peerlet
