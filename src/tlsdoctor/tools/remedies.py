"""Per-tool remedies: each tool fixed the way that tool prefers (issue 12 item 3).

``steps(cause, resolved, facts)`` returns typed ``remedies.Step``s, the tool's
preferred switch first; ``groups(...)`` returns the same as alternatives: each
group is one complete change (e.g. "build the full bundle" + "point the tool at
it"), and ``fix --tool`` applies the first group that is wholly automatic. Every
explanation states the blast radius: which other programs the change reaches.

Facts behind the choices (``/work/wt/notes/tools.md``, each verified with the real
tool in ``tests/lab/test_tool_facts.py``):

- uv ignores pip's settings and ``REQUESTS_CA_BUNDLE``; its default roots are its
  bundled webpki roots, not the OS store. ``system-certs = true`` (uv >= 0.11;
  ``native-tls = true`` before, still accepted by 0.13) in the user ``uv.toml``
  makes it use the OS store; ``UV_SYSTEM_CERTS=1`` / ``UV_NATIVE_TLS=1`` likewise.
  ``SSL_CERT_FILE`` replaces its roots; since 0.12 an unloadable one makes it trust
  nothing ("No default certificates will be trusted"), and 0.10's native loader
  also finds nothing then.
- Poetry trusts ``certificates.<source>.cert`` (its ``config.toml``; matched to the
  source by name), which beats ``REQUESTS_CA_BUNDLE``; it ignores ``SSL_CERT_FILE``
  and the OS store (certifi).
- requests: ``REQUESTS_CA_BUNDLE`` (then ``CURL_CA_BUNDLE``, then certifi), never
  ``SSL_CERT_FILE`` nor the OS store.
- httpx: ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``, else certifi; a missing
  ``SSL_CERT_FILE`` crashes it (``FileNotFoundError``) even against a healthy host.

Never produced here: ``allow-insecure-host``, ``cert = false``, ``ssl_verify
false``, a single-CA bundle (every bundle is ``fix.edits.build_bundle``'s: the
public roots + the CA), or a global ``SSL_CERT_FILE`` as uv's or Poetry's first
choice. ``fix.plan``'s gate refuses them again before anything is written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Mapping, Optional, Tuple

from tlsdoctor import remedies
from tlsdoctor.messages import M
from tlsdoctor.remedies import Step

# Causes about the index's CA not being trusted by the tool (toolcheck may add more
# ids; a cause it names "tool-ignores-os-store" or similar lands here too).
TRUST_CAUSES = ("untrusted-private-ca", "tls-interception", "outdated-ca-bundle", "missing-intermediate",
                "trust-store-missing-root", "tool-ignores-os-store", "tool-ignores-ca-setting")
STALE_BUNDLE_CAUSES = ("ca-bundle-path-invalid", "no-default-ca-store")

SSL_CERT_FILE_CLIENTS = M("toolrem.ssl_cert_file_clients", "uv (it replaces uv's roots), httpx, curl, git over https, "
                          "Python's ssl.create_default_context()")
SSL_CERT_FILE_RADIUS = M("toolrem.ssl_cert_file_radius", "SSL_CERT_FILE is read by every OpenSSL-based client of this "
                         "user: %s", SSL_CERT_FILE_CLIENTS)


@dataclass(frozen=True)
class ToolFacts:
    """What the remedies need beyond the tool's own configuration.

    ``os_store_trusts``: the OS store verifies the index's chain (check's "system"
    store attempt); ``ca_file``/``ca_sha256``: the CA the user confirmed (or will
    confirm) — the root of the presented chain or ``--ca-file``; ``base_bundle``: the
    public roots a full bundle is built on (certifi's cacert.pem, else the OS
    bundle); ``bundle``: the tlsdoctor-owned bundle path; ``config_home``: the
    user's ``XDG_CONFIG_HOME``; ``poetry_source``: the Poetry source whose URL is
    the index; ``env``: the environment the tool runs in (names and values, never
    shown)."""

    os_store_trusts: Optional[bool] = None
    ca_file: Optional[str] = None
    ca_sha256: Optional[str] = None
    base_bundle: Optional[str] = None
    bundle: Optional[str] = None
    config_home: Optional[str] = None
    poetry_source: Optional[str] = None
    env: Optional[Mapping[str, str]] = None


def _facts(facts: Any) -> ToolFacts:
    if isinstance(facts, ToolFacts):
        return facts
    if isinstance(facts, Mapping):
        return ToolFacts(**{k: v for k, v in facts.items() if k in ToolFacts.__dataclass_fields__})
    return ToolFacts(os_store_trusts=os_store_trusts(facts))


def os_store_trusts(facts: Any) -> Optional[bool]:
    """From check's facts: did the verified handshake against the OS store (OpenSSL's
    default paths, the probe's ``verify:system``) succeed for the index? None: not probed."""
    hosts = getattr(facts, "hosts", None) or ()
    if not hosts:
        return None
    attempts = getattr(hosts[0], "attempts", None)
    store = getattr(attempts, "store", None)
    if store is None:
        return None
    status = str(getattr(store("system"), "status", "absent"))
    return {"ok": True, "error": False}.get(status)


