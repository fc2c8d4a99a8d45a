"""``check --lang zh`` prints every line a rule can produce in Chinese.

Every rule recording (``recordings/``: real probe measurements of every lab scenario in every
client) goes through the rules, and *each* diagnosis it yields — not only the first one the
report shows in full — is rendered by check's own renderer with ``--lang zh``, as text and as
Markdown. No line may keep an English sentence (``zh_detector``: three English words in a row
outside code spans, URLs, paths, options and values). Values are data and stay as measured in
both languages: the test marks each value the Chinese template inserts (``⟦…⟧``) and each string
the probe measured, so pip's and OpenSSL's English error text is not counted, while a template
or a fix explanation left in English is. Which messages were reached is checked against the
catalogue in ``test_zh_catalogue.py``, which covers the rest statically.
"""

from __future__ import annotations

import dataclasses
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from recorded_facts import facts_of, ids, recordings  # noqa: E402
from zh_support import english_lines, mark_values, msg_ids  # noqa: E402

from tlsdoctor import check, rules  # noqa: E402
from tlsdoctor.check import Report  # noqa: E402
from tlsdoctor.messages import M  # noqa: E402
from tlsdoctor.render import check as render  # noqa: E402
from tlsdoctor.render import zh  # noqa: E402

ALL = recordings()
FAILING = [r for r in ALL if r.expect == "fail"]


