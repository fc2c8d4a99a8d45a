"""conda: ``.condarc`` resolved statically, by conda's own rules.

No conda client can be installed on the machine tlsdoctor was built on (conda is
not on PyPI; conda-express needs conda.anaconda.org to bootstrap), so nothing
here is confirmed by conda itself: the decisive request is always
``could_not_run``, "could not confirm with conda itself". What *is* done is
conda's configuration resolution, read from conda's source (conda/conda
@0f64223, 2026-08):

* **Files** (``conda/base/constants.py`` ``SEARCH_PATH``, in order):
  ``/etc/conda/.condarc``, ``/etc/conda/condarc``, ``/etc/conda/condarc.d/``,
  ``/var/lib/conda/`` (the same three), ``$CONDA_ROOT/…``,
  ``$XDG_CONFIG_HOME/conda/…``, ``~/.config/conda/…``, ``~/.conda/…``,
  ``~/.condarc``, ``$CONDA_PREFIX/…``, ``$CONDARC``. A variable that is not set
  leaves the entry unexpanded, so it matches nothing
  (``common/configuration.py`` ``custom_expandvars``); a file counts when its
  name is ``.condarc``/``condarc`` or ends ``.yml``/``.yaml``; a directory
  contributes its ``*.yml``/``*.yaml`` files in name order
  (``Configuration._expand_search_path``); a path is read once.
* **Then** ``CONDA_<KEY>`` environment variables (``EnvRawParameter``, e.g.
  ``CONDA_SSL_VERIFY``), after every file.
* **Merging** (``PrimitiveLoadedParameter.merge``): for a single value the
  *last* source wins, unless an earlier one is marked ``#!final`` (then the
  first such one wins; ``!important`` in an environment value). Maps
  (``proxy_servers``) merge key by key the same way; sequences (``channels``)
  concatenate with the later sources' entries first, de-duplicated.
* **Values** (``base/context.py``): ``ssl_verify`` (alias ``verify_ssl``) is
  ``(str, bool)``: ``boolify(return_string=True)`` makes true/yes/on/y True and
  false/off/n/no/none/"" False, anything else a path (which must exist) or
  ``truststore`` (the OS store through truststore, Python >= 3.10);
  ``client_ssl_cert`` (alias ``client_cert``), ``client_ssl_cert_key``,
  ``proxy_servers`` (map scheme -> URL), ``channels``, ``default_channels``,
  ``channel_alias`` (default ``https://conda.anaconda.org``); string values
  expand ``$VAR``.
* **Then requests** (``gateways/connection/session.py`` ``CondaSession``):
  ``session.verify = ssl_verify`` and ``session.proxies.update(proxy_servers)``;
  requests' ``merge_environment_settings`` lets ``REQUESTS_CA_BUNDLE`` /
  ``CURL_CA_BUNDLE`` and the ``*_proxy`` variables (request-level) win over the
  session's values. [inferred from source, not confirmed with conda]

``.condarc`` is YAML; tlsdoctor is stdlib-only, so ``load_condarc`` reads the
subset ``.condarc`` files use (``key: value``, block and flow lists, one level
of nested maps, quotes, comments and ``#!final``/``#!top``/``#!bottom``
flags) and reports a line it cannot read instead of guessing.
"""

from __future__ import annotations

import os
import re
import sys
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple

from tlsdoctor.messages import M
from tlsdoctor.redact import redact_text, redact_url
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, Setting, Trust, TrustKind
from tlsdoctor.tools.requests_lib import _child_env, bundle_trust, env_proxy, run, which

NAME = "conda"
DETAIL = M("conda.detail", "could not confirm with conda itself")
DEFAULT_CHANNEL_ALIAS = "https://conda.anaconda.org"
DEFAULT_CHANNELS = ("https://repo.anaconda.com/pkgs/main", "https://repo.anaconda.com/pkgs/r")
_READ_CAP = 1 << 20

if sys.platform == "win32":  # pragma: no cover - conda/base/constants.py
    _SYSTEM = ("C:/ProgramData/conda/.condarc", "C:/ProgramData/conda/condarc", "C:/ProgramData/conda/condarc.d")
else:
    _SYSTEM = ("/etc/conda/.condarc", "/etc/conda/condarc", "/etc/conda/condarc.d/",
               "/var/lib/conda/.condarc", "/var/lib/conda/condarc", "/var/lib/conda/condarc.d/")
