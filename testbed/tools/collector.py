#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A scripted passive BGP speaker: accepts one connection, answers OPEN with its own OPEN and KEEPALIVE,
keeps the session alive for --seconds, and prints every message received as JSON lines
({"type": N, "hex": "..."}). Runs inside a testbed namespace; used by capture.py."""

import argparse
import json
import select
import socket
import struct
import sys
import time


def message(msg_type, body=b""):
    return b"\xff" * 16 + struct.pack(">HB", 19 + len(body), msg_type) + body


def open_message(asn, router_id, hold):
    caps = b""
    caps += bytes([1, 4, 0, 1, 0, 1]) + bytes([1, 4, 0, 2, 0, 1])  # multiprotocol ipv4, ipv6 unicast
    caps += bytes([2, 0])  # route refresh
    caps += bytes([65, 4]) + struct.pack(">I", asn)  # 4-octet AS
    params = bytes([2, len(caps)]) + caps
    my_as = asn if asn < 65536 else 23456
    body = struct.pack(">BHH4sB", 4, my_as, hold, socket.inet_aton(router_id), len(params)) + params
    return message(1, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--asn", type=int, required=True)
    ap.add_argument("--router-id", required=True)
    ap.add_argument("--seconds", type=float, default=6)
    args = ap.parse_args()
    family = socket.AF_INET6 if ":" in args.listen else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((args.listen, 179))
    server.listen(1)
    server.settimeout(30)
    conn, _ = server.accept()
    conn.sendall(open_message(args.asn, args.router_id, 90))
    buffer = b""
    deadline = time.monotonic() + args.seconds
    last_keepalive = 0.0
    while time.monotonic() < deadline:
        if time.monotonic() - last_keepalive > 1:
            conn.sendall(message(4))
            last_keepalive = time.monotonic()
        ready, _, _ = select.select([conn], [], [], 0.2)
        if not ready:
            continue
        data = conn.recv(65536)
        if not data:
            break
        buffer += data
        while len(buffer) >= 19:
            length = struct.unpack(">H", buffer[16:18])[0]
            if len(buffer) < length:
                break
            raw, buffer = buffer[:length], buffer[length:]
            print(json.dumps({"type": raw[18], "hex": raw.hex()}), flush=True)
    conn.sendall(message(3, bytes([6, 2])))
    conn.close()


if __name__ == "__main__":
    sys.exit(main())
