"""uv's decisive request, made by real uv (0.13.9 and 0.4.30) against a loopback index."""

from __future__ import annotations

import os
import time

import pytest

from tlsdoctor.tools import Found, RequestStatus, TrustKind
from tlsdoctor.tools import uv

pytestmark = pytest.mark.lab

UVS = ["uv0.13.9", "uv0.4.30"]


def _uv(tid):
    from tlsdoctor.lab import clients, tools

    try:
        return tools.get(tid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))


def _env(tool, tmp_path, **kw):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    e = {"HOME": str(home), "PATH": os.path.dirname(tool.exe) + os.pathsep + os.defpath,
         "XDG_CONFIG_DIRS": str(home / "none"), "UV_NO_CACHE": "1"}
    e.update(kw)
    return e


@pytest.mark.parametrize("tid", UVS)
def test_find_reports_the_version(tid, tmp_path):
    tool = _uv(tid)
    found = uv.find(_env(tool, tmp_path), None, time.monotonic() + 30)
    assert found and found.version == tool.version and found.path == tool.exe
    assert uv.find({"PATH": str(tmp_path)}, None, time.monotonic() + 30) is None  # control: not on PATH


@pytest.mark.parametrize("tid", UVS)
def test_request_trusts_what_the_resolver_says(tid, https_index, tmp_path):
    url, ca = https_index
    tool = _uv(tid)
    env = _env(tool, tmp_path, UV_DEFAULT_INDEX=url, SSL_CERT_FILE=ca)
    found = uv.find(env, None, time.monotonic() + 30)
    r = uv.resolve(found, env, str(tmp_path), time.monotonic() + 30)
    assert [t.kind for t in r.trust] == [TrustKind.FILE]
    req = uv.request(r, env, time.monotonic() + 60, str(tmp_path))
    assert req.status == RequestStatus.OK, req.output
    # control: without SSL_CERT_FILE uv's bundled roots do not know the lab CA
    env.pop("SSL_CERT_FILE")
    r = uv.resolve(found, env, str(tmp_path), time.monotonic() + 30)
    assert [t.kind for t in r.trust] == [TrustKind.BUNDLED]
    req = uv.request(r, env, time.monotonic() + 60, str(tmp_path))
    assert req.status == RequestStatus.FAILED and "UnknownIssuer" in req.output, req.output
    assert req.argv[:3] == (tool.exe, "pip", "compile")
