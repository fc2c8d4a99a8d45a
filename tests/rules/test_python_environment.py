"""The environment pip runs in, wired into the rules and the checklist (issue 8, item 2).

Real runs of ``tlsdoctor check --python <a pyenv Python>``: a PYTHONPATH
directory with a fake ``ssl.py`` that raises ImportError (what another
Python's libraries on PYTHONPATH do to pip), and a FIFO as pip's config file.
The index is a closed loopback port: nothing here needs a network.
"""

from __future__ import annotations

import glob
import json
import os
import socket
import subprocess
import sys

import pytest

PYTHONS = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.9*/bin/python")))
pytestmark = pytest.mark.skipif(not PYTHONS, reason="no pyenv Python 3.9 here")


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _check(tmp_path, **extra):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "PIP_CONFIG_FILE": os.devnull,
           "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_INDEX_URL": "https://127.0.0.1:%d/simple/" % _closed_port()}
    env.update(extra)
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "check", "--python", PYTHONS[-1], "--json",
                           "--timeout", "20"], env=env, capture_output=True, timeout=60)
    text = subprocess.run([sys.executable, "-m", "tlsdoctor", "check", "--python", PYTHONS[-1], "--timeout", "20"],
                          env=env, capture_output=True, timeout=60).stdout.decode("utf-8", "replace")
    return proc.returncode, json.loads(proc.stdout.decode("utf-8", "replace")), text


def _fake_ssl_dir(tmp_path, with_ssl=True):
    d = tmp_path / "otherlibs"
    d.mkdir()
    if with_ssl:
        (d / "ssl.py").write_text("raise ImportError('not this interpreter\\'s ssl')\n")
    (d / "unrelated.py").write_text("")
    return str(d)


def test_pythonpath_shadowing_ssl_is_named_with_its_fix(tmp_path):
    d = _fake_ssl_dir(tmp_path)
    rc, data, text = _check(tmp_path, PYTHONPATH=d)
    first = data["diagnoses"][0]
    assert (rc, first["cause"]) == (1, "ssl-module-missing"), data["verdict"]
    assert "PYTHONPATH=%s" % d in first["verdict"] and os.path.join(d, "ssl.py") in first["verdict"]
    assert (first["fix"][0]["kind"], first["fix"][0]["key"]) == ("unset_env", "PYTHONPATH")
    assert not any("rebuild" in s["explanation"] for s in first["fix"])
    env = data["facts"]["python"]["environment"]
    assert env["shadowed"] == ["ssl"] and env["variables"]["PYTHONPATH"] == d
    assert "✗ ssl is imported from %s" % os.path.join(d, "ssl.py") in text
    assert any(w["code"] == "ssl_shadowed" for w in data["warnings"])


def test_negative_control_the_same_pythonpath_without_ssl(tmp_path):
    d = _fake_ssl_dir(tmp_path, with_ssl=False)
    rc, data, text = _check(tmp_path, PYTHONPATH=d)
    assert "ssl-module-missing" not in [x["cause"] for x in data["diagnoses"]], data["verdict"]
    assert data["facts"]["python"]["environment"]["shadowed"] == []
    assert "PYTHONPATH=%s is set" % d in text  # said, but not as the cause


def test_a_fifo_pip_config_is_shown_in_the_config_section(tmp_path):
    fifo = tmp_path / "pip.conf"
    os.mkfifo(str(fifo))
    rc, data, text = _check(tmp_path, PIP_CONFIG_FILE=str(fifo))
    assert rc == 3, data["verdict"]  # pip cannot load its configuration: it will not run at all
    config = text.split("pip configuration", 1)[1]
    assert "✗ %s is not a regular file (a fifo)" % fifo in config
    assert data["facts"]["pip"]["config_unsafe"] == [{"path": str(fifo), "reason": "not a regular file (a fifo)"}]
    assert any(w["code"] == "pip_config_unsafe" for w in data["warnings"])


def test_negative_control_a_regular_pip_config_is_not_marked(tmp_path):
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\ntimeout = 5\n")
    rc, data, text = _check(tmp_path, PIP_CONFIG_FILE=str(conf))
    assert "✗ %s" % conf not in text and data["facts"]["pip"]["config_unsafe"] == []
