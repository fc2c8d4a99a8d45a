"""Plans from remedies Steps, the safety gate over hostile plans, apply + verify + rollback."""

from __future__ import annotations

import json
import os
import socket
import ssl
import threading

import pytest

from tlsdoctor.fix import edits
from tlsdoctor.remedies import Scope, Step, StepKind
from tlsdoctor.fix.apply import apply
from tlsdoctor.fix.journal import Journal
from tlsdoctor.fix.plan import (CA_BUNDLE, PIP_CONFIG, SHELL, Change, Plan, PlanContext, build_plan, ca_candidates,
                                refusals)
from tlsdoctor.fix.trust import confirm, load_certificates

SECRET = "Pl4nted-S3cret"
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"


def snapshot(root):
    out = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            if "/.local/state/" in p:
                continue
            with open(p, "rb") as fh:
                out[p] = fh.read()
    return out


# ------------------------------------------------------------------ the safety gate

def hostile_changes(one_cert_bundle: str, home) -> list:
    conf = str(home / ".config" / "pip" / "pip.conf")
    rc = str(home / ".bashrc")
    return [
        Change(PIP_CONFIG, conf, "user", "x", "global.trusted-host", "pypi.org"),
        Change(PIP_CONFIG, conf, "user", "x", "install.trusted_host", "pypi.org"),
        Change(PIP_CONFIG, conf, "user", "x", "global.verify", "false"),
        Change(PIP_CONFIG, conf, "user", "x", "global.ssl-verify", "0"),
        Change(PIP_CONFIG, conf, "user", "x", "global.index-url", "http://mirror.example/simple"),
        Change(PIP_CONFIG, conf, "user", "x", "global.extra-index-url",
               "https://ok.example/simple HTTP://bad.example/simple"),
        Change(PIP_CONFIG, conf, "user", "x", "global.find-links", "http://files.example/"),
        Change(PIP_CONFIG, conf, "user", "x", "global.cert", one_cert_bundle),
        Change(PIP_CONFIG, conf, "user", "x", "global.cert", "no"),
        Change(PIP_CONFIG, conf, "user", "x", "global.cert", "/does/not/exist.pem"),
        Change(SHELL, rc, "user", "x", "PIP_TRUSTED_HOST", "pypi.org"),
        Change(SHELL, rc, "user", "x", "PYTHONHTTPSVERIFY", "0"),
        Change(SHELL, rc, "user", "x", "PIP_INDEX_URL", "http://mirror.example/simple"),
        Change(SHELL, rc, "user", "x", "REQUESTS_CA_BUNDLE", one_cert_bundle),
        Change(SHELL, rc, "user", "x", "SSL_CERT_FILE", one_cert_bundle),
        Change(SHELL, rc, "user", "x", "PIP_CERT", one_cert_bundle),
        Change(CA_BUNDLE, str(home / "b.pem"), "user", "x", content=b""),
        Change(PIP_CONFIG, "/etc/pip.conf", "system", "x", "global.timeout", "30"),
    ]


@pytest.fixture()
def one_cert_bundle(tmp_path, corp_ca):
    p = tmp_path / "only-corp.pem"
    p.write_bytes(corp_ca.cert_pem.bytes())
    return str(p)


def test_every_hostile_change_is_refused_and_nothing_is_written(home, one_cert_bundle):
    before = snapshot(str(home))
    for ch in hostile_changes(one_cert_bundle, home):
        plan = Plan(changes=[ch])
        assert refusals(plan), ch
        res = apply(plan, Journal(), verify=lambda: True)
        assert res.status == "refused", ch
    assert snapshot(str(home)) == before
    assert Journal().list_transactions() == []  # not even a journal entry


