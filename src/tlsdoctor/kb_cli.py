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
import sys
from pathlib import Path
from typing import Dict, List, Optional

from tlsdoctor import exitcodes


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="kb_command", metavar="ACTION")
    p = sub.add_parser("list", help="list the entries")
    p.add_argument("--json", action="store_true", help="print a JSON list (id, category, tier, causes, signature)")
    p = sub.add_parser("show", help="show one entry in full")
    p.add_argument("id", help="the entry id, e.g. pip/ssl-cert-verify-expired (see `tlsdoctor kb list`)")
    p.add_argument("--json", action="store_true", help="print the whole entry as stored (every field)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the text")
    sub.add_parser("validate", help="check every entry against the schema, its examples and regex safety")
    p = sub.add_parser("verify", help="re-check the entries against the lab's recordings of real pip")
    p.add_argument("--recordings", metavar="DIR", help="recordings directory (default: tlsdoctor.lab's)")
    p.add_argument("--dry-run", action="store_true", help="report only; do not update the entry files")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--live", action="store_true",
                   help="also run real pip in the lab with each dead end / workaround that names a lab fix or "
                        "dead end, and set its rate from those runs (needs the [lab] extra and the lab's venvs)")
    p.add_argument("--clients-per-scenario", type=int, default=1, metavar="N",
                   help="with --live: run each action with up to N of the clients that failed there (default 1)")


def run(args: argparse.Namespace) -> int:
    cmd = getattr(args, "kb_command", None)
    if cmd == "list":
        return _list(args.json)
    if cmd == "show":
        return _show(args.id, args.json, args.lang)
    if cmd == "validate":
        return _validate()
    if cmd == "verify":
        return _verify(args.recordings, args.dry_run, args.json, args.live, args.clients_per_scenario)
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
        # Evidence is "this entry's regex matched real pip output": wrappers
        # that explain set aside for a more specific entry count too.
        for mid in [m["id"] for m in report["matches"]] + report.get("also_matched", []):
            ev = evidence.setdefault(mid, {}).setdefault(rec["scenario"], {
                "scenario": rec["scenario"], "causes": list(rec.get("causes", [])), "pip_versions": [], "clients": []})
            pip = rec.get("client", {}).get("pip")
            cid = rec.get("client", {}).get("id")
            if pip and pip not in ev["pip_versions"]:
                ev["pip_versions"].append(pip)
            if cid and cid not in ev["clients"]:
                ev["clients"].append(cid)
            counts[mid] = counts.get(mid, 0) + 1
    return {"checked": checked, "evidence": evidence, "counts": counts, "problems": problems}


def live_rates(entries: List[dict], recordings: List[dict], per_scenario: int = 1, log=None) -> Dict[tuple, tuple]:
    """Run real pip in the lab with each action's named fix / dead end.

    For every entry with lab evidence, every dead end or workaround that names
    lab actions (``"lab": ["trusted-host"]``) is applied in each scenario the
    entry was reproduced in and that defines that action (a workaround that
    lists ``causes`` only in scenarios of those causes), with up to
    ``per_scenario`` of the clients whose output matched the entry there.
    Only clients whose lab venv already exists are used: this never installs
    anything.
    Returns {(entry id, "dead_ends"|"workarounds", index): (runs, successes)}.
    """
    import os

    from tlsdoctor.lab import clients, scenarios

    venvs = os.path.join(clients.cache_dir(), "venvs")

    def newest_first(cid: str):
        return [int(p) if p.isdigit() else 0 for p in cid.replace("py", "").replace("-pip", ".").split(".")]

    # scenario -> {(action name, client id): [targets]}; the clients are those
    # whose real output matched the entry there (its lab evidence).
    plan: Dict[str, Dict[tuple, List[tuple]]] = {}
    for e in entries:
        for ev in e.get("lab_evidence", []):
            cids = [c for c in sorted(ev["clients"], key=newest_first, reverse=True)
                    if os.path.isdir(os.path.join(venvs, c))][:per_scenario]
            for kind in ("dead_ends", "workarounds"):
                for k, item in enumerate(e[kind]):
                    if item.get("causes") and not (set(item["causes"]) & set(ev["causes"])):
                        continue
                    for name in item.get("lab", []):
                        for cid in cids:
                            plan.setdefault(ev["scenario"], {}).setdefault((name, cid), []).append((e["id"], kind, k))
    out: Dict[tuple, list] = {}
    for sc in sorted(plan):
        try:
            scenario = scenarios.get(sc)
            with scenario.start() as running:
                for (name, cid), targets in sorted(plan[sc].items()):
                    if name not in running.fixes and name not in running.dead_ends:
                        continue
                    client = clients.get(cid)
                    env = clients.client_environ(client, running.env_with(name))
                    argv = clients.pip_download_argv(client, os.path.join(running.workdir, "dl-%s-%s" % (name, cid)),
                                                     running.package)
                    code, _ = clients.run_pip(client, env, argv)
                    if log:
                        log("  %s + %s on %s: pip %s" % (sc, name, cid, "succeeded" if code == 0 else "failed"))
                    for t in targets:
                        r = out.setdefault(t, [0, 0])
                        r[0] += 1
                        r[1] += code == 0
        except Exception as exc:  # a scenario that cannot run here (e.g. no libfaketime)
            if log:
                log("  %s: cannot run: %s" % (sc, exc))
    return {k: (v[0], v[1]) for k, v in out.items()}


def _vkey(v: str):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))


def _verify(rec_dir: Optional[str], dry_run: bool, as_json: bool, live: bool = False, per_scenario: int = 1) -> int:
    from tlsdoctor.kb import clear_cache, entries_dir, entry_filename, load_entries, public

    directory = recordings_dir(rec_dir)
    recs = load_recordings(directory)
    if not recs:
        print("tlsdoctor kb verify: no lab recordings found (run `tlsdoctor lab record`)", file=sys.stderr)
        return exitcodes.INCOMPLETE
    result = verify(recs)
    today = datetime.date.today().isoformat()
    rates: Dict[tuple, tuple] = {}
    if live:
        try:
            import tlsdoctor.lab.scenarios  # noqa: F401 - needs the [lab] extra
        except ImportError as exc:
            print("tlsdoctor kb verify --live: %s" % exc, file=sys.stderr)
            return exitcodes.INCOMPLETE
        # Evidence first (as this run will write it), then the live runs.
        pending = []
        for entry in load_entries():
            ev = result["evidence"].get(entry["id"])
            pending.append(dict(entry, lab_evidence=sorted(ev.values(), key=lambda x: x["scenario"]) if ev else []))
        rates = live_rates(pending, recs, per_scenario, log=None if as_json else print)
    changed = []
    for entry in load_entries():
        eid = entry["id"]
        ev = result["evidence"].get(eid)
        new = json.loads(json.dumps(public(entry)))
        for kind, rate_key in (("dead_ends", "fail_rate"), ("workarounds", "success_rate")):
            for k, item in enumerate(new[kind]):
                if (eid, kind, k) not in rates:
                    continue
                runs, oks = rates[(eid, kind, k)]
                item[rate_key] = round((runs - oks) / runs if kind == "dead_ends" else oks / runs, 2)
                item["rate_basis"] = "lab"
                item["lab_runs"] = runs
                if kind == "dead_ends" and oks:
                    result["problems"].append("%s: dead end %r made pip succeed in %d of %d lab runs"
                                              % (eid, item["action"], oks, runs))
        new["fix_success_rate"] = max(w["success_rate"] for w in new["workarounds"])
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
