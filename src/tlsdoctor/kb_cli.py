"""``tlsdoctor kb``: list, show, validate and verify the knowledge base.

``verify`` re-runs explain's matching over the lab's recordings of real pip
(``tlsdoctor/lab/recordings/<scenario>/<client>.json``) and of the other tools
(``tlsdoctor/lab/tool_recordings/<scenario>/<tool>[.<variant>].json``: uv,
Poetry, requests, httpx, Python's urllib, and this machine's curl, git and
npm): an entry whose regex matched a recorded failure
becomes ``verification_tier: reproduced`` with its ``lab_evidence`` (scenario,
the recording's true causes, pip versions or tool versions and variants, client
or tool ids), ``evidence_count`` and ``last_confirmed``. A tool's output is
explained exactly as a pasted one (the same matcher, clues and ranking). It
also checks, for every recording, that the recorded cause is among explain's
candidates (pip's failures; for another tool a different first candidate is
listed, not a problem, since the scenario's cause says why pip fails) and that
nothing matches (successful runs, pip's and the tools').
Problems make it exit 1. A tool failure no entry matches is listed as
unexplained, not a problem: some tool texts sit on lines explain's prefilter
does not read yet (uv's ``received fatal alert: …``, Poetry 2's ``All attempts
to connect to HOST:PORT failed.``).

``verify --live`` also runs real pip in the lab: each entry's named fixes and
dead ends measure their rates, and every fix and dead end of each scenario,
after a run with no change, measures the transition graph (what pip prints
*next*: :mod:`tlsdoctor.kb.graph`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence

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
    p = sub.add_parser("verify", help="re-check the entries against the lab's recordings of real pip and the other tools")
    p.add_argument("--recordings", metavar="DIR", help="recordings directory (default: tlsdoctor.lab's)")
    p.add_argument("--tool-recordings", metavar="DIR",
                   help="recordings of the other tools (default: tlsdoctor.lab's tool_recordings; "
                        "with --recordings and no --tool-recordings: none)")
    p.add_argument("--dry-run", action="store_true", help="report only; do not update the entry files")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--live", action="store_true",
                   help="also run real pip in the lab with each dead end / workaround that names a lab fix or "
                        "dead end, and set its rate from those runs; and record, after every fix and dead end, "
                        "which entry pip fails with next (transition_graph) (needs the [lab] extra and the lab's venvs)")
    p.add_argument("--clients-per-scenario", type=int, default=1, metavar="N",
                   help="with --live: run each action with up to N of the clients that failed there (default 1)")
    p.add_argument("--scenario", action="append", metavar="NAME",
                   help="with --live: run only this lab scenario (repeatable; default: every reproduced one)")
    p.add_argument("--client", action="append", metavar="ID",
                   help="with --live: run only this lab client, e.g. py3.11-pip23.2.1 (repeatable)")
    p.add_argument("--entries", metavar="DIR",
                   help="read and update the entries in DIR instead of the package's own (e.g. a copy, for tests)")


def run(args: argparse.Namespace) -> int:
    cmd = getattr(args, "kb_command", None)
    if cmd == "list":
        return _list(args.json)
    if cmd == "show":
        return _show(args.id, args.json, args.lang)
    if cmd == "validate":
        return _validate()
    if cmd == "verify":
        return _verify(args.recordings, args.dry_run, args.json, args.live, args.clients_per_scenario,
                       LiveFilter(args.scenario or (), args.client or ()), args.entries,
                       getattr(args, "tool_recordings", None))
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
    if entry.get("not_reproduced"):
        out.append("not reproduced: %s" % entry["not_reproduced"])
    if entry["lab_evidence"]:
        out.append("lab evidence:")
        for ev in entry["lab_evidence"]:
            if "tools" in ev:
                out.append("  %s (%s): %s%s" % (ev["scenario"], ", ".join(ev["causes"]), ", ".join(ev["tools"]),
                                                "" if ev.get("variants") == ["plain"]
                                                else " [%s]" % ", ".join(ev.get("variants", []))))
            else:
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


def recordings_dir(override: Optional[str] = None, name: str = "recordings") -> Optional[Path]:
    if override:
        return Path(override)
    try:
        from importlib import resources

        path = Path(str(resources.files("tlsdoctor.lab").joinpath(name)))
    except (ImportError, ModuleNotFoundError, TypeError):
        return None
    return path if path.is_dir() else None


def tool_recordings_dir(override: Optional[str] = None, pip_override: Optional[str] = None) -> Optional[Path]:
    """The other tools' recordings: ``override``, else the lab's own — but
    none when only the pip recordings were redirected (a test's own set)."""
    if override:
        return Path(override)
    if pip_override:
        return None
    return recordings_dir(None, "tool_recordings")


def load_recordings(directory: Optional[Path]) -> List[dict]:
    if directory is None:
        return []
    out = []
    for f in sorted(directory.glob("*/*.json")):
        rec = json.loads(f.read_text(encoding="utf-8"))
        rec["_path"] = str(f)
        out.append(rec)
    return out


def _is_tool(rec: dict) -> bool:
    """A recording of another tool (lab.tools), not of pip."""
    return "tool" in rec


def _rec_name(rec: dict) -> str:
    if _is_tool(rec):
        variant = rec.get("variant") or "plain"
        return "%s/%s%s" % (rec.get("scenario"), rec["tool"].get("id"), "" if variant == "plain" else "." + variant)
    return "%s/%s" % (rec.get("scenario"), rec.get("client", {}).get("id"))


def verify(recordings: List[dict], tool_recordings: Sequence[dict] = ()) -> dict:
    """Match every recording (pip's, then the other tools'); collect evidence
    per entry, problems, and the tool failures no entry explains."""
    from tlsdoctor.explain import explain_text

    evidence: Dict[str, Dict[tuple, dict]] = {}
    counts: Dict[str, int] = {}
    problems: List[str] = []
    unexplained: List[str] = []
    differs: List[str] = []
    checked = 0
    for rec in list(recordings) + list(tool_recordings):
        checked += 1
        tool = _is_tool(rec)
        report = explain_text(rec.get("output", ""))
        name = _rec_name(rec)
        who = rec["tool"].get("id") if tool else "pip"
        if rec.get("outcome") == "ok":
            if report["matches"]:
                problems.append("%s: %s succeeded but explain matched %s" % (name, who, [m["id"] for m in report["matches"]]))
            continue
        truth = (rec.get("causes") or [None])[0]
        candidates = [c["id"] for c in report["candidate_causes"]]
        if not report["matches"]:
            if tool:
                unexplained.append(name)
            else:
                problems.append("%s: pip failed but no entry matched" % name)
        elif truth and truth not in candidates:
            if tool:
                # The scenario's causes say why *pip* fails there; another tool can
                # fail for its own reason (uv and npm read neither pip.conf nor
                # REQUESTS_CA_BUNDLE), and a variant or a fix changes the situation.
                differs.append("%s: %s, not %s" % (name, candidates[0] if candidates else "-", truth))
            else:
                problems.append("%s: true cause %s not among candidates %s" % (name, truth, candidates))
        # Evidence is "this entry's regex matched real output": wrappers
        # that explain set aside for a more specific entry count too.
        for mid in [m["id"] for m in report["matches"]] + report.get("also_matched", []):
            _add_evidence(evidence.setdefault(mid, {}), rec)
            counts[mid] = counts.get(mid, 0) + 1
    return {"checked": checked, "evidence": evidence, "counts": counts, "problems": problems,
            "unexplained": unexplained, "tool_cause_differs": differs}


def _add_evidence(per_entry: Dict[tuple, dict], rec: dict) -> None:
    """One lab_evidence item per scenario for pip, and one per scenario for
    the other tools (their tool versions and variants: the recording
    ``<scenario>/<tool id>[.<variant>].json`` is the provenance)."""
    if _is_tool(rec):
        ev = per_entry.setdefault((rec["scenario"], "tool"), {
            "scenario": rec["scenario"], "causes": list(rec.get("causes", [])), "pip_versions": [], "clients": [],
            "tools": [], "variants": []})
        tool = rec["tool"]
        for key, value in (("clients", tool.get("id")), ("tools", "%s %s" % (tool.get("kind"), tool.get("version"))),
                           ("variants", rec.get("variant") or "plain")):
            if value and value not in ev[key]:
                ev[key].append(value)
        return
    ev = per_entry.setdefault((rec["scenario"], "pip"), {
        "scenario": rec["scenario"], "causes": list(rec.get("causes", [])), "pip_versions": [], "clients": []})
    pip = rec.get("client", {}).get("pip")
    cid = rec.get("client", {}).get("id")
    if pip and pip not in ev["pip_versions"]:
        ev["pip_versions"].append(pip)
    if cid and cid not in ev["clients"]:
        ev["clients"].append(cid)


def _newest_first(cid: str) -> List[int]:
    """Sort key for client ids such as py3.11-pip23.2.1 (newest pip last)."""
    return [int(p) if p.isdigit() else 0 for p in cid.replace("py", "").replace("-pip", ".").split(".")]


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
    return live(entries, per_scenario, log, graph=False)["rates"]


class LiveFilter:
    """Which scenarios and clients a live run may use (empty: all)."""

    def __init__(self, scenarios: Sequence[str] = (), clients: Sequence[str] = ()) -> None:
        self.scenarios = set(scenarios)
        self.clients = set(clients)

    def scenario(self, name: str) -> bool:
        return not self.scenarios or name in self.scenarios

    def client(self, cid: str) -> bool:
        return not self.clients or cid in self.clients


def live(entries: List[dict], per_scenario: int = 1, log=None, graph: bool = True,
         only: Optional[LiveFilter] = None, today: str = "", lookup: Optional[Callable[[str], object]] = None) -> dict:
    """The live runs: the entries' named lab actions (their rates) and, with
    ``graph``, every fix and dead end of each scenario after a run with no
    change, each explained (the transition graph, :mod:`tlsdoctor.kb.graph`).

    ``lookup`` finds a scenario by name (default: the lab's own list).
    Returns {"rates": {(entry id, kind, index): (runs, successes)},
    "ran": {(scenario, client id)} measured for the graph,
    "edges": [(entry id, lab edge)]}.
    """
    only = only or LiveFilter()
    plan = _live_plan(entries, per_scenario, only)
    graph_clients = _graph_clients(entries, plan, per_scenario, only) if graph else {}
    by_id = {e["id"]: e for e in entries}
    out: Dict[tuple, list] = {}
    ran: set = set()
    edges: List[tuple] = []
    for sc in sorted(set(plan) | set(graph_clients)):
        runs = _run_scenario(sc, plan.get(sc, {}), graph_clients.get(sc, []), log, lookup)
        for run in runs:
            for t in run["targets"]:
                r = out.setdefault(t, [0, 0])
                r[0] += 1
                # In a stacked scenario a fix the scenario says uncovers the next
                # fault removes this entry's failure (pip then fails with another
                # entry: an edge, below): a success for this entry.
                r[1] += run["code"] == 0 or bool(run["uncovers"]) and t[0] not in _explained(run)
        before = {run["client"]: run for run in runs if run["action"] is None}
        for run in runs:
            if run["action"] is not None and run["client"] in before:
                ran.add((sc, run["client"]))
                edges += _edges_of(run, before[run["client"]], by_id, today, log)
    return {"rates": {k: (v[0], v[1]) for k, v in out.items()}, "ran": ran, "edges": edges}


def _explained(run: dict) -> List[str]:
    """explain's matched ids for a failed run, most specific first (the
    wrappers it set aside last); [] when pip succeeded."""
    from tlsdoctor.explain import explain_text

    if run["code"] == 0:
        return []
    if "ids" not in run:
        report = explain_text(run["output"])
        run["ids"] = [m["id"] for m in report["matches"]] + report.get("also_matched", [])
    return run["ids"]


def _edges_of(run: dict, before: dict, by_id: Dict[str, dict], today: str, log) -> List[tuple]:
    """The two halves of an edge when pip, after ``run``'s change, fails
    with another entry than it did with no change (none when pip succeeded,
    or still fails with the same entry: a dead end that changed nothing)."""
    from tlsdoctor.kb import graph

    after = _explained(run)
    pair = graph.transition(_explained(before), after)
    if log and run["code"] != 0:
        log("  %s + %s on %s: pip then failed with %s%s" % (
            run["scenario"], run["action"], run["client"], after[0] if after else "no entry matched",
            " (a different entry: an edge from %s)" % pair[0] if pair else ""))
    if pair is None:
        return []
    src, dst = pair
    common = dict(applied=run["action"], applied_kind=run["kind"], changes=run["changes"],
                  step=graph.step_for(by_id.get(src), run["action"]), scenario=run["scenario"],
                  client={"id": run["client"], "pip": run["pip"]}, date=today)
    return [(src, graph.edge("leads_to", dst, **common)), (dst, graph.edge("preceded_by", src, **common))]


def _live_plan(entries: List[dict], per_scenario: int, only: LiveFilter) -> Dict[str, Dict[tuple, List[tuple]]]:
    """scenario -> {(action name, client id): [(entry id, kind, index)]}; the
    clients are those whose real output matched the entry there (its lab
    evidence) and whose lab venv exists."""
    plan: Dict[str, Dict[tuple, List[tuple]]] = {}
    for e in entries:
        for ev in e.get("lab_evidence", []):
            if "tools" in ev or not only.scenario(ev["scenario"]):
                continue  # live runs are pip runs; a tool's evidence has no pip client
            cids = _usable_clients(ev["clients"], only)[:per_scenario]
            for kind, k, name in _lab_actions(e, ev):
                for cid in cids:
                    plan.setdefault(ev["scenario"], {}).setdefault((name, cid), []).append((e["id"], kind, k))
    return plan


def _usable_clients(cids: Iterable[str], only: LiveFilter) -> List[str]:
    """The clients allowed and already built (a live run never installs), newest first."""
    import os

    from tlsdoctor.lab import clients

    venvs = os.path.join(clients.cache_dir(), "venvs")
    return [c for c in sorted(set(cids), key=_newest_first, reverse=True)
            if only.client(c) and os.path.isdir(os.path.join(venvs, c))]


def _graph_clients(entries: List[dict], plan: Dict[str, Dict[tuple, List[tuple]]], per_scenario: int,
                   only: LiveFilter) -> Dict[str, List[str]]:
    """scenario -> the clients that run every fix and dead end there: those
    the rates already run, else up to ``per_scenario`` of the clients that
    failed there."""
    seen: Dict[str, set] = {sc: set() for sc in only.scenarios}
    for e in entries:
        for ev in e.get("lab_evidence", []):
            if "tools" not in ev and only.scenario(ev["scenario"]):
                seen.setdefault(ev["scenario"], set()).update(ev["clients"])
    out = {}
    for sc, cids in seen.items():
        # Clients named on the command line run even where no recording of
        # theirs matched yet (a new scenario): the run itself is the evidence.
        planned = sorted({cid for _, cid in plan.get(sc, {})})
        out[sc] = planned or _usable_clients(cids | only.clients, only)[:per_scenario]
    return out


def _lab_actions(entry: dict, ev: dict) -> Iterator[tuple]:
    """(kind, index, lab action name) for each of the entry's dead ends and
    workarounds that names lab actions and applies to ``ev``'s causes."""
    for kind in ("dead_ends", "workarounds"):
        for k, item in enumerate(entry[kind]):
            if item.get("causes") and not (set(item["causes"]) & set(ev["causes"])):
                continue
            for name in item.get("lab", []):
                yield kind, k, name


def _run_scenario(sc: str, runs: Dict[tuple, List[tuple]], every_action_for: List[str], log,
                  lookup: Optional[Callable[[str], object]] = None) -> List[dict]:
    """Start scenario ``sc`` once and run real pip for each planned (action,
    client); with the ``every_action_for`` clients also once with no change
    (action None) and then with every fix and dead end. One dict per run
    (scenario, action, kind, changes, client, pip, targets, code, output). A
    scenario that cannot run here (e.g. no libfaketime) gives nothing."""
    from tlsdoctor.lab import scenarios

    done: List[dict] = []
    try:
        with (lookup or scenarios.get)(sc).start() as running:  # type: ignore[attr-defined]
            for cid in every_action_for:
                done.append(_run_action(running, None, cid, [], log))
            todo = {k: list(v) for k, v in runs.items()}
            for name in list(running.fixes) + list(running.dead_ends):
                for cid in every_action_for:
                    todo.setdefault((name, cid), [])
            for (name, cid), targets in sorted(todo.items()):
                if name not in running.fixes and name not in running.dead_ends:
                    continue
                done.append(_run_action(running, name, cid, targets, log))
    except Exception as exc:  # a scenario that cannot run here (e.g. no libfaketime)
        if log:
            log("  %s: cannot run: %s" % (sc, exc))
    return done


def _run_action(running, name: Optional[str], cid: str, targets: List[tuple], log) -> dict:
    """Real pip in ``running`` with the fix or dead end ``name`` applied
    (None: the scenario as it is)."""
    import os

    from tlsdoctor.kb.graph import describe_change
    from tlsdoctor.lab import clients

    client = clients.get(cid)
    env = clients.client_environ(client, running.env_with(name) if name else running.env)
    argv = clients.pip_download_argv(client, os.path.join(running.workdir, "dl-%s-%s" % (name or "as-is", cid)),
                                     running.package)
    code, output = clients.run_pip(client, env, argv)
    if log:
        log("  %s + %s on %s: pip %s" % (running.name, name or "no change", cid,
                                         "succeeded" if code == 0 else "failed"))
    fix = name in running.fixes
    delta = running.fixes[name] if fix else running.dead_ends.get(name, {})
    return {"scenario": running.name, "action": name, "kind": "fix" if fix else "dead_end",
            "uncovers": getattr(running, "then", {}).get(name) if fix else None,
            "changes": describe_change(delta), "client": cid, "pip": client.pip_version, "targets": targets,
            "code": code, "output": output}


def _vkey(v: str):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))


