"""Real probe measurements from the lab (``recordings/``), replayed into the rules.

Each recording is what ``tlsdoctor check``'s probe measured inside a real
client (pip 23.2.1 / 26.3 / 19.2.3) against a real lab scenario; regenerate
with ``python tests/rules/record_facts.py``. ``mutated`` derives facts that
cannot be produced on this machine (an OpenSSL without TLS 1.3, ...) from a
real recording, changing only the named fields, and says so in its callers.

A stand-in public root (constructed): the lab cannot serve a chain that ends
at a real Mozilla/certifi root (it has no such key), yet ``outdated-ca-bundle``
needs proof that the missing root is public (``tlsdoctor.public_roots``). So
the ``trust-store-missing-root`` recordings are replayed with their top
cert's issuer renamed to ``STAND_IN_NAME`` and its Authority Key Identifier
set to ``STAND_IN_KID``, and ``stand_in_roots()`` is the shipped list plus a
root with that name and key id (``conftest.py`` puts it in place for every
test here). Every other recording's CA stays what it is: not public.

``no-default-ca-store__<client>+no-fallback*.json`` are recorded on an emulated machine without any
of truststore's candidate files (``record_facts.py --no-candidates``: a private mount namespace).
"""

from __future__ import annotations

import copy
import functools
import glob
import json
import os
from dataclasses import dataclass
from typing import Callable, List, Optional

from tlsdoctor import public_roots
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


STAND_IN_NAME = "organizationName=tlsdoctor lab (stand-in public root), commonName=Stand-in Public Root"
STAND_IN_KID = "5a" * 20
STANDS_FOR_A_PUBLIC_ROOT = ("trust-store-missing-root",)
_SHIPPED_LOAD = public_roots.load  # before conftest puts stand_in_roots in its place


@functools.lru_cache(maxsize=1)
def stand_in_roots() -> public_roots.RootList:
    """The shipped public root list plus the constructed stand-in root."""
    import dataclasses

    shipped = _SHIPPED_LOAD()
    extra = public_roots.PublicRoot(sha256="5b" * 32, spki_sha256="5c" * 32, ski=STAND_IN_KID, subject=STAND_IN_NAME,
                                    not_after="2099-01-01T00:00:00Z")
    return dataclasses.replace(shipped, roots=shipped.roots + (extra,))


def as_public_root(raw: dict) -> None:
    """The chains' top certs issued by the stand-in public root (name and key id), nothing else changed."""
    for run in ("main", "noconf"):
        for attempt in ((raw.get(run) or {}).get("probes") or {}).values():
            if isinstance(attempt, dict) and attempt.get("chain"):
                top = attempt["chain"][-1]
                top["issuer"] = STAND_IN_NAME
                top["authority_key_id"] = STAND_IN_KID


def recordings() -> List[Recording]:
    out = []
    for path in sorted(glob.glob(os.path.join(HERE, "*.json"))):
        with open(path, encoding="utf-8") as fh:
            d = json.load(fh)
        if d["scenario"] in STANDS_FOR_A_PUBLIC_ROOT:
            as_public_root(d["raw"])
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
