"""Per-tool remedies, the gate over tool configs, and fix --tool's flow (no real tool: a
scripted decisive request; the real tools are in test_tool_fix_lab.py)."""

from __future__ import annotations

import io
import itertools
import json
import os

import pytest

from tlsdoctor.fix import tool_fix
from tlsdoctor.fix.journal import Journal
from tlsdoctor.fix.plan import TOOL_CONFIG, Change, Plan, PlanContext, refusals
from tlsdoctor.fix.run import FixOptions
from tlsdoctor.remedies import StepKind
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, Setting, Trust, TrustKind
from tlsdoctor.tools import remedies as tr

SECRET = "s3cr3tTOKENzz91"
INDEX = "https://alice:%s@pypi.corp.example/simple/" % SECRET


def resolved(tool, version="0.13.9", trust=(), settings=()):
    return Resolved(Found(tool, "/usr/bin/" + tool, version), INDEX, tuple(settings), tuple(trust))


def facts(tmp_path, **kw):
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / ".config")}
    env.update(kw.pop("env", {}))
    base = dict(bundle=str(tmp_path / "share" / "ca-bundle.pem"), env=env)
    base.update(kw)
    return tr.ToolFacts(**base)


def kinds(group):
    return [s.kind for s in group]


def test_uv_os_store_switch_first_by_version_then_the_variable(tmp_path):
    f = facts(tmp_path, os_store_trusts=True)
    for version, key, var in (("0.13.9", "system-certs", "UV_SYSTEM_CERTS"),
                              ("uv 0.10.12", "native-tls", "UV_NATIVE_TLS")):
        groups = tr.groups("tls-interception", resolved("uv", version), f)
        first = groups[0][0]
        assert (first.kind, first.key, first.value) == (StepKind.SET_TOOL_CONFIG, key, "true")
        assert first.file == str(tmp_path / ".config" / "uv" / "uv.toml")
        assert "only uv" in first.explanation
        assert (groups[1][0].kind, groups[1][0].key, groups[1][0].value) == (StepKind.SET_ENV, var, "1")
        assert tr.first_automatic(groups) == groups[0]
        assert all(s.key != "SSL_CERT_FILE" for s in tr.steps("tls-interception", resolved("uv", version), f))