def _verify(rec_dir: Optional[str], dry_run: bool, as_json: bool, live_runs: bool = False, per_scenario: int = 1,
            only: Optional[LiveFilter] = None, entries_path: Optional[str] = None,
            tool_rec_dir: Optional[str] = None) -> int:
    from tlsdoctor.kb import clear_cache, load_entries, public

    if not dry_run and entries_path is None:
        import tlsdoctor.kb
        from tlsdoctor.checkout import refuse_installed

        # The package's own location decides (entries_dir() is inside it), as for lab record.
        refusal = refuse_installed("tlsdoctor kb verify", os.path.dirname(os.path.abspath(tlsdoctor.kb.__file__)),
                                   "--dry-run, or --entries")
        if refusal:
            print(refusal, file=sys.stderr)
            return exitcodes.USAGE
    recs = load_recordings(recordings_dir(rec_dir))
    tool_recs = load_recordings(tool_recordings_dir(tool_rec_dir, rec_dir))
    if not recs and not tool_recs:
        print("tlsdoctor kb verify: no lab recordings found (run `tlsdoctor lab record`)", file=sys.stderr)
        return exitcodes.INCOMPLETE
    result = verify(recs, tool_recs)
    today = datetime.date.today().isoformat()
    measured: Optional[dict] = None
    if live_runs:
        try:
            import tlsdoctor.lab.scenarios  # noqa: F401 - needs the [lab] extra
        except ImportError as exc:
            print("tlsdoctor kb verify --live: %s" % exc, file=sys.stderr)
            return exitcodes.INCOMPLETE
        measured = live(_with_evidence(load_entries(entries_path), result), per_scenario,
                        log=None if as_json else print, only=only, today=today)
    changed = []
    for entry in load_entries(entries_path):
        new = _updated_entry(entry, result, measured, today)
        if new != public(entry):
            new["last_updated"] = today
            changed.append(entry["id"])
            if not dry_run:
                _write_entry(new, entries_path)
    clear_cache()
    _print_summary(result, changed, dry_run, as_json, entries_path)
    return exitcodes.PROBLEM if result["problems"] else exitcodes.OK


