# -*- coding: utf-8 -*-
# /!\ This whole file must parse and run on Python 2.7 and 3.6-3.14. /!\
# No f-strings, annotations, walrus, keyword-only arguments, nonlocal or
# "yield from". It is compiled by every pyenv interpreter in tests/probe.
"""tlsdoctor's probe: runs *inside* the interpreter whose pip is being checked.

Contract (like uv's ``get_interpreter_info.py``):

- Run as ``python -B target.py``: in the environment pip runs in, so that
  PYTHONPATH, PYTHONHOME, the user site and sitecustomize act on it as on pip
  (``-I -B`` / ``-E -s -B`` still work; the facts then say they had no
  effect).  The probe imports its own stdlib helpers from the interpreter's
  stdlib only, and ssl and pip the way pip does.  The request is one JSON
  object on stdin (or argv[1]): ``{"timeout": seconds, "index_url": optional
  override, "urls": optional list, "mode": "full" | "handshake",
  "second_host": optional "host[:port]" to reach through the same proxy,
  "all_variants": run phase 2 even for healthy hosts, "workdir": a directory
  the checker made (and removes) for the probe's files}``.
- Prints exactly one JSON object on stdout and exits 0:
  ``{"result": "success", "kind": "probe", "facts": {...}, "sessions": {...},
  "probes": {...}}`` or ``{"result": "error", "kind": "<snake_case>",
  "message": "..."}``.
- ``probes`` maps ``"<host index>:<wire key>"`` (the ATTEMPTS table below) to
  an attempt: ``status`` is one of STATUSES (``bug``: an exception in the
  probe's own code, never a finding), ``error_kind`` one of ERROR_KINDS or
  null (ok, deadline).
- ``facts["python"]["environment"]``: ``variables`` (which of PYTHONPATH,
  PYTHONHOME, PYTHONUSERBASE, PYTHONNOUSERSITE, PYTHONSTARTUP, PYTHONSAFEPATH
  are set, with their values), ``isolated`` / ``ignore_environment`` /
  ``no_user_site`` (the interpreter flags: with -I/-E the variables had no
  effect), ``user_site`` ``{"enabled", "path", "exists", "in_sys_path"}``,
  ``sitecustomize`` / ``usercustomize`` ``{"loaded", "path"}``, ``ssl`` /
  ``_ssl`` ``{"path", "in_stdlib", "error"}`` (where it was, or would be,
  imported from; ``"built-in"`` for a built-in _ssl), ``shadowed`` (of ssl,
  _ssl: those imported from outside the interpreter's own stdlib),
  ``preloaded_outside_stdlib`` (modules the probe needs that something had
  already imported from elsewhere), ``stdlib_dirs``, ``sys_path`` (first 40).
- Files: config files, CA bundles and OPENSSL_CONF are ``os.stat``-ed first;
  a FIFO, a device or a file over READ_CAP is reported, never read (and not
  handed to pip's parser).  The probe's own files live in ``workdir`` (or a
  private directory) and are removed before it exits.
- Uses only the standard library, plus the target's *own* pip (imported to
  resolve configuration and to make the request through pip's session, so
  the outcome is pip's outcome).  Every use of pip's private API is guarded:
  it differs between pip 9 and pip 26.
- Works when ``import ssl`` fails (that is then a fact, not a crash).
- Every socket has a timeout; the main thread prints whatever finished when
  the deadline comes (unfinished probes are reported as ``deadline``).
- Never prints a secret: every string in the output is redacted (userinfo,
  scheme-less proxies, query values, token-shaped path segments, password
  and Authorization values), scrubbed of the credentials it was given, and
  truncated to MAX_TEXT characters (saying so), in linear time.
"""
from __future__ import absolute_import, print_function

# /!\ The probe runs in the environment pip runs in (PYTHONPATH, the user
# site, sitecustomize...) so that it sees what breaks pip; its own helpers
# must not be shadowed by that environment.  So its first statements import
# the stdlib modules it needs from the interpreter's own stdlib only (the
# sys.path that -I would give), then restore sys.path; ssl and pip are then
# imported the way pip imports them, with the real sys.path.
import sys

REAL_SYS_PATH = list(sys.path)


def _stdlib_dirs():
    """The interpreter's own stdlib directories, as -I computes them (prefix/lib/pythonX.Y, lib-dynload, zip)."""
    ver = "%d.%d" % sys.version_info[:2]
    libs = ["lib"]
    if getattr(sys, "platlibdir", "lib") != "lib":
        libs.insert(0, sys.platlibdir)  # lib64 on Fedora/SUSE builds (3.9+)
    prefixes = []
    for p in (getattr(sys, "real_prefix", None), getattr(sys, "base_prefix", None),
              getattr(sys, "base_exec_prefix", None), sys.prefix, sys.exec_prefix):
        if p and p not in prefixes:
            prefixes.append(p)
    out = []
    if getattr(sys, "_stdlib_dir", None):
        out.append(sys._stdlib_dir)  # 3.11+: exactly where the stdlib is
    for prefix in prefixes:
        if sys.platform == "win32":
            out += [prefix + "\\python%s%s.zip" % sys.version_info[:2], prefix + "\\Lib", prefix + "\\DLLs"]
            continue
        for lib in libs:
            base = "%s/%s/python%s" % (prefix, lib, ver)
            out += ["%s/%s/python%s%s.zip" % (prefix, lib, ver[0], ver[2:]), base, base + "/lib-dynload",
                    base + "/plat-" + sys.platform]  # plat-linux2 on 2.7
    seen, unique = set(), []
    for d in out:
        if d not in seen:
            seen.add(d)
            unique.append(d)
    return unique


STDLIB_DIRS = _stdlib_dirs()
_OWN_MODULES = ("os", "stat", "base64", "errno", "hashlib", "json", "re", "socket", "tempfile", "threading",
                "time", "warnings", "urlparse" if sys.version_info[0] == 2 else "urllib.parse")


def _import_from_stdlib(names):
    """Import names with sys.path = the stdlib only; one missing there is imported as usual."""
    sys.path[:] = [d for d in STDLIB_DIRS] + [d for d in REAL_SYS_PATH if d.endswith(".zip")]
    try:
        for name in names:
            try:
                __import__(name)
            except ImportError:
                sys.path[:] = REAL_SYS_PATH  # a stdlib laid out in a way we did not foresee
                __import__(name)
    finally:
        sys.path[:] = REAL_SYS_PATH


_import_from_stdlib(["os", "stat"])
import os  # noqa: E402
import stat  # noqa: E402

# What the probe reads of a user's file (config files, CA bundles,
# OPENSSL_CONF): more is reported as "over the cap", never read.
READ_CAP = 4 * 1024 * 1024


def file_type(path):
    """"regular file", "directory", "fifo", ... from os.stat (which never blocks), or None if missing."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError, TypeError):
        return None
    for test, name in ((stat.S_ISREG, "regular file"), (stat.S_ISDIR, "directory"), (stat.S_ISFIFO, "fifo"),
                       (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
                       (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "other"


def unsafe_to_read(path, dir_ok=False):
    """Why reading path whole could block or exhaust memory (a FIFO, /dev/zero, a huge file), or None."""
    kind = file_type(path)
    if kind is None or kind == "regular file" and os.path.getsize(path) <= READ_CAP:
        return None
    if kind == "directory" and dir_ok:
        return None
    if kind == "regular file":
        return "over the cap (%d bytes > %d)" % (os.path.getsize(path), READ_CAP)
    return "not a regular file (a %s)" % kind


# OpenSSL reads OPENSSL_CONF when it initialises, at the first import of
# _ssl or _hashlib (hashlib, and tempfile -> random on 2.7): a FIFO there
# blocks that import for ever, /dev/zero never ends.  Checked before anything
# imports OpenSSL; the probe then measures without it and reports it
# (pip itself would block or fail at its own "import ssl").
OPENSSL_CONF_UNSAFE = unsafe_to_read(os.environ["OPENSSL_CONF"]) if os.environ.get("OPENSSL_CONF") else None
_SAVED_OPENSSL_CONF = os.environ.pop("OPENSSL_CONF") if OPENSSL_CONF_UNSAFE else None

_import_from_stdlib(_OWN_MODULES)  # after the OPENSSL_CONF check: hashlib initialises OpenSSL
import base64  # noqa: E402
import errno  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

# PROTOCOL_TLS, OP_NO_TLSv1 ... are deprecated on 3.10+ but are the only
# spelling that works on 2.7 too; the warnings would only pollute stderr.
warnings.simplefilter("ignore")

try:
    import ssl
    SSL_IMPORT_ERROR = None
except Exception as _e:  # ImportError, or a DLL/so load failure
    ssl = None
    SSL_IMPORT_ERROR = "%s: %s" % (type(_e).__name__, _e)

if _SAVED_OPENSSL_CONF is not None:
    os.environ["OPENSSL_CONF"] = _SAVED_OPENSSL_CONF  # reported as it is set

PY2 = sys.version_info[0] == 2
if PY2:
    from urlparse import urlsplit  # noqa
    text_type = unicode  # noqa: F821
else:
    from urllib.parse import urlsplit
    text_type = str

START = time.time()
SECRETS = []  # strings that must never appear in the output

CA_VARS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
           "PIP_CERT", "PIP_CLIENT_CERT")
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
              "ALL_PROXY", "no_proxy", "NO_PROXY")
# A throwaway self-signed client certificate (public on purpose, trusted by
# nobody): offering *some* certificate tells "the server wants a client
# certificate" apart from other handshake failures.
THROWAWAY_CLIENT_PEM = """-----BEGIN CERTIFICATE-----
MIIBuTCCAV+gAwIBAgIUaJIysK/KTyUMpISrja3visKBvBgwCgYIKoZIzj0EAwIw
MTEvMC0GA1UEAwwmdGxzZG9jdG9yIHRocm93YXdheSBjbGllbnQgY2VydGlmaWNh
dGUwIBcNMjYxMTIxMDQxNTQ5WhgPMjEyNjEwMjgwNDE1NDlaMDExLzAtBgNVBAMM
JnRsc2RvY3RvciB0aHJvd2F3YXkgY2xpZW50IGNlcnRpZmljYXRlMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAE93u9X8QWAWLjVSGGKxgZMJdktFFyojyI/ZhVK/hU
qmj+4vcWCdSp5C8pVbke9KuVkj+kB803nOgCOCtwlMf4XKNTMFEwHQYDVR0OBBYE
FBrB50/9eDrqMtGEP+m8+5Is0nUjMB8GA1UdIwQYMBaAFBrB50/9eDrqMtGEP+m8
+5Is0nUjMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAMjiMp9X
WIz+XJco1vuULP4TxHIuDLO5UTyM8T5dFmbWAiA6Uc1IqlC0A0VKB3VpRetOmoRk
6f9hbBF3AVxCNctfHQ==
-----END CERTIFICATE-----
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkfuq2+JibbyR8iuM
yxUwTLC2yraBAIjZcGDVFe9aCzOhRANCAAT3e71fxBYBYuNVIYYrGBkwl2S0UXKi
PIj9mFUr+FSqaP7i9xYJ1KnkLylVuR70q5WSP6QHzTec6AI4K3CUx/hc
-----END PRIVATE KEY-----
"""
TLS_NAMES = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")

# The attempt vocabulary, declared once (PLAN.md "The attempt vocabulary").
# The rules stream's facts read this table with ``ast``; tests/probe check that
# the probe emits exactly these keys.  ``phase`` 1 starts at once; phase 2
# starts after phase 1 when pip's request or the handshake failed.  Rows "only
# when pip's request failed" are dropped from the output for a healthy host
# (phase 1 ones run anyway: they are cheap and decisive when the host fails).
# The wire key is ``"<host index>:<wire key>"`` in ``probes``; recordings
# depend on it, so it never changes.
# (name, wire key, what it measures, phase, only when pip's request failed)
ATTEMPTS = (
    ("pip_request", "pip_request", "pip's own request through pip's own session, retries off", 1, False),
    ("tcp", "tcp", "TCP connect to the index (no proxy)", 1, False),
    ("proxy", "proxy", "TCP to the proxy, then CONNECT to the index", 1, False),
    ("tls", "tls", "handshake without verification; the presented chain", 1, False),
    ("verify", "verify:{store}", "verified handshake against one trust store", 1, False),
    ("verify_nohost", "verify_nohost:effective", "pip's store, hostname not checked", 1, False),
    ("verify_strict", "verify_strict:effective", "pip's store with VERIFY_X509_STRICT", 1, False),
    ("verify_nostrict", "verify_nostrict:effective", "pip's store without VERIFY_X509_STRICT", 1, False),
    ("plain_http", "variant:plain_http", "plain HTTP on the index port", 1, True),
    ("second_host", "variant:second_host", "another host through the same proxy (its chain)", 1, True),
    ("tls_v1", "variant:TLSv1", "only TLS 1.0, every cipher at @SECLEVEL=0", 2, True),
    ("tls_v1_1", "variant:TLSv1.1", "only TLS 1.1, every cipher at @SECLEVEL=0", 2, True),
    ("tls_v1_2", "variant:TLSv1.2", "only TLS 1.2, every cipher at @SECLEVEL=0", 2, True),
    ("tls_v1_3", "variant:TLSv1.3", "only TLS 1.3", 2, True),
    ("wide_ciphers", "variant:wide_ciphers", "every cipher at @SECLEVEL=0", 2, True),
    ("legacy_renegotiation", "variant:legacy_renegotiation", "OP_LEGACY_SERVER_CONNECT", 2, True),
    ("client_cert", "variant:client_cert", "a throwaway client certificate offered", 2, True),
    ("direct", "variant:direct", "the same handshake bypassing the proxy", 2, True),
    ("aia_issuer", "aia_issuer", "the leaf's AIA caIssuers certificate (http://), and whether it completes the chain",
     2, True),
)
ATTEMPT_ROWS = dict((row[0], row) for row in ATTEMPTS)
# The TLS-version variants, in TLS_NAMES order.
VERSION_ATTEMPTS = (("tls_v1", "TLSv1"), ("tls_v1_1", "TLSv1.1"), ("tls_v1_2", "TLSv1.2"), ("tls_v1_3", "TLSv1.3"))

# Attempt statuses and error kinds (PLAN.md).  "bug" is tlsdoctor's own
# exception (TypeError, KeyError, ...): never a finding about the network.
STATUSES = ("ok", "error", "could_not_run", "deadline", "absent", "bug")
ERROR_KINDS = ("network", "timeout", "proxy", "tls", "http", "os", "bug")


def wire_key(prefix, name, store=None):
    """The key an attempt is reported under: ``"0:verify:certifi"``."""
    key = ATTEMPT_ROWS[name][1]
    if store is not None:
        key = key.replace("{store}", store)
    return prefix + key


# ---------------------------------------------------------------- helpers

def _s(value):
    """Any value as text (bytes decoded leniently), for JSON."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    try:
        return text_type(value)
    except Exception:
        return repr(value)


