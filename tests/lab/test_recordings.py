"""The recorded real pip outputs: complete, with provenance, and consistent.

Each recording is what a real pip printed in a lab scenario. These tests hold
the scenarios' mechanism-based expectations to what pip actually did, and the
recordings to what the issue asks to be recorded.
"""

from __future__ import annotations

import glob
import json
import os
import re

import pytest

from tlsdoctor.lab import clients, record, scenarios

FILES = sorted(glob.glob(os.path.join(record.RECORDINGS_DIR, "*", "*.json")))
REQUIRED_PIPS = ["19.2.3", "21.1.3", "22.0.4", "23.2.1", "24.2", "25.", "26."]


def _load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_recordings_exist_for_every_scenario_and_client():
    have = {(r["scenario"], r["client"]["id"]) for r in map(_load, FILES) if r.get("fetch", "index") == "index"}
    for sc in scenarios.all():
        for cid in clients.default_clients():
            if sc.expect(clients.spec(cid)) is not None:
                assert (sc.name, cid) in have, "no recording for %s with %s" % (sc.name, cid)


def test_required_pip_versions_are_recorded():
    pips = {r["client"]["pip"] for r in map(_load, FILES)}
    for want in REQUIRED_PIPS:
        assert any(p == want or (want.endswith(".") and p.startswith(want)) for p in pips), want


@pytest.mark.parametrize("path", FILES, ids=[os.path.relpath(f, record.RECORDINGS_DIR) for f in FILES])
def test_recording(path):
    r = _load(path)
    for key in ("scenario", "causes", "client", "recorded_on", "tlsdoctor", "argv", "exit_code", "outcome", "output",
                "fetch"):
        assert key in r, key
    for key in ("id", "python", "pip", "openssl"):
        assert r["client"][key], key
    sc = scenarios.get(r["scenario"])
    assert r["causes"] == list(sc.causes)
    client = clients.Client(r["client"]["id"], "", r["client"]["python"], r["client"]["pip"])
    # The scenario's expectation, derived from the mechanism, agrees with real pip.
    assert r["outcome"] == sc.expect(client), r["output"][-2000:]
    if r["outcome"] == "fail":
        assert re.search(sc.evidence, r["output"]), r["output"][-2000:]
    else:
        assert r["exit_code"] == 0
