"""Checks that keep KB regexes cheap: no catastrophic backtracking, grep-able.

Python's ``re`` is a backtracking engine; a nested quantifier such as
``(a+)+`` or ``(.*)*`` can take exponential time on a crafted line, and
explain reads untrusted logs. Two layers:

* a structural check on the parsed pattern: no repeat whose body can itself
  repeat or match the empty string, and no unbounded ``.*`` pairs that can
  overlap (the usual polynomial blow-ups);
* a timed check against adversarial strings built from the regex's own
  literals (used by the tests and ``kb validate``).

The regexes also stay inside the POSIX-ERE-compatible subset (no ``(?...)``,
``\\d``, lookaround or lazy quantifiers) so that ``grep -E`` runs the same
patterns in the benchmark.
"""

from __future__ import annotations

import re
import time
from typing import List

try:  # Python 3.11 moved the parser
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re import _constants as sre_c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT}
_NON_ERE = re.compile(r"\(\?|\\[dDbBAZ]|\*\?|\+\?|\?\?|\}\?")


def _can_repeat_or_empty(items) -> bool:
    for op, av in items:
        if op in _REPEATS:
            lo, hi, body = av
            if hi > 1 or lo == 0:
                return True
            if _can_repeat_or_empty(body):
                return True
        elif op == sre_c.SUBPATTERN:
            if _can_repeat_or_empty(av[-1]):
                return True
        elif op == sre_c.BRANCH:
            if any(_can_repeat_or_empty(b) for b in av[1]):
                return True
    return False


def _has_branch(items) -> bool:
    for op, av in items:
        if op == sre_c.BRANCH:
            return True
        if op == sre_c.SUBPATTERN and _has_branch(av[-1]):
            return True
    return False


def _nested_repeats(items) -> List[str]:
    problems = []
    for op, av in items:
        if op in _REPEATS:
            lo, hi, body = av
            if hi > 1 and _can_repeat_or_empty(body):
                problems.append("nested quantifier")
            if hi > 1 and _has_branch(body):
                # (ab|a)* : overlapping alternatives under a repeat backtrack
                # exponentially on a near-miss.
                problems.append("alternation inside a repeat")
            problems += _nested_repeats(body)
        elif op == sre_c.SUBPATTERN:
            problems += _nested_repeats(av[-1])
        elif op == sre_c.BRANCH:
            for b in av[1]:
                problems += _nested_repeats(b)
    return problems


def _unbounded_count(items) -> int:
    n = 0
    for op, av in items:
        if op in _REPEATS:
            if av[1] == sre_c.MAXREPEAT:
                n += 1
            n += _unbounded_count(av[2])
        elif op == sre_c.SUBPATTERN:
            n += _unbounded_count(av[-1])
        elif op == sre_c.BRANCH:
            n += max((_unbounded_count(b) for b in av[1]), default=0)
    return n


def structural_problems(pattern: str) -> List[str]:
    """Reasons ``pattern`` could backtrack badly or is not grep -E compatible."""
    problems = []
    if _NON_ERE.search(pattern):
        problems.append("uses syntax outside the POSIX-ERE subset ((?...), \\d, \\b, lazy quantifier)")
    parsed = sre_parse.parse(pattern)
    problems += _nested_repeats(list(parsed))
    # Each alternative may hold at most one unbounded repeat: two can split
    # the same run of characters in O(n^2) ways on a failing line.
    for branch in (parsed[0][1][1] if len(parsed) == 1 and parsed[0][0] == sre_c.BRANCH else [list(parsed)]):
        if _unbounded_count(branch) > 1:
            problems.append("more than one unbounded repeat in one alternative")
    return problems


def adversarial_inputs(pattern: str, size: int = 20000) -> List[str]:
    """Strings that make a backtracking engine work hard for this pattern:
    long runs of each literal's characters, almost-matches, no terminator."""
    literals = re.findall(r"[A-Za-z_ ][A-Za-z_ .:'-]{2,}", pattern) or ["a"]
    out = []
    for lit in literals[:6]:
        out.append(lit * (size // max(len(lit), 1)))
        out.append((lit[:-1] + " ") * (size // max(len(lit), 1)))
    out.append("'" * size)
    out.append("(" * size)
    out.append("x" * size)
    return out


def worst_match_seconds(pattern: str) -> float:
    rx = re.compile(pattern)
    worst = 0.0
    for s in adversarial_inputs(pattern):
        t = time.perf_counter()
        rx.search(s)
        worst = max(worst, time.perf_counter() - t)
    return worst