def _causes(cause: Any) -> Tuple[str, ...]:
    if isinstance(cause, str):
        return (cause,)
    got = getattr(cause, "causes", None)
    if got is not None:
        return tuple(got)
    return tuple(cause or ())


def _version(resolved: Any) -> Tuple[int, ...]:
    v = getattr(getattr(resolved, "found", None), "version", None) or ""
    m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", v)
    return tuple(int(x) for x in m.groups() if x is not None) if m else ()


def _env(resolved: Any, f: ToolFacts) -> Mapping[str, str]:
    return f.env if f.env is not None else os.environ


def _setting(resolved: Any, name: str):
    for s in getattr(resolved, "settings", ()) or ():
        if s.name == name and s.effective:
            return s
    return None


def _where(resolved: Any, name: str) -> Optional[str]:
    s = _setting(resolved, name)
    return s.source if s is not None and s.source not in ("environment", "default") else None


def _config_home(f: ToolFacts, env: Mapping[str, str]) -> str:
    return f.config_home or env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or "~", ".config")


def uv_toml(f: ToolFacts, env: Mapping[str, str]) -> str:
    """uv's user config file (``$XDG_CONFIG_HOME/uv/uv.toml``, as uv's ``user_config_dir``)."""
    return os.path.join(_config_home(f, env), "uv", "uv.toml")


def poetry_config(env: Mapping[str, str], f: ToolFacts) -> str:
    """Poetry's config.toml (``POETRY_CONFIG_DIR`` or platformdirs' user config dir)."""
    try:
        from tlsdoctor.tools.poetry import config_dir  # toolpy's: poetry/locations.py per platform

        return os.path.join(config_dir(env)[0], "config.toml")
    except ImportError:
        pass
    folder = env.get("POETRY_CONFIG_DIR") or os.path.join(_config_home(f, env), "pypoetry")
    return os.path.join(folder, "config.toml")


def _bundle_missing(path: Optional[str]) -> bool:
    return bool(path) and not os.path.isfile(path)  # type: ignore[arg-type]


def _stale(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name)
    if not value:
        return False
    if not os.path.isfile(value):
        return True
    try:
        with open(value, "rb") as fh:
            return b"-----BEGIN CERTIFICATE-----" not in fh.read(1 << 22)
    except OSError:
        return True


def _full_bundle(f: ToolFacts) -> Optional[Step]:
    """The tlsdoctor-owned bundle: the public roots + the confirmed CA (never the CA alone)."""
    if not (f.ca_file and f.bundle and f.base_bundle):
        return None
    why = M("toolrem.bundle", "the tlsdoctor CA bundle: the public roots (%s) plus the confirmed CA",
            f.base_bundle or "certifi")
    return remedies.add_ca_bundle((f.base_bundle,), f.ca_file, f.bundle, why, ca_sha256=f.ca_sha256)


def _bundle_via_env(bundle: Optional[Step], tool: str, var: str, why: str, f: ToolFacts,
                    resolved: Any) -> Tuple[Step, ...]:
    """The full bundle and ``var`` pointing at it, or (no CA confirmed yet) the manual step that asks for one."""
    if bundle is None:
        return (remedies.manual(_manual_bundle_text(tool)),)
    return (bundle, remedies.set_env(var, f.bundle or "", why, source=_where(resolved, var)))


