"""Frozen, typed records of what the probe found (parsed from its JSON).

The probe (``tlsdoctor/probe/target.py``) runs inside the target interpreter
and prints one JSON object; ``Facts.from_probe`` turns it into these records.
Rules only ever see these records, never the network.

An ``Attempt`` is one probe's outcome. ``status`` keeps "could not run" apart
from "found a problem":

- ``ok``: the probe ran and succeeded;
- ``error``: the probe ran and the peer/path failed (the *finding*);
- ``could_not_run`` / ``deadline`` / ``absent``: no finding either way;
- ``bug``: the probe itself raised (sslyze's BUG_IN_SSLYZE): never a finding
  about the network, neither ok nor failed.

A host's attempts are the named fields of ``HostAttempts``, one per row of the
probe's ``ATTEMPTS`` table (``probe/target.py``; a test holds the two equal).
The wire keys (``"verify:effective"``, ``"variant:TLSv1"``...) are read here
and nowhere else.
"""

from __future__ import annotations

import datetime
import email.utils
import re
from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, Dict, Iterator, List, Optional, Tuple

TLS_ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
SKEW = 300.0  # seconds between this machine's clock and the server's: more than ordinary drift


class _StrEnum(str, Enum):
    """A str-enum that prints as its value on every Python (``"%s" % Status.OK == "ok"``)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


class Status(_StrEnum):
    OK = "ok"
    ERROR = "error"
    COULD_NOT_RUN = "could_not_run"
    DEADLINE = "deadline"
    ABSENT = "absent"
    BUG = "bug"

    @classmethod
    def parse(cls, value: Any) -> "Status":
        try:
            return cls(value or "absent")
        except ValueError:
            # A status this version does not know: no finding either way.
            return cls.COULD_NOT_RUN


class ErrorKind(_StrEnum):
    NETWORK = "network"  # refused / unreachable / DNS / reset before TLS
    TIMEOUT = "timeout"
    PROXY = "proxy"  # CONNECT refused or answered non-2xx
    TLS = "tls"  # handshake or verification
    HTTP = "http"
    OS = "os"  # a local file or permission
    BUG = "bug"  # an exception in the probe itself
    UNKNOWN = "unknown"


def _error_kind(d: Dict[str, Any], status: Status) -> Optional[ErrorKind]:
    """The probe's ``error_kind``; for recordings made before it existed, what the other keys prove."""
    if status is Status.BUG:
        return ErrorKind.BUG
    if status is not Status.ERROR:
        return None
    try:
        return ErrorKind(d["error_kind"])
    except (KeyError, ValueError):
        pass
    if d.get("timeout"):
        return ErrorKind.TIMEOUT
    if d.get("stage") in ("handshake", "after_handshake"):
        return ErrorKind.TLS
    return ErrorKind.UNKNOWN


@dataclass(frozen=True)
class Cert:
    subject: str = ""
    issuer: str = ""
    not_before: Optional[str] = None
    not_after: Optional[str] = None
    not_before_ts: Optional[float] = None
    not_after_ts: Optional[float] = None
    sans: Tuple[str, ...] = ()
    sha256: str = ""
    self_issued: bool = False
    # For tlsdoctor.public_roots.anchor_of (probes before these keys: absent, not guessed).
    spki_sha256: str = ""
    authority_key_id: Optional[str] = None
    pem: Optional[str] = None  # only the top cert of a chain and self-issued ones (target.py chain_info)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Cert":
        return cls(
            subject=d.get("subject") or "",
            issuer=d.get("issuer") or "",
            not_before=d.get("not_before"),
            not_after=d.get("not_after"),
            not_before_ts=d.get("notBefore_ts"),
            not_after_ts=d.get("notAfter_ts"),
            sans=tuple(d.get("sans") or ()),
            sha256=d.get("sha256") or "",
            self_issued=bool(d.get("self_issued")),
            spki_sha256=d.get("spki_sha256") or "",
            authority_key_id=d.get("authority_key_id") or None,
            pem=d.get("pem") or None,
        )

    def valid_at(self, ts: float) -> Optional[bool]:
        if self.not_before_ts is None or self.not_after_ts is None:
            return None
        return self.not_before_ts <= ts <= self.not_after_ts


