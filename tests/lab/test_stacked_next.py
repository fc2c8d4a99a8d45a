"""Explain says what comes next after a stacked scenario's first fault.

The two stacked scenarios hide a second fault behind the first, as in the
field. ``tlsdoctor kb verify --live`` applied each first fix with real pip
23.2.1 and wrote the edge it saw (pip then failed with another entry) into
the knowledge base. Here explain reads real pip's recorded output of the
*first* failure and must name that second entry as what people meet next,
on the lab's evidence (``basis: lab``), not on an editor's guess.
"""

from __future__ import annotations

import json
import os

import pytest

from tlsdoctor.explain import explain_text
from tlsdoctor.kb import get_entry
from tlsdoctor.lab import record
from tlsdoctor.render.explain import render

CLIENT = "py3.11-pip23.2.1"

# scenario -> (the entry of the first failure, the entry pip meets after its fix)
STACKED = {
    "proxy-https-scheme-private-ca": ("urllib3/proxy-appears-to-only-use-http",
                                      "pip/ssl-cert-verify-unable-to-get-local-issuer"),
    "proxy-407-interception": ("pip/proxy-tunnel-407", "pip/ssl-cert-verify-self-signed-in-chain"),
}


def _recorded_output(scenario: str) -> str:
    with open(os.path.join(record.RECORDINGS_DIR, scenario, CLIENT + ".json"), encoding="utf-8") as f:
        rec = json.load(f)
    assert rec["outcome"] == "fail"
    return rec["output"]


@pytest.mark.parametrize("scenario", sorted(STACKED))
def test_explain_of_the_first_failure_names_the_second_from_the_lab(scenario):
    first, second = STACKED[scenario]
    report = explain_text(_recorded_output(scenario))
    match = next((m for m in report["matches"] if m["id"] == first), None)
    assert match is not None, [m["id"] for m in report["matches"]]
    lab = [n for n in match["next"] if n["basis"] == "lab"]
    assert lab, match["next"]
    assert lab[0]["id"] == second
    assert scenario in lab[0]["scenarios"] and lab[0]["lab_runs"] >= 1
    # The step that led there is the first entry's own advice.
    assert lab[0]["after"] and all(isinstance(s, str) and s for s in lab[0]["after"])
    assert "After the usual fix, people next meet: " in render(report, "text")
    # The edge is stored both ways, with its provenance.
    edges = get_entry(second)["transition_graph"].get("lab_edges", [])
    assert any(e["relation"] == "preceded_by" and e["entry"] == first and e["scenario"] == scenario
               and e["client"] == CLIENT for e in edges), edges


@pytest.mark.parametrize("scenario, fix", [("proxy-https-scheme-private-ca", "http-proxy-scheme"),
                                           ("proxy-407-interception", "credentials")])
def test_the_first_fix_still_counts_as_working_for_the_first_entry(scenario, fix):
    # pip did not succeed after the first fix (the second fault was next),
    # but the first entry's own failure was gone: its workaround stays a
    # lab-measured success, and the edge says what came next.
    first, second = STACKED[scenario]
    items = [w for w in get_entry(first)["workarounds"] if fix in w.get("lab", [])]
    assert items, "no workaround of %s names %s" % (first, fix)
    for w in items:
        assert w["rate_basis"] == "lab" and w["success_rate"] == 1.0, w
    led = [e for e in get_entry(first)["transition_graph"].get("lab_edges", []) if e["applied"] == fix]
    assert [e["entry"] for e in led if e["relation"] == "leads_to"] == [second]


def test_an_entry_without_lab_edges_has_no_lab_next():
    # Negative control: a proxy that refuses by policy (403) was never seen
    # to lead anywhere in the lab; whatever explain says next is editorial.
    report = explain_text(_recorded_output("proxy-403"))
    assert report["matches"]
    for m in report["matches"]:
        if not get_entry(m["id"])["transition_graph"].get("lab_edges"):
            assert [n for n in m["next"] if n["basis"] == "lab"] == [], m["id"]
    assert not get_entry("pip/proxy-tunnel-403")["transition_graph"].get("lab_edges")
    assert "pip/proxy-tunnel-403" in [m["id"] for m in report["matches"]]
