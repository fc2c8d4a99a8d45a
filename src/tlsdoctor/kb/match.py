"""The matching engine behind ``tlsdoctor explain``: stream bytes, find KB entries.

Design (the issue asks for "any size, any encoding, memory flat"):

* Input arrives as binary chunks. Only complete lines are processed; the
  unfinished tail is carried to the next chunk (capped, so a file without
  newlines cannot grow memory).
* A cheap prefilter finds candidate lines with a literal search for each of a
  handful of tokens (CPython's sre literal-prefix scan, ~3 GB/s). Every KB
  example line must contain one of them
  (``tests/kb/test_kb_regex_safety.py::test_examples_survive_the_prefilter``),
  so the prefilter never hides a match. Everything else in a 100 MB CI log is
  skipped without decoding.
* Candidate lines are decoded as UTF-8 with ``errors="replace"`` and stripped
  of CR and ANSI escapes; an entry's regex runs only when the line holds one
  of the entry's required literals (``required_literals``). Results are
  memoized per line text (bounded by bytes), so the five identical
  ``Retrying (Retry(total=N ...))`` lines pip prints (pip >= 10 retries 5
  times, urllib3 logs each retry) cost one analysis each.
* Work is bounded on crafted input (issue 9): an overlong line is analysed
  only in windows around its first literal hits, and past a budget of newly
  analysed text only lines already seen are analysed (``lines_not_analysed``).
* Which program printed the error (curl, git, npm, conda, uv, Poetry,
  requests, urllib, pip) and on which OS are clues too (``Clues.client``).
* Terminal-wrapped lines: a line cut at the terminal width (or word-wrapped by
  rich, as pip >= 26.2 does for its diagnostic errors) is re-joined with its
  neighbour, both exactly and with the indentation collapsed to one space.
* Clues that narrow the causes are collected from the same lines: pip and
  Python versions, a Python-2 ``u'...'`` repr, the ``_ssl.c`` line number, an
  ``https://`` proxy, truststore frames, OpenSSL-3-only reason strings, and
  whether a refused connection went to the index or elsewhere (a proxy).

Nothing here looks at scenario names or fixed ports or host names: only at the
error mechanisms pip, urllib3 and CPython print.
"""

from __future__ import annotations

import bisect
import functools
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from tlsdoctor.redact import redact_text as redact

# Literal tokens; a line containing none of them cannot match any KB entry
# (tests/kb/test_kb_regex_safety.py checks every KB example holds one).
# Each token costs one bytes.find pass (~2 GB/s), so the list is short and
# long tokens are preferred: "roxy" covers Proxy/proxy, "ertificate"
# Certificate/certificate, "onnection" NewConnectionError, "a new connection",
# "a secure connection" and pip 26.2's "error: connection-failed".
PREFILTER_TOKENS: Tuple[bytes, ...] = (
    b"SSL", b"ssl", b"roxy", b"ertificate", b"server_hostname", b"onnection",
    b"SOCKS support", b"alert protocol version", b"TLSv1.2+ is required",
    # uv (rustls, hyper-util) names a handshake alert, a plaintext answer and a
    # refused CONNECT in its own words, on "Caused by:" / "cause:" lines that
    # hold none of the tokens above (lab: uv 0.4.30 / 0.10.12 / 0.13.9 on
    # tls10-only, weak-dh, no-secure-renegotiation, client-cert-required,
    # plain-http-index, proxy-upstream-unreachable); Poetry 2 without -v prints
    # only "All attempts to connect to HOST:PORT failed." (poetry/all-attempts-failed
    # tells the reader to run it again with -v). Each is the narrowest text
    # those lines share: a token makes a line a candidate (its regexes and
    # clues run), so a broad one ("tunnel", "fatal") would read unrelated lines.
    b"received fatal alert", b"tls handshake eof", b"received corrupt message",
    b"tunnel error", b"unsuccessful tunnel", b"All attempts to connect to",
)
# Lines that carry clues only: `pip --version` output ("pip X from ... (python Y)"),
# traceback frames in pip's vendored truststore (pip >= 24.2 on Python >= 3.10),
# HTTPS_PROXY=... lines (an https:// proxy URL), the index pip uses.
# Also the lines that name the client when they carry no prefilter token
# (npm's error code lines, Poetry's crash-trace frames, uv's retry summary).
CLUE_TOKENS: Tuple[bytes, ...] = (b"pip (python ", b"truststore", b"_PROXY", b"Looking in indexes",
                                  b"npm ERR!", b"npm error", b"pypoetry", b"Request failed after",
                                  b"run your poetry command with -v",
                                  b"Python.framework", b"C:\\", b"/usr/lib/python")

class _Lazy:
    """A regex compiled on first use: explain of one pasted line must start
    fast, and most clue patterns are never needed for it."""

    __slots__ = ("pattern", "_rx")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._rx: "Optional[re.Pattern[str]]" = None

    def __getattr__(self, name: str):
        if self._rx is None:
            self._rx = re.compile(self.pattern)
        return getattr(self._rx, name)


MAX_LINE = 1 << 20  # a "line" longer than 1 MiB is cut: memory stays flat
JOIN_MIN = 40  # shorter lines are not the first half of a terminal-wrapped line
MEMO_MAX = 8192
# The memo is bounded by the bytes of text it keeps, not only by entries: 8,192
# entries of up to 2 MB each (a line joined with its neighbour) reached 500 MB
# on crafted input (issue 9).
MEMO_BYTES = 8 << 20
# Work per line is bounded too. pip's longest error lines (a retry warning with
# a nested exception repr, pip 26.2's rich diagnostic) are a few KB; a line
# longer than LONG_LINE is minified output, a progress bar without newlines or
# crafted input. Only windows around its first literal hits are analysed: at
# most LONG_WINDOWS windows of 2 * LONG_HALF bytes, the first hit of each
# prefilter token first (so a different error later in the line still gets a
# window), then further hits in order.
LONG_LINE = 16 << 10
GATE_AFTER = 32  # analyses before the literal gates are built (see Engine)
# And work per input: text not seen before is analysed up to BUDGET_FREE bytes
# plus 1/BUDGET_SHARE of the input read so far (a real log analyses a tiny
# fraction of its bytes: 720 errors in the 100 MB benchmark log); past that,
# only lines already in the memo count, the rest are counted as not analysed
# and the report says so. This keeps any input at tens of MB/s.
# BUDGET_FREE is the constant part of explain's cost on crafted input (~0.1 s
# per MB of analysed text when every line holds many KB literals), so it is
# sized from real text, not from what is affordable: the largest of the lab's
# 1,637 recordings (pip's and the other tools') analyses 27 KB, and a log of
# 2,000 distinct pip errors (600 KB) 1.7 MB, both analysed whole
# (tests/hostile/test_explain_crafted.py). 2 MB (4 MB before) halves the
# constant and leaves every real log's result as it was.
BUDGET_FREE = 2 << 20
BUDGET_SHARE = 16
LONG_HALF = 1536
LONG_WINDOWS = 8
EXCERPT_MAX = 400