@dataclass(frozen=True)
class AiaIssuer:
    """What the ``aia_issuer`` attempt found at the leaf's AIA caIssuers URL (probe: aia_issuer_probe)."""

    url: str = ""  # redacted
    proxy: Optional[str] = None  # the proxy it was fetched through (redacted)
    leaf_issuer: str = ""
    cert: Optional[Cert] = None  # the fetched certificate
    is_ca: Optional[bool] = None
    matches_leaf_issuer: Optional[bool] = None  # its subject is the leaf's issuer
    verifies_leaf: Optional[bool] = None  # a handshake trusting only it verifies the leaf (its signature)
    chains_to: Tuple[str, ...] = ()  # stores that, plus it, verify the server's chain

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> Optional["AiaIssuer"]:
        if not d.get("url"):
            return None
        cert = d.get("issuer_cert")
        return cls(url=d.get("url") or "", proxy=d.get("proxy"), leaf_issuer=d.get("leaf_issuer") or "",
                   cert=Cert.from_json(cert) if cert else None, is_ca=(cert or {}).get("is_ca"),
                   matches_leaf_issuer=d.get("matches_leaf_issuer"), verifies_leaf=d.get("verifies_leaf"),
                   chains_to=tuple(d.get("chains_to") or ()))


@dataclass(frozen=True)
class Attempt:
    """One probe's outcome (a TCP connect, a handshake, pip's request...)."""

    name: str  # the wire key ("verify:effective"), for the JSON report
    status: Status = Status.ABSENT
    error_kind: Optional[ErrorKind] = None  # set for error and bug
    stage: Optional[str] = None  # proxy | tcp | handshake | after_handshake | connect
    error: Optional[str] = None
    error_chain: Tuple[str, ...] = ()
    timeout: bool = False
    version: Optional[str] = None
    cipher: Optional[str] = None
    chain: Tuple[Cert, ...] = ()
    http_status: Optional[int] = None
    date: Optional[str] = None
    verify_code: Optional[int] = None
    verify_message: Optional[str] = None
    connect_status: Optional[int] = None
    proxy_authenticate: Optional[str] = None
    speaks_http: Optional[bool] = None
    first_bytes: Optional[str] = None
    tls_to_proxy: Optional["Attempt"] = None
    tls_to_proxy_verify: Optional["Attempt"] = None
    cafile: Optional[str] = None
    elapsed: Optional[float] = None
    errno: Optional[int] = None
    host: Optional[str] = None  # set when the attempt was at another host (variant:second_host)
    aia: Optional[AiaIssuer] = None  # aia_issuer only

    @classmethod
    def from_json(cls, name: str, d: Optional[Dict[str, Any]]) -> "Attempt":
        if not d:
            return cls(name=name)
        ttp = d.get("tls_to_proxy")
        ttpv = d.get("tls_to_proxy_verify")
        status = Status.parse(d.get("status"))
        return cls(
            name=name,
            status=status,
            error_kind=_error_kind(d, status),
            stage=d.get("stage"),
            error=d.get("error"),
            error_chain=tuple(d.get("error_chain") or ()),
            timeout=bool(d.get("timeout")),
            version=d.get("version"),
            cipher=d.get("cipher"),
            chain=tuple(Cert.from_json(c) for c in d.get("chain") or ()),
            http_status=d.get("http_status"),
            date=d.get("date"),
            verify_code=d.get("verify_code"),
            verify_message=d.get("verify_message"),
            connect_status=d.get("connect_status"),
            proxy_authenticate=d.get("proxy_authenticate"),
            speaks_http=d.get("speaks_http"),
            first_bytes=d.get("first_bytes"),
            tls_to_proxy=cls.from_json(name + ".tls_to_proxy", ttp) if ttp else None,
            tls_to_proxy_verify=cls.from_json(name + ".tls_to_proxy_verify", ttpv) if ttpv else None,
            cafile=d.get("cafile"),
            elapsed=d.get("elapsed"),
            errno=d.get("errno"),
            host=d.get("host"),
            aia=AiaIssuer.from_json(d) if name.endswith("aia_issuer") else None,
        )

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    @property
    def failed(self) -> bool:
        """The probe ran and found a failure (not: could not run, not a bug of ours)."""
        return self.status is Status.ERROR

    @property
    def ran(self) -> bool:
        return self.status in (Status.OK, Status.ERROR)

    @property
    def present(self) -> bool:
        """The probe launched this attempt (whatever came of it)."""
        return self.status is not Status.ABSENT

    @property
    def unfinished(self) -> bool:
        """Launched, but no answer either way: the deadline, could not run, or a bug of ours."""
        return self.status in (Status.DEADLINE, Status.COULD_NOT_RUN, Status.BUG)

    @property
    def text(self) -> str:
        """All the error text of this attempt, lower-cased, for mechanism checks."""
        parts = [self.error or "", self.verify_message or ""] + list(self.error_chain)
        return " | ".join(parts).lower()


