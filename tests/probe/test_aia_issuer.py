"""The aia_issuer attempt: the lone leaf's AIA caIssuers certificate, fetched for real over loopback.

A real probe (target.py in this interpreter, pip's own session) against the
lab's servers: a leaf whose forgotten intermediate is served at its AIA URL
(DER and PEM), a leaf straight from a private root whose AIA names that root,
and negative controls: a healthy index (no fetch at all), an AIA URL that
answers 404, and an answer too large to be one certificate.
"""

from __future__ import annotations

import sys

import pytest
from probe_support import probe_env, run_probe

scenarios = pytest.importorskip("tlsdoctor.lab.scenarios")


def _aia(name, tmp_path, python=sys.executable, flags=("-I", "-B"), mutate=None, env_extra=None):
    with scenarios.get(name).start(str(tmp_path / "lab")) as running:
        if mutate:
            mutate(running)
        env = probe_env(tmp_path, **dict({k: v for k, v in running.env.items() if k == "PIP_CERT"},
                                        **(env_extra or {})))
        data, proc = run_probe({"timeout": 8, "index_url": running.index_url}, env, python=python, flags=flags)
    assert data["result"] == "success", data
    return data["probes"].get("0:aia_issuer"), data


@pytest.mark.parametrize("name", ["missing-intermediate", "missing-intermediate-aia"])
def test_the_forgotten_intermediate_verifies_the_leaf_and_chains_to_pips_store(name, tmp_path):
    a, data = _aia(name, tmp_path)
    assert a is not None and a["status"] == "ok", a
    assert a["error_kind"] is None and a["http_status"] == 200
    assert a["url"].startswith("http://127.0.0.1:") and a["proxy"] is None
    assert a["issuer_cert"]["is_ca"] is True and a["issuer_cert"]["self_issued"] is False
    assert a["matches_leaf_issuer"] is True and a["verifies_leaf"] is True
    assert "effective" in a["chains_to"], a
    assert "certifi" not in a["chains_to"] and "system" not in a["chains_to"]


def test_a_private_root_signs_the_leaf_and_chains_nowhere(tmp_path):
    """Negative control for the chain: the AIA names the self-signed root itself."""
    a, _ = _aia("private-ca-aia-root", tmp_path)
    assert a["status"] == "ok", a
    assert a["issuer_cert"]["self_issued"] is True and a["verifies_leaf"] is True
    assert a["chains_to"] == []  # a root trusted by itself would "chain" to anything: never tried


def test_no_fetch_for_a_healthy_index(tmp_path):
    a, data = _aia("healthy-direct", tmp_path)
    assert a is None, a


def test_a_404_is_an_http_error_not_a_finding(tmp_path):
    with scenarios.get("missing-intermediate").start(str(tmp_path / "lab")) as running:
        env = probe_env(tmp_path, PIP_CERT=running.env["PIP_CERT"])
        _set_body(running, b"")  # the issuer server answers 404 when it has nothing to serve
        data, _ = run_probe({"timeout": 8, "index_url": running.index_url}, env)
    a = data["probes"]["0:aia_issuer"]
    assert a["status"] == "error" and a["error_kind"] == "http" and a["http_status"] == 404, a
    assert "issuer_cert" not in a


def test_an_answer_larger_than_64_kib_is_refused(tmp_path):
    with scenarios.get("missing-intermediate").start(str(tmp_path / "lab")) as running:
        env = probe_env(tmp_path, PIP_CERT=running.env["PIP_CERT"])
        _set_body(running, b"0" * (70 * 1024))
        data, _ = run_probe({"timeout": 8, "index_url": running.index_url}, env)
    a = data["probes"]["0:aia_issuer"]
    assert a["status"] == "error" and a["error_kind"] == "http" and "64 KiB" in a["error"], a


def _set_body(running, body):
    from tlsdoctor.lab import aia

    server = aia.IssuerServer.of(running)
    server.body = body


@pytest.mark.parametrize("version", ["2.7", "3.6"])
def test_old_interpreters_fetch_it_too(version, tmp_path):
    import glob
    import os

    found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s*/bin/python" % version)))
    if not found:
        pytest.skip("no Python %s here" % version)
    flags = ("-E", "-s", "-B") if version == "2.7" else ("-I", "-B")
    a, _ = _aia("missing-intermediate", tmp_path, python=found[-1], flags=flags)
    assert a is not None and a["status"] == "ok", a
    assert a["verifies_leaf"] is True and "effective" in a["chains_to"], a