def err_text(exc):
    text = _s(exc)
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


# Exceptions that can only come from a mistake in tlsdoctor's own code (or
# its use of pip's private API): never reported as a network finding.
BUG_TYPES = (TypeError, AttributeError, LookupError, NameError, AssertionError, ArithmeticError,
             RuntimeError, ImportError)
# errno values of a failed TCP path: refused, reset, unreachable, ...
_NET_ERRNOS = set(getattr(errno, n) for n in (
    "ECONNREFUSED", "ECONNRESET", "ECONNABORTED", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN",
    "EHOSTDOWN", "EPIPE", "ETIMEDOUT", "EADDRNOTAVAIL", "ENOTCONN", "ESHUTDOWN") if hasattr(errno, n))


class CannotRun(Exception):
    """This interpreter cannot make the attempt at all (reported as could_not_run)."""


def _causes(exc):
    """exc, then what it wraps: urllib3's .reason, __cause__, __context__, args (bounded)."""
    out, stack, seen = [], [exc], set()
    while stack and len(out) < 12:
        e = stack.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        out.append(e)
        for nxt in (getattr(e, "reason", None), getattr(e, "__cause__", None), getattr(e, "__context__", None)):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        for arg in getattr(e, "args", ()) or ():
            if isinstance(arg, BaseException):
                stack.append(arg)
    return out


def _kind_of_one(e):
    names = [c.__name__ for c in type(e).__mro__]
    if isinstance(e, ProxyRefused) or "ProxyError" in names:
        return "proxy"
    # By the class's own name: urllib3 1.x's NewConnectionError (refused,
    # unreachable) inherits from ConnectTimeoutError.
    if isinstance(e, socket.timeout) or "Timeout" in names[0]:
        return "timeout"
    if (ssl is not None and isinstance(e, ssl.SSLError)) or "SSLError" in names or "CertificateError" in names:
        return "tls"
    if isinstance(e, (socket.gaierror, socket.herror)) or getattr(e, "errno", None) in _NET_ERRNOS \
            or "ConnectionError" in names or "NewConnectionError" in names or "ProtocolError" in names:
        return "network"
    if isinstance(e, EnvironmentError) and getattr(e, "filename", None):
        return "os"
    return None


def error_kind(exc, default):
    """network | timeout | proxy | tls | http | os, from exc and what it wraps; bug for our own mistakes."""
    if isinstance(exc, BUG_TYPES):
        # Even when raised while handling a network error (__context__):
        # the attempt did not measure anything.
        return "bug"
    found = [k for k in (_kind_of_one(e) for e in _causes(exc)) if k]
    for kind in ("proxy", "timeout", "tls", "network", "os"):
        if kind in found:
            return kind
    return default


def fail(out, exc, default_kind, stage=None):
    """Record a failed attempt: status error, or bug when the exception is ours."""
    kind = error_kind(exc, default_kind)
    out["status"] = "bug" if kind == "bug" else "error"
    out["error_kind"] = kind
    out["error"] = err_text(exc)
    # "timeout" keeps its old meaning (socket.timeout): rules read it.
    out["timeout"] = isinstance(exc, socket.timeout)
    if stage is not None:
        out["stage"] = stage
    return out


# ---------------------------------------------------------------- redaction
#
# The same rules as tlsdoctor.redact (PLAN.md "Redaction"), kept here because
# this file runs alone inside the target.  Everything is linear in the input:
# str methods and one splitting regex whose alternatives are single characters
# or one character class (no backtracking over unbounded input), so a 120 KB
# proxy URL costs milliseconds.  Redaction runs *before* truncation, so a cut
# can never expose the tail of a secret.

MAX_TEXT = 2000  # characters of any one emitted string; the rest is announced, not shown
MASK = "***"
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "pypi-", "AKIA")
_SECRET_WORDS = ("pass", "pwd", "token", "secret", "auth", "apikey", "api_key", "api-key", "credential")
_HEADER_NAMES = ("authorization", "proxy-authorization")
PLACEHOLDER = "USER:PASSWORD"  # the literal check's fixes print: never a secret
_NEXT_IS_SECRET = ("password:", "passwd:", "--password", "token:", "secret:")
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-")
_TOKEN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_HEX_CHARS = frozenset("0123456789abcdefABCDEF-:")
# Separators kept as they are: whitespace runs, quotes, brackets, commas.
_SPLIT = re.compile(r"(\s+|[\"'<>(){}\[\],;])")


def truncate(text, limit=MAX_TEXT):
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + u"\u2026(truncated, %d chars)" % len(text)


def _remember(secret):
    # Parts shorter than 3 characters would blank unrelated text.
    if secret and len(secret) >= 3 and secret != MASK and len(SECRETS) < 1000:
        SECRETS.append(secret)


def looks_like_token(seg):
    """A path segment or word shaped like an access token (GitHub, GitLab, PyPI, AWS, JWT, random)."""
    if len(seg) < 12:
        return False
    for prefix in _TOKEN_PREFIXES:
        if seg.startswith(prefix) and len(seg) >= len(prefix) + 8:
            return True
    parts = seg.split(".")
    if len(parts) == 3 and seg.startswith("eyJ") and all(len(p) >= 4 and set(p) <= _TOKEN_CHARS for p in parts):
        return True  # a JWT: base64url(header).base64url(payload).signature
    if len(seg) < 24 or not set(seg) <= _TOKEN_CHARS or set(seg) <= _HEX_CHARS:
        # Hex strings (certificate and file hashes, commit ids, UUIDs) are
        # what tlsdoctor itself reports: not treated as tokens.
        return False
    # Random-looking: letters and digits mixed, changing class often
    # (words such as "test_network_errors_are_not_bu0" change rarely).
    changes, last, digits = 0, None, 0
    for c in seg:
        if c in "_-":
            continue  # word separators change nothing
        cls = "d" if c.isdigit() else "u" if c.isupper() else "l"
        digits += cls == "d"
        if last is not None and cls != last:
            changes += 1
        last = cls
    return digits > 0 and changes * 3 >= len(seg)


def _redact_path(path):
    """Token-looking segments and the one after ``/t/`` (a token-in-path index) become ***."""
    if "/" not in path and not looks_like_token(path):
        return path
    segs = path.split("/")
    for i, seg in enumerate(segs):
        if seg and (looks_like_token(seg) or (i > 0 and segs[i - 1] == "t")):
            _remember(seg)
            segs[i] = MASK
    return "/".join(segs)


def _redact_query(query):
    """Every value of every key: ``token=abc&x=1`` -> ``token=***&x=***``."""
    out = []
    for pair in query.split("&"):
        key, eq, value = pair.partition("=")
        if eq and value:
            _remember(value)
            out.append(key + "=" + MASK)
        elif not eq and looks_like_token(key):
            _remember(key)
            out.append(MASK)
        else:
            out.append(pair)
    return "&".join(out)


def _redact_url_tail(rest):
    """``userinfo@host:port/path?query#frag`` (after ``scheme://``) with secrets masked."""
    if rest.startswith(PLACEHOLDER + "@"):
        return rest  # check's own fix text, nothing secret
    end = len(rest)
    for ch in "/?#":
        i = rest.find(ch)
        if i != -1 and i < end:
            end = i
    at = rest.find("@", end)
    if end < len(rest) and rest[end] == "/" and ":" in rest[:end] and at != -1 and "/" not in rest[end + 1:at]:
        # A raw "/" in the password ("http://u:pa/ss@proxy:3128"): urllib3
        # cannot parse it either, but the credentials still run up to the "@".
        end = len(rest)
        for ch in "/?#":
            i = rest.find(ch, at)
            if i != -1 and i < end:
                end = i
    authority, tail = rest[:end], rest[end:]
    if "@" in authority:
        # The LAST "@" before the host, as urllib3's parse_url does: a raw
        # "@" in the password belongs to the password.
        userinfo, _, hostport = authority.rpartition("@")
        _remember(userinfo)
        # The first ":" parts user from password (RFC 3986); the password may hold
        # more ":" ("p@ss:123"), and its pieces are no secret of their own (a
        # piece such as "123" would be masked inside port numbers elsewhere).
        for part in userinfo.split(":", 1):
            _remember(part)
        authority = MASK + "@" + hostport
    path, q, query = tail.partition("?")
    frag = ""
    if "#" in (query if q else path):
        if q:
            query, _, frag = query.partition("#")
        else:
            path, _, frag = path.partition("#")
        frag = "#" + frag
    out = authority + _redact_path(path)
    if q:
        out += "?" + _redact_query(query)
    return out + frag


def _redact_word(word):
    """One whitespace/quote-delimited word: URLs, scheme-less user:pass@host, key=secret, tokens."""
    i = word.find("://")
    if i > 0:
        start = i
        while start > 0 and word[start - 1] in _SCHEME_CHARS:
            start -= 1
        return _redact_word(word[:start]) + word[start:i + 3] + _redact_url_tail(word[i + 3:])
    if PLACEHOLDER + "@" in word:
        return word  # check's own fix text (http://USER:PASSWORD@proxy): nothing secret
    if "@" in word:
        userinfo, _, host = word.rpartition("@")
        hostname, colon, port = host.partition(":")
        if ":" in userinfo or (colon and port.split("/")[0].isdigit() and "/" not in userinfo):
            # pip and urllib3 accept a proxy without a scheme: user:pass@proxy:3128
            # (also "--proxy=user:pass@host" in a pasted command line).
            head, eq, cred = userinfo.rpartition("=") if "=" in userinfo else ("", "", userinfo)
            _remember(cred)
            for part in cred.split(":", 1):  # user, then the whole password (see above)
                _remember(part)
            return head + eq + MASK + "@" + _redact_path(host)
    key, eq, value = word.partition("=")
    if eq and value and any(w in key.lower() for w in _SECRET_WORDS):
        _remember(value)
        return key + "=" + MASK
    if "?" in word and "=" in word:
        base, _, query = word.partition("?")
        return _redact_path(base) + "?" + _redact_query(query)
    return _redact_path(word)


def redact_text(text):
    """Any text (an error message, a config value, a command line) with its secrets masked."""
    if not text:
        return text
    parts = _SPLIT.split(text)
    out, mask_next, header = [], False, False
    for part in parts:
        if not part:
            continue
        if part.isspace() or (len(part) == 1 and part in "\"'<>(){}[],;"):
            if "\n" in part:
                header = False
            out.append(part)
            continue
        low = part.lower()
        if header and low in (":", "basic", "bearer", "digest", "token", "negotiate", "ntlm"):
            out.append(part)  # the separator or the scheme name: the credential follows
            continue
        if header or mask_next:
            # "Authorization: Basic <x>" (also quoted, as in a dict repr) and
            # "password: <x>": the credential word itself.
            _remember(part)
            out.append(MASK)
            header = mask_next = False
            continue
        key = low.rstrip(":")
        if key.endswith(_HEADER_NAMES) and (low.endswith(":") or key in _HEADER_NAMES):
            # "Authorization:" or a quoted header name, also glued to an
            # escaped "\r\n" in a repr of the raw request.
            header = True
        elif low in _NEXT_IS_SECRET:
            mask_next = True
        out.append(_redact_word(part))
    return "".join(out)


def redact_url(url):
    """A URL (or a scheme-less proxy) with userinfo, query values and path tokens masked."""
    if not url:
        return url
    return redact_text(_s(url))


def redact_value(key, value):
    """A configuration value: masked whole when its key names a secret, else as text."""
    if value is None:
        return None
    text = _s(value)
    if any(w in _s(key).lower() for w in _SECRET_WORDS):
        _remember(text)
        return MASK
    return redact_text(text)


_SORTED_SECRETS = [0, []]


