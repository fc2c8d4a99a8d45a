"""The lab's tool clients (uv, Poetry, requests, httpx): built, isolated, run, recorded.

The recorded outputs in ``lab/tool_recordings/`` are checked for provenance
and against a representative set of live runs (one scenario per mechanism),
each with a control that succeeds; the whole matrix is re-recorded by
``python -m tlsdoctor.lab.tools record`` (NOTES-README.md).
"""

from __future__ import annotations

import glob
import json
import os
import re

import pytest

from tlsdoctor.lab import clients, scenarios, tools

RECORDINGS = sorted(glob.glob(os.path.join(tools.TOOL_RECORDINGS_DIR, "*", "*.json")))


def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# --- ids and environments (no tool runs) ------------------------------------------------


@pytest.mark.parametrize("tid", tools.default_tools() + tools.EXTRA_TOOLS)
def test_ids_round_trip(tid):
    kind, version, py = tools.parse_id(tid)
    assert tools.tool_id(kind, version, py) == tid
    assert tools.spec(tid).kind == kind


@pytest.mark.parametrize("bad", ["uv", "pip23.0", "poetry2.5.1", "requests-py3.11", "uv0.4.30-py"])
def test_bad_ids(bad):
    with pytest.raises(ValueError):
        tools.parse_id(bad)


def _spec(tid: str) -> tools.Tool:
    kind, version, py = tools.parse_id(tid)
    return tools.Tool(tid, kind, version, py, "/venv/bin/python", py + ".0")


def test_environment_inherits_nothing(monkeypatch, tmp_path):
    for name in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "UV_NATIVE_TLS", "UV_SYSTEM_CERTS",
                 "POETRY_CERTIFICATES_X_CERT", "HTTPS_PROXY", "UV_INDEX_URL"):
        monkeypatch.setenv(name, "/from/this/machine")
    for tid in tools.default_tools():
        env, translated = tools.tool_environ(_spec(tid), {"HOME": str(tmp_path)})
        assert not any(v == "/from/this/machine" for v in env.values()), tid
        assert translated == {}
        assert env["HOME"] == str(tmp_path) and env["XDG_CONFIG_HOME"].startswith(str(tmp_path))


@pytest.mark.parametrize("tid,name", [
    ("uv0.13.9", "SSL_CERT_FILE"),
    ("poetry2.5.1-py3.13", "POETRY_CERTIFICATES_LAB_CERT"),
    ("requests2.34.2-py3.11", "REQUESTS_CA_BUNDLE"),
    ("httpx0.28.1-py3.13", "SSL_CERT_FILE"),
])
def test_pip_cert_is_translated_to_the_tools_own_switch(tid, name, tmp_path):
    env, translated = tools.tool_environ(_spec(tid), {"HOME": str(tmp_path), "PIP_CERT": "/ca.pem"})
    assert env[name] == "/ca.pem" and translated == {"PIP_CERT": name}
    # the scenario's own value of that variable wins: it is the breakage under test
    env, translated = tools.tool_environ(_spec(tid), {"HOME": str(tmp_path), "PIP_CERT": "/ca.pem", name: "/x"})
    assert env[name] == "/x" and translated == {}
    # translate=False: pip's variable only (what a user who set only PIP_CERT has)
    env, translated = tools.tool_environ(_spec(tid), {"HOME": str(tmp_path), "PIP_CERT": "/ca.pem"},
                                         translate=False)
    assert name not in env and translated == {} and env["PIP_CERT"] == "/ca.pem"


def test_uv_never_downloads_a_python(tmp_path):
    env, _ = tools.tool_environ(_spec("uv0.13.9"), {"HOME": str(tmp_path)})
    assert env["UV_PYTHON_DOWNLOADS"] == "never" and env["UV_NO_CACHE"] == "1"


# --- building ---------------------------------------------------------------------------


