"""One place that hides secrets before anything is printed or stored.

tlsdoctor's output is pasted into public issue trackers, and what it echoes
(proxy and index URLs, pip's own error text, pasted logs) carries credentials:
``http://user:pass@proxy:3128``, ``https://idx/simple/?token=…``, GitHub/GitLab/
PyPI/AWS tokens in a path, ``Proxy-Authorization`` headers. Everyone imports
this module (check's renderers, the probe's host side, explain); the probe
that runs inside the target interpreter (``probe/target.py``, Python 2.7) keeps
its own copy of the same rules, and ``tests/hostile/planted_secrets.json`` holds
both to one table.

Rules (``redact_text`` applies all of them; ``redact_url`` also masks a bare
``token@host`` because it knows its input is a URL):

* URL userinfo: everything between ``scheme://`` and the **last** ``@`` of the
  authority (urllib3's ``parse_url`` splits there too, so ``user:p@ss@proxy``
  hides ``p@ss`` whole). The authority ends at ``/ ? #``, whitespace or a quote.
* Scheme-less ``user:pass@host`` (pip and urllib3 accept proxies written that
  way), and any ``x@host`` right after ``--proxy``.
* Every query value (``?token=…`` -> ``?token=***``): which keys are secret is
  the index's business, so none is trusted. Fragments are kept: pip puts
  ``#sha256=…``, ``#egg=…`` and ``#subdirectory=…`` there, and browsers and
  requests never send a fragment to the server, so it is no place for a token.
* Token shapes anywhere: ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_``,
  ``github_pat_``, ``glpat-``, ``pypi-`` (with ≥ 16 token characters after the
  prefix, so ``/pypi-remote/`` stays), ``AKIA``/``ASIA`` + 16, JWTs
  (``eyJ….….…``), the segment after ``/t/``, and path segments that look random:
  ≥ 24 characters of ``[A-Za-z0-9_-]`` holding a run of ≥ 20 letters and
  digits mixed. Pure hex runs are *kept*: they are the content hashes in pip's
  own URLs (``files.pythonhosted.org/packages/70/8e/<60 hex>/…``); a hex secret
  is still caught in userinfo, a query, after ``/t/`` or after a secret key.
* ``password=``/``passwd:``/``token:``/``secret=`` … values, and the values of
  ``Authorization:`` and ``Proxy-Authorization:`` headers (the scheme word such
  as ``Basic`` stays) up to the end of the line or the closing quote.

Everything is linear in the input: literal searches (``str.find``) and
single-character-class matches anchored at a known position, never a regex
that can retry a long prefix from every start position (the old
``[a-z][a-z0-9+.-]*://`` did: a 30 KB proxy URL cost seconds). ``truncate``
shortens long values for display; call it on redacted text (cutting first
could drop the ``@`` that marks a password as one).
"""

from __future__ import annotations

import re
from typing import Callable, List, Optional, Tuple

MASK = "***"
# The literal placeholder check's fixes print (``http://USER:PASSWORD@proxy``).
PLACEHOLDER = "USER:PASSWORD"

# Where a URL's authority ends (RFC 3986 plus what surrounds URLs in logs).
_AUTHORITY = re.compile(r"[^\s/?#'\"<>\\`]*")
# Words: split on whitespace and quotes only (a password may hold , ( ) ;).
_WORD = re.compile(r"[^\s'\"`]+")
# What a word needs to need a per-word rule (``_word``), and the way back to its start.
_SPECIAL_CHAR = re.compile(r"[@?/]")
_TO_LAST_SEP = re.compile(r".*[\s'\"`]", re.S)
_TOKEN_RUN = re.compile(r"[A-Za-z0-9_-]*")
_JWT_RUN = re.compile(r"[A-Za-z0-9_.-]*")
_QUERY_PART = re.compile(r"[^&;]*")
_VALUE = re.compile(r"[^\s'\"&;,]*")
_LINE_REST = re.compile(r"[^\n\r'\"]*")
_SPACES = re.compile(r"[ \t]*")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_HEX = frozenset("0123456789abcdefABCDEF")