def _with_evidence(entries: List[dict], result: dict) -> List[dict]:
    """The entries with their lab evidence as this run will write it (the
    live runs pick their scenarios and clients from it)."""
    pending = []
    for entry in entries:
        ev = result["evidence"].get(entry["id"])
        pending.append(dict(entry, lab_evidence=[ev[k] for k in sorted(ev)] if ev else []))
    return pending


def _updated_entry(entry: dict, result: dict, measured: Optional[dict], today: str) -> dict:
    """A copy of ``entry`` with this run's rates, evidence and (live) edges
    (problems found on the way go to ``result["problems"]``)."""
    from tlsdoctor.kb import graph, public

    new = json.loads(json.dumps(public(entry)))
    _apply_rates(new, measured["rates"] if measured else {}, result["problems"])
    new["fix_success_rate"] = max(w["success_rate"] for w in new["workarounds"])
    _apply_evidence(new, entry, result, today)
    if measured is not None:
        graph.apply_edges(new, measured["ran"], [e for owner, e in measured["edges"] if owner == new["id"]])
    return new


def _apply_rates(new: dict, rates: Dict[tuple, tuple], problems: List[str]) -> None:
    eid = new["id"]
    for kind, rate_key in (("dead_ends", "fail_rate"), ("workarounds", "success_rate")):
        for k, item in enumerate(new[kind]):
            if (eid, kind, k) not in rates:
                continue
            runs, oks = rates[(eid, kind, k)]
            item[rate_key] = round((runs - oks) / runs if kind == "dead_ends" else oks / runs, 2)
            item["rate_basis"] = "lab"
            item["lab_runs"] = runs
            if kind == "dead_ends" and oks:
                problems.append("%s: dead end %r made pip succeed in %d of %d lab runs"
                                % (eid, item["action"], oks, runs))


