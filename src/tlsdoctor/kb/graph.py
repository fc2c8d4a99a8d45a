"""The transition graph as evidence: what real pip prints after a change.

Seed 001's ``transition_graph`` (``leads_to``, ``preceded_by``,
``frequently_confused_with``) was written by hand, if at all. ``tlsdoctor kb
verify --live`` measures it instead: in each lab scenario it applies every
fix and dead end the scenario defines, runs real pip again and explains what
pip prints *next*. When pip still fails but with another entry than before,
that is an edge ``before --(applied X)--> after``: ``leads_to`` on the
before-entry, ``preceded_by`` on the after-entry, and one ``lab_edges`` item
on each with its provenance (scenario, client, what was applied, date).

This module only decides and stores edges (no lab, no explain: the kb layer
imports no front end); ``kb_cli`` runs pip and explain and hands the results
here. ``explain`` reads the edges back through :func:`next_after`.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

RELATIONS = ("leads_to", "preceded_by")


def describe_change(delta: Dict[str, Optional[str]]) -> List[str]:
    """What a lab action changes, by variable name only: the values may hold
    credentials (the 407 fix puts ``user:password@`` in HTTPS_PROXY)."""
    return ["%s %s" % ("unset" if value is None else "set", key) for key, value in sorted(delta.items())]


def transition(before: Sequence[str], after: Sequence[str]) -> Optional[Tuple[str, str]]:
    """(before-entry, after-entry) when pip now fails with a different entry.

    ``before`` and ``after`` are explain's matched ids for the output before
    and after the change, most specific first (wrappers it set aside last).
    A different *primary* entry alone is not enough: when either run's
    primary is still among the other run's matches, explain only ranked the
    same failure differently, and that is no transition.
    """
    if not before or not after:
        return None
    if after[0] in before or before[0] in after:
        return None
    return before[0], after[0]


def edge(relation: str, other: str, applied: str, applied_kind: str, changes: List[str],
         step: Optional[str], scenario: str, client: dict, date: str) -> dict:
    """One ``lab_edges`` item as stored on an entry."""
    return {
        "relation": relation,
        "entry": other,
        "applied": applied,
        "applied_kind": applied_kind,
        "changes": changes,
        "step": step,
        "scenario": scenario,
        "client": client.get("id", ""),
        "pip": client.get("pip", ""),
        "date": date,
        "rate_basis": "lab",
    }


def apply_edges(entry: dict, ran: Set[Tuple[str, str]], edges: Iterable[dict]) -> None:
    """Replace ``entry``'s lab edges from the (scenario, client) pairs this
    run measured with ``edges`` (the ones that touch this entry), and keep
    ``leads_to``/``preceded_by`` equal to the hand-written ids plus the ids
    with lab edges. An id that came only from lab edges the lab no longer
    produces is dropped: the graph says what was seen, not what once was."""
    graph = entry.setdefault("transition_graph", {"leads_to": [], "preceded_by": [], "frequently_confused_with": []})
    old = graph.get("lab_edges", [])
    kept = [e for e in old if (e["scenario"], e["client"]) not in ran]
    merged = kept + [e for e in edges if e not in kept]
    merged.sort(key=lambda e: (e["relation"], e["entry"], e["scenario"], e["client"], e["applied"]))
    for rel in RELATIONS:
        from_lab_before = {e["entry"] for e in old if e["relation"] == rel}
        hand = [i for i in graph.get(rel, []) if i not in from_lab_before]
        lab = sorted({e["entry"] for e in merged if e["relation"] == rel} - set(hand))
        graph[rel] = hand + lab
    if merged:
        graph["lab_edges"] = merged
    else:
        graph.pop("lab_edges", None)


def next_after(entry: dict, by_id: Dict[str, dict]) -> List[dict]:
    """What people meet after this entry's usual fix: one item per
    ``leads_to`` id, lab-measured first (most runs first), with the step that
    led there (the entry's own advice naming that lab action when it has
    one). Hand-written ids without lab runs come last, basis ``editorial``."""
    graph = entry.get("transition_graph") or {}
    lab: Dict[str, List[dict]] = {}
    for e in graph.get("lab_edges", []):
        if e["relation"] == "leads_to":
            lab.setdefault(e["entry"], []).append(e)
    out = []
    for other in graph.get("leads_to", []):
        target = by_id.get(other)
        if target is None:
            continue
        seen = lab.get(other, [])
        steps = sorted({e["step"] or e["applied"] for e in seen})
        out.append({
            "id": other,
            "signature": target["signature"],
            "signature_zh": target["signature_zh"],
            "after": steps,
            "basis": "lab" if seen else "editorial",
            "lab_runs": len(seen),
            "scenarios": sorted({e["scenario"] for e in seen}),
        })
    out.sort(key=lambda n: (n["basis"] != "lab", -n["lab_runs"]))
    return out


def step_for(entry: Optional[dict], applied: str) -> Optional[str]:
    """The entry's own advice (workaround or dead end) that names lab action
    ``applied``, as the user read it; None when the entry names none."""
    if entry is None:
        return None
    for kind in ("workarounds", "dead_ends"):
        for item in entry.get(kind, []):
            if applied in item.get("lab", []):
                return item["action"]
    return None
