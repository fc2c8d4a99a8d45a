"""The knowledge base: one JSON data file per known error, in the seed-001 schema.

Entries ship as package data (``kb/entries/*.json``) and are read from the
package directory, or with ``importlib.resources`` when the package is not a
plain directory (a zip), so they work from a wheel, a zip or an editable
install alike (pip reads its own data the same way). Nothing here imports
anything outside the standard library.

An entry id such as ``pip/ssl-sslv3-alert-handshake-failure`` is stored in
``entries/pip__ssl-sslv3-alert-handshake-failure.json`` (``/`` -> ``__``).
"""

from __future__ import annotations

import json
import os
from typing import Dict, List, Optional

__all__ = [
    "entry_filename", "load_entries", "load_schema", "get_entry", "entries_dir",
    "validate_entries",
]

_CACHE: Dict[str, List[dict]] = {}


def entry_filename(entry_id: str) -> str:
    """The data-file name for an entry id (ids contain '/', file names cannot)."""
    return entry_id.replace("/", "__") + ".json"


_HERE = os.path.dirname(os.path.abspath(__file__))


def _on_disk() -> bool:
    return os.path.isdir(os.path.join(_HERE, "entries"))


def _read_data(*parts: str) -> str:
    """Read package data: straight from the package directory when it is one
    (importing importlib.resources and pathlib alone would cost ~8 ms of
    explain's start-up budget), else through importlib.resources (zip)."""
    if _on_disk():
        with open(os.path.join(_HERE, *parts), encoding="utf-8") as fh:
            return fh.read()
    from importlib import resources

    node = resources.files(__name__)
    for part in parts:
        node = node.joinpath(part)
    return node.read_text("utf-8")


def _entry_names() -> List[str]:
    if _on_disk():
        return sorted(n for n in os.listdir(os.path.join(_HERE, "entries")) if n.endswith(".json"))
    from importlib import resources

    return sorted(f.name for f in resources.files(__name__).joinpath("entries").iterdir() if f.name.endswith(".json"))


def entries_dir():
    """The on-disk directory of the entries (``kb verify`` writes back there).

    Only meaningful for a source or editable install; a zipped install has no
    writable directory.
    """
    from pathlib import Path

    return Path(_HERE) / "entries"


def load_schema() -> dict:
    return json.loads(_read_data("schema.json"))


def load_entries(directory=None) -> List[dict]:
    """All entries, sorted by id. Cached: explain of one line reads them once."""
    key = str(directory) if directory else ""
    if key in _CACHE:
        return _CACHE[key]
    entries = []
    if directory is None:
        for name in _entry_names():
            entry = json.loads(_read_data("entries", name))
            entry["_file"] = name
            entries.append(entry)
    else:
        for name in sorted(os.listdir(str(directory))):
            if name.endswith(".json"):
                with open(os.path.join(str(directory), name), encoding="utf-8") as fh:
                    entry = json.load(fh)
                entry["_file"] = name
                entries.append(entry)
    entries.sort(key=lambda e: e.get("id", ""))
    _CACHE[key] = entries
    return entries


def clear_cache() -> None:
    _CACHE.clear()


def get_entry(entry_id: str) -> Optional[dict]:
    for entry in load_entries():
        if entry.get("id") == entry_id:
            return entry
    return None


def public(entry: dict) -> dict:
    """The entry as stored (without loader bookkeeping such as ``_file``)."""
    return {k: v for k, v in entry.items() if not k.startswith("_")}


def validate_entries(entries: Optional[List[dict]] = None) -> List[str]:
    """Schema violations plus the cross-entry rules a JSON Schema cannot say.

    Cross-entry rules: ids unique and matching their file name; cause ids
    known to tlsdoctor.causes; regex compiles; every example matches and every
    counter-example does not; workarounds_zh parallel to workarounds;
    transition-graph / not_with ids exist.
    """
    entries = load_entries() if entries is None else entries
    schema = load_schema()
    ids = [e.get("id") for e in entries]
    errors = ["duplicate id %s" % dup for dup in sorted({i for i in ids if ids.count(i) > 1})]
    for e in entries:
        errors.extend(_entry_errors(e, schema, set(ids)))
    return errors


def _entry_errors(e: dict, schema: dict, known: set) -> List[str]:
    """One entry's problems, each prefixed with its id (or file name)."""
    import re

    from tlsdoctor.kb.validate import validate

    eid = e.get("id", e.get("_file", "?"))
    msgs = validate(public(e), schema)
    if "_file" in e and e["_file"] != entry_filename(str(e.get("id"))):
        msgs.append("file name %s should be %s" % (e["_file"], entry_filename(str(eid))))
    msgs += _cause_errors(e)
    try:
        rx = re.compile(e.get("regex", ""))
    except re.error as exc:
        # The example and graph checks need the regex; one message is enough.
        msgs.append("regex does not compile: %s" % exc)
        return ["%s: %s" % (eid, m) for m in msgs]
    msgs += _example_errors(e, rx)
    if len(e.get("workarounds_zh", [])) != len(e.get("workarounds", [])):
        msgs.append("workarounds_zh must translate each workaround (same length)")
    msgs += _reference_errors(e, known)
    return ["%s: %s" % (eid, m) for m in msgs]


def _cause_errors(e: dict) -> List[str]:
    from tlsdoctor.causes import ALL_CAUSES as CAUSES  # pip's causes and the tools' (issue 12)

    msgs = ["unknown cause id %r" % c for c in e.get("causes", []) if c not in CAUSES]
    for h in e.get("cause_hints", []):
        msgs += ["hint names unknown cause id %r" % c for c in h.get("promote", []) + h.get("demote", [])
                 if c not in CAUSES]
    return msgs


def _example_errors(e: dict, rx) -> List[str]:
    msgs = ["example does not match the regex: %r" % ex[:120] for ex in e.get("examples", []) if not rx.search(ex)]
    msgs += ["counter-example matches the regex: %r" % ex[:120]
             for ex in e.get("counter_examples", []) if rx.search(ex)]
    return msgs


def _reference_errors(e: dict, known: set) -> List[str]:
    """Ids the entry names (transition graph, lab edges, not_with) must exist."""
    graph = e.get("transition_graph", {})
    msgs = ["transition_graph.%s names unknown entry %s" % (rel, other)
            for rel in ("leads_to", "preceded_by", "frequently_confused_with")
            for other in graph.get(rel, []) if other not in known]
    msgs += ["transition_graph.lab_edges names unknown entry %s" % edge.get("entry")
             for edge in graph.get("lab_edges", []) if edge.get("entry") not in known]
    msgs += ["not_with names unknown entry %s" % other for other in e.get("not_with", []) if other not in known]
    return msgs
