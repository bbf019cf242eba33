# SPDX-License-Identifier: Apache-2.0
"""The README's main job: testbed/demo.py brings the fabric up, shows a workload on rack A reaching rack B over
IPv4 and IPv6 (ICMP and HTTP) and tears everything down."""

import os
import subprocess
import sys

from peerlet_testbed import repo_root


def test_the_demo_shows_cross_rack_reachability_and_cleans_up():
    before = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())
    done = subprocess.run([sys.executable, os.path.join(repo_root(), "testbed", "demo.py")], capture_output=True, text=True, timeout=300)
    print(done.stdout)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 packets transmitted, 3 received" in done.stdout
    assert "HTTP GET http://10.244.21.10:8080/ -> 200 OK" in done.stdout
    assert "HTTP GET http://[fd00:244:21::10]:8080/ -> 200 OK" in done.stdout
    assert "path: a1 -> tor-a -> spine -> tor-b -> b1" in done.stdout
    assert "What this showed" in done.stdout
    after = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split())
    assert after <= before, after - before
