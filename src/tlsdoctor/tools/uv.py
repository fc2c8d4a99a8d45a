"""uv: find it, resolve its trust/proxy/index configuration by uv's own rules, ask uv itself.

Every rule below was measured with real uv 0.4.30, 0.10.12 and 0.13.9 in the lab
(``tests/lab/test_tool_facts.py``; the table is in the tools stream's notes) or is
taken from uv's documentation (``docs/concepts/authentication/certificates.md``,
``docs/configuration/files.md``) where marked [doc].

Trust, by version (``_trust``):

* uv verifies with rustls. Its default roots are the bundled Mozilla roots
  (webpki-roots), **not** the OS store, unless ``--system-certs`` /
  ``UV_SYSTEM_CERTS`` / ``system-certs = true`` (0.11+; before: ``--native-tls`` /
  ``UV_NATIVE_TLS`` / ``native-tls = true``, still accepted by 0.13 as deprecated
  aliases). The environment beats the config files.
* ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` (the latter since 0.9.10; ``:`` separates
  entries) **replace** the default roots, the OS store included (measured: an
  unrelated ``SSL_CERT_FILE`` makes ``--system-certs`` fail).
* An ``SSL_CERT_FILE`` that loads nothing (missing, no certificate in it):
  0.12+ warns "No default certificates will be trusted" and trusts nothing
  (SSL_CERT_DIR still counts); before 0.12 uv warns "Ignoring invalid
  `SSL_CERT_FILE`" and keeps its defaults — except that 0.10's native-roots
  loader reads the same variable and then loads nothing, so 0.10 with the OS
  store switch fails too. An empty ``SSL_CERT_FILE=""`` is unset for 0.13 and
  "invalid" (ignored with a warning) for 0.4/0.10.
* ``UV_INSECURE_HOST`` / ``allow-insecure-host`` switch verification off for a
  matching host (it does not help a handshake failure).
* ``--cert`` (0.12) is a command-line flag: not something a user's environment
  carries, so it does not apply to ``check``.

Configuration files [doc]: ``UV_NO_CONFIG`` ignores every file;
``UV_CONFIG_FILE`` replaces discovery; otherwise the project file (the nearest
``uv.toml``, else ``pyproject.toml`` with a ``[tool.uv]`` table, from ``cwd``
upwards; a ``uv.toml`` wins over ``pyproject.toml`` in the same directory) beats
the user file (``$XDG_CONFIG_HOME/uv/uv.toml``, else ``~/.config/uv/uv.toml``),
which beats the system file (``$XDG_CONFIG_DIRS/uv/uv.toml``, else
``/etc/uv/uv.toml``). For ``uv pip`` commands a ``[pip]`` table's keys beat the
top-level ones in the same file. The environment beats every file.

TOML is read with ``tomllib`` (3.11+); on 3.9/3.10 a minimal reader of its own
(``_mini_toml``) handles what uv's settings use: tables, arrays of tables,
strings, booleans, integers and one-line arrays.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from tlsdoctor.messages import M
from tlsdoctor.redact import redact_text, redact_url, redact_value
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, Setting, Trust, TrustKind
from tlsdoctor.tools.run import run

NAME = "uv"
DEFAULT_INDEX = "https://pypi.org/simple"
# The project the decisive request resolves (check's pip request fetches the
# index root; uv needs a project page). A project the index does not have still
# proves the TLS path: uv then reports a resolution error, not a network one.
PROJECT = "pip"

_TRUE = ("1", "true", "yes", "on", "y", "t")
_FALSE = ("0", "false", "no", "off", "n", "f", "")


def version_tuple(v: Optional[str]) -> Tuple[int, ...]:
    out = []
    for part in (v or "").split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        out.append(int(m.group()))
    return tuple(out)


# ----------------------------------------------------------------------------- find


def find(env: Mapping[str, str], python: Optional[str], deadline: float) -> Optional[Found]:
    """uv on PATH, with the version ``uv --version`` reports (``uv 0.13.9 (…)``)."""
    path = shutil.which("uv", path=env.get("PATH", os.defpath))
    if not path:
        return None
    status, code, out = run([path, "--version"], _base_env(env), deadline, cap=4096)
    m = re.search(r"\buv\s+(\d+\.\d+(?:\.\d+)?\S*)", out or "")
    return Found(tool=NAME, path=path, version=m.group(1) if m and status == "ok" else None)


# ----------------------------------------------------------------------------- TOML


class FallbackTomlError(ValueError):
    """The minimal reader (Python < 3.11) cannot read this file: uv itself may well read it."""


def load_toml(path: str, only_table: Optional[str] = None) -> Dict[str, Any]:
    """A TOML file as a dict (``tomllib`` where it exists, else ``_mini_toml``). Raises ValueError/OSError.

    ``only_table`` (e.g. ``tool.uv``): without tomllib, read only that table and its sub-tables
    (a pyproject.toml's other tables may hold TOML the minimal reader does not know, such as a
    multi-line description)."""
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    text = data.decode("utf-8")
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:
        if only_table:
            text = _only_table(text, only_table)
        try:
            return _mini_toml(text)
        except ValueError as exc:
            raise FallbackTomlError(str(exc))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(str(exc))


def _only_table(text: str, table: str) -> str:
    """The lines of ``[table]``, ``[table.x]`` and ``[[table.x]]`` sections only (headers matched at line start)."""
    keep = False
    out: List[str] = []
    head = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
    in_string = ""  # inside a multi-line string: a "[tool.uv]" line there is text, not a header
    for line in text.splitlines():
        if in_string:
            if line.count(in_string) % 2 == 1:
                in_string = ""
            if keep:
                out.append(line)
            continue
        for delim in ('"""', "'''"):
            if line.count(delim) % 2 == 1:
                in_string = delim
                break
        m = None if in_string else head.match(line)
        if m:
            name = ".".join(_keys(m.group(1)))
            keep = name == table or name.startswith(table + ".")
        if keep:
            out.append(line)
    return "\n".join(out) + "\n"