def _secrets_longest_first():
    if _SORTED_SECRETS[0] != len(SECRETS):
        _SORTED_SECRETS[:] = [len(SECRETS), sorted(set(SECRETS), key=len, reverse=True)]
    return _SORTED_SECRETS[1]


_B64_LINE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def is_certificate_pem(value):
    """A PEM certificate as ``DER_cert_to_PEM_cert`` writes it (a server's public certificate).

    Its base64 lines look like tokens to the redaction, and a fix needs the exact
    bytes to let the user confirm and trust a CA: such a value is kept whole. Only
    the exact shape qualifies (header, base64 lines, footer, at most 16 KiB), so
    nothing else can slip through unredacted.
    """
    if not isinstance(value, (bytes, text_type)) or len(value) > 16384:
        return False
    lines = _s(value).strip().splitlines()
    return (len(lines) >= 3 and lines[0] == "-----BEGIN CERTIFICATE-----"
            and lines[-1] == "-----END CERTIFICATE-----"
            and all(line and set(line) <= _B64_LINE for line in lines[1:-1]))


def scrub(obj):
    """Every string in obj redacted, stripped of every remembered secret, and truncated."""
    if isinstance(obj, dict):
        return dict((scrub(k), v if k == "pem" and is_certificate_pem(v) else scrub(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return [scrub(v) for v in obj]
    if isinstance(obj, (bytes, text_type)) or (PY2 and isinstance(obj, str)):
        text = redact_text(_s(obj))
        for secret in _secrets_longest_first():
            if secret in text:
                text = text.replace(secret, MASK)
        return truncate(text)
    return obj


def remaining(deadline):
    return max(0.05, deadline - time.time())


def _version_tuple(v):
    out = []
    for part in (v or "").split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        out.append(int(m.group()))
    return tuple(out)


def host_port(url):
    parts = urlsplit(url)
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, host, port


# ---------------------------------------------------------------- facts

ENV_VARIABLES = ("PYTHONPATH", "PYTHONHOME", "PYTHONUSERBASE", "PYTHONNOUSERSITE", "PYTHONSTARTUP",
                 "PYTHONSAFEPATH")


def python_environment():
    """What in pip's environment changes which modules pip imports (facts["python"]["environment"])."""
    flags = sys.flags
    out = {
        "variables": dict((k, os.environ[k]) for k in ENV_VARIABLES if k in os.environ),
        # With -I/-E (how check ran the probe before) the variables are set but had no effect here.
        "isolated": bool(getattr(flags, "isolated", 0)),
        "ignore_environment": bool(getattr(flags, "ignore_environment", 0)),
        "no_user_site": bool(getattr(flags, "no_user_site", 0)),
        "stdlib_dirs": [d for d in STDLIB_DIRS if os.path.exists(d)],
        "sys_path": REAL_SYS_PATH[:40],
    }
    site = sys.modules.get("site")
    user_site = None
    try:
        user_site = site.getusersitepackages() if hasattr(site, "getusersitepackages") else site.USER_SITE
    except Exception:
        user_site = getattr(site, "USER_SITE", None)
    enabled = bool(getattr(site, "ENABLE_USER_SITE", False))
    out["user_site"] = {"enabled": enabled, "path": user_site,
                        "exists": bool(user_site and os.path.isdir(user_site)),
                        "in_sys_path": bool(user_site and user_site in REAL_SYS_PATH)}
    for name in ("sitecustomize", "usercustomize"):
        mod = sys.modules.get(name)
        out[name] = {"loaded": mod is not None, "path": getattr(mod, "__file__", None) if mod else None}
    out["ssl"] = module_origin("ssl", SSL_IMPORT_ERROR)
    # ssl's import error is _ssl's only when it was _ssl that failed (a missing or broken OpenSSL).
    out["_ssl"] = module_origin("_ssl", SSL_IMPORT_ERROR if "_ssl" in (SSL_IMPORT_ERROR or "") else None)
    out["shadowed"] = [name for name in ("ssl", "_ssl") if out[name].get("in_stdlib") is False]
    # Modules the probe needs that something (sitecustomize, a .pth file)
    # had already imported from outside the stdlib before the probe ran.
    out["preloaded_outside_stdlib"] = sorted(
        name for name in _OWN_MODULES + ("socket", "select", "_socket")
        if _outside_stdlib(getattr(sys.modules.get(name), "__file__", None)))
    return out


def _in_stdlib(path):
    real = os.path.realpath(path)
    for d in STDLIB_DIRS:
        d = os.path.realpath(d)
        if real == d or real.startswith(d.rstrip(os.sep) + os.sep):
            return True
    return False


def _outside_stdlib(path):
    return bool(path) and not _in_stdlib(path)


def module_origin(name, import_error):
    """Where module name was (or would be) imported from, and whether that is the interpreter's own stdlib."""
    mod = sys.modules.get(name)
    path = None
    if mod is not None:
        path = getattr(mod, "__file__", None)
        if path is None:
            return {"path": "built-in", "in_stdlib": True, "error": None}
    else:
        path = _find_module(name)
    info = {"path": path, "error": import_error if mod is None else None}
    if path:
        # site-packages inside the prefix is not the stdlib: a "ssl" there shadows it too.
        info["in_stdlib"] = _in_stdlib(path) and "site-packages" not in path and "dist-packages" not in path
    return info


def _find_module(name):
    """Where `import name` resolves with the real sys.path (no import: it may be what failed)."""
    try:
        if PY2:
            import imp
            fh, path, _ = imp.find_module(name, REAL_SYS_PATH)
            if fh:
                fh.close()
            return path
        import importlib.util
        spec = importlib.util.find_spec(name)
        return spec.origin if spec else None
    except Exception:
        return None


def tls_capabilities():
    info = {"ssl_import_error": SSL_IMPORT_ERROR}
    if OPENSSL_CONF_UNSAFE:
        info["openssl_conf_ignored"] = "OPENSSL_CONF is %s: measured without it" % OPENSSL_CONF_UNSAFE
    if ssl is None:
        return info
    info["openssl_version"] = getattr(ssl, "OPENSSL_VERSION", None)
    info["openssl_version_info"] = list(getattr(ssl, "OPENSSL_VERSION_INFO", ()))
    supported = []
    for name, flag, proto in (("TLSv1", "HAS_TLSv1", "PROTOCOL_TLSv1"),
                              ("TLSv1.1", "HAS_TLSv1_1", "PROTOCOL_TLSv1_1"),
                              ("TLSv1.2", "HAS_TLSv1_2", "PROTOCOL_TLSv1_2"),
                              ("TLSv1.3", "HAS_TLSv1_3", None)):
        has = getattr(ssl, flag, None)
        if has is None:  # Python < 3.7 has no HAS_TLSv1_x (except HAS_TLSv1_3 on 2.7.15+)
            has = bool(proto and hasattr(ssl, proto))
        if has:
            supported.append(name)
    info["supported_versions"] = supported
    info["local_handshake"] = local_max_tls()
    try:
        ctx = ssl.create_default_context()
        info["default_verify_mode"] = int(ctx.verify_mode)
        info["default_check_hostname"] = bool(ctx.check_hostname)
        strict = getattr(ssl, "VERIFY_X509_STRICT", None)
        info["default_x509_strict"] = bool(strict and (ctx.verify_flags & strict))
        if hasattr(ctx, "minimum_version"):
            # These read SSL_CTX_get_min/max_proto_version, so a MinProtocol
            # from OPENSSL_CONF or a system crypto policy shows up here.
            info["default_minimum_version"] = _version_name(ctx.minimum_version)
            info["default_maximum_version"] = _version_name(ctx.maximum_version)
        try:
            info["default_cipher_count"] = len(ctx.get_ciphers())
        except Exception:
            pass
    except Exception as exc:
        info["default_context_error"] = err_text(exc)
    try:
        paths = ssl.get_default_verify_paths()
        info["default_verify_paths"] = {
            "cafile": paths.cafile, "capath": paths.capath,
            "openssl_cafile_env": paths.openssl_cafile_env, "openssl_cafile": paths.openssl_cafile,
            "openssl_capath_env": paths.openssl_capath_env, "openssl_capath": paths.openssl_capath}
    except Exception as exc:
        info["default_verify_paths_error"] = err_text(exc)
    return info


def local_max_tls():
    """The highest TLS version this interpreter really negotiates, measured on loopback.

    HAS_TLSv1_3 says what the build has; an OPENSSL_CONF or system crypto
    policy may cap it, and Python 2.7 cannot report the cap. A handshake
    between a default client context and a permissive server context in this
    very process (throwaway certificate, 127.0.0.1, 2 s timeouts) measures it.
    """
    if ssl is None:
        return {"status": "could_not_run", "error": "no ssl module"}
    out = {}
    try:
        srv_ctx = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS_SERVER", None) or ssl.PROTOCOL_SSLv23)
        srv_ctx.load_cert_chain(_client_pem())
        try:
            srv_ctx.set_ciphers("ALL:@SECLEVEL=0")
        except Exception:
            pass
        if hasattr(srv_ctx, "minimum_version"):
            try:
                srv_ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            except Exception:
                pass
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        lsock.settimeout(2.0)
        port = lsock.getsockname()[1]

        def serve():
            try:
                conn, _ = lsock.accept()
                conn.settimeout(2.0)
                tconn = srv_ctx.wrap_socket(conn, server_side=True)
                tconn.recv(1)
                tconn.close()
            except Exception:
                pass
        t = threading.Thread(target=serve)
        t.daemon = True
        t.start()
        cctx = ssl.create_default_context()
        cctx.check_hostname = False
        cctx.verify_mode = ssl.CERT_NONE
        c = socket.create_connection(("127.0.0.1", port), 2.0)
        tc = cctx.wrap_socket(c)
        out["version"] = tc.version()
        out["status"] = "ok"
        try:
            tc.sendall(b"x")
        except Exception:
            pass
        tc.close()
        lsock.close()
    except Exception as exc:
        fail(out, exc, "tls")
        del out["timeout"]
    return out


def _version_name(v):
    name = getattr(v, "name", None) or _s(v)
    return {"TLSv1_1": "TLSv1.1", "TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3",
            "MINIMUM_SUPPORTED": "minimum", "MAXIMUM_SUPPORTED": "maximum"}.get(name, name)


def bundle_info(path):
    """What is really at a CA bundle path (missing, unreadable, not PEM, ...)."""
    info = {"path": path}
    if not path:
        return info
    try:
        info["exists"] = os.path.exists(path)
        info["is_dir"] = os.path.isdir(path)
        info["is_file"] = os.path.isfile(path)
        info["file_type"] = file_type(path)
        if info["is_dir"]:
            # A CA *directory* (requests accepts one as verify=, OpenSSL as
            # capath) only works through c_rehash-style "<hash>.<n>" links.
            try:
                names = os.listdir(path)[:100000]
                info["hashed_entries"] = len([n for n in names if re.match(r"^[0-9a-f]{8}\.\d+$", n)])
            except Exception as exc:
                info["readable"] = False
                info["read_error"] = err_text(exc)
        if not info["is_file"]:
            return info
        st = os.stat(path)
        info["size"] = st.st_size
        info["mtime"] = st.st_mtime
        if st.st_size > READ_CAP:
            # Not read, and not handed to OpenSSL (which would read it all).
            info["over_cap"] = READ_CAP
            return info
        try:
            with open(path, "rb") as fh:
                data = fh.read(READ_CAP)
        except Exception as exc:
            info["readable"] = False
            info["read_error"] = err_text(exc)
            return info
        info["readable"] = True
        info["pem_certificates"] = data.count(b"-----BEGIN CERTIFICATE-----")
        info["pem_trusted_certificates"] = data.count(b"-----BEGIN TRUSTED CERTIFICATE-----")
        if info["pem_certificates"] == 0:
            head = data[:1]
            info["looks_like"] = ("der" if head == b"\x30" else "empty" if not data
                                  else "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "other")
        if ssl is not None:
            try:
                ctx = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS", None) or ssl.PROTOCOL_SSLv23)
                ctx.load_verify_locations(cafile=path)
                certs = ctx.get_ca_certs()
                info["loaded"] = len(certs)
            except Exception as exc:
                info["load_error"] = err_text(exc)
    except Exception as exc:
        info["error"] = err_text(exc)
    return info


def environment_facts():
    conf = os.environ.get("OPENSSL_CONF")
    ca = _ca_variables()
    return {"ca": ca, "other_ca": _other_ca_variables(ca), "proxy": _proxy_variables(),
            "pip": dict((k, redact_value(k, v)) for k, v in os.environ.items() if k.upper().startswith("PIP_")),
            "openssl_conf": openssl_conf_facts(conf) if conf is not None else None,
            "faketime": dict((k, v) for k, v in os.environ.items() if k.startswith("FAKETIME")),
            "ld_preload": os.environ.get("LD_PRELOAD"),
            "loader": dict((k, os.environ[k]) for k in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "PYTHONHOME", "PYTHONPATH")
                           if k in os.environ)}


def _ca_variables():
    env = {}
    for name in CA_VARS:
        if name in os.environ:
            value = os.environ[name]
            info = bundle_info(value) if name != "PIP_CLIENT_CERT" else None
            if info is not None and name == "SSL_CERT_DIR":
                info["expect_dir"] = True  # a hashed certificate directory, not a PEM file
            env[name] = {"value": value, "bundle": info}
    return env


def _other_ca_variables(known):
    """Other tools' CA variables (NODE_EXTRA_CA_CERTS, GIT_SSL_CAINFO, ...): context, not pip's."""
    other = {}
    for name, value in os.environ.items():
        upper = name.upper()
        if name not in known and ("CA_BUNDLE" in upper or "CA_CERT" in upper or upper.endswith("SSL_CERT_FILE")
                                  or "CAINFO" in upper or "SSL_ROOTS" in upper):
            other[name] = value
    return other


def _proxy_variables():
    return dict((name, os.environ[name] if "no_proxy" in name.lower() else redact_url(os.environ[name]))
                for name in PROXY_VARS if name in os.environ)


def openssl_conf_facts(path):
    """OPENSSL_CONF: which directives narrow versions, ciphers or options."""
    info = {"path": path, "restrictions": {}, "file_type": file_type(path)}
    unsafe = unsafe_to_read(path)
    if unsafe:
        # Never opened: opening a FIFO blocks.  OpenSSL would block on it (or
        # never finish reading) when pip imports ssl; the probe's own ssl was
        # loaded without it (see ssl.openssl_conf_ignored).
        info.update({"readable": False, "unsafe": unsafe,
                     "error": "%s: not read; OpenSSL reads it whole when pip imports ssl" % unsafe})
        return info
    try:
        with open(path, "rb") as fh:
            data = fh.read(1024 * 1024).decode("utf-8", "replace")
        info["readable"] = True
    except Exception as exc:
        info["readable"] = False
        info["error"] = err_text(exc)
        return info
    for line in data.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^(MinProtocol|MaxProtocol|CipherString|Ciphersuites|Options|SignatureAlgorithms|Groups|Curves)\s*=\s*(.+)$",
                     line, re.I)
        if m:
            info["restrictions"][m.group(1)] = m.group(2).strip()
    return info


def pip_facts(index_override):
    """pip's version, vendored stack, and its effective options, resolved by pip itself."""
    out = {}
    try:
        import pip
        out["version"] = getattr(pip, "__version__", None)
        out["location"] = os.path.dirname(os.path.abspath(pip.__file__))
    except Exception as exc:
        out["import_error"] = err_text(exc)
        return out, None
    try:
        # pip 19.x's vendored requests can only be imported after
        # pip._internal (a circular import otherwise).
        import pip._internal  # noqa: F401
    except Exception as exc:
        out["internal_import_error"] = err_text(exc)
    vendored_facts(out)
    unsafe = unsafe_config_files()
    if unsafe:
        # pip's parser (configparser) reads a config file whole and at once:
        # /dev/zero never ends (gigabytes before any deadline), a FIFO blocks.
        # Not handed to pip; reported as the config fact and as pip's error.
        out["config"] = {"levels": [], "unsafe": unsafe, "pip_config_file": os.environ.get("PIP_CONFIG_FILE"),
                         "error": "; ".join("%s is %s" % (u["path"], u["reason"]) for u in unsafe)}
        out["options_error"] = ("pip cannot read its configuration: %s (tlsdoctor did not read it: pip would "
                                "block or exhaust memory there)" % out["config"]["error"])
        return out, None
    out["config"] = pip_config_files()
    try:
        command = _make_install_command()
        options = _parse_install_options(command, index_override)
        out["options"] = options_facts(options)
        out["bundles"] = {}
        for key in ("cert", "client_cert"):
            if getattr(options, key, None):
                out["bundles"][key] = bundle_info(getattr(options, key))
        return out, (command, options)
    except SystemExit as exc:
        out["options_error"] = "pip rejected its configuration (exit %s)" % (exc.code,)
    except Exception as exc:
        out["options_error"] = err_text(exc)
    return out, None


def vendored_facts(out):
    """Into ``out``: the versions of pip's vendored urllib3/requests/certifi/truststore (or each
    one's import error), certifi's bundle, and what the vendored truststore would load."""
    for mod, key in (("pip._vendor.urllib3", "urllib3"), ("pip._vendor.requests", "requests"),
                     ("pip._vendor.certifi", "certifi"), ("pip._vendor.truststore", "truststore")):
        try:
            m = __import__(mod, fromlist=["__version__"])
            out[key + "_version"] = getattr(m, "__version__", None)
            if key == "certifi":
                out["certifi_where"] = m.where()
                out["certifi_bundle"] = bundle_info(out["certifi_where"])
        except Exception as exc:
            out[key + "_error"] = err_text(exc)
    if "truststore_version" in out:
        try:
            out["truststore"] = truststore_facts()
        except Exception as exc:  # our code reading pip's: a fact about the probe, never fatal
            out["truststore"] = {"error": err_text(exc)}


def _parse_install_options(command, index_override):
    """``pip install``'s options as pip resolves them (its config files, PIP_* variables), made safe
    for a check. Raises SystemExit where pip rejects its configuration."""
    args = ["--retries", "0"]
    if index_override:
        args += ["--index-url", index_override]
    options, _ = command.parse_args(args)
    # Never prompt (stdin is our request), never call keyring, and leave
    # pip's HTTP cache alone (a check must not change the machine; the
    # network path is the same without it).
    options.no_input = True
    if hasattr(options, "cache_dir"):
        options.cache_dir = None
    if hasattr(options, "keyring_provider"):
        options.keyring_provider = "disabled"
    return options


def options_facts(options):
    """The options that decide pip's connection (index, trust, proxy, timeout), URLs redacted."""
    return {
        "index_url": redact_url(getattr(options, "index_url", None)),
        "extra_index_urls": [redact_url(u) for u in (getattr(options, "extra_index_urls", None) or [])],
        "no_index": getattr(options, "no_index", None),
        "cert": getattr(options, "cert", None),
        "client_cert": getattr(options, "client_cert", None),
        "trusted_hosts": list(getattr(options, "trusted_hosts", None) or []),
        "proxy": redact_url(getattr(options, "proxy", None)),
        "timeout": getattr(options, "timeout", None),
        "deprecated_features_enabled": list(getattr(options, "deprecated_features_enabled", None) or []),
        "features_enabled": list(getattr(options, "features_enabled", None) or []),
    }


# truststore's own test for a usable capath (pip/_vendor/truststore/_openssl.py, all versions pip vendors).
_HASHED_CERT_NAME = r"^[0-9a-fA-F]{8}\.[0-9]$"
# Non-candidate OS bundles: where a root can be that truststore's fallback never reads (Fedora/RHEL's
# real file, whose /etc/pki/tls/cert.pem link truststore does read, may exist without the link).
OS_BUNDLES_ELSEWHERE = ("/etc/pki/tls/certs/ca-bundle.crt",)


def truststore_facts():
    """What pip's vendored truststore would load here, read from its own module (already imported by
    pip_facts: importing it only defines names; SSLContext/inject_into_ssl are never called).

    truststore's OpenSSL backend (pip/_vendor/truststore/_openssl.py: truststore 0.9.1 in pip 24.2,
    0.10.4 in pip 25.3 and 26.1.2, 0.10.5 in pip 26.3; ``_api`` picks it unless platform.system() is
    Windows or Darwin, which ask the OS and never read OpenSSL's paths) calls set_default_verify_paths()
    only when ssl.get_default_verify_paths() names an existing cafile, or a capath holding a hashed
    ``NNNNNNNN.N`` name; otherwise it loads the first existing file of ``_CA_FILE_CANDIDATES``
    (/etc/ssl/cert.pem, ..., /etc/ssl/certs/ca-certificates.crt, /etc/ssl/ca-bundle.pem) and, if none
    exists, nothing. A truststore whose module has no such list (pips 24.2-26.3 all have it) is
    reported with ``candidates`` None: no fallback. ``loads``: "default_verify_paths", "fallback"
    (``fallback_file``) or "nothing"."""
    out = {}
    api = sys.modules.get("pip._vendor.truststore._api")
    configure = getattr(api, "_configure_context", None)
    backend = getattr(configure, "__module__", None) or ""
    out["backend"] = backend.rsplit(".", 1)[-1] or None
    if out["backend"] != "_openssl" or ssl is None:
        return out
    mod = sys.modules.get(backend)
    cands = getattr(mod, "_CA_FILE_CANDIDATES", None)
    out["candidates"] = [c for c in cands if isinstance(c, str)] if isinstance(cands, (list, tuple)) else None
    pattern = getattr(getattr(mod, "_HASHED_CERT_FILENAME_RE", None), "pattern", None) or _HASHED_CERT_NAME
    usable = _default_store_usable(pattern)
    out["default_store_usable"] = usable
    out["fallback_file"] = None
    if usable:
        out["loads"] = "default_verify_paths"
        return out
    out["fallback_file"] = _first_file(out["candidates"] or ())
    out["loads"] = "fallback" if out["fallback_file"] else "nothing"
    if out["loads"] == "nothing":
        out["os_bundles_elsewhere"] = [p for p in _os_bundles_elsewhere() if os.path.isfile(p)]
    return out


def _default_store_usable(pattern):
    """truststore's own test of OpenSSL's default paths: a cafile is named, or the capath is a
    directory holding a name that matches ``pattern`` (a hashed ``NNNNNNNN.N`` certificate)."""
    d = ssl.get_default_verify_paths()
    if d.cafile:
        return True
    if not (d.capath and os.path.isdir(d.capath)):
        return False
    try:
        return any(re.match(pattern, n) for n in os.listdir(d.capath))
    except OSError:
        return False


def _first_file(paths):
    """The first of ``paths`` that is an existing file (truststore's fallback order), else None."""
    for path in paths:
        if os.path.isfile(path):
            return path
    return None


def _os_bundles_elsewhere():
    """CA files a user may have that truststore's fallback does not read: OpenSSL's built-in cafile
    when SSL_CERT_FILE hides it (a custom build's OPENSSLDIR), then Fedora/RHEL's real bundle."""
    out = []
    try:
        d = ssl.get_default_verify_paths()
        env = os.environ.get(d.openssl_cafile_env or "SSL_CERT_FILE")
        if env and d.openssl_cafile and os.path.abspath(env) != os.path.abspath(d.openssl_cafile):
            out.append(d.openssl_cafile)
    except Exception:
        pass
    return out + [p for p in OS_BUNDLES_ELSEWHERE if p not in out]


def _make_install_command():
    from pip._internal import commands as pc
    if hasattr(pc, "create_command"):  # pip >= 19.3
        return pc.create_command("install", isolated=False)
    cls = pc.commands_dict["install"]  # pip 10 - 19.2: a class
    return cls(isolated=False)


def unsafe_config_files():
    """pip's config files that would block or exhaust memory if read ([{"path", "reason"}]); reads none."""
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []  # pip then loads no config file at all (configuration.py)
    paths = [env_file] if env_file else []
    try:
        from pip._internal.configuration import Configuration
        conf = Configuration(isolated=False)
        files = getattr(conf, "iter_config_files", None) or getattr(conf, "_iter_config_files")
        for _, fnames in files():
            paths.extend(fnames)
    except Exception:
        pass  # pip < 10 or a changed private API: only PIP_CONFIG_FILE is checked
    out, seen = [], set()
    for path in paths:
        if path in seen:
            continue
        seen.add(path)
        # A directory is safe: configparser skips what it cannot open.
        reason = unsafe_to_read(path, dir_ok=True)
        if reason:
            out.append({"path": path, "reason": reason})
    return out


def pip_config_files():
    """Every config file pip would read, per level, with the values it holds."""
    levels = []
    try:
        from pip._internal.configuration import Configuration
        conf = Configuration(isolated=False)
        conf.load()
        parsers = getattr(conf, "_parsers", {})
        for variant in ("global", "user", "site", "env"):
            files = []
            for fname, parser in parsers.get(variant, []):
                entry = {"path": fname, "exists": os.path.exists(fname), "values": {}}
                try:
                    for section in parser.sections():
                        for key, value in parser.items(section):
                            entry["values"]["%s.%s" % (section, key)] = redact_value(key, value)
                except Exception as exc:
                    entry["error"] = err_text(exc)
                files.append(entry)
            # pip only keeps parsers for files that exist; name the others too.
            try:
                for v, fnames in conf.iter_config_files():
                    if v == variant:
                        for fname in fnames:
                            if not any(f["path"] == fname for f in files):
                                files.append({"path": fname, "exists": os.path.exists(fname), "values": {}})
            except Exception:
                pass
            levels.append({"level": variant, "files": files})
    except Exception as exc:
        # pip's own loader raises on a malformed file (ConfigurationError):
        # that message is exactly what pip will print, so report it.
        return {"levels": levels, "error": err_text(exc)}
    return {"levels": levels, "pip_config_file": os.environ.get("PIP_CONFIG_FILE")}


# ---------------------------------------------------------------- probes

class Results(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.data = {}

    def put(self, key, value):
        with self.lock:
            self.data[key] = value

    def get(self, key):
        with self.lock:
            return dict(self.data.get(key) or {})

    def drop(self, keys):
        with self.lock:
            for k in keys:
                self.data.pop(k, None)

    def snapshot(self):
        with self.lock:
            return dict(self.data)


def start_threads(jobs, results):
    """Start jobs (each with its deadline set); until they finish, their result says ``deadline``."""
    threads = {}
    progress("start", len(jobs))
    for job in jobs:
        results.put(job.key, {"status": "deadline", "error_kind": None, "started": round(time.time() - START, 3)})
        t = threading.Thread(target=_guard, args=(results, job))
        t.daemon = True
        t.start()
        threads[job.key] = t
    return threads


def join_threads(threads, until):
    for t in threads:
        t.join(max(0.0, until - time.time()))


def _guard(results, job):
    key = job.key
    t0 = time.time()
    try:
        value = job.run()
    except CannotRun as exc:
        value = {"status": "could_not_run", "error": err_text(exc), "error_kind": None}
    except Exception as exc:
        # A network/TLS/OS error that escaped the attempt's own handling is
        # still a measurement; anything else is tlsdoctor's bug.
        value = fail({}, exc, "bug")
    if value.get("status") in ("error", "bug", "could_not_run"):
        value.setdefault("error_kind", "bug" if value["status"] == "bug" else None)
    else:
        value.setdefault("error_kind", None)
    value["elapsed"] = round(time.time() - t0, 3)
    results.put(key, value)
    progress("done", key, value.get("status"))


def progress(*words):
    """One line on stderr per finished probe, for check's live display (never secrets: keys only)."""
    try:
        sys.stderr.write("@@tlsdoctor-progress %s\n" % " ".join(_s(w) for w in words))
        sys.stderr.flush()
    except Exception:
        pass


def connect(host, port, proxy, timeout):
    """TCP to host:port, through an http:// proxy with CONNECT when given.

    Returns (sock, info).  info["stage"] says how far it got.
    """
    info = {}
    if not proxy:
        t0 = time.time()
        sock = socket.create_connection((host, port), timeout)
        info["tcp_ms"] = round((time.time() - t0) * 1000, 1)
        return sock, info
    pscheme, phost, pport = host_port(proxy)
    sock = socket.create_connection((phost, pport), timeout)
    sock.settimeout(timeout)
    if pscheme == "https" and not LEGACY_HTTPS_PROXY:
        # urllib3 >= 1.26 (pip >= 20.3) speaks TLS to an https:// proxy and
        # tunnels the index's TLS inside it; older ones ignored the scheme.
        if not hasattr(ssl, "MemoryBIO"):
            sock.close()
            raise CannotRun("TLS inside TLS needs Python >= 3.5")
        sock = make_context("noverify").wrap_socket(sock, server_hostname=phost)
        info["tunnel"] = "tls"
    status, headers = send_connect(sock, host, port, proxy)
    info["connect_status"] = status
    if status != 200:
        sock.close()
        raise ProxyRefused(status, headers)
    return sock, info


LEGACY_HTTPS_PROXY = False  # set in main() for pip < 20.3


class InnerTLS(object):
    """TLS inside an https:// proxy's TLS (like urllib3's SSLTransport), over ssl.SSLObject."""

    def __init__(self, outer, ctx, server_hostname):
        self.outer = outer
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname=server_hostname)
        self._run(self.obj.do_handshake)

    def _flush(self):
        data = self.outgoing.read()
        if data:
            self.outer.sendall(data)

    def _run(self, fn, *args):
        while True:
            try:
                result = fn(*args)
                self._flush()
                return result
            except ssl.SSLWantReadError:
                self._flush()
                data = self.outer.recv(16384)
                if data:
                    self.incoming.write(data)
                else:
                    self.incoming.write_eof()

    def sendall(self, data):
        view = memoryview(data)
        while len(view):
            n = self._run(self.obj.write, view)
            view = view[n:]

    def recv(self, n):
        try:
            return self._run(self.obj.read, n)
        except ssl.SSLZeroReturnError:
            return b""

    def settimeout(self, t):
        self.outer.settimeout(t)

    def version(self):
        return self.obj.version()

    def cipher(self):
        return self.obj.cipher()

    def getpeercert(self, binary_form=False):
        return self.obj.getpeercert(binary_form)

    def get_unverified_chain(self):
        if hasattr(self.obj, "get_unverified_chain"):
            return self.obj.get_unverified_chain()
        return self.obj._sslobj.get_unverified_chain()

    def close(self):
        _close(self.outer)


class ProxyRefused(Exception):
    def __init__(self, status, headers):
        Exception.__init__(self, "CONNECT answered %s" % (status,))
        self.status = status
        self.headers = headers


def send_connect(sock, host, port, proxy):
    lines = ["CONNECT %s:%d HTTP/1.1" % (host, port), "Host: %s:%d" % (host, port)]
    parts = urlsplit(proxy)
    if parts.username is not None:
        # Basic credentials, as requests' HTTPAdapter.proxy_headers sends them.
        raw = ("%s:%s" % (_unquote(parts.username), _unquote(parts.password or ""))).encode("utf-8")
        lines.append("Proxy-Authorization: Basic " + base64.b64encode(raw).decode("ascii"))
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    head = read_head(sock)
    return parse_status(head)


def _unquote(s):
    try:
        from urllib.parse import unquote
    except ImportError:
        from urllib import unquote
    return unquote(s)


def read_head(sock, limit=65536):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def parse_status(head):
    text = head.decode("latin-1", "replace")
    lines = text.split("\r\n")
    m = re.match(r"^HTTP/\d(?:\.\d)?\s+(\d{3})", lines[0] if lines else "")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if not m:
        raise ValueError("not an HTTP answer: %r" % (head[:40],))
    return int(m.group(1)), headers


def make_context(kind, cafile=None, versions=None, ciphers=None, check_hostname=False,
                 legacy_reneg=False, client_pem=None, strict=None):
    """A client SSLContext; ``kind`` is "noverify" or "verify"."""
    proto = getattr(ssl, "PROTOCOL_TLS_CLIENT", None) or getattr(ssl, "PROTOCOL_TLS", None) or ssl.PROTOCOL_SSLv23
    if kind == "verify":
        ctx = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
        ctx.check_hostname = check_hostname
        sflag = getattr(ssl, "VERIFY_X509_STRICT", None)
        if strict is not None and sflag:
            if strict:
                ctx.verify_flags |= sflag
            else:
                ctx.verify_flags &= ~sflag
    else:
        ctx = ssl.SSLContext(proto)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if versions:
        lo, hi = versions
        if hasattr(ctx, "minimum_version"):
            ctx.minimum_version = getattr(ssl.TLSVersion, lo.replace(".", "_"))
            ctx.maximum_version = getattr(ssl.TLSVersion, hi.replace(".", "_"))
        else:
            flags = {"TLSv1": "OP_NO_TLSv1", "TLSv1.1": "OP_NO_TLSv1_1",
                     "TLSv1.2": "OP_NO_TLSv1_2", "TLSv1.3": "OP_NO_TLSv1_3"}
            idx = TLS_NAMES.index
            for name in TLS_NAMES:
                if idx(name) < idx(lo) or idx(name) > idx(hi):
                    ctx.options |= getattr(ssl, flags[name], 0)
    if ciphers:
        ctx.set_ciphers(ciphers)
    if legacy_reneg:
        ctx.options |= getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)
    if client_pem:
        ctx.load_cert_chain(client_pem)
    return ctx


def cert_info(der):
    """Decode a DER certificate with the stdlib's own decoder."""
    info = {"sha256": hashlib.sha256(der).hexdigest()}
    try:
        pem = ssl.DER_cert_to_PEM_cert(der)
        fd, path = tempfile.mkstemp(suffix=".pem", dir=workdir())
        try:
            os.write(fd, pem.encode("ascii"))
            os.close(fd)
            decoded = ssl._ssl._test_decode_cert(path)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        info["subject"] = _name(decoded.get("subject"))
        info["issuer"] = _name(decoded.get("issuer"))
        info["not_before"] = decoded.get("notBefore")
        info["not_after"] = decoded.get("notAfter")
        for key in ("notBefore", "notAfter"):
            try:
                info[key + "_ts"] = ssl.cert_time_to_seconds(decoded[key])
            except Exception:
                pass
        info["sans"] = ["%s:%s" % (t, v) for t, v in decoded.get("subjectAltName", ())]
        info["ca_issuers"] = list(decoded.get("caIssuers", ()) or ())
        info["self_issued"] = info["subject"] == info["issuer"]
    except Exception as exc:
        info["decode_error"] = err_text(exc)
    try:
        # The stdlib decoder gives names, dates and SANs only; whether a chain
        # ends at a public root needs the key and the key ids too
        # (tlsdoctor.public_roots.anchor_of: a re-issued root keeps its key).
        info.update(_key_ids(der))
    except Exception as exc:
        info["key_ids_error"] = err_text(exc)
    return info


def chain_info(ders):
    """cert_info of each presented cert; the top one and self-issued ones carry their PEM too.

    The PEM is what a fix needs to trust an inspection or private CA (its
    fingerprint for the user to confirm); only those certs, to keep the JSON small."""
    out = []
    for i, der in enumerate(ders):
        info = cert_info(der)
        if i == len(ders) - 1 or info.get("self_issued"):
            try:
                info["pem"] = ssl.DER_cert_to_PEM_cert(der)
            except Exception:
                pass
        out.append(info)
    return out


def _der_tlv(buf, pos):
    """(tag, content start, content end) of the DER element at pos (buf a bytearray)."""
    if pos + 2 > len(buf):
        raise ValueError("DER: truncated")
    tag, n = buf[pos], buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        if k == 0 or k > 4 or pos + k > len(buf):
            raise ValueError("DER: bad length")
        n = 0
        for b in buf[pos:pos + k]:
            n = (n << 8) | b
        pos += k
    if pos + n > len(buf):
        raise ValueError("DER: element runs past the end")
    return tag, pos, pos + n


def _der_children(buf, start, end):
    out, pos = [], start
    while pos < end:
        tag, cs, ce = _der_tlv(buf, pos)
        out.append((tag, pos, cs, ce))
        pos = ce
    return out


def _hexs(b):
    return "".join("%02x" % x for x in bytearray(b))


# id-ce-authorityKeyIdentifier 2.5.29.35 and id-ce-subjectKeyIdentifier 2.5.29.14, DER-encoded.
_OID_AKI = bytearray(b"\x55\x1d\x23")
_OID_SKI = bytearray(b"\x55\x1d\x0e")


def _key_ids(der):
    """spki_sha256 (SHA-256 of the DER SubjectPublicKeyInfo), subject_key_id, authority_key_id (RFC 5280 4.1)."""
    buf = bytearray(der)
    _, cs, ce = _der_tlv(buf, 0)
    _, _, tcs, tce = _der_children(buf, cs, ce)[0]
    fields = _der_children(buf, tcs, tce)
    if fields and fields[0][0] == 0xA0:  # [0] EXPLICIT version
        fields = fields[1:]
    _, spos, _, sce = fields[5]  # serial, signature, issuer, validity, subject, subjectPublicKeyInfo
    out = {"spki_sha256": hashlib.sha256(bytes(buf[spos:sce])).hexdigest()}
    for ftag, _, fcs, fce in fields[6:]:
        if ftag != 0xA3:  # [3] EXPLICIT Extensions
            continue
        _, _, ecs, ece = _der_children(buf, fcs, fce)[0]
        for _, _, xcs, xce in _der_children(buf, ecs, ece):
            parts = _der_children(buf, xcs, xce)
            oid = buf[parts[0][2]:parts[0][3]]
            _, _, ocs, oce = parts[-1]  # extnValue (a critical BOOLEAN may precede it)
            if oid == _OID_SKI:
                t, kcs, kce = _der_tlv(buf, ocs)
                if t == 0x04:
                    out["subject_key_id"] = _hexs(buf[kcs:kce])
            elif oid == _OID_AKI:
                t, acs, ace = _der_tlv(buf, ocs)
                for t2, _, kcs, kce in (_der_children(buf, acs, ace) if t == 0x30 else ()):
                    if t2 == 0x80:  # [0] IMPLICIT keyIdentifier
                        out["authority_key_id"] = _hexs(buf[kcs:kce])
    return out


def _name(rdns):
    if not rdns:
        return ""
    return ", ".join("%s=%s" % (k, v) for rdn in rdns for (k, v) in rdn)


def peer_chain(sock):
    """The chain the server presented, leaf first (full chain on 3.10+)."""
    ders = []
    try:
        chain = None
        if hasattr(sock, "get_unverified_chain"):  # 3.13
            chain = sock.get_unverified_chain()
        elif hasattr(getattr(sock, "_sslobj", None), "get_unverified_chain"):  # 3.10-3.12
            chain = sock._sslobj.get_unverified_chain()
        if chain:
            for c in chain:
                if isinstance(c, bytes):
                    ders.append(c)
                else:
                    ders.append(c.public_bytes(getattr(ssl._ssl, "ENCODING_DER", 2)))
    except Exception:
        ders = []
    if not ders:
        leaf = sock.getpeercert(True)
        if leaf:
            ders = [leaf]
    return ders


def tls_attempt(host, port, proxy, deadline, ctx, want_chain=False, send_http=True, sni=True, listen_first=0.0):
    """One full attempt: TCP (via proxy), TLS handshake, then HEAD over TLS."""
    out = {"status": "error"}
    timeout = remaining(deadline)
    try:
        sock, cinfo = connect(host, port, proxy, timeout)
        out.update(cinfo)
    except ProxyRefused as exc:
        fail(out, exc, "proxy", "proxy")
        out["connect_status"] = exc.status
        return out
    except CannotRun:
        raise
    except Exception as exc:
        fail(out, exc, "network", "proxy" if proxy else "tcp")
        return out
    try:
        sock.settimeout(remaining(deadline))
        t0 = time.time()
        if cinfo.get("tunnel") == "tls":
            ssock = InnerTLS(sock, ctx, host if sni else None)
        else:
            ssock = ctx.wrap_socket(sock, server_hostname=host if sni else None)
        out["handshake_ms"] = round((time.time() - t0) * 1000, 1)
    except Exception as exc:
        # A reset or EOF during the handshake is a TLS-level failure (what
        # interception and protocol mismatches look like), not "network".
        fail(out, exc, "tls", "handshake")
        if out["error_kind"] == "network":
            out["error_kind"] = "tls"
        _verify_details(exc, out)
        _close(sock)
        return out
    try:
        out["version"] = ssock.version() if hasattr(ssock, "version") else None
        c = ssock.cipher()
        out["cipher"] = c[0] if c else None
        if want_chain:
            out["chain"] = chain_info(peer_chain(ssock))
        if listen_first and out["version"] == "TLSv1.3":
            _listen_first(ssock, min(listen_first, remaining(deadline)))
            ssock.settimeout(max(0.01, remaining(deadline)))
        if send_http:
            # TLS 1.3 client-certificate and other post-handshake alerts
            # arrive on the first read, so the attempt is not done until a
            # response (or its failure) is seen.
            req = "HEAD / HTTP/1.1\r\nHost: %s\r\nUser-Agent: tlsdoctor-probe\r\nConnection: close\r\n\r\n" % host
            ssock.sendall(req.encode("ascii"))
            try:
                head = read_head(ssock)
                if not head:
                    raise IOError("server closed the connection without answering")
                status, headers = parse_status(head)
                out["http_status"] = status
                out["date"] = headers.get("date")
            except Exception as exc:
                fail(out, exc, "http", "after_handshake")
                _close(ssock)
                return out
        out["status"] = "ok"
    except Exception as exc:
        fail(out, exc, "http", "after_handshake")
        out.pop("timeout", None)  # never set on this path before: keep the wire shape
    _close(ssock)
    return out


def _listen_first(ssock, seconds):
    """Read before writing, for ``seconds``: a TLS 1.3 server that refuses the client's
    certificate (or its absence) sends its alert right after the client's Finished and
    closes. Had we written our request first, the close of a socket with unread data is
    a reset (RFC 1122 4.2.2.13; Linux does so), which can discard the alert before we
    read it: only "EOF occurred in violation of protocol" is left. A healthy server
    sends nothing unasked (session tickets are consumed inside OpenSSL), so the read
    times out and the attempt carries on; an alert or EOF raises, as it would later."""
    if seconds <= 0:
        return
    ssock.settimeout(seconds)
    try:
        ssock.recv(1)
    except socket.timeout:
        pass
    except ssl.SSLError as exc:
        # Python 2.7 and 3.6 report a read timeout on an SSL socket as SSLError("The read operation timed out").
        if "timed out" not in str(exc):
            raise


def _verify_details(exc, out):
    code = getattr(exc, "verify_code", None)
    if code is not None:
        out["verify_code"] = code
        out["verify_message"] = _s(getattr(exc, "verify_message", None))
    reason = getattr(exc, "reason", None)
    if reason:
        out["reason"] = _s(reason)


def _close(sock):
    try:
        sock.close()
    except Exception:
        pass


def tcp_probe(host, port, deadline):
    out = {}
    t0 = time.time()
    try:
        s = socket.create_connection((host, port), remaining(deadline))
        out["status"] = "ok"
        out["tcp_ms"] = round((time.time() - t0) * 1000, 1)
        _close(s)
    except Exception as exc:
        fail(out, exc, "network")
        out["errno"] = getattr(exc, "errno", None)
    return out


def proxy_probe(proxy, host, port, cafile, deadline):
    """Can the proxy be reached, what does it answer to CONNECT, what scheme does it speak?"""
    out = {"proxy": redact_url(proxy)}
    pscheme, phost, pport = host_port(proxy)
    out["scheme"] = pscheme
    try:
        sock = socket.create_connection((phost, pport), remaining(deadline))
    except Exception as exc:
        fail(out, exc, "network", "tcp")
        out["errno"] = getattr(exc, "errno", None)
        return out
    out["tcp"] = "ok"
    if pscheme == "https" and ssl is not None and not LEGACY_HTTPS_PROXY:
        # pip >= 20.3 (urllib3 >= 1.26): TLS to the proxy, then CONNECT inside it.
        try:
            sock.settimeout(remaining(deadline))
            tsock = make_context("noverify").wrap_socket(sock, server_hostname=phost)
            out["tls_to_proxy"] = {"status": "ok", "version": tsock.version()}
        except Exception as exc:
            out["tls_to_proxy"] = fail({}, exc, "tls")
            _close(sock)
            tsock = None
        if tsock is not None:
            _connect_into(out, tsock, host, port, proxy, deadline)
            _close(tsock)
            # Is the proxy's own certificate trusted by the store pip verifies with?
            try:
                vs = socket.create_connection((phost, pport), remaining(deadline))
                vs.settimeout(remaining(deadline))
                vctx = make_context("verify", cafile=cafile, check_hostname=True)
                _close(vctx.wrap_socket(vs, server_hostname=phost))
                out["tls_to_proxy_verify"] = {"status": "ok", "cafile": cafile}
            except Exception as exc:
                v = fail({"cafile": cafile}, exc, "tls")
                del v["timeout"]
                _verify_details(exc, v)
                out["tls_to_proxy_verify"] = v
            return out
        # TLS failed: does the proxy speak plain HTTP instead (a wrong scheme)?
        try:
            sock = socket.create_connection((phost, pport), remaining(deadline))
        except Exception as exc:
            fail(out, exc, "network", "tcp")
            out.pop("timeout", None)
            return out
        _connect_into(out, sock, host, port, proxy, deadline)
        out["plain_connect"] = True
        _close(sock)
        return out
    # Plain-HTTP CONNECT: what pip does for http:// proxies (and pip < 20.3 for any).
    _connect_into(out, sock, host, port, proxy, deadline)
    _close(sock)
    return out


def _connect_into(out, sock, host, port, proxy, deadline):
    try:
        sock.settimeout(remaining(deadline))
        status, headers = send_connect(sock, host, port, proxy)
        out["connect_status"] = status
        out["proxy_authenticate"] = headers.get("proxy-authenticate", "").split(" ")[0] or None
        out["status"] = "ok"
    except Exception as exc:
        fail(out, exc, "proxy", "connect")


def plain_http_probe(host, port, proxy, deadline):
    """Does the https:// port answer plain HTTP?"""
    # An HTTP server answers a HEAD at once; a TLS server just waits for a
    # ClientHello, so a long wait here only means "not HTTP".
    deadline = min(deadline, time.time() + 1.0)
    out = {}
    try:
        sock, _ = connect(host, port, proxy, remaining(deadline))
        sock.settimeout(remaining(deadline))
        sock.sendall(("HEAD / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode("ascii"))
        head = read_head(sock)
        _close(sock)
        out["first_bytes"] = _s(head[:12].decode("latin-1"))
        out["speaks_http"] = head.startswith(b"HTTP/")
        out["status"] = "ok"
    except Exception as exc:
        fail(out, exc, "http")
    return out


def pip_request(pip_ctx, url, deadline):
    """The request made by pip's own session: its outcome is pip's outcome."""
    command, options = pip_ctx
    out = {"url": redact_url(url)}
    t = max(0.5, remaining(deadline) - 0.2)
    try:
        try:
            session = command._build_session(options, retries=0, timeout=t)
        except TypeError:
            session = command._build_session(options)
        out["session"] = session_facts(session, url)
        out["session"].pop("_proxy_raw", None)  # the unredacted proxy, only for the probe's own use
    except Exception as exc:
        kind = _pip_error_kind(exc, "os")
        out.update({"status": "bug" if kind == "bug" else "could_not_run", "error": err_text(exc),
                    "error_kind": kind})
        return out
    try:
        resp = session.get(url, timeout=t, headers={"Cache-Control": "max-age=0"},
                           allow_redirects=False, stream=True)
        out["status"] = "ok"
        out["http_status"] = resp.status_code
        out["date"] = resp.headers.get("Date")
        try:
            resp.close()
        except Exception:
            pass
    except Exception as exc:
        # requests' exceptions are IOErrors; pip >= 26.2 wraps them in its
        # DiagnosticPipError: the kind comes from the wrapped chain.
        out["error_kind"] = _pip_error_kind(exc, "http")
        out["status"] = "bug" if out["error_kind"] == "bug" else "error"
        out["error_chain"] = exception_chain(exc)
        # pip >= 26.2 raises DiagnosticPipError subclasses whose str() is just
        # "<Name: reference>"; the underlying error is the informative one.
        out["error"] = err_text(exc)
        if re.match(r"^\w+: <\w+: [\w-]+>$", out["error"]) and len(out["error_chain"]) > 1:
            out["error"] = "%s (%s)" % (out["error_chain"][-1], out["error"].split(": ", 1)[0])
        out["timeout"] = "timeout" in err_text(exc).lower() or "timed out" in err_text(exc).lower()
    return out


def _pip_error_kind(exc, default):
    """Like error_kind, but a TypeError/AttributeError raised inside pip (a broken or shadowed
    ssl, a pip bug) is pip's own outcome, so an error; it is our bug only when raised in this file."""
    kind = error_kind(exc, default)
    if kind == "bug" and not _raised_here(sys.exc_info()[2]):
        return default
    return kind


def _raised_here(tb):
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    if last is None:
        return True
    here = os.path.splitext(os.path.abspath(__file__))[0]
    return os.path.splitext(os.path.abspath(last.tb_frame.f_code.co_filename))[0] == here


def exception_chain(exc):
    """requests wraps urllib3 wraps ssl: name every layer (reason / __context__ / args)."""
    chain, seen = [], set()
    stack = [exc]
    while stack and len(chain) < 12:
        e = stack.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        chain.append(err_text(e))
        ctx = getattr(e, "context", None)  # DiagnosticPipError's context: the wrapped error's text
        if ctx is not None and not isinstance(ctx, BaseException) and _s(ctx):
            chain.append(_s(ctx))
        for nxt in (getattr(e, "reason", None), getattr(e, "__cause__", None), getattr(e, "__context__", None)):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        for arg in getattr(e, "args", ()):
            if isinstance(arg, BaseException):
                stack.append(arg)
            r = getattr(arg, "reason", None)
            if isinstance(r, BaseException):
                stack.append(r)
    return chain


def session_facts(session, url):
    """Which CA bundle, client cert and proxy pip's session really uses for url."""
    out = {"trust_env": getattr(session, "trust_env", None)}
    out["session_verify"] = session.verify if not isinstance(session.verify, bool) else session.verify
    try:
        # requests' own merge: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE beat
        # session.verify (= --cert) when trust_env is on (pypa/pip#10147).
        merged = session.merge_environment_settings(url, {}, None, None, None)
        out["effective_verify"] = merged.get("verify")
        if isinstance(out["effective_verify"], (text_type, str)):
            out["effective_verify_bundle"] = bundle_info(out["effective_verify"])
        out["effective_cert"] = merged.get("cert")
        out["effective_proxies"] = dict((k, redact_url(v)) for k, v in (merged.get("proxies") or {}).items())
        _, host, _ = host_port(url)
        proxy = select_proxy(url, merged.get("proxies") or {})
        out["proxy_for_url"] = redact_url(proxy) if proxy else None
        out["_proxy_raw"] = proxy
    except Exception as exc:
        out["merge_error"] = err_text(exc)
    ctx = None
    try:
        for adapter in session.adapters.values():
            ctx = getattr(adapter, "_ssl_context", None) or ctx
    except Exception:
        pass
    out["ssl_context_type"] = ("%s.%s" % (type(ctx).__module__, type(ctx).__name__)) if ctx is not None else None
    out["uses_truststore"] = bool(ctx is not None and "truststore" in type(ctx).__module__)
    insecure = []
    try:
        for prefix, adapter in session.adapters.items():
            if "Insecure" in type(adapter).__name__:
                insecure.append(prefix)
    except Exception:
        pass
    out["insecure_prefixes"] = [redact_url(p) for p in insecure]
    return out


def select_proxy(url, proxies):
    try:
        from pip._vendor.requests.utils import select_proxy as sp
        return sp(url, proxies)
    except Exception:
        scheme, host, _ = host_port(url)
        return proxies.get(scheme + "://" + (host or "")) or proxies.get(scheme) or proxies.get("all")


def stdlib_proxy_for(url):
    """The proxy urllib would use (no pip): environment, honouring no_proxy."""
    try:
        try:
            from urllib.request import getproxies, proxy_bypass
        except ImportError:
            from urllib import getproxies, proxy_bypass
        scheme, host, _ = host_port(url)
        proxies = getproxies()
        if host and proxy_bypass(host):
            return None
        return proxies.get(scheme) or proxies.get("all")
    except Exception:
        return None


# ---------------------------------------------------------------- jobs

class Job(object):
    """One attempt to start: its wire key, its table row, and what runs it.

    ``fn(*args, deadline=...)`` makes the attempt; the deadline is given when
    the job is started (``with_deadline``), never found among the arguments.
    """

    def __init__(self, prefix, name, fn, args, deadline=None, store=None):
        self.key = wire_key(prefix, name, store)
        self.name = name
        self.fn = fn
        self.args = args
        self.deadline = deadline

    def with_deadline(self, deadline):
        job = Job.__new__(Job)
        job.__dict__.update(self.__dict__)
        job.deadline = deadline
        return job

    def run(self):
        return self.fn(*self.args, deadline=self.deadline)

    @property
    def phase(self):
        return ATTEMPT_ROWS[self.name][3]

    @property
    def only_when_failed(self):
        return ATTEMPT_ROWS[self.name][4]


class Host(object):
    """One index host: its phase-1 jobs (deadlines set) and its phase-2 variants (not yet)."""

    def __init__(self, index, url):
        self.index = index
        self.prefix = "%d:" % index
        self.url = url
        self.session = None
        self.jobs = []
        self.variants = []
        self.launched = False
        self.stores, self.proxy, self.name_port = (), None, None
        self.pip_session = None  # pip's own session: which proxy it takes for an http:// AIA URL


def probe_host(host, proxy, stores, deadline, second_host=None):
    """Fill host.jobs (phase 1) and host.variants (phase 2) from the attempt table's rows."""
    scheme, name, port = host_port(host.url)
    p, add = host.prefix, host.jobs.append
    if proxy:
        eff = [path for store, path in stores if store == "effective"]
        add(Job(p, "proxy", proxy_probe, (proxy, name, port, eff[0] if eff else None), deadline))
    else:
        add(Job(p, "tcp", tcp_probe, (name, port), deadline))
    if scheme != "https" or ssl is None:
        return
    p1 = deadline - (deadline - time.time()) * 0.45  # phase 2 keeps time for the variants
    add(Job(p, "tls", _tls_job, (name, port, proxy), p1))
    for store, cafile in stores:
        add(Job(p, "verify", _verify_job, (name, port, proxy, cafile, True, None), p1, store=store))
        if store == "effective":
            add(Job(p, "verify_nohost", _verify_job, (name, port, proxy, cafile, False, None), p1))
            if getattr(ssl, "VERIFY_X509_STRICT", None):
                add(Job(p, "verify_strict", _verify_job, (name, port, proxy, cafile, False, True), p1))
                add(Job(p, "verify_nostrict", _verify_job, (name, port, proxy, cafile, False, False), p1))
    # Cheap and decisive for https-on-http-port, whose TLS attempt just hangs.
    add(Job(p, "plain_http", plain_http_probe, (name, port, proxy), deadline))
    if proxy and second_host:
        # Where going direct is impossible (the proxy is the only route),
        # another host through the same proxy tells a proxy that re-signs
        # everything from one server's own certificate. Started with the
        # first phase and its budget, like the index's own handshake: as
        # a late variant it could be left too little time, and Python 2.7
        # on OpenSSL 3 reports that timeout as a misnamed handshake error.
        _, h2, port2 = host_port("https://" + second_host)
        if (h2, port2) != (name, port):
            add(Job(p, "second_host", _second_host_job, (h2, port2, proxy), p1))
    wide = "ALL:@SECLEVEL=0"
    for row, v in VERSION_ATTEMPTS:
        host.variants.append(Job(p, row, _variant_job, (name, port, proxy, {"versions": (v, v), "ciphers": wide})))
    host.variants.append(Job(p, "wide_ciphers", _variant_job, (name, port, proxy, {"ciphers": wide})))
    host.variants.append(Job(p, "legacy_renegotiation", _variant_job, (name, port, proxy, {"legacy_reneg": True})))
    host.variants.append(Job(p, "client_cert", _variant_job, (name, port, proxy, {"client_cert": True})))
    if proxy:
        host.variants.append(Job(p, "direct", _tls_job, (name, port, None)))
    # aia_issuer is planned in phase 2 only (aia_job): it needs the presented chain first.
    host.stores, host.proxy, host.name_port = stores, proxy, (name, port)


def _tls_job(host, port, proxy, deadline):
    return tls_attempt(host, port, proxy, deadline, make_context("noverify"), True)


def _second_host_job(host, port, proxy, deadline):
    # Only its certificate matters (it need not even serve HTTP): no request.
    r = tls_attempt(host, port, proxy, deadline, make_context("noverify"), True, send_http=False)
    r["host"] = "%s:%d" % (host, port)
    return r


def _verify_job(host, port, proxy, cafile, check_hostname, strict, deadline):
    ctx = make_context("verify", cafile=cafile, check_hostname=check_hostname, strict=strict)
    r = tls_attempt(host, port, proxy, deadline, ctx, want_chain=False)
    r["cafile"] = cafile
    return r


CLIENT_CERT_LISTEN = 0.5  # seconds the client-certificate variant waits for the server's answer to it


def _variant_job(host, port, proxy, spec, deadline):
    client = None
    if spec.get("client_cert"):
        client = _client_pem()
    ctx = make_context("noverify", versions=spec.get("versions"), ciphers=spec.get("ciphers"),
                       legacy_reneg=spec.get("legacy_reneg"), client_pem=client)
    # The chain too: when the default attempt was cut short (a flaky
    # middlebox), any variant that got through still shows what was presented.
    # With a client certificate the server's answer to it is the measurement:
    # listen for it before sending anything (_listen_first).
    return tls_attempt(host, port, proxy, deadline, ctx, want_chain=True,
                       listen_first=CLIENT_CERT_LISTEN if client else 0.0)


# ---------------------------------------------------------------- aia_issuer
#
# A server that sends only its leaf fails with "unable to get local issuer
# certificate" exactly as a private CA does.  Browsers hide the first by
# fetching the leaf's AIA caIssuers certificate (RFC 5280 4.2.2.1); OpenSSL,
# and so Python and pip, never do.  Fetching it here tells the two apart: an
# intermediate that signs the leaf and chains to a store pip could use is the
# missing link; a self-signed root nobody trusts is a private CA.

AIA_CAP = 64 * 1024  # an issuer certificate is 1-2 KiB; never read more than this
_PARTIAL_CHAIN = getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000) if ssl is not None else 0


def aia_url(leaf):
    """The first http:// caIssuers URL the presented leaf names (never any other URL or scheme)."""
    for url in (leaf or {}).get("ca_issuers") or ():
        if isinstance(url, (text_type, str)) and url[:7].lower() == "http://":
            return url
    return None


def aia_job(host, results):
    """The aia_issuer job when pip's verification failed on a lone, non-self-issued leaf with an http AIA."""
    if host.name_port is None or ssl is None:
        return None
    pip = results.get(wire_key(host.prefix, "pip_request"))
    eff = results.get(wire_key(host.prefix, "verify", "effective"))
    said = " ".join(_s(x) or "" for x in (pip.get("error"), eff.get("error"), eff.get("verify_message"))).lower()
    if "certificate verify failed" not in said and "certificate_verify_failed" not in said:
        return None
    chain = results.get(wire_key(host.prefix, "tls")).get("chain") or []
    if len(chain) != 1 or chain[0].get("self_issued") or not chain[0].get("issuer"):
        return None
    url = aia_url(chain[0])
    if url is None:
        return None
    fetch_proxy = None
    if host.pip_session is not None:
        # requests picks the proxy per URL: an http:// URL takes http_proxy / the "http" entry.
        try:
            merged = host.pip_session.merge_environment_settings(url, {}, None, None, None)
            fetch_proxy = select_proxy(url, merged.get("proxies") or {})
        except Exception:
            fetch_proxy = stdlib_proxy_for(url)
    else:
        fetch_proxy = stdlib_proxy_for(url)
    name, port = host.name_port
    return Job(host.prefix, "aia_issuer", aia_issuer_probe,
               (name, port, host.proxy, url, fetch_proxy, chain[0].get("issuer"), tuple(host.stores)))


def http_get(url, proxy, deadline, cap=AIA_CAP):
    """GET an http:// URL (through an HTTP proxy in absolute form, as requests does); (status, body)."""
    parts = urlsplit(url)
    _, host, port = host_port(url)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    hostport = host if port == 80 else "%s:%d" % (host, port)
    if ":" in host and port != 80:
        hostport = "[%s]:%d" % (host, port)
    lines = []
    if proxy:
        pscheme, phost, pport = host_port(proxy)
        sock = socket.create_connection((phost, pport), remaining(deadline))
        if pscheme == "https" and not LEGACY_HTTPS_PROXY:
            sock = make_context("noverify").wrap_socket(sock, server_hostname=phost)
        lines.append("GET http://%s%s HTTP/1.0" % (hostport, path))
        pparts = urlsplit(proxy)
        if pparts.username is not None:
            raw = ("%s:%s" % (_unquote(pparts.username), _unquote(pparts.password or ""))).encode("utf-8")
            lines.append("Proxy-Authorization: Basic " + base64.b64encode(raw).decode("ascii"))
    else:
        sock = socket.create_connection((host, port), remaining(deadline))
        lines.append("GET %s HTTP/1.0" % path)
    lines += ["Host: %s" % hostport, "User-Agent: tlsdoctor-probe", "Accept: */*", "Connection: close"]
    try:
        sock.settimeout(remaining(deadline))
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while True:
            sock.settimeout(remaining(deadline))
            chunk = sock.recv(16384)
            if not chunk:
                break
            data += chunk
            if len(data) > cap + 16384:
                raise ValueError("the answer is larger than %d KiB: not one certificate" % (cap // 1024))
    finally:
        _close(sock)
    head, sep, body = data.partition(b"\r\n\r\n")
    status, headers = parse_status(head)
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _dechunk(body)
    elif headers.get("content-length", "").isdigit():
        body = body[:int(headers["content-length"])]
    if len(body) > cap:
        raise ValueError("the answer is larger than %d KiB: not one certificate" % (cap // 1024))
    return status, body


def _dechunk(body):
    out, rest = b"", body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0].strip() or b"0", 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2:]
    return out


def cert_der(body):
    """The DER certificate in an AIA answer (DER, as RFC 5280 says, or PEM as some servers send)."""
    text = body.lstrip()
    marker = b"-----BEGIN CERTIFICATE-----"
    if text.startswith(marker):
        end = text.find(b"-----END CERTIFICATE-----")
        if end < 0:
            raise ValueError("a PEM certificate without its END line")
        return ssl.PEM_cert_to_DER_cert(text[:end + 25].decode("ascii"))
    if body[:1] == b"\x30":
        return body
    raise ValueError("not a certificate (first bytes %r)" % (body[:12],))


def _pem_text(der):
    """cadata as PEM text: Python 2.7 takes a byte string there as PEM too, and fails on DER."""
    pem = ssl.DER_cert_to_PEM_cert(der)
    return pem.decode("ascii") if isinstance(pem, bytes) else pem


def _cadata_context(der, partial, cafile=None, system=False):
    """A verifying client context trusting ``der`` (plus a store's CAs); partial: the cert itself is an anchor."""
    if cafile or system:
        ctx = make_context("verify", cafile=cafile)
    else:
        ctx = make_context("noverify")
        ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = False
    ctx.load_verify_locations(cadata=_pem_text(der))
    # Python 3.13's create_default_context sets PARTIAL_CHAIN: an intermediate
    # in the store would then be an anchor by itself and "chains to" would lie.
    if partial:
        ctx.verify_flags |= _PARTIAL_CHAIN
    else:
        ctx.verify_flags &= ~_PARTIAL_CHAIN
    return ctx


def _aia_fetch_der(out, url, fetch_proxy, deadline):
    """The DER certificate the AIA URL serves, or None with the failure recorded in ``out``."""
    try:
        status, body = http_get(url, fetch_proxy, deadline)
    except ProxyRefused as exc:
        fail(out, exc, "proxy", "proxy")
        return None
    except ValueError as exc:
        fail(out, exc, "http", "fetch")
        return None
    except Exception as exc:
        fail(out, exc, "network", "fetch")
        return None
    out["http_status"] = status
    if status != 200:
        out.update(error="the AIA URL answered HTTP %d" % status, error_kind="proxy" if status == 407 else "http",
                   stage="fetch")
        return None
    try:
        return cert_der(body)
    except ValueError as exc:
        fail(out, exc, "http", "decode")
        return None


def _is_ca(der):
    """Whether OpenSSL takes the certificate for a CA (None when it cannot tell)."""
    try:
        # cert_store_stats counts a loaded certificate as "x509_ca" only when
        # OpenSSL's X509_check_ca says it is a CA (basicConstraints CA:TRUE).
        probe_ctx = make_context("noverify")
        probe_ctx.load_verify_locations(cadata=_pem_text(der))
        return probe_ctx.cert_store_stats().get("x509_ca", 0) > 0
    except Exception:
        return None


def _verifies_leaf(name, port, proxy, deadline, der):
    """(True / False / None when the handshake says nothing, its error) for the server's own
    handshake trusting only the fetched certificate (as an anchor even when it is an
    intermediate): the stdlib has no other way to check a signature."""
    r = tls_attempt(name, port, proxy, deadline, _cadata_context(der, partial=True), send_http=False)
    if r.get("status") == "ok":
        return True, None
    error = r.get("verify_message") or r.get("error")
    if r.get("verify_code") is not None or "certificate verify failed" in (r.get("error") or ""):
        return False, error
    return None, error


def _stores_completing(name, port, proxy, deadline, der, stores):
    """(stores whose roots complete the chain, each store's result): each store plus the
    fetched certificate, no partial chains (a self-signed root trusted that way would
    "chain" to anything)."""
    chains_to, tried, seen = [], {}, set()
    for store, cafile in stores:
        if (cafile in seen and cafile is not None) or remaining(deadline) <= 0.1:
            continue
        seen.add(cafile)
        ctx = _cadata_context(der, partial=False, cafile=cafile, system=cafile is None)
        r = tls_attempt(name, port, proxy, deadline, ctx, send_http=False)
        tried[store] = "ok" if r.get("status") == "ok" else (r.get("verify_message") or r.get("error"))
        if r.get("status") == "ok":
            chains_to.append(store)
    return chains_to, tried


def aia_issuer_probe(name, port, proxy, url, fetch_proxy, leaf_issuer, stores, deadline):
    """Fetch the leaf's issuer from its AIA URL; does it sign the leaf, and which store does it chain to?"""
    out = {"status": "error", "url": redact_url(url), "proxy": redact_url(fetch_proxy) if fetch_proxy else None,
           "leaf_issuer": leaf_issuer}
    der = _aia_fetch_der(out, url, fetch_proxy, deadline)
    if der is None:
        return out
    info = cert_info(der)
    if info.get("decode_error"):
        out.update(error="not an X.509 certificate (%s)" % info["decode_error"], error_kind="http", stage="decode")
        return out
    info.pop("ca_issuers", None)
    info["is_ca"] = _is_ca(der)
    # Its PEM, as chain_info gives the top cert's: what `tlsdoctor fix` adds to a bundle once
    # the user confirms this fingerprint (missing-intermediate's client-side step).
    info["pem"] = ssl.DER_cert_to_PEM_cert(der)
    out["issuer_cert"] = info
    out["matches_leaf_issuer"] = info.get("subject") == leaf_issuer
    out["verifies_leaf"], error = _verifies_leaf(name, port, proxy, deadline, der)
    if not out["verifies_leaf"]:
        out["verifies_leaf_error"] = error
    chains_to, tried = [], {}
    if out["verifies_leaf"] and not info.get("self_issued"):
        chains_to, tried = _stores_completing(name, port, proxy, deadline, der, stores)
    out["chains_to"] = chains_to
    out["store_results"] = tried
    out["status"] = "ok"
    return out


_CLIENT_PEM_PATH = []
# Where the probe writes its files (the throwaway client certificate, a
# certificate being decoded): the request's "workdir" (made and removed by
# the checker, so even a killed probe leaves nothing behind), else a private
# directory made on first use and removed before the probe exits.
WORKDIR = {"path": None, "own": False}


def set_workdir(path):
    if path and os.path.isdir(path):
        WORKDIR.update(path=path, own=False)


def workdir():
    if WORKDIR["path"] is None:
        WORKDIR.update(path=tempfile.mkdtemp(prefix="tlsdoctor-probe-"), own=True)
    return WORKDIR["path"]


def _client_pem():
    if not _CLIENT_PEM_PATH:
        fd, path = tempfile.mkstemp(suffix=".pem", dir=workdir())
        os.write(fd, THROWAWAY_CLIENT_PEM.encode("ascii"))
        os.close(fd)
        _CLIENT_PEM_PATH.append(path)
    return _CLIENT_PEM_PATH[0]


def cleanup():
    """Remove what the probe wrote (os._exit skips every other clean-up)."""
    for path in _CLIENT_PEM_PATH:
        _unlink(path)
    del _CLIENT_PEM_PATH[:]
    if WORKDIR["own"] and WORKDIR["path"]:
        try:
            for name in os.listdir(WORKDIR["path"]):  # a decode still running in a thread
                _unlink(os.path.join(WORKDIR["path"], name))
            os.rmdir(WORKDIR["path"])
        except OSError:
            pass
        WORKDIR.update(path=None, own=False)


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def trust_stores(pip_info, session):
    """The CA files worth verifying against: the one pip uses, certifi, the OS default, the env ones."""
    session = session or {}
    stores = [("effective", _effective_verify(pip_info, session))]
    if pip_info.get("certifi_where"):
        stores.append(("certifi", pip_info["certifi_where"]))
    stores.append(("system", None))  # OpenSSL default paths (SSL_CERT_FILE / SSL_CERT_DIR honoured)
    stores.extend(_truststore_stores(pip_info.get("truststore") or {}, session))
    opts = pip_info.get("options") or {}
    if opts.get("cert"):
        stores.append(("pip_cert", opts["cert"]))
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        if os.environ.get(var):
            stores.append((var, os.environ[var]))
    return [(name, path) for name, path in stores if path is None or os.path.isfile(path)]


def _effective_verify(pip_info, session):
    """The CA file pip's session verifies with (a path; True/False/None: certifi's, as pip's default)."""
    eff = session.get("effective_verify")
    if isinstance(eff, text_type) or (PY2 and isinstance(eff, str)):
        return eff
    return pip_info.get("certifi_where")


def _truststore_stores(ts, session):
    """Where pip uses truststore: the file it really loads when OpenSSL's default store is empty
    (truststore_facts' fallback), or -- it loads nothing -- an OS bundle it does not read."""
    if not session.get("uses_truststore"):
        return []
    if ts.get("loads") == "fallback":
        return [("truststore_fallback", ts.get("fallback_file"))]
    if ts.get("loads") == "nothing" and ts.get("os_bundles_elsewhere"):
        # truststore sees no roots at all: is the root in an OS bundle it does not read?
        return [("os_bundle", ts["os_bundles_elsewhere"][0])]
    return []


# ---------------------------------------------------------------- main steps

def read_request(argv, stdin):
    """The request: one JSON object in argv[1] or on stdin."""
    raw = argv[1] if len(argv) > 1 else stdin.read()
    request = json.loads(raw or "{}")
    if not isinstance(request, dict):
        raise ValueError("the request is not a JSON object")
    return request


def base_facts():
    """What this interpreter is, what its ssl can do, what its environment says."""
    return {
        "python": {"version": sys.version.split()[0], "version_info": list(sys.version_info[:3]),
                   "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython"),
                   "executable": sys.executable, "prefix": sys.prefix,
                   "base_prefix": getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix)),
                   "platform": sys.platform, "environment": _fact_or_error(python_environment)},
        "ssl": tls_capabilities(),
        "env": environment_facts(),
        "time": time.time(),
    }


def gather_pip_facts(request):
    """pip's facts, and (command, options) to make pip's own request with (None in handshake mode)."""
    global LEGACY_HTTPS_PROXY
    try:
        pip_info, pip_ctx = pip_facts(request.get("index_url"))
    except Exception as exc:
        pip_info, pip_ctx = _fact_error(exc), None
    version = pip_info.get("version")
    LEGACY_HTTPS_PROXY = _version_tuple(version) < (20, 3) if version else False
    if request.get("mode") == "handshake":
        pip_ctx = None  # a second look without OPENSSL_CONF: handshakes only
    return pip_info, pip_ctx


def _fact_or_error(fn):
    try:
        return fn()
    except Exception as exc:
        return _fact_error(exc)


def _fact_error(exc):
    """A fact that could not be gathered: pip's/the OS's error, or our own bug (kept apart)."""
    if isinstance(exc, BUG_TYPES):
        return {"probe_bug": err_text(exc)}
    return {"error": err_text(exc)}


def choose_urls(request, pip_ctx):
    """pip's resolved index + extra indexes (http/https only), one per host:port."""
    if request.get("urls"):
        urls = list(request["urls"])
    elif pip_ctx is not None:
        options = pip_ctx[1]
        urls = [] if getattr(options, "no_index", False) else \
            [options.index_url] + list(options.extra_index_urls or [])
    elif request.get("index_url"):
        urls = [request["index_url"]]
    else:
        urls = [os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple/"]
    urls = [u for u in urls if u and _url_scheme(u) in ("http", "https")]
    if any(host_port(u)[1] == "pypi.org" for u in urls):
        # pip's index pages come from pypi.org, the files from
        # files.pythonhosted.org: pip needs both, so check both.
        urls.append("https://files.pythonhosted.org/")
    seen, unique = set(), []
    for u in urls:
        _, h, p = host_port(u)
        if (h, p) not in seen:
            seen.add((h, p))
            unique.append(u)
    return unique


def _url_scheme(url):
    try:
        return urlsplit(url).scheme
    except Exception:
        return None


def plan_hosts(urls, request, pip_info, pip_ctx, deadline, step):
    """One Host per URL: pip's session facts, its proxy, its jobs from the table."""
    hosts = []
    for i, url in enumerate(urls):
        host = Host(i, url)
        if pip_ctx is not None:
            try:
                session = pip_ctx[0]._build_session(pip_ctx[1], retries=0, timeout=1)
                host.session = session_facts(session, url)
                host.pip_session = session
            except Exception as exc:
                host.session = _fact_error(exc)
            host.jobs.append(Job(host.prefix, "pip_request", pip_request, (pip_ctx, url), deadline - 0.3))
            proxy = host.session.get("_proxy_raw")
        else:
            proxy = stdlib_proxy_for(url)
        # Every stdlib attempt gets a slice of the budget (a server that never
        # answers must not eat the variants' time); pip's request gets all of
        # it, as pip would wait.
        probe_host(host, proxy, trust_stores(pip_info, host.session), min(deadline - 0.2, time.time() + step),
                   request.get("second_host"))
        hosts.append(host)
    return hosts


def run_phase1(hosts, results, step):
    """Start every phase-1 job; wait (one step) for those that decide whether variants are needed."""
    threads = start_threads([j for h in hosts for j in h.jobs], results)
    join_threads([threads[j.key] for h in hosts for j in h.jobs
                  if j.name != "pip_request" and not j.only_when_failed], time.time() + step + 0.2)
    return threads


def run_phase2(hosts, results, threads, request, deadline, step):
    """When a handshake or pip's request failed, variants find out why; then wait for all that matters."""
    def launch(host):
        if host.launched or request.get("mode") == "handshake":
            return
        host.launched = True
        tls = results.get(wire_key(host.prefix, "tls"))
        vdl = min(deadline - 0.2, time.time() + step)
        # A handshake that hangs hangs with other versions too; only going
        # direct can still tell something.
        jobs = [j.with_deadline(vdl) for j in host.variants if not (tls.get("timeout") and j.name != "direct")]
        try:
            aia = aia_job(host, results)
        except Exception as exc:  # planning it is our code: a bug here is reported, never fatal
            aia = None
            results.put(wire_key(host.prefix, "aia_issuer"), fail({"elapsed": 0.0}, exc, "bug"))
        if aia is not None:
            jobs.append(aia.with_deadline(vdl))
        threads.update(start_threads(jobs, results))

    for host in hosts:
        if request.get("all_variants") or _failed(results, host, ("error",), tls_too=True):
            launch(host)
    pending = [h for h in hosts if not h.launched]
    if pending:
        join_threads([threads[j.key] for h in hosts for j in h.jobs if j.name == "pip_request"],
                     deadline - step - 0.3)
        for host in pending:
            if _failed(results, host, ("error", "deadline")):
                launch(host)
    # A healthy host needs no variant: do not wait for one (plain HTTP to a
    # TLS port may simply hang), and do not report it.
    healthy = set(h.prefix for h in hosts if not h.launched)
    extra = set(j.key for h in hosts if h.prefix in healthy for j in h.jobs if j.only_when_failed)
    join_threads([t for k, t in threads.items() if k not in extra], deadline - 0.1)
    results.drop(extra)


def _failed(results, host, statuses, tls_too=False):
    pip = results.get(wire_key(host.prefix, "pip_request"))
    tls = results.get(wire_key(host.prefix, "tls"))
    return pip.get("status") in statuses or (tls_too and tls.get("status") == "error")


def probe(request, deadline):
    """The whole probe, as named steps; returns the one JSON object to print."""
    set_workdir(request.get("workdir"))
    facts = base_facts()
    pip_info, pip_ctx = gather_pip_facts(request)
    facts["pip"] = pip_info
    urls = choose_urls(request, pip_ctx)
    facts["targets"] = [redact_url(u) for u in urls]
    step = max(1.5, 0.3 * (deadline - time.time()))
    hosts = plan_hosts(urls, request, pip_info, pip_ctx, deadline, step)
    results = Results()
    threads = run_phase1(hosts, results, step)
    run_phase2(hosts, results, threads, request, deadline, step)
    facts["time_end"] = time.time()
    sessions = dict((h.index, h.session) for h in hosts if h.session is not None)
    for s in sessions.values():
        s.pop("_proxy_raw", None)
    return {"result": "success", "kind": "probe", "facts": facts, "sessions": sessions,
            "probes": results.snapshot(), "elapsed": round(time.time() - START, 3)}


def main(argv=None, stdin=None):
    try:
        request = read_request(argv or sys.argv, stdin or sys.stdin)
    except ValueError as exc:
        emit({"result": "error", "kind": "bad_request", "message": err_text(exc)})
        return
    emit(probe(request, START + float(request.get("timeout") or 10.0)))


def emit(obj):
    text = json.dumps(scrub(obj), sort_keys=True, default=_s)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        try:
            main()
        except BaseException as exc:  # the contract: always one JSON object
            emit({"result": "error", "kind": "probe_crashed", "message": err_text(exc)})
    finally:
        cleanup()
        # Daemon threads still blocked on a socket must not delay the exit.
        try:
            sys.stdout.flush()
        finally:
            os._exit(0)
