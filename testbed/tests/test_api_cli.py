# SPDX-License-Identifier: Apache-2.0
"""Issue #5 against a running daemon over its real unix socket: the API's resources and problem objects, the
socket's permissions, the `peerlet` CLI's text and JSON for every command (goldens, volatile numbers masked),
`explain` for accepted, rejected-by-policy, lost-on-decision and not-exported routes, the FIB view with a
refused and a conflicting route (issue #4's "shown"), and a leased announcement that BIRD sees withdrawn when the
lease runs out.

Goldens live in tests/goldens/; PEERLET_UPDATE_GOLDENS=1 rewrites them (review the diff)."""

import json
import os
import re
import subprocess

import pytest

from peerlet_testbed import Bird, Frr, Lab, Peerletd, repo_root
from peerlet_testbed.daemons import wait_for

HOST_AS, BIRD_AS, FRR_AS = 4200001031, 4200000131, 4200000132
GOLDENS = os.path.join(os.path.dirname(__file__), "goldens")

POLICY = """policies:
  from-tor:
    - name: no-documentation
      match: {prefix-set: documentation}
      action: reject
    - name: fabric
      action: accept
prefix-sets:
  documentation: [192.0.2.0/24 le 32]
fib:
  stale-after: 60s
"""


class ExplainBird(Bird):
    """A ToR that sends one route for each explain case."""

    def config(self):
        n = self.neighbors[0]
        return """router id %(rid)s;
log "%(log)s" all;
protocol device {}
protocol static s4 {
  ipv4;
  route 203.0.113.0/24 blackhole;
  route 192.0.2.0/24 blackhole;
  route 198.51.100.0/24 blackhole;
  route 100.64.9.0/24 blackhole;
  route 100.64.10.0/24 blackhole;
}
filter to_host {
  if net = 198.51.100.0/24 then bgp_path.prepend(%(asn)d);
  if net = 100.64.9.0/24 then bgp_next_hop = 192.0.2.77;
  accept;
}
protocol bgp n0 {
  local as %(asn)d; neighbor %(peer)s as %(pas)d; hold time 9; connect retry time 2;
  ipv4 { import all; export filter to_host; };
}
""" % dict(rid=self.router_id, log=self.path("bird.log"), asn=self.asn, peer=n.address, pas=n.asn)

    def has(self, prefix):
        return prefix in self.birdc("show", "route", prefix)


@pytest.fixture(scope="module")
def fabric():
    lab = Lab()
    try:
        host = lab.namespace("h")
        peer = Peerletd(lab, host, "peerletd", HOST_AS, "10.218.0.1", extra=POLICY)
        tor_a, tor_b = lab.namespace("ta"), lab.namespace("tb")
        lab.link(host, tor_a, ["10.218.1.1/24"], ["10.218.1.2/24"], name="ua")
        lab.link(host, tor_b, ["10.218.2.1/24"], ["10.218.2.2/24"], name="ub")
        bird = ExplainBird(lab, tor_a, "bird", BIRD_AS, "10.218.1.2").neighbor("10.218.1.1", HOST_AS)
        frr = Frr(lab, tor_b, "frr", FRR_AS, "10.218.2.2", networks=["198.51.100.0/24"]).neighbor("10.218.2.1", HOST_AS, hold=9)
        peer.neighbor("10.218.1.2", BIRD_AS, hold=9, description="tor-a", **{"import": "from-tor", "export": "originated"})
        peer.neighbor("10.218.2.2", FRR_AS, hold=9, description="tor-b", **{"import": "accept", "export": "originated"})
        # A static route of another owner with the key Peerlet would use: a conflict, left alone.
        host.ip("route", "add", "100.64.10.0/24", "via", "10.218.1.2", "metric", "20", "proto", "static")
        bird.start()
        frr.start()
        peer.start()
        wait_for(lambda: peer.state("10.218.1.2") == "Established" and peer.state("10.218.2.2") == "Established", 40,
                 what="both sessions Established")
        wait_for(lambda: len(peer.api("/v1/routes")[1] or []) >= 4, 20, what="routes from BIRD")
        wait_for(lambda: len((peer.api("/v1/routes?prefix=198.51.100.0/24")[1] or [{"paths": []}])[0]["paths"]) == 2, 20,
                 what="198.51.100.0/24 from both ToRs")
        wait_for(lambda: len((peer.api("/v1/fib")[1] or {}).get("routes", [])) >= 4, 20, what="FIB entries")
        yield lab, host, peer, bird, frr
    finally:
        lab.close()


