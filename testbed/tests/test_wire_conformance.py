# SPDX-License-Identifier: Apache-2.0
"""RFC 4271 §6 and RFC 7606 on the wire: a scripted peer sends exactly one malformed or unexpected message to a
running peerletd and checks the NOTIFICATION it gets back (code, subcode, data), or that the session stays up."""

import struct

import pytest

from peerlet_testbed import Lab, Peerletd, ScriptedPeer, attribute, message, open_body, update_body

PEER_AS = 4200000002
KEEPALIVE = message(4)
ORIGIN = attribute(0x40, 1, b"\x00")
AS_PATH = attribute(0x40, 2, b"\x02\x01" + struct.pack(">I", PEER_AS))
NEXT_HOP = attribute(0x40, 3, bytes([10, 223, 0, 2]))
NLRI = bytes([24, 198, 51, 100])


@pytest.fixture
def wire():
    lab = Lab()
    host = lab.namespace("h")
    peer_ns = lab.namespace("p")
    lab.link(host, peer_ns, ["10.223.0.1/24"], ["10.223.0.2/24"])
    daemon = Peerletd(lab, host, "peerletd", 4200000001, "10.223.0.1")
    daemon.neighbor("10.223.0.2", PEER_AS, passive=True, hold=9).start()
    yield daemon, ScriptedPeer(peer_ns)
    lab.close()


def established(hold=9):
    return [("send", message(1, open_body(PEER_AS, "10.223.0.2", hold=hold))), ("read", 1.0), ("send", KEEPALIVE),
            ("read", 0.5)]


def run(peer, steps):
    return peer.run("10.223.0.1", steps)


def only_notification(exchange):
    notes = exchange.notifications()
    assert len(notes) == 1, notes
    return notes[0]


def test_baseline_session_comes_up_and_stays_up(wire):
    daemon, peer = wire
    ex = run(peer, established() + [("keepalive-for", 4)])
    types = [m[18] for m in ex.messages()]
    assert types[:2] == [1, 4] and 3 not in types and not ex.closed
    assert len(daemon.events("10.223.0.2", "session established")) == 1


def test_treat_as_withdraw_keeps_the_session(wire):
    daemon, peer = wire
    bad_origin = attribute(0x40, 1, b"\x07")
    ex = run(peer, established() + [("send", message(2, update_body(bad_origin + AS_PATH + NEXT_HOP, NLRI))),
                                    ("keepalive-for", 3)])
    assert ex.notifications() == [] and not ex.closed
    assert "RFC 7606: attribute 1: treat-as-withdraw" in daemon.read_log()


def test_attribute_discard_keeps_the_session(wire):
    daemon, peer = wire
    bad_atomic = attribute(0x40, 6, b"\x00")
    ex = run(peer, established() + [("send", message(2, update_body(ORIGIN + AS_PATH + NEXT_HOP + bad_atomic, NLRI))),
                                    ("keepalive-for", 3)])
    assert ex.notifications() == [] and not ex.closed
    assert "attribute 6: attribute-discard" in daemon.read_log()


def test_unrecognized_well_known_attribute(wire):
    _, peer = wire
    unknown = attribute(0x40, 99, b"\x01\x02")
    ex = run(peer, established() + [("send", message(2, update_body(ORIGIN + AS_PATH + NEXT_HOP + unknown, NLRI))),
                                    ("read", 2)])
    assert only_notification(ex) == (3, 2, unknown)
    assert ex.closed


@pytest.mark.parametrize("raw, expected", [
    (b"\x00" * 16 + struct.pack(">HB", 19, 4), (1, 1, b"")),
    (message(4, length=18), (1, 2, b"\x00\x12")),
    (message(9), (1, 3, b"\x09")),
    (message(4, b"\x00"), (1, 2, b"\x00\x14")),
    (message(2, update_body(NEXT_HOP, NLRI)[:2] + b"\x00\x50"), (3, 1, b"")),
], ids=["bad-marker", "length-18", "type-9", "keepalive-20", "attribute-length-overrun"])
def test_header_and_update_errors(wire, raw, expected):
    _, peer = wire
    ex = run(peer, established() + [("send", raw), ("read", 2)])
    assert only_notification(ex) == expected
    assert ex.closed


@pytest.mark.parametrize("body, expected", [
    (open_body(PEER_AS, "10.223.0.2", version=3), (2, 1, b"\x00\x04")),
    (open_body(65001, "10.223.0.2"), (2, 2, b"")),
    (open_body(PEER_AS, "10.223.0.2", hold=2), (2, 6, b"")),
    (open_body(PEER_AS, "0.0.0.0"), (2, 3, b"")),
    (open_body(PEER_AS, "10.223.0.2")[:9] + bytes([3, 1, 1, 0]), (2, 4, b"")),
], ids=["version-3", "bad-peer-as", "hold-time-2", "identifier-0", "optional-parameter-1"])
def test_open_errors(wire, body, expected):
    _, peer = wire
    ex = run(peer, [("send", message(1, body)), ("read", 2)])
    assert only_notification(ex) == expected
    assert ex.closed


def test_second_open_in_established_is_an_fsm_error(wire):
    _, peer = wire
    ex = run(peer, established() + [("send", message(1, open_body(PEER_AS, "10.223.0.2"))), ("read", 2)])
    assert only_notification(ex) == (5, 3, b"")


def test_update_in_openconfirm_is_an_fsm_error(wire):
    _, peer = wire
    steps = [("send", message(1, open_body(PEER_AS, "10.223.0.2"))), ("read", 1.0),
             ("send", message(2, update_body(ORIGIN + AS_PATH + NEXT_HOP, NLRI))), ("read", 2)]
    ex = run(peer, steps)
    assert only_notification(ex) == (5, 2, b"")


def test_hold_timer_expiry_sends_4_0(wire):
    _, peer = wire
    ex = run(peer, established(hold=3) + [("read", 6)])
    assert only_notification(ex) == (4, 0, b"")
    # Established at about 1.5 s into the script, the hold timer is 3 s.
    assert 3.5 <= ex.time_of_first(3) <= 6
    assert ex.closed


def test_max_prefix_cease_carries_afi_safi_and_limit():
    lab = Lab()
    try:
        host = lab.namespace("h")
        peer_ns = lab.namespace("p")
        lab.link(host, peer_ns, ["10.223.0.1/24"], ["10.223.0.2/24"])
        daemon = Peerletd(lab, host, "peerletd", 4200000001, "10.223.0.1")
        daemon.neighbor("10.223.0.2", PEER_AS, passive=True, hold=9,
                        **{"import": "accept", "max-prefix": "{limit: 1, restart-after: 0}"}).start()
        two = bytes([24, 198, 51, 100, 24, 198, 51, 101])
        ex = ScriptedPeer(peer_ns).run("10.223.0.1", established() + [
            ("send", message(2, update_body(ORIGIN + AS_PATH + NEXT_HOP, two))), ("read", 2)])
        # RFC 4486 §4: Cease/1 with AFI 1, SAFI 1 and the upper bound 1 as data.
        assert only_notification(ex) == (6, 1, b"\x00\x01\x01\x00\x00\x00\x01")
        assert ex.closed
    finally:
        lab.close()