def test_hostile_steps_are_filtered_out_of_built_plans(home, one_cert_bundle):
    steps = [
        Step(StepKind.SET_CONFIG, "turn it off", Scope.USER, key="global.trusted-host", value="pypi.org",
             automatic=True),
        Step(StepKind.SET_ENV, "bundle", Scope.USER, key="REQUESTS_CA_BUNDLE", value=one_cert_bundle,
             automatic=True),
        Step(StepKind.SET_CONFIG, "legacy", Scope.USER, key="global.use-deprecated", value="legacy-certs",
             automatic=True, weakens_security=True),
    ]
    plan = build_plan(steps, PlanContext())
    assert plan.changes == []
    assert len(plan.refused) == 3 and any("--allow-weaker" in r for r in plan.refused)


def test_gate_negative_control_safe_changes_pass(home, public_roots):
    bundle, _ = public_roots
    conf = str(home / "pip.conf")
    ok = [
        Change(PIP_CONFIG, conf, "user", "x", "global.cert", str(bundle)),
        Change(PIP_CONFIG, conf, "user", "x", "global.index-url", "https://idx.example/simple"),
        Change(PIP_CONFIG, conf, "user", "x", "global.trusted-host", None),  # removing it is fine
        Change(SHELL, str(home / ".bashrc"), "user", "x", "REQUESTS_CA_BUNDLE", str(bundle)),
        Change(SHELL, str(home / ".bashrc"), "user", "x", "PIP_TRUSTED_HOST", None),
        Change(SHELL, str(home / ".bashrc"), "user", "x", "HTTPS_PROXY", "http://proxy.example:3128"),
    ]
    assert refusals(Plan(changes=ok)) == []


# ------------------------------------------------------------------ building plans from Steps

def test_steps_map_to_changes_manual_and_refused(home):
    (home / ".bashrc").write_bytes(b"export REQUESTS_CA_BUNDLE=/old/corp.pem\n")
    steps = [
        Step(StepKind.UNSET_ENV, "REQUESTS_CA_BUNDLE beats pip's cert", Scope.USER, key="REQUESTS_CA_BUNDLE",
             source="~/.bashrc:1", automatic=True),
        Step(StepKind.SET_CONFIG, "a longer timeout", Scope.USER, key="global.timeout", value="60", automatic=True),
        Step(StepKind.UNSET_ENV, "stale", Scope.USER, key="CURL_CA_BUNDLE", source="CI settings", automatic=True),
        Step(StepKind.MANUAL, "set the clock", Scope.SYSTEM),
        Step(StepKind.SET_CONFIG, "system", Scope.SYSTEM, file="/etc/pip.conf", key="global.timeout", value="1",
             automatic=True, needs_root=True),
        Step(StepKind.ADD_CA, "trust the proxy's CA", Scope.USER, ca_sha256="ab" * 32, automatic=True),
    ]
    plan = build_plan(steps, PlanContext())
    kinds = [(c.kind, os.path.basename(c.path), c.key) for c in plan.changes]
    assert kinds == [(SHELL, ".bashrc", "REQUESTS_CA_BUNDLE"), (PIP_CONFIG, "pip.conf", "global.timeout")]
    assert plan.changes[1].path == str(home / ".config" / "pip" / "pip.conf")
    assert any("CURL_CA_BUNDLE is not set in any start-up file" in m for m in plan.manual)
    assert "set the clock" in plan.manual
    assert any("--scope system" in m for m in plan.manual)
    assert any("not confirmed" in r for r in plan.refused)
    text = plan.render()
    assert text.startswith("1. [this user] ") and "\n2. [this user] " in text


def test_apply_then_undo_round_trip_and_second_fix_is_a_no_op(home):
    rc = home / ".bashrc"
    rc_old = b"# mine\r\nexport REQUESTS_CA_BUNDLE=/old/corp.pem\r\nalias x=y"
    rc.write_bytes(rc_old)
    conf = home / ".config" / "pip" / "pip.conf"
    steps = [
        Step(StepKind.UNSET_ENV, "stale bundle", Scope.USER, key="REQUESTS_CA_BUNDLE", automatic=True),
        Step(StepKind.SET_CONFIG, "timeout", Scope.USER, key="global.timeout", value="60", automatic=True),
    ]
    jr = Journal()
    res = apply(build_plan(steps), jr, verify=lambda: True)
    assert res.status == "verified" and res.verified
    assert b"# export REQUESTS_CA_BUNDLE=/old/corp.pem\r\n" in rc.read_bytes()
    assert conf.read_bytes() == b"[global]\ntimeout = 60\n"
    # second fix: nothing left to change
    again = build_plan(steps)
    assert apply(again, jr, verify=lambda: True).status == "nothing_to_do"
    u = jr.undo("last")
    assert u.status == "undone", u.message
    assert rc.read_bytes() == rc_old and not conf.exists()
    assert not (home / ".config" / "pip").exists()


