"""tlsdoctor kb list / show / validate / verify."""

from __future__ import annotations

import json
from pathlib import Path

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


# --- the other tools' recordings (lab/tool_recordings) ------------------------------------

def _tool_rec(directory, rel: str, **change) -> None:
    """Copy one real tool recording (``<scenario>/<tool>[.<variant>]``) into ``directory``."""
    from tlsdoctor.lab import tools

    src = Path(tools.TOOL_RECORDINGS_DIR) / (rel + ".json")
    rec = json.loads(src.read_text(encoding="utf-8"))
    rec.update(change)
    dest = directory / (rel + ".json")
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(rec))


def test_verify_reads_tool_recordings(tmp_path, capsys):
    pip, tool = tmp_path / "pip", tmp_path / "tools"
    pip.mkdir()
    _rec(pip, "weak-dh", "py3.13-pip26.3", "fail", ["weak-dh-key"], DH)
    _tool_rec(tool, "expired-cert/uv0.4.30")            # "invalid peer certificate: Expired"
    _tool_rec(tool, "healthy-direct/uv0.13.9")          # uv succeeded: nothing may match
    _tool_rec(tool, "tls10-only/uv0.13.9")              # "received fatal alert: ProtocolVersion"
    _tool_rec(tool, "healthy-direct/git")               # TLS fine, then a 404 from the simple index: no reason
    code = main(["kb", "verify", "--recordings", str(pip), "--tool-recordings", str(tool), "--dry-run", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == exitcodes.PROBLEM  # the KB's other reproduced entries have no recording in this tiny set
    assert "uv/invalid-peer-certificate-expired" in out["reproduced"]
    assert "uv/received-fatal-alert-protocol-version" in out["reproduced"]
    assert "uv/invalid-peer-certificate" not in out["reproduced"]  # negative control: UnknownIssuer is not Expired
    # a tool failure nothing matches is listed, not a problem; the successful run matched nothing
    assert out["unexplained"] == ["healthy-direct/git"]
    assert not [p for p in out["problems"] if "uv0" in p or "/git" in p]
    assert out["recordings"] == 5


def test_verify_flags_a_tool_success_that_matches(tmp_path, capsys):
    pip, tool = tmp_path / "pip", tmp_path / "tools"
    pip.mkdir()
    _rec(pip, "weak-dh", "py3.13-pip26.3", "fail", ["weak-dh-key"], DH)
    from tlsdoctor.lab import tools

    failed = json.loads((Path(tools.TOOL_RECORDINGS_DIR) / "untrusted-ca" / "uv0.13.9.json").read_text())
    _tool_rec(tool, "healthy-direct/uv0.13.9", output=failed["output"])  # "succeeded" yet prints UnknownIssuer
    main(["kb", "verify", "--recordings", str(pip), "--tool-recordings", str(tool), "--dry-run"])
    assert "healthy-direct/uv0.13.9: uv0.13.9 succeeded but explain matched" in capsys.readouterr().out


def test_verify_writes_tool_evidence(tmp_path, monkeypatch, capsys):
    entries = tmp_path / "entries"
    entries.mkdir()
    for e in load_entries():
        e = {k: v for k, v in e.items() if k != "_file"}
        if e["id"] == "uv/invalid-peer-certificate-expired":
            e.update(verification_tier="documented", lab_evidence=[], not_reproduced="placeholder")
        (entries / (e["id"].replace("/", "__") + ".json")).write_text(json.dumps(e))
    pip, tool = tmp_path / "pip", tmp_path / "tools"
    pip.mkdir()
    _rec(pip, "weak-dh", "py3.13-pip26.3", "fail", ["weak-dh-key"], DH)
    _tool_rec(tool, "expired-cert/uv0.4.30")
    _tool_rec(tool, "expired-cert/uv0.13.9")
    monkeypatch.setattr("tlsdoctor.kb.entries_dir", lambda: entries)
    main(["kb", "verify", "--recordings", str(pip), "--tool-recordings", str(tool), "--entries", str(entries)])
    capsys.readouterr()
    e = json.loads((entries / "uv__invalid-peer-certificate-expired.json").read_text())
    assert e["verification_tier"] == "reproduced" and e["evidence_count"] == 2 and "not_reproduced" not in e
    assert e["lab_evidence"] == [{"scenario": "expired-cert", "causes": ["cert-expired"], "pip_versions": [],
                                  "clients": ["uv0.13.9", "uv0.4.30"], "tools": ["uv 0.13.9", "uv 0.4.30"],
                                  "variants": ["plain"]}]