_KEY = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
_DOTTED = re.compile(r"\s*(%s(?:\s*\.\s*%s)*)\s*" % (_KEY, _KEY))


def _keys(dotted: str) -> List[str]:
    return [k.strip().strip("\"'") for k in re.findall(_KEY, dotted)]


def _mini_toml(text: str) -> Dict[str, Any]:
    """Just enough TOML for uv's settings on Python 3.9/3.10 (no tomllib there).

    Handles ``[table]``, ``[[array.of.tables]]``, dotted keys, basic and literal
    one-line strings, booleans, integers, one-line arrays of those and one-line
    inline tables; comments. Multi-line strings/arrays are not supported (a
    ValueError says so: the setting is then reported as unreadable, never guessed).
    """
    root: Dict[str, Any] = {}
    cur = root
    for lineno, line in _logical_lines(text):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[["):
            m = re.match(r"\[\[(.*)\]\]\s*(#.*)?$", line)
            if not m:
                raise ValueError("line %d: bad table header" % lineno)
            *parents, last = _keys(m.group(1))
            t = _descend(root, parents)
            arr = t.setdefault(last, [])
            if not isinstance(arr, list):
                raise ValueError("line %d: %s is not an array of tables" % (lineno, last))
            cur = {}
            arr.append(cur)
            continue
        if line.startswith("["):
            m = re.match(r"\[(.*)\]\s*(#.*)?$", line)
            if not m:
                raise ValueError("line %d: bad table header" % lineno)
            cur = _descend(root, _keys(m.group(1)))
            continue
        m = _DOTTED.match(line)
        if not m or line[m.end():m.end() + 1] != "=":
            raise ValueError("line %d: not key = value" % lineno)
        *parents, last = _keys(m.group(1))
        value, rest = _value(line[m.end() + 1:].lstrip(), lineno)
        if rest.strip() and not rest.strip().startswith("#"):
            raise ValueError("line %d: unexpected %r" % (lineno, rest.strip()[:20]))
        _descend(cur, parents)[last] = value
    return root


def _logical_lines(text: str) -> List[Tuple[int, str]]:
    """(first line number, line) with comments dropped and a value spread over lines (an array,
    an inline table) joined into one; a multi-line string stays a ValueError in ``_value``."""
    out: List[Tuple[int, str]] = []
    buf: List[str] = []
    depth = 0
    start = 0
    for lineno, raw in enumerate(text.splitlines(), 1):
        kept, depth = _scan_line(raw, depth, continued=bool(buf))
        if not buf:
            start = lineno
        buf.append(kept.strip())
        if depth == 0:
            line = " ".join(b for b in buf if b)
            if line:
                out.append((start, line))
            buf = []
    if buf:
        raise ValueError("line %d: an array or table is not closed" % start)
    return out


def _scan_line(raw: str, depth: int, continued: bool) -> Tuple[str, int]:
    """One physical line without its comment, and the bracket depth after it.

    A ``#`` or bracket inside a quoted string is text. A ``[``/``{`` opens a value only
    inside one already open, on a continued line or after the ``=`` (at the start of a
    line it is a table header, which never spans lines)."""
    kept: List[str] = []
    quote = ""
    for i, c in enumerate(raw):
        if quote:
            kept.append(c)
            if c == quote and not (quote == '"' and raw[i - 1] == "\\"):
                quote = ""
            continue
        if c == "#":
            break
        if c in "\"'":
            quote = c
        elif c in "[{" and (depth or continued or "=" in "".join(kept)):
            depth += 1
        elif c in "]}" and depth:
            depth -= 1
        kept.append(c)
    return "".join(kept), depth


def _descend(t: Dict[str, Any], keys: List[str]) -> Dict[str, Any]:
    for k in keys:
        nxt = t.setdefault(k, {})
        if isinstance(nxt, list):  # [[index]] then [index.x]: the last element
            nxt = nxt[-1]
        if not isinstance(nxt, dict):
            raise ValueError("%s is not a table" % k)
        t = nxt
    return t


_ESC = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r", "b": "\b", "f": "\f"}


def _value(s: str, lineno: int) -> Tuple[Any, str]:
    """The TOML value ``s`` starts with, and the rest of the line after it."""
    if s.startswith('"""') or s.startswith("'''"):
        raise ValueError("line %d: multi-line strings are not read on this Python" % lineno)
    for opener, read in _VALUE_READERS:
        if s.startswith(opener):
            return read(s, lineno)
    return _scalar(s, lineno)


def _basic_string(s: str, lineno: int) -> Tuple[str, str]:
    """A ``"..."`` string with TOML's escapes (``\\n``, ``\\uXXXX``, ``\\UXXXXXXXX`` ...)."""
    out, i = [], 1
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            text, i = _escape(s, i, lineno)
            out.append(text)
            continue
        if c == '"':
            return "".join(out), s[i + 1:]
        out.append(c)
        i += 1
    raise ValueError("line %d: unterminated string" % lineno)


def _escape(s: str, i: int, lineno: int) -> Tuple[str, int]:
    """The escape at ``s[i]`` (a backslash with a character after it): (its text, the index after it)."""
    nxt = s[i + 1]
    if nxt in _ESC:
        return _ESC[nxt], i + 2
    if nxt in "uU":
        n = 4 if nxt == "u" else 8
        return chr(int(s[i + 2:i + 2 + n], 16)), i + 2 + n
    raise ValueError("line %d: bad escape" % lineno)


def _literal_string(s: str, lineno: int) -> Tuple[str, str]:
    """A ``'...'`` string: no escapes."""
    j = s.find("'", 1)
    if j < 0:
        raise ValueError("line %d: unterminated string" % lineno)
    return s[1:j], s[j + 1:]


def _array(s: str, lineno: int) -> Tuple[List[Any], str]:
    """A one-line ``[a, b, ...]`` (a trailing comma allowed)."""
    items: List[Any] = []
    rest = s[1:].lstrip()
    while not rest.startswith("]"):
        if not rest:
            raise ValueError("line %d: multi-line arrays are not read on this Python" % lineno)
        v, rest = _value(rest, lineno)
        items.append(v)
        rest = rest.lstrip()
        if rest.startswith(","):
            rest = rest[1:].lstrip()
    return items, rest[1:]


def _inline_table(s: str, lineno: int) -> Tuple[Dict[str, Any], str]:
    """A one-line ``{ key = value, a.b = value }``."""
    table: Dict[str, Any] = {}
    rest = s[1:].lstrip()
    while not rest.startswith("}"):
        m = _DOTTED.match(rest)
        if not m or rest[m.end():m.end() + 1] != "=":
            raise ValueError("line %d: bad inline table" % lineno)
        *parents, last = _keys(m.group(1))
        v, rest = _value(rest[m.end() + 1:].lstrip(), lineno)
        _descend(table, parents)[last] = v
        rest = rest.lstrip()
        if rest.startswith(","):
            rest = rest[1:].lstrip()
        elif not rest.startswith("}"):
            raise ValueError("line %d: bad inline table" % lineno)
    return table, rest[1:]


def _scalar(s: str, lineno: int) -> Tuple[Any, str]:
    """A boolean or an integer (``_`` separators allowed); anything else is not understood."""
    m = re.match(r"(true|false)\b", s)
    if m:
        return m.group(1) == "true", s[m.end():]
    m = re.match(r"[+-]?\d[\d_]*\b", s)
    if m:
        return int(m.group().replace("_", "")), s[m.end():]
    raise ValueError("line %d: value not understood" % lineno)


# The reader for each value by its first character (after the multi-line string check).
_VALUE_READERS = (
    ('"', _basic_string),
    ("'", _literal_string),
    ("[", _array),
    ("{", _inline_table),
)


# ----------------------------------------------------------------------------- configuration files


def _config_files(env: Mapping[str, str], cwd: str) -> Tuple[List[Tuple[str, str]], List[str]]:
    """[(path, which)] from the highest precedence down, and notes."""
    if (env.get("UV_NO_CONFIG") or "").strip().lower() in _TRUE:
        return [], [M("uv.no_config", "UV_NO_CONFIG is set: uv reads no configuration file")]
    if env.get("UV_CONFIG_FILE"):
        return [(env["UV_CONFIG_FILE"], "UV_CONFIG_FILE")], \
            [M("uv.config_file", "UV_CONFIG_FILE is set: uv reads that file and no project, user or system file")]
    project, notes = _project_file(cwd)
    found = (("project", project), ("user", _user_file(env)), ("system", _system_file(env)))
    return [(path, which) for which, path in found if path], notes


def _project_file(cwd: str) -> Tuple[Optional[str], List[str]]:
    """The nearest ``uv.toml``, else ``pyproject.toml`` with ``[tool.uv]``, from ``cwd`` upwards, and notes.

    The walk stops at the first directory with either file: a ``pyproject.toml`` without
    ``[tool.uv]`` is a project root too, and uv does not look above it."""
    d = os.path.abspath(cwd or ".")
    while True:
        uv_toml = os.path.join(d, "uv.toml")
        pyproject = os.path.join(d, "pyproject.toml")
        if os.path.isfile(uv_toml):
            if os.path.isfile(pyproject) and _has_tool_uv(pyproject):
                return uv_toml, [M("uv.pyproject_ignored", "%s is ignored: uv.toml in the same directory wins",
                                   pyproject)]
            return uv_toml, []
        if os.path.isfile(pyproject):
            return (pyproject if _has_tool_uv(pyproject) else None), []
        parent = os.path.dirname(d)
        if parent == d:
            return None, []
        d = parent


def _user_file(env: Mapping[str, str]) -> Optional[str]:
    """``$XDG_CONFIG_HOME/uv/uv.toml``, else ``~/.config/uv/uv.toml``, if it exists."""
    xdg = env.get("XDG_CONFIG_HOME")
    home = env.get("HOME") or os.path.expanduser("~")
    user = os.path.join(xdg, "uv", "uv.toml") if xdg else os.path.join(home, ".config", "uv", "uv.toml")
    return user if os.path.isfile(user) else None


def _system_file(env: Mapping[str, str]) -> Optional[str]:
    """The first ``uv/uv.toml`` under ``$XDG_CONFIG_DIRS`` (default ``/etc/xdg``), then ``/etc``."""
    dirs = [p for p in (env.get("XDG_CONFIG_DIRS") or "").split(os.pathsep) if p] or ["/etc/xdg"]
    for base in dirs + ["/etc"]:
        system = os.path.join(base, "uv", "uv.toml")
        if os.path.isfile(system):
            return system
    return None


def _has_tool_uv(path: str) -> bool:
    try:
        with open(path, "rb") as f:
            return b"[tool.uv" in f.read(1 << 20)
    except OSError:
        return False


def _settings_of(path: str) -> Dict[str, Any]:
    is_pyproject = os.path.basename(path) == "pyproject.toml"
    data = load_toml(path, only_table="tool.uv" if is_pyproject else None)
    if is_pyproject:
        data = (data.get("tool") or {}).get("uv") or {}
    if not isinstance(data, dict):
        return {}
    merged = {k: v for k, v in data.items() if k != "pip"}
    pip = data.get("pip")
    if isinstance(pip, dict):
        # `uv pip` reads the [pip] table's keys over the top-level ones.
        merged.update(pip)
    return merged


# ----------------------------------------------------------------------------- resolve


def _base_env(env: Mapping[str, str]) -> Dict[str, str]:
    e = dict(env)
    e.setdefault("NO_COLOR", "1")
    return e


def _bool_env(env: Mapping[str, str], name: str) -> Optional[bool]:
    if name not in env:
        return None
    v = env[name].strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return None


def _loadable(path: str) -> Tuple[bool, str]:
    """Does a PEM file give rustls at least one certificate? (uv's own test: "No valid certificates found")."""
    try:
        with open(path, "rb") as f:
            data = f.read(8 << 20)
    except FileNotFoundError:
        return False, "Path does not exist"
    except OSError as exc:
        return False, M("uv.cannot_be_read", "cannot be read (%s)", exc.strerror)
    if b"-----BEGIN CERTIFICATE-----" not in data:
        return False, "No valid certificates found"
    return True, ""


def _host_matches(entry: str, url: str) -> bool:
    """uv's TrustedHost: a host name, optionally with scheme and/or port."""
    try:
        parts = urlsplit(url)
        host, port, scheme = parts.hostname or "", parts.port, parts.scheme
    except ValueError:
        return False
    e = entry.strip().rstrip("/")
    if "://" in e:
        es, _, e = e.partition("://")
        if es != scheme:
            return False
    eh, _, ep = e.rpartition(":") if re.search(r":\d+$", e) else (e, "", "")
    if eh.lower() != host.lower():
        return False
    return not ep or (port is not None and int(ep) == port)


def _no_proxy(value: str, host: str) -> bool:
    for raw in value.split(","):
        e = raw.strip().lower()
        if not e:
            continue
        if e == "*":
            return True
        e = re.sub(r":\d+$", "", e).lstrip(".").lstrip("*.")
        if host == e or host.endswith("." + e):
            return True
    return False


def _index_from_files(files: List[Tuple[str, str, Dict[str, Any]]]) -> Optional[Tuple[str, str, str]]:
    """(url, setting name, source) of the default index the files give, highest file first."""
    for path, _, data in files:
        indexes = data.get("index")
        if isinstance(indexes, list):
            for ix in indexes:
                if isinstance(ix, dict) and ix.get("default") and isinstance(ix.get("url"), str):
                    return ix["url"], "[[index]] default = true", path
        for key in ("index-url",):
            if isinstance(data.get(key), str):
                return data[key], key, path
    return None


def resolve(found: Found, env: Mapping[str, str], cwd: str, deadline: float,
            index_url: Optional[str] = None) -> Resolved:
    """uv's effective configuration for ``uv pip`` in ``cwd`` with ``env``.

    ``index_url`` (check's ``--index-url``) plays uv's own ``--index-url`` flag.
    Each step below appends the settings it shows and the warnings it gives, in this order.
    """
    settings: List[Setting] = []
    warnings: List[str] = []
    paths, notes = _config_files(env, cwd)
    warnings.extend(notes)
    files = _read_files(paths, deadline, warnings)
    url = _index(index_url, env, files, settings)
    system = _os_store_switch(found, env, files, settings, warnings)
    trust = _roots(found, env, system, settings, warnings)
    settings.extend(_ignored_bundles(env))
    _insecure_hosts(env, files, url, settings, trust)
    proxy = _proxy(env, url, settings, warnings)
    client_cert = env.get("SSL_CLIENT_CERT") or None
    if client_cert:
        settings.append(Setting("SSL_CLIENT_CERT", redact_value("SSL_CLIENT_CERT", client_cert) or "", "environment"))
    settings.append(_retries(found))
    return Resolved(found=found, index_url=url, settings=tuple(settings), trust=tuple(trust), proxy=proxy,
                    client_cert=client_cert, warnings=tuple(warnings))


# (path, which, the settings uv pip reads from it), the highest precedence first
_Files = List[Tuple[str, str, Dict[str, Any]]]


def _read_files(paths: List[Tuple[str, str]], deadline: float, warnings: List[str]) -> _Files:
    """Each configuration file's settings; one uv cannot read is a warning (uv itself stops there)."""
    files: _Files = []
    for path, which in paths:
        if time.monotonic() >= deadline:
            warnings.append(M("uv.deadline", "the deadline came before %s was read", path))
            break
        try:
            files.append((path, which, _settings_of(path)))
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            if isinstance(exc, FallbackTomlError):
                warnings.append(M("uv.fallback_toml", "tlsdoctor's own TOML reader (Python < 3.11 has no tomllib) "
                                  "cannot read %s: %s; its settings are not shown", path, redact_text(str(exc))))
            else:
                warnings.append(M("uv.cannot_read", "uv cannot read %s: %s (uv itself stops with an error)",
                                  path, redact_text(str(exc))))
    return files


def _from_files(files: _Files, key: str) -> List[Tuple[Any, str]]:
    """(value, path) of ``key`` in every file that sets it, the highest first."""
    return [(data[key], path) for path, _, data in files if key in data]


def _index(index_url: Optional[str], env: Mapping[str, str], files: _Files, settings: List[Setting]) -> str:
    """The index uv uses: check's ``--index-url``, then the environment, then the files, then PyPI."""
    candidates: List[Tuple[str, str, str]] = []  # (url, name, source), highest first
    if index_url:
        candidates.append((index_url, "--index-url", "tlsdoctor check --index-url"))
    for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
        if env.get(name):
            candidates.append((env[name], name, "environment"))
    f = _index_from_files(files)
    if f:
        candidates.append(f)
    candidates.append((DEFAULT_INDEX, "index-url", "default"))
    for i, (url, name, source) in enumerate(candidates):
        settings.append(Setting(name, redact_url(url) or "", source, effective=(i == 0)))
    return candidates[0][0]


# One spelling of the OS store switch: (name, value shown, source, on, where), the highest first.
_Switch = Tuple[str, str, str, bool, str]


def _os_store_switch(found: Found, env: Mapping[str, str], files: _Files, settings: List[Setting],
                     warnings: List[str]) -> Optional[Tuple[bool, str]]:
    """(on, where) of the OS store switch uv obeys, or None: the environment beats the files, and
    ``system-certs``/``UV_SYSTEM_CERTS`` beat ``native-tls``/``UV_NATIVE_TLS`` where uv knows both."""
    new_name = version_tuple(found.version)[:2] >= (0, 11)
    candidates = _switch_from_env(found, env, new_name, warnings) + \
        _switch_from_files(found, files, new_name, warnings)
    for i, (name, shown, source, _, _) in enumerate(candidates):
        settings.append(Setting(name, shown, source, effective=i == 0))
    return (candidates[0][3], candidates[0][4]) if candidates else None


def _switch_from_env(found: Found, env: Mapping[str, str], new_name: bool, warnings: List[str]) -> List[_Switch]:
    """UV_SYSTEM_CERTS (uv >= 0.11) then UV_NATIVE_TLS, each only when it reads as a boolean."""
    out: List[_Switch] = []
    for name in ("UV_SYSTEM_CERTS", "UV_NATIVE_TLS"):
        if name == "UV_SYSTEM_CERTS" and not new_name:
            if name in env:
                warnings.append(M("uv.unknown_env", "UV_SYSTEM_CERTS is unknown to uv %s (it has UV_NATIVE_TLS)",
                                  found.version))
            continue
        b = _bool_env(env, name)
        if b is not None:
            out.append((name, env[name], "environment", b, name))
    return out


def _switch_from_files(found: Found, files: _Files, new_name: bool, warnings: List[str]) -> List[_Switch]:
    """system-certs (uv >= 0.11) then native-tls, each from every file that sets it to a boolean."""
    out: List[_Switch] = []
    for key in ("system-certs", "native-tls"):
        if key == "system-certs" and not new_name:
            if _from_files(files, key):
                warnings.append(M("uv.unknown_key", "system-certs is unknown to uv %s (it has native-tls)",
                                  found.version))
            continue
        for value, path in _from_files(files, key):
            if isinstance(value, bool):
                out.append((key, str(value).lower(), path, value, "%s in %s" % (key, path)))
    return out


class _Roots:
    """uv's roots while ``_roots`` reads SSL_CERT_FILE and SSL_CERT_DIR."""

    def __init__(self, os_store: bool) -> None:
        self.trust: List[Trust] = []
        self.os_store = os_store  # the OS store switch is on and its loader finds certificates
        self.replaced = False  # SSL_CERT_FILE/SSL_CERT_DIR replace the default roots
        self.nothing = False  # a loader that found nothing: uv trusts no certificate from it


def _roots(found: Found, env: Mapping[str, str], system: Optional[Tuple[bool, str]], settings: List[Setting],
           warnings: List[str]) -> List[Trust]:
    """The trust anchors uv verifies with: SSL_CERT_FILE/SSL_CERT_DIR replace its defaults (the
    bundled roots, or the OS store with the switch on); REQUESTS_CA_BUNDLE & co. are not read."""
    v = version_tuple(found.version)
    roots = _Roots(os_store=bool(system and system[0]))
    cert_file = env.get("SSL_CERT_FILE")
    # uv 0.12+ treats SSL_CERT_FILE="" as unset; before, it is an invalid file
    if cert_file is not None and (cert_file != "" or v[:2] < (0, 12)):
        _cert_file(found, cert_file, roots, settings, warnings)
    if env.get("SSL_CERT_DIR"):
        _cert_dir(found, env["SSL_CERT_DIR"], roots, settings, warnings)
    if not roots.replaced and not roots.nothing:
        if roots.os_store:
            roots.trust.append(Trust(TrustKind.OS, None, system[1] if system else "default"))
        else:
            roots.trust.append(Trust(TrustKind.BUNDLED, None, "default"))
    elif roots.replaced and roots.os_store:
        warnings.append(M("uv.replaced_os_store", "%s is on, but SSL_CERT_FILE/SSL_CERT_DIR replace the OS store too",
                          system[1]))  # os_store: the switch is on, so system is set
    if roots.nothing and not roots.trust:
        roots.trust.append(Trust(TrustKind.NOTHING, None, "SSL_CERT_FILE"))
    return roots.trust


def _cert_file(found: Found, cert_file: str, roots: _Roots, settings: List[Setting], warnings: List[str]) -> None:
    """SSL_CERT_FILE: a loadable file replaces the roots; one that loads nothing makes 0.12+ trust
    nothing, and older uv ignore it (but 0.9-0.11's OS-store loader reads it too, and finds nothing)."""
    v = version_tuple(found.version)
    ok, why = _loadable(cert_file) if cert_file else (False, "does not exist")
    settings.append(Setting("SSL_CERT_FILE", redact_value("SSL_CERT_FILE", cert_file) or '""', "environment",
                            effective=ok or v[:2] >= (0, 12)))
    if ok:
        roots.trust.append(Trust(TrustKind.FILE, cert_file, "SSL_CERT_FILE"))
        roots.replaced = True
    elif v[:2] >= (0, 12):
        warnings.append(M("uv.invalid_cert_file", "Invalid `SSL_CERT_FILE` (%s): uv %s trusts no default "
                          "certificate then (\"%s\")", why, found.version,
                          "No default certificates will be trusted"))
        roots.replaced = roots.nothing = True
    else:
        warnings.append(M("uv.ignores_cert_file", "uv %s ignores this SSL_CERT_FILE (\"%s\": %s)", found.version,
                          "Ignoring invalid `SSL_CERT_FILE`", why))
        if roots.os_store and (0, 9) <= v[:2] < (0, 12):
            # measured on 0.10.12: its native-roots loader reads SSL_CERT_FILE as well and loads nothing
            warnings.append(M("uv.native_loader", "uv %s's OS-store loader reads the same SSL_CERT_FILE and loads "
                              "no certificate", found.version))
            roots.os_store = False
            roots.nothing = True


def _cert_dir(found: Found, cert_dir: str, roots: _Roots, settings: List[Setting], warnings: List[str]) -> None:
    """SSL_CERT_DIR (uv >= 0.9.10; entries separated by ``:``) replaces the roots too."""
    knows_dir = version_tuple(found.version) >= (0, 9, 10)
    settings.append(Setting("SSL_CERT_DIR", redact_value("SSL_CERT_DIR", cert_dir) or "", "environment",
                            effective=knows_dir))
    if knows_dir:
        for d in re.split(r"[:;]", cert_dir):
            if d:
                roots.trust.append(Trust(TrustKind.DIR, d, "SSL_CERT_DIR"))
        roots.replaced = True
    else:
        warnings.append(M("uv.no_cert_dir", "uv %s does not read SSL_CERT_DIR (since 0.9.10)", found.version))


def _ignored_bundles(env: Mapping[str, str]) -> List[Setting]:
    """pip's and requests' bundle variables, shown as not effective: uv does not read them."""
    return [Setting(name, redact_value(name, env[name]) or "", M("uv.env_ignored", "environment (uv ignores it)"),
                    effective=False)
            for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "PIP_CERT") if env.get(name)]


def _insecure_hosts(env: Mapping[str, str], files: _Files, url: str, settings: List[Setting],
                    trust: List[Trust]) -> None:
    """UV_INSECURE_HOST and allow-insecure-host: an entry matching the index turns verification off
    (``trust`` then starts with OFF)."""
    insecure: List[Tuple[str, str]] = [(h, "UV_INSECURE_HOST") for h in (env.get("UV_INSECURE_HOST") or "").split()]
    for value, path in _from_files(files, "allow-insecure-host"):
        for h in (value if isinstance(value, list) else [value]):
            if isinstance(h, str):
                insecure.append((h, "allow-insecure-host in %s" % path))
    for h, source in insecure:
        settings.append(Setting("allow-insecure-host" if " in " in source else source, redact_text(h),
                                source.split(" in ", 1)[-1] if " in " in source else "environment",
                                effective=_host_matches(h, url)))
        if _host_matches(h, url) and not any(t.kind == TrustKind.OFF for t in trust):
            trust.insert(0, Trust(TrustKind.OFF, None, source.split(" in ")[0]))


def _proxy(env: Mapping[str, str], url: str, settings: List[Setting], warnings: List[str]) -> Optional[str]:
    """The proxy uv's client (reqwest) uses for ``url``: HTTPS_PROXY / https_proxy for https (else
    http_proxy / HTTP_PROXY), then ALL_PROXY; the first NO_PROXY / no_proxy set can bypass it."""
    proxy = None
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme, (parts.hostname or "")
    except ValueError:
        scheme, host = "", ""
    names = (["HTTPS_PROXY", "https_proxy"] if scheme == "https" else ["http_proxy", "HTTP_PROXY"]) + \
        ["ALL_PROXY", "all_proxy"]
    for name in names:
        if env.get(name):
            proxy = env[name]
            settings.append(Setting(name, redact_url(proxy) or "", "environment"))
            break
    for name in ("NO_PROXY", "no_proxy"):
        if env.get(name):
            bypass = _no_proxy(env[name], host.lower())
            settings.append(Setting(name, redact_text(env[name]), "environment", effective=bypass))
            if bypass and proxy:
                warnings.append(M("uv.no_proxy", "%s matches %s: uv goes direct, not through the proxy", name, host))
                proxy = None
            break
    return proxy


def _retries(found: Found) -> Setting:
    """UV_HTTP_RETRIES=0, which ``request`` sets (uv < 0.10 does not read it)."""
    knows_retries = version_tuple(found.version)[:2] >= (0, 10)
    return Setting("UV_HTTP_RETRIES", "0", M("uv.retries_set", "set by tlsdoctor for its request")
                   if knows_retries else M("uv.retries_unread", "set by tlsdoctor (uv %s does not read it: it "
                                           "retries 3 times)", found.version),
                   effective=knows_retries)


# ----------------------------------------------------------------------------- request

# uv reached the index and answered about the project (a resolution error, not a network one).
_RESOLVED = re.compile(r"(No solution found when resolving|not found in the package registry|"
                       r"was not found in the package registry|no versions of)", re.IGNORECASE)
_NETWORK = re.compile(r"(error sending request|Failed to fetch|invalid peer certificate|tunnel error|"
                      r"tcp connect error|Request failed after|client error \(Connect\)|dns error|"
                      r"received fatal alert|tls handshake)", re.IGNORECASE)


def request(resolved: Resolved, env: Mapping[str, str], deadline: float, workdir: str) -> Request:
    """``uv pip compile - --no-deps --no-header --no-cache --index-url URL --python-version 3.12`` with
    ``PROJECT`` on stdin. ``workdir`` should be the directory ``resolve`` was given: uv discovers
    the project's ``uv.toml``/``pyproject.toml`` from its cwd, and ``compile -`` without ``-o``
    writes nothing there."""
    found = resolved.found
    if not found.path:
        return Request(RequestStatus.COULD_NOT_RUN, detail=M("uv.not_found", "uv was not found"))
    argv = [found.path, "pip", "compile", "-", "--no-deps", "--no-header", "--no-cache", "--index-url",
            resolved.index_url, "--python-version", "3.12"]
    e = _base_env(env)
    # No retries (uv's default is 3, with back-off: the same failure, slower),
    # no managed-Python download (compile for 3.12 needs no interpreter).
    e["UV_HTTP_RETRIES"] = "0"
    e.setdefault("UV_PYTHON_DOWNLOADS", "never")
    shown = tuple(redact_url(a) if a == resolved.index_url else a for a in argv)
    t0 = time.monotonic()
    status, code, out = run(argv, e, deadline, stdin=PROJECT + "\n", cwd=workdir)
    elapsed = time.monotonic() - t0
    detail = ""
    if status == RequestStatus.FAILED.value and _RESOLVED.search(out or "") and not _NETWORK.search(out or ""):
        status = RequestStatus.OK.value
        detail = M("uv.reached_index", "uv reached the index (it answered that %s is not there)", PROJECT)
    elif status == RequestStatus.DEADLINE.value:
        detail = M("uv.did_not_finish", "uv did not finish by the deadline")
    return Request(RequestStatus(status), argv=shown, exit_code=code, output=out, elapsed=elapsed, detail=detail)