def test_uv_without_the_os_store_shows_the_os_store_first_and_applies_the_full_bundle(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    f = facts(tmp_path, os_store_trusts=False, ca_file=str(ca), base_bundle="/certifi/cacert.pem")
    groups = tr.groups("untrusted-private-ca", resolved("uv"), f)
    assert groups[0][0].kind is StepKind.MANUAL and "OS store" in groups[0][0].explanation
    chosen = tr.first_automatic(groups)
    assert kinds(chosen) == [StepKind.ADD_CA, StepKind.SET_ENV]
    assert chosen[0].argv == ("cat", "/certifi/cacert.pem", str(ca))  # the public roots + the CA
    assert chosen[1].key == "SSL_CERT_FILE" and chosen[1].value == f.bundle
    for other in ("httpx", "curl"):
        assert other in chosen[1].explanation  # the blast radius is stated


def test_stale_ssl_cert_file_is_removed_for_uv_and_httpx(tmp_path):
    env = {"SSL_CERT_FILE": str(tmp_path / "gone.pem")}
    f = facts(tmp_path, os_store_trusts=True, env=env)
    g = tr.first_automatic(tr.groups("tls-interception", resolved("uv", trust=[Trust(TrustKind.NOTHING)]), f))
    assert [(s.kind, s.key) for s in g] == [(StepKind.UNSET_ENV, "SSL_CERT_FILE"), (StepKind.SET_TOOL_CONFIG,
                                                                                     "system-certs")]
    g = tr.first_automatic(tr.groups("ca-bundle-path-invalid", resolved("httpx", "0.28.1"),
                                     facts(tmp_path, env=env)))
    assert [(s.kind, s.key) for s in g] == [(StepKind.UNSET_ENV, "SSL_CERT_FILE")]


def test_poetry_source_by_url_even_with_credentials(tmp_path):
    from tlsdoctor.fix._redact import redact_text

    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    r = resolved("poetry", "2.5.1", settings=[Setting("source.corp.url", redact_text(INDEX), "pyproject.toml")])
    g = tr.first_automatic(tr.groups("untrusted-private-ca", r, facts(
        tmp_path, ca_file=str(ca), base_bundle="/c.pem", env={"POETRY_CONFIG_DIR": str(tmp_path / "pp")})))
    assert kinds(g) == [StepKind.ADD_CA, StepKind.SET_TOOL_CONFIG]
    assert (g[1].file, g[1].key, g[1].value) == (str(tmp_path / "pp" / "config.toml"), "certificates.corp.cert",
                                                 facts(tmp_path).bundle)
    assert g[1].argv[:3] == ("poetry", "config", "certificates.corp.cert")
    # unknown source name: a manual step, nothing automatic
    assert not tr.first_automatic(tr.groups("untrusted-private-ca", resolved("poetry"), facts(tmp_path)))


WEAK_KEYS = ("allow-insecure-host", "ssl_verify", "verify", "trusted-host")


@pytest.mark.parametrize("tool,cause,os_trusts,stale", list(itertools.product(
    ("uv", "poetry", "requests", "httpx"), ("untrusted-private-ca", "tls-interception", "ca-bundle-path-invalid",
                                            "cert-expired"), (True, False, None), (True, False))))
def test_no_remedy_ever_weakens(tmp_path, tool, cause, os_trusts, stale):
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    env = {"SSL_CERT_FILE": "/gone", "REQUESTS_CA_BUNDLE": "/gone"} if stale else {}
    r = resolved(tool, settings=[Setting("source.lab.url", INDEX, "pyproject.toml")])
    f = facts(tmp_path, os_store_trusts=os_trusts, ca_file=str(ca), base_bundle="/c.pem", poetry_source="lab", env=env)
    groups = tr.groups(cause, r, f)
    for g in groups:
        for s in g:
            assert not any(w in (s.key or "").lower() for w in WEAK_KEYS), s
            assert not s.weakens_security
            if s.kind in (StepKind.SET_ENV, StepKind.SET_TOOL_CONFIG) and s.key not in ("UV_SYSTEM_CERTS",
                                                                                      "UV_NATIVE_TLS"):
                if s.value == "true":
                    assert s.key in ("system-certs", "native-tls")
                    continue
                # every CA setting points at the bundle built in the same group (public roots + CA)
                assert s.value == f.bundle and any(x.kind is StepKind.ADD_CA and x.file == f.bundle for x in g), s
            assert SECRET not in s.text()
    if tool in ("uv", "poetry") and groups:
        assert not any(s.key == "SSL_CERT_FILE" and s.kind is StepKind.SET_ENV for s in groups[0])


# ------------------------------------------------------------------ the gate over tool configs

@pytest.mark.parametrize("name,key,value", [
    ("uv.toml", "allow-insecure-host", "localhost"),
    ("config.toml", "certificates.lab.cert", "false"),
    ("config.toml", "certificates.lab.cert", "SINGLE"),
    (".condarc", "ssl_verify", "false"),
    ("config.toml", "ssl_verify", "false"),
    ("authorized_keys", "system-certs", "true"),
])
def test_gate_refuses_weakening_tool_config(tmp_path, corp_ca, name, key, value):
    single = tmp_path / "one-ca.pem"
    single.write_bytes(corp_ca.cert_pem.bytes())
    value = str(single) if value == "SINGLE" else value
    path = tmp_path / name
    plan = Plan([Change(TOOL_CONFIG, str(path), "user", "why", key, value)])
    assert refusals(plan)
    from tlsdoctor.fix.apply import apply

    res = apply(plan, Journal(str(tmp_path / "state")))
    assert res.status == "refused" and not path.exists()


def test_gate_allows_the_os_store_switch_and_a_full_bundle(tmp_path, public_roots):
    bundle, _ = public_roots
    plan = Plan([Change(TOOL_CONFIG, str(tmp_path / "uv.toml"), "user", "why", "system-certs", "true"),
                 Change(TOOL_CONFIG, str(tmp_path / "config.toml"), "user", "why", "certificates.lab.cert",
                        str(bundle))])
    assert refusals(plan) == []


# ------------------------------------------------------------------ the flow, with a scripted request

def _check(home, status):
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "HTTPS_PROXY": "http://bob:%s@proxy.corp:3128" % SECRET}
    f = tr.ToolFacts(os_store_trusts=True, env=env, bundle=str(home / "b.pem"))
    return tool_fix.ToolCheck("uv", resolved("uv"), Request(status, output="error: UnknownIssuer " + SECRET),
                              ("tls-interception",), f), env