def _apply_evidence(new: dict, entry: dict, result: dict, today: str) -> None:
    eid = new["id"]
    ev = result["evidence"].get(eid)
    if ev:
        items = [ev[k] for k in sorted(ev)]  # by scenario, pip's item before the tools'
        for item in items:
            item["pip_versions"].sort(key=_vkey)
            item["clients"].sort()
            for key in ("tools", "variants"):
                if key in item:
                    item[key].sort()
        new["lab_evidence"] = items
        new["verification_tier"] = "reproduced"
        new.pop("not_reproduced", None)
        new["evidence_count"] = result["counts"][eid]
        new["last_confirmed"] = today
    elif entry["verification_tier"] == "reproduced":
        # Evidence vanished: say so instead of keeping a stale claim.
        new["verification_tier"] = "documented"
        new["lab_evidence"] = []
        new["evidence_count"] = 0
        result["problems"].append("%s: was reproduced, no recording matches it any more" % eid)


def _write_entry(new: dict, directory: Optional[str] = None) -> None:
    from tlsdoctor.kb import entries_dir, entry_filename

    with open(Path(directory or entries_dir()) / entry_filename(new["id"]), "w", encoding="utf-8") as fh:
        json.dump(new, fh, ensure_ascii=False, indent=2)
        fh.write("\n")


