"""explain never crashes on malformed input (random bytes, mangled real errors)."""

from __future__ import annotations

import random

import pytest

from tlsdoctor.explain import explain_bytes
from tlsdoctor.kb import load_entries

SEEDS = range(40)
EXAMPLES = [ex.encode("utf-8") for e in load_entries() for ex in e["examples"]]


@pytest.mark.parametrize("seed", SEEDS)
def test_random_bytes(seed):
    rnd = random.Random(seed)
    data = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 20000)))
    report = explain_bytes(data)
    assert isinstance(report["matches"], list)


@pytest.mark.parametrize("seed", SEEDS)
def test_mutated_real_errors(seed):
    rnd = random.Random(1000 + seed)
    data = bytearray(b"\n".join(rnd.sample(EXAMPLES, 5)))
    for _ in range(rnd.randint(1, 60)):
        op = rnd.random()
        pos = rnd.randrange(len(data) + 1)
        if op < 0.4:
            data[pos:pos] = bytes([rnd.choice([0, 10, 13, 27, 0xFF, 0xC3, ord("("), ord("'")])])
        elif op < 0.7 and data:
            del data[pos:pos + rnd.randint(1, 8)]
        else:
            data[pos:pos] = b"\xe2\x95\xb0\xe2\x94\x80> " * rnd.randint(1, 3)
    report = explain_bytes(bytes(data))
    for m in report["matches"]:
        assert m["id"] and m["causes"]
