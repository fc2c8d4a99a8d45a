"""The Chinese catalogue covers every message a rule can emit, statically.

The replay (``test_zh_rules.py``) shows the lines the recordings reach; this file covers the rest
by reading the rule modules themselves: every ``M(id, template, ...)`` has a literal id and
template, a Chinese template in ``render/zh_messages.py`` taking the same values, and no sentence
in a rule is a bare string outside ``M`` (it would print in English under ``--lang zh``).
"""

from __future__ import annotations

import ast
import glob
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from zh_detector import english_runs  # noqa: E402

import tlsdoctor  # noqa: E402
from tlsdoctor import facts  # noqa: E402
from tlsdoctor.render import zh  # noqa: E402
from tlsdoctor.render.zh_messages import MESSAGES  # noqa: E402

SRC = os.path.dirname(os.path.abspath(tlsdoctor.__file__))
RULE_FILES = sorted(glob.glob(os.path.join(SRC, "rules", "*.py")))
# check.py's own lines about what it could not conclude (check.Incomplete) carry a rule's text too.
# check --tool's verdicts, the tools' warnings and the tool remedies' explanations (tests/tools/test_zh_tools.py
# renders them).
TOOL_FILES = [os.path.join(SRC, "tools", m + ".py") for m in (
    "judge", "checktool", "uv", "poetry", "requests_lib", "httpx_lib", "conda", "remedies")]
MESSAGE_FILES = RULE_FILES + [os.path.join(SRC, "check.py"), os.path.join(SRC, "fix", "command.py"),
                              os.path.join(SRC, "probe", "__init__.py"), os.path.join(SRC, "fix", "plan.py"),
                              os.path.join(SRC, "fix", "edits.py"), os.path.join(SRC, "fix", "journal.py"),
                              os.path.join(SRC, "fix", "cli.py"), os.path.join(SRC, "fix", "tool_fix.py")] + TOOL_FILES
# fix's conversation, its results, the CA confirmation and what comes next (tests/rules/test_zh_fixrun.py runs them).
MESSAGE_FILES += [os.path.join(SRC, "fix", m + ".py") for m in ("run", "apply", "trust", "whatnext")]
CONVERSION = re.compile(r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
SPECIAL = set(zh.PHRASE_IDS)  # another module's fixed phrase, said by its own table, not a template

# A sentence: two words or more, separated by a space (markers such as "certificate verify failed" are
# excluded by where they stand: comparisons and module constants, see _prose_outside_m).
PROSE = re.compile(r"[A-Za-z']{2,}\s+[A-Za-z'(]{2,}")


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "M":
            yield node


def used_messages():
    """{id: (English template, where)} over every rule module."""
    out = {}
    for path in MESSAGE_FILES:
        with open(path, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        for call in _calls(tree):
            where = "%s:%d" % (os.path.basename(path), call.lineno)
            assert len(call.args) >= 2 and all(isinstance(a, ast.Constant) for a in call.args[:2]), where
            mid, template = call.args[0].value, call.args[1].value
            assert out.get(mid, (template,))[0] == template, "%s: id %s reused for another template" % (where, mid)
            out[mid] = (template, where)
    return out


USED = used_messages()


def _n_values(template: str) -> int:
    return len([c for c in CONVERSION.findall(template) if c != "%%"])


def test_the_rules_use_messages():
    assert len(USED) > 300


def catalogue_problems(mid, template, messages=MESSAGES):
    """What is wrong with the Chinese of one message ([] when nothing is)."""
    if mid in SPECIAL:
        return []
    if mid not in messages:
        return ["no Chinese in render/zh_messages.py"]
    zh_template, out = messages[mid], []
    indices = sorted({int(i) for i in re.findall(r"\{(\d+)\}", zh_template)})
    if indices != list(range(_n_values(template))):
        out.append("takes values %s, the English %d" % (indices, _n_values(template)))
    words = re.search(r"[A-Za-z]{2,}", CONVERSION.sub(" ", template))  # (": %s" has nothing to translate)
    if words and not re.search(r"[\u4e00-\u9fff]", zh_template):
        out.append("not translated")
    out += ["English left: %s" % r for r in english_runs(re.sub(r"\{\d+\}", " ", zh_template))]
    return out


@pytest.mark.parametrize("mid", sorted(USED))
def test_every_message_has_chinese_with_the_same_values(mid):
    template, where = USED[mid]
    assert catalogue_problems(mid, template) == [], (where, mid, template, MESSAGES.get(mid))


def test_a_bad_entry_is_found():
    # Negative control: a missing entry, a lost value, an untranslated or half-translated template.
    t = "the proxy %s refuses %s"
    assert catalogue_problems("x.missing", t, {}) == ["no Chinese in render/zh_messages.py"]
    assert catalogue_problems("x.y", t, {"x.y": "代理 {0} 拒绝"}) == ["takes values [0], the English 2"]
    assert catalogue_problems("x.y", t, {"x.y": "the proxy {0} refuses {1}"})[0] == "not translated"
    assert catalogue_problems("x.y", t, {"x.y": "代理 {0} still refuses it {1}"}) == [
        "English left: still refuses it"]


def test_no_entry_is_unused():
    assert sorted(set(MESSAGES) - set(USED)) == []


def _docstrings(tree):
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            out.add(id(node.body[0].value))
    return out


def _not_shown(tree):
    """Strings that are never printed as a rule's text: M's own id and template, the text-matching
    markers (comparisons, module-level constant tables, ``.startswith``...), exceptions and argv."""
    out = _docstrings(tree)
    for node in ast.walk(tree):
        inside = []
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "M":
            inside = node.args[:2]
        elif isinstance(node, (ast.Compare, ast.Raise, ast.Subscript)):
            inside = [node]
        elif isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.lstrip("_").isupper()
                                                  for t in node.targets):
            inside = [node.value]
        elif isinstance(node, ast.Dict):
            inside = [k for k in node.keys if k is not None]  # lookup keys (the values are shown)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "RuleError":
            inside = [node]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "startswith", "endswith", "get", "join", "split", "replace", "find", "index"):
            inside = node.args
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "run" and node.args:
            inside = [node.args[0]]  # remedies.run(argv, ...): the command line itself
        for sub in inside:
            out.update(id(x) for x in ast.walk(sub))
    return out


