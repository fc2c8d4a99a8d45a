"""Frozen, typed records of what the probe found (parsed from its JSON).

The probe (``tlsdoctor/probe/target.py``) runs inside the target interpreter
and prints one JSON object; ``Facts.from_probe`` turns it into these records.
Rules only ever see these records, never the network.

An ``Attempt`` is one probe's outcome. ``status`` keeps "could not run" apart
from "found a problem":

- ``ok``: the probe ran and succeeded;
- ``error``: the probe ran and the peer/path failed (the *finding*);
- ``could_not_run`` / ``deadline`` / ``absent``: no finding either way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

TLS_ORDER = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


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
        )

    def valid_at(self, ts: float) -> Optional[bool]:
        if self.not_before_ts is None or self.not_after_ts is None:
            return None
        return self.not_before_ts <= ts <= self.not_after_ts


@dataclass(frozen=True)
class Attempt:
    """One probe's outcome (a TCP connect, a handshake, pip's request...)."""

    name: str
    status: str = "absent"  # ok | error | could_not_run | deadline | absent
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

    @classmethod
    def from_json(cls, name: str, d: Optional[Dict[str, Any]]) -> "Attempt":
        if not d:
            return cls(name=name)
        ttp = d.get("tls_to_proxy")
        ttpv = d.get("tls_to_proxy_verify")
        return cls(
            name=name,
            status=d.get("status") or "absent",
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
        )

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> bool:
        """The probe ran and found a failure (not: could not run)."""
        return self.status == "error"

    @property
    def ran(self) -> bool:
        return self.status in ("ok", "error")

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
class Host:
    """Everything probed for one configured index host."""

    url: str
    host: str
    port: int
    scheme: str
    session: Optional[Session]
    attempts: Dict[str, Attempt] = field(default_factory=dict)

    def get(self, name: str) -> Attempt:
        return self.attempts.get(name) or Attempt(name=name)

    @property
    def pip(self) -> Attempt:
        return self.get("pip_request")

    @property
    def proxy(self) -> Optional[str]:
        return self.session.proxy_for_url if self.session else None

    @property
    def verdict_attempt(self) -> Attempt:
        """pip's own outcome when it was attempted; else the stdlib verified handshake."""
        if self.pip.status in ("ok", "error", "deadline"):
            return self.pip
        return self.get("verify:effective")

    @property
    def failed(self) -> bool:
        """pip's request failed, or did not finish by the deadline (a timeout is a finding too)."""
        return self.verdict_attempt.status in ("error", "deadline")

    def variants(self) -> Dict[str, Attempt]:
        """Other attempts at *this* host (the second host through the proxy is another server)."""
        return {k[len("variant:"):]: v for k, v in self.attempts.items()
                if k.startswith("variant:") and k != "variant:second_host"}

    @property
    def second_host(self) -> Attempt:
        """Another host reached through the same proxy (``check --second-host``)."""
        return self.get("variant:second_host")


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

    @classmethod
    def from_probe(cls, data: Dict[str, Any], checker_time: Optional[float] = None,
                   checker_ssl_error: Optional[str] = None,
                   without_openssl_conf: Optional[Dict[str, Any]] = None) -> "Facts":
        f = data.get("facts") or {}
        py = f.get("python") or {}
        s = f.get("ssl") or {}
        pip = f.get("pip") or {}
        env = f.get("env") or {}
        ca_env = {}
        for name, entry in (env.get("ca") or {}).items():
            ca_env[name] = (entry.get("value") or "", Bundle.from_json(entry.get("bundle")))
        return cls(
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
            ca_env=ca_env,
            other_ca_env=env.get("other_ca") or {},
            proxy_env=env.get("proxy") or {},
            pip_env=env.get("pip") or {},
            openssl_conf=env.get("openssl_conf"),
            loader_env=env.get("loader") or {},
            pip_bundles={k: Bundle.from_json(v) for k, v in (pip.get("bundles") or {}).items()},
            target_time=f.get("time"),
            hosts=_hosts(data),
            checker_time=checker_time,
            checker_ssl_error=checker_ssl_error,
            without_openssl_conf=_hosts(without_openssl_conf) if without_openssl_conf else None,
            raw=data,
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
        attempts = {
            k[len(prefix):]: Attempt.from_json(k[len(prefix):], v)
            for k, v in probes.items()
            if k.startswith(prefix)
        }
        hosts.append(
            Host(
                url=url,
                host=parts.hostname or "",
                port=parts.port or (443 if parts.scheme == "https" else 80),
                scheme=parts.scheme,
                session=Session.from_json(sessions.get(str(i)) or sessions.get(i)),
                attempts=attempts,
            )
        )
    return tuple(hosts)


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