# Token prefixes and how many token characters must follow to call it one.
_PREFIXES: Tuple[Tuple[str, int], ...] = (
    ("ghp_", 20), ("gho_", 20), ("ghu_", 20), ("ghs_", 20), ("ghr_", 20), ("github_pat_", 20),
    ("glpat-", 16), ("pypi-", 16), ("AKIA", 16), ("ASIA", 16),
)
# key=value / key: value pairs whose value is a secret (case-insensitive).
_SECRET_KEYS = ("password", "passwd", "passphrase", "pwd", "token", "secret", "api_key", "apikey",
                "api-key", "client_secret", "private_token", "access_token", "auth_token")
_HEADERS = ("proxy-authorization", "authorization")
_AUTH_SCHEMES = ("basic", "bearer", "digest", "token", "negotiate", "ntlm", "aws4-hmac-sha256")


def _apply(text: str, spans: List[Tuple[int, int, str]]) -> str:
    """Replace non-overlapping ``(start, end, repl)`` spans (overlaps merge)."""
    if not spans:
        return text
    spans.sort()
    out: List[str] = []
    pos = 0
    for start, end, repl in spans:
        if start < pos:  # overlaps a span already masked: the mask grows
            pos = max(pos, end)
            continue
        out.append(text[pos:start])
        out.append(repl)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _userinfo_mask(userinfo: str) -> str:
    return "%s:%s" % (MASK, MASK) if ":" in userinfo else MASK


def _url_userinfo(text: str, spans: List[Tuple[int, int, str]]) -> None:
    """``scheme://user:pass@host`` -> ``scheme://***:***@host`` (last ``@``)."""
    find = text.find
    i = find("://")
    word_end = next_at = -1  # cached for the fallback below, so it stays linear
    while i >= 0:
        a = i + 3
        b = _AUTHORITY.match(text, a).end()
        at = text.rfind("@", a, b)
        if at < 0 and b < len(text) and text[b] == "/" and ":" in text[a:b]:
            # A raw "/" in the password ("http://u:pa/ss@proxy") ends the
            # authority early for urllib3 too, but the "@" further on still
            # marks what came before as credentials: mask up to it (at worst a
            # port-bearing URL with "@" in its path, e.g. an npm scope, is
            # over-masked).
            if b >= word_end:
                m = _WORD.match(text, b)
                word_end = m.end() if m else b + 1
                next_at = -2
            if next_at != -1 and next_at < b:
                next_at = text.find("@", b, word_end)
            at = next_at
        if at > a and text[a:at] != PLACEHOLDER:
            spans.append((a, at, _userinfo_mask(text[a:at])))
        # The authority holds no "/", so the next "://" is past it: linear.
        i = find("://", max(b, i + 1))


def _word_rules(text: str, spans: List[Tuple[int, int, str]], as_url: bool) -> None:
    """The per-word rules, run only on the words that can need them.

    A word needs a rule only when it holds ``@`` (userinfo), ``?`` (a query) or
    ``/`` (a path; ``scheme://`` holds one too): a C-speed search finds those
    characters, and only their words are cut out and looked at. Walking every
    word in Python cost ~1.5 s per MB of prose (explain's excerpts of crafted
    lines full of words, issue 9's throughput goal); this is the same result
    (tests/hostile/test_redact_words.py holds it to the word-by-word walk).
    Linear: each search starts where the previous word ended, and
    ``_TO_LAST_SEP`` only scans back to there.
    """
    done = 0  # end of the last word looked at: nothing before it is scanned again
    special = _SPECIAL_CHAR.search(text)
    while special is not None:
        p = special.start()
        back = _TO_LAST_SEP.match(text, done, p)
        w0 = back.end() if back else done
        w1 = _WORD.match(text, w0).end()
        word = text[w0:w1]
        after_proxy = False
        if "@" in word:
            # The previous word (explain's "--proxy user@host"): does it end with "proxy"?
            # "proxy" holds no separator, so five letters before the separators
            # that precede this word are that word's last five.
            k = w0
            while k > 0 and (text[k - 1].isspace() or text[k - 1] in "'\"`"):  # _WORD's separators
                k -= 1
            after_proxy = text[max(0, k - 5):k].lower() == "proxy"
        _word(word, w0, spans, after_proxy, as_url)
        done = w1
        special = _SPECIAL_CHAR.search(text, w1)