SEARCH_PATH = _SYSTEM + (
    "$CONDA_ROOT/.condarc", "$CONDA_ROOT/condarc", "$CONDA_ROOT/condarc.d/",
    "$XDG_CONFIG_HOME/conda/.condarc", "$XDG_CONFIG_HOME/conda/condarc", "$XDG_CONFIG_HOME/conda/condarc.d/",
    "~/.config/conda/.condarc", "~/.config/conda/condarc", "~/.config/conda/condarc.d/",
    "~/.conda/.condarc", "~/.conda/condarc", "~/.conda/condarc.d/",
    "~/.condarc",
    "$CONDA_PREFIX/.condarc", "$CONDA_PREFIX/condarc", "$CONDA_PREFIX/condarc.d/",
    "$CONDARC",
)
_NAMES = (".condarc", "condarc")
_YAML = (".yml", ".yaml")
# The keys this resolver reads, with conda's aliases (base/context.py).
_ALIASES = {"verify_ssl": "ssl_verify", "client_cert": "client_ssl_cert", "client_cert_key": "client_ssl_cert_key",
            "channel": "channels"}
_VARS = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|%([A-Za-z_][A-Za-z0-9_]*)%")


def expandvars(text: str, env: Mapping[str, str], **extra: str) -> str:
    """conda's ``custom_expandvars``: ``$V``, ``${V}``, ``%V%``; unknown names stay as written."""
    def sub(m: "re.Match[str]") -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        if name in extra:
            return extra[name]
        return env[name] if name in env else m.group(0)
    return _VARS.sub(sub, text) if ("$" in text or "%" in text) else text


# --- a reader for the YAML subset .condarc uses ------------------------------------


class Value:
    """A value from one source, with conda's priority flag (final/top/bottom)."""

    __slots__ = ("value", "flag", "item_flags")

    def __init__(self, value: Any, flag: Optional[str] = None, item_flags: Tuple[Optional[str], ...] = ()):
        self.value = value
        self.flag = flag
        self.item_flags = item_flags


def _split_comment(line: str) -> Tuple[str, Optional[str]]:
    """(text, flag) where flag is final/top/bottom from a trailing ``#!flag``."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            m = re.match(r"#!\s*(final|top|bottom)\b", line[i:])
            return line[:i].rstrip(), (m.group(1) if m else None)
    return line.rstrip(), None


def _scalar(raw: str) -> Any:
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    if raw.startswith("[") and raw.endswith("]"):
        return [_scalar(p) for p in _flow_items(raw[1:-1])]
    if raw.startswith("{") and raw.endswith("}"):
        out = {}
        for p in _flow_items(raw[1:-1]):
            k, sep, v = p.partition(":")
            if sep:
                out[str(_scalar(k))] = _scalar(v)
        return out
    low = raw.lower()
    if low in ("true", "false"):  # YAML 1.2 booleans (ruamel's default)
        return low == "true"
    if low in ("null", "~", ""):
        return None
    return raw


def _flow_items(inner: str) -> List[str]:
    items, buf, quote = [], "", None
    for ch in inner:
        if quote:
            buf += ch
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            buf += ch
        elif ch == ",":
            items.append(buf.strip())
            buf = ""
        else:
            buf += ch
    if buf.strip():
        items.append(buf.strip())
    return items


_KEY = re.compile(r"""^(?:"([^"]*)"|'([^']*)'|([^\s:#][^:#]*?))\s*:(?:\s+(.*)|\s*)$""")


class _Block:
    """The indented lines under a key with no value on its own line: a list (``- item``, each
    item with its own ``#!top``/``#!bottom`` flag) or a map (``sub: value``), never both."""

    def __init__(self, key: str, flag: Optional[str]):
        self.key = key
        self.flag = flag  # the key's own flag (``channels: #!final``)
        self.items: Any = None
        self.item_flags: List[Optional[str]] = []

    def add(self, body: str, flag: Optional[str]) -> Optional[Value]:
        """The key's value with this line added, or None when the line does not fit the block."""
        if body == "-" or body.startswith("- "):
            return self._add_item(body, flag)
        return self._add_entry(body, flag)

    def _add_item(self, body: str, flag: Optional[str]) -> Optional[Value]:
        if self.items is None:
            self.items = []
        if not isinstance(self.items, list):
            return None
        self.items.append(_scalar(body[1:]))
        self.item_flags.append(flag)
        return Value(self.items, self.flag, tuple(self.item_flags))

    def _add_entry(self, body: str, flag: Optional[str]) -> Optional[Value]:
        m = _KEY.match(body)
        if not m or not (self.items is None or isinstance(self.items, dict)):
            return None
        if self.items is None:
            self.items = {}
        self.items[_key_name(m)] = _scalar(m.group(4) or "")
        self.item_flags.append(flag)
        return Value(self.items, self.flag)


