# SPDX-License-Identifier: Apache-2.0
"""Peerlet testbed: network namespaces, veth links and real BGP daemons (BIRD 2, FRR, GoBGP, peerletd),
started by hand with their own config files and stopped by PID. Only addresses inside namespaces this
library created are ever used."""

from .netns import Lab, Namespace  # noqa: F401
from .daemons import Bird, Frr, GoBgp, Peerletd, repo_root, peerletd_binary  # noqa: F401
from .scripted import ScriptedPeer, message, open_body, attribute, update_body  # noqa: F401