_ANSI = _Lazy(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")

# --- secrets -----------------------------------------------------------------
# CONTRIBUTING: never print credentials. One module for every output:
# tlsdoctor.redact (imported above as ``redact``).


def normalize(raw: bytes) -> str:
    """Bytes of one line -> text for matching: UTF-8 (invalid bytes replaced),
    no CR (CRLF logs, progress bars), no ANSI colour codes."""
    text = raw.decode("utf-8", "replace")
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\r" in text:
        text = text.rstrip("\r").replace("\r", " ")
    return text.rstrip("\n")


# --- clues -------------------------------------------------------------------
_PIP_VERSION = _Lazy(
    r"\bpip (\d+\.\d+(?:\.\d+)?) from |You are using pip version (\d+\.\d+(?:\.\d+)?)"
    r"|[/\\]pip-(\d+\.\d+(?:\.\d+)?)\.dist-info"
)
_PY_VERSION = _Lazy(
    r"\(python (\d\.\d+)\)|[/\\][Pp]ython(\d\.\d+)[/\\]|\bPython (\d\.\d+)\.\d+"
)
_SSL_C_LINE = _Lazy(r"\(_ssl\.c:(\d+)\)")
_PY2_REPR = _Lazy(r"\(1, u'\[|Error\(u'|, u'[A-Za-z\[]")
# Before Python 3.7 BaseException.__repr__ kept the tuple comma: "Error('x',)".
_PRE37_REPR = _Lazy(r"\(_ssl\.c:\d+\)'\),\)|Error\('[^']*',\)|Error\(\"[^\"]*\",\)")
_OPENSSL3 = _Lazy(r"UNEXPECTED_EOF_WHILE_READING|unexpected eof while reading|OpenSSL 3\.")
_PROXY = _Lazy(
    r"ProxyError|Cannot connect to proxy|Unable to connect to proxy|Tunnel connection failed"
    r"|proxy-connection-failed|Failed to connect to proxy|Your proxy appears"
)
# urllib3 >= 1.26 only runs _connect_tls_proxy when the proxy URL is https://
# (connection.py); otherwise a URL written next to the word proxy.
_HTTPS_PROXY = _Lazy(r"_connect_tls_proxy|[Pp][Rr][Oo][Xx][Yy][^\s]{0,16}[ =:'\"]{1,4}https://|proxy https://")
# pip 26.2's DiagnosticPipError format (exceptions.py@26.2), urllib3 2's wording.
_PIP262 = _Lazy(r"^\s*error: (?:ssl-verification-failed|proxy-connection-failed|ssl-missing|connection-failed|connection-timeout)\b")
_URLLIB3_2 = _Lazy(r"Unable to connect to proxy")
_PIP_LE9 = _Lazy(r"pip/_vendor/requests/packages/urllib3|[\\/]pip[\\/]download\.py")
_WARNING_RETRY = _Lazy(r"^\s*WARNING: Retrying \(Retry\(")
_BARE_RETRY = _Lazy(r"^\s*Retrying \(Retry\(")

# The index pip talks to, and where a failed connection went. urllib3 2 (pip
# >= 26.1) reports a refused *proxy* as NewConnectionError("HTTPSConnection(
# host=PROXY, port=N)") without a ProxyError wrapper (lab: proxy-unreachable),
# so a connection target that is not the index is the proxy.
_INDEX_URLS = _Lazy(r"Looking in indexes: (.*)|Could not fetch URL (https?://\S+)")
_URL_HOST = _Lazy(r"https?://(?:[^@/\s]*@)?(\[[^\]]+\]|[^/\s:,]+)(?::([0-9]+))?")
_CONNECT_TARGET = _Lazy(r"HTTPS?Connection\(host='([^']+)', port=([0-9]+)\)")
_DEFAULT_INDEX = {("pypi.org", "443"), ("files.pythonhosted.org", "443")}

INF = (999, 0)

# Which program printed the error, from its own mechanisms: error prefixes,
# exception class names and module paths in tracebacks (never a scenario or
# host name). First match wins per line; pip's markers are kept apart so a log
# that holds both (pip inside a conda job) keeps pip's advice.
_CLIENT_MARKERS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("conda", ("CondaSSLError", "CondaHTTPError", "conda/gateways/", "conda\\gateways\\",
               "Conda cannot proceed")),
    # Poetry 2 (console/exceptions.py, PoetryConnectionError / PoetryRuntimeError) prints its own
    # summary and -v hint above or instead of the urllib3 message (lab: Poetry 2.5.1).
    ("poetry", ("pypoetry", "poetry/repositories/", "poetry/utils/authenticator", "poetry.repositories.",
                "All attempts to connect to", "You can also run your poetry command with -v")),
    # uv 0.10+ names the failed request on "cause:" lines: a proxy's refusal ("tunnel error: ") and the
    # UnknownIssuer hint of 0.13 come without "invalid peer certificate" (lab: uv 0.10.12, 0.13.9).
    ("uv", ("invalid peer certificate: ", "error: Request failed after", "Caused by: Request failed after",
            "tunnel error: ", "hint: Consider enabling use of system TLS certificates",
            # rustls's and tokio-rustls's own words (rustls Error::AlertReceived / InvalidMessage,
            # "tls handshake eof"): of the clients known here only uv speaks TLS through rustls;
            # OpenSSL-based ones say "tlsv13 alert certificate required", "wrong version number".
            "received fatal alert: ", "received corrupt message of type ", "tls handshake eof")),
    # httpx re-raises httpcore's exceptions under its own names (httpx/_transports/default.py,
    # map_httpcore_exceptions): httpcore.X then httpx.X, and frames in site-packages/httpx.
    ("httpx", ("httpx.ConnectError", "httpx.ProxyError", "httpx.ReadError", "/site-packages/httpx/",
               "\\site-packages\\httpx\\", "httpcore.")),
    ("npm", ("npm ERR! ", "npm error ", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY")),
    ("git", ("fatal: unable to access '",)),
    ("curl", ("curl: (",)),
    ("python", ("urlopen error", "urllib.error.URLError", "urllib/request.py", "urllib\\request.py")),
    ("pip", ("pip._vendor", "pip._internal", "pip/_vendor/", "pip\\_vendor\\", "Could not fetch URL ",
             "Looking in indexes: ", "There was a problem confirming the ssl certificate",
             "error: ssl-verification-failed", "error: proxy-connection-failed", "Can't connect to HTTPS URL")),
)
_REQUESTS_SCRIPT = _Lazy(r"^requests\.exceptions\.|[/\\]site-packages[/\\]requests[/\\]")
# Where the text was printed, from paths and OS error shapes.
_OS_MARKERS: Tuple[Tuple[str, Tuple[str, ...]], ...] = (
    ("windows", ("[WinError ", "C:\\", "\\AppData\\", "\\Scripts\\pip", ".exe", "schannel: ", "PowerShell")),
    ("macos", ("/Library/Frameworks/Python.framework", "/Applications/Python 3", "/opt/homebrew/", "darwin",
               "/Users/", "macOS")),
    ("linux", ("/usr/lib/python", "/usr/local/lib/python", "/home/", "/etc/ssl/certs", "linux-gnu",
               "/etc/pki/")),
)


def finditer_near(rx, text: str, anchor: str, offsets: Tuple[int, ...]):
    """``rx.finditer(text)`` for a pattern whose every match is non-empty and has ``anchor`` at one
    of ``offsets`` after its start.

    An alternation without a common literal prefix (``_PIP_VERSION``,
    ``_PY_VERSION``) is tried by ``re`` at every position (~8 MB/s); here
    only where an anchor puts a match start. ``match`` at a position sees the
    characters before it (a ``\\b`` is judged as ``finditer`` judges it), and
    the positions are tried left to right, resuming after each match: the
    leftmost match from there, as ``finditer`` finds it.
    """
    starts = set()
    q = text.find(anchor)
    while q >= 0:
        for off in offsets:
            if q >= off:
                starts.add(q - off)
        q = text.find(anchor, q + 1)
    end = 0
    for c in sorted(starts):
        if c >= end:
            m = rx.match(text, c)
            if m:
                yield m
                end = m.end()


def _ver(text: str) -> Tuple[int, int]:
    parts = [int(p) for p in re.findall(r"\d+", text)[:2]] + [0]
    return (parts[0], parts[1])


def python_from_ssl_c(line: int) -> Optional[Tuple[Tuple[int, int], Tuple[int, int]]]:
    """A heuristic Python-version range from the ``_ssl.c`` line in an SSL error.

    The number is ``__LINE__`` of the raising call site in CPython's _ssl.c, so
    it moves with every release (errors.md 0.3, and the lab's interpreters):
    2.7.10-2.7.18 590-727, 3.5 645/646, 3.6 749-852; 3.7.16 1091, 3.8/3.9
    1108-1129; 3.10 997, 3.11 992-1006, 3.12 1000, 3.13 1020-1032. 3.14 prints
    1081, so 1040-1090 stays ambiguous. Read-path (2xxx) and certificate
    loading (3xxx-4xxx) lines say nothing about the version.
    """
    if line < 900:
        return ((2, 7), (3, 6))
    if 960 <= line < 1040:
        return ((3, 10), (3, 13))
    if 1090 <= line < 1140:
        return ((3, 7), (3, 9))
    return None


class Clues:
    """What the text itself says about the client, gathered while scanning."""

    def __init__(self) -> None:
        self.pip_versions: List[str] = []
        self.python_versions: List[str] = []
        self.ssl_c_lines: List[int] = []
        self.flags: Dict[str, bool] = {}
        self.index_hosts: set = set()
        self.connect_targets: set = set()
        self.pip_range: Tuple[Tuple[int, int], Tuple[int, int]] = ((0, 0), INF)
        self.python_range: Tuple[Tuple[int, int], Tuple[int, int]] = ((0, 0), INF)
        self.clients: Dict[str, str] = {}  # client -> the marker that showed it (first seen)
        self.os: Dict[str, str] = {}  # os -> the marker that showed it

    def client(self) -> Optional[str]:
        """The one program other than pip that printed the errors, or None
        (pip, nothing recognisable, or several programs)."""
        others = [c for c in self.clients if c != "pip"]
        if "pip" in self.clients or len(others) != 1:
            # Poetry and conda run requests underneath: the tool is the client.
            if "pip" not in self.clients and set(others) in ({"poetry", "requests"}, {"conda", "requests"}):
                return next(c for c in others if c != "requests")
            return None
        return others[0]

    def known_os(self) -> Optional[str]:
        return next(iter(self.os)) if len(self.os) == 1 else None

    def _scan_client(self, text: str) -> None:
        for name, markers in _CLIENT_MARKERS:
            if name in self.clients:
                continue
            for marker in markers:
                if marker in text:
                    self.clients[name] = marker
                    break
        if "requests" not in self.clients and "requests" in text and "_vendor" not in text:
            m = _REQUESTS_SCRIPT.search(text)
            if m:
                self.clients["requests"] = m.group(0)
        if len(self.os) < 3:
            for name, markers in _OS_MARKERS:
                if name not in self.os:
                    for marker in markers:
                        if marker in text:
                            self.os[name] = marker
                            self.flags["os-" + name] = True
                            break

    def _narrow(self, attr: str, lo: Tuple[int, int], hi: Tuple[int, int]) -> None:
        cur_lo, cur_hi = getattr(self, attr)
        new = (max(cur_lo, lo), min(cur_hi, hi))
        if new[0] <= new[1]:  # contradictory evidence (two interpreters in one log): keep the old range
            setattr(self, attr, new)

    def scan(self, text: str) -> None:
        # Cheap substring guards first: a pattern is compiled and run only
        # when its literal part is present (start-up time for one-line input).
        self._scan_client(text)
        self._scan_versions(text)
        if "_ssl.c:" in text and len(self.ssl_c_lines) < 16:
            self._scan_ssl_c(text)
        self._scan_flags(text)
        self._scan_hosts(text)
        self._scan_pip_era(text)

    def _scan_versions(self, text: str) -> None:
        if "pip" in text and len(self.pip_versions) < 8:
            # "pip" is at 0 ("pip X from"), 1 ("/pip-X.dist-info") or 14 ("You are using pip version").
            for m in finditer_near(_PIP_VERSION, text, "pip", (14, 1, 0)):
                v = next(g for g in m.groups() if g)
                if v not in self.pip_versions:
                    self.pip_versions.append(v)
                    self._narrow("pip_range", _ver(v), _ver(v))
        if "ython" in text and len(self.python_versions) < 8:
            # "ython" is at 2 ("(python X)", "/Python3.X/") or 1 ("Python X.Y.Z").
            for m in finditer_near(_PY_VERSION, text, "ython", (2, 1)):
                v = next(g for g in m.groups() if g)
                if v not in self.python_versions:
                    self.python_versions.append(v)
                    self._narrow("python_range", _ver(v), _ver(v))

    def _scan_ssl_c(self, text: str) -> None:
        for m in _SSL_C_LINE.finditer(text):
            n = int(m.group(1))
            if n in self.ssl_c_lines:
                continue
            self.ssl_c_lines.append(n)
            if 2000 <= n < 3000:
                self.flags["ssl-c-read"] = True
            elif 3000 <= n < 4500:
                self.flags["ssl-c-load"] = True
            else:
                rng = python_from_ssl_c(n)
                if rng:
                    self._narrow("python_range", *rng)

    def _scan_flags(self, text: str) -> None:
        if "u'" in text and _PY2_REPR.search(text):
            self.flags["python2"] = True
            self._narrow("python_range", (2, 0), (2, 7))
        elif ",)" in text and _PRE37_REPR.search(text):
            self._narrow("python_range", (2, 0), (3, 6))
        if ("eof" in text or "EOF" in text or "OpenSSL 3." in text) and _OPENSSL3.search(text):
            self.flags["openssl3"] = True
        if "roxy" in text or "PROXY" in text:
            if _PROXY.search(text):
                self.flags["proxy"] = True
            if _HTTPS_PROXY.search(text):
                self.flags["https-proxy"] = True
        if "truststore" in text:
            self.flags["truststore"] = True

    def _scan_hosts(self, text: str) -> None:
        if ("Looking in indexes" in text or "Could not fetch URL" in text) and len(self.index_hosts) < 16:
            for m in _INDEX_URLS.finditer(text):
                for u in _URL_HOST.finditer(m.group(1) or m.group(2)):
                    self.index_hosts.add((u.group(1), u.group(2) or ("443" if u.group(0).startswith("https") else "80")))
        if "Connection(host=" in text and len(self.connect_targets) < 16:
            for m in _CONNECT_TARGET.finditer(text):
                self.connect_targets.add((m.group(1), m.group(2)))

    def _scan_pip_era(self, text: str) -> None:
        """pip versions from the shape of its messages."""
        if "error: " in text and _PIP262.search(text):
            self._narrow("pip_range", (26, 2), INF)
        elif "Unable to connect to proxy" in text:
            self._narrow("pip_range", (26, 1), INF)
        if ("packages/urllib3" in text or "download.py" in text) and _PIP_LE9.search(text):
            self._narrow("pip_range", (0, 0), (9, 0))
        if "Retrying (Retry(" in text:
            if _WARNING_RETRY.search(text):
                self._narrow("pip_range", (19, 1), INF)  # the WARNING: prefix arrived in pip 19.1
            elif _BARE_RETRY.search(text):
                self._narrow("pip_range", (10, 0), (19, 0))

    def merge(self, other: "Clues") -> None:
        """Fold in clues gathered from another part of the same input."""
        for v in other.pip_versions:
            if v not in self.pip_versions:
                self.pip_versions.append(v)
        for v in other.python_versions:
            if v not in self.python_versions:
                self.python_versions.append(v)
        for n in other.ssl_c_lines:
            if n not in self.ssl_c_lines:
                self.ssl_c_lines.append(n)
        self.index_hosts |= other.index_hosts
        self.connect_targets |= other.connect_targets
        for k, v in getattr(other, "clients", {}).items():
            self.clients.setdefault(k, v)
        for k, v in getattr(other, "os", {}).items():
            self.os.setdefault(k, v)
        for k, v in other.flags.items():
            self.flags[k] = self.flags.get(k, False) or v
        self._narrow("pip_range", *other.pip_range)
        self._narrow("python_range", *other.python_range)

    def test(self, clue: str) -> bool:
        """Evaluate a hint's clue: a flag name or e.g. ``pip>=21.1,<21.3``.

        A version test is true only when everything the text allows satisfies
        it (an unknown version never satisfies a test).
        """
        m = re.match(r"^(pip|python)(.*)$", clue)
        if not m:
            if clue == "connect-not-index":
                return self._connect_not_index()
            return bool(self.flags.get(clue))
        lo, hi = self.pip_range if m.group(1) == "pip" else self.python_range
        if (lo, hi) == ((0, 0), INF):
            return False
        for cond in m.group(2).split(","):
            cm = re.match(r"^\s*(>=|<=|<|>|==)\s*(\d+(?:\.\d+)?)\s*$", cond)
            if not cm:
                return False
            op, v = cm.group(1), _ver(cm.group(2))
            ok = {
                ">=": lo >= v, ">": lo > v, "<": hi < v, "<=": hi <= v,
                "==": lo >= v and hi <= v,
            }[op]
            if not ok:
                return False
        return True

    def _connect_not_index(self) -> bool:
        index = self.index_hosts or _DEFAULT_INDEX
        return any(t not in index for t in self.connect_targets)

    def as_dict(self) -> dict:
        def fmt(r: Tuple[Tuple[int, int], Tuple[int, int]]) -> Optional[str]:
            lo, hi = r
            if (lo, hi) == ((0, 0), INF):
                return None
            if lo == hi:
                return "%d.%d" % lo
            parts = []
            if lo != (0, 0):
                parts.append(">=%d.%d" % lo)
            if hi != INF:
                parts.append("<=%d.%d" % hi)
            return ",".join(parts)

        return {
            "pip_versions": list(self.pip_versions),
            "pip": fmt(self.pip_range),
            "python_versions": list(self.python_versions),
            "python": fmt(self.python_range),
            "ssl_c_lines": list(self.ssl_c_lines),
            "clients": dict(self.clients),
            "os": dict(self.os),
            "flags": sorted([k for k, v in self.flags.items() if v]
                            + (["connect-not-index"] if self._connect_not_index() else [])),
        }


# --- engine ------------------------------------------------------------------
class Hit:
    __slots__ = ("count", "first_line", "source", "excerpt", "fired")

    def __init__(self, line_no: int, source: str, excerpt: str) -> None:
        self.count = 0
        self.first_line = line_no
        self.source = source
        self.excerpt = excerpt
        self.fired: set = set()  # indexes of line hints that fired on some hit


class Engine:
    """Compiled KB: required literals pick the entries a line can match, then their regexes."""

    def __init__(self, entries: Sequence[dict]) -> None:
        self.entries = list(entries)
        self.regexes = [re.compile(e["regex"]) for e in self.entries]
        # Required literals per entry (a regex runs only when one is present),
        # computed after the first few lines: parsing every regex costs ~10 ms,
        # more than explain of one pasted line spends matching without them.
        self.gates: "Optional[List[Optional[Tuple[Tuple[str, ...], bool]]]]" = None
        self._ungated: List[int] = list(range(len(self.entries)))
        self._lits: List[Tuple[str, Tuple[int, ...]]] = []
        self._lits_fold: List[Tuple[str, Tuple[int, ...]]] = []
        self._misses = 0
        self.analyzed_bytes = 0  # text analysed (memo misses), for the work budget
        index = {e["id"]: i for i, e in enumerate(self.entries)}
        self.not_with = [frozenset(index[o] for o in e.get("not_with", []) if o in index) for e in self.entries]
        self.line_hints = [
            [(k, re.compile(h["line"])) for k, h in enumerate(e.get("cause_hints", [])) if "line" in h]
            for e in self.entries
        ]
        self._memo: Dict[str, Tuple[Tuple[int, frozenset], ...]] = {}
        self._memo_bytes = 0
        # The entries each recently analysed text can match (its literal gate),
        # so a terminal-wrap join of two analysed lines only searches for the
        # literals that cross the join (``analyze_joined``).
        self._recent: Dict[str, frozenset] = {}
        self._by_bigram: Dict[str, List[Tuple[str, Tuple[int, ...]]]] = {}
        self._maxlit = 0
        # Per entry, where a match can start at the earliest: (literal, the
        # widest its branch's text before the literal can be) per top-level
        # alternative, or None (``literal_starts``). Built with the gates.
        self._starts: List[Optional[Tuple[Tuple[str, int], ...]]] = [None] * len(self.entries)
        # The reference path (tests only, tests/hostile/test_explain_crafted.py):
        # every regex on every text, no literal gates, no shortcuts in the
        # prefilter. The fast path must give exactly its results.
        self.exhaustive = False

    def _build_gates(self) -> None:
        self.gates = [required_literals(e["regex"]) for e in self.entries]
        self._ungated = [i for i, g in enumerate(self.gates) if g is None]
        by_lit: Dict[Tuple[str, bool], List[int]] = {}
        for i, g in enumerate(self.gates):
            if g is not None:
                for lit in g[0]:
                    by_lit.setdefault((lit, g[1]), []).append(i)
        self._lits = [(lit, tuple(ix)) for (lit, fold), ix in by_lit.items() if not fold]
        self._lits_fold = [(lit, tuple(ix)) for (lit, fold), ix in by_lit.items() if fold]
        # A literal that crosses the join of two texts holds the join's two
        # characters as a bigram: index the literals by their bigrams.
        for lit, idxs in self._lits:
            for bg in {lit[k:k + 2] for k in range(len(lit) - 1)}:
                self._by_bigram.setdefault(bg, []).append((lit, idxs))
        self._maxlit = max((len(lit) for lit, _ in self._lits), default=0)
        self._starts = [literal_starts(e["regex"]) for e in self.entries]
        self._recent.clear()

    def _search(self, i: int, text: str):
        """``regexes[i].search(text)``, the same match, started where a match can begin at the earliest.

        Python's ``re`` has a fast scan only for a literal *prefix*: an alternation,
        or a pattern that starts with a group, is tried at every position, ~30 µs
        per KB of text for each such entry (most of explain's work on lines
        holding many KB literals). Every match of alternative k holds its literal
        L_k, preceded by at most W_k characters of that alternative, so no match
        starts before ``min(text.find(L_k) - W_k)``; and ``search(text, pos)``
        returns the leftmost match starting at ``pos`` or later, with ``^``, ``\b``
        and lookbehinds still seeing the text before ``pos`` (CPython's sre keeps
        the real start of the string), so it is the match ``search(text)``
        finds. No alternative's literal present: no match.
        """
        starts = self._starts[i]
        if starts is None or self.exhaustive:
            return self.regexes[i].search(text)
        pos = -1
        for lit, width in starts:
            k = text.find(lit)
            if k >= 0:
                k = k - width if k > width else 0
                if pos < 0 or k < pos:
                    pos = k
        if pos < 0:
            return None
        return self.regexes[i].search(text, pos)

    def _gate(self, text: str) -> frozenset:
        """The entries whose required literals ``text`` holds (all entries before the gates exist)."""
        got = self._recent.get(text)
        if got is not None:
            return got
        if self.gates is None or self.exhaustive:
            return frozenset(range(len(self.entries)))
        # Which required literals are present (one C-speed substring search
        # each), hence which entries can match; only those run their regex.
        cand = set(self._ungated)
        cand.update(*[idxs for lit, idxs in self._lits if lit in text])
        if self._lits_fold:
            lower = text.lower()
            cand.update(*[idxs for lit, idxs in self._lits_fold if lit in lower])
        got = frozenset(cand)
        if len(self._recent) >= 16:
            del self._recent[next(iter(self._recent))]
        self._recent[text] = got
        return got

    def analyze_joined(self, before: str, text: str, spaced: bool,
                       alone: frozenset = frozenset()) -> Tuple[Tuple[int, frozenset], ...]:
        """``analyze`` of a terminal-wrap join without the entries in ``alone``: ``before + text``, or with
        ``spaced`` the two with the whitespace at the join collapsed to one space
        (``before.rstrip() + " " + text.lstrip()``). ``alone``: what the two lines match by themselves,
        which a join is not asked for (Scan._line).

        Same result as ``analyze`` of the joined text, less ``alone``; only cheaper:

        - the literal gate: a literal present in the join is in ``before``, in
          ``text``, or crosses the join, and then it holds the bigram at the
          join. So the gate is the two texts' gates (computed for the lines
          themselves; a stripped text holds a subset of their literals, and a
          superset gate only runs more regexes) plus the literals with that
          bigram found in a window of the longest literal either side;
        - the regexes: those of ``alone`` run only where an entry's
          ``not_with`` needs to know whether they match.

        The joins are two of every three texts a candidate line costs, and
        twice as long. The memo records the join as seen exactly as ``analyze``
        would (the work budget and its count of unanalysed lines depend on it),
        holding a ``_Partial`` until someone asks for the full result.
        """
        left, right = (before.rstrip(), text.lstrip()) if spaced else (before, text)
        sep = " " if spaced else ""
        joined = left + sep + right
        if self.exhaustive or self._lits_fold:
            return tuple(x for x in self.analyze(joined) if x[0] not in alone)
        memo = self._memo.get(joined)
        if memo is not None:
            if type(memo) is not _Partial:
                return tuple(x for x in memo if x[0] not in alone)
            got = memo.by_alone.get(alone)
            if got is None:
                got = self._without(joined, self._gate(joined), alone)
                if len(memo.by_alone) < 4:
                    memo.by_alone[alone] = got
            return got
        self._count(joined)
        if self.gates is None:
            cand = self._gate(joined)  # all entries
        else:
            cand = set(self._gate(before))
            cand.update(self._gate(text))
            edge = left[-self._maxlit:] + sep + right[:self._maxlit]
            at = len(left[-self._maxlit:])  # where the join is in edge
            # The bigram(s) across the join: left|sep and sep|right, or left|right.
            for k in range(max(0, at - 1), min(len(edge) - 1, at + len(sep))):
                for lit, idxs in self._by_bigram.get(edge[k:k + 2], ()):
                    if lit in edge:
                        cand.update(idxs)
        got = self._without(joined, cand, alone)
        part = _Partial()
        part.by_alone[alone] = got
        self._remember(joined, part)
        return got

    def analyze(self, text: str) -> Tuple[Tuple[int, frozenset], ...]:
        """Entries matching ``text``: (entry index, fired line-hint indexes)."""
        memo = self._memo.get(text)
        if memo is not None:
            if type(memo) is _Partial:  # seen as a join: counted then, completed now
                memo = self._memo[text] = self._without(text, self._gate(text), frozenset())
            return memo
        self._count(text)
        result = self._without(text, self._gate(text), frozenset())
        self._remember(text, result)
        return result

    def _count(self, text: str) -> None:
        """A memo miss: the work budget counts the text, and the literal gates come after GATE_AFTER."""
        self.analyzed_bytes += len(text)
        self._misses += 1
        if self.gates is None and self._misses > GATE_AFTER:
            self._build_gates()

    def _without(self, text: str, cand: Iterable[int], alone: frozenset) -> Tuple[Tuple[int, frozenset], ...]:
        """The entries of ``cand`` (a superset of the true matches) that match ``text``, less ``alone``,
        each dropped when an entry of its ``not_with`` matches too (``alone`` included)."""
        search = self._search
        found = [i for i in sorted(cand) if i not in alone and search(i, text)]
        if not found:
            return ()
        fs = set(found)
        out = []
        for i in found:
            nw = self.not_with[i]
            if nw and (nw & fs or any(search(j, text) for j in sorted(nw & alone) if j in cand)):
                continue
            out.append((i, frozenset(k for k, rx in self.line_hints[i] if rx.search(text))))
        return tuple(out)

    def _remember(self, text: str, value: object) -> None:
        if len(self._memo) >= MEMO_MAX or self._memo_bytes + len(text) > MEMO_BYTES:
            self._memo.clear()
            self._memo_bytes = 0
        if len(text) <= MEMO_BYTES // 4:  # a huge text is not worth keeping
            self._memo[text] = value  # type: ignore[assignment]
            self._memo_bytes += len(text)


class _Partial:
    """A memo value for a join: seen (and counted), with its results less some ``alone`` sets."""

    __slots__ = ("by_alone",)

    def __init__(self) -> None:
        self.by_alone: Dict[frozenset, Tuple[Tuple[int, frozenset], ...]] = {}


@functools.lru_cache(maxsize=512)
def _parse(pattern: str):
    """``pattern``'s parse tree (``re``'s own parser), or None; the gates and the
    match starts both read it, and parsing the KB costs more than most pastes."""
    try:
        try:
            from re import _parser as sre_parse  # Python >= 3.11
        except ImportError:  # pragma: no cover - Python 3.9/3.10
            import sre_parse  # type: ignore[no-redef]
        return sre_parse.parse(pattern)
    except Exception:
        return None


def required_literals(pattern: str) -> Optional[Tuple[Tuple[str, ...], bool]]:
    """Literals one of which every match of ``pattern`` must contain, or None.

    Each top-level alternative contributes its longest run of consecutive
    literal characters at its own top level (outside groups and repeats, so
    the run is required for that alternative to match). ``(?i)`` patterns give
    lowercase literals to test against the lowered text. An alternative
    without a run of 3 characters leaves the pattern ungated (None). Python's
    regex engine only has a fast path for a single literal *prefix*; an
    alternation of literals is tried at every position (~60 MB/s per pattern,
    ~2 MB/s for the whole KB), while ``str.__contains__`` runs at GB/s, so this
    gate is what bounds explain's work per candidate line (issue 9).
    """
    tree = _parse(pattern)
    if tree is None:
        return None
    fold = bool(tree.state.flags & re.IGNORECASE)
    items = list(tree)
    if len(items) == 1 and str(items[0][0]) == "BRANCH":
        branches = [list(b) for b in items[0][1][1]]
    else:
        branches = [items]
    lits: List[str] = []
    for branch in branches:
        best, run = "", ""
        for op, av in branch:
            if str(op) == "LITERAL":
                run += chr(av)
                if len(run) > len(best):
                    best = run
            else:
                run = ""
        if len(best) < 3:
            return None
        lits.append(best.lower() if fold else best)
    return (tuple(lits), fold)


def literal_starts(pattern: str) -> Optional[Tuple[Tuple[str, int], ...]]:
    """Per top-level alternative of ``pattern``: its longest top-level literal run
    (the one ``required_literals`` gates on) and the greatest width of what comes
    before it in that alternative; None when some alternative has no run of 3
    characters or an unbounded part before its run, and for ``(?i)`` patterns
    (lowering can change a text's length, so positions would not carry over)."""
    tree = _parse(pattern)
    if tree is None or tree.state.flags & re.IGNORECASE:
        return None
    items = list(tree)
    if len(items) == 1 and str(items[0][0]) == "BRANCH":
        branches = [list(b) for b in items[0][1][1]]
    else:
        branches = [items]
    out: List[Tuple[str, int]] = []
    for branch in branches:
        best, best_at, run, run_at = "", 0, "", 0
        for k, (op, av) in enumerate(branch):
            if str(op) == "LITERAL":
                if not run:
                    run_at = k
                run += chr(av)
                if len(run) > len(best):
                    best, best_at = run, run_at
            else:
                run = ""
        if len(best) < 3:
            return None
        try:
            width = type(tree)(tree.state, branch[:best_at]).getwidth()[1] if best_at else 0
        except Exception:
            return None
        if width > 1 << 16:  # unbounded (MAXREPEAT / MAXWIDTH) or too wide to help
            return None
        out.append((best, width))
    return tuple(out)


def _excerpt(text: str, entry_rx: "re.Pattern[str]") -> str:
    # Redact the whole line before cutting it: a cut can drop the "scheme://"
    # or the "@" that marks "user:pass" as credentials (issue 9).
    text = redact(text.strip())
    if len(text) > EXCERPT_MAX:
        m = entry_rx.search(text)
        mid = m.start() if m else 0
        start = max(0, min(mid - EXCERPT_MAX // 3, len(text) - EXCERPT_MAX))
        text = ("…" if start else "") + text[start:start + EXCERPT_MAX] + ("…" if start + EXCERPT_MAX < len(text) else "")
    return text


CLUE_WINDOW = 64 << 10  # bytes either side of a candidate line searched for clue tokens


def _windows(starts: List[int], end: int, width: int) -> List[Tuple[int, int]]:
    """Merged ``[s - width, s + width]`` ranges around ``starts``, within ``[0, end]``."""
    out: List[Tuple[int, int]] = []
    for s in starts:
        lo, hi = max(0, s - width), min(end, s + width)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


class _At:
    """Where ``_Find`` found its needle (the one part of a match object the scan reads)."""

    __slots__ = ("_start",)

    def __init__(self, start: int) -> None:
        self._start = start

    def start(self) -> int:
        return self._start


class _Find:
    """``re.compile(re.escape(needle)).search`` by ``bytes.find``: for a needle of
    LONG_TOKEN bytes or more CPython's fastsearch skips ahead by the needle's
    length and scans noise ~1.5x faster than sre's literal-prefix loop (measured:
    3.4-4.2 ms vs 5.7-7.9 ms per 20 MB of build log). Same result: the first
    occurrence starting at ``pos`` or later and ending by ``endpos``."""

    __slots__ = ("needle",)

    def __init__(self, needle: bytes) -> None:
        self.needle = needle

    def search(self, buf: bytes, pos: int = 0, endpos: Optional[int] = None) -> Optional[_At]:
        i = buf.find(self.needle, pos, len(buf) if endpos is None else endpos)
        return None if i < 0 else _At(i)


LONG_TOKEN = 17


def _token_finder(token: bytes):
    """The fastest exact search for one prefilter token (see ``_Find``); short tokens keep sre's,
    which beats ``bytes.find`` for them ("SSL", "roxy": 5.7 vs 12.9 ms per 20 MB)."""
    return _Find(token) if len(token) >= LONG_TOKEN else re.compile(re.escape(token))


def _find_lines(rx: "re.Pattern[bytes]", buf: bytes, end: int, starts: set, begin: int = 0,
                ends: Optional[Dict[int, int]] = None) -> None:
    """Add the start offset of every line of ``buf[begin:end]`` that ``rx`` hits
    (and, into ``ends``, where each such line ends)."""
    find, rfind, search = buf.find, buf.rfind, rx.search
    # A literal-only compiled pattern scans at ~3 GB/s, faster than bytes.find
    # for short needles (CPython's sre literal-prefix search).
    m = search(buf, begin, end)
    while m is not None:
        i = m.start()
        s = rfind(b"\n", 0, i) + 1
        starts.add(s)
        e = find(b"\n", i, end)
        if e < 0:
            break
        if ends is not None:
            ends[s] = e
        if e - s >= JOIN_MIN and e + 1 < end:
            # A long candidate may have been wrapped: its continuation (the
            # next line) can hold the rest of the message.
            starts.add(e + 1)
        m = search(buf, e + 1, end)


def _clip(gaps: List[Tuple[int, int]], lo: int, hi: int) -> List[Tuple[int, int]]:
    """The parts of the sorted, disjoint ``gaps`` inside ``[lo, hi)``."""
    out = []
    k = max(0, bisect.bisect_right(gaps, (lo, hi)) - 1)
    while k < len(gaps) and gaps[k][0] < hi:
        a, b = max(gaps[k][0], lo), min(gaps[k][1], hi)
        if a < b:
            out.append((a, b))
        k += 1
    return out


def _gaps(ends: Dict[int, int], end: int) -> List[Tuple[int, int]]:
    """The stretches of ``[0, end)`` outside the lines in ``ends`` (start -> end of line)."""
    out: List[Tuple[int, int]] = []
    pos = 0
    for s in sorted(ends):
        if s > pos:
            out.append((pos, s))
        pos = ends[s] + 1
    if pos < end:
        out.append((pos, end))
    return out


class Scan:
    """Feed bytes (any chunking), then read ``hits``, ``clues`` and counters."""

    def __init__(self, engine: Engine, tokens: Iterable[bytes] = PREFILTER_TOKENS + CLUE_TOKENS) -> None:
        self.engine = engine
        self.tokens = tuple(tokens)
        self._token_rx = [_token_finder(t) for t in self.tokens if t not in CLUE_TOKENS]
        self._clue_rx = [_token_finder(t) for t in self.tokens if t in CLUE_TOKENS]
        self._regions = 0  # regions processed in the current input
        self.hits: Dict[int, Hit] = {}
        self.clues = Clues()
        self.lines = 0  # lines of the current input
        self.lines_before = 0  # lines of the inputs before it
        self.bytes = 0
        self.source = "<stdin>"
        self._tail = b""
        self._prev: Optional[str] = None  # last line of the previous region (for joins)
        self._prev_candidate = False
        self.not_analysed = 0  # candidate lines skipped once the work budget was spent
        self._analysed0 = engine.analyzed_bytes  # the engine is shared: count this scan's share

    def _affordable(self, text: str) -> bool:
        eng = self.engine
        if eng.analyzed_bytes - self._analysed0 <= BUDGET_FREE + self.bytes // BUDGET_SHARE or text in eng._memo:
            return True
        self.not_analysed += 1
        return False

    def start(self, source: str) -> None:
        """A new input begins: flush the previous one, reset line numbering."""
        self.close()
        self.lines_before += self.lines
        self.source = source
        self.lines = 0
        self._regions = 0
        self._prev = None
        self._prev_candidate = False

    def feed(self, data: bytes) -> None:
        self.bytes += len(data)
        buf = self._tail + data if self._tail else data
        cut = buf.rfind(b"\n")
        if cut < 0:
            if len(buf) > MAX_LINE:
                self._region(buf + b"\n", len(buf) + 1)
                self._tail = b""
            else:
                self._tail = buf
            return
        tail = buf[cut + 1:]
        # Complete lines are processed in place (buf, end): no copy of the chunk.
        self._region(buf, cut + 1)
        if len(tail) > MAX_LINE:
            self._region(tail + b"\n", len(tail) + 1)  # pathological: cut the overlong line
            tail = b""
        self._tail = tail

    def close(self) -> None:
        if self._tail:
            self._region(self._tail + b"\n", len(self._tail) + 1)
            self._tail = b""

    # -- internals --
    def _candidates(self, buf: bytes, end: int) -> List[int]:
        starts: set = set()
        # Clue-only tokens (pip --version, truststore frames, *_PROXY=) cost a
        # pass each; they only matter near an error, or at the top of a log
        # where CI prints versions and environment, so other chunks skip them.
        self._regions += 1
        if self.engine.exhaustive:
            for rx in self._token_rx:
                _find_lines(rx, buf, end, starts)
        else:
            # A line one token found need not be searched for the others: each
            # token after the first searches only the stretches between the
            # lines found so far (no token spans a newline). Dense error text
            # (every line a candidate) then costs one pass, not one per token.
            # A stretch ends where a found line starts, so a line at its end
            # whose continuation is not added here has a found line after it.
            ends: Dict[int, int] = {}
            gaps = [(0, end)]
            for rx in self._token_rx:
                found = len(ends)
                for lo, hi in gaps:
                    _find_lines(rx, buf, hi, starts, lo, ends)
                if len(ends) != found:
                    gaps = _gaps(ends, end)
                if not gaps:
                    break
        # The first region is searched whole (CI logs print versions and the
        # environment at the top); elsewhere only windows around candidates,
        # so a log with an error in every chunk does not pay four more full
        # passes per chunk.
        if not self.engine.exhaustive and not gaps:
            return sorted(starts)  # every line is a candidate: no clue token can add one
        windows = [(0, end)] if self._regions == 1 else _windows(sorted(starts), end, CLUE_WINDOW)
        if self.engine.exhaustive:
            for lo, hi in windows:
                for rx in self._clue_rx:
                    _find_lines(rx, buf, hi, starts, lo)
            return sorted(starts)
        # Lines a token found are candidates already (and their continuations
        # are added): the clue tokens only search the gaps between them.
        for lo, hi in windows:
            for a, b in _clip(gaps, lo, hi):
                for rx in self._clue_rx:
                    _find_lines(rx, buf, b, starts, a)
        return sorted(starts)

    def _record(self, results: Tuple[Tuple[int, frozenset], ...], text: str, line_no: int) -> None:
        for idx, fired in results:
            hit = self.hits.get(idx)
            if hit is None:
                hit = self.hits[idx] = Hit(line_no, self.source, _excerpt(text, self.engine.regexes[idx]))
            hit.count += 1
            hit.fired |= fired

    def _region(self, buf: bytes, end: int) -> None:
        """Process the complete lines in ``buf[:end]`` (which ends with a newline)."""
        starts = self._candidates(buf, end)
        if self._prev_candidate and (not starts or starts[0] != 0):
            starts.insert(0, 0)  # the line after a candidate may finish a wrapped line
        base = self.lines
        counted = 0  # newlines counted so far in this region
        pos = 0
        prev_text = self._prev
        prev_end = -1  # end offset of the line held in prev_text (when it is in this region)
        last_text: Optional[str] = None
        for s in starts:
            e = buf.find(b"\n", s, end)
            if e < 0:
                e = end
            counted += buf.count(b"\n", pos, s)
            pos = s
            line_no = base + counted + 1
            text: Optional[str] = None
            if e - s > LONG_LINE:
                self._long_line(buf, s, e, line_no)  # no joins with an overlong line
            else:
                text = normalize(buf[s:e])
                self._line(text, self._before(buf, s, prev_text, prev_end), line_no)
            prev_text, prev_end, last_text = text, e, text
            if e >= end - 1:
                break
        self.lines = base + buf.count(b"\n", 0, end)
        # Remember the region's last line for a join with the next region.
        if last_text is not None and prev_end >= end - 1:
            self._prev, self._prev_candidate = last_text, True
        else:
            ls = buf.rfind(b"\n", 0, end - 1) + 1
            self._prev = normalize(buf[ls:end]) if end - ls <= 4096 else None
            self._prev_candidate = False


    def _before(self, buf: bytes, s: int, prev_text: Optional[str], prev_end: int) -> Optional[str]:
        """The line before the one starting at ``s`` (for terminal-wrap joins)."""
        if s == 0:
            return self._prev
        if prev_end == s - 1:
            return prev_text
        ps = buf.rfind(b"\n", 0, s - 1) + 1
        return normalize(buf[ps:s - 1]) if s - 1 - ps <= LONG_LINE else None

    def _line(self, text: str, before: Optional[str], line_no: int) -> None:
        """Analyse one candidate line, and its joins with the line before."""
        if not self._affordable(text):
            return
        analyze = self.engine.analyze
        res = analyze(text)
        self.clues.scan(text)
        self._record(res, text, line_no)
        if before is None or len(before) < JOIN_MIN or not before.strip():
            return
        alone = frozenset({i for i, _ in res} | {i for i, _ in analyze(before)})
        joined: set = set()
        for spaced in (False, True):
            r2 = tuple(x for x in self.engine.analyze_joined(before, text, spaced, alone) if x[0] not in joined)
            if r2:
                joined.update(i for i, _ in r2)
                self._record(r2, before.rstrip() + " " + text.lstrip() if spaced else before + text, line_no - 1)

    def _long_line(self, buf: bytes, s: int, e: int, line_no: int) -> None:
        """Analyse windows around the first literal hits of an overlong line."""
        firsts: List[int] = []
        later: List[int] = []
        for rx in self._token_rx:
            m = rx.search(buf, s, e)
            if m is not None:
                firsts.append(m.start())
                m = rx.search(buf, m.start() + 2 * LONG_HALF, e)
                if m is not None:
                    later.append(m.start())
        chosen: List[Tuple[int, int]] = []
        for p in sorted(firsts) + sorted(later):
            lo, hi = max(s, p - LONG_HALF), min(e, p + LONG_HALF)
            if any(a <= p < b for a, b in chosen):
                continue  # already inside a window
            chosen.append((lo, hi))
            if len(chosen) >= LONG_WINDOWS:
                break
        analyze = self.engine.analyze
        for lo, hi in sorted(chosen):
            # A cut may split a UTF-8 sequence: normalize() replaces it.
            text = normalize(buf[lo:hi])
            if not self._affordable(text):
                continue
            self.clues.scan(text)
            self._record(analyze(text), text, line_no)

    # -- splitting one input across processes (explain's parallel reader) --
    def export(self) -> dict:
        """A picklable summary of this scan (for a worker process)."""
        return {
            "hits": {i: (h.count, h.first_line, h.source, h.excerpt, sorted(h.fired)) for i, h in self.hits.items()},
            "clues": self.clues, "lines": self.lines, "bytes": self.bytes,
            "not_analysed": self.not_analysed,
        }

    def absorb(self, part: dict, line_offset: int) -> None:
        """Merge a later part of the same input, whose line 1 is ``line_offset + 1``."""
        for idx, (count, first_line, source, excerpt, fired) in part["hits"].items():
            hit = self.hits.get(idx)
            if hit is None:
                hit = self.hits[idx] = Hit(first_line + line_offset, source, excerpt)
            hit.count += count
            hit.fired |= set(fired)
        self.clues.merge(part["clues"])
        self.lines += part["lines"]
        self.bytes += part["bytes"]
        self.not_analysed += part.get("not_analysed", 0)


def scan_text(text: str, engine: Engine) -> Scan:
    """Convenience for tests and one-line input."""
    sc = Scan(engine)
    sc.feed(text.encode("utf-8", "surrogateescape"))
    sc.close()
    return sc
