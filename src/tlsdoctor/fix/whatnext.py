"""What the user most likely meets after this fix: the knowledge base's transition graph.

``tlsdoctor kb verify --live`` measures, in the lab, what real pip prints after a fix is
applied (``tlsdoctor.kb.graph``): e.g. once a 407 is answered with credentials, the same
proxy's inspection certificate fails verification. ``explain`` says so per matched entry;
``fix`` says it per diagnosis it plans for, with the edge's provenance (lab runs, scenario,
pip versions, the step that was applied), and after verifying, whether the verification
met it.

The diagnosis' cause is the key: the entries whose *primary* cause it is (``causes[0]``)
are the error signatures pip prints for it, and their ``leads_to`` edges are what follows.
An entry that only lists the cause among others (``unable to get local issuer`` lists six)
would predict for causes it is not about.
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from tlsdoctor.messages import M


def _entries() -> List[dict]:
    try:
        from tlsdoctor import kb

        return kb.load_entries()
    except Exception:  # a broken KB must not break fix: it then predicts nothing
        return []


def what_next(causes: Sequence[str], entries: Optional[List[dict]] = None) -> List[dict]:
    """One item per entry the KB says follows the fix of one of ``causes`` (in order,
    first cause first; lab-measured before editorial, each id once)."""
    from tlsdoctor.kb.graph import next_after

    entries = _entries() if entries is None else entries
    by_id = {e["id"]: e for e in entries}
    out: List[dict] = []
    seen = set()
    for cause in causes:
        for entry in entries:
            if not (entry.get("causes") or [None])[0] == cause:
                continue
            if not (entry.get("transition_graph") or {}).get("leads_to"):
                continue
            edges = [e for e in entry["transition_graph"].get("lab_edges", []) if e.get("relation") == "leads_to"]
            for item in next_after(entry, by_id):
                if item["id"] in seen:
                    continue
                seen.add(item["id"])
                mine = [e for e in edges if e["entry"] == item["id"]]
                out.append({
                    "cause": cause,
                    "from": entry["id"],
                    "id": item["id"],
                    "signature": item["signature"],
                    "causes": list(by_id[item["id"]].get("causes") or []),
                    "after": item["after"],
                    "basis": item["basis"],
                    "lab_runs": item["lab_runs"],
                    "scenarios": item["scenarios"],
                    "pip": sorted({e.get("pip", "") for e in mine if e.get("pip")}),
                    "met": None,
                })
    out.sort(key=lambda n: n["basis"] != "lab")  # stable: cause order kept within a basis
    return out


def mark_met(items: Iterable[dict], found: Optional[Sequence[str]]) -> None:
    """After verifying: ``met`` is whether the second check found one of the predicted
    entry's causes (None when nothing was verified)."""
    for n in items:
        n["met"] = None if found is None else bool(set(n["causes"]) & set(found))


def provenance(n: dict) -> str:
    # Messages with ids (``fix --lang zh``); the KB's words (the signature pip prints, the scenarios, the
    # steps applied in the lab) are values, quoted as the KB has them.
    if n["basis"] != "lab":
        return M("whatnext.editorial", "editorial, not yet measured in the lab")
    args = (n["lab_runs"], ", ".join(n["scenarios"]), ", ".join(n["pip"]) or "?", "; ".join(n["after"]))
    if n["lab_runs"] == 1:
        return M("whatnext.seen_once", "seen in %d lab run (%s; pip %s) after: %s", *args)
    return M("whatnext.seen", "seen in %d lab runs (%s; pip %s) after: %s", *args)


def lines(items: Sequence[dict], verified: Optional[bool] = None) -> List[str]:
    """The text lines: one per prediction, worded by what verification showed (messages with ids)."""
    out: List[str] = []
    for n in items[:3]:
        head = M("whatnext.head", "%s (%s; likely cause: %s)", n["signature"], n["id"],
                 ", ".join(n["causes"][:2]) or "?")
        if n["met"]:
            out.append(M("whatnext.met", "The verification met what comes next after %s, as the knowledge base "
                         "expects: %s — %s. Fix that too, then run fix again.", n["cause"], head, provenance(n)))
        elif n["met"] is False and verified:
            out.append(M("whatnext.not_met", "Not met here (pip connects now), though people often meet next after "
                         "%s: %s — %s.", n["cause"], head, provenance(n)))
        elif n["met"] is None:
            out.append(M("whatnext.once_fixed", "Once %s is fixed, you will most likely meet next: %s — %s.",
                         n["cause"], head, provenance(n)))
    return out


def causes_of(diagnoses: Iterable[object]) -> List[str]:
    out: List[str] = []
    for d in diagnoses:
        c = getattr(d, "cause", None)
        if c and c not in out:
            out.append(c)
    return out

