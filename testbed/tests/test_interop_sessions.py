# SPDX-License-Identifier: Apache-2.0
"""Issue #2 interop: Peerlet reaches Established with BIRD 2, FRR and GoBGP, active and passive, over IPv4
and IPv6 transport, with 4-octet ASNs and TCP MD5, and stays Established past three hold times."""

import time

import pytest

from peerlet_testbed import Bird, Frr, GoBgp, Lab, Peerletd
from peerlet_testbed.daemons import wait_for

PEERLET_AS = 4200000001
PEERS = [("bird", Bird, 4200000011), ("frr", Frr, 4200000012), ("gobgp", GoBgp, 4200000013)]
HOLD = 3


def build(lab, transport, peerlet_passive, password=None, peer_password=None):
    """One host namespace running peerletd, linked to one namespace per peer daemon."""
    host = lab.namespace("h")
    peerlet = Peerletd(lab, host, "peerletd", PEERLET_AS, "10.210.0.1")
    sessions = []
    for i, (kind, cls, asn) in enumerate(PEERS, 1):
        ns = lab.namespace(kind)
        lab.link(host, ns, ["10.210.%d.1/24" % i, "fd00:210:%d::1/64" % i],
                 ["10.210.%d.2/24" % i, "fd00:210:%d::2/64" % i], name="l%d" % i)
        if transport == "ipv4":
            local, remote = "10.210.%d.1" % i, "10.210.%d.2" % i
        else:
            local, remote = "fd00:210:%d::1" % i, "fd00:210:%d::2" % i
        daemon = cls(lab, ns, kind, asn, "10.210.%d.2" % i)
        daemon.neighbor(local, PEERLET_AS, passive=not peerlet_passive, hold=HOLD,
                        password=peer_password if peer_password is not None else password)
        peerlet.neighbor(remote, asn, passive=peerlet_passive, hold=HOLD, password=password)
        sessions.append((daemon, remote, local))
    for daemon, _, _ in sessions:
        daemon.start()
    peerlet.start()
    return peerlet, sessions


def established_everywhere(peerlet, sessions, timeout=40):
    for daemon, remote, local in sessions:
        wait_for(lambda: daemon.is_established(local) and peerlet.is_established(remote), timeout,
                 what="%s session Established (%s says %s)" % (daemon.kind, daemon.kind, daemon.state(local)))


@pytest.mark.parametrize("peerlet_passive", [False, True], ids=["peerlet-active", "peerlet-passive"])
@pytest.mark.parametrize("transport", ["ipv4", "ipv6"])
def test_established_with_bird_frr_gobgp_and_stays_up(transport, peerlet_passive):
    lab = Lab()
    try:
        peerlet, sessions = build(lab, transport, peerlet_passive)
        established_everywhere(peerlet, sessions)
        # Three hold times (3 s each) and a margin: keepalives must keep every session up.
        time.sleep(3 * HOLD + 2)
        for daemon, remote, local in sessions:
            assert daemon.state(local) == "Established", daemon.kind
            assert len(peerlet.events(remote, "session established")) == 1, peerlet.read_log()
            assert peerlet.events(remote, "session down") == [], peerlet.read_log()
        # 4-octet ASNs on both sides: the daemons saw our real AS, not AS_TRANS.
        assert "4200000001" in sessions[0][0].birdc("show", "protocols", "all", "n0")
    finally:
        lab.close()


@pytest.mark.parametrize("peerlet_passive", [False, True], ids=["peerlet-active", "peerlet-passive"])
def test_md5_right_password_establishes(peerlet_passive):
    lab = Lab()
    try:
        peerlet, sessions = build(lab, "ipv4", peerlet_passive, password="s3cret-md5")
        established_everywhere(peerlet, sessions)
    finally:
        lab.close()


def test_md5_wrong_password_never_establishes():
    lab = Lab()
    try:
        peerlet, sessions = build(lab, "ipv4", False, password="right-key", peer_password="wrong-key")
        time.sleep(8)
        for daemon, remote, local in sessions:
            assert daemon.state(local) != "Established", daemon.kind
            assert not peerlet.is_established(remote)
        assert peerlet.process.poll() is None, "peerletd must keep running"
    finally:
        lab.close()