MASKS = [
    (re.compile(r"up \d+[dhms]\d*[hms]?"), "up <T>"),
    (re.compile(r"(Established  )\d+[dhms]\d*[hms]?"), r"\1<T>"),
    (re.compile(r"(for )\d+[dhms]\d*[hms]?"), r"\1<T>"),
    (re.compile(r"(keepalive|open|update|notification|route-refresh) \d+"), r"\1 <N>"),
    (re.compile(r"\d+ (applied|failed|overruns|reconciles)\b"), r"<N> \1"),
    (re.compile(r"(lease ends in|Expires in|up for|received) \d+ s"), r"\1 <N> s"),
    (re.compile(r"(\d+ s)(  +\d+ s)"), r"\1  <N> s"),
    (re.compile(r'"(uptimeSeconds|expiresInSeconds|applied|failed|overruns|reconciles|keepalive|open|update|notification|route-refresh|establishedTransitions)" : \d+'), r'"\1" : 0'),
    (re.compile(r"established:  \d+ times"), "established:  <N> times"),
    (re.compile(r"\d+ attribute sets"), "<N> attribute sets"),
    (re.compile(r'"attributeSets" : \d+'), '"attributeSets" : 0'),
]


def mask(text):
    for pattern, replacement in MASKS:
        text = pattern.sub(replacement, text)
    # Column widths follow the masked values: squeeze runs of spaces so alignment changes do not matter.
    return "\n".join(re.sub(r" {2,}", "  ", line).rstrip() for line in text.splitlines()) + "\n"


def golden(name, text):
    path = os.path.join(GOLDENS, name)
    text = mask(text)
    if os.environ.get("PEERLET_UPDATE_GOLDENS") or not os.path.exists(path):
        with open(path, "w") as f:
            f.write(text)
    with open(path) as f:
        assert text == f.read(), "golden %s differs:\n%s" % (name, text)


COMMANDS = [
    ("status", ["show", "status"]),
    ("neighbors", ["show", "neighbors"]),
    ("neighbor", ["show", "neighbor", "10.218.1.2"]),
    ("routes", ["show", "routes"]),
    ("routes-longer", ["show", "routes", "100.64.0.0/16", "--longer"]),
    ("routes-received", ["show", "routes", "--neighbor", "10.218.1.2", "--received"]),
    ("routes-accepted", ["show", "routes", "--neighbor", "10.218.1.2", "--accepted"]),
    ("fib", ["show", "fib"]),
    ("explain-accepted", ["explain", "203.0.113.0/24"]),
    ("explain-rejected", ["explain", "192.0.2.0/24"]),
    ("explain-lost", ["explain", "198.51.100.0/24"]),
    ("explain-unknown", ["explain", "10.99.0.0/16"]),
]


