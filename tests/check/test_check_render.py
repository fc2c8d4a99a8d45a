"""The documented JSON shape and the text checklist, rendered from real recorded measurements."""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules"))

from recorded_facts import facts_of, positives  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.check import Report  # noqa: E402
from tlsdoctor.render import check as render  # noqa: E402


def report_for(cause):
    rec = positives(cause)[0]
    f = facts_of(rec)
    out = rules.run(f)
    return Report(status="problem" if out.diagnoses else "ok", python=f.executable, how="--python", facts=f,
                  diagnoses=out.diagnoses, rule_errors=out.rule_errors, elapsed=0.5, deadline=10.0)


def test_json_has_the_documented_keys():
    data = json.loads(render.render(report_for("cert-expired"), fmt="json"))
    assert {"status", "exit_code", "verdict", "diagnoses", "facts", "pip_config", "trust", "hosts",
            "incomplete"} <= set(data)
    d = data["diagnoses"][0]
    assert {"cause", "verdict", "evidence", "fix", "dead_ends", "kb"} <= set(d)
    assert (data["status"], data["exit_code"], d["cause"]) == ("problem", 1, "cert-expired")
    ssl = data["facts"]["ssl"]
    assert ssl["highest_tls_version"] in ("TLSv1.2", "TLSv1.3") and data["facts"]["negotiated_tls_version"]


def test_text_puts_the_verdict_first_and_marks_the_checklist():
    text = render.render(report_for("proxy-forbidden"), fmt="text")
    lines = text.splitlines()
    assert lines[2].startswith("✗ PROBLEM: proxy-forbidden")
    assert "✓ Python" in text and "evidence:" in text and "fix:" in text


def test_markdown_is_pasteable():
    md = render.render(report_for("hostname-mismatch"), fmt="markdown")
    assert md.startswith("### tlsdoctor check: problem")
    assert md.count("```") % 2 == 0 and "<details>" in md


def test_zh_translates_the_headline():
    text = render.render(report_for("weak-dh-key"), fmt="text", lang="zh")
    assert "发现问题" in text and "证据" in text and "解决办法" in text


# ---------------------------------------------------------------- the JSON is the whole report

import ast  # noqa: E402
import dataclasses  # noqa: E402

import pytest  # noqa: E402
from recorded_facts import ids, mutated, recordings  # noqa: E402

from tlsdoctor.kb.validate import validate  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(ROOT, "docs", "check.schema.json"), encoding="utf-8") as _fh:
    SCHEMA = json.load(_fh)
ALL = recordings()


def report_of(f, **kw):
    out = rules.run(f)
    status = "problem" if out.diagnoses else "ok"
    return Report(**dict(dict(status=status, python=f.executable, how="--python", facts=f, diagnoses=out.diagnoses,
                              rule_errors=out.rule_errors, elapsed=0.5, deadline=10.0), **kw))


@pytest.mark.parametrize("rec", ALL, ids=ids(ALL))
def test_json_matches_the_documented_schema(rec):
    data = json.loads(render.render(report_of(facts_of(rec)), fmt="json"))
    assert validate(data, SCHEMA) == []


def test_the_schema_rejects_what_it_does_not_document():
    """Negative control: the validator and schema do reject a wrong report."""
    data = json.loads(render.render(report_for("cert-expired"), fmt="json"))
    data["diagnoses"][0]["fix"][0]["kind"] = "disable_verification"
    data["surprise"] = 1
    errors = validate(data, SCHEMA)
    assert any("surprise" in e for e in errors) and any("kind" in e for e in errors)


def test_every_marked_text_line_is_a_json_warning():
    """Each ! / ✗ line of the checklist is in ``warnings`` (text and JSON come from one list)."""
    for rec in ALL:
        r = report_of(facts_of(rec))
        text = render.render(r, fmt="text").splitlines()
        marked = [ln.strip()[2:] for ln in text if ln.strip()[:1] in (render.WARN, render.BAD)
                  and ln.startswith("  ") and not ln.startswith("    ")]
        marked += [ln.strip()[2:] for ln in text if ln.startswith("      " + render.WARN)]
        data = json.loads(render.render(r, fmt="json"))
        causes = {d["cause"] for d in data["diagnoses"]}  # "also possible" lines are diagnoses
        marked = [m for m in marked if m.split(" — ")[0] not in causes]
        warned = {w["message"] for w in data["warnings"]}
        assert set(marked) <= {render.redact(m) for m in warned}, rec.id


@pytest.fixture(autouse=True)
def _stand_in_public_root(monkeypatch):
    """As in tests/rules (conftest.py): the shipped root list plus the constructed stand-in root."""
    from recorded_facts import stand_in_roots

    from tlsdoctor import public_roots

    monkeypatch.setattr(public_roots, "load", lambda: stand_in_roots())


def _on_pypi(raw):
    raw["main"]["facts"]["targets"] = ["https://pypi.org/simple/"]