def test_failed_verification_rolls_everything_back(home):
    (home / ".bashrc").write_bytes(b"export SSL_CERT_FILE=/gone.pem\n")
    before = snapshot(str(home))
    steps = [Step(StepKind.UNSET_ENV, "x", Scope.USER, key="SSL_CERT_FILE", automatic=True),
             Step(StepKind.SET_CONFIG, "t", Scope.USER, key="global.timeout", value="60", automatic=True)]
    jr = Journal()
    res = apply(build_plan(steps), jr, verify=lambda: (False, "pip still fails: certificate verify failed"))
    assert res.status == "rolled_back" and res.verified is False
    assert "certificate verify failed" in res.message
    assert snapshot(str(home)) == before
    assert jr.undo("last").status == "already_undone"
    # negative control: the same plan verified stays applied
    assert apply(build_plan(steps), jr, verify=lambda: True).status == "verified"
    assert snapshot(str(home)) != before


def test_edit_refused_mid_plan_leaves_nothing(home):
    conf = home / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_bytes(b"[global]\ntimeout = 5\n[global]\n")  # pip cannot read it: the edit refuses
    (home / ".bashrc").write_bytes(b"export SSL_CERT_FILE=/gone.pem\n")
    before = snapshot(str(home))
    steps = [Step(StepKind.UNSET_ENV, "x", Scope.USER, key="SSL_CERT_FILE", automatic=True),
             Step(StepKind.SET_CONFIG, "t", Scope.USER, key="global.timeout", value="60", automatic=True)]
    res = apply(build_plan(steps), Journal(), verify=lambda: True)
    assert res.status == "failed" and "pip cannot read" in res.message
    assert snapshot(str(home)) == before


# ------------------------------------------------------------------ adding a CA, verified for real

def _serve_once(ca, hostname="localhost"):
    """A real TLS server on loopback presenting a chain signed by ``ca``."""
    leaf = ca.issue_cert(hostname)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(ctx)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    stop = threading.Event()

    def loop():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            try:
                with ctx.wrap_socket(conn, server_side=True) as s:
                    s.recv(1)
            except (OSError, ssl.SSLError):
                pass

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return srv.getsockname()[1], stop, srv


def _handshake_with(cafile, port):
    ctx = ssl.create_default_context(cafile=cafile)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            with ctx.wrap_socket(s, server_hostname="localhost"):
                return True, ""
    except ssl.SSLError as exc:
        return False, str(exc)