def _manual_bundle_text(tool: str) -> str:
    return M("toolrem.confirm_ca", "confirm the CA first (%s, or --trust-ca-sha256 with the fingerprint IT "
             "publishes): the fix builds a bundle of the public roots plus that CA",
             "tlsdoctor fix --tool %s --ca-file PEM" % tool)


# ------------------------------------------------------------------------- uv

def _uv(causes: Tuple[str, ...], resolved: Any, f: ToolFacts, env: Mapping[str, str]) -> List[Tuple[Step, ...]]:
    key, env_key = _uv_switch_names(resolved)
    path = uv_toml(f, env)
    unset = _uv_unset_stale(resolved, env)
    trust_cause = any(c in TRUST_CAUSES for c in causes)
    out: List[Tuple[Step, ...]] = []
    if f.os_store_trusts:
        out.extend(_uv_os_store_switch(key, env_key, path, unset))
    elif unset and not trust_cause:
        out.append(unset)
    if trust_cause or (unset and not f.os_store_trusts):
        out.extend(_uv_add_ca(key, path, f))
    return out


def _uv_switch_names(resolved: Any) -> Tuple[str, str]:
    """uv's OS store switch, (uv.toml key, variable): ``system-certs`` since 0.11 (also when the
    version is unknown), ``native-tls`` before."""
    ver = _version(resolved)
    key = "system-certs" if not ver or ver[:2] >= (0, 11) else "native-tls"
    return key, "UV_SYSTEM_CERTS" if key == "system-certs" else "UV_NATIVE_TLS"


def _uv_unset_stale(resolved: Any, env: Mapping[str, str]) -> Tuple[Step, ...]:
    """Removing an SSL_CERT_FILE that loads no certificate (or that made uv trust nothing), else ()."""
    trust = getattr(resolved, "trust", ()) or ()
    if not (_stale(env, "SSL_CERT_FILE") or any(str(getattr(t, "kind", "")) == "nothing" for t in trust)):
        return ()
    return (remedies.unset_env(
        "SSL_CERT_FILE",
        M("toolrem.uv_unset_cert_file", "SSL_CERT_FILE names a file with no certificate: uv >= 0.12 then trusts "
          "nothing (\"%s\") and 0.10's OS-store loader finds nothing. Removing it also changes %s (they go back "
          "to their default roots)", "No default certificates will be trusted", SSL_CERT_FILE_CLIENTS),
        source=_where(resolved, "SSL_CERT_FILE")),)


def _uv_os_store_switch(key: str, env_key: str, path: str, unset: Tuple[Step, ...]) -> List[Tuple[Step, ...]]:
    """The OS store trusts the index: uv's switch to it, in uv.toml, else as a variable."""
    return [
        unset + (remedies.set_tool_config(
            "uv", path, key, "true",
            M("toolrem.uv_switch", "%s = true in your uv.toml: uv verifies with the OS store, which trusts the "
              "index's CA. Reaches only uv (every uv command of this user; a project's uv.toml or [tool.uv] can still "
              "override it)", key)),),
        unset + (remedies.set_env(
            env_key, "1", M("toolrem.uv_env_switch", "the same switch as an environment variable in your shell "
                            "start-up file: reaches only uv (in shells started after the change)")),),
    ]


def _uv_add_ca(key: str, path: str, f: ToolFacts) -> List[Tuple[Step, ...]]:
    """uv must be given the CA: through the OS store (when it does not trust it yet), else a full bundle."""
    # uv has no per-index CA setting in uv.toml and `--cert` (0.12) has no environment
    # spelling, so the SSL_CERT_FILE-free path is the OS store itself (root), then the
    # uv.toml switch.
    out: List[Tuple[Step, ...]] = []
    if not f.os_store_trusts:
        out.append((remedies.manual(M(
            "toolrem.uv_os_store", "add the CA to the OS store (as root: copy it to %s and run %s), then set %s = "
            "true in %s: reaches every program that uses the OS store, and uv only through the switch; no global "
            "SSL_CERT_FILE", "/usr/local/share/ca-certificates/", "update-ca-certificates", key, path)),))
    bundle = _full_bundle(f)
    if bundle is not None:
        out.append((bundle, remedies.set_env(
            "SSL_CERT_FILE", f.bundle or "",
            M("toolrem.uv_bundle", "uv replaces its roots with this full bundle (public roots + the CA, so other "
              "hosts keep working). Blast radius: %s all get this bundle instead of their defaults",
              SSL_CERT_FILE_RADIUS)),))
    elif not f.os_store_trusts:
        out.append((remedies.manual(_manual_bundle_text("uv")),))
    return out