def reproduced_share(result: dict, entries: Optional[List[dict]] = None) -> tuple:
    """(entries reproduced by this run's recordings, all entries)."""
    from tlsdoctor.kb import load_entries

    ids = [e["id"] for e in (entries if entries is not None else load_entries())]
    return sum(1 for i in ids if i in result["evidence"]), len(ids)


def _print_summary(result: dict, changed: List[str], dry_run: bool, as_json: bool,
                   entries_path: Optional[str] = None) -> None:
    from tlsdoctor.kb import load_entries

    share = reproduced_share(result, load_entries(entries_path))
    if as_json:
        print(json.dumps({
            "recordings": result["checked"],
            "reproduced": sorted(result["evidence"]),
            "entries": share[1],
            "reproduced_share": round(share[0] / share[1], 3) if share[1] else 0.0,
            "updated": changed if not dry_run else [],
            "would_update": changed if dry_run else [],
            "problems": result["problems"],
            "unexplained": result.get("unexplained", []),
            "tool_cause_differs": result.get("tool_cause_differs", []),
        }, indent=2))
        return
    print("%d recordings checked; %d of %d entries reproduced in the lab (%.0f%%)" % (
        result["checked"], share[0], share[1], 100.0 * share[0] / max(1, share[1])))
    for eid in sorted(result["evidence"]):
        print("  %-50s %d match(es)" % (eid, result["counts"][eid]))
    if result.get("unexplained"):
        print("%d tool failure(s) no entry matches (their lines are not read by explain's prefilter yet, or the "
              "tool printed no reason): %s" % (len(result["unexplained"]), ", ".join(result["unexplained"][:12])
                                                 + (" …" if len(result["unexplained"]) > 12 else "")))
    print("%s %d entry file(s)" % ("would update" if dry_run else "updated", len(changed)))
    for p in result["problems"]:
        print("PROBLEM: " + p)
