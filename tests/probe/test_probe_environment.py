"""The probe runs in pip's environment (no -I) and reports what in it changes pip's imports.

A PYTHONPATH directory with a fake ``ssl.py`` that raises ImportError (what
another Python's libraries on PYTHONPATH do to pip), plus fake ``json.py`` /
``socket.py`` that would break the probe itself: the probe still prints one
valid JSON object (its own helpers come from the stdlib), and its facts name
the ssl import error and the shadowing file.
"""

from __future__ import annotations

import os

import pytest
from probe_support import probe_env, run_probe
from test_probe_syntax import interpreter

CLOSED = "https://127.0.0.1:9/simple/"  # nothing listens: only local facts matter here


@pytest.fixture()
def shadow_dir(tmp_path):
    d = tmp_path / "otherlibs"
    d.mkdir()
    (d / "ssl.py").write_text("raise ImportError('planted: this is not the stdlib ssl')\n")
    (d / "json.py").write_text("raise ImportError('planted: this is not the stdlib json')\n")
    (d / "socket.py").write_text("raise ImportError('planted: this is not the stdlib socket')\n")
    (d / "sitecustomize.py").write_text("PLANTED = 1\n")
    return d


@pytest.mark.parametrize("minor", [None, "2.7", "3.6", "3.13"])
def test_shadowed_ssl_is_reported_and_the_probe_still_answers(minor, shadow_dir, tmp_path):
    python = interpreter(minor) if minor else None
    if minor and python is None:
        pytest.skip("no pyenv Python %s here" % minor)
    env = probe_env(tmp_path, PYTHONPATH=str(shadow_dir))
    kw = {"python": python} if python else {}
    data, _ = run_probe({"timeout": 3, "index_url": CLOSED, "mode": "handshake"}, env, flags=("-B",), **kw)
    assert data["result"] == "success"
    facts = data["facts"]
    assert "planted: this is not the stdlib ssl" in facts["ssl"]["ssl_import_error"]
    envf = facts["python"]["environment"]
    assert envf["variables"]["PYTHONPATH"] == str(shadow_dir)
    assert envf["ssl"]["path"] == str(shadow_dir / "ssl.py")
    assert envf["ssl"]["in_stdlib"] is False and "planted" in envf["ssl"]["error"]
    assert envf["shadowed"] == ["ssl"]
    assert envf["sitecustomize"] == {"loaded": True, "path": envf["sitecustomize"]["path"]}
    assert envf["sitecustomize"]["path"].startswith(str(shadow_dir))
    assert envf["isolated"] is False


@pytest.mark.parametrize("minor", [None, "2.7"])
def test_without_the_shadow_ssl_comes_from_the_stdlib(minor, tmp_path):
    """Negative control."""
    python = interpreter(minor) if minor else None
    if minor and python is None:
        pytest.skip("no pyenv Python %s here" % minor)
    kw = {"python": python} if python else {}
    data, _ = run_probe({"timeout": 3, "index_url": CLOSED, "mode": "handshake"}, probe_env(tmp_path),
                        flags=("-B",), **kw)
    envf = data["facts"]["python"]["environment"]
    assert data["facts"]["ssl"]["ssl_import_error"] is None
    assert envf["ssl"]["in_stdlib"] is True and envf["shadowed"] == []
    assert envf["sitecustomize"]["loaded"] is False or "otherlibs" not in (envf["sitecustomize"]["path"] or "")
    assert "PYTHONPATH" not in envf["variables"]


def test_with_dash_I_the_variables_are_reported_but_had_no_effect(shadow_dir, tmp_path):
    """How check ran the probe until now: the probe still works both ways."""
    env = probe_env(tmp_path, PYTHONPATH=str(shadow_dir), PYTHONNOUSERSITE="1")
    data, _ = run_probe({"timeout": 3, "index_url": CLOSED, "mode": "handshake"}, env, flags=("-I", "-B"))
    envf = data["facts"]["python"]["environment"]
    assert envf["isolated"] is True and envf["ignore_environment"] is True
    assert envf["variables"] == {"PYTHONPATH": str(shadow_dir), "PYTHONNOUSERSITE": "1"}
    assert envf["shadowed"] == [] and data["facts"]["ssl"]["ssl_import_error"] is None
    assert envf["user_site"]["enabled"] is False
    assert os.path.isdir(envf["stdlib_dirs"][0])