def _key_name(m: "re.Match[str]") -> str:
    """The key a ``_KEY`` match names (quoted or bare)."""
    return next(g for g in m.groups()[:3] if g is not None).strip()


def _top_level(body: str, flag: Optional[str]) -> Optional[Tuple[str, Value, bool]]:
    """``key: value`` at the left margin: (key by its canonical name, its value, whether the value
    is the indented block below), or None when the line is not a key."""
    m = _KEY.match(body)
    if not m:
        return None
    name = _key_name(m)
    name = _ALIASES.get(name, name)
    rest = m.group(4)
    if rest is None or rest == "":
        return name, Value(None, flag), True
    return name, Value(_scalar(rest), flag), False


def load_condarc(text: str) -> Tuple[Dict[str, Value], List[str]]:
    """The top-level keys of a ``.condarc`` and the lines that were not understood."""
    out: Dict[str, Value] = {}
    problems: List[str] = []
    block: Optional[_Block] = None  # the key whose value is the indented block below it
    for n, raw in enumerate(text.splitlines(), 1):
        if raw.strip() in ("", "---", "...") or raw.lstrip().startswith("#"):
            continue  # blank, a comment, a document marker
        line, flag = _split_comment(raw)
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        body = line.strip()
        if indent == 0 and not body.startswith("- "):
            top = _top_level(body, flag)
            block = None
            if top is not None:
                name, value, owns_block = top
                out[name] = value
                block = _Block(name, flag) if owns_block else None
                continue
        elif block is not None:
            item = block.add(body, flag)
            if item is not None:
                out[block.key] = item
                continue
        problems.append("line %d: %s" % (n, body[:80]))
    return out, problems


# --- search path and merging ---------------------------------------------------------


def _implied_vars(env: Mapping[str, str], conda_root: Optional[str]) -> Dict[str, str]:
    """The variables conda sets for itself before it expands the search path."""
    extra = {}
    if conda_root and "CONDA_ROOT" not in env:
        extra["CONDA_ROOT"] = conda_root  # conda/__init__.py sets it to sys.prefix when unset
    if "CONDA_PREFIX" not in env and (conda_root or env.get("CONDA_ROOT")):
        # determine_target_prefix: the active environment, else the root prefix
        extra["CONDA_PREFIX"] = conda_root or env["CONDA_ROOT"]
    return extra


def _files_at(path: str) -> List[str]:
    """What one search-path entry contributes: the file itself when its name counts, a
    directory's ``*.yml``/``*.yaml`` files in name order, else nothing."""
    if os.path.isfile(path):
        return [path] if os.path.basename(path) in _NAMES or path.endswith(_YAML) else []
    if not os.path.isdir(path):
        return []
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return []
    return [os.path.join(path, f) for f in names if f.endswith(_YAML) and os.path.isfile(os.path.join(path, f))]


def search_files(env: Mapping[str, str], conda_root: Optional[str] = None) -> List[str]:
    """The configuration files conda reads, in its order (``_expand_search_path``), each once."""
    extra = _implied_vars(env, conda_root)
    home = env.get("HOME") or os.path.expanduser("~")
    out: List[str] = []
    for entry in SEARCH_PATH:
        path = expandvars(entry, env, **extra)
        if "$" in path:  # an unset variable: conda keeps the text, which names no file
            continue
        if path.startswith("~"):
            path = home + path[1:]
        out.extend(_files_at(path))
    return list(dict.fromkeys(out))


def boolify(value: Any) -> Any:
    """conda's ``boolify(value, return_string=True)`` for ``(str, bool)`` settings."""
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    low = text.lower()
    if low in ("true", "yes", "on", "y"):
        return True
    if low in ("false", "off", "n", "no", "non", "none", ""):
        return False
    return text