@pytest.mark.parametrize("name,args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_cli_text_and_json_goldens(fabric, name, args):
    _, _, peer, _, _ = fabric
    code, text, _ = peer.cli(*args)
    assert code == 0
    golden(name + ".txt", text)
    code, out, _ = peer.cli(*args, json_output=True)
    json.loads(out)  # the API's own JSON, parseable
    golden(name + ".json", out)


ACTIONS = [
    ("announce", ["announce", "10.219.4.0/24", "--owner", "golden", "--community", "65000:4", "--lease", "600s"]),
    ("announcements", ["show", "announcements"]),
    ("routes-advertised", ["show", "routes", "--neighbor", "10.218.2.2", "--advertised"]),
    ("withdraw", ["withdraw", "10.219.4.0/24", "--owner", "golden"]),
    ("reload-nothing", ["reload", "--dry-run"]),
]


def test_cli_goldens_for_actions(fabric):
    """The commands that change things, in an order that leaves the daemon as it was (text, then the same with
    --json where running it twice is harmless)."""
    _, _, peer, bird, _ = fabric
    for name, args in ACTIONS:
        code, text, _ = peer.cli(*args)
        assert code == 0
        golden(name + ".txt", text)
        if name == "announce":
            wait_for(lambda: bird.has("10.219.4.0/24"), 10, interval=0.05, what="announced route at BIRD")
        if name != "withdraw":
            code, out, _ = peer.cli(*args, json_output=True)
            json.loads(out)
            golden(name + ".json", out)
    code, out, _ = peer.cli("announce", "10.219.4.0/24", "--owner", "golden", json_output=True)
    code, out, _ = peer.cli("withdraw", "10.219.4.0/24", "--owner", "golden", json_output=True)
    assert json.loads(out) == {"withdrawn": "10.219.4.0/24", "owner": "golden"}
    wait_for(lambda: not bird.has("10.219.4.0/24"), 10, interval=0.05, what="withdrawn at BIRD")


def test_explain_says_why_for_each_case(fabric):
    _, _, peer, _, _ = fabric
    accepted = peer.api("/v1/explain?prefix=203.0.113.0/24")[1]
    assert accepted["candidates"][0]["importResult"] == "accepted by term fabric of policy from-tor"
    # Not exported: learned routes never go back to the ToRs (export: originated).
    reasons = {x["neighbor"]: (x["advertised"], x["reason"]) for x in accepted["exports"]}
    assert reasons["10.218.1.2"] == (False, "learned from this neighbor"), reasons
    assert reasons["10.218.2.2"] == (False, "export: originated, and this route was learned from 10.218.1.2"), reasons
    assert accepted["fib"]["state"] == "installed"
    rejected = peer.api("/v1/explain?prefix=192.0.2.0/24")[1]
    assert rejected["candidates"][0]["importResult"] == "rejected by term no-documentation of policy from-tor"
    assert rejected["candidates"][0]["path"]["status"] == "ineligible"
    lost = peer.api("/v1/explain?prefix=198.51.100.0/24")[1]
    by_source = {c["path"]["source"]: c for c in lost["candidates"]}
    assert by_source["10.218.2.2"]["decision"].startswith("best")
    assert by_source["10.218.1.2"]["decision"] == "lost at shorter AS_PATH to 10.218.2.2"


def test_fib_shows_refused_and_conflicting_routes(fabric):
    _, host, peer, _, _ = fabric
    routes = {r["prefix"]: r for r in peer.api("/v1/fib")[1]["routes"]}
    assert routes["100.64.9.0/24"]["state"] == "failed"
    assert "ENETUNREACH" in routes["100.64.9.0/24"]["error"]
    assert routes["100.64.10.0/24"]["state"] == "conflict"
    # The other owner's route is untouched; ours is not in the kernel.
    shown = json.loads(host.ip("-j", "route", "show", "100.64.10.0/24"))
    assert [r["protocol"] for r in shown] == ["static"]
    status = peer.api("/v1/status")[1]
    assert status["fib"]["failed"] >= 1 and status["fib"]["conflicts"] == 1


def test_a_conflict_is_installed_once_the_other_route_goes(fabric):
    _, host, peer, _, _ = fabric
    host.ip("route", "del", "100.64.10.0/24", "proto", "static")
    # Retried every 10 s: ours goes in at the next try.
    wait_for(lambda: {r["prefix"]: r["state"] for r in peer.api("/v1/fib")[1]["routes"]}.get("100.64.10.0/24") == "installed", 20,
             interval=0.2, what="the formerly conflicting route installed")
    shown = json.loads(host.ip("-j", "route", "show", "100.64.10.0/24"))
    assert [r["protocol"] for r in shown] == ["bgp"], shown


def test_problems_have_the_right_status(fabric):
    _, _, peer, _, _ = fabric
    for path, method, body, status in [
        ("/v1/neighbors/10.9.9.9", "GET", None, 404),
        ("/v1/neighbors/not-an-address", "GET", None, 400),
        ("/v1/routes?view=sideways", "GET", None, 400),
        ("/v1/routes?view=received", "GET", None, 400),
        ("/v1/explain", "GET", None, 400),
        ("/v1/announcements", "POST", {"prefix": "10.1.2.3/24", "owner": "t"}, 400),
        ("/v1/announcements?prefix=10.77.0.0/24&owner=nobody", "DELETE", None, 404),
        ("/v1/nothing-here", "GET", None, 404),
    ]:
        code, problem = peer.api(path, method, body)
        assert code == status, (path, code, problem)
        assert problem["status"] == status and problem["type"].startswith("https://peerlet.dev/problems/") and problem["detail"]
    # The CLI prints the problem and exits 1.
    code, _, err = peer.cli("show", "neighbor", "10.9.9.9", check=False)
    assert code == 1 and "no neighbor 10.9.9.9" in err


def test_socket_is_group_restricted(fabric):
    _, _, peer, _, _ = fabric
    mode = os.stat(peer.socket).st_mode & 0o777
    assert mode == 0o660, oct(mode)
    # Another user is refused by the kernel before HTTP starts.
    denied = subprocess.run(["runuser", "-u", "nobody", "--", "curl", "-s", "--unix-socket", peer.socket, "http://x/v1/status"],
                            capture_output=True, text=True)
    assert denied.returncode == 7, denied  # curl: couldn't connect


def test_a_leased_announcement_is_withdrawn_at_bird_when_the_lease_runs_out(fabric):
    _, _, peer, bird, _ = fabric
    peer.neighbors  # noqa: B018
    code, _, _ = peer.cli("announce", "10.219.5.0/24", "--owner", "ci", "--lease", "3s", "--community", "65000:5")
    assert code == 0
    wait_for(lambda: bird.has("10.219.5.0/24"), 10, interval=0.05, what="leased route at BIRD")
    explained = peer.api("/v1/explain?prefix=10.219.5.0/24")[1]
    assert explained["candidates"][0]["origin"].startswith("API announcement by ci, lease ends in")
    assert any(x["advertised"] and x["reason"] == "export: originated" for x in explained["exports"])
    # Renewed once, then left to run out: withdrawn from BIRD.
    peer.cli("announce", "10.219.5.0/24", "--owner", "ci", "--lease", "3s")
    wait_for(lambda: not bird.has("10.219.5.0/24"), 10, interval=0.05, what="leased route withdrawn at BIRD")
    assert peer.api("/v1/announcements")[1] == []


def test_watch_streams_route_and_session_events(fabric):
    from peerlet_testbed.daemons import peerlet_cli_binary
    _, _, peer, _, _ = fabric
    watch = subprocess.Popen([peerlet_cli_binary(), "watch", "--json", "--socket", peer.socket], stdout=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: peer.api("/v1/status")[0] == 200, 5)
        import time
        time.sleep(0.5)  # the subscription is open once the request is in
        peer.cli("announce", "10.219.6.0/24", "--owner", "watch")
        peer.cli("withdraw", "10.219.6.0/24", "--owner", "watch")
        # A reader thread: select() would not see lines already in the pipe reader's buffer.
        import queue
        import threading
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in watch.stdout], daemon=True).start()
        seen = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and [e.get("change") for e in seen if e.get("prefix") == "10.219.6.0/24"] != ["best", "withdrawn"]:
            try:
                seen.append(json.loads(lines.get(timeout=0.5)))
            except queue.Empty:
                pass
        changes = [(e["kind"], e.get("change"), e.get("source")) for e in seen if e.get("prefix") == "10.219.6.0/24"]
        assert changes == [("route", "best", "local"), ("route", "withdrawn", None)], seen
    finally:
        watch.terminate()
        watch.wait(5)


