"""``tlsdoctor kb``: list, show, validate and verify the knowledge base.

``verify`` re-runs explain's matching over the lab's recordings of real pip
(``tlsdoctor/lab/recordings/<scenario>/<client>.json``): an entry whose regex
matched a recorded failure becomes ``verification_tier: reproduced`` with its
``lab_evidence`` (scenario, the recording's true causes, pip versions, client
ids), ``evidence_count`` and ``last_confirmed``. It also checks, for every
recording, that the recorded cause is among explain's candidates (failures)
and that nothing matches (successful runs). Problems make it exit 1.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional

from tlsdoctor import exitcodes


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="kb_command", metavar="ACTION")
    p = sub.add_parser("list", help="list the entries")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("show", help="show one entry in full")
    p.add_argument("id")
    p.add_argument("--json", action="store_true")
    p.add_argument("--lang", choices=("en", "zh"), default="en")
    sub.add_parser("validate", help="check every entry against the schema, its examples and regex safety")
    p = sub.add_parser("verify", help="re-check the entries against the lab's recordings of real pip")
    p.add_argument("--recordings", metavar="DIR", help="recordings directory (default: tlsdoctor.lab's)")
    p.add_argument("--dry-run", action="store_true", help="report only; do not update the entry files")
    p.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    cmd = getattr(args, "kb_command", None)
    if cmd == "list":
        return _list(args.json)
    if cmd == "show":
        return _show(args.id, args.json, args.lang)
    if cmd == "validate":
        return _validate()
    if cmd == "verify":
        return _verify(args.recordings, args.dry_run, args.json)
    print("usage: tlsdoctor kb {list,show,validate,verify} ...", file=sys.stderr)
    return exitcodes.USAGE


def _list(as_json: bool) -> int:
    from tlsdoctor.kb import load_entries

    rows = [{"id": e["id"], "category": e["category"], "specificity": e["specificity"],
             "verification_tier": e["verification_tier"], "causes": e["causes"],
             "signature": e["signature"]} for e in load_entries()]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            print("%-*s  %-10s  %s" % (width, r["id"], r["verification_tier"], ", ".join(r["causes"])))
        print("\n%d entries" % len(rows))
    return exitcodes.OK


def _show(entry_id: str, as_json: bool, lang: str) -> int:
    from tlsdoctor.kb import get_entry, public

    entry = get_entry(entry_id)
    if entry is None:
        print("tlsdoctor kb: no entry %r (see `tlsdoctor kb list`)" % entry_id, file=sys.stderr)
        return exitcodes.USAGE
    entry = public(entry)
    if as_json:
        print(json.dumps(entry, ensure_ascii=False, indent=2))
        return exitcodes.OK
    zh = lang == "zh"
    out = [entry["id"], "=" * len(entry["id"]), entry["signature_zh" if zh else "signature"], ""]
    out.append("regex: %s" % entry["regex"])
    out.append("category: %s / specificity %d / %s / confidence %.2f" % (
        entry["category"], entry["specificity"], entry["verification_tier"], entry["confidence"]))
    out.append("causes: %s" % ", ".join(entry["causes"]))
    out += ["", entry["root_cause_zh" if zh else "root_cause"], ""]
    out.append("dead ends:")
    for d in entry["dead_ends"]:
        out.append("  ✗ %s  (fail %.0f%%, %s)" % (d["action_zh" if zh else "action"], 100 * d["fail_rate"], d["rate_basis"]))
        out.append("    %s" % d["why_fails_zh" if zh else "why_fails"])
    out.append("workarounds:")
    for w, wz in zip(entry["workarounds"], entry["workarounds_zh"]):
        out.append("  ✓ %s  (works %.0f%%, %s)" % (wz if zh else w["action"], 100 * w["success_rate"], w["rate_basis"]))
        if not zh:
            out.append("    %s" % w["how"])
    if entry["lab_evidence"]:
        out.append("lab evidence:")
        for ev in entry["lab_evidence"]:
            out.append("  %s (%s): pip %s" % (ev["scenario"], ", ".join(ev["causes"]), ", ".join(ev["pip_versions"])))
    out.append("")
    out.append("last confirmed: %s; evidence: %d; updated: %s" % (entry["last_confirmed"], entry["evidence_count"], entry["last_updated"]))
    out.append("(all fields: tlsdoctor kb show %s --json)" % entry["id"])
    print("\n".join(out))
    return exitcodes.OK


def _validate() -> int:
    from tlsdoctor.kb import load_entries, validate_entries
    from tlsdoctor.kb.safety import structural_problems, worst_match_seconds

    entries = load_entries()
    errors = validate_entries(entries)
    for e in entries:
        for p in structural_problems(e["regex"]):
            errors.append("%s: regex %s" % (e["id"], p))
        if worst_match_seconds(e["regex"]) > 0.25:
            errors.append("%s: regex is slow on adversarial input" % e["id"])
    for err in errors:
        print(err)
    print("%d entries, %d problem(s)" % (len(entries), len(errors)))
    return exitcodes.PROBLEM if errors else exitcodes.OK


def recordings_dir(override: Optional[str] = None) -> Optional[Path]:
    if override:
        return Path(override)
    try:
        from importlib import resources

        path = Path(str(resources.files("tlsdoctor.lab").joinpath("recordings")))
    except (ImportError, ModuleNotFoundError, TypeError):
        return None
    return path if path.is_dir() else None


def load_recordings(directory: Optional[Path]) -> List[dict]:
    if directory is None:
        return []
    out = []
    for f in sorted(directory.glob("*/*.json")):
        rec = json.loads(f.read_text(encoding="utf-8"))
        rec["_path"] = str(f)
        out.append(rec)
    return out


def verify(recordings: List[dict]) -> dict:
    """Match every recording; collect evidence per entry and problems."""
    from tlsdoctor.explain import explain_text

    evidence: Dict[str, Dict[str, dict]] = {}
    counts: Dict[str, int] = {}
    problems: List[str] = []
    checked = 0
    for rec in recordings:
        checked += 1
        report = explain_text(rec.get("output", ""))
        name = "%s/%s" % (rec.get("scenario"), rec.get("client", {}).get("id"))
        if rec.get("outcome") == "ok":
            if report["matches"]:
                problems.append("%s: pip succeeded but explain matched %s" % (name, [m["id"] for m in report["matches"]]))
            continue
        truth = (rec.get("causes") or [None])[0]
        candidates = [c["id"] for c in report["candidate_causes"]]
        if not report["matches"]:
            problems.append("%s: pip failed but no entry matched" % name)
        elif truth and truth not in candidates:
            problems.append("%s: true cause %s not among candidates %s" % (name, truth, candidates))
        for m in report["matches"]:
            ev = evidence.setdefault(m["id"], {}).setdefault(rec["scenario"], {
                "scenario": rec["scenario"], "causes": list(rec.get("causes", [])), "pip_versions": [], "clients": []})
            pip = rec.get("client", {}).get("pip")
            cid = rec.get("client", {}).get("id")
            if pip and pip not in ev["pip_versions"]:
                ev["pip_versions"].append(pip)
            if cid and cid not in ev["clients"]:
                ev["clients"].append(cid)
            counts[m["id"]] = counts.get(m["id"], 0) + 1
    return {"checked": checked, "evidence": evidence, "counts": counts, "problems": problems}


def _vkey(v: str):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))


def _verify(rec_dir: Optional[str], dry_run: bool, as_json: bool) -> int:
    from tlsdoctor.kb import clear_cache, entries_dir, entry_filename, load_entries, public

    directory = recordings_dir(rec_dir)
    recs = load_recordings(directory)
    if not recs:
        print("tlsdoctor kb verify: no lab recordings found (run `tlsdoctor lab record`)", file=sys.stderr)
        return exitcodes.INCOMPLETE
    result = verify(recs)
    today = datetime.date.today().isoformat()
    changed = []
    for entry in load_entries():
        eid = entry["id"]
        ev = result["evidence"].get(eid)
        new = public(entry)
        if ev:
            items = sorted(ev.values(), key=lambda x: x["scenario"])
            for item in items:
                item["pip_versions"].sort(key=_vkey)
                item["clients"].sort()
            new["lab_evidence"] = items
            new["verification_tier"] = "reproduced"
            new["evidence_count"] = result["counts"][eid]
            new["last_confirmed"] = today
        elif entry["verification_tier"] == "reproduced":
            # Evidence vanished: say so instead of keeping a stale claim.
            new["verification_tier"] = "documented"
            new["lab_evidence"] = []
            new["evidence_count"] = 0
            result["problems"].append("%s: was reproduced, no recording matches it any more" % eid)
        if new != public(entry):
            new["last_updated"] = today
            changed.append(eid)
            if not dry_run:
                path = entries_dir() / entry_filename(eid)
                with open(path, "w", encoding="utf-8") as fh:
                    json.dump(new, fh, ensure_ascii=False, indent=2)
                    fh.write("\n")
    clear_cache()
    summary = {
        "recordings": result["checked"],
        "reproduced": sorted(result["evidence"]),
        "updated": changed if not dry_run else [],
        "would_update": changed if dry_run else [],
        "problems": result["problems"],
    }
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        print("%d recordings checked; %d entries reproduced in the lab" % (result["checked"], len(result["evidence"])))
        for eid in sorted(result["evidence"]):
            print("  %-50s %d match(es)" % (eid, result["counts"][eid]))
        print("%s %d entry file(s)" % ("would update" if dry_run else "updated", len(changed)))
        for p in result["problems"]:
            print("PROBLEM: " + p)
    return exitcodes.PROBLEM if result["problems"] else exitcodes.OK
