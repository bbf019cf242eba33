# SPDX-License-Identifier: Apache-2.0
import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))

from peerlet_testbed import peerletd_binary  # noqa: E402


def pytest_collection_modifyitems(config, items):
    problems = []
    if os.geteuid() != 0:
        problems.append("the testbed needs root (network namespaces)")
    if not os.access(peerletd_binary(), os.X_OK):
        problems.append("no peerletd binary at %s (run swift build first)" % peerletd_binary())
    for tool in ("bird", "birdc", "gobgpd", "gobgp", "vtysh", "ip"):
        if shutil.which(tool) is None:
            problems.append("%s is not installed" % tool)
    if problems:
        # Never pass silently: a testbed that cannot run is a failure, not a skip.
        pytest.exit("testbed cannot run: " + "; ".join(problems), returncode=2)