# ------------------------------------------------------------------------- Poetry

def poetry_source(resolved: Any, f: ToolFacts) -> Optional[str]:
    """The name whose ``certificates.<name>`` Poetry applies to the index.

    Poetry matches a request's URL to a configured repository or source
    (``tools.poetry.match_repository``); the resolver reports the certificates it
    found under that name, else the sources (``source.<name>`` = "URL (priority p)")."""
    if f.poetry_source:
        return f.poetry_source
    from tlsdoctor.fix._redact import redact_text

    settings = getattr(resolved, "settings", ()) or ()
    for s in settings:
        m = re.match(r"^certificates\.(.+)\.(?:cert|verify|client-cert)$", s.name)
        if m:
            return m.group(1)
    # Setting values are redacted for display: compare the index URL redacted the same way.
    index = redact_text((getattr(resolved, "index_url", "") or "").rstrip("/"))
    for s in settings:
        m = re.match(r"^(?:source|sources|repositories)[.:](.+?)(?:\.url)?$", s.name)
        url = re.sub(r"\s+\(priority [^)]*\)$", "", s.value or "").rstrip("/")
        if m and redact_text(url) == index:
            return m.group(1)
    return None


CLIENT_CERT = "client-cert-required"


def _client_cert(tool: str, resolved: Any, f: ToolFacts) -> Tuple[Step, ...]:
    """The server wants a client certificate: only the user has it (one PEM with the key and
    the certificate), so the step is the exact switch to set, never applied by tlsdoctor."""
    if tool == "poetry":
        from tlsdoctor.fix.toml_edit import format_path

        source = poetry_source(resolved, f) or "<source>"
        key = format_path(("certificates", source, "client-cert"))
        return (remedies.manual(M("toolrem.poetry_client_cert", "%s <PEM with your key and certificate>: Poetry sends "
                                  "it to that source only", "poetry config %s" % key)),)
    if tool == "uv":
        return (remedies.manual(M("toolrem.uv_client_cert", "%s<PEM with your key and certificate> in your shell "
                                  "start-up file: uv sends it to every host it connects to",
                                  "export SSL_CLIENT_CERT=")),)
    return (remedies.manual(M("toolrem.lib_client_cert", "%s has no setting for a client certificate: the script must "
                              "pass %s itself", tool, "cert=(CERT, KEY)")),)


def _poetry(causes: Tuple[str, ...], resolved: Any, f: ToolFacts, env: Mapping[str, str]) -> List[Tuple[Step, ...]]:
    if not (any(c in TRUST_CAUSES for c in causes) or f.os_store_trusts):
        return []
    source = poetry_source(resolved, f)
    if not source:
        return [(remedies.manual(M(
            "toolrem.poetry_no_source", "%s <a bundle of the public roots plus the CA>, for the source whose URL is "
            "the index (tlsdoctor could not tell its name)", "poetry config certificates.<source>.cert")),)]
    from tlsdoctor.fix.toml_edit import format_path

    key = format_path(("certificates", source, "cert"))  # a name with a dot is quoted, as poetry config does
    bundle = _full_bundle(f)
    if bundle is None:
        return [(remedies.manual(_manual_bundle_text("poetry")),)]
    group: Tuple[Step, ...] = ()
    env_name = "POETRY_CERTIFICATES_%s_CERT" % re.sub(r"[^A-Za-z0-9]", "_", source).upper()
    if env.get(env_name):
        group += (remedies.unset_env(env_name, M("toolrem.poetry_env_beats", "%s beats config.toml; remove it so the "
                                                 "source's certificate below is used", env_name),
                                     source=_where(resolved, env_name)),)
    group += (bundle, remedies.set_tool_config(
        "poetry", poetry_config(env, f), key, f.bundle or "",
        M("toolrem.poetry_cert", "Poetry verifies source %r with this full bundle (public roots + the CA). Reaches "
          "only Poetry, only for that source; REQUESTS_CA_BUNDLE, pip and other tools are unchanged", source),
        argv=("poetry", "config", key, f.bundle or "")))
    return [group]