@dataclass(frozen=True)
class Bundle:
    path: str
    exists: Optional[bool] = None
    is_file: Optional[bool] = None
    is_dir: Optional[bool] = None
    readable: Optional[bool] = None
    pem_certificates: Optional[int] = None
    loaded: Optional[int] = None
    load_error: Optional[str] = None
    read_error: Optional[str] = None
    looks_like: Optional[str] = None
    mtime: Optional[float] = None
    expect_dir: bool = False
    hashed_entries: Optional[int] = None

    @classmethod
    def from_json(cls, d: Optional[Dict[str, Any]]) -> Optional["Bundle"]:
        if not d or not d.get("path"):
            return None
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__ if k in d})

    @property
    def problem(self) -> Optional[str]:
        """Why this bundle cannot be used, or None when it looks usable."""
        if self.exists is False:
            return "does not exist"
        if self.readable is False:
            return "cannot be read (%s)" % (self.read_error or "permission denied")
        if self.is_dir:
            # requests takes a directory as verify= (capath), OpenSSL as SSL_CERT_DIR:
            # usable only with c_rehash-style hash links.
            if self.hashed_entries == 0:
                return "is a directory without OpenSSL hash links (c_rehash), so it provides no CA"
            return None
        if self.expect_dir:
            return "is not a directory"
        if self.readable is False:
            return "cannot be read (%s)" % (self.read_error or "permission denied")
        if self.pem_certificates == 0:
            kind = {"der": "DER, not PEM", "empty": "empty", "utf-16": "UTF-16 text, not PEM"}.get(
                self.looks_like or "", "not PEM"
            )
            return "holds no PEM certificate (%s)" % kind
        if self.load_error:
            return "OpenSSL cannot load it (%s)" % self.load_error
        return None


@dataclass(frozen=True)
class Session:
    """What pip's own session really uses for one URL (requests' merge)."""

    trust_env: Optional[bool] = None
    session_verify: Any = None
    effective_verify: Any = None
    effective_cert: Any = None
    proxy_for_url: Optional[str] = None
    uses_truststore: bool = False
    ssl_context_type: Optional[str] = None
    insecure_prefixes: Tuple[str, ...] = ()
    error: Optional[str] = None
    effective_bundle: Optional[Bundle] = None

    @classmethod
    def from_json(cls, d: Optional[Dict[str, Any]]) -> Optional["Session"]:
        if not d:
            return None
        return cls(
            trust_env=d.get("trust_env"),
            session_verify=d.get("session_verify"),
            effective_verify=d.get("effective_verify"),
            effective_cert=d.get("effective_cert"),
            proxy_for_url=d.get("proxy_for_url"),
            uses_truststore=bool(d.get("uses_truststore")),
            ssl_context_type=d.get("ssl_context_type"),
            insecure_prefixes=tuple(d.get("insecure_prefixes") or ()),
            error=d.get("error") or d.get("merge_error"),
            effective_bundle=Bundle.from_json(d.get("effective_verify_bundle")),
        )


@dataclass(frozen=True)
class Truststore:
    """What pip's vendored truststore loads on this machine (the probe's ``truststore_facts``).

    ``backend``: ``_openssl`` (Linux and every other non-Windows, non-macOS system: OpenSSL's paths
    matter), ``_macos`` / ``_windows`` (the OS verifies; OpenSSL's default store is never read).
    ``loads``: ``default_verify_paths`` (OpenSSL's default cafile exists or its capath holds hashed
    certs), ``fallback`` (the first existing of ``candidates``: ``fallback_file``) or ``nothing``
    (no candidate exists, or this truststore has no candidate list: ``candidates`` is None)."""

    backend: Optional[str] = None
    candidates: Optional[Tuple[str, ...]] = None
    default_store_usable: Optional[bool] = None
    loads: Optional[str] = None
    fallback_file: Optional[str] = None
    os_bundles_elsewhere: Tuple[str, ...] = ()
    error: Optional[str] = None

    @classmethod
    def from_json(cls, d: Optional[Dict[str, Any]]) -> Optional["Truststore"]:
        if not d:
            return None
        cands = d.get("candidates")
        return cls(backend=d.get("backend"), candidates=tuple(cands) if isinstance(cands, list) else None,
                   default_store_usable=d.get("default_store_usable"), loads=d.get("loads"),
                   fallback_file=d.get("fallback_file"),
                   os_bundles_elsewhere=tuple(d.get("os_bundles_elsewhere") or ()), error=d.get("error"))

    @property
    def sees_no_roots(self) -> bool:
        """Measured: truststore's OpenSSL backend loads no CA file or directory at all (pip's trust is
        then certifi alone)."""
        return self.backend == "_openssl" and self.loads == "nothing"