def _word(word: str, w0: int, spans: List[Tuple[int, int, str]], after_proxy: bool, as_url: bool) -> None:
    """The rules that look at one whitespace-delimited word (``w0``: its offset)."""
    scheme = word.find("://")
    if scheme < 0:
        _schemeless_userinfo(word, w0, spans, after_proxy, as_url)
    q = word.find("?")
    if q >= 0:
        _query_values(word, w0, q, spans)
    if "/" in word:
        _path_segments(word, w0, scheme, q, spans)


def _schemeless_userinfo(word: str, w0: int, spans: List[Tuple[int, int, str]], prev_proxy: bool,
                         as_url: bool) -> None:
    """user:pass@host, KEY=user:pass@host, --proxy x@host (``git@host:repo`` stays)."""
    slash = word.find("/")
    at = word.rfind("@", 0, slash if slash >= 0 else len(word))
    if at <= 0:
        return
    start = 0
    eq = word.find("=", 0, at)
    colon = word.find(":", 0, at)
    if eq >= 0 and (colon < 0 or eq < colon):
        start = eq + 1
    while start < at and word[start] in "([{<,":
        start += 1
    userinfo = word[start:at]
    after_proxy = prev_proxy or "proxy" in word[:start].lower()
    if userinfo and userinfo != PLACEHOLDER and (":" in userinfo or after_proxy or as_url):
        spans.append((w0 + start, w0 + at, _userinfo_mask(userinfo)))


def _query_values(word: str, w0: int, q: int, spans: List[Tuple[int, int, str]]) -> None:
    """Every query value, any key; the fragment is left alone."""
    end = word.find("#", q)
    if end < 0:
        end = len(word)
    pos = q + 1
    while pos < end:
        nxt = min(_QUERY_PART.match(word, pos).end(), end)
        eq = word.find("=", pos, nxt)
        if 0 <= eq < nxt - 1:
            spans.append((w0 + eq + 1, w0 + nxt, MASK))
        pos = nxt + 1


def _path_segments(word: str, w0: int, scheme: int, q: int, spans: List[Tuple[int, int, str]]) -> None:
    """/t/<token>/ and random-looking path segments."""
    path_end = q if q >= 0 else len(word)
    hash_at = word.find("#", 0, path_end)
    if hash_at >= 0:
        path_end = hash_at
    seg_start = word.find("/", scheme + 3 if scheme >= 0 else 0, path_end)
    prev_seg = ""
    while 0 <= seg_start < path_end:
        s = seg_start + 1
        e = word.find("/", s, path_end)
        if e < 0:
            e = path_end
        seg = word[s:e]
        if seg and (prev_seg == "t" or _random_looking(seg)):
            spans.append((w0 + s, w0 + e, MASK))
        prev_seg = seg
        seg_start = e if e < path_end else -1


def _random_looking(seg: str) -> bool:
    if len(seg) < 24 or _TOKEN_RUN.match(seg).end() != len(seg):
        return False
    # One run of >= 20 letters and digits mixed, not hex (content hashes).
    for run in re.split(r"[_-]", seg):
        if len(run) >= 20 and not all(c in _HEX for c in run):
            has_digit = any(c.isdigit() for c in run)
            has_alpha = any(c.isalpha() for c in run)
            if has_digit and has_alpha:
                return True
    return False


def _token_shapes(text: str, spans: List[Tuple[int, int, str]]) -> None:
    for prefix, need in _PREFIXES:
        i = text.find(prefix)
        while i >= 0:
            before = text[i - 1] if i else " "
            end = _TOKEN_RUN.match(text, i + len(prefix)).end()
            if not (before.isalnum()) and end - i - len(prefix) >= need:
                spans.append((i + len(prefix), end, MASK))
            i = text.find(prefix, max(end, i + 1))
    i = text.find("eyJ")
    while i >= 0:
        end = _JWT_RUN.match(text, i).end()
        parts = text[i:end].split(".")
        if len(parts) >= 3 and len(parts[0]) >= 8 and len(parts[1]) >= 4:
            spans.append((i, end, MASK))
        i = text.find("eyJ", max(end, i + 1))


