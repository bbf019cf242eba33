#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The topology tool: builds the fabric a description file gives (default testbed/fabrics/leaf-spine.toml) in
network namespaces, says how to look around, and removes every namespace and process it made when you press
Ctrl-C (or on SIGTERM, or if building fails).

    sudo python3 testbed/fabric.py [DESCRIPTION.toml]"""

import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))

from peerlet_testbed import repo_root  # noqa: E402
from peerlet_testbed.fabric import Fabric  # noqa: E402


def main(argv):
    description = argv[1] if len(argv) > 1 else os.path.join(repo_root(), "testbed", "fabrics", "leaf-spine.toml")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    fabric = Fabric(description)
    try:
        print("building %s ..." % description, flush=True)
        fabric.up()
        fabric.wait_converged(90)
        print("converged. Namespaces:")
        for name, host in fabric.hosts.items():
            workloads = ", ".join("%s %s %s" % (w.name, a4, a6) for w, a4, a6 in host.workloads.values())
            print("  host %-4s %-14s peerlet --socket %s   workloads: %s" % (name, host.ns.name, host.peer.socket, workloads or "-"))
        for name, tor in fabric.tors.items():
            print("  %s (%s) %s" % (name, tor.kind, tor.ns.name))
        print("  spine (frr) %s" % fabric.spine.ns.name)
        first = next(iter(fabric.hosts.values()))
        print("\nTry:  peerlet show routes --socket %s" % first.peer.socket)
        print("      ip netns exec %s ping %s" % (next(iter(first.workloads.values()))[0].name, fabric.all_destinations()[-1][2]))
        print("\nCtrl-C removes everything.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        fabric.close()
        print("removed.")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
