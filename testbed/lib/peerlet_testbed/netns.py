# SPDX-License-Identifier: Apache-2.0
"""Network namespaces and veth links that clean up after themselves."""

import atexit
import json
import os
import signal
import subprocess
import time


def run(argv, check=True, capture=True, timeout=30):
    """Runs a command; returns stdout text. Raises with stderr on failure when check is true."""
    p = subprocess.run(argv, capture_output=capture, text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(argv), p.returncode, (p.stderr or "").strip()))
    return p.stdout if capture else ""


class Namespace:
    """One network namespace created by a Lab."""

    def __init__(self, lab, name):
        self.lab = lab
        self.name = name

    def ip(self, *args, check=True):
        return run(["ip", "-n", self.name] + list(args), check=check)

    def exec(self, argv, check=True, timeout=30):
        return run(["ip", "netns", "exec", self.name] + list(argv), check=check, timeout=timeout)

    def routes(self, family="-4", table="main"):
        out = run(["ip", "-n", self.name, "-j", family, "route", "show", "table", table])
        return json.loads(out or "[]")


class Lab:
    """A set of namespaces and processes owned by one test. `close()` (also run at exit and on SIGTERM)
    ends the processes it started, by PID, and deletes the namespaces it made."""

    def __init__(self, prefix="plt"):
        # Short, unique names: interface names are limited to 15 characters.
        self.tag = "%s%x" % (prefix, os.getpid() % 0xFFFF)
        self.namespaces = []
        self.processes = []
        self.workdir = os.path.join("/tmp", "peerlet-testbed", self.tag + "-%d" % int(time.time() * 1000))
        os.makedirs(self.workdir, exist_ok=True)
        os.chmod(self.workdir, 0o755)
        self._closed = False
        atexit.register(self.close)

    def path(self, *parts):
        return os.path.join(self.workdir, *parts)

    def namespace(self, short):
        name = "%s-%s" % (self.tag, short)
        run(["ip", "netns", "add", name])
        ns = Namespace(self, name)
        self.namespaces.append(ns)
        ns.ip("link", "set", "lo", "up")
        return ns

    def link(self, a, b, a_addrs=(), b_addrs=(), name=None):
        """A veth pair between namespaces a and b, with addresses (CIDR strings) on each end."""
        self._links = getattr(self, "_links", []) + [(a, b)]
        base = name or "v%d" % len(self._links)
        an, bn = base + "a", base + "b"
        run(["ip", "link", "add", an, "netns", a.name, "type", "veth", "peer", "name", bn, "netns", b.name])
        for ns, dev, addrs in ((a, an, a_addrs), (b, bn, b_addrs)):
            for addr in addrs:
                extra = ["nodad"] if ":" in addr else []
                ns.ip("addr", "add", addr, "dev", dev, *extra)
            ns.ip("link", "set", dev, "up")
        return an, bn

    def spawn(self, ns, argv, log_name, env=None):
        """Starts a process in a namespace (ip netns exec replaces itself, so the PID is the daemon's)."""
        log = open(self.path(log_name), "wb")
        p = subprocess.Popen(["ip", "netns", "exec", ns.name] + list(argv), stdout=log, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, env=env)
        self.processes.append((p, log))
        return p

    def stop(self, p, timeout=10):
        """Stops one process this lab started: SIGTERM, then SIGKILL."""
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def close(self):
        if self._closed:
            return
        self._closed = True
        for p, log in reversed(self.processes):
            try:
                self.stop(p, timeout=5)
            finally:
                log.close()
        for ns in reversed(self.namespaces):
            run(["ip", "netns", "del", ns.name], check=False)
        self.namespaces = []