def test_add_ca_builds_bundle_on_public_roots_and_verifies_for_real(home, public_roots, corp_ca):
    base, public = public_roots
    port, stop, srv = _serve_once(corp_ca)
    try:
        info = load_certificates(corp_ca.cert_pem.bytes())[0]
        assert confirm(info, trust_sha256=info.fingerprint).accepted
        ctx = PlanContext(confirmed_cas={info.sha256: info.der}, ca_subjects={info.sha256: info.subject_text},
                          base_bundle=str(base))
        plan = build_plan([Step(StepKind.ADD_CA, "trust the interception CA", Scope.USER, ca_sha256=info.sha256,
                                automatic=True)], ctx)
        assert [c.kind for c in plan.changes] == [CA_BUNDLE, "ca_bundle_sidecar", PIP_CONFIG]
        conf = ctx.user_config

        def verify():
            cert = edits.read_pip_value(open(conf, "rb").read(), "global.cert")
            return _handshake_with(cert, port)

        # negative control: before the fix, the public roots alone fail
        assert _handshake_with(str(base), port)[0] is False
        jr = Journal()
        res = apply(plan, jr, verify=verify)
        assert res.status == "verified", res.message
        bundle = open(ctx.bundle_path, "rb").read()
        assert len(edits.pem_certificates(bundle)) == 4  # never only the one CA
        assert bundle.startswith(base.read_bytes())
        assert edits.bundle_status(ctx.bundle_path)[0] == "fresh"
        side = json.load(open(edits.sidecar_path(ctx.bundle_path)))
        assert side["added"] == [{"sha256": info.sha256}]
        # a certifi upgrade makes it stale
        saved = base.read_bytes()
        base.write_bytes(saved + b"\n")
        try:
            assert edits.bundle_status(ctx.bundle_path)[0] == "stale"
        finally:
            base.write_bytes(saved)
        assert jr.undo("last").status == "undone"
        assert not os.path.exists(ctx.bundle_path) and not os.path.exists(conf)
    finally:
        stop.set()
        srv.close()


def test_wrong_fingerprint_changes_nothing(home, public_roots, corp_ca):
    base, _ = public_roots
    info = load_certificates(corp_ca.cert_pem.bytes())[0]
    wrong = "0" * 64
    d = confirm(info, trust_sha256=wrong)
    assert not d.accepted
    before = snapshot(str(home))
    ctx = PlanContext(confirmed_cas={}, base_bundle=str(base))
    plan = build_plan([Step(StepKind.ADD_CA, "trust", Scope.USER, ca_sha256=info.sha256, automatic=True)], ctx)
    assert plan.changes == [] and plan.refused
    assert apply(plan, Journal(), verify=lambda: True).status == "nothing_to_do"
    assert snapshot(str(home)) == before


def test_add_ca_refuses_a_base_with_one_certificate(home, one_cert_bundle, corp_ca):
    info = load_certificates(corp_ca.cert_pem.bytes())[0]
    ctx = PlanContext(confirmed_cas={info.sha256: info.der}, base_bundle=one_cert_bundle)
    plan = build_plan([Step(StepKind.ADD_CA, "trust", Scope.USER, ca_sha256=info.sha256, automatic=True)], ctx)
    assert plan.changes == [] and "break every other host" in plan.refused[0]


# ------------------------------------------------------------------ secrets

def test_planted_credentials_never_reach_plan_journal_or_output(home):
    proxy = "http://alice:%s@proxy.corp.example:3128" % SECRET
    index = "https://user:%s@idx.corp.example/%s/simple?token=%s" % (SECRET, TOKEN, SECRET)
    (home / ".bashrc").write_bytes(("export HTTPS_PROXY=https://bob:%s@old-proxy:3128\n" % SECRET).encode())
    steps = [
        Step(StepKind.SET_ENV, "use %s (scheme http)" % proxy, Scope.USER, key="HTTPS_PROXY", value=proxy,
             source="~/.bashrc:1", automatic=True),
        Step(StepKind.SET_CONFIG, "index %s" % index, Scope.USER, key="global.index-url", value=index,
             automatic=True),
    ]
    jr = Journal()
    plan = build_plan(steps)
    assert len(plan.changes) == 2
    res = apply(plan, jr, verify=lambda: (False, "pip said: 407 from %s" % proxy))
    outputs = [plan.render(), json.dumps(plan.to_json()), json.dumps(res.to_json()), res.message,
               json.dumps(jr.list_transactions())]
    for dirpath, _, files in os.walk(jr.directory):
        for f in files:
            if f == "transaction.json":
                outputs.append(open(os.path.join(dirpath, f)).read())
    for text in outputs:
        assert SECRET not in text and TOKEN not in text, text
    assert "proxy.corp.example" in plan.render()  # negative control: the rendering is not just empty


