# SPDX-License-Identifier: Apache-2.0
"""peerletd needs only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE: run as `nobody` with exactly those two (setpriv),
it listens on port 179, reaches Established with an FRR ToR, installs the learned route in the kernel and serves its
API socket."""

import json
import os

from peerlet_testbed import Frr, Lab, peerletd_binary
from peerlet_testbed.daemons import wait_for


def test_peerletd_runs_as_nobody_with_two_capabilities():
    lab = Lab()
    try:
        host, tor = lab.namespace("h"), lab.namespace("t")
        lab.link(host, tor, ["10.230.1.1/24"], ["10.230.1.2/24"], name="u")
        Frr(lab, tor, "frr", 4200000230, "10.230.1.2", networks=["198.51.100.0/24"]).neighbor("10.230.1.1", 4200001230, hold=9).start()
        directory = lab.path("caps")
        os.makedirs(directory)
        os.chmod(directory, 0o777)  # the unprivileged daemon creates its API socket here
        config = os.path.join(directory, "peerlet.yaml")
        with open(config, "w") as f:
            f.write("router-id: 10.230.1.1\nlocal-as: 4200001230\napi:\n  socket: %s/api.sock\nneighbors:\n"
                    "  - address: 10.230.1.2\n    peer-as: 4200000230\n    hold-time: 9\n    import: accept\n    export: originated\n"
                    % directory)
        os.chmod(config, 0o644)
        two = "net_admin,+net_bind_service"
        process = lab.spawn(host, ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all,+" + two,
                                   "--ambient-caps=+" + two, "--bounding-set=-all,+" + two, peerletd_binary(), "--config", config],
                            "caps.out")
        route = wait_for(lambda: json.loads(host.ip("-j", "route", "show", "198.51.100.0/24") or "[]"), 30,
                         what="the learned route in the kernel")
        assert route[0]["protocol"] == "bgp", route
        assert os.path.exists(os.path.join(directory, "api.sock"))
        status = open("/proc/%d/status" % process.pid).read()
        fields = dict(line.split(":\t") for line in status.splitlines() if ":\t" in line)
        assert fields["Uid"].split()[0] == str(65534)  # nobody
        # Effective: exactly CAP_NET_BIND_SERVICE (10) and CAP_NET_ADMIN (12).
        assert int(fields["CapEff"], 16) == (1 << 10) | (1 << 12), fields["CapEff"]
        assert "session established" in open(lab.path("caps.out")).read()
    finally:
        lab.close()
