"""explain over every real pip output the lab recorded (all pip versions).

The truth of a recording is its scenario's cause list, set by how the lab
built the failure — never by its output. explain sees only the output, and
must (failures) count the first recorded cause among its candidates, or
(successful runs: negative controls) match nothing.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from tlsdoctor.explain import explain_text


def _recordings():
    try:
        root = Path(str(resources.files("tlsdoctor.lab").joinpath("recordings")))
    except (ImportError, ModuleNotFoundError):
        return []
    return sorted(root.glob("*/*.json")) if root.is_dir() else []


RECORDINGS = _recordings()
FAILS = [p for p in RECORDINGS if json.loads(p.read_text("utf-8"))["outcome"] == "fail"]
OKS = [p for p in RECORDINGS if p not in FAILS]


def _id(p: Path) -> str:
    return "%s/%s" % (p.parent.name, p.stem)


@pytest.mark.skipif(not FAILS, reason="no lab recordings of failures")
@pytest.mark.parametrize("path", FAILS, ids=[_id(p) for p in FAILS])
def test_true_cause_is_a_candidate(path):
    rec = json.loads(path.read_text("utf-8"))
    report = explain_text(rec["output"])
    assert report["matches"], "pip failed but explain found nothing"
    candidates = [c["id"] for c in report["candidate_causes"]]
    assert rec["causes"][0] in candidates
    # The JSON contract, on real data.
    for m in report["matches"]:
        assert isinstance(m["id"], str) and m["causes"]


@pytest.mark.skipif(not OKS, reason="no lab recordings of successful runs")
@pytest.mark.parametrize("path", OKS, ids=[_id(p) for p in OKS])
def test_successful_pip_run_matches_nothing(path):
    rec = json.loads(path.read_text("utf-8"))
    report = explain_text(rec["output"])
    assert report["matches"] == []


@pytest.mark.skipif(not FAILS, reason="no lab recordings")
def test_diagnosis_ignores_scenario_names_ports_and_paths():
    # Same failure text with the lab's fingerprints rewritten: same answer.
    for path in FAILS:
        rec = json.loads(path.read_text("utf-8"))
        disguised = (rec["output"].replace("tlsdoctor-lab-pkg", "requests").replace("localhost", "pypi.example.org")
                     .replace("127.0.0.1", "pypi.example.org").replace("tlsdoctor", "corp"))
        a = [m["id"] for m in explain_text(rec["output"])["matches"]]
        b = [m["id"] for m in explain_text(disguised)["matches"]]
        assert a == b, path
