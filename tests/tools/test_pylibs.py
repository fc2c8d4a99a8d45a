"""requests and httpx: resolution by the libraries' rules, and the decisive GET with the real library.

Resolution runs over real environments and files (no interpreter needed but the
one that imports the library, for its certifi path). The decisive request runs
real requests 2.34.2 / httpx 0.28.1 (the lab's Python 3.13 tool venvs) against a
lab scenario on loopback, and every run is paired with the lab's own script for
that library (``lab_get.py``, what a user's script does) in the same scenario and
environment: the module's verdict must be the real script's.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from tlsdoctor.tools import Found, RequestStatus, TrustKind, httpx_lib, requests_lib

SECRET = "s3cr3t-pa55"
REQUESTS = "requests2.34.2-py3.13"
HTTPX = "httpx0.28.1-py3.13"


def _deadline(s: float = 30) -> float:
    return time.monotonic() + s


def _found(tool: str) -> Found:
    # An interpreter without the library: resolution must not depend on it
    # (certifi's path is then unknown, the order is not).
    return Found(tool, sys.executable, "0", sys.executable)


def _kinds(r):
    return [(t.kind, t.source) for t in r.trust]


def _setting(r, name):
    return [s for s in r.settings if s.name == name]


# --- requests: REQUESTS_CA_BUNDLE > CURL_CA_BUNDLE > certifi ------------------------


def test_requests_bundle_order(tmp_path):
    a, b = tmp_path / "a.pem", tmp_path / "b.pem"
    a.write_text("x")
    b.write_text("x")
    both = {"REQUESTS_CA_BUNDLE": str(a), "CURL_CA_BUNDLE": str(b)}
    r = requests_lib.resolve(_found("requests"), both, str(tmp_path), _deadline())
    assert r.trust[0].kind == TrustKind.FILE and r.trust[0].path == str(a) and len(r.trust) == 1
    assert [s.effective for s in _setting(r, "CURL_CA_BUNDLE")] == [False]
    # an empty REQUESTS_CA_BUNDLE is unset for requests (`get(A) or get(B)`)
    r = requests_lib.resolve(_found("requests"), dict(both, REQUESTS_CA_BUNDLE=""), str(tmp_path), _deadline())
    assert r.trust[0].path == str(b) and r.trust[0].source == "CURL_CA_BUNDLE"
    # a directory is ca_cert_dir (HTTPAdapter.cert_verify)
    r = requests_lib.resolve(_found("requests"), {"REQUESTS_CA_BUNDLE": str(tmp_path)}, str(tmp_path), _deadline())
    assert r.trust[0].kind == TrustKind.DIR
    # control: nothing set -> certifi
    r = requests_lib.resolve(_found("requests"), {}, str(tmp_path), _deadline())
    assert _kinds(r) == [(TrustKind.CERTIFI, "default")] and not r.warnings


def test_requests_ignores_ssl_cert_file_and_warns_about_a_missing_bundle(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    r = requests_lib.resolve(_found("requests"), {"SSL_CERT_FILE": str(ca), "SSL_CERT_DIR": str(tmp_path)},
                             str(tmp_path), _deadline())
    assert _kinds(r) == [(TrustKind.CERTIFI, "default")]
    assert [s.effective for s in _setting(r, "SSL_CERT_FILE")] == [False]
    assert any("ignores SSL_CERT_FILE" in w for w in r.warnings)
    r = requests_lib.resolve(_found("requests"), {"REQUESTS_CA_BUNDLE": str(tmp_path / "gone.pem")},
                             str(tmp_path), _deadline())
    assert any("does not exist" in w for w in r.warnings)
    # control: an existing bundle draws no warning
    r = requests_lib.resolve(_found("requests"), {"REQUESTS_CA_BUNDLE": str(ca)}, str(tmp_path), _deadline())
    assert not r.warnings


def test_index_and_proxy_from_the_environment_with_secrets_hidden(tmp_path):
    env = {"PIP_INDEX_URL": "https://u:%s@idx.example/simple/" % SECRET,
           "https_proxy": "http://me:%s@lower:3128" % SECRET, "HTTPS_PROXY": "http://upper:3128"}
    r = requests_lib.resolve(_found("requests"), env, str(tmp_path), _deadline())
    assert r.index_url == env["PIP_INDEX_URL"]  # raw: the request needs it
    assert r.proxy == env["https_proxy"]  # CPython's getproxies_environment: lowercase wins
    assert SECRET not in repr(r.settings) and SECRET not in repr(r.warnings)
    assert [s.effective for s in _setting(r, "HTTPS_PROXY")] == [False]
    # no_proxy bypasses (suffix match), a non-matching one does not
    r = httpx_lib.resolve(_found("httpx"), dict(env, no_proxy="example"), str(tmp_path), _deadline())
    assert r.proxy is None
    r = httpx_lib.resolve(_found("httpx"), dict(env, no_proxy="other.example"), str(tmp_path), _deadline())
    assert r.proxy == env["https_proxy"]
    # an empty lowercase variable hides the uppercase one (CPython's getproxies_environment)
    r = requests_lib.resolve(_found("requests"), dict(env, https_proxy=""), str(tmp_path), _deadline())
    assert r.proxy is None
    # control: nothing set -> PyPI, no proxy
    r = requests_lib.resolve(_found("requests"), {}, str(tmp_path), _deadline())
    assert r.index_url == requests_lib.DEFAULT_INDEX and r.proxy is None


# --- httpx: SSL_CERT_FILE > SSL_CERT_DIR > certifi ----------------------------------


def test_httpx_order_and_what_it_ignores(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    env = {"SSL_CERT_FILE": str(ca), "SSL_CERT_DIR": str(tmp_path), "REQUESTS_CA_BUNDLE": str(ca)}
    r = httpx_lib.resolve(_found("httpx"), env, str(tmp_path), _deadline())
    assert _kinds(r) == [(TrustKind.FILE, "SSL_CERT_FILE")]
    assert [s.effective for s in _setting(r, "SSL_CERT_DIR")] == [False]
    assert [s.effective for s in _setting(r, "REQUESTS_CA_BUNDLE")] == [False]
    env.pop("SSL_CERT_FILE")
    r = httpx_lib.resolve(_found("httpx"), env, str(tmp_path), _deadline())
    assert _kinds(r) == [(TrustKind.DIR, "SSL_CERT_DIR")]
    r = httpx_lib.resolve(_found("httpx"), {"SSL_CERT_FILE": "", "REQUESTS_CA_BUNDLE": str(ca)},
                          str(tmp_path), _deadline())
    assert _kinds(r) == [(TrustKind.CERTIFI, "default")]  # empty is unset; the requests variable is not read
    r = httpx_lib.resolve(_found("httpx"), {"SSL_CERT_FILE": str(tmp_path / "gone.pem")}, str(tmp_path), _deadline())
    assert any("FileNotFoundError" in w for w in r.warnings)


# --- the real libraries --------------------------------------------------------------


def _tool(tid):
    from tlsdoctor.lab import clients, tools

    try:
        return tools.get(tid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))


def test_find_reports_the_library_version(tmp_path):
    tool = _tool(REQUESTS)
    env = {"PATH": os.defpath, "HOME": str(tmp_path)}
    found = requests_lib.find(env, tool.python, _deadline())
    assert found and found.version == tool.version and found.python == tool.python
    assert httpx_lib.find(env, tool.python, _deadline()) is None  # control: that venv has no httpx
    env["PATH"] = tool.bindir
    assert requests_lib.find(env, None, _deadline()).python.endswith("python3")  # python3 on PATH


def _both(module, tool, running, env, tmp_path):
    """(our request, the lab's own script) in one scenario and environment."""
    from tlsdoctor.lab import tools

    found = module.find(env, tool.python, _deadline())
    resolved = module.resolve(found, env, str(tmp_path), _deadline())
    ours = module.request(resolved, env, _deadline(60), str(tmp_path))
    argv, cwd = tools.prepare(tool, running.workdir, running.index_url)
    code, output = tools.run_tool(argv, env, cwd, timeout=120)
    return resolved, ours, code, output


@pytest.mark.lab
@pytest.mark.parametrize("tid, module, var, other", [
    (REQUESTS, requests_lib, "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"),
    (HTTPX, httpx_lib, "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"),
])
def test_request_agrees_with_the_real_script(tid, module, var, other, tmp_path):
    from tlsdoctor.lab import scenarios, tools

    tool = _tool(tid)
    with scenarios.get("untrusted-ca").start() as running:
        ca = os.path.join(running.workdir, "pki", "index-ca.pem")
        env, _ = tools.tool_environ(tool, dict(running.env), translate=False)
        # the library's own variable trusts the index: ok, like the real script
        resolved, ours, code, output = _both(module, tool, running, dict(env, **{var: ca}), tmp_path)
        assert [t.kind for t in resolved.trust] == [TrustKind.FILE]
        assert code == 0, output
        assert ours.status == RequestStatus.OK, ours.output
        assert ours.argv[0] == tool.python and "%s.get(" % module.NAME in ours.argv[2]
        # the other library's variable is ignored: fails with the TLS reason, like the real script
        resolved, ours, code, output = _both(module, tool, running, dict(env, **{other: ca}), tmp_path)
        assert resolved.trust[0].kind == TrustKind.CERTIFI
        assert code != 0 and "CERTIFICATE_VERIFY_FAILED" in output, output
        assert ours.status == RequestStatus.FAILED, ours.output
        assert "CERTIFICATE_VERIFY_FAILED" in ours.output and "unable to get local issuer" in ours.output


@pytest.mark.lab
def test_healthy_direct_and_the_deadline(tmp_path):
    from tlsdoctor.lab import scenarios, tools

    tool = _tool(HTTPX)
    with scenarios.get("healthy-direct").start() as running:
        env, _ = tools.tool_environ(tool, dict(running.env))  # PIP_CERT -> SSL_CERT_FILE, as the lab does
        resolved, ours, code, output = _both(httpx_lib, tool, running, env, tmp_path)
        assert code == 0 and ours.status == RequestStatus.OK, (output, ours.output)
        # a deadline already spent is "could not tell", never a failure
        late = httpx_lib.request(resolved, env, time.monotonic() - 1, str(tmp_path))
        assert late.status == RequestStatus.DEADLINE
