"""KB regexes: no catastrophic backtracking, grep -E compatible, prefilter-safe."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

from tlsdoctor.kb import load_entries
from tlsdoctor.kb.match import PREFILTER_TOKENS
from tlsdoctor.kb.safety import adversarial_inputs, structural_problems

ENTRIES = load_entries()
IDS = [e["id"] for e in ENTRIES]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_regex_has_no_backtracking_shape(entry):
    assert structural_problems(entry["regex"]) == []


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_regex_is_fast_on_adversarial_input(entry):
    # Time-bounded, generous (CI machines are slow): a catastrophic pattern
    # takes seconds to hours on 20 kB; a linear one takes microseconds.
    rx = re.compile(entry["regex"])
    for s in adversarial_inputs(entry["regex"]):
        t = time.perf_counter()
        rx.search(s)
        assert time.perf_counter() - t < 0.5


@pytest.mark.parametrize("bad", ["(a+)+b", "(.*)*x", "x.*a.*b", "(ab|a)*c", "(?:x)", r"\d+", "a+?"])
def test_checker_flags_known_bad_patterns(bad):
    assert structural_problems(bad)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_examples_survive_the_prefilter(entry):
    # explain only looks at lines holding one of these tokens (bytes.find);
    # a KB example without one would be invisible in a log.
    for ex in entry["examples"]:
        raw = ex.encode("utf-8")
        assert any(tok in raw for tok in PREFILTER_TOKENS), ex


@pytest.mark.skipif(shutil.which("grep") is None, reason="no grep")
@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_grep_agrees_with_python(entry):
    # The benchmark compares with `grep -E -f`; the same regex must mean the
    # same thing to both engines.
    text = "\n".join(entry["examples"] + entry.get("counter_examples", [])) + "\n"
    proc = subprocess.run(["grep", "-E", "-c", "-e", entry["regex"]], input=text.encode(), stdout=subprocess.PIPE)
    assert int(proc.stdout or b"0") == len(entry["examples"])
