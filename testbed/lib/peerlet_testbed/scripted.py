# SPDX-License-Identifier: Apache-2.0
"""A scripted BGP peer for on-the-wire tests: it speaks raw bytes to peerletd from inside a namespace, so tests
can send exactly the malformed message they mean and read exactly what comes back."""

import json
import os
import subprocess
import sys
import struct

MARKER = b"\xff" * 16


def message(msg_type, body=b"", length=None):
    return MARKER + struct.pack(">HB", length if length is not None else 19 + len(body), msg_type) + body


def open_body(asn, router_id, hold=90, version=4, caps=None):
    if caps is None:
        caps = bytes([1, 4, 0, 1, 0, 1]) + bytes([2, 0]) + bytes([65, 4]) + struct.pack(">I", asn)
    params = bytes([2, len(caps)]) + caps if caps else b""
    my_as = asn if asn < 65536 else 23456
    rid = bytes(int(x) for x in router_id.split("."))
    return struct.pack(">BHH", version, my_as, hold) + rid + bytes([len(params)]) + params


def attribute(flags, code, value):
    return bytes([flags, code, len(value)]) + value


def update_body(attributes=b"", nlri=b"", withdrawn=b""):
    return struct.pack(">H", len(withdrawn)) + withdrawn + struct.pack(">H", len(attributes)) + attributes + nlri


AGENT = r'''
import json, select, socket, struct, sys, time
cmd = json.loads(sys.argv[1])
s = socket.create_connection((cmd["host"], 179), timeout=10)
if cmd.get("bind"):
    pass
out = []
def read_messages(deadline, stop_on_notification=True):
    buf = b""
    while time.monotonic() < deadline:
        r, _, _ = select.select([s], [], [], 0.05)
        if not r:
            continue
        data = s.recv(65536)
        if not data:
            out.append({"event": "closed", "t": time.monotonic()})
            return
        buf += data
        while len(buf) >= 19:
            length = struct.unpack(">H", buf[16:18])[0]
            if len(buf) < length:
                break
            raw, buf = buf[:length], buf[length:]
            out.append({"event": "message", "type": raw[18], "hex": raw.hex(), "t": time.monotonic()})
            if stop_on_notification and raw[18] == 3:
                # keep reading until close to observe it
                pass
start = time.monotonic()
for step in cmd["steps"]:
    if step[0] == "send":
        try:
            s.sendall(bytes.fromhex(step[1]))
        except OSError as e:
            out.append({"event": "send-error", "error": str(e)})
    elif step[0] == "read":
        read_messages(time.monotonic() + step[1])
    elif step[0] == "keepalive-for":
        end = time.monotonic() + step[1]
        while time.monotonic() < end:
            try:
                s.sendall(b"\xff" * 16 + struct.pack(">HB", 19, 4))
            except OSError:
                break
            read_messages(time.monotonic() + 0.5)
print(json.dumps({"start": start, "log": out}))
'''


class ScriptedPeer:
    """Connects from namespace `ns` to peerletd at `host` and runs a list of steps:
    ("send", bytes), ("read", seconds), ("keepalive-for", seconds). Returns what came back."""

    def __init__(self, ns):
        self.ns = ns

    def run(self, host, steps, timeout=60):
        encoded = [(s[0], s[1].hex()) if isinstance(s[1], (bytes, bytearray)) else s for s in steps]
        p = subprocess.run(["ip", "netns", "exec", self.ns.name, sys.executable, "-c", AGENT,
                            json.dumps({"host": host, "steps": encoded})], capture_output=True, text=True,
                           timeout=timeout)
        if p.returncode != 0:
            raise RuntimeError("scripted peer failed: " + p.stderr)
        result = json.loads(p.stdout)
        return Exchange(result["log"], result["start"])


class Exchange:
    def __init__(self, log, start):
        self.log = log
        self.start = start

    def messages(self, msg_type=None):
        return [bytes.fromhex(e["hex"]) for e in self.log if e["event"] == "message"
                and (msg_type is None or e["type"] == msg_type)]

    def notifications(self):
        """(code, subcode, data) of every NOTIFICATION received."""
        return [(m[19], m[20], m[21:]) for m in self.messages(3)]

    @property
    def closed(self):
        return any(e["event"] == "closed" for e in self.log)

    def time_of_first(self, msg_type):
        for e in self.log:
            if e["event"] == "message" and e["type"] == msg_type:
                return e["t"] - self.start
        return None