def _env_sources(env: Mapping[str, str]) -> Dict[str, Value]:
    out: Dict[str, Value] = {}
    for k, v in env.items():
        if not k.startswith("CONDA_"):
            continue
        key = _ALIASES.get(k[6:].lower(), k[6:].lower())
        if key in ("channels", "default_channels"):
            out[key] = Value([s.strip() for s in v.split(",") if s.strip()])
        else:
            parts = v.split("!important")
            out[key] = Value(parts[0].strip(), "final" if len(parts) >= 2 else None)
    return out


def merge_primitive(matches: List[Tuple[str, Value]]) -> Optional[Tuple[str, Value]]:
    """The winner: the first ``#!final`` match, else the last one."""
    for m in matches:
        if m[1].flag == "final":
            return m
    return matches[-1] if matches else None


def _relevant(matches: List[Tuple[str, Value]]) -> List[Tuple[str, Value]]:
    for i, m in enumerate(matches):
        if m[1].flag == "final":
            return matches[: i + 1]
    return matches


def merge_sequence(matches: List[Tuple[str, Value]]) -> List[Any]:
    """``SequenceLoadedParameter.merge``: top-flagged lines, then later sources first, then bottom."""
    rel = _relevant(matches)

    def marked(v: Value, flag: str) -> List[Any]:
        return [x for x, f in zip(v.value, v.item_flags) if f == flag]

    top = [x for _, v in rel for x in marked(v, "top")]
    bottom = [x for _, v in reversed(rel) for x in marked(v, "bottom")]
    lines = [x for _, v in reversed(rel) for x in v.value]
    out: List[Any] = []
    for x in top + lines:
        if x not in out and x not in bottom:
            out.append(x)
    for x in bottom:
        if x not in out:
            out.append(x)
    return out


# --- find / resolve / request --------------------------------------------------------


def _conda_root(exe: Optional[str]) -> Optional[str]:
    if not exe:
        return None
    real = os.path.realpath(exe)
    # <root>/bin/conda (or <root>/condabin/conda): sys.prefix of conda's interpreter.
    return os.path.dirname(os.path.dirname(real))


def find(env: Mapping[str, str], python: Optional[str], deadline: float) -> Optional[Found]:
    exe = which("conda", env) or (env.get("CONDA_EXE") if env.get("CONDA_EXE") and
                                  os.access(env["CONDA_EXE"], os.X_OK) else None)
    version = None
    if exe:
        status, _, out = run([exe, "--version"], _child_env(env), deadline, cap=1 << 14)
        m = re.search(r"conda ([0-9][^\s]*)", out)
        version = m.group(1) if m else None
    elif not search_files(env):
        return None
    return Found(tool=NAME, path=exe, version=version, python=None)


def _read(path: str, deadline: float) -> Tuple[Optional[str], Optional[str]]:
    if time.monotonic() >= deadline:
        return None, M("conda.deadline", "%s not read: deadline", path)
    try:
        with open(path, "rb") as f:
            data = f.read(_READ_CAP + 1)
    except OSError as exc:
        return None, M("tools.could_not_be_read", "%s could not be read: %s", path, exc.strerror or exc)
    if len(data) > _READ_CAP:
        return None, M("tools.larger_than", "%s is larger than 1 MB: not read", path)
    return data.decode("utf-8", "replace"), None


def channel_url(channel: str, alias: str, default_channels: List[Any]) -> str:
    """The base URL conda fetches ``channel``'s repodata from (models/channel.py, simplified)."""
    if channel == "defaults":
        first = str(default_channels[0]) if default_channels else DEFAULT_CHANNELS[0]
        return channel_url(first, alias, []) if first != "defaults" else DEFAULT_CHANNELS[0]
    if re.match(r"^[a-z][a-z0-9+.-]*://", channel):
        return channel.rstrip("/")
    return alias.rstrip("/") + "/" + channel.strip("/")


_Sources = List[Tuple[str, Dict[str, Value]]]  # (file path or "environment", its keys), in merge order


