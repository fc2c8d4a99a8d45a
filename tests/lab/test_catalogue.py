"""The scenario catalogue: complete, well-formed, and listed as documented."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tlsdoctor.causes import CAUSES
from tlsdoctor.lab import clients, scenarios


def test_every_cause_id_has_a_scenario():
    shown = {c for s in scenarios.all() for c in s.causes}
    assert set(CAUSES) - shown == set()


def test_causes_are_known_ids_and_names_unique():
    names = [s.name for s in scenarios.all()]
    assert len(names) == len(set(names))
    for s in scenarios.all():
        assert set(s.causes) <= set(CAUSES), s.name
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s.name)


def test_healthy_controls_exist_and_succeed_everywhere():
    healthy = [s for s in scenarios.all() if not s.causes]
    assert {s.name for s in healthy} >= {"healthy-direct", "healthy-proxy"}
    fake = clients.Client("py3.11-pip23.2.1", sys.executable, "3.11.7", "23.2.1")
    assert all(s.expect(fake) == "ok" for s in healthy)


def test_failing_scenarios_carry_evidence_patterns_that_compile():
    for s in scenarios.all():
        if s.causes:
            assert s.evidence, s.name
            re.compile(s.evidence)


def test_lab_list_json_contract():
    out = subprocess.run(
        [sys.executable, "-m", "tlsdoctor", "lab", "list", "--json"], stdout=subprocess.PIPE, check=True
    ).stdout
    items = json.loads(out)
    assert [i["name"] for i in items] == [s.name for s in scenarios.all()]
    for i in items:
        assert isinstance(i["description"], str) and i["description"]
        assert isinstance(i["causes"], list)


def test_lab_list_text_names_every_scenario():
    out = subprocess.run(
        [sys.executable, "-m", "tlsdoctor", "lab", "list"], stdout=subprocess.PIPE, check=True, text=True
    ).stdout
    for s in scenarios.all():
        assert s.name in out


@pytest.mark.parametrize("argv,code", [(["lab", "reproduce", "no-such-scenario"], 2), (["lab"], 2)])
def test_lab_usage_errors_exit_2(argv, code):
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor"] + argv, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == code
    assert "Traceback" not in proc.stderr
