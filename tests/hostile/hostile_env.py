"""What the hostile tests share: a closed loopback port and the bare environment check runs in."""

from __future__ import annotations

import os
import socket
import sys
import uuid

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")


def closed_port() -> int:
    """A loopback port nothing listens on (an index that refuses at once)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def base_env(tmp_path, **extra):
    """A minimal environment with its own HOME and TMPDIR, no pip config, an unreachable index.

    Every process check starts inherits ``TLSDOCTOR_TEST_MARKER``: how a test finds leftovers.
    """
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    tmp = tmp_path / "tmp"
    tmp.mkdir(exist_ok=True)
    env = {"PATH": os.path.dirname(sys.executable) + ":/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
           "PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONPATH": SRC,
           "TMPDIR": str(tmp), "PIP_INDEX_URL": "https://127.0.0.1:%d/simple/" % closed_port(),
           "TLSDOCTOR_TEST_MARKER": uuid.uuid4().hex}
    env.update(extra)
    return env
