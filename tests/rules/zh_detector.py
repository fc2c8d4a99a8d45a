"""Find English prose left in a line of ``--lang zh`` output (shared by the zh tests).

A heuristic, deliberately simple: three or more consecutive English words, after removing
what is not prose in any language — code spans, values the test marked as data (``⟦…⟧``),
URLs, paths, options, ``NAME=value`` settings, dotted or snake_case names and numbers.
"""

from __future__ import annotations

import re
from typing import List

_NOT_PROSE = [
    re.compile(r"`[^`]*`"),  # code spans: commands, file names
    re.compile(r"⟦[^⟧]*⟧"),  # values marked as data by the test (host names, pip's error text...)
    re.compile(r"\S+://\S*"),  # URLs
    re.compile(r"\btlsdoctor(?: [a-z]+){1,2}\b"),  # tlsdoctor's own command lines (tlsdoctor kb show ...)
]
_WORD = re.compile(r"^[A-Za-z][a-z']*[,.;:!?]?$")
RUN = 3


def _is_word(token: str) -> bool:
    # Paths, options, settings and names (a/b, --cert, X=1, ssl.HAS_TLSv1_3, PIP_CERT) are not prose words.
    if any(c in token for c in "/=_\\@") or token.startswith("-"):
        return False
    if token.isupper() and len(token) > 1:  # TLS, CA, SHA, DNS: acronyms carry no sentence
        return False
    return bool(_WORD.match(token))


def english_runs(line: str) -> List[str]:
    """Every run of >= 3 consecutive English words in ``line`` (outside the non-prose parts)."""
    for pattern in _NOT_PROSE:
        line = pattern.sub(" ¦ ", line)
    runs, cur = [], []
    for token in re.split(r"[\s（）()，：；、。“”\[\]|]+", line):
        if token and _is_word(token):
            cur.append(token)
            continue
        if len(cur) >= RUN:
            runs.append(" ".join(cur))
        cur = []
    if len(cur) >= RUN:
        runs.append(" ".join(cur))
    return runs