def _read_sources(found: Found, env: Mapping[str, str], deadline: float, warnings: List[str]) -> _Sources:
    """Every configuration file conda reads, then the ``CONDA_*`` variables; a file that cannot
    be read, and the first lines the YAML reader did not understand, go to ``warnings``."""
    sources: _Sources = []
    for path in search_files(env, _conda_root(found.path)):
        text, why_not = _read(path, deadline)
        if why_not:
            warnings.append(why_not)
            continue
        data, problems = load_condarc(text or "")
        for p in problems[:3]:
            warnings.append(M("conda.yaml", "%s: tlsdoctor's YAML reader did not understand %s", path, redact_text(p)))
        sources.append((path, data))
    env_values = _env_sources(env)
    if env_values:
        sources.append(("environment", env_values))
    return sources


def _matches(sources: _Sources, key: str) -> List[Tuple[str, Value]]:
    """(source, value) for each source that sets ``key`` to something other than null."""
    return [(src, d[key]) for src, d in sources if key in d and d[key].value is not None]


def _show(value: Any) -> str:
    """A value as a Setting line shows it: lists and maps item by item, URLs and paths redacted."""
    if isinstance(value, (list, tuple)):
        return ", ".join(redact_url(str(v)) or "" for v in value)
    if isinstance(value, dict):
        return ", ".join("%s: %s" % (k, redact_url(str(v))) for k, v in value.items())
    return redact_text(str(value).lower() if isinstance(value, bool) else str(value))


def _primitive(sources: _Sources, key: str, env: Mapping[str, str],
               settings: List[Setting]) -> Tuple[Any, Optional[str]]:
    """A single-valued key merged as conda does (``merge_primitive``): (its value, ``$VAR``
    expanded, and where it came from), or (None, None). Every source that sets it is listed, the
    winner effective."""
    ms = _matches(sources, key)
    win = merge_primitive(ms)
    for src, v in ms:
        src_name = "environment (CONDA_%s)" % key.upper() if src == "environment" else src
        settings.append(Setting(key, _show(v.value), src_name + (" #!final" if v.flag == "final" else ""),
                                v is (win[1] if win else None)))
    if win is None:
        return None, None
    value = win[1].value
    if isinstance(value, str):
        value = expandvars(value, env)
    return value, win[0]


def _sequence(sources: _Sources, key: str, settings: List[Setting]) -> Optional[List[Any]]:
    """A list key merged as conda does (``merge_sequence``), or None when no source sets it;
    every source that sets it is listed."""
    ms = _matches(sources, key)
    for src, v in ms:
        settings.append(Setting(key, _show(v.value), src))
    return merge_sequence(ms) if ms else None


def _bundle_variable_trust(bundle_env: str, verify: Any, ssl_verify_set: bool, env: Mapping[str, str],
                           settings: List[Setting], warnings: List[str]) -> List[Trust]:
    """What conda's session verifies with when ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` is set.

    requests' merge_environment_settings: the variable is request-level, the
    session's verify (ssl_verify) only the fallback -- even over `false`.
    With truststore the adapter's truststore context stays and the bundle
    is loaded into it as well (urllib3 load_verify_locations).
    """
    trust = []
    if verify == "truststore":
        trust.append(Trust(TrustKind.OS, None, "ssl_verify"))
    settings.append(Setting(bundle_env, redact_text(env[bundle_env]), "environment"))
    t, warning = bundle_trust(bundle_env, env[bundle_env], "conda")
    trust.append(t)
    if warning:
        warnings.append(warning)
    if ssl_verify_set:
        warnings.append(M("conda.bundle_overrides", "%s overrides ssl_verify for conda's requests session "
                          "(inferred from requests' merge_environment_settings; not confirmed with conda)",
                          bundle_env))
    return trust


def _ssl_verify_trust(verify: Any, src: Optional[str], warnings: List[str]) -> Trust:
    """``session.verify = ssl_verify``: off, certifi (requests' default), the OS store through
    truststore, or a bundle path (conda rejects one that does not exist)."""
    name = "ssl_verify"
    if verify is False:
        warnings.append(M("conda.verify_false", "ssl_verify is false: conda verifies no certificate (%s)", src))
        return Trust(TrustKind.OFF, None, name)
    if verify is True:
        return Trust(TrustKind.CERTIFI, None, "default")
    if verify == "truststore":
        return Trust(TrustKind.OS, None, name)
    t, warning = bundle_trust(name, verify)
    if warning:
        warnings.append(M("conda.verify_missing", "ssl_verify names %s, which does not exist: conda rejects the "
                          "setting ('%s')", redact_text(verify),
                          "must be a boolean, a path to a certificate bundle file, …"))
    return t