def test_pip_config_file_variable_is_checked_key_by_key(home, public_roots):
    bad = home / "bad.conf"
    bad.write_bytes(b"[global]\ntrusted-host = pypi.org\n")
    good = home / "good.conf"
    good.write_bytes(b"[global]\ncert = %s\n" % str(public_roots[0]).encode())
    rc = str(home / ".bashrc")
    assert refusals(Plan(changes=[Change(SHELL, rc, "user", "x", "PIP_CONFIG_FILE", str(bad))]))
    assert refusals(Plan(changes=[Change(SHELL, rc, "user", "x", "PIP_CONFIG_FILE", str(good))])) == []


def test_journal_details_keep_their_shape_and_lose_secrets(home):
    jr = Journal()
    tx = jr.begin("x", details={"plan": {"value": 'https://u:%s@h/"q"' % SECRET, "n": 3}})
    rec = jr.load(tx.id)
    assert rec["details"]["plan"]["n"] == 3 and SECRET not in json.dumps(rec)


def test_planner_reads_steps_by_value_not_by_class(home):
    """The rules stream's Step (another class, another enum) plans the same as the stand-in."""
    from types import SimpleNamespace

    foreign = SimpleNamespace(kind="set_config", explanation="t", scope="user", file=None, key="global.timeout",
                              value="60", source=None, needs_root=False, automatic=True, weakens_security=False,
                              ca_sha256=None, text=lambda: "t")
    ours = Step(StepKind.SET_CONFIG, "t", Scope.USER, key="global.timeout", value="60", automatic=True)
    assert build_plan([foreign]).changes == build_plan([ours]).changes != []


def _rules_like_steps(base, ca_file, sha=None, pointer="env"):
    """What the rules stream emits (remedies.add_ca_bundle + set_env/set_config to the bundle)."""
    bundle = "~/pip-ca-bundle.pem"
    steps = [Step(StepKind.ADD_CA, "public roots + the new CA", Scope.USER, argv=("cat", str(base), str(ca_file)),
                  file=bundle, value=str(ca_file), automatic=True, ca_sha256=sha)]
    if pointer == "env":
        steps.append(Step(StepKind.SET_ENV, "it beats --cert", Scope.USER, key="REQUESTS_CA_BUNDLE", value=bundle,
                          source="REQUESTS_CA_BUNDLE", automatic=True))
    elif pointer == "config":
        steps.append(Step(StepKind.SET_CONFIG, "", Scope.USER, argv=("pip", "config", "set", "global.cert", bundle),
                          key="global.cert", value=bundle, automatic=True))
    return steps


@pytest.mark.parametrize("pointer", ["env", "config", None])
def test_rules_shaped_add_ca_points_pip_at_the_tlsdoctor_bundle(home, public_roots, corp_ca, tmp_path, pointer):
    base, _ = public_roots
    ca_file = tmp_path / "presented-root.pem"
    ca_file.write_bytes(corp_ca.cert_pem.bytes())
    steps = _rules_like_steps(base, ca_file, pointer=pointer)
    [(_, info)] = [c for c in ca_candidates(steps)]
    assert confirm(info, ask=lambda _: info.sha256[:8]).accepted
    ctx = PlanContext(confirmed_cas={info.sha256: info.der})
    plan = build_plan(steps, ctx)
    assert plan.refused == [] and plan.changes[0].kind == CA_BUNDLE
    assert plan.changes[0].path == ctx.bundle_path == str(home / ".local" / "share" / "tlsdoctor" / "ca-bundle.pem")
    pointers = [c for c in plan.changes if c.value == ctx.bundle_path]
    assert len(pointers) == 1
    assert pointers[0].kind == {"env": SHELL, "config": PIP_CONFIG, None: PIP_CONFIG}[pointer]
    assert not any("pip-ca-bundle" in (c.value or "") for c in plan.changes)
    res = apply(plan, Journal(), verify=lambda: True)
    assert res.status == "verified"
    if pointer == "env":
        assert ("export REQUESTS_CA_BUNDLE='%s'" % ctx.bundle_path).encode() in (home / ".bashrc").read_bytes()