# The probe's attempt vocabulary: name -> wire key (the probe's ``ATTEMPTS``
# table, name and wire-key columns; ``tests/rules/test_attempt_vocabulary.py``
# holds the two equal). ``verify`` has one attempt per trust store.
WIRE_KEYS: Tuple[Tuple[str, str], ...] = (
    ("pip_request", "pip_request"),
    ("tcp", "tcp"),
    ("proxy", "proxy"),
    ("tls", "tls"),
    ("verify", "verify:{store}"),
    ("verify_nohost", "verify_nohost:effective"),
    ("verify_strict", "verify_strict:effective"),
    ("verify_nostrict", "verify_nostrict:effective"),
    ("plain_http", "variant:plain_http"),
    ("second_host", "variant:second_host"),
    ("tls_v1", "variant:TLSv1"),
    ("tls_v1_1", "variant:TLSv1.1"),
    ("tls_v1_2", "variant:TLSv1.2"),
    ("tls_v1_3", "variant:TLSv1.3"),
    ("wide_ciphers", "variant:wide_ciphers"),
    ("legacy_renegotiation", "variant:legacy_renegotiation"),
    ("client_cert", "variant:client_cert"),
    ("direct", "variant:direct"),
    ("aia_issuer", "aia_issuer"),
)
WIRE = dict(WIRE_KEYS)
# What each attempt measures (the probe table's third column; the report's variants_legend).
ATTEMPT_WHAT = {
    "pip_request": "pip's own request through pip's own session, retries off",
    "tcp": "TCP connect to the index (no proxy)",
    "proxy": "TCP to the proxy, then CONNECT to the index",
    "tls": "handshake without verification; the presented chain",
    "verify": "verified handshake against one trust store",
    "verify_nohost": "pip's store, hostname not checked",
    "verify_strict": "pip's store with VERIFY_X509_STRICT",
    "verify_nostrict": "pip's store without VERIFY_X509_STRICT",
    "plain_http": "plain HTTP on the index port",
    "second_host": "another host through the same proxy (its chain)",
    "tls_v1": "only TLS 1.0, every cipher at @SECLEVEL=0",
    "tls_v1_1": "only TLS 1.1, every cipher at @SECLEVEL=0",
    "tls_v1_2": "only TLS 1.2, every cipher at @SECLEVEL=0",
    "tls_v1_3": "only TLS 1.3",
    "wide_ciphers": "every cipher at @SECLEVEL=0",
    "legacy_renegotiation": "OP_LEGACY_SERVER_CONNECT",
    "client_cert": "a throwaway client certificate offered",
    "direct": "the same handshake bypassing the proxy",
    "aia_issuer": "the leaf's AIA caIssuers certificate (http://), and whether it completes the chain",
}
# The ``variant:`` attempts at the index itself, by their display name (the
# wire suffix: what the report's "variants:" line and ``variants_legend`` use).
VARIANT_NAMES = {name: wire[len("variant:"):] for name, wire in WIRE_KEYS
                 if wire.startswith("variant:") and name != "second_host"}
TLS_VERSION_ATTEMPTS = (("TLSv1", "tls_v1"), ("TLSv1.1", "tls_v1_1"), ("TLSv1.2", "tls_v1_2"), ("TLSv1.3", "tls_v1_3"))


def _absent(name: str) -> Attempt:
    return Attempt(name=WIRE[name])