def _run(home, check, env, after, **opts):
    out = io.StringIO()
    journal = Journal(str(home / "state"))
    res = tool_fix.run_tool_fix(
        [check], options=FixOptions(json=True, **opts), environ=env,
        verify_request=lambda c, e, d, w: Request(after(e)), deadline=__import__("time").monotonic() + 30,
        workdir=str(home), journal=journal, ctx=PlanContext(home=str(home), shell="bash"), out=out)
    return res, json.loads(out.getvalue()), journal


def test_flow_fixed_rolled_back_dry_run_and_no_secret_anywhere(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    uv_toml = home / ".config" / "uv" / "uv.toml"
    check, env = _check(home, RequestStatus.FAILED)
    ok_if_switched = lambda e: RequestStatus.OK if uv_toml.exists() else RequestStatus.FAILED  # noqa: E731

    res, data, _ = _run(home, check, env, ok_if_switched, dry_run=True)
    assert res.exit_code == 1 and data["status"] == "planned" and not uv_toml.exists()
    res, data, _ = _run(home, check, env, ok_if_switched)
    assert res.exit_code == 1 and data["status"] == "needs_yes" and not uv_toml.exists()

    res, data, journal = _run(home, check, env, lambda e: RequestStatus.FAILED, yes=True)
    assert res.exit_code == 3 and data["status"] == "rolled_back" and not uv_toml.exists()
    assert not (home / ".config" / "uv").exists()  # the directory it created went too

    uv_toml.parent.mkdir(parents=True)
    uv_toml.write_bytes(b"# mine\r\nnative-tls = false\r\n[pip]\r\nno-cache = true")
    before = uv_toml.read_bytes()
    res, data, journal = _run(home, check, env, ok_if_switched, yes=True)
    assert res.exit_code == 0 and data["verified"] is True, data
    assert uv_toml.read_bytes() == b"# mine\r\nnative-tls = false\r\nsystem-certs = true\r\n[pip]\r\nno-cache = true"
    assert journal.undo("last").ok and uv_toml.read_bytes() == before

    blob = json.dumps(data)
    for root, _, files in os.walk(home / "state"):
        for n in files:
            if "backup" not in root:
                blob += open(os.path.join(root, n), encoding="utf-8", errors="replace").read()
    assert SECRET not in blob


def test_flow_tool_ok_is_nothing_to_fix_and_deadline_is_could_not_tell(tmp_path):
    check, env = _check(tmp_path, RequestStatus.OK)
    res, data, _ = _run(tmp_path, check, env, lambda e: RequestStatus.OK, yes=True)
    assert res.exit_code == 0 and data["status"] == "nothing_to_fix" and not data["changed"]
    check, env = _check(tmp_path, RequestStatus.DEADLINE)
    res, data, _ = _run(tmp_path, check, env, lambda e: RequestStatus.OK, yes=True)
    assert res.exit_code == 3 and not data["changed"]


def test_flow_text_output_names_the_tool_the_plan_and_the_alternative(tmp_path):
    check, env = _check(tmp_path, RequestStatus.FAILED)
    out = io.StringIO()
    res = tool_fix.run_tool_fix(
        [check], options=FixOptions(dry_run=True), environ=env, verify_request=lambda *a: Request(RequestStatus.OK),
        deadline=__import__("time").monotonic() + 30, workdir=str(tmp_path), journal=Journal(str(tmp_path / "s")),
        ctx=PlanContext(home=str(tmp_path), shell="bash"), out=out)
    text = out.getvalue()
    assert res.exit_code == 1
    assert "uv 0.13.9: failed (tls-interception)" in text and "system-certs = true" in text
    assert "alternative (not applied)" in text and "UV_SYSTEM_CERTS" in text and SECRET not in text


def test_client_certificate_is_the_tools_own_switch_as_a_manual_step(tmp_path):
    r = resolved("poetry", "2.5.1", settings=[Setting("source.lab", "%s (priority primary)" % INDEX, "pyproject")])
    (step,) = tr.steps("client-cert-required", r, facts(tmp_path))
    assert step.kind is StepKind.MANUAL and "poetry config certificates.lab.client-cert" in step.explanation
    (step,) = tr.steps("client-cert-required", resolved("uv"), facts(tmp_path))
    assert "SSL_CLIENT_CERT" in step.explanation
