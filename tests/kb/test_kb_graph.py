"""The transition graph is evidence: what real pip prints after a change.

``kb verify --live`` runs each scenario as it is, then with each fix and dead
end, explains every failing output and records ``before --(applied X)-->
after`` when pip fails with another entry than before (issue 10, "the
knowledge base learns from every fix"). Explain then says what people meet
next. Each success test has a negative control: a fix that makes pip succeed
and a dead end that leaves the same error add no edge.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys

import pytest

from tlsdoctor import kb_cli
from tlsdoctor.explain import explain_text
from tlsdoctor.kb import entries_dir, get_entry, graph, load_entries, validate_entries
from tlsdoctor.render.explain import render

CLIENT = "py3.11-pip23.2.1"


def _edge(rel="leads_to", other="pip/proxy-tunnel-407", scenario="s", client="c", applied="x"):
    return graph.edge(rel, other, applied, "fix", ["set HTTPS_PROXY"], None, scenario, {"id": client, "pip": "23.2.1"},
                      "2026-11-29")


# -- deciding and storing edges (no lab) -------------------------------------------


def test_what_was_applied_is_named_without_its_values():
    changes = graph.describe_change({"HTTPS_PROXY": "http://tlsdoctor:lab-password@127.0.0.1:1", "PIP_CERT": None})
    assert changes == ["set HTTPS_PROXY", "unset PIP_CERT"]
    assert "lab-password" not in json.dumps(changes)


def test_a_different_primary_entry_is_a_transition():
    assert graph.transition(["a/x", "a/wrapper"], ["b/y", "a/wrapper"]) == ("a/x", "b/y")


@pytest.mark.parametrize("before, after", [
    (["a/x"], ["a/x"]),                  # a dead end that changed nothing
    (["a/x", "b/y"], ["b/y", "a/x"]),    # the same failure, ranked differently
    (["a/x"], []),                       # pip succeeded (or nothing matched)
    ([], ["b/y"]),                       # no failure before: nothing to lead from
])
def test_no_transition_without_a_new_failure(before, after):
    assert graph.transition(before, after) is None


def test_apply_edges_keeps_hand_written_ids_and_replaces_what_it_remeasured():
    entry = {"transition_graph": {"leads_to": ["pip/proxy-tunnel-403"], "preceded_by": [],
                                  "frequently_confused_with": []}}
    other_run = _edge(scenario="elsewhere", other="pip/ssl-wrong-version-number")
    graph.apply_edges(entry, {("elsewhere", "c")}, [other_run])
    graph.apply_edges(entry, {("s", "c")}, [_edge()])
    g = entry["transition_graph"]
    assert g["leads_to"] == ["pip/proxy-tunnel-403", "pip/proxy-tunnel-407", "pip/ssl-wrong-version-number"]
    assert len(g["lab_edges"]) == 2
    # Re-measured, the edge is gone: its id goes, the hand-written one and
    # the other scenario's edge stay.
    graph.apply_edges(entry, {("s", "c")}, [])
    assert g["leads_to"] == ["pip/proxy-tunnel-403", "pip/ssl-wrong-version-number"]
    assert g["lab_edges"] == [other_run]


def test_next_after_puts_lab_edges_first_with_the_step():
    by_id = {e["id"]: e for e in load_entries()}
    entry = copy.deepcopy(by_id["pip/proxy-cannot-connect"])  # hand-written leads_to: 407, 403
    edge = _edge(other="pip/proxy-tunnel-403", applied="credentials")
    edge["step"] = "Give the proxy its credentials"
    graph.apply_edges(entry, {("s", "c")}, [edge])
    nxt = graph.next_after(entry, by_id)
    assert [n["id"] for n in nxt] == ["pip/proxy-tunnel-403", "pip/proxy-tunnel-407"]
    assert nxt[0]["basis"] == "lab" and nxt[0]["after"] == ["Give the proxy its credentials"]
    assert nxt[0]["scenarios"] == ["s"] and nxt[0]["lab_runs"] == 1
    assert nxt[1]["basis"] == "editorial" and nxt[1]["after"] == []


def test_validate_checks_lab_edges():
    entry = copy.deepcopy(get_entry("pip/proxy-cannot-connect"))
    graph.apply_edges(entry, {("s", "c")}, [_edge()])
    assert validate_entries([entry] + [e for e in load_entries() if e["id"] != entry["id"]]) == []
    # Negative controls: an unknown entry, a relation the schema does not know.
    bad = copy.deepcopy(entry)
    bad["transition_graph"]["lab_edges"][0]["entry"] = "pip/no-such-entry"
    errors = validate_entries([bad] + [e for e in load_entries() if e["id"] != entry["id"]])
    assert any("lab_edges names unknown entry pip/no-such-entry" in e for e in errors)
    bad["transition_graph"]["lab_edges"][0]["relation"] = "sideways"
    assert any("relation" in e for e in validate_entries([bad]))


# -- explain says what comes next --------------------------------------------------

PROXY_LINE = ("WARNING: Retrying (Retry(total=4)) after connection broken by 'ProxyError('Cannot connect to proxy.', "
              "NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: "
              "Failed to establish a new connection: [Errno 111] Connection refused'))': /simple/x/\n")


def test_explain_reports_next_per_match():
    report = explain_text(PROXY_LINE)
    m = next(m for m in report["matches"] if m["id"] == "pip/proxy-cannot-connect")
    assert [n["id"] for n in m["next"]][:2] != []
    assert {n["id"] for n in m["next"]} >= {"pip/proxy-tunnel-407"}
    assert "After the usual fix, people next meet: " in render(report, "text")
    assert '"next"' in render(report, "json")


def test_explain_says_nothing_next_without_leads_to():
    text = "ERROR: Could not find a suitable TLS CA certificate bundle, invalid path: /nowhere/ca.pem\n"
    report = explain_text(text)
    assert report["matches"]
    for m in report["matches"]:
        if not get_entry(m["id"])["transition_graph"]["leads_to"]:
            assert m["next"] == []
    if not any(m["next"] for m in report["matches"]):
        assert "people next meet" not in render(report, "text")


# -- real pip in the lab -----------------------------------------------------------


def _lab():
    pytest.importorskip("cryptography")
    from tlsdoctor.lab import clients, scenarios

    if not os.path.isdir(os.path.join(clients.cache_dir(), "venvs", CLIENT)):
        pytest.skip("lab client %s is not built" % CLIENT)
    return scenarios


def _scheme_then_untrusted_ca(b) -> None:
    # Two faults stacked, as on real machines: a plain-HTTP proxy written as
    # https:// (urllib3 >= 1.26 then speaks TLS to it) in front of an index
    # whose private CA the client does not trust. Correcting the scheme
    # uncovers the certificate failure (the issue's own example).
    b.https_index(b.server_ctx())
    port = b.proxy("tunnel")
    b.env["HTTPS_PROXY"] = "https://127.0.0.1:%d" % port
    b.fix("http-proxy-scheme", HTTPS_PROXY="http://127.0.0.1:%d" % port)
    b.trusted_host_is_no_help()


@pytest.mark.lab
def test_live_run_records_what_real_pip_prints_next():
    scenarios = _lab()
    sc = scenarios.Scenario("kbgraph-scheme-then-untrusted-ca", "test only", ("proxy-https-scheme",),
                            _scheme_then_untrusted_ca)
    entries = load_entries()
    measured = kb_cli.live(entries, only=kb_cli.LiveFilter([sc.name], [CLIENT]), today="2026-11-29",
                           lookup={sc.name: sc}.get)
    assert measured["ran"] == {(sc.name, CLIENT)}
    edges = [e for _, e in measured["edges"]]
    assert edges, "correcting the scheme should uncover the certificate failure"
    # Negative control: --trusted-host (a dead end here) leaves the same
    # failure and adds no edge; only the scheme fix does.
    assert {e["applied"] for e in edges} == {"http-proxy-scheme"}
    by_owner = dict(measured["edges"])
    src = next(o for o, e in measured["edges"] if e["relation"] == "leads_to")
    dst = by_owner[src]["entry"]
    assert src == "urllib3/proxy-appears-to-only-use-http"
    assert dst == "pip/ssl-cert-verify-unable-to-get-local-issuer"
    assert by_owner[dst]["relation"] == "preceded_by" and by_owner[dst]["entry"] == src
    e = by_owner[src]
    assert (e["scenario"], e["client"], e["pip"], e["rate_basis"], e["applied_kind"]) == (
        sc.name, CLIENT, "23.2.1", "lab", "fix")
    assert e["changes"] == ["set HTTPS_PROXY"] and e["date"] == "2026-11-29"
    # Written into the entries, they validate, and explain says what's next.
    result = {"evidence": {}, "counts": {}, "problems": []}
    new = [kb_cli._updated_entry(x, result, measured, "2026-11-29") for x in entries]
    assert validate_entries(new) == []
    before = next(x for x in new if x["id"] == src)
    assert dst in before["transition_graph"]["leads_to"]
    assert src in next(x for x in new if x["id"] == dst)["transition_graph"]["preceded_by"]
    by_id = {x["id"]: x for x in new}
    assert graph.next_after(before, by_id)[0]["id"] == dst


@pytest.mark.lab
def test_live_cli_adds_no_edge_for_a_fix_that_works_or_a_dead_end_that_changes_nothing(tmp_path):
    _lab()
    copy_dir = tmp_path / "entries"
    shutil.copytree(str(entries_dir()), str(copy_dir))
    own = {f.name: f.read_bytes() for f in entries_dir().glob("*.json")}
    proc = subprocess.run(
        [sys.executable, "-m", "tlsdoctor", "kb", "verify", "--live", "--scenario", "proxy-407",
         "--scenario", "env-bundle-overrides-cert", "--client", CLIENT, "--entries", str(copy_dir)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    out = proc.stdout
    # The runs happened: the credentials fix made pip succeed; PIP_CERT,
    # while REQUESTS_CA_BUNDLE wins, left pip failing the same way.
    assert "proxy-407 + credentials on %s: pip succeeded" % CLIENT in out
    assert "env-bundle-overrides-cert + pip-cert on %s: pip then failed with" % CLIENT in out
    assert "a different entry" not in out
    for f in copy_dir.glob("*.json"):
        g = json.loads(f.read_text(encoding="utf-8"))["transition_graph"]
        assert not [e for e in g.get("lab_edges", []) if e["scenario"] in ("proxy-407", "env-bundle-overrides-cert")]
    # --entries: the package's own entries were not touched.
    assert {f.name: f.read_bytes() for f in entries_dir().glob("*.json")} == own