def _ssl_cert_variables(verify: Any, env: Mapping[str, str], settings: List[Setting], warnings: List[str]) -> None:
    """``SSL_CERT_FILE``/``SSL_CERT_DIR``: listed, and used only by truststore on Linux."""
    for var in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        if env.get(var):
            # truststore on Linux verifies with OpenSSL's default paths
            # (ssl.get_default_verify_paths), which these variables replace;
            # requests' certifi and an explicit path never read them.
            used = verify == "truststore" and sys.platform.startswith("linux")
            settings.append(Setting(var, redact_text(env[var]), "environment", used))
            if used:
                warnings.append(M("conda.truststore_cert_file", "with ssl_verify: truststore, %s replaces the OS "
                                  "store's default location for OpenSSL (inferred; not confirmed with conda)", var))


def _first_channel(sources: _Sources, env: Mapping[str, str], settings: List[Setting]) -> Tuple[str, str]:
    """(the URL of the first channel, that channel as written): the index check probes."""
    alias, _ = _primitive(sources, "channel_alias", env, settings)
    alias = alias or DEFAULT_CHANNEL_ALIAS
    default_channels = _sequence(sources, "default_channels", settings)
    if default_channels is None:
        default_channels = list(DEFAULT_CHANNELS)
    channels = _sequence(sources, "channels", settings)
    if not channels:
        channels = ["defaults"]
        settings.append(Setting("channels", "defaults", "default"))
    return channel_url(str(channels[0]), str(alias), default_channels), str(channels[0])


def _proxy(sources: _Sources, env: Mapping[str, str], index_url: str, settings: List[Setting]) -> Optional[str]:
    """The proxy for ``index_url``: proxy_servers (a map merged key by key), overridden by the
    ``*_proxy`` variables (request-level in requests)."""
    proxy_map: Dict[str, Any] = {}
    for src, v in _relevant(_matches(sources, "proxy_servers")):
        if isinstance(v.value, dict):
            proxy_map.update(v.value)
        settings.append(Setting("proxy_servers", _show(v.value), src))
    env_p, env_settings = env_proxy(env, index_url)
    settings.extend(env_settings)
    scheme = index_url.split(":", 1)[0]
    host = re.sub(r"^[a-z]+://", "", index_url).split("/")[0]
    proxy = env_p or next((str(proxy_map[k]) for k in ("%s://%s" % (scheme, host), scheme, "all")
                           if proxy_map.get(k)), None)
    return expandvars(proxy, env) if proxy is not None else None


def resolve(found: Found, env: Mapping[str, str], cwd: str, deadline: float) -> Resolved:
    """conda's ssl_verify, client certificate, first channel and proxy, merged from its sources."""
    settings: List[Setting] = []
    warnings: List[str] = []
    sources = _read_sources(found, env, deadline, warnings)

    raw, src = _primitive(sources, "ssl_verify", env, settings)
    verify = True if raw is None else boolify(raw)
    bundle_env = next((v for v in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if env.get(v)), None)
    if bundle_env:
        trust = _bundle_variable_trust(bundle_env, verify, raw is not None, env, settings, warnings)
    else:
        trust = [_ssl_verify_trust(verify, src, warnings)]
    _ssl_cert_variables(verify, env, settings, warnings)

    client_cert, _ = _primitive(sources, "client_ssl_cert", env, settings)
    _primitive(sources, "client_ssl_cert_key", env, settings)

    index_url, channel = _first_channel(sources, env, settings)
    settings.insert(0, Setting("index", redact_url(index_url) or "", M("conda.first_channel", "the first channel (%s)",
                                                                       redact_url(channel))))
    proxy = _proxy(sources, env, index_url, settings)
    return Resolved(found, index_url, tuple(settings), tuple(trust), proxy,
                    str(client_cert) if client_cert else None, tuple(warnings))


def request(resolved: Resolved, env: Mapping[str, str], deadline: float, workdir: str) -> Request:
    return Request(RequestStatus.COULD_NOT_RUN, detail=DETAIL)