def test_curl_examples_in_the_docs_run(fabric):
    """Every `curl --unix-socket` line of docs/operations.md, against this daemon."""
    _, _, peer, _, _ = fabric
    with open(os.path.join(repo_root(), "docs", "operations.md")) as f:
        lines = [line.strip() for line in f if line.strip().startswith("curl --unix-socket")]
    assert len(lines) >= 5, lines
    for line in lines:
        argv = line.replace("/run/peerlet/peerlet.sock", peer.socket).split(" #")[0]
        done = subprocess.run(["bash", "-c", argv + " -f -s"], capture_output=True, text=True)
        assert done.returncode == 0, (line, done.stdout, done.stderr)
        if done.stdout.strip():
            json.loads(done.stdout)


def test_soft_and_hard_reset(fabric):
    _, _, peer, _, _ = fabric
    detail = peer.api("/v1/neighbors/10.218.2.2")[1]["detail"]
    before = detail["messagesSent"]["route-refresh"]
    families = [c for c in detail["capabilities"] if c.endswith("-unicast") and not c.startswith("add-path")]
    code, text, _ = peer.cli("neighbor", "reset", "10.218.2.2", "--soft")
    assert code == 0 and text.strip() == "soft reset of 10.218.2.2"
    golden("neighbor-reset-soft.txt", text)
    # One ROUTE-REFRESH per negotiated family, and the session stays up.
    after = peer.api("/v1/neighbors/10.218.2.2")[1]["detail"]
    assert after["messagesSent"]["route-refresh"] == before + len(families), (families, after["messagesSent"])
    assert after["establishedTransitions"] == detail["establishedTransitions"]
    transitions = peer.api("/v1/neighbors/10.218.2.2")[1]["detail"]["establishedTransitions"]
    peer.cli("neighbor", "reset", "10.218.2.2")
    wait_for(lambda: peer.api("/v1/neighbors/10.218.2.2")[1]["detail"]["establishedTransitions"] == transitions + 1, 30,
             what="session re-established after a hard reset")
    sent = peer.api("/v1/neighbors/10.218.2.2")[1]["detail"]["lastNotificationSent"]
    assert (sent["code"], sent["subcode"]) == (6, 4), sent  # Cease / Administrative Reset


