"""``tlsdoctor undo --lang zh``: what undo says (nothing to undo, undone, already undone, refused because a
file changed since, an unknown id) is Chinese; paths, ids and the diff stay as they are; ``--json`` and
the English text are unchanged. Real journal, real files in a temporary directory."""

from __future__ import annotations

import argparse
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from zh_detector import english_runs  # noqa: E402

from tlsdoctor.fix import cli  # noqa: E402
from tlsdoctor.fix.journal import Journal  # noqa: E402


def _undo(state, lang, *argv):
    parser = argparse.ArgumentParser()
    cli.configure_undo(parser)
    out = io.StringIO()
    code = cli.run_undo(parser.parse_args(["--state-dir", str(state), "--lang", lang] + list(argv)), out)
    return code, out.getvalue()


def _session(tmp_path, lang):
    """Every kind of undo output, in order: (exit code, text)."""
    state, a, b = tmp_path / lang / "state", tmp_path / lang / "a.conf", tmp_path / lang / "b.conf"
    state.parent.mkdir()
    a.write_text("old\n")
    out = [_undo(state, lang), _undo(state, lang, "--list"), _undo(state, lang, "nope")]
    j = Journal(str(state))
    tx = j.begin("fix: test")
    tx.write(str(a), b"new\n")
    tx.write(str(b), b"created\n")
    tx.commit()
    out += [_undo(state, lang, "--list"), _undo(state, lang), _undo(state, lang)]
    tx = j.begin("fix: again")
    tx.write(str(a), b"new again\n")
    tx.commit()
    a.write_text("edited by the user\n")
    out += [_undo(state, lang), _undo(state, lang, "--json")]
    return out


def _english(text):
    left = []
    for ln in text.splitlines():
        if ln.startswith(("---", "+++", "@@", "-", "+", "{")) or "  applied  " in ln:
            continue  # the diff of the user's file, the JSON, and the journal's own list line (id, status, description)
        runs = english_runs(ln)
        if runs:
            left.append((ln, runs))
    return left


def test_undo_speaks_chinese(tmp_path):
    session = _session(tmp_path, "zh")
    text = "".join(t for _, t in session)
    assert [c for c, _ in session] == [0, 0, 2, 0, 0, 0, 1, 1]
    for words in ("还没有应用过任何修复", "tlsdoctor undo 出错：", "已撤销 ", "  已恢复 ", "  已删除 ", "已经撤销", "未撤销：1 个文件",
                  "在 tlsdoctor 修改之后又被修改过", "（由 tlsdoctor 创建）"):
        assert words in text, words
    assert _english(text) == [], _english(text)


def test_english_and_json_are_unchanged(tmp_path):
    # Control: the English session says what it always said (and is caught by the detector); --json is English
    # whatever --lang says.
    en, zh = _session(tmp_path, "en"), _session(tmp_path, "zh")
    text = "".join(t for _, t in en)
    for words in ("no fix has been applied (journal ", "tlsdoctor undo: no transaction nope in ", "  restored ",
                  "  removed  ", "(tlsdoctor had created it)", " (created)", "was already undone",
                  "not undone: 1 file(s) changed since tlsdoctor wrote them; nothing was restored. Re-run with --force",
                  ": changed since tlsdoctor changed it"):
        assert words in text, words
    assert len(_english(text)) >= 6
    strip = str(tmp_path)
    assert en[-1][1].replace(strip + "/en", "X") == zh[-1][1].replace(strip + "/zh", "X").replace(
        _tid(zh[-1][1]), _tid(en[-1][1]))


def _tid(json_text):
    import json

    return json.loads(json_text)["transaction"]
