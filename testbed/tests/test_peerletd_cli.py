# SPDX-License-Identifier: Apache-2.0
"""The real peerletd binary: --check-config, startup failures, SIGTERM."""

import glob
import json
import os
import signal
import subprocess
import time

from peerlet_testbed import Bird, Lab, Peerletd, peerletd_binary, repo_root
from peerlet_testbed.daemons import wait_for


def peerletd(*args, timeout=20):
    return subprocess.run([peerletd_binary()] + list(args), capture_output=True, text=True, timeout=timeout)


def test_shipped_configs_check_clean():
    files = sorted(glob.glob(os.path.join(repo_root(), "config", "*.yaml")))
    assert files
    for path in files:
        p = peerletd("--check-config", path)
        assert p.returncode == 0, p.stderr
        assert "configuration OK" in p.stdout


def test_check_config_prints_every_error_with_position(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("router-id: 1.2.3\nlocal-as: 65001\nneighbors:\n  - address: 10.0.0.1\n    peer-as: 65002\n    hold-tim: 9\n")
    p = peerletd("--check-config", str(bad))
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert lines == [
        "%s:1:12: router-id: '1.2.3' is not an IPv4-style BGP Identifier such as 192.0.2.1" % bad,
        "%s:6:5: unknown key 'hold-tim' in a neighbor (hint: did you mean 'hold-time'?)" % bad,
    ]


def test_missing_file_is_one_line():
    p = peerletd("--config", "/nonexistent/peerlet.yaml")
    assert p.returncode != 0
    assert len(p.stderr.strip().splitlines()) == 1
    assert "/nonexistent/peerlet.yaml" in p.stderr


def test_port_in_use_is_one_line_and_nonzero():
    lab = Lab()
    try:
        ns = lab.namespace("p")
        ns.ip("addr", "add", "10.220.0.1/32", "dev", "lo")
        first = Peerletd(lab, ns, "first", 4200000001, "10.220.0.1").start()
        with open(lab.path("second.yaml"), "w") as f:
            f.write("router-id: 10.220.0.2\nlocal-as: 4200000002\n")
        p = subprocess.run(["ip", "netns", "exec", ns.name, peerletd_binary(), "--config", lab.path("second.yaml")],
                           capture_output=True, text=True, timeout=20)
        assert p.returncode != 0
        errors = [line for line in p.stderr.splitlines() if "cannot listen" in line]
        assert len(errors) == 1 and "179" in errors[0], p.stderr
        assert first.process.poll() is None
    finally:
        lab.close()


def test_sigterm_sends_cease_with_shutdown_communication():
    lab = Lab()
    try:
        host = lab.namespace("h")
        tor = lab.namespace("t")
        lab.link(host, tor, ["10.221.0.1/24"], ["10.221.0.2/24"])
        bird = Bird(lab, tor, "bird", 4200000002, "10.221.0.2").neighbor("10.221.0.1", 4200000001, hold=3).start()
        peer = Peerletd(lab, host, "peerletd", 4200000001, "10.221.0.1").neighbor("10.221.0.2", 4200000002, hold=3).start()
        wait_for(lambda: bird.is_established("10.221.0.1"), 30, what="Established")
        peer.process.send_signal(signal.SIGTERM)
        assert peer.process.wait(15) == 0
        out = bird.birdc("show", "protocols", "all", "n0")
        assert "Administrative shutdown" in out, out
        assert "peerletd shutting down" in out, out
    finally:
        lab.close()


def test_json_log_lines_carry_peer_and_asn():
    lab = Lab()
    try:
        host = lab.namespace("h")
        tor = lab.namespace("t")
        lab.link(host, tor, ["10.222.0.1/24"], ["10.222.0.2/24"])
        bird = Bird(lab, tor, "bird", 4200000002, "10.222.0.2").neighbor("10.222.0.1", 4200000001, hold=3).start()
        peer = Peerletd(lab, host, "peerletd", 4200000001, "10.222.0.1", extra="log:\n  format: json\n")
        peer.neighbor("10.222.0.2", 4200000002, hold=3).start(log_level="info")
        wait_for(lambda: bird.is_established("10.222.0.1"), 30, what="Established")
        wait_for(lambda: "session established" in peer.read_log(), 10, what="log line")
        records = [json.loads(line) for line in peer.read_log().splitlines() if line.strip()]
        established = [r for r in records if r["message"].startswith("session established")]
        assert established and established[0]["peer"] == "10.222.0.2" and established[0]["asn"] == "4200000002"
        assert all({"time", "level", "label", "message"} <= set(r) for r in records)
    finally:
        lab.close()
