"""Poetry (1.8 and 2.x): its sources, its ``certificates.<source>``, requests underneath.

Read from Poetry 1.8.5 and 2.5.1 themselves (the lab's tool venvs):

* **Which index.** ``Factory.create_pool`` (poetry/factory.py) adds the
  ``[[tool.poetry.source]]`` entries of the project's ``pyproject.toml`` (found
  from the current directory upwards, ``Factory.locate``) in order, priority
  ``primary`` unless said otherwise (1.8 also ``default = true`` / priority
  ``default``, placed before every primary), and adds PyPI only when no source
  is primary (1.8: or default) and none is named ``pypi``.
* **Which certificates.** Each source's ``LegacyRepository`` has its own
  ``Authenticator`` with the configured ``repositories`` plus that source
  (``add_repository``); a request's certificates come from the repository that
  matches its URL (same netloc; 2.x ranks by shared path segments, 1.8 by the
  longest common path prefix; ties keep configuration order), via
  ``RepositoryCertificateConfig.create``: ``certificates.<name>.verify``, else
  ``certificates.<name>.cert`` (a string is a CA path, ``false`` turns
  verification off), and ``certificates.<name>.client-cert``.
* **Where settings come from.** ``Config.get`` checks the environment first
  (``POETRY_CERTIFICATES_<NAME>_CERT``: the key upper-cased, ``-`` -> ``_``),
  then the merged configuration: ``config.toml`` in ``$POETRY_CONFIG_DIR`` or
  the platform directory (``poetry/locations.py``: platformdirs
  ``user_config_path("pypoetry", roaming=True)``), overlaid by the project's
  ``poetry.toml``. An environment value is never converted for these keys, so
  ``POETRY_CERTIFICATES_X_CERT=false`` is the *path* "false" (verified in the
  lab: 1.8.5 "invalid path: false").
* **Then requests.** ``Authenticator.request`` passes ``verify = certs.cert or
  certs.verify`` to ``Session.merge_environment_settings``, which replaces
  only ``verify=True`` by ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``: a source
  cert wins over the variable (verified), and without either requests uses
  certifi. ``SSL_CERT_FILE`` and the OS store are never read (verified).

The decisive request is Poetry's own ``Authenticator.request("get", …)`` in
Poetry's interpreter, for the index page of one project. Poetry 2 hides the
TLS reason without ``-v`` ("All attempts to connect to HOST failed."), so the
whole exception chain is printed.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from tlsdoctor.messages import M
from tlsdoctor.redact import redact_text, redact_url
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, Setting, Trust, TrustKind
from tlsdoctor.tools.requests_lib import (
    PROJECT, _child_env, bundle_trust, env_bundle, env_proxy, project_url, python_value, run, which,
)

NAME = "poetry"
# Setting names other streams read (the fix writes certificates.<CERTIFICATES_SETTING value>.cert).
SOURCE_SETTING = "index-source"
CERTIFICATES_SETTING = "certificates-name"
PYPI_URL = "https://pypi.org/simple/"
_READ_CAP = 1 << 20  # a pyproject.toml or config.toml larger than 1 MB is not a user's config


# --- a TOML reader for what pyproject.toml / config.toml hold --------------------------


def toml_loads(text: str) -> Dict[str, Any]:
    """``tomllib.loads`` where it exists (Python >= 3.11), else a small reader.

    The fallback (Python 3.9/3.10, stdlib-only) understands the subset Poetry's
    files use: ``[table]``, ``[[array.of.tables]]``, dotted and quoted keys,
    basic and literal strings, booleans, numbers and one-line arrays of those.
    Anything else (inline tables, multi-line arrays, dates) becomes the raw
    text, which the resolver never needs. A malformed line is skipped.
    """
    try:
        import tomllib  # type: ignore[import-not-found]
    except ImportError:
        return _mini_toml(text)
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return _mini_toml(text)  # as much as a lenient reader gets: better than nothing


_KEY_PART = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+))\s*')


def _keys(text: str) -> Optional[List[str]]:
    out, pos = [], 0
    while True:
        m = _KEY_PART.match(text, pos)
        if not m or m.end() == pos:
            return None
        out.append(next(g for g in m.groups() if g is not None))
        pos = m.end()
        if pos == len(text):
            return out
        if text[pos] != ".":
            return None
        pos += 1


def _scalar(raw: str) -> Any:
    raw = raw.strip()
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        try:
            return bytes(raw[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        except (UnicodeError, ValueError):
            return raw[1:-1]
    if raw.startswith("'") and raw.endswith("'") and len(raw) >= 2:
        return raw[1:-1]
    if raw in ("true", "false"):
        return raw == "true"
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1].strip().rstrip(",")
        return [_scalar(p) for p in re.findall(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|[^,\s]+', inner)] if inner else []
    try:
        return int(raw.replace("_", ""))
    except ValueError:
        return raw


def _strip_comment(line: str) -> str:
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return line[:i]
    return line


def _array_table(root: Dict[str, Any], header: str) -> Optional[Dict[str, Any]]:
    """``[[a.b]]``: a new table appended to the array ``a.b`` (made if missing), or None when
    the header is not a key or ``a.b`` is already something other than an array."""
    keys = _keys(header)
    if keys is None:
        return None
    node = root
    for k in keys[:-1]:
        node = node.setdefault(k, {}) if isinstance(node.get(k, {}), dict) else {}
    arr = node.setdefault(keys[-1], [])
    if not isinstance(arr, list):
        return None
    table: Dict[str, Any] = {}
    arr.append(table)
    return table


def _table(root: Dict[str, Any], header: str) -> Optional[Dict[str, Any]]:
    """``[a.b]``: the table ``a.b`` (made if missing; through an array of tables, its last one),
    None when the header is not a key, a detached table when a part is a value."""
    keys = _keys(header)
    if keys is None:
        return None
    node = root
    for k in keys:
        nxt = node.setdefault(k, {})
        node = nxt[-1] if isinstance(nxt, list) and nxt and isinstance(nxt[-1], dict) else nxt
        if not isinstance(node, dict):
            return {}
    return node


_ASSIGNMENT = re.compile(r'((?:"(?:[^"\\]|\\.)*"|\'[^\']*\'|[^=])+)=(.*)$')


def _assign(table: Dict[str, Any], line: str) -> None:
    """``a.b = value`` into ``table``; skipped when the key is malformed or a part is a value."""
    m = _ASSIGNMENT.match(line)
    keys = _keys(m.group(1).strip()) if m else None
    if not keys or m is None:
        return
    node = table
    for k in keys[:-1]:
        node = node.setdefault(k, {})
        if not isinstance(node, dict):
            return
    node[keys[-1]] = _scalar(m.group(2))


def _mini_toml(text: str) -> Dict[str, Any]:
    """The lenient reader: a table header switches the table that ``key = value`` lines go into."""
    root: Dict[str, Any] = {}
    current = root
    for line in text.splitlines():
        line = _strip_comment(line).strip()
        if line.startswith("[[") and line.endswith("]]"):
            table = _array_table(root, line[2:-2])
        elif line.startswith("[") and line.endswith("]"):
            table = _table(root, line[1:-1])
        else:
            if "=" in line:
                _assign(current, line)
            continue
        if table is not None:
            current = table
    return root


def _read_toml(path: str, deadline: float) -> Tuple[Optional[Dict[str, Any]], Optional[str]]:
    """(data, None) or (None, why not). Local files: bounded by size, not time."""
    if time.monotonic() >= deadline:
        return None, M("poetry.deadline", "not read: deadline")
    try:
        with open(path, "rb") as f:
            data = f.read(_READ_CAP + 1)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, M("tools.could_not_be_read", "%s could not be read: %s", path, exc.strerror or exc)
    if len(data) > _READ_CAP:
        return None, M("tools.larger_than", "%s is larger than 1 MB: not read", path)
    return toml_loads(data.decode("utf-8", "replace")), None


# --- find ----------------------------------------------------------------------------


def _shebang_python(script: str, env: Mapping[str, str]) -> Optional[str]:
    """The interpreter a console script runs with (pip's, pipx's and the
    official installer's scripts are all pip-made console scripts)."""
    try:
        with open(script, "rb") as f:
            head = f.read(4096).decode("utf-8", "replace")
    except OSError:
        return None
    lines = head.splitlines()
    if not lines or not lines[0].startswith("#!"):
        return None
    first = lines[0][2:].strip()
    # pip's launcher for a path too long (or with spaces) for a shebang:
    #   #!/bin/sh
    #   '''exec' "/long/path/python" "$0" "$@"
    if first in ("/bin/sh", "/usr/bin/env sh") and len(lines) > 1:
        m = re.match(r"""'''exec' "?([^"]+?)"? "\$0" "\$@"$""", lines[1].strip())
        return m.group(1) if m else None
    parts = first.split()
    if not parts:
        return None
    if os.path.basename(parts[0]) == "env" and len(parts) > 1:
        args = [p for p in parts[1:] if not p.startswith("-")]
        return which(args[0], env) if args else None
    return parts[0]


def find(env: Mapping[str, str], python: Optional[str], deadline: float) -> Optional[Found]:
    exe = which("poetry", env)
    if not exe:
        return None
    # pipx and the official installer put a symlink on PATH; the script it
    # points at carries the venv's interpreter in its shebang.
    interp = _shebang_python(os.path.realpath(exe), env)
    version = None
    if interp:
        version = python_value(interp, "v", env, deadline, imports="from poetry.__version__ import __version__ as v")
    if version is None:
        # Not a Python console script (a pyenv/asdf shim, a wrapper) or an
        # interpreter that cannot import Poetry: ask the command, and say
        # "no interpreter" so that request() reports could_not_run.
        interp = None
        status, _, out = run([exe, "--version"], _child_env(env), deadline, cap=1 << 14)
        m = re.search(r"version ([0-9][^\s)]*)", out)
        version = m.group(1) if m else None
    return Found(tool=NAME, path=exe, version=version, python=interp)


# --- resolve -------------------------------------------------------------------------


def config_dir(env: Mapping[str, str]) -> Tuple[str, str]:
    """(Poetry's config directory, where that came from): poetry/locations.py."""
    if env.get("POETRY_CONFIG_DIR"):
        return env["POETRY_CONFIG_DIR"], "POETRY_CONFIG_DIR"
    home = env.get("HOME") or os.path.expanduser("~")
    if sys.platform == "darwin":  # platformdirs >= 3 (Poetry 1.8 warns about the old Preferences dir)
        return os.path.join(home, "Library", "Application Support", "pypoetry"), "default"
    if sys.platform == "win32":
        return os.path.join(env.get("APPDATA") or os.path.join(home, "AppData", "Roaming"), "pypoetry"), "default"
    xdg = env.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    return os.path.join(xdg, "pypoetry"), "default"


def locate_pyproject(cwd: str) -> Optional[str]:
    """``Factory.locate``: the first pyproject.toml in cwd or a parent."""
    d = os.path.abspath(cwd)
    while True:
        p = os.path.join(d, "pyproject.toml")
        if os.path.isfile(p):
            return p
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _major(version: Optional[str]) -> int:
    m = re.match(r"(\d+)", version or "")
    return int(m.group(1)) if m else 2


def _env_key(keys: List[str]) -> str:
    return "POETRY_" + "_".join(k.upper().replace("-", "_") for k in keys)


def _dig(data: Optional[Dict[str, Any]], keys: List[str]) -> Any:
    node: Any = data or {}
    for k in keys:
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


class _Config:
    """``Config.get`` over the environment, the project's poetry.toml, then config.toml."""

    def __init__(self, env: Mapping[str, str], layers: List[Tuple[str, Optional[Dict[str, Any]]]]):
        self.env = env
        self.layers = layers  # highest first: (source, data)

    def get(self, keys: List[str]) -> Tuple[Any, Optional[str], List[Tuple[str, Any]]]:
        """(value, source, every (source, value) that set it, highest first)."""
        seen: List[Tuple[str, Any]] = []
        name = _env_key(keys)
        if name in self.env:
            seen.append(("environment (%s)" % name, self.env[name]))
        for source, data in self.layers:
            v = _dig(data, keys)
            if v is not None:
                seen.append((source, v))
        return (seen[0][1], seen[0][0], seen) if seen else (None, None, [])

    def repositories(self) -> Dict[str, str]:
        # Config.get("repositories"): POETRY_REPOSITORIES_<NAME>_URL replace the files' table entirely.
        envs = {}
        for k, v in self.env.items():
            m = re.match(r"POETRY_REPOSITORIES_([A-Z_]+)_URL$", k)
            if m:
                envs[m.group(1).lower().replace("_", "-")] = v
        if envs:
            return envs
        merged: Dict[str, str] = {}
        for _, data in reversed(self.layers):
            for name, table in (_dig(data, ["repositories"]) or {}).items():
                if isinstance(table, dict) and isinstance(table.get("url"), str):
                    merged[name] = table["url"]
        return merged


def _segments(path: str) -> List[str]:
    return [s for s in path.split("/") if s]


def match_repository(url: str, repositories: List[Tuple[str, str]], major: int) -> Optional[str]:
    """``Authenticator._get_repository_config_for_url``: the repository whose
    certificates apply to ``url`` (configuration order, then the source)."""
    u = urlsplit(url)
    candidates = []
    for name, repo_url in repositories:
        r = urlsplit(repo_url)
        if major >= 2 and r.scheme == "https" and u.scheme != "https":
            continue
        if r.netloc == u.netloc:
            candidates.append((name, r.path))
    if not candidates:
        return None
    if major >= 2:
        def key(c: Tuple[str, str]) -> Tuple[int, bool]:
            own, other = _segments(c[1]), _segments(u.path)
            shared = 0
            for a, b in zip(own, other):
                if a != b:
                    break
                shared += 1
            return shared, shared == len(own)
    else:
        def key(c: Tuple[str, str]) -> Tuple[int, bool]:  # type: ignore[misc]
            return len(os.path.commonprefix([u.path, c[1]])), False
    candidates.sort(key=key, reverse=True)  # stable: ties keep configuration order
    return candidates[0][0]


def _choose_index(sources: List[Dict[str, Any]], major: int) -> Tuple[Optional[str], str, str]:
    """(source name or None for PyPI, its URL, why): the first repository of the pool."""
    default = primary = None
    explicit_pypi = False
    for s in sources:
        if not isinstance(s, dict):
            continue
        name = str(s.get("name", ""))
        prio = str(s.get("priority", "primary")).lower()
        if major < 2 and "priority" not in s:
            if s.get("default"):
                prio = "default"
            elif s.get("secondary"):
                prio = "secondary"
        if name.lower() == "pypi":
            explicit_pypi = True
            url = PYPI_URL
        else:
            url = str(s.get("url", ""))
        if prio == "default" and major < 2 and default is None:
            default = (name, url)
        elif prio == "primary" and primary is None:
            primary = (name, url)
    pick = default or primary
    if pick:
        if pick[0].lower() == "pypi":
            return None, PYPI_URL, M("poetry.source_named_pypi", "the source named pypi in pyproject.toml")
        return pick[0], pick[1], "pyproject.toml [[tool.poetry.source]] %s (%s)" % (
            pick[0], "default" if pick is default else "primary")
    why = M("poetry.no_primary", "PyPI (no primary source in pyproject.toml)") if not explicit_pypi else "PyPI"
    return None, PYPI_URL, why


def _read_noting(path: str, deadline: float, warnings: List[str]) -> Optional[Dict[str, Any]]:
    """``_read_toml``, its reason for not reading the file (if any) added to ``warnings``."""
    data, why_not = _read_toml(path, deadline)
    if why_not:
        warnings.append(why_not)
    return data


def _source_settings(sources: List[Any], pyproject: Optional[str]) -> List[Setting]:
    """One ``source.<name>`` line per named ``[[tool.poetry.source]]`` (URL redacted)."""
    return [Setting("source.%s" % s["name"], "%s (priority %s)" % (
        redact_url(str(s.get("url", ""))) or "", s.get("priority", "primary")), pyproject or "")
        for s in sources if isinstance(s, dict) and s.get("name")]


def _config_layers(config_toml: str, pyproject: Optional[str], deadline: float,
                   warnings: List[str]) -> List[Tuple[str, Optional[Dict[str, Any]]]]:
    """The configuration files ``Config.get`` reads after the environment, highest first: the
    project's poetry.toml (next to pyproject.toml, merged over) then config.toml."""
    global_cfg = _read_noting(config_toml, deadline, warnings)
    layers: List[Tuple[str, Optional[Dict[str, Any]]]] = []
    if pyproject:
        local_toml = os.path.join(os.path.dirname(pyproject), "poetry.toml")
        local_cfg = _read_noting(local_toml, deadline, warnings)
        if local_cfg is not None:
            layers.append((local_toml, local_cfg))
    if global_cfg is not None:
        layers.append((config_toml, global_cfg))
    return layers


def _certificates_name(cfg: _Config, name: Optional[str], index_url: str, major: int,
                       warnings: List[str]) -> Optional[str]:
    """The repository whose certificates apply to the index page (by URL).

    The source's Authenticator knows the configured repositories plus the
    source itself (add_repository: a dict, so a same-named entry is replaced
    in place and keeps its position).
    """
    repos = cfg.repositories()
    if name is not None:
        repos[name] = index_url
    cert_name = match_repository(project_url(index_url), list(repos.items()), major)
    if cert_name is not None and name is not None and cert_name != name:
        warnings.append(M("poetry.matches_repository", "Poetry matches the index URL to the repository %r (same "
                          "host), so its certificates apply, not those of source %r", cert_name, name))
    return cert_name


def _index_settings(index_url: str, why: str, name: Optional[str], cert_name: Optional[str],
                    pyproject: Optional[str]) -> List[Setting]:
    """The first lines: the index, the source request() adds as Poetry's repository, and the name
    whose certificates.<name>.* apply (what `poetry config certificates.<name>.cert` must name)."""
    out = [Setting("index", redact_url(index_url) or "", why)]
    if name is not None:
        out.append(Setting(SOURCE_SETTING, name, pyproject or ""))
    if cert_name is not None:
        out.append(Setting(CERTIFICATES_SETTING, cert_name, M("poetry.matched_by_url", "matched by URL")))
    return out


def _shown(value: Any) -> str:
    """A configuration value as Poetry's config shows it: booleans lower-case, paths redacted."""
    return str(value).lower() if isinstance(value, bool) else str(redact_text(str(value)))


def _source_verify(cfg: _Config, cert_name: str, settings: List[Setting],
                   warnings: List[str]) -> Tuple[Any, Optional[str]]:
    """(verify, where it was set or None) by ``RepositoryCertificateConfig.create``:
    ``certificates.<name>.verify`` first, else ``certificates.<name>.cert``; True when neither is set.
    Every value found is listed, the one that applies marked effective."""
    verify: Any = True
    cert_source = None
    for key in ("verify", "cert"):
        value, source, seen = cfg.get(["certificates", cert_name, key])
        for i, (src, v) in enumerate(seen):
            settings.append(Setting("certificates.%s.%s" % (cert_name, key), _shown(v), src,
                                    i == 0 and cert_source is None))
        if value is not None and cert_source is None:
            verify, cert_source = value, source
            if isinstance(value, str) and source and source.startswith("environment") and \
                    value.strip().lower() in ("false", "true"):
                # Config._get_normalizer converts only known boolean keys (verified in the lab).
                warnings.append(M("poetry.read_as_path", "%s=%s is read by Poetry as a path named %r, not as a "
                                  "boolean", _env_key(["certificates", cert_name, key]), value, value))
    return verify, cert_source


def _client_cert(cfg: _Config, cert_name: str, settings: List[Setting], warnings: List[str]) -> Optional[str]:
    """``certificates.<name>.client-cert`` (every value found listed), warning when the file is missing."""
    value, _, seen = cfg.get(["certificates", cert_name, "client-cert"])
    for i, (src, v) in enumerate(seen):
        settings.append(Setting("certificates.%s.client-cert" % cert_name, redact_text(str(v)), src, i == 0))
    if not value:
        return None
    client_cert = str(value)
    if not os.path.isfile(client_cert):
        warnings.append(M("poetry.client_cert_missing", "certificates.%s.client-cert names %s, which does "
                          "not exist", cert_name, redact_text(client_cert)))
    return client_cert


_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")  # requests' merge_environment_settings, in order


def _requests_default_trust(found: Found, env: Mapping[str, str], deadline: float, settings: List[Setting],
                            warnings: List[str]) -> Trust:
    """What requests verifies with when Poetry passes ``verify=True``: the first non-empty
    ``*_CA_BUNDLE`` variable (each set one listed), else certifi in Poetry's interpreter."""
    chosen = env_bundle(env, settings, warnings, "Poetry")
    if chosen is not None:
        return chosen
    where = None
    if found.python:
        where = python_value(found.python, "certifi.where()", env, deadline, imports="import certifi")
    return Trust(TrustKind.CERTIFI, where, "default")


def _trust(found: Found, verify: Any, source_cert_name: str, env: Mapping[str, str], deadline: float,
           settings: List[Setting], warnings: List[str]) -> Trust:
    """``verify = certs.cert or certs.verify`` as requests applies it: off, a source's CA path, or
    requests' default."""
    if verify is False:
        return Trust(TrustKind.OFF, None, source_cert_name)
    if isinstance(verify, str) and verify:
        # requests: a directory becomes ca_cert_dir, a missing path an OSError.
        t, warning = bundle_trust(source_cert_name, verify, "Poetry")
        if warning:
            warnings.append(warning)
        return t
    return _requests_default_trust(found, env, deadline, settings, warnings)


def _unused_variables(env: Mapping[str, str], source_verify: bool, source_cert_name: str,
                      settings: List[Setting], warnings: List[str]) -> None:
    """The CA variables that are set but do not apply: ``*_CA_BUNDLE`` when a source's own setting
    decides (``source_verify``), ``SSL_CERT_*`` always."""
    if source_verify:
        for var in _BUNDLE_VARIABLES:
            if env.get(var):
                settings.append(Setting(var, redact_text(env[var]), "environment", False))
                warnings.append(M("poetry.variable_not_used", "%s is not used for this index: %s wins (requests "
                                  "applies the variable only when Poetry passes verify=True)", var, source_cert_name))
    for var in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if env.get(var):
            settings.append(Setting(var, redact_text(env[var]), "environment", False))
            warnings.append(M("poetry.ignores", "Poetry ignores %s (requests reads REQUESTS_CA_BUNDLE, else certifi)",
                              var))


def resolve(found: Found, env: Mapping[str, str], cwd: str, deadline: float) -> Resolved:
    """Poetry's index, the certificates that apply to it and what requests does with them."""
    major = _major(found.version)
    settings: List[Setting] = []
    warnings: List[str] = []

    pyproject = locate_pyproject(cwd)
    project = _read_noting(pyproject, deadline, warnings) if pyproject else None
    if pyproject:
        settings.append(Setting("pyproject.toml", redact_text(pyproject), M("poetry.cwd_or_parent",
                                                                            "the current directory or a parent")))
    sources = _dig(project, ["tool", "poetry", "source"]) or []
    if not isinstance(sources, list):
        sources = []
    settings.extend(_source_settings(sources, pyproject))

    cdir, cdir_source = config_dir(env)
    cfg = _Config(env, _config_layers(os.path.join(cdir, "config.toml"), pyproject, deadline, warnings))

    name, index_url, why = _choose_index(sources, major)
    cert_name = _certificates_name(cfg, name, index_url, major, warnings)
    settings[:0] = _index_settings(index_url, why, name, cert_name, pyproject)

    verify: Any = True
    cert_source = None
    client_cert = None
    if cert_name is not None:
        verify, cert_source = _source_verify(cfg, cert_name, settings, warnings)
        client_cert = _client_cert(cfg, cert_name, settings, warnings)

    source_cert_name = "certificates.%s.cert" % cert_name
    trust = _trust(found, verify, source_cert_name, env, deadline, settings, warnings)
    _unused_variables(env, cert_source is not None or verify is False, source_cert_name, settings, warnings)
    settings.append(Setting("config-dir", redact_text(cdir), cdir_source))

    proxy, proxy_settings = env_proxy(env, index_url)
    settings.extend(proxy_settings)
    return Resolved(found, index_url, tuple(settings), (trust,), proxy, client_cert, tuple(warnings))


# --- request -------------------------------------------------------------------------

# Run in Poetry's own interpreter. Poetry's request() retries a connection
# error five times with a 0.5*n s back-off; the back-off is set to 0 (the
# outcome and its reason are the same, the time is not) and each attempt's
# timeout is a sixth of what is left, so all six fit inside check's deadline.
_SCRIPT = r"""
import sys
url, timeout, project_dir, name, source_url = sys.argv[1:6]
try:
    import os
    from poetry.config.config import Config
    from poetry.utils.authenticator import Authenticator
    config = Config.create()
    local = os.path.join(project_dir, "poetry.toml") if project_dir else ""
    if local and os.path.exists(local):
        from poetry.toml.file import TOMLFile
        config.merge(TOMLFile(local).read())
    auth = Authenticator(config, disable_cache=True)
    auth._get_backoff = lambda response, attempt: 0.0
    if name:
        auth.add_repository(name, source_url)
except Exception as e:
    print("tlsdoctor: Poetry's internals are not importable here: %s: %s" % (type(e).__name__, e))
    sys.exit(3)
try:
    r = auth.request("get", url, raise_for_status=False, timeout=float(timeout))
except BaseException as e:
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        print("%s.%s: %s" % (type(e).__module__, type(e).__name__, e))
        e = e.__cause__ or e.__context__
    sys.exit(1)
print("HTTP %d %s" % (r.status_code, r.reason))
sys.exit(0 if r.status_code < 400 or r.status_code == 404 else 1)
"""

_NOT_IMPORTABLE = 3


def _source_of(resolved: Resolved) -> Tuple[str, str]:
    """(source name, URL) the index came from; ("", "") for PyPI."""
    for s in resolved.settings:
        if s.name == SOURCE_SETTING:
            return s.value, resolved.index_url
    return "", ""


def request(resolved: Resolved, env: Mapping[str, str], deadline: float, workdir: str) -> Request:
    python = resolved.found.python
    if not python:
        return Request(RequestStatus.COULD_NOT_RUN,
                       detail=M("poetry.no_interpreter", "could not tell which interpreter runs %s (no Python "
                                "shebang), so Poetry's own code could not be called", resolved.found.path or "poetry"))
    url = project_url(resolved.index_url)
    name, source_url = _source_of(resolved)
    project_dir = ""
    for s in resolved.settings:
        if s.name == "pyproject.toml":
            project_dir = os.path.dirname(s.value)
            break
    timeout = max(1.0, min(15.0, (deadline - time.monotonic() - 1.0) / 6))
    argv = [python, "-c", _SCRIPT, url, "%.1f" % timeout, project_dir, name, source_url]
    shown = (python, "-c", "Authenticator(Config.create()).request('get', %s)" % redact_url(url))
    start = time.monotonic()
    status, code, out = run(argv, _child_env(env), deadline, cwd=workdir)
    elapsed = time.monotonic() - start
    if code == _NOT_IMPORTABLE and "tlsdoctor: Poetry's internals" in out:
        return Request(RequestStatus.COULD_NOT_RUN, shown, code, out, elapsed, out.strip().splitlines()[-1][:500])
    return Request(RequestStatus(status), shown, code, out, elapsed,
                   out.strip()[:500] if status == RequestStatus.COULD_NOT_RUN.value else "")


__all__ = ["NAME", "PROJECT", "SOURCE_SETTING", "CERTIFICATES_SETTING", "find", "resolve", "request", "toml_loads",
           "match_repository", "config_dir"]