def _key_values(text: str, spans: List[Tuple[int, int, str]]) -> None:
    """``password=x``, ``"token": "x"``, ``Proxy-Authorization: Basic x``."""
    low = text.lower()
    n = len(text)
    for key in _HEADERS + _SECRET_KEYS:
        header = key in _HEADERS
        i = low.find(key)
        while i >= 0:
            j = i + len(key)
            nxt = low.find(key, j)
            # Headers need no word boundary: http.client's debug repr reads \r\nAuthorization:
            if (i and low[i - 1].isalnum() and not header) or (header and key == "authorization" and low.endswith("proxy-", 0, i)):
                i = nxt
                continue
            # key, an optional closing quote, spaces, then = or :, spaces, an optional quote.
            k = j + (1 if j < n and text[j] in "'\"" else 0)
            k = _SPACES.match(text, k).end()
            if k >= n or text[k] not in "=:":
                i = nxt
                continue
            k = _SPACES.match(text, k + 1).end()
            if k < n and text[k] in "'\"":
                k += 1
            if header:
                sp = text.find(" ", k, k + 20)
                if sp > k and low[k:sp] in _AUTH_SCHEMES:
                    k = sp + 1
                end = _LINE_REST.match(text, k).end()
            else:
                end = _VALUE.match(text, k).end()
            if end > k:
                spans.append((k, end, MASK))
            i = low.find(key, max(end, j))


def redact_text(text: str) -> str:
    """Free text (logs, pip's error text, rendered reports) with secrets masked."""
    if not text:
        return text
    spans: List[Tuple[int, int, str]] = []
    _url_userinfo(text, spans)
    _word_rules(text, spans, as_url=False)
    _key_values(text, spans)
    _token_shapes(text, spans)
    return _apply(text, spans)


def redact_tree(obj: object, text: Callable[[str], str] = redact_text) -> object:
    """A JSON-able structure with every string in it redacted by ``text``, keys too, shape kept:
    check's and check --tool's JSON, and the fix journal's details (which passes its own
    stricter ``fix._redact.redact_text``). Redact values, then serialise: masking serialised
    text could swallow a quote or an escape and leave invalid JSON."""
    if isinstance(obj, str):
        return text(obj)
    if isinstance(obj, dict):
        return {text(str(k)): redact_tree(v, text) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [redact_tree(v, text) for v in obj]
    return obj


def redact_url(url: Optional[str]) -> Optional[str]:
    """One URL (scheme optional): any userinfo, query value or token masked."""
    if not url:
        return url
    spans: List[Tuple[int, int, str]] = []
    _url_userinfo(url, spans)
    _word_rules(url, spans, as_url=True)
    _key_values(url, spans)
    _token_shapes(url, spans)
    return _apply(url, spans)


_SECRET_NAME = ("password", "passwd", "pwd", "token", "secret", "auth", "credential", "apikey", "api_key")
_URL_NAME = ("url", "proxy", "index", "host", "find-links", "find_links")


def redact_value(key: str, value: Optional[str]) -> Optional[str]:
    """A configuration or environment value, judged by its key too.

    ``PIP_PASSWORD``/``TWINE_PASSWORD``/``token`` keys are masked whole; URL-ish
    keys (index-url, proxy, ``*_PROXY``, extra-index-url lists) have each
    whitespace-separated value treated as a URL; anything else as free text.
    """
    if value is None or value == "":
        return value
    low = (key or "").lower()
    if any(word in low for word in _SECRET_NAME) and "cert" not in low:
        return MASK
    if any(word in low for word in _URL_NAME):
        return " ".join(redact_url(v) or "" for v in value.split())
    return redact_text(value)


def truncate(text: Optional[str], n: int) -> Optional[str]:
    """At most ``n`` characters plus a marker saying how much was cut."""
    if text is None or len(text) <= n:
        return text
    return "%s…[+%d chars]" % (text[:max(0, n)], len(text) - n)