@pytest.fixture
def marked_values(monkeypatch):
    """Mark the values a Chinese template inserts as data (``⟦value⟧``): the one-word ones (a host, a path, a
    version, a cause id). A value with spaces is left unmarked: it passes only if the probe measured it (an
    error text, a certificate name: ``_measured``), so English prose that tlsdoctor itself passes as a value
    is caught."""
    mark_values(monkeypatch)


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _strings(k)
            yield from _strings(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _strings(v)


def _measured(report):
    """What the probe measured (errors, names, paths), as the renderer may print it (whole or cut)."""
    j = render.to_json(report)
    out = set()
    for key in ("facts", "hosts", "pip_config", "trust"):
        for s in _strings(j.get(key)):
            s = s.strip()
            if len(s) >= 8:
                out.update({s, s[:300], s[:219], s[:79]})
    out.update(step.command() for d in report.diagnoses for step in d.fix if step.command())
    return sorted(out, key=len, reverse=True)


def _report(facts, diagnoses, incomplete=()):
    status = "problem" if diagnoses else "incomplete" if incomplete else "ok"
    return Report(status=status, python=facts.executable, how="--python", facts=facts, diagnoses=tuple(diagnoses),
                  incomplete=list(incomplete), elapsed=0.5, deadline=10.0)


def _each_diagnosis_first(facts):
    """One report per diagnosis, that diagnosis first (shown in full), the others after it; with check's own
    lines about what it could not conclude (a rule that could not decide, a failure no rule recognises)."""
    out = rules.run(facts)
    ds = list(out.diagnoses)
    items = check._host_items(facts, tuple(ds), 10.0, out.undecided)
    for i, d in enumerate(ds):
        yield d, _report(facts, [d] + ds[:i] + ds[i + 1:], items)
    if not ds:
        yield None, _report(facts, [], items)


def reached_ids():
    seen = set()
    for rec in FAILING:
        for d in rules.run(facts_of(rec)).diagnoses:
            for x in (d.verdict,) + d.evidence + d.dead_ends + tuple(s.explanation for s in d.fix):
                msg_ids(x, seen)
    return seen


@pytest.mark.parametrize("rec", FAILING, ids=ids(FAILING))
def test_every_diagnosis_is_chinese(rec, marked_values):
    facts = facts_of(rec)
    for d, report in _each_diagnosis_first(facts):
        measured = _measured(report)
        for fmt in ("text", "markdown"):
            text = render.render(report, fmt=fmt, lang="zh")
            assert english_lines(text, measured) == [], (d and d.cause, fmt)


def test_the_english_render_is_caught(marked_values):
    # Negative control: the same detector over the English render of a diagnosis finds its sentences.
    rec = next(r for r in FAILING if r.first_cause == "untrusted-private-ca")
    d, report = next(_each_diagnosis_first(facts_of(rec)))
    left = english_lines(render.render(report, fmt="text", lang="en"), _measured(report))
    assert any("presents" in ln for ln, _ in left) and len(left) >= 5


def test_one_untranslated_message_is_caught(marked_values):
    # Negative control: one evidence line whose id has no Chinese stays English, and is found.
    rec = next(r for r in FAILING if r.first_cause == "cert-expired")
    d, report = next(_each_diagnosis_first(facts_of(rec)))
    stray = M("test.no_such_id", "the index %s answered with something unexpected", "pypi.org")
    report = dataclasses.replace(report, diagnoses=(dataclasses.replace(d, evidence=d.evidence + (stray,)),))
    left = english_lines(render.render(report, fmt="text", lang="zh"), _measured(report))
    assert [runs for _, runs in left] == [["answered with something unexpected"]]


def test_a_plain_string_in_a_rule_is_caught(marked_values):
    # Negative control: a fix step whose explanation is a bare str (no id) is found, in text and Markdown.
    from tlsdoctor import remedies

    rec = next(r for r in FAILING if r.first_cause == "cert-expired")
    d, report = next(_each_diagnosis_first(facts_of(rec)))
    step = remedies.manual("ask the operator to renew it soon")
    report = dataclasses.replace(report, diagnoses=(dataclasses.replace(d, fix=d.fix + (step,)),))
    for fmt in ("text", "markdown"):
        left = english_lines(render.render(report, fmt=fmt, lang="zh"), _measured(report))
        assert left and {r for _, runs in left for r in runs} == {"ask the operator to renew it soon"}, fmt


def test_values_are_inserted_unchanged():
    # A value that looks like prose, a path and a command stay byte for byte; only the template changes.
    err = "certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)"
    m = M("untrusted_private_ca.tls_proxy_verified", "TLS to the proxy, verified with %s: %s", "/etc/ssl/a b.pem", err)
    assert zh.tr(m) == "到代理的 TLS，用 /etc/ssl/a b.pem 验证：" + err
    days = M("cert_expired.certificate_expired_days", "%s's certificate expired %.0f days ago (%s)",
             "does not exist", 3.6, "Jan  1 00:00:00 2000 GMT")
    assert str(days) == "does not exist's certificate expired 4 days ago (Jan  1 00:00:00 2000 GMT)"
    assert zh.tr(days) == "does not exist 的证书已在 4 天前过期（Jan  1 00:00:00 2000 GMT）"


def test_json_stays_english():
    # --json is for programs: the same diagnosis, whatever --lang, keeps its English sentences.
    rec = next(r for r in FAILING if r.first_cause == "cert-expired")
    d, report = next(_each_diagnosis_first(facts_of(rec)))
    j = render.render(report, fmt="json", lang="zh")
    assert "expired" in j and not any("\u4e00" <= c <= "\u9fff" for c in j.split('"facts"')[0])


def test_the_replay_reaches_most_messages():
    # The recordings reach most of the catalogue; test_zh_catalogue holds every id to a translation.
    seen = reached_ids()
    assert len(seen) >= 120, len(seen)


def test_could_not_tell_is_chinese(marked_values):
    # A rule that could not decide (rules.Undecided) becomes check's "could not tell A / B apart" line.
    rec = next(r for r in FAILING if r.first_cause == "untrusted-private-ca")
    facts = facts_of(rec)
    h = facts.failing_hosts[0]
    why = M("rules.attempt_did_not", "the %s attempt (%s) did not finish: %s%s", "direct", "direct", "deadline", "")
    u = rules.Undecided("tls-interception", ("tls-interception", "untrusted-private-ca"), why, h.url)
    report = _report(facts, [], check._host_items(facts, (), 10.0, (u,)))
    for fmt in ("text", "markdown"):
        text = render.render(report, fmt=fmt, lang="zh")
        assert "：无法区分 tls-interception / untrusted-private-ca：⟦direct⟧ 测量（⟦direct⟧）没有完成" in text
        assert english_lines(text, _measured(report)) == [], fmt
    # control: the English report says the same in English, and is caught
    assert english_lines(render.render(report, fmt="text", lang="en"), _measured(report))


def _sample(spec):
    # A value of the kind the conversion takes, marked as data where it is printed.
    return {"d": 443, "i": 443, "f": 3.0, "g": 3.0, "r": "x"}.get(spec[-1], "v")


@pytest.fixture(scope="module")
def base_report():
    rec = next(r for r in FAILING if r.first_cause == "cert-expired")
    return next(_each_diagnosis_first(facts_of(rec)))


def test_every_message_renders_in_chinese(base_report, marked_values):
    # Every message of the catalogue (the replay above reaches most, not all), as an evidence line, a fix
    # step and a dead end through check's renderer: it formats with its values and leaves no English.
    import dataclasses as dc

    from tlsdoctor import remedies
    from test_zh_catalogue import CONVERSION, USED

    d, report = base_report
    bad = []
    for mid, (template, where) in sorted(USED.items()):
        values = [_sample(c) for c in CONVERSION.findall(template) if c != "%%"]
        m = M(mid, template, *values)
        one = dc.replace(d, evidence=(m,), fix=(remedies.manual(m),), dead_ends=(m,))
        text = render.render(dc.replace(report, diagnoses=(one,)), fmt="text", lang="zh")
        left = english_lines(text, _measured(report))
        if left:
            bad.append((where, mid, left))
    assert bad == []
