"""`check --lang zh` prints none of the renderer's own English: every recording, every line.

The English strings are collected from the renderer itself (the L10N "en" table and the string
literals of the functions that build the text), so a new English line added there without its
Chinese fails here. Data (paths, certificate names, pip's and OpenSSL's errors, commands) is not
the renderer's text and is not checked.
"""

from __future__ import annotations

import ast
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "rules"))

from recorded_facts import facts_of, ids, mutated, recordings  # noqa: E402

from tlsdoctor import rules  # noqa: E402
from tlsdoctor.check import Report  # noqa: E402
from tlsdoctor.render import check as render  # noqa: E402

ALL = recordings()
TEXT_FUNCTIONS = {"text", "_diagnosis_lines", "_index_lines", "_config_lines", "facts_checks", "_ssl_checks",
                  "_pip_checks", "_ca_env_checks", "_python_env_checks", "_proxy_loader_checks", "host_checks",
                  "host_lines", "no_index_check", "_unsafe_config"}
# Literals that are commands or names, printed as they are in both languages.
NOT_PROSE = ("python -m pip install --upgrade pip", "tlsdoctor kb show", "legacy-certs", "tlsdoctor check")


def _literals(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in TEXT_FUNCTIONS:
            for sub in ast.walk(node):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    yield sub.value
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CERTIFI_STALE" for t in node.targets):
            yield node.value.value


def english_phrases():
    with open(render.__file__, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    out = set()
    for s in list(_literals(tree)) + list(render.L10N["en"].values()):
        for cmd in NOT_PROSE:
            s = s.replace(cmd, "%s")
        for piece in re.split(r"%[-+ #0-9.]*[sdfr]|[()\[\]:;—←|=]", s):
            piece = piece.strip(" ,.")
            # prose: two English words or more (not names such as REQUESTS_CA_BUNDLE, TLS, index-url)
            if len([w for w in piece.split() if re.match(r"^[A-Za-z][a-z']+,?$", w)]) >= 2:
                out.add(piece)
    return sorted(out)


PHRASES = english_phrases()


def _report(facts):
    out = rules.run(facts)
    return Report(status="problem" if out.diagnoses else "ok", python=facts.executable, how="--python",
                  facts=facts, diagnoses=out.diagnoses, rule_errors=out.rule_errors, elapsed=0.5, deadline=10.0)


# The rules' own text (verdict, evidence, fix steps, dead ends) is translated by message id
# (tests/rules/test_zh_rules.py holds every line of it): no line is exempt here either, except a fix
# step's command line, which is printed as it is in every language.
COMMAND = re.compile(r"^    \$ ")


def _english_left(text):
    return [(p, ln) for ln in text.splitlines() if not COMMAND.match(ln) for p in PHRASES if p in ln]


def test_the_phrases_were_collected():
    # The collector itself: it must find the renderer's checklist and host phrases.
    assert "certificates, version" in PHRASES and "deadline" not in PHRASES
    assert "no server time to compare" in PHRASES and "pip's request failed" in PHRASES


@pytest.mark.parametrize("rec", ALL, ids=ids(ALL))
def test_zh_has_none_of_the_renderers_english(rec):
    text = render.render(_report(facts_of(rec)), fmt="text", lang="zh")
    assert _english_left(text) == []


def test_the_english_render_is_caught():
    # Negative control: the same check over the English render finds the phrases.
    text = render.render(_report(facts_of(ALL[0])), fmt="text", lang="en")
    assert len(_english_left(text)) > 10


def test_zh_keeps_the_data_and_the_command_name():
    rec = ALL[0]
    f = facts_of(rec)
    text = render.render(_report(f), fmt="text", lang="zh")
    assert f.executable in text and (f.pip_location or "") in text
    assert text.startswith("tlsdoctor check ")  # the command keeps its name


def test_zh_markdown_warnings_are_chinese():
    rec = next(r for r in ALL if r.scenario == "healthy-direct" and "pip19" in r.client)
    md = render.render(_report(facts_of(rec)), fmt="markdown", lang="zh")
    shown = md.partition("<details>")[0]
    assert md.startswith("### tlsdoctor check: ")
    assert "警告:" in shown and "certifi 证书包" in shown
    assert _english_left(shown) == []


def test_common_rule_evidence_is_chinese_too():
    rec = next(r for r in ALL if r.first_cause == "hostname-mismatch")
    zh_text = render.render(_report(facts_of(rec)), fmt="text", lang="zh")
    en_text = render.render(_report(facts_of(rec)), fmt="text", lang="en")
    assert "同一证书链不检查主机名时：验证通过" in zh_text and "pip 自己的请求（" in zh_text
    assert not re.search(r"[\u4e00-\u9fff]", en_text)  # control: English stays English
