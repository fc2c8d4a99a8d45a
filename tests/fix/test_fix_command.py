"""The ``fix`` front end's own decisions, without the network: which steps, which file, which CA."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tlsdoctor import remedies
from tlsdoctor.fix import command
from tlsdoctor.remedies import Scope, Step, StepKind

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")


def diag(cause, *fix, host="https://idx/simple/", evidence=("the evidence",)):
    return SimpleNamespace(cause=cause, fix=tuple(fix), host=host, evidence=evidence, verdict=cause)


def test_steps_of_every_diagnosis_deduplicated():
    a = remedies.set_env("PIP_CERT", "~/b.pem", "x", source="PIP_CERT")
    steps, notes = command.collect_steps([diag("tls-interception", a), diag("untrusted-private-ca", a)])
    assert steps == [a] and notes == []


def test_a_later_diagnosis_that_changes_the_same_setting_differently_is_left_out():
    first = remedies.unset_env("REQUESTS_CA_BUNDLE", "stale", source="REQUESTS_CA_BUNDLE")
    other = remedies.set_env("REQUESTS_CA_BUNDLE", "~/pip-ca-bundle.pem", "x")
    extra = remedies.run(("pip", "install", "-U", "pip"))
    steps, notes = command.collect_steps([diag("ca-bundle-env-overrides-cert", first),
                                          diag("outdated-ca-bundle", extra, other)])
    assert steps == [first]
    assert len(notes) == 1 and "outdated-ca-bundle" in notes[0] and "REQUESTS_CA_BUNDLE" in notes[0]


def test_control_the_same_key_in_the_same_way_is_not_a_conflict():
    one = remedies.unset_env("https_proxy", "x")
    two = remedies.unset_env("HTTPS_PROXY", "y")
    steps, notes = command.collect_steps([diag("a", one), diag("b", two)])
    assert steps == [one, two] and notes == []


def test_server_steps_become_a_message_for_the_administrators_with_evidence():
    steps, _ = command.collect_steps([diag("cert-expired", remedies.server("renew the certificate"),
                                           evidence=("notAfter 2020-01-01", "pip: certificate has expired"))])
    assert steps[0].kind == StepKind.SERVER
    assert steps[0].explanation.startswith("for the administrators of https://idx/simple/: renew the certificate")
    assert "notAfter 2020-01-01" in steps[0].explanation


def _facts(levels, pip_config_file=None, hosts=()):
    return SimpleNamespace(pip_config={"levels": levels, "pip_config_file": pip_config_file}, hosts=hosts,
                           certifi=SimpleNamespace(path="/certifi/cacert.pem"))


GLOBAL = {"level": "global", "files": [{"path": "/etc/xdg/pip/pip.conf", "exists": False, "values": {}},
                                       {"path": "/etc/pip.conf", "exists": True, "values": {"global.cert": "/x"}}]}
USER = {"level": "user", "files": [{"path": "/h/.pip/pip.conf", "exists": False, "values": {}},
                                   {"path": "/h/.config/pip/pip.conf", "exists": False, "values": {}}]}


def test_config_target_is_the_user_file_pip_reads_not_the_global_one():
    assert command.config_target(_facts([GLOBAL, USER, {"level": "site", "files": []}])) == \
        ("/h/.config/pip/pip.conf", "user")


def test_config_target_is_pip_config_file_when_it_exists():
    env = {"level": "env", "files": [{"path": "/w/pip.conf", "exists": True, "values": {}}]}
    assert command.config_target(_facts([GLOBAL, USER, env], "/w/pip.conf")) == ("/w/pip.conf", "user")


def test_config_target_is_a_site_file_that_sets_cert():
    site = {"level": "site", "files": [{"path": "/venv/pip.conf", "exists": True, "values": {"global.cert": "/c"}}]}
    assert command.config_target(_facts([GLOBAL, USER, site])) == ("/venv/pip.conf", "interpreter")


def test_no_config_target_when_pip_reads_no_file():
    assert command.config_target(_facts([], os.devnull)) is None


def test_a_set_naming_the_global_file_goes_to_the_user_file_and_an_unset_there_is_system():
    facts = _facts([GLOBAL, USER])
    target = command.config_target(facts)
    s = remedies.set_config(("pip",), "global.cert", "~/b.pem", file="/etc/pip.conf")
    u = remedies.unset_config(("pip",), "global.cert", file="/etc/pip.conf")
    placed = command.place_config_steps([s, u], facts, target)
    assert placed[0].file == "/h/.config/pip/pip.conf" and placed[0].scope == Scope.USER
    assert placed[1].scope == Scope.SYSTEM and placed[1].needs_root


def test_ca_file_resolves_the_add_ca_step_and_drops_get_the_ca(tmp_path):
    ca = tmp_path / "corp.pem"
    ca.write_text("x")
    steps = [remedies.manual("get the CA certificate (O=Corp) from IT, save it as index-ca.pem"),
             remedies.add_ca_bundle(("/certifi.pem",), "index-ca.pem", "~/pip-ca-bundle.pem", "why", "ab" * 32),
             remedies.manual("something else")]
    out = command.resolve_ca(steps, _facts([]), str(ca), str(tmp_path))
    assert [s.kind for s in out] == [StepKind.ADD_CA, StepKind.MANUAL]
    assert out[0].value == str(ca) and out[0].ca_sha256 is None  # the user's file, confirmed by its own fingerprint


def test_presented_ca_pem_is_written_to_the_private_dir(tmp_path):
    sha = "cd" * 32
    cert = SimpleNamespace(sha256=sha.upper(), pem="-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----")
    attempts = SimpleNamespace(__dataclass_fields__={"tls": None, "verify": None},
                               tls=SimpleNamespace(chain=(cert,)), verify={})
    facts = _facts([], hosts=(SimpleNamespace(attempts=attempts),))
    step = remedies.add_ca_bundle(("/certifi.pem",), "inspection-ca.pem", "~/b.pem", "why", sha)
    out = command.resolve_ca([step], facts, None, str(tmp_path))
    assert out[0].value.startswith(str(tmp_path)) and open(out[0].value).read().startswith("-----BEGIN")
    # control: no PEM in the facts (the probe before rules2) -> the step is left as the rules wrote it
    assert command.resolve_ca([step], _facts([]), None, str(tmp_path)) == [step]


def _run(*args, env=None):
    e = dict(os.environ, PYTHONPATH=SRC)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "tlsdoctor"] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60, env=e)


def test_fix_and_undo_are_registered():
    for name in ("fix", "undo"):
        p = _run(name, "--help")
        assert p.returncode == 0, p.stderr
    text = " ".join(_run("fix", "--help").stdout.decode().split())
    assert "--trust-ca-sha256" in text and "(default: 20)" in text


def test_missing_ca_file_is_a_usage_error_with_json(tmp_path):
    p = _run("fix", "--json", "--ca-file", str(tmp_path / "nope.pem"))
    assert p.returncode == 2 and json.loads(p.stdout)["status"] == "usage"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="as root --scope system is allowed")
def test_scope_system_needs_root():
    p = _run("fix", "--scope", "system")
    assert p.returncode == 2 and b"root" in p.stderr


def test_undo_with_an_empty_journal(tmp_path):
    p = _run("undo", "--json", env={"XDG_STATE_HOME": str(tmp_path)})
    assert p.returncode == 0, p.stdout + p.stderr


def test_a_masked_value_gets_the_real_credentials_back_or_becomes_manual():
    step = remedies.set_env("HTTPS_PROXY", "http://***@127.0.0.1:3128", source="HTTPS_PROXY")
    env = {"HTTPS_PROXY": "https://user:S3cret@127.0.0.1:3128"}
    assert command.unmask_steps([step], env)[0].value == "http://user:S3cret@127.0.0.1:3128"
    # control: the variable now says something else -> never guessed, never the mask written
    other = command.unmask_steps([step], {"HTTPS_PROXY": "https://user:S3cret@10.0.0.1:8080"})[0]
    assert other.kind == StepKind.MANUAL and not other.automatic


def test_the_gate_refuses_to_write_a_mask(home):
    from tlsdoctor.fix.plan import PlanContext, build_plan

    (home / ".bashrc").write_text("export HTTPS_PROXY=https://u:p@h:1\n")
    step = remedies.set_env("HTTPS_PROXY", "http://***@h:1", source="HTTPS_PROXY")
    plan = build_plan([step], PlanContext())
    assert plan.changes == [] and any("mask" in r for r in plan.refused)
