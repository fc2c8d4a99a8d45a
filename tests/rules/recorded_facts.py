"""Real probe measurements from the lab (``recordings/``), replayed into the rules.

Each recording is what ``tlsdoctor check``'s probe measured inside a real
client (pip 23.2.1 / 26.3 / 19.2.3) against a real lab scenario; regenerate
with ``python tests/rules/record_facts.py``. ``mutated`` derives facts that
cannot be produced on this machine (an OpenSSL without TLS 1.3, ...) from a
real recording, changing only the named fields, and says so in its callers.
"""

from __future__ import annotations

import copy
import glob
import json
import os
from dataclasses import dataclass
from typing import Callable, List, Optional

from tlsdoctor.facts import Facts

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recordings")


@dataclass(frozen=True)
class Recording:
    scenario: str
    client: str
    causes: tuple
    expect: str
    raw: dict

    @property
    def id(self) -> str:
        return "%s/%s" % (self.scenario, self.client)

    @property
    def first_cause(self) -> Optional[str]:
        return self.causes[0] if self.causes and self.expect == "fail" else None


def recordings() -> List[Recording]:
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "*.json"))):
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
        out.append(Recording(d["scenario"], d["client"], tuple(d["causes"]), d["expect"], d["raw"]))
    return out


def facts_of(rec: Recording, raw: Optional[dict] = None) -> Facts:
    raw = raw if raw is not None else rec.raw
    return Facts.from_probe(raw["main"], checker_time=None, without_openssl_conf=raw.get("noconf"))


def mutated(rec: Recording, change: Callable[[dict], None]) -> Facts:
    raw = copy.deepcopy(rec.raw)
    change(raw)
    return facts_of(rec, raw)


def by_scenario(*names: str) -> List[Recording]:
    return [r for r in recordings() if r.scenario in names]


def positives(cause: str) -> List[Recording]:
    return [r for r in recordings() if r.first_cause == cause]


def healthy() -> List[Recording]:
    """Recordings where real pip succeeds: no rule may fire."""
    return [r for r in recordings() if r.expect == "ok"]


def ids(recs: List[Recording]) -> List[str]:
    return [r.id for r in recs]