# ---------------------------------------------------------------- through pip's proxy

def _forwarding_proxy(seen, credentials):
    """A proxy like squid: CONNECT tunnels (the index), absolute-form GET forwarded (the AIA URL)."""
    import base64
    from urllib.parse import urlsplit

    from tlsdoctor.lab import net

    want = "Basic " + base64.b64encode(("%s:%s" % credentials).encode()).decode()

    def handle(conn, listener):
        head = net.read_request_head(conn)
        if not head:
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        method, target = line.split()[:2]
        seen.append((line, net._header(head, "Proxy-Authorization") == want))
        if net._header(head, "Proxy-Authorization") != want:
            conn.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            up = listener.track(net.connect_upstream(int(port), "127.0.0.1"))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            net.pump_both(conn, up)
            return
        parts = urlsplit(target)
        up = listener.track(net.connect_upstream(parts.port or 80, parts.hostname))
        up.sendall(("GET %s HTTP/1.0\r\nHost: %s\r\n\r\n" % (parts.path, parts.netloc)).encode("latin-1"))
        while True:
            chunk = up.recv(65536)
            if not chunk:
                break
            conn.sendall(chunk)
        up.close()

    return handle


@pytest.mark.parametrize("http_proxy", [True, False], ids=["http_proxy-set", "only-https_proxy"])
def test_the_fetch_takes_the_proxy_pip_would_take_for_http(http_proxy, tmp_path):
    """pip (requests) takes http_proxy for an http:// URL: the fetch goes there, absolute-form, with the
    proxy's credentials, and the credentials never appear in the output. Without http_proxy (only
    https_proxy set) it goes direct: the negative control."""
    from tlsdoctor.lab import net

    seen = []
    secret = "s3cr3t-pass"
    proxy = net.Listener(_forwarding_proxy(seen, ("alice", secret)), "forwarding-proxy")
    try:
        url = "http://alice:%s@127.0.0.1:%d" % (secret, proxy.port)
        extra = {"HTTPS_PROXY": url}
        if http_proxy:
            extra["HTTP_PROXY"] = url
        a, data = _aia("missing-intermediate", tmp_path, env_extra=extra)
    finally:
        proxy.stop()
    import json

    assert secret not in json.dumps(data)
    assert a is not None and a["status"] == "ok", a
    assert a["verifies_leaf"] is True and "effective" in a["chains_to"], a
    gets = [line for line, authed in seen if line.startswith("GET ")]
    if http_proxy:
        assert a["proxy"] == "http://***@127.0.0.1:%d" % proxy.port, a["proxy"]
        assert gets and gets[0].startswith("GET http://127.0.0.1:") and gets[0].endswith("/issuer.cer HTTP/1.0")
        assert all(authed for line, authed in seen if line.startswith("GET "))
    else:
        assert a["proxy"] is None and gets == []
    assert any(line.startswith("CONNECT ") for line, _ in seen)  # the index itself went through it


def test_a_bug_planning_the_fetch_is_status_bug(tmp_path, monkeypatch):
    """Our own mistake while deciding whether to fetch is a bug, and the rest of the probe still runs."""
    import importlib.util

    from tlsdoctor.probe import TARGET

    spec = importlib.util.spec_from_file_location("tlsdoctor_probe_target_aia", TARGET)
    target = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(target)
    monkeypatch.setattr(target, "aia_url", lambda leaf: {}["no such key"])
    monkeypatch.delenv("PIP_CERT", raising=False)
    with scenarios.get("missing-intermediate").start(str(tmp_path / "lab")) as running:
        monkeypatch.setenv("PIP_CERT", running.env["PIP_CERT"])
        monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
        data = target.probe({"index_url": running.index_url}, target.time.time() + 6)
    a = data["probes"]["0:aia_issuer"]
    assert a["status"] == "bug" and a["error_kind"] == "bug" and "KeyError" in a["error"], a
    assert data["probes"]["0:tls"]["status"] == "ok"
