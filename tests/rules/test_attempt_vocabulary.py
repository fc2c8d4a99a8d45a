"""The probe's ATTEMPTS table and facts' HostAttempts are one vocabulary (read the probe with ``ast``)."""

from __future__ import annotations

import ast
import dataclasses
import os
import re

import pytest
from recorded_facts import facts_of, recordings

from tlsdoctor.facts import WIRE_KEYS, Attempt, ErrorKind, HostAttempts, Status

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.path.join(ROOT, "src", "tlsdoctor", "probe", "target.py")
# Until the probe's table lands (the probe stream adds it), the contract in the
# planning notes beside the worktree stands in for it.
PLAN = os.path.join(os.path.dirname(ROOT), "PLAN.md")


def _table_from(source: str):
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "ATTEMPTS" for t in node.targets):
            return ast.literal_eval(node.value)
    return None


def probe_table():
    """The rows of ``ATTEMPTS``: (name, wire key, what, phase, only_when_failed, ...)."""
    with open(TARGET, encoding="utf-8") as fh:
        table = _table_from(fh.read())
    if table is not None:
        return table
    if os.path.exists(PLAN):
        with open(PLAN, encoding="utf-8") as fh:
            m = re.search(r"^ATTEMPTS = \(.*?^\)", fh.read(), re.S | re.M)
        if m:
            return _table_from(m.group(0))
    pytest.skip("probe/target.py has no ATTEMPTS table yet (the probe stream adds it) and no PLAN.md stands in")


def test_host_attempts_has_one_field_per_probe_attempt():
    names = [row[0] for row in probe_table()]
    assert [f.name for f in dataclasses.fields(HostAttempts)] == names


def test_facts_read_the_probes_wire_keys():
    assert [(row[0], row[1]) for row in probe_table()] == list(WIRE_KEYS)


def test_the_table_parser_sees_a_missing_table():
    """Negative control: a probe without the table is not mistaken for an empty one."""
    assert _table_from("X = 1\n") is None
    assert _table_from('ATTEMPTS = (("tcp", "tcp", "TCP", 1, False),)\n')[0][0] == "tcp"


def test_every_recorded_wire_key_has_a_field():
    """No measurement in the real recordings is dropped on the way to the rules."""
    for rec in recordings():
        for h in facts_of(rec).hosts:
            for key, a in h.wire.items():
                if key.startswith("verify:"):
                    assert h.attempts.store(key[len("verify:"):]) is a
                else:
                    assert any(getattr(h.attempts, n) is a for n, _ in h.attempts.named()), (rec.id, key)


def test_statuses_and_error_kinds():
    bug = Attempt.from_json("tls", {"status": "bug", "error": "KeyError: 'x'"})
    assert (bug.ok, bug.failed, bug.ran, bug.error_kind) == (False, False, False, ErrorKind.BUG)
    assert bug.status == "bug" and "%s" % bug.status == "bug"
    timeout = Attempt.from_json("tls", {"status": "error", "timeout": True, "stage": "handshake"})
    assert timeout.failed and timeout.error_kind is ErrorKind.TIMEOUT
    said = Attempt.from_json("proxy", {"status": "error", "error_kind": "proxy"})
    assert said.error_kind is ErrorKind.PROXY
    old = Attempt.from_json("pip_request", {"status": "error", "error": "boom"})
    assert old.error_kind is ErrorKind.UNKNOWN  # a recording from before error_kind: not guessed
    ok = Attempt.from_json("tls", {"status": "ok"})
    assert ok.ok and ok.error_kind is None
    assert Attempt.from_json("tls", None).status is Status.ABSENT
    assert Attempt.from_json("tls", {"status": "from-the-future"}).status is Status.COULD_NOT_RUN


def test_the_report_legend_says_what_the_probe_measures():
    from tlsdoctor.facts import ATTEMPT_WHAT

    assert {row[0]: row[2] for row in probe_table()} == ATTEMPT_WHAT
