"""No function in ``src/`` above cyclomatic complexity 20 (CONTRIBUTING), measured by radon.

radon (a test extra) computes McCabe's number per function and method the
way CONTRIBUTING states the rule (``radon cc -s -n D src/``). A function
past 20 reads as one long decision table: split it into named steps. The
negative control feeds the same check a function with 21 decisions.
"""

from __future__ import annotations

import os

from radon.complexity import cc_visit

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src", "tlsdoctor")
LIMIT = 20


def too_complex(source: str, name: str):
    """(name:line function, complexity) of every block in ``source`` above LIMIT."""
    # cc_visit lists what ``radon cc`` prints: functions, classes and their
    # methods (a closure counts towards the function that holds it).
    return [("%s:%d %s" % (name, b.lineno, b.fullname), b.complexity)
            for b in cc_visit(source) if b.complexity > LIMIT]


def test_no_function_in_src_above_the_limit():
    found = []
    files = 0
    for root, _, names in os.walk(SRC):
        for n in sorted(names):
            if n.endswith(".py"):
                path = os.path.join(root, n)
                with open(path, encoding="utf-8") as fh:
                    found += too_complex(fh.read(), os.path.relpath(path, SRC))
                files += 1
    assert files > 50  # the walk saw the package
    assert found == [], "split these into named steps: %r" % found


def test_negative_control_a_function_with_21_decisions_is_caught():
    body = "".join("    if x == %d:\n        return %d\n" % (i, i) for i in range(20))
    source = "def many(x):\n" + body + "    return -1\n"
    assert too_complex(source, "control.py") == [("control.py:1 many", 21)]
    fewer = "def fewer(x):\n" + "".join("    if x == %d:\n        return %d\n" % (i, i) for i in range(19))
    assert too_complex(fewer, "control.py") == []
