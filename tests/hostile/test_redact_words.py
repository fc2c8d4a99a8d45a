"""The per-word redaction rules run only on words holding ``@ ? /``: the same spans as walking every word.

``redact._word_rules`` finds the characters a rule needs and cuts out their
words, instead of walking every word in Python (explain's throughput on
prose-heavy crafted lines, issue 9). The reference below is the word-by-word
walk it replaced, kept here only to hold the fast path to it: the same spans
on seeded random text built from the characters that matter (separators,
Unicode whitespace, quotes, ``@ ? / : =``, "proxy" in any case) and on every
planted secret. A negative control shows the comparison can fail.
"""

from __future__ import annotations

import json
import os
import random

from tlsdoctor import redact

HERE = os.path.dirname(os.path.abspath(__file__))


def reference_word_rules(text, spans, as_url):
    """Every ``_WORD`` in order, the previous word lowercased (the implementation before the change)."""
    prev = ""
    for m in redact._WORD.finditer(text):
        redact._word(m.group(), m.start(), spans, prev.endswith("proxy"), as_url)
        prev = m.group().lower()


def spans_of(fn, text, as_url):
    spans = []
    fn(text, spans, as_url)
    return sorted(spans)


PIECES = ["user", "pass", ":", "@", "?", "/", "//", "://", "=", "&", "#", "t", "proxy", "PROXY", "--proxy",
          "Proxy", "x", " ", "  ", "\t", "\n", "'", '"', "`", "\u00a0", "\u2003", "\x1c", "https", "idx",
          "ghp_" + "a1" * 12, "glpat-" + "b2" * 10, "k" * 30 + "9" * 5, "é", "İ", "(", ",", "<", "token"]


def random_texts(n, seed):
    rnd = random.Random(seed)
    for _ in range(n):
        yield "".join(rnd.choice(PIECES) for _ in range(rnd.randint(0, 40)))


def test_the_fast_word_walk_gives_the_reference_spans():
    for as_url in (False, True):
        for text in random_texts(20000, 9):
            assert spans_of(redact._word_rules, text, as_url) == spans_of(reference_word_rules, text, as_url), \
                repr(text)


def test_on_every_planted_secret_and_its_contexts():
    with open(os.path.join(HERE, "planted_secrets.json")) as fh:
        table = json.load(fh)
    texts = []

    def walk(node):
        if isinstance(node, str):
            texts.append(node)
        elif isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(table)
    assert len(texts) > 20
    for text in texts:
        for variant in (text, "--proxy " + text, "PROXY\u00a0'" + text + "'", text + " " + text):
            for as_url in (False, True):
                assert spans_of(redact._word_rules, variant, as_url) == \
                    spans_of(reference_word_rules, variant, as_url), repr(variant)


def test_negative_control_a_walk_that_forgets_the_previous_word_is_caught():
    """The comparison sees a difference when the previous word is ignored (``--proxy user@host``)."""
    def forgetful(text, spans, as_url):
        for m in redact._WORD.finditer(text):
            redact._word(m.group(), m.start(), spans, False, as_url)

    text = "pip install --proxy user@proxy.example:3128 x"
    assert spans_of(forgetful, text, False) != spans_of(reference_word_rules, text, False)
    assert spans_of(redact._word_rules, text, False) == spans_of(reference_word_rules, text, False)
    assert "user" not in redact.redact_text(text)


def test_long_inputs_stay_linear_in_shape():
    """No scan restarts from the beginning: a long run of words without specials then many specials."""
    text = "word " * 50000 + "/a?b=c " * 20000 + "x" * 100000 + "@" + " \u00a0" * 50000 + "proxy u@h"
    assert spans_of(redact._word_rules, text, False) == spans_of(reference_word_rules, text, False)