# ------------------------------------------------------------------------- requests / httpx

def _requests(causes, resolved, f: ToolFacts, env) -> List[Tuple[Step, ...]]:
    out: List[Tuple[Step, ...]] = []
    unsets: List[Tuple[Step, ...]] = []
    stale = [name for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE") if _stale(env, name)]
    for name in stale:
        if not any(c in TRUST_CAUSES for c in causes):
            unsets.append((remedies.unset_env(name, M("toolrem.requests_unset", "%s names a file with no certificate; "
                                                   "without it requests uses certifi. Also reaches pip and Poetry "
                                                   "(they read it too)", name),
                                           source=_where(resolved, name)),))
    # A stale bundle with a CA the user confirmed (--ca-file / --trust-ca-sha256): without the variable
    # requests falls back to certifi, which does not hold that CA (bundle-path-missing: a private index),
    # so pointing it at the full bundle comes first; with no CA confirmed, unsetting it is all there is.
    confirmed = bool(stale and f.ca_file)
    if not confirmed:
        out += unsets
    if any(c in TRUST_CAUSES for c in causes) or f.os_store_trusts or confirmed:
        out.append(_bundle_via_env(_full_bundle(f), "requests", "REQUESTS_CA_BUNDLE", M(
            "toolrem.requests_bundle", "requests verifies with this full bundle (public roots + the CA). Blast "
            "radius: every requests-based program of this user, pip too (it then uses this bundle instead of "
            "the OS store) and Poetry sources without their own certificate; not uv, httpx or curl"), f, resolved))
    if confirmed:
        out += unsets
    return out


def _httpx(causes, resolved, f: ToolFacts, env) -> List[Tuple[Step, ...]]:
    out: List[Tuple[Step, ...]] = []
    # A stale SSL_CERT_FILE with a CA the user confirmed: the full bundle replaces it (as for requests).
    trust_problem = (any(c in TRUST_CAUSES for c in causes) or f.os_store_trusts
                     or bool(_stale(env, "SSL_CERT_FILE") and f.ca_file))
    bundle = _full_bundle(f) if trust_problem else None
    if _stale(env, "SSL_CERT_FILE") and bundle is None:
        out.append((remedies.unset_env(
            "SSL_CERT_FILE", M("toolrem.httpx_unset", "SSL_CERT_FILE names a missing or empty file: httpx fails with "
                               "FileNotFoundError before connecting. Removing it also reaches %s",
                               SSL_CERT_FILE_CLIENTS),
            source=_where(resolved, "SSL_CERT_FILE")),))
    if trust_problem:
        out.append(_bundle_via_env(bundle, "httpx", "SSL_CERT_FILE", M(
            "toolrem.httpx_bundle", "httpx verifies with this full bundle (public roots + the CA). Blast "
            "radius: %s all get this bundle instead of their defaults", SSL_CERT_FILE_RADIUS), f, resolved))
    return out


_BY_TOOL = {"uv": _uv, "poetry": _poetry, "requests": _requests, "httpx": _httpx}


def groups(cause: Any, resolved: Any, facts: Any = None) -> Tuple[Tuple[Step, ...], ...]:
    """The alternatives for the tool of ``resolved``, the tool's preferred one first."""
    f = _facts(facts)
    tool = getattr(getattr(resolved, "found", None), "tool", None)
    make = _BY_TOOL.get(tool or "")
    if make is None:
        return ()
    causes = _causes(cause)
    out = [g for g in make(causes, resolved, f, _env(resolved, f)) if g]
    if CLIENT_CERT in causes:
        out.append(_client_cert(tool or "", resolved, f))
    return tuple(out)


def steps(cause: Any, resolved: Any, facts: Any = None) -> Tuple[Step, ...]:
    """``groups`` flattened (the contract the judge renders), preferred first, no repeats."""
    out: List[Step] = []
    for g in groups(cause, resolved, facts):
        for s in g:
            if s not in out:
                out.append(s)
    return tuple(out)


def first_automatic(alternatives: Iterable[Tuple[Step, ...]]) -> Tuple[Step, ...]:
    """The first group ``fix`` can apply as a whole (every step automatic); () if none."""
    for g in alternatives:
        if g and all(getattr(s, "automatic", False) for s in g):
            return g
    return ()
