"""The fix conversation: plan first, ask or require --yes, confirm the CA, apply, verify, JSON."""

from __future__ import annotations

import io
import json
import os

from tlsdoctor.remedies import Scope, Step, StepKind
from tlsdoctor.fix.journal import Journal
from tlsdoctor.fix.plan import PlanContext
from tlsdoctor.fix.run import FixOptions, run_fix
from tlsdoctor.fix.trust import load_certificates

SECRET = "Run-S3cret-xyz"


def _setup(home, public_roots, corp_ca):
    base, _ = public_roots
    ca_file = home / "presented.pem"
    ca_file.write_bytes(corp_ca.cert_pem.bytes())
    (home / ".bashrc").write_bytes(b"export REQUESTS_CA_BUNDLE=/stale/corp-only.pem\n"
                                   b"export HTTPS_PROXY=http://u:%s@proxy:3128\n" % SECRET.encode())
    steps = [
        Step(StepKind.ADD_CA, "public roots + the new CA", Scope.USER, argv=("cat", str(base), str(ca_file)),
             file="~/pip-ca-bundle.pem", value=str(ca_file), automatic=True),
        Step(StepKind.SET_ENV, "REQUESTS_CA_BUNDLE beats --cert", Scope.USER, key="REQUESTS_CA_BUNDLE",
             value="~/pip-ca-bundle.pem", source="~/.bashrc:1", automatic=True),
        Step(StepKind.MANUAL, "ask IT to publish the CA's fingerprint", Scope.USER),
    ]
    return steps, load_certificates(corp_ca.cert_pem.bytes())[0]


def _files(home):
    out = {}
    for d, _, fs in os.walk(home):
        if "/.local/state" in d:
            continue
        for f in fs:
            out[os.path.join(d, f)] = open(os.path.join(d, f), "rb").read()
    return out


def test_without_terminal_and_without_yes_nothing_changes(home, public_roots, corp_ca):
    steps, info = _setup(home, public_roots, corp_ca)
    before = _files(home)
    out = io.StringIO()
    o = run_fix(steps, options=FixOptions(trust_ca_sha256=info.sha256), interactive=False, out=out,
                verify=lambda: True)
    assert o.status == "needs_yes" and o.exit_code == 1
    assert "Re-run with --yes" in out.getvalue() and "1. [this user]" in out.getvalue()
    assert _files(home) == before


def test_dry_run_only_prints(home, public_roots, corp_ca):
    steps, info = _setup(home, public_roots, corp_ca)
    before = _files(home)
    o = run_fix(steps, options=FixOptions(dry_run=True, yes=True, trust_ca_sha256=info.sha256), out=io.StringIO(),
                verify=lambda: True)
    assert o.exit_code == 1 and o.status == "planned" and o.plan["changes"]
    assert _files(home) == before


def test_terminal_confirmation_then_yes_applies_and_verifies(home, public_roots, corp_ca):
    steps, info = _setup(home, public_roots, corp_ca)
    answers = iter([info.sha256[:8].upper(), "y"])
    prompts = []

    def ask(prompt):
        prompts.append(prompt)
        return next(answers)

    out = io.StringIO()
    o = run_fix(steps, options=FixOptions(), interactive=True, ask=ask, out=out, verify=lambda: True)
    assert o.status == "fixed" and o.exit_code == 0, out.getvalue()
    assert "first 8 hex digits" in prompts[0] and prompts[1].startswith("Apply 3 changes? [y/N]")
    text = out.getvalue()
    assert info.fingerprint in text and "CA:TRUE" in text
    assert text.index("SHA-256") < text.index("Plan (")  # the CA is shown before the plan
    assert SECRET not in text
    # a second fix on the fixed machine changes nothing
    again = run_fix(steps, options=FixOptions(yes=True, trust_ca_sha256=info.sha256, json=True),
                    out=io.StringIO(), verify=lambda: True)
    assert again.status == "nothing_to_fix"


def test_declined_changes_nothing(home, public_roots, corp_ca):
    steps, info = _setup(home, public_roots, corp_ca)
    before = _files(home)
    answers = iter([info.sha256[:8], "n"])
    o = run_fix(steps, options=FixOptions(), interactive=True, ask=lambda _: next(answers), out=io.StringIO())
    assert o.status == "declined" and o.exit_code == 1 and _files(home) == before


def test_yes_with_wrong_fingerprint_refuses_and_changes_nothing(home, public_roots, corp_ca):
    steps, info = _setup(home, public_roots, corp_ca)
    before = _files(home)
    out = io.StringIO()
    o = run_fix(steps, options=FixOptions(yes=True, json=True, trust_ca_sha256="00" * 32), out=out,
                verify=lambda: True)
    data = json.loads(out.getvalue())
    assert data["changed"] is False and data["ca"][0]["accepted"] is False
    assert o.exit_code == 1 and _files(home) == before
    assert any("not confirmed" in r for r in data["remaining"])


def test_yes_json_fleet_run_and_failed_verification(home, public_roots, corp_ca):
    steps, info = _setup(home, public_roots, corp_ca)
    before = _files(home)
    out = io.StringIO()
    o = run_fix(steps, options=FixOptions(yes=True, json=True, trust_ca_sha256=info.fingerprint), out=out,
                verify=lambda: (False, "still: certificate verify failed via http://u:%s@proxy:3128" % SECRET))
    line = out.getvalue()
    assert line.count("\n") == 1  # one JSON object, one line
    data = json.loads(line)
    assert o.exit_code == 3 and data["status"] == "rolled_back" and data["verified"] is False
    assert data["changed"] is False and data["transaction"] is None
    assert SECRET not in line and _files(home) == before
    # control: the same run with a passing verification is fixed, exit 0
    out = io.StringIO()
    o = run_fix(steps, options=FixOptions(yes=True, json=True, trust_ca_sha256=info.fingerprint), out=out,
                verify=lambda: True, journal=Journal())
    data = json.loads(out.getvalue())
    assert o.exit_code == 0 and data["changed"] is True and data["verified"] is True and data["transaction"]
    assert len(data["applied"]) == 3 and SECRET not in out.getvalue()


def test_healthy_machine_has_nothing_to_fix(home):
    o = run_fix([], options=FixOptions(yes=True), out=io.StringIO(), ctx=PlanContext())
    assert o.status == "nothing_to_fix" and o.exit_code == 0