def test_missing_interpreter_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("TLSDOCTOR_LAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(clients.ClientUnavailable):
        tools.ensure("uv0.13.9")


def test_build_failure_is_a_failure_not_a_skip(monkeypatch, tmp_path):
    # No index at all: pip cannot find the tool, and ensure() must say so loudly.
    monkeypatch.setenv("TLSDOCTOR_LAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    try:
        clients.find_interpreter("3.13")
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))
    with pytest.raises(tools.ToolBuildFailed) as info:
        tools.ensure("uv0.0.1")
    assert "uv==0.0.1" in str(info.value)
    assert not isinstance(info.value, clients.ClientUnavailable)


# --- the recordings ---------------------------------------------------------------------


def test_every_scenario_and_default_tool_is_recorded():
    have = {(r["scenario"], r["tool"]["id"]) for r in map(_load, RECORDINGS) if r["variant"] == "plain"}
    missing = [(s.name, t) for s in scenarios.all() for t in tools.default_tools() if (s.name, t) not in have]
    assert not missing


@pytest.mark.parametrize("path", RECORDINGS, ids=[os.path.relpath(p, tools.TOOL_RECORDINGS_DIR) for p in RECORDINGS])
def test_recording_provenance(path):
    r = _load(path)
    for key in ("scenario", "causes", "tool", "argv", "env_names", "translated", "exit_code", "outcome", "output",
                "recorded_on", "tlsdoctor", "variant"):
        assert key in r, key
    kind, version, _ = tools.parse_id(r["tool"]["id"])
    assert r["tool"]["kind"] == kind
    # The extra clients' versions are the system's (curl, git, npm) or the Python's (urllib).
    assert r["tool"]["version"] == version or (kind in tools.EXTRA_KINDS and not version)
    assert r["tool"]["version"] in r["tool"]["reports"]  # what the tool itself said it was
    assert r["causes"] == list(scenarios.get(r["scenario"]).causes)
    assert r["outcome"] == ("ok" if r["exit_code"] == 0 else "fail")
    # names, never values; no path of the machine that recorded it
    # (npm's own configuration variables are lower case: npm_config_cafile)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*|npm_config_[a-z_]+", n) for n in r["env_names"])
    out = r["output"].replace("$WORKDIR/home/", "$WORKDIR/")  # the run's own HOME (npm names its log there)
    assert "/root/" not in out and "/home/" not in out
    # a translation is a variable that was set, or (Poetry's trusted host) a config.toml key
    for target in r["translated"].values():
        assert target in r["env_names"] or target.startswith("config.toml "), target


# --- live runs: one scenario per mechanism, each against a control ------------------------

UV_NEW, UV_OLD = "uv0.13.9", "uv0.4.30"
POETRY = "poetry2.5.1-py3.13"
REQUESTS = "requests2.34.2-py3.13"
HTTPX = "httpx0.28.1-py3.13"

# (scenario, tool) -> what the real tool prints when it fails there ("" = succeeds)
LIVE = {
    ("untrusted-ca", UV_NEW): "invalid peer certificate: UnknownIssuer",
    ("untrusted-ca", UV_OLD): "invalid peer certificate: UnknownIssuer",
    ("untrusted-ca", REQUESTS): "CERTIFICATE_VERIFY_FAILED",
    ("untrusted-ca", HTTPX): "CERTIFICATE_VERIFY_FAILED",
    ("untrusted-ca", POETRY): "All attempts to connect to localhost:",
    ("expired-cert", UV_NEW): "invalid peer certificate: certificate expired",
    ("expired-cert", REQUESTS): "certificate has expired",
    ("intercepting-proxy", UV_NEW): "invalid peer certificate: UnknownIssuer",
    ("intercepting-proxy", HTTPX): "CERTIFICATE_VERIFY_FAILED",
    # uv ignores pip.conf (its cert= is right) and REQUESTS_CA_BUNDLE (wrong): uv's own default roots decide
    ("env-bundle-overrides-cert", UV_NEW): "invalid peer certificate: UnknownIssuer",
    ("env-bundle-overrides-cert", REQUESTS): "CERTIFICATE_VERIFY_FAILED",
    # a REQUESTS_CA_BUNDLE naming a missing file: only requests itself trips on it
    ("bundle-path-missing", REQUESTS): "Could not find a suitable TLS CA certificate bundle",
    ("bundle-path-missing", UV_NEW): "",
    ("bundle-path-missing", POETRY): "",
    ("bundle-path-missing", HTTPX): "",
    # uv is rustls: OPENSSL_CONF caps and a broken libssl do not reach it
    ("openssl-conf-caps-tls", UV_NEW): "",
    ("openssl-conf-caps-tls", HTTPX): "NO_PROTOCOLS_AVAILABLE",
}