@dataclass(frozen=True)
class HostAttempts:
    """Every measurement of one host, one named field per row of the probe's ATTEMPTS table."""

    pip_request: Attempt = field(default_factory=lambda: _absent("pip_request"))
    tcp: Attempt = field(default_factory=lambda: _absent("tcp"))
    proxy: Attempt = field(default_factory=lambda: _absent("proxy"))
    tls: Attempt = field(default_factory=lambda: _absent("tls"))
    verify: Dict[str, Attempt] = field(default_factory=dict)  # by trust store: effective, certifi, system...
    verify_nohost: Attempt = field(default_factory=lambda: _absent("verify_nohost"))
    verify_strict: Attempt = field(default_factory=lambda: _absent("verify_strict"))
    verify_nostrict: Attempt = field(default_factory=lambda: _absent("verify_nostrict"))
    plain_http: Attempt = field(default_factory=lambda: _absent("plain_http"))
    second_host: Attempt = field(default_factory=lambda: _absent("second_host"))
    tls_v1: Attempt = field(default_factory=lambda: _absent("tls_v1"))
    tls_v1_1: Attempt = field(default_factory=lambda: _absent("tls_v1_1"))
    tls_v1_2: Attempt = field(default_factory=lambda: _absent("tls_v1_2"))
    tls_v1_3: Attempt = field(default_factory=lambda: _absent("tls_v1_3"))
    wide_ciphers: Attempt = field(default_factory=lambda: _absent("wide_ciphers"))
    legacy_renegotiation: Attempt = field(default_factory=lambda: _absent("legacy_renegotiation"))
    client_cert: Attempt = field(default_factory=lambda: _absent("client_cert"))
    direct: Attempt = field(default_factory=lambda: _absent("direct"))
    aia_issuer: Attempt = field(default_factory=lambda: _absent("aia_issuer"))

    @classmethod
    def from_wire(cls, wire: Dict[str, Attempt]) -> "HostAttempts":
        """From the probe's ``{wire key: Attempt}`` of one host; keys this version does not know are kept
        only in ``Host.wire`` (for the JSON report), never guessed at."""
        by_key = {key: name for name, key in WIRE_KEYS if "{" not in key}
        named: Dict[str, Any] = {}
        stores: Dict[str, Attempt] = {}
        for key, a in wire.items():
            if key.startswith("verify:"):
                stores[key[len("verify:"):]] = a
            elif key in by_key:
                named[by_key[key]] = a
        return cls(verify=stores, **named)

    def store(self, name: str) -> Attempt:
        """The verified handshake against one trust store (``effective`` = what pip uses)."""
        return self.verify.get(name) or Attempt(name="verify:" + name)

    @property
    def effective(self) -> Attempt:
        return self.store("effective")

    def variants(self, exclude: Tuple[str, ...] = ()) -> Dict[str, Attempt]:
        """The launched ``variant:`` attempts at *this* host, by display name (not the second host).

        ``exclude`` names fields (``"direct"``, ``"plain_http"``) to leave out."""
        out = {}
        for name, label in VARIANT_NAMES.items():
            a = getattr(self, name)
            if name in exclude:
                continue
            if a.present:
                out[label] = a
        return out

    def tls_versions(self) -> Dict[str, Attempt]:
        """The single-version handshakes that were launched, by TLS version."""
        return {v: getattr(self, n) for v, n in TLS_VERSION_ATTEMPTS if getattr(self, n).present}

    def named(self) -> Iterator[Tuple[str, Attempt]]:
        """(name, attempt) of every field but ``verify``, for generic checks (deciding attempts)."""
        for f in fields(self):
            if f.name != "verify":
                yield f.name, getattr(self, f.name)


