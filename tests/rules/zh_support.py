"""What the ``--lang zh`` tests share (``test_zh_*.py``): marking values as data, finding the English left in a
render, collecting message ids, and a throwaway HOME for the fix tests.

The detector itself is ``zh_detector`` (three English words in a row outside code spans, URLs, paths, options and
values); what each test counts as data (measured, quoted, a command) stays in the test.
"""

from __future__ import annotations

from zh_detector import english_runs

from tlsdoctor.messages import JOIN, Msg
from tlsdoctor.render import zh


def mark_values(monkeypatch):
    """Mark the one-word values a Chinese template inserts as data (``⟦value⟧``): a host, a path, a version, a
    cause id. A value with spaces is left unmarked, so English prose that tlsdoctor itself passes as a value is
    caught unless the test counts it as measured or quoted."""
    original = zh._value

    def mark(v, spec):
        text = original(v, spec)
        return text if isinstance(v, Msg) or " " in text else "⟦%s⟧" % text

    monkeypatch.setattr(zh, "_value", mark)


def english_lines(text, data=()):
    """``(line, runs)`` for each line of ``text`` that still has English once each string of ``data`` in it is
    masked (``⟦⟧``), in the order given: pass the longest first, so a short string does not cut a longer one."""
    left = []
    for ln in text.splitlines():
        for s in data:
            if s in ln:
                ln = ln.replace(s, "⟦⟧")
        runs = english_runs(ln)
        if runs:
            left.append((ln, runs))
    return left


def msg_ids(obj, seen):
    """Add to ``seen`` the id of the message ``obj`` and of every message among its arguments (not the joiner)."""
    if isinstance(obj, Msg):
        if obj.id != JOIN:
            seen.add(obj.id)
        for a in obj.args:
            msg_ids(a, seen)


def private_home(tmp_path, monkeypatch, bashrc, config=".config", unset=("XDG_CONFIG_HOME",)):
    """A throwaway HOME (``tmp_path/home``) with the folder ``config`` and ``~/.bashrc`` holding ``bashrc``, made
    HOME with ``SHELL=/bin/bash`` (the start-up file fix edits) and the variables ``unset`` removed."""
    h = tmp_path / "home"
    (h / config).mkdir(parents=True)
    (h / ".bashrc").write_text(bashrc)
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.setenv("SHELL", "/bin/bash")
    for name in unset:
        monkeypatch.delenv(name, raising=False)
    return h