def test_metrics_parse_and_every_documented_series_exists(fabric):
    import sys
    sys.path.append("/usr/lib/python3/dist-packages")  # Debian's python3-prometheus-client
    from prometheus_client.parser import text_string_to_metric_families
    _, host, peer, _, _ = fabric
    text = host.exec(["curl", "-s", "-f", "http://127.0.0.1:9179/metrics"])
    families = {f.name: f for f in text_string_to_metric_families(text)}
    samples = {s.name: s for f in families.values() for s in f.samples}
    with open(os.path.join(repo_root(), "docs", "operations.md")) as f:
        documented = re.findall(r"^\| `(peerlet_[a-z_]+)` \| (\w+) \|", f.read(), re.M)
    assert len(documented) >= 15
    for name, kind in documented:
        base = name[:-len("_total")] if kind == "counter" else name
        assert base in families, "documented series %s missing from the scrape" % name
        assert families[base].type == kind, (name, families[base].type)
    up = [s for s in families["peerlet_bgp_session_up"].samples]
    assert sorted((s.labels["neighbor"], s.value) for s in up) == [("10.218.1.2", 1.0), ("10.218.2.2", 1.0)]
    # Label sets stay small: the neighbour, and fixed enumerations.
    for family in families.values():
        for sample in family.samples:
            assert set(sample.labels) <= {"neighbor", "type", "code", "family", "state", "result", "le"}, sample
    assert samples["peerlet_fib_install_latency_seconds_count"].value >= 1