@dataclass(frozen=True)
class Host:
    """Everything probed for one configured index host."""

    url: str
    host: str
    port: int
    scheme: str
    session: Optional[Session]
    attempts: HostAttempts = field(default_factory=HostAttempts)
    # Every attempt the probe reported, by wire key, in the probe's order (the JSON report's "probes").
    wire: Dict[str, Attempt] = field(default_factory=dict, compare=False, repr=False)

    @property
    def pip(self) -> Attempt:
        return self.attempts.pip_request

    @property
    def proxy(self) -> Optional[str]:
        return self.session.proxy_for_url if self.session else None

    @property
    def verdict_attempt(self) -> Attempt:
        """pip's own outcome when it was attempted; else the stdlib verified handshake."""
        if self.pip.status in (Status.OK, Status.ERROR, Status.DEADLINE):
            return self.pip
        return self.attempts.effective

    @property
    def failed(self) -> bool:
        """pip's request failed, or did not finish by the deadline (a timeout is a finding too)."""
        return self.verdict_attempt.status in (Status.ERROR, Status.DEADLINE)

    def all_attempts(self) -> List[Attempt]:
        """Every launched attempt, in the probe's order, except those that hit a bug of the probe's
        own (their text is a traceback, never evidence about the network)."""
        return [a for a in self.wire.values() if a.status is not Status.BUG]

    def bugs(self) -> List[Attempt]:
        """Attempts the probe could not make because of a bug of its own ("could not run (bug)")."""
        return [a for a in self.wire.values() if a.status is Status.BUG]

    def variants(self) -> Dict[str, Attempt]:
        """Other attempts at *this* host (the second host through the proxy is another server)."""
        return self.attempts.variants()

    @property
    def second_host(self) -> Attempt:
        """Another host reached through the same proxy (``check --second-host``)."""
        return self.attempts.second_host

    @property
    def server_time(self) -> Optional[float]:
        """The server's HTTP Date, from whichever probe saw one."""
        for a in [self.pip] + self.all_attempts():
            if a.date:
                try:
                    return email.utils.parsedate_to_datetime(a.date).timestamp()
                except (TypeError, ValueError, IndexError):
                    continue
        return None

    @property
    def resigned_by_local_ca(self) -> bool:
        """pip works with this host only thanks to a CA that certifi lacks and that is no public root
        (tlsdoctor.public_roots): an intercepting middlebox or a private CA, trusted locally. It breaks
        with another bundle. Decided from the chain, never from the host's name."""
        if not (self.pip.ok and self.attempts.store("certifi").failed and self.attempts.tls.chain):
            return False
        from tlsdoctor import public_roots

        try:
            return public_roots.anchor_of(self.attempts.tls.chain) is None
        except (OSError, ValueError):  # the shipped list cannot be read: no claim either way
            return False


@dataclass(frozen=True)
class ModuleOrigin:
    """Where ``ssl`` / ``_ssl`` was (or would be) imported from in pip's environment."""

    path: Optional[str] = None  # "built-in" for a built-in _ssl
    in_stdlib: Optional[bool] = None
    error: Optional[str] = None

    @classmethod
    def from_json(cls, d: Optional[Dict[str, Any]]) -> Optional["ModuleOrigin"]:
        if not isinstance(d, dict):
            return None
        return cls(path=d.get("path"), in_stdlib=d.get("in_stdlib"), error=d.get("error"))


@dataclass(frozen=True)
class PythonEnvironment:
    """What acts on pip's imports besides the interpreter (probe: ``facts.python.environment``)."""

    variables: Dict[str, str] = field(default_factory=dict)  # PYTHONPATH, PYTHONHOME, PYTHONUSERBASE... that are set
    isolated: bool = False  # -I / -E: then the variables had no effect
    ignore_environment: bool = False
    user_site: Dict[str, Any] = field(default_factory=dict)  # enabled, path, exists, in_sys_path
    sitecustomize: Dict[str, Any] = field(default_factory=dict)  # loaded, path
    usercustomize: Dict[str, Any] = field(default_factory=dict)
    ssl: Optional[ModuleOrigin] = None
    ssl_c: Optional[ModuleOrigin] = None  # _ssl
    shadowed: Tuple[str, ...] = ()  # of ssl, _ssl: imported from outside the interpreter's own stdlib
    preloaded_outside_stdlib: Tuple[str, ...] = ()

    @classmethod
    def from_json(cls, d: Optional[Dict[str, Any]]) -> "PythonEnvironment":
        d = d if isinstance(d, dict) else {}
        return cls(
            variables={str(k): str(v) for k, v in (d.get("variables") or {}).items()},
            isolated=bool(d.get("isolated")),
            ignore_environment=bool(d.get("ignore_environment")),
            user_site=dict(d.get("user_site") or {}),
            sitecustomize=dict(d.get("sitecustomize") or {}),
            usercustomize=dict(d.get("usercustomize") or {}),
            ssl=ModuleOrigin.from_json(d.get("ssl")),
            ssl_c=ModuleOrigin.from_json(d.get("_ssl")),
            shadowed=tuple(d.get("shadowed") or ()),
            preloaded_outside_stdlib=tuple(d.get("preloaded_outside_stdlib") or ()),
        )

    def origin(self, module: str) -> Optional[ModuleOrigin]:
        return self.ssl if module == "ssl" else self.ssl_c if module == "_ssl" else None

    def put_there_by(self, path: Optional[str]) -> Optional[str]:
        """The variable (or "the user site") that makes Python import from ``path``, if one does."""
        import os.path

        if not path or self.isolated or self.ignore_environment:
            return None
        p = os.path.normpath(path)

        def under(d: str) -> bool:
            d = os.path.normpath(d)
            return bool(d) and (p == d or p.startswith(d.rstrip(os.sep) + os.sep))

        for entry in (self.variables.get("PYTHONPATH") or "").split(os.pathsep):
            if entry and under(entry):
                return "PYTHONPATH"
        if self.variables.get("PYTHONHOME") and under(self.variables["PYTHONHOME"]):
            return "PYTHONHOME"
        us = self.user_site.get("path")
        if us and self.user_site.get("enabled") and under(us):
            return "PYTHONUSERBASE" if self.variables.get("PYTHONUSERBASE") else "the user site"
        return None