def test_unconfirmed_ca_drops_its_pointer_too(home, public_roots, corp_ca, tmp_path):
    base, _ = public_roots
    ca_file = tmp_path / "presented-root.pem"
    ca_file.write_bytes(corp_ca.cert_pem.bytes())
    plan = build_plan(_rules_like_steps(base, ca_file), PlanContext())
    assert plan.changes == []
    assert any("not confirmed" in r for r in plan.refused)
    assert any("its CA bundle was not built" in r for r in plan.refused)


def test_os_trust_store_steps_stay_manual(home):
    step = Step(StepKind.ADD_CA, "Debian/Ubuntu", Scope.SYSTEM, argv=("sudo", "update-ca-certificates"),
                file="/usr/local/share/ca-certificates/index-ca.crt", value="/tmp/ca.pem", needs_root=True,
                automatic=False, ca_sha256="ab" * 32)
    plan = build_plan([step], PlanContext(allow_system=True))
    assert plan.changes == [] and plan.manual == [step.text()]


def test_ca_candidates_filters_by_fingerprint_and_reports_missing_files(tmp_path, corp_ca, public_roots):
    both = tmp_path / "two.pem"
    both.write_bytes(corp_ca.cert_pem.bytes() + public_roots[1][0].cert_pem.bytes())
    info = load_certificates(corp_ca.cert_pem.bytes())[0]
    steps = [Step(StepKind.ADD_CA, "x", Scope.USER, value=str(both), ca_sha256=info.fingerprint, automatic=True),
             Step(StepKind.ADD_CA, "x", Scope.USER, value=str(tmp_path / "nope.pem"), automatic=True)]
    got = ca_candidates(steps)
    assert got[0][1].sha256 == info.sha256 and len(got) == 2
    assert "does not exist" in got[1][1]


def test_changes_only_touch_their_kind_of_file(home, monkeypatch):
    keys = home / ".ssh" / "authorized_keys"
    bad = [Change(SHELL, str(keys), "user", "x", "HTTPS_PROXY", "http://p:3128"),
           Change(PIP_CONFIG, str(home / ".gitconfig"), "user", "x", "global.timeout", "30")]
    for ch in bad:
        assert refusals(Plan(changes=[ch])), ch
    # negative control: the file PIP_CONFIG_FILE names may have any name
    named = home / "corp-pip.cfg"
    monkeypatch.setenv("PIP_CONFIG_FILE", str(named))
    assert refusals(Plan(changes=[Change(PIP_CONFIG, str(named), "user", "x", "global.timeout", "30")])) == []


def test_environment_after_applies_shell_changes_only(home):
    from tlsdoctor.fix.apply import environment_after

    plan = Plan(changes=[Change(SHELL, str(home / ".bashrc"), "user", "x", "REQUESTS_CA_BUNDLE", None),
                         Change(SHELL, str(home / ".bashrc"), "user", "x", "HTTPS_PROXY", "http://p:3128"),
                         Change(PIP_CONFIG, str(home / "pip.conf"), "user", "x", "global.timeout", "30")])
    env = environment_after(plan, {"REQUESTS_CA_BUNDLE": "/old", "HTTPS_PROXY": "https://p:3128", "A": "1"})
    assert env == {"HTTPS_PROXY": "http://p:3128", "A": "1"}


def test_set_env_with_tilde_is_written_absolute(home):
    step = Step(StepKind.SET_ENV, "x", Scope.USER, key="HTTPS_PROXY", value="~/not-a-url", automatic=True)
    [ch] = build_plan([step]).changes
    assert ch.value == str(home / "not-a-url")


def test_cert_pointing_at_a_directory_or_unreadable_path_is_refused_cleanly(home, tmp_path):
    conf = str(home / "pip.conf")
    d = tmp_path / "certs.d"
    d.mkdir()
    for target in (str(d), str(tmp_path / "missing.pem")):
        why = refusals(Plan(changes=[Change(PIP_CONFIG, conf, "user", "x", "global.cert", target)]))
        assert why and "not a readable CA bundle" in why[0]
