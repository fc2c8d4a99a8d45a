"""Rules: one small module per cause id, each a pure function over ``Facts``.

A rule module has ``CAUSE`` (a stable id from ``tlsdoctor.causes``) and a
``diagnose`` made by the ``@rule`` decorator, which declares the rule's gate
(like thefuck's ``@for_app``) and the attempts it reads::

    @rule(CAUSE, reads=("pip_request", "tls", "verify"))
    def diagnose(f: Facts, h: Host) -> Optional[Diagnosis]: ...

``diagnose(facts)`` then runs the per-host function over each failing host:
the cause is stated once, for every host it applies to (``Diagnosis.hosts``;
the evidence and fix are the first host's), so a second failing host
(files.pythonhosted.org) never reads "no rule recognises why". Rules never do I/O: everything they need was
measured by the probe (like thefuck's ``match`` over a command's output, but
over measured facts instead of text). A rule that raises, or whose module
cannot be imported, is reported as a ``RuleError`` and the others still run
(thefuck's ``rule_failed``).

``deciding`` names attempts without which this cause cannot be told from the
``separates`` causes (the direct handshake tells an intercepting proxy from
a private CA). When one of them was launched but did not finish, the rule
yields ``Undecided`` instead of a cause: a missing deciding probe must never
turn into a different cause.

Rules fire on mechanisms and evidence (what the handshake variants, the
trust-store comparisons and pip's own request showed), never on host names,
ports or scenario names.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import traceback
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple, Union

from tlsdoctor.causes import CAUSES
from tlsdoctor.messages import M
from tlsdoctor.facts import Facts, Host
from tlsdoctor.remedies import Step

# Module names, one per cause id (kebab -> snake).
RULE_MODULES = [c.replace("-", "_") for c in CAUSES]


@dataclass(frozen=True)
class Diagnosis:
    cause: str
    verdict: str  # one line
    evidence: Tuple[str, ...]  # the facts that prove it
    fix: Tuple[Step, ...]  # typed steps (tlsdoctor.remedies): exact argv, or file + key + value
    dead_ends: Tuple[str, ...] = ()  # what will not help
    score: int = 50  # ranking: higher = more specific / more certain
    host: Optional[str] = None
    link: Optional[str] = None  # KB entry id
    hosts: Tuple[str, ...] = ()  # every failing host this cause applies to (host first); () = just host

    def covers(self, url: str) -> bool:
        """This diagnosis explains the host at ``url`` (a facts-wide one explains every host)."""
        return self.host is None or url == self.host or url in self.hosts

    @property
    def all_hosts(self) -> Tuple[str, ...]:
        return self.hosts or ((self.host,) if self.host else ())

    def to_json(self) -> dict:
        return {
            "cause": self.cause,
            "verdict": self.verdict,
            "evidence": list(self.evidence),
            "fix": [step.to_json() for step in self.fix],
            "dead_ends": list(self.dead_ends),
            "host": self.host,
            "hosts": list(self.all_hosts),
            "kb": self.link,
            "score": self.score,
        }


@dataclass(frozen=True)
class Undecided:
    """A rule whose evidence pointed at its cause, but a deciding attempt did not finish."""

    cause: str  # the rule that could not decide
    candidates: Tuple[str, ...]  # the causes it could not separate (its own first)
    why: str  # which attempt, and what became of it
    host: Optional[str] = None
    hosts: Tuple[str, ...] = ()  # every host it could not decide for (host first)

    def covers(self, url: str) -> bool:
        return self.host is None or url == self.host or url in self.hosts

    def to_json(self) -> dict:
        return {"cause": self.cause, "candidates": list(self.candidates), "why": self.why, "host": self.host,
                "hosts": list(self.hosts or ((self.host,) if self.host else ()))}


@dataclass(frozen=True)
class RuleError:
    rule: str
    error: str


@dataclass(frozen=True)
class Outcome:
    diagnoses: Tuple[Diagnosis, ...]
    rule_errors: Tuple[RuleError, ...] = ()
    ran: Tuple[str, ...] = field(default_factory=tuple)
    undecided: Tuple[Undecided, ...] = ()


@dataclass(frozen=True)
class RuleSpec:
    """What a rule declares: its cause, its gate, the attempts it reads and which of them decide."""

    cause: str
    on: str  # "failing_hosts": once per host whose pip request failed; "facts": once, without a host
    reads: Tuple[str, ...]  # HostAttempts field names (a test holds them to the probe's ATTEMPTS table)
    deciding: Tuple[str, ...] = ()
    separates: Tuple[str, ...] = ()


GATES = ("failing_hosts", "facts")
Verdict = Union[Diagnosis, Undecided, None]


def rule(cause: str, on: str = "failing_hosts", reads: Tuple[str, ...] = (), deciding: Tuple[str, ...] = (),
         separates: Tuple[str, ...] = ()) -> Callable[[Callable[..., Optional[Diagnosis]]], Callable[[Facts], Verdict]]:
    """Make ``diagnose(facts)`` from a per-host ``fn(facts, host)`` (or ``fn(facts)`` with ``on="facts"``)."""
    if on not in GATES:
        raise ValueError("rule %s: unknown gate %r (one of %s)" % (cause, on, ", ".join(GATES)))
    if not set(deciding) <= set(reads):
        raise ValueError("rule %s: deciding attempts %s are not declared in reads" % (cause, deciding))
    spec = RuleSpec(cause, on, tuple(reads), tuple(deciding), tuple(separates))

    def wrap(fn: Callable[..., Optional[Diagnosis]]) -> Callable[[Facts], Verdict]:
        @functools.wraps(fn)
        def diagnose(facts: Facts) -> Verdict:
            if on == "facts":
                return fn(facts)
            found = []
            for h in facts.failing_hosts:
                d = fn(facts, h)
                if d is not None:
                    found.append(_undecided(spec, h, d) or d)
            return _once(found)

        diagnose.spec = spec  # type: ignore[attr-defined]
        diagnose.per_host = fn  # type: ignore[attr-defined]
        return diagnose

    return wrap


def _once(found: List[Verdict]) -> Verdict:
    """One verdict for all hosts: the first diagnosis, naming every host this cause was found on.

    Hosts where the rule could not decide stay undecided only when no host
    was diagnosed (check then reports the undecided ones as such)."""
    from dataclasses import replace

    diagnosed = [d for d in found if isinstance(d, Diagnosis)]
    if diagnosed:
        hosts = tuple(dict.fromkeys(d.host for d in diagnosed if d.host))
        first = diagnosed[0]
        others = [d for d in diagnosed[1:] if d.host and d.host != first.host]
        evidence = first.evidence + tuple(M("rules.same", "the same on %s: %s", d.host, d.verdict) for d in others)
        return replace(first, hosts=hosts if len(hosts) > 1 else (), evidence=evidence)
    undecided = [u for u in found if isinstance(u, Undecided)]
    if undecided:
        hosts = tuple(dict.fromkeys(u.host for u in undecided if u.host))
        return replace(undecided[0], hosts=hosts if len(hosts) > 1 else ())
    return None


def _undecided(spec: RuleSpec, h: Host, d: Diagnosis) -> Optional[Undecided]:
    """``Undecided`` when an attempt that decides this cause was launched but did not finish."""
    for name in spec.deciding:
        a = getattr(h.attempts, name)
        if a.unfinished:
            why = M("rules.attempt_did_not", "the %s attempt (%s) did not finish: %s%s", name, a.name, a.status,
                    (" (%s)" % a.error) if a.error else "")
            return Undecided(spec.cause, (spec.cause,) + spec.separates, why, h.url)
    return None


def load_rules() -> list:
    return _load()[0]


def _load() -> Tuple[list, List[RuleError]]:
    """The rule modules, and a RuleError for each that exists but cannot be loaded or is malformed."""
    mods, errors = [], []
    for name, cause in zip(RULE_MODULES, CAUSES):
        qual = "tlsdoctor.rules." + name
        if importlib.util.find_spec(qual) is None:
            continue  # a cause without a rule module at all (not yet written)
        try:
            mod = importlib.import_module(qual)
        except Exception:  # a rule that cannot load is reported, never silently dropped
            errors.append(RuleError(cause, "cannot load: " + _last_line()))
            continue
        if getattr(mod, "CAUSE", None) != cause or not callable(getattr(mod, "diagnose", None)):
            errors.append(RuleError(cause, "module %s lacks CAUSE = %r or diagnose()" % (qual, cause)))
            continue
        mods.append(mod)
    return mods, errors


def _last_line() -> str:
    return traceback.format_exc(limit=3).strip().splitlines()[-1]


def run(facts: Facts) -> Outcome:
    mods, errors = _load()
    diagnoses: List[Diagnosis] = []
    undecided: List[Undecided] = []
    ran: List[str] = []
    for mod in mods:
        ran.append(mod.CAUSE)
        try:
            d = mod.diagnose(facts)
        except Exception:  # one broken rule must not hide the others
            errors.append(RuleError(mod.CAUSE, _last_line()))
            continue
        if d is None:
            continue
        if d.cause != mod.CAUSE:
            errors.append(RuleError(mod.CAUSE, "returned cause %r" % d.cause))
        elif isinstance(d, Undecided):
            undecided.append(d)
        else:
            diagnoses.append(_with_link(d, facts))
    diagnoses = _without_undecided(diagnoses, undecided)
    diagnoses.sort(key=lambda d: -d.score)
    return Outcome(tuple(diagnoses), tuple(errors), tuple(ran), tuple(undecided))


def _without_undecided(diagnoses: List[Diagnosis], undecided: List[Undecided]) -> List[Diagnosis]:
    """Drop a diagnosis that a rule could not separate from its own cause on the same host.

    When rule A says "A or B, the attempt that decides did not answer", B's
    rule firing there only means A's evidence is missing: naming B would turn
    a missing deciding probe into a different cause (issue 8 item 4)."""
    out = []
    for d in diagnoses:
        if any(d.cause in u.candidates and u.cause != d.cause and d.host is not None
               and all(u.covers(x) for x in d.all_hosts) for u in undecided):
            continue
        out.append(d)
    return out


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
