"""Rules: one small module per cause id, each a pure function over ``Facts``.

A rule module has ``CAUSE`` (a stable id from ``tlsdoctor.causes``) and
``diagnose(facts) -> Diagnosis | None``. Rules never do I/O: everything they
need was measured by the probe (like thefuck's ``match`` over a command's
output, but over measured facts instead of text). A rule that raises is
reported as a rule error and the others still run (thefuck's ``rule_failed``).

Rules fire on mechanisms and evidence (what the handshake variants, the
trust-store comparisons and pip's own request showed), never on host names,
ports or scenario names.
"""

from __future__ import annotations

import importlib
import traceback
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from tlsdoctor.causes import CAUSES
from tlsdoctor.facts import Facts

# Module names, one per cause id (kebab -> snake).
RULE_MODULES = [c.replace("-", "_") for c in CAUSES]


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    verdict: str  # one line
    evidence: Tuple[str, ...]  # the facts that prove it
    fix: Tuple[str, ...]  # exact commands / steps for this machine and pip
    dead_ends: Tuple[str, ...] = ()  # what will not help
    score: int = 50  # ranking: higher = more specific / more certain
    host: Optional[str] = None
    link: Optional[str] = None  # KB entry id

    def to_json(self) -> dict:
        return {
            "cause": self.cause,
            "verdict": self.verdict,
            "evidence": list(self.evidence),
            "fix": list(self.fix),
            "dead_ends": list(self.dead_ends),
            "host": self.host,
            "kb": self.link,
            "score": self.score,
        }


@dataclass(frozen=True)
class RuleError:
    rule: str
    error: str


@dataclass(frozen=True)
class Outcome:
    diagnoses: Tuple[Diagnosis, ...]
    rule_errors: Tuple[RuleError, ...] = ()
    ran: Tuple[str, ...] = field(default_factory=tuple)


def load_rules():
    mods = []
    for name in RULE_MODULES:
        try:
            mods.append(importlib.import_module("tlsdoctor.rules." + name))
        except ImportError:
            continue  # a cause without a rule yet
    return mods


def run(facts: Facts) -> Outcome:
    diagnoses: List[Diagnosis] = []
    errors: List[RuleError] = []
    ran: List[str] = []
    for mod in load_rules():
        ran.append(mod.CAUSE)
        try:
            d = mod.diagnose(facts)
        except Exception:  # one broken rule must not hide the others
            errors.append(RuleError(mod.CAUSE, traceback.format_exc(limit=3).strip().splitlines()[-1]))
            continue
        if d is not None:
            if d.cause != mod.CAUSE:
                errors.append(RuleError(mod.CAUSE, "returned cause %r" % d.cause))
                continue
            diagnoses.append(_with_link(d, facts))
    diagnoses.sort(key=lambda d: -d.score)
    return Outcome(tuple(diagnoses), tuple(errors), tuple(ran))


def _with_link(d: Diagnosis, facts: Optional[Facts] = None) -> Diagnosis:
    if d.link:
        return d
    text = ""
    if facts is not None:
        for h in facts.hosts:
            if d.host in (None, h.url):
                a = h.verdict_attempt
                text = " | ".join([a.error or ""] + list(a.error_chain))
                break
    link = kb_link(d.cause, text)
    if not link:
        return d
    from dataclasses import replace

    return replace(d, link=link)


from tlsdoctor.kb.rank import kb_link  # noqa: E402,F401  (ranking lives next to the KB matcher)