def prose_outside_m(source: str):
    tree = ast.parse(source)
    skip = _not_shown(tree)
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in skip and PROSE.search(n.value)]


@pytest.mark.parametrize("path", RULE_FILES, ids=[os.path.basename(p) for p in RULE_FILES])
def test_no_sentence_outside_a_message(path):
    with open(path, encoding="utf-8") as fh:
        assert prose_outside_m(fh.read()) == []


def test_a_bare_sentence_is_found():
    # Negative control: the scan finds an English sentence written as a plain string in a rule.
    src = ('def diagnose(f, h):\n'
           '    if "timed out" in h.error:\n'
           '        return Diagnosis(verdict=M("x.y", "the server %s is down", h.host),\n'
           '                         evidence=("the proxy answered 403",))\n')
    assert prose_outside_m(src) == [(4, "the proxy answered 403")]


def _problem_phrases():
    """The phrases facts.Bundle.problem can return (its return statements' string templates)."""
    tree = ast.parse(open(facts.__file__, encoding="utf-8").read())
    fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "problem")
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            v = node.value.left if isinstance(node.value, ast.BinOp) else node.value
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                yield v.value.replace("%s", "x y")


def test_every_bundle_problem_is_chinese():
    from tlsdoctor.messages import M

    phrases = list(_problem_phrases())
    assert "does not exist" in phrases and len(phrases) >= 5
    for p in phrases:
        said = zh.tr(M(zh.FACT_PHRASE_ID, "%s", p))
        assert re.search(r"[\u4e00-\u9fff]", said) and english_runs(said) == [], (p, said)
    # control: a phrase facts.py does not have stays as it is
    assert zh.tr(M(zh.FACT_PHRASE_ID, "%s", "is made of cheese")) == "is made of cheese"


def test_the_public_root_list_is_described_in_chinese():
    from tlsdoctor import public_roots
    from tlsdoctor.messages import M

    said = zh.tr(M(zh.ROOT_LIST_ID, "%s", public_roots.load().describe()))
    assert "个根证书，生成于 " in said and english_runs(said) == [], said
    two = "certifi 2026.10.23 (vendored in pip 26.3); bundle (version unknown), 145 roots, generated 2026-11-29"
    assert zh.tr(M(zh.ROOT_LIST_ID, "%s", two)) == (
        "certifi 2026.10.23（内置于 pip 26.3）；bundle（版本未知），145 个根证书，生成于 2026-11-29")
    # control: a shape describe() does not make stays as it is
    assert zh.tr(M(zh.ROOT_LIST_ID, "%s", "a list of roots")) == "a list of roots"