def bird_since(bird):
    """When BIRD's session to Peerlet last changed state ("show protocols" Since column)."""
    out = bird.birdc("show", "protocols", "n0")
    m = re.search(r"^n0\s+BGP\s+\S+\s+\S+\s+(\S+ ?\S*)\s+Established", out, re.M)
    return m.group(1) if m else None


def write_config(peer, policy):
    peer.extra = policy
    with open(peer.path("peerlet.yaml"), "w") as f:
        f.write(peer.config())


def test_reload_applies_a_policy_change_in_place_and_dry_run_is_exact(fabric):
    _, _, peer, bird, _ = fabric
    since = wait_for(lambda: bird_since(bird), 10, what="BIRD's session Established")
    transitions = peer.api("/v1/neighbors/10.218.1.2")[1]["detail"]["establishedTransitions"]
    # The ToR's 203.0.113.0/24 becomes rejected too, and a network is added.
    stricter = POLICY.replace("documentation: [192.0.2.0/24 le 32]", "documentation: [192.0.2.0/24 le 32, 203.0.113.0/24]") + \
        "networks:\n  - prefix: 10.219.7.0/24\n"
    write_config(peer, stricter)
    code, dry_text, _ = peer.cli("reload", "--dry-run")
    assert code == 0
    golden("reload-dry-run.txt", dry_text)
    dry = json.loads(peer.cli("reload", "--dry-run", json_output=True)[1])
    assert dry["applied"] is False and dry["dryRun"] is True and dry["reset"] == [], dry
    assert dry["policies"] == ["from-tor"] and dry["reimported"] == ["10.218.1.2"] and dry["networksAdded"] == ["10.219.7.0/24"], dry
    # Nothing changed yet.
    assert peer.api("/v1/explain?prefix=203.0.113.0/24")[1]["candidates"][0]["importResult"].startswith("accepted")
    applied_text = peer.cli("reload", json_output=True)[1]
    golden("reload.json", applied_text)
    applied = json.loads(applied_text)
    # Exactly what the dry run said.
    assert {k: v for k, v in applied.items() if k not in ("applied", "dryRun")} == \
        {k: v for k, v in dry.items() if k not in ("applied", "dryRun")}
    assert applied["applied"] is True, applied
    explained = peer.api("/v1/explain?prefix=203.0.113.0/24")[1]
    assert explained["candidates"][0]["importResult"] == "rejected by term no-documentation of policy from-tor", explained
    wait_for(lambda: bird.has("10.219.7.0/24"), 10, interval=0.05, what="new network at BIRD")
    # No session was reset: BIRD's session has been up since before, and ours counted no new Established.
    assert bird_since(bird) == since, (since, bird.birdc("show", "protocols"))
    after = peer.api("/v1/neighbors/10.218.1.2")[1]["detail"]
    assert after["establishedTransitions"] == transitions, (transitions, after)


def test_a_bad_config_is_refused_and_the_running_one_stays(fabric):
    _, _, peer, _, _ = fabric
    before = peer.api("/v1/routes")[1]
    with open(peer.path("peerlet.yaml"), "a") as f:
        f.write("bogus-key: 1\n")
    code, _, err = peer.cli("reload", check=False)
    assert code == 1 and "peerlet.yaml:" in err and "unknown key 'bogus-key'" in err, err
    assert peer.api("/v1/routes")[1] == before
    # A change only a restart can make is refused whole, with the reason.
    write_config(peer, POLICY.replace("stale-after: 60s", "stale-after: 90s"))
    code, _, err = peer.cli("reload", check=False)
    assert code == 1 and "only a restart applies" in err and "fib" in err, err


def test_sighup_reloads(fabric):
    _, _, peer, bird, _ = fabric
    write_config(peer, POLICY + "networks:\n  - prefix: 10.219.8.0/24\n")
    peer.process.send_signal(1)  # SIGHUP
    wait_for(lambda: bird.has("10.219.8.0/24"), 10, interval=0.05, what="network added by SIGHUP at BIRD")
    assert "configuration reloaded" in peer.read_log()