@pytest.mark.parametrize("change", [lambda raw: None, _on_pypi], ids=["private-name", "pypi.org"])
def test_a_ca_outside_the_public_list_is_a_warning_in_text_and_json(change):
    """pip works only through a CA certifi lacks and no public root list has (healthy-direct: pip's cert
    names the lab CA): said in the text and in --json's warnings, whatever the host is called."""
    rec = [r for r in ALL if r.scenario == "healthy-direct"][0]
    r = report_of(mutated(rec, change))
    assert r.status == "ok"
    assert "re-signed on this network or served by a private CA" in render.render(r, fmt="text")
    # (a pip 19 recording also warns that its vendored certifi is years old: tests/rough covers that)
    warnings = [w for w in json.loads(render.render(r, fmt="json"))["warnings"] if w["code"] != "certifi_stale"]
    assert [w["code"] for w in warnings] == ["resigned_on_this_network"]
    assert warnings[0]["host"] == r.facts.hosts[0].url


def test_no_re_signed_warning_when_the_chain_ends_at_a_public_root():
    """Negative control: the same measurements, the chain ending at the (stand-in) public root."""
    from recorded_facts import as_public_root

    rec = [r for r in ALL if r.scenario == "healthy-direct"][0]
    r = report_of(mutated(rec, as_public_root))
    assert "re-signed" not in render.render(r, fmt="text")
    assert [w for w in json.loads(render.render(r, fmt="json"))["warnings"] if w["code"] != "certifi_stale"] == []


def test_json_has_trust_records_pip_config_and_a_variants_legend():
    data = json.loads(render.render(report_for("ca-bundle-env-overrides-cert"),
                                    fmt="json"))
    t = data["trust"][0]
    assert (t["store"], t["effect"], t["source"]) == ("bundle", "replaces", "REQUESTS_CA_BUNDLE") and t["cert_ignored"]
    assert "index-url" in data["pip_config"] and data["pip_config"]["cert"]["source"]
    legend = data["variants_legend"]["variants"]
    assert set(data["hosts"][0]["variants"]) <= set(legend) and "plain_http" in legend


def test_fix_steps_in_json_keep_argv_and_explanation_apart():
    data = json.loads(render.render(report_for("ca-bundle-env-overrides-cert"), fmt="json"))
    step = data["diagnoses"][0]["fix"][0]
    assert (step["kind"], step["key"], step["scope"]) == ("unset_env", "REQUESTS_CA_BUNDLE", "user")
    assert "grep" in step["explanation"] and step["argv"] == []
    text = render.render(report_for("ca-bundle-env-overrides-cert"), fmt="text")
    assert "$ unset REQUESTS_CA_BUNDLE   (find where it is set" in text


@dataclasses.dataclass(frozen=True)
class _Incomplete:  # the shape check.Incomplete has (pipeline stream)
    kind: str
    detail: str
    candidates: tuple = ()

    def __str__(self):
        return self.detail


def test_incomplete_items_render_as_records_whether_objects_or_strings():
    f = facts_of([r for r in ALL if r.scenario == "intercepting-proxy"][0])
    items = [_Incomplete("undecided", "could not tell interception from a private CA",
                         ("tls-interception", "untrusted-private-ca")), "an older pipeline's plain text"]
    r = report_of(f, status="incomplete", diagnoses=(), incomplete=items)
    data = json.loads(render.render(r, fmt="json"))
    assert data["incomplete"] == [
        {"kind": "undecided", "detail": "could not tell interception from a private CA",
         "candidates": ["tls-interception", "untrusted-private-ca"]},
        {"kind": "unspecified", "detail": "an older pipeline's plain text", "candidates": []}]
    assert validate(data, SCHEMA) == []
    text = render.render(r, fmt="text")
    assert "could not tell interception from a private CA" in text and "an older pipeline's plain text" in text


def test_render_reads_facts_not_rule_internals():
    with open(render.__file__, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in imported if m and m.startswith("tlsdoctor.rules")}


def _bug_in(*suffixes):
    def change(raw):
        for k in list(raw["main"]["probes"]):
            if k.split(":", 1)[1] in suffixes:
                raw["main"]["probes"][k] = {"status": "bug", "error": "KeyError: 'chain'"}
    return change


def test_a_probe_bug_is_said_as_such_never_as_a_network_finding():
    rec = [r for r in ALL if r.scenario == "healthy-direct"][0]
    f = mutated(rec, _bug_in("pip_request", "verify:certifi", "tls"))
    r = report_of(f)
    text = render.render(r, fmt="text")
    assert "tlsdoctor could not run pip's request (a bug in its probe" in text
    assert "could not run these measurements (a bug in its probe" in text and "verify:certifi" in text
    assert not r.diagnoses  # the stdlib handshake verifies: no cause is invented from a bug
    data = json.loads(render.render(r, fmt="json"))
    assert {w["code"] for w in data["warnings"]} >= {"pip_request", "probe_bug"}
    assert data["hosts"][0]["probes"]["tls"]["error_kind"] == "bug"


def test_without_a_bug_no_bug_is_said():
    """Negative control: the same recording as measured."""
    rec = [r for r in ALL if r.scenario == "healthy-direct"][0]
    assert "bug" not in render.render(report_of(facts_of(rec)), fmt="text")
