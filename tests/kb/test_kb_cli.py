"""tlsdoctor kb list / show / validate / verify."""

from __future__ import annotations

import json

from tlsdoctor import exitcodes
from tlsdoctor.cli import main
from tlsdoctor.kb import load_entries

SEED_ID = "pip/ssl-sslv3-alert-handshake-failure"


def test_list_json(capsys):
    assert main(["kb", "list", "--json"]) == exitcodes.OK
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(load_entries()) >= 25
    assert all(r["causes"] for r in rows)


def test_list_text(capsys):
    assert main(["kb", "list"]) == exitcodes.OK
    assert SEED_ID in capsys.readouterr().out


def test_show_json_is_the_full_entry(capsys):
    assert main(["kb", "show", SEED_ID, "--json"]) == exitcodes.OK
    shown = json.loads(capsys.readouterr().out)
    stored = next(e for e in load_entries() if e["id"] == SEED_ID)
    assert shown == {k: v for k, v in stored.items() if not k.startswith("_")}


def test_show_text_zh(capsys):
    assert main(["kb", "show", SEED_ID, "--lang", "zh"]) == exitcodes.OK
    assert "握手" in capsys.readouterr().out


def test_show_unknown_id_is_a_usage_error(capsys):
    assert main(["kb", "show", "pip/no-such-entry"]) == exitcodes.USAGE


def test_no_action_is_a_usage_error(capsys):
    assert main(["kb"]) == exitcodes.USAGE


def test_validate_passes(capsys):
    assert main(["kb", "validate"]) == exitcodes.OK
    assert "0 problem(s)" in capsys.readouterr().out


def _rec(tmp_path, scenario, client, outcome, causes, output):
    d = tmp_path / scenario
    d.mkdir(exist_ok=True)
    (d / (client + ".json")).write_text(json.dumps({
        "scenario": scenario, "causes": causes, "outcome": outcome, "output": output,
        "client": {"id": client, "pip": client.split("pip")[1], "python": "3.11.7"},
    }))


DH = ("Could not fetch URL https://localhost:1/simple/x/: There was a problem confirming the ssl certificate: "
      "[SSL: DH_KEY_TOO_SMALL] dh key too small (_ssl.c:1020) - skipping\n")


def test_verify_dry_run_over_recordings(tmp_path, capsys):
    _rec(tmp_path, "weak-dh", "py3.13-pip26.3", "fail", ["weak-dh-key"], DH)
    _rec(tmp_path, "healthy", "py3.13-pip26.3", "ok", [], "Successfully downloaded x\n")
    code = main(["kb", "verify", "--recordings", str(tmp_path), "--dry-run", "--json"])
    out = json.loads(capsys.readouterr().out)
    # Only complaints: the KB's other reproduced entries have no recording in this tiny set.
    assert code == exitcodes.PROBLEM
    assert out["problems"] and all("no recording matches" in p for p in out["problems"])
    # The specific entry, and pip's generic wrapper line that carried it (set
    # aside by explain, but its regex matched real output all the same).
    assert out["reproduced"] == ["pip/could-not-fetch-url-ssl", "pip/ssl-dh-key-too-small"]
    assert out["updated"] == []


def test_verify_reports_a_missed_cause_and_a_false_positive(tmp_path, capsys):
    _rec(tmp_path, "weak-dh", "py3.13-pip26.3", "fail", ["cipher-mismatch"], DH)  # wrong truth on purpose
    _rec(tmp_path, "healthy", "py3.13-pip26.3", "ok", [], DH)  # "succeeded" yet prints an error
    assert main(["kb", "verify", "--recordings", str(tmp_path), "--dry-run"]) == exitcodes.PROBLEM
    out = capsys.readouterr().out
    assert "not among candidates" in out and "pip succeeded but explain matched" in out


def test_verify_writes_evidence(tmp_path, monkeypatch, capsys):
    # Work on a copy of the KB so the real files stay untouched.
    entries = tmp_path / "entries"
    entries.mkdir()
    for e in load_entries():
        (entries / e["_file"]).write_text(json.dumps({k: v for k, v in e.items() if k != "_file"}))
    recs = tmp_path / "recs"
    recs.mkdir()
    _rec(recs, "weak-dh", "py3.13-pip26.3", "fail", ["weak-dh-key"], DH)
    monkeypatch.setattr("tlsdoctor.kb.entries_dir", lambda: entries)
    # Exit 1: the other reproduced entries lost their evidence in this tiny set.
    # --entries: the copy (an installed tlsdoctor, as in CI, refuses to write into its own files).
    assert main(["kb", "verify", "--recordings", str(recs), "--entries", str(entries)]) == exitcodes.PROBLEM
    assert "no recording matches it any more" in capsys.readouterr().out
    dh = json.loads((entries / "pip__ssl-dh-key-too-small.json").read_text())
    assert dh["verification_tier"] == "reproduced" and dh["evidence_count"] == 1
    assert dh["lab_evidence"] == [{"scenario": "weak-dh", "causes": ["weak-dh-key"],
                                   "pip_versions": ["26.3"], "clients": ["py3.13-pip26.3"]}]
    # An entry that was "reproduced" before but matches no recording now is downgraded.
    other = json.loads((entries / "pip__ssl-cert-verify-expired.json").read_text())
    assert other["verification_tier"] == "documented" and other["lab_evidence"] == []


def test_verify_without_recordings_cannot_complete(tmp_path, capsys):
    assert main(["kb", "verify", "--dry-run", "--recordings", str(tmp_path / "none")]) == exitcodes.INCOMPLETE
