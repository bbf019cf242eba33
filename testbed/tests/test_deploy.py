# SPDX-License-Identifier: Apache-2.0
"""The deployment examples in config/deploy: the DaemonSet's configuration passes --check-config once the
environment it names is set (and fails clearly without it); the systemd unit grants exactly the two capabilities."""

import os
import re
import subprocess

from peerlet_testbed import peerletd_binary, repo_root


def daemonset_config(tmp_path):
    text = open(os.path.join(repo_root(), "config", "deploy", "daemonset.yaml")).read()
    block = text.split("peerlet.yaml: |\n")[1].split("\n---")[0]
    path = tmp_path / "peerlet.yaml"
    path.write_text("\n".join(line[4:] for line in block.splitlines()) + "\n")
    return str(path)


def test_the_daemonset_config_checks_with_its_environment(tmp_path):
    path = daemonset_config(tmp_path)
    env = dict(os.environ, NODE_IP="10.0.1.12", TOR_IP="10.0.1.1", TOR_PASSWORD="s3cret")
    done = subprocess.run([peerletd_binary(), "--check-config", path], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    env.pop("TOR_PASSWORD")
    done = subprocess.run([peerletd_binary(), "--check-config", path], capture_output=True, text=True, env=env)
    assert done.returncode != 0 and "environment variable TOR_PASSWORD is not set" in done.stderr, done.stderr


def test_the_systemd_unit_grants_only_what_peerletd_needs():
    unit = open(os.path.join(repo_root(), "config", "deploy", "peerletd.service")).read()
    assert re.search(r"^AmbientCapabilities=CAP_NET_ADMIN CAP_NET_BIND_SERVICE$", unit, re.M)
    assert re.search(r"^CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE$", unit, re.M)
    assert re.search(r"^ExecReload=/bin/kill -HUP \$MAINPID$", unit, re.M)
    assert re.search(r"^User=peerlet$", unit, re.M)