def _tool(tid: str) -> tools.Tool:
    try:
        return tools.ensure(tid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.lab
@pytest.mark.parametrize("tid", [UV_NEW, UV_OLD, POETRY, REQUESTS, HTTPX])
def test_healthy_control(tid):
    rec = tools.run_one(scenarios.get("healthy-direct"), _tool(tid))
    assert rec["exit_code"] == 0, rec["output"][-3000:]


@pytest.mark.lab
@pytest.mark.parametrize("scenario,tid", sorted(LIVE), ids=["%s-%s" % k for k in sorted(LIVE)])
def test_live_run_matches_the_recording(scenario, tid):
    rec = tools.run_one(scenarios.get(scenario), _tool(tid))
    evidence = LIVE[(scenario, tid)]
    if evidence:
        assert rec["exit_code"] != 0 and evidence in rec["output"], rec["output"][-3000:]
    else:
        assert rec["exit_code"] == 0, rec["output"][-3000:]
    recorded = _load(os.path.join(tools.TOOL_RECORDINGS_DIR, scenario, tid + ".json"))
    assert recorded["outcome"] == rec["outcome"]
    if evidence:
        assert evidence in recorded["output"]


@pytest.mark.lab
def test_lab_record_tool_cli(tmp_path):
    from tlsdoctor.cli import main

    _tool(UV_NEW)
    code = main(["lab", "record", "--tool", UV_NEW, "--scenario", "healthy-direct", "--out", str(tmp_path)])
    assert code == 0
    rec = _load(str(tmp_path / "healthy-direct" / (UV_NEW + ".json")))
    assert rec["outcome"] == "ok" and rec["variant"] == "plain"
    # control: an unknown tool id is a usage error, not a silent pip run
    assert main(["lab", "record", "--tool", "uvX", "--scenario", "healthy-direct", "--out", str(tmp_path)]) == 2


def _recorded(scenario: str, tid: str, variant: str = "plain") -> dict:
    suffix = "" if variant == "plain" else "." + variant
    return _load(os.path.join(tools.TOOL_RECORDINGS_DIR, scenario, tid + suffix + ".json"))


@pytest.mark.parametrize("tid", tools.default_tools())
def test_recorded_pips_fix_is_not_every_tools_fix(tid):
    # pip's fix for env-bundle-overrides-cert (unset REQUESTS_CA_BUNDLE) leaves
    # pip.conf's cert= in charge: no other tool reads pip.conf, so none is fixed.
    fixed = _recorded("env-bundle-overrides-cert", tid, "fix-unset-requests-ca-bundle")
    assert fixed["outcome"] == "fail", fixed["output"][-2000:]
    # control: the fix for a missing bundle (the same unset) works for everyone
    assert _recorded("bundle-path-missing", tid, "fix-unset-requests-ca-bundle")["outcome"] == "ok"


@pytest.mark.parametrize("tid", tools.default_tools())
def test_recorded_client_cert_fix(tid):
    # uv (SSL_CLIENT_CERT) and Poetry (certificates.<source>.client-cert) have a
    # switch for pip's --client-cert; a requests/httpx script with library
    # defaults has none.
    rec = _recorded("client-cert-tls13", tid, "fix-client-cert")
    kind = tools.parse_id(tid)[0]
    assert rec["outcome"] == ("ok" if kind in ("uv", "poetry") else "fail"), rec["output"][-2000:]
    assert _recorded("client-cert-tls13", tid)["outcome"] == "fail"  # control: without it