@dataclass(frozen=True)
class Facts:
    python_version: str
    python_version_info: Tuple[int, ...]
    executable: str
    implementation: str
    platform: str
    ssl_import_error: Optional[str]
    openssl_version: Optional[str]
    openssl_version_info: Tuple[int, ...]
    supported_versions: Tuple[str, ...]
    default_minimum_version: Optional[str]
    default_maximum_version: Optional[str]
    default_x509_strict: bool
    local_handshake_version: Optional[str]
    default_verify_paths: Dict[str, Any]
    pip_version: Optional[str]
    pip_location: Optional[str]
    pip_import_error: Optional[str]
    pip_vendored: Dict[str, Optional[str]]
    certifi: Optional[Bundle]
    pip_options: Dict[str, Any]
    pip_options_error: Optional[str]
    pip_config: Dict[str, Any]
    ca_env: Dict[str, Tuple[str, Optional[Bundle]]]
    other_ca_env: Dict[str, str]
    proxy_env: Dict[str, str]
    pip_env: Dict[str, str]
    openssl_conf: Optional[Dict[str, Any]]
    loader_env: Dict[str, str]
    pip_bundles: Dict[str, Optional[Bundle]]
    target_time: Optional[float]
    hosts: Tuple[Host, ...]
    # Filled by tlsdoctor itself, not the target:
    checker_time: Optional[float] = None
    checker_ssl_error: Optional[str] = None
    without_openssl_conf: Optional[Tuple[Host, ...]] = None
    # A faked clock in the target's environment (libfaketime: FAKETIME*, LD_PRELOAD).
    faketime_env: Dict[str, str] = field(default_factory=dict)
    ld_preload: Optional[str] = None
    # The probe measured without OPENSSL_CONF (a FIFO/device/over-cap file): why.
    openssl_conf_ignored: Optional[str] = None
    python_env: PythonEnvironment = field(default_factory=PythonEnvironment)
    # What pip's truststore loads (None: not measured, or pip has no truststore).
    truststore: Optional[Truststore] = None
    raw: Dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # ---- derived facts (pure)
    @property
    def has_ssl(self) -> bool:
        return self.ssl_import_error is None

    @property
    def highest_tls(self) -> Optional[str]:
        """The highest TLS version this interpreter can speak (seed 004's question)."""
        if self.local_handshake_version in TLS_ORDER:
            return self.local_handshake_version  # measured: build + configuration
        versions = [v for v in TLS_ORDER if v in self.supported_versions]
        if self.default_maximum_version in TLS_ORDER:
            versions = [v for v in versions if TLS_ORDER.index(v) <= TLS_ORDER.index(self.default_maximum_version)]
        return versions[-1] if versions else None

    @property
    def pip_tuple(self) -> Tuple[int, ...]:
        return version_tuple(self.pip_version)

    @property
    def truststore_expected(self) -> bool:
        """pip >= 24.2 on Python >= 3.10 adds the OS store by default (unless legacy-certs)."""
        return (
            self.pip_tuple >= (24, 2)
            and tuple(self.python_version_info[:2]) >= (3, 10)
            and "legacy-certs" not in (self.pip_options.get("deprecated_features_enabled") or [])
        )

    @property
    def failing_hosts(self) -> List[Host]:
        return [h for h in self.hosts if h.failed]

    @property
    def clock_skew(self) -> Optional[float]:
        """This machine's clock minus the first index host's HTTP Date (seconds), when both are known."""
        if not self.target_time:
            return None
        for h in self.hosts:
            st = h.server_time
            if st is not None:
                return self.target_time - st
        return None

    @classmethod
    def from_probe(cls, data: Dict[str, Any], checker_time: Optional[float] = None,
                   checker_ssl_error: Optional[str] = None,
                   without_openssl_conf: Optional[Dict[str, Any]] = None) -> "Facts":
        f = data.get("facts") or {}
        return cls(
            **_interpreter_fields(f),
            **_pip_fields(f.get("pip") or {}),
            **_env_fields(f.get("env") or {}),
            target_time=f.get("time"),
            hosts=_hosts(data),
            checker_time=checker_time,
            checker_ssl_error=checker_ssl_error,
            without_openssl_conf=_hosts(without_openssl_conf) if without_openssl_conf else None,
            raw=data,
        )


def _interpreter_fields(f: Dict[str, Any]) -> Dict[str, Any]:
    py = f.get("python") or {}
    s = f.get("ssl") or {}
    return dict(
        python_version=py.get("version") or "?",
        python_version_info=tuple(py.get("version_info") or ()),
        executable=py.get("executable") or "",
        implementation=py.get("implementation") or "",
        platform=py.get("platform") or "",
        ssl_import_error=s.get("ssl_import_error"),
        openssl_version=s.get("openssl_version"),
        openssl_version_info=tuple(s.get("openssl_version_info") or ()),
        supported_versions=tuple(s.get("supported_versions") or ()),
        default_minimum_version=s.get("default_minimum_version"),
        default_maximum_version=s.get("default_maximum_version"),
        default_x509_strict=bool(s.get("default_x509_strict")),
        local_handshake_version=(s.get("local_handshake") or {}).get("version"),
        default_verify_paths=s.get("default_verify_paths") or {},
        openssl_conf_ignored=s.get("openssl_conf_ignored"),
        python_env=PythonEnvironment.from_json(py.get("environment")),
    )


def _pip_fields(pip: Dict[str, Any]) -> Dict[str, Any]:
    return dict(
        pip_version=pip.get("version"),
        pip_location=pip.get("location"),
        pip_import_error=pip.get("import_error"),
        pip_vendored={k: pip.get(k + "_version") for k in ("urllib3", "requests", "certifi", "truststore")},
        certifi=Bundle.from_json(pip.get("certifi_bundle")),
        pip_options=pip.get("options") or {},
        # The loader's own message (e.g. "File contains no section headers")
        # says more than the option parser's exit status.
        pip_options_error=(pip.get("config") or {}).get("error") or pip.get("options_error"),
        pip_config=pip.get("config") or {},
        pip_bundles={k: Bundle.from_json(v) for k, v in (pip.get("bundles") or {}).items()},
        truststore=Truststore.from_json(pip.get("truststore")),
    )


def _env_fields(env: Dict[str, Any]) -> Dict[str, Any]:
    ca_env = {}
    for name, entry in (env.get("ca") or {}).items():
        ca_env[name] = (entry.get("value") or "", Bundle.from_json(entry.get("bundle")))
    return dict(
        ca_env=ca_env,
        other_ca_env=env.get("other_ca") or {},
        proxy_env=env.get("proxy") or {},
        pip_env=env.get("pip") or {},
        openssl_conf=env.get("openssl_conf"),
        loader_env=env.get("loader") or {},
        faketime_env=dict(env.get("faketime") or {}),
        ld_preload=env.get("ld_preload"),
    )


def _hosts(data: Dict[str, Any]) -> Tuple[Host, ...]:
    from urllib.parse import urlsplit

    f = data.get("facts") or {}
    probes = data.get("probes") or {}
    sessions = data.get("sessions") or {}
    hosts = []
    for i, url in enumerate(f.get("targets") or ()):
        parts = urlsplit(url)
        prefix = "%d:" % i
        wire = {
            k[len(prefix):]: Attempt.from_json(k[len(prefix):], v)
            for k, v in probes.items()
            if k.startswith(prefix)
        }
        hosts.append(
            Host(
                url=url,
                host=parts.hostname or "",
                port=_port(parts),
                scheme=parts.scheme,
                session=Session.from_json(sessions.get(str(i)) or sessions.get(i)),
                attempts=HostAttempts.from_wire(wire),
                wire=wire,
            )
        )
    return tuple(hosts)


def fmt_time(ts: Optional[float]) -> str:
    if ts is None:
        return "?"
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _port(parts) -> int:
    """The URL's port; the scheme's default when it has none, or when redaction masked it
    (a remembered secret that happens to be digits of the port must not crash the report)."""
    try:
        port = parts.port
    except ValueError:
        port = None
    return port or (443 if parts.scheme == "https" else 80)


def version_tuple(v: Optional[str]) -> Tuple[int, ...]:
    if not v:
        return ()
    out = []
    for part in v.split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        out.append(int(m.group()))
    return tuple(out)
