"""The judge of ``check --tool``: the tool's own request decides *whether*, mechanisms decide *why*.

Inputs: the tool's ``Resolved`` configuration (its trust anchors, in order), its
``Request`` (what the tool itself printed), and check's ``Report`` of the probe
run against the same index URL (the presented chain, which trust stores on
this machine verify it, and the rules' diagnoses for pip).

1. The request decides the status: ok -> ok; did not finish -> incomplete,
   "could not tell" (never a cause); could not be made -> incomplete.
2. A failed request's *kind* comes from the tool's own error text
   (``_CLASSES``: rustls's ``invalid peer certificate: UnknownIssuer``,
   OpenSSL's ``CERTIFICATE_VERIFY_FAILED``, ``received fatal alert:
   ProtocolVersion``, proxy errors, uv's ``Invalid SSL_CERT_FILE`` …). Where
   the text says nothing (Poetry 2 without ``-v``), the probe's own verified
   handshake with the tool's anchors stands in: if those anchors do not verify
   the chain, it is a trust failure.
3. A trust failure's cause comes from the stores: the tool trusts nothing
   (uv >= 0.12, unloadable ``SSL_CERT_FILE``) -> ``ca-bundle-path-invalid``;
   the OS store verifies the chain but the tool does not use it ->
   ``tool-ignores-os-store``; a CA file set for another client (``PIP_CERT``,
   ``REQUESTS_CA_BUNDLE``…) verifies it but the tool does not read it ->
   ``tool-ignores-ca-setting``; no store here verifies it -> the rules' own
   trust cause for the index (private CA, interception, missing intermediate…).
4. Every other kind (expired, host name, handshake, proxy, connection) is
   tool-independent: the rules' diagnosis of that kind for the index names it.
5. Strict X.509 (``strict-x509-rejects-ca``) is decided for the tool itself, not
   through pip's rule: that rule is gated on *pip's* request failing, and pip
   with truststore (>= 24.2) or a vendored urllib3 1.26 never sets
   ``VERIFY_X509_STRICT``, so pip can connect while requests/httpx/Poetry on
   the same Python 3.13 fail. The probe measures the mechanism in the target
   interpreter (``verify_strict`` / ``verify_nostrict``: one handshake with and
   one without the flag, same bundle); when that bundle is the tool's own
   anchor, the interpreter is the tool's and >= 3.13, it decides strictness
   even when the tool's text gives no reason, and it stands beside the text
   when the text does.

Store names are the probe's (``facts.HostAttempts.verify``): ``system`` is
OpenSSL's default paths (the OS store on Linux), ``certifi`` the certifi bundle
of the probe's interpreter (the same Mozilla list uv bundles as webpki-roots).
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Dict, List, Optional, Sequence, Set, Tuple

from tlsdoctor.causes import describe
from tlsdoctor.messages import J, M
from tlsdoctor.redact import redact_text, redact_url, truncate
from tlsdoctor.tools import Request, RequestStatus, Resolved, ToolVerdict, Trust, TrustKind

TRUST, EXPIRED, NAME, HANDSHAKE, PROXY, CONNECT, BUNDLE, STRICT, SSLMOD = (
    "trust", "expired", "name", "handshake", "proxy", "connect", "bundle", "strict", "sslmod")

# The tool's error text -> the kind of failure (first match wins; checked on the whole output).
_CLASSES: Tuple[Tuple[str, "re.Pattern[str]"], ...] = (
    (BUNDLE, re.compile(r"Invalid `?SSL_CERT_FILE|No valid certificates found in `?SSL_CERT_FILE|"
                        r"No default certificates will be trusted|Could not find a suitable TLS CA certificate bundle|"
                        r"FileNotFoundError: \[Errno 2\]", re.I)),
    # 407 as a status only: a bare "407" also matches inside a port ("https://localhost:34079/").
    (PROXY, re.compile(r"proxy auth|(?<![\d:.])407(?!\d)|tunnel error|Tunnel connection failed|ProxyError|"
                       r"Unable to connect to proxy|proxy authorization required", re.I)),
    (EXPIRED, re.compile(r"invalid peer certificate: (Expired|certificate expired)|certificate has expired|"
                         r"certificate is not yet valid|NotValidYet|"
                         # uv 0.13 (rustls-platform-verifier): "certificate not valid yet: verification time …"
                         r"certificate not valid yet", re.I)),
    (NAME, re.compile(r"NotValidForName|certificate not valid for name|Hostname mismatch|doesn't match|"
                      r"IP address mismatch", re.I)),
    # OpenSSL reports these only under X509_V_FLAG_X509_STRICT (Python 3.13's VERIFY_X509_STRICT default,
    # x509_vfy.c check_extensions): the tool's own verification is strict and the chain fails only that.
    (STRICT, re.compile(r"Missing Authority Key Identifier|Missing Subject Key Identifier|"
                        r"Basic Constraints of CA cert not marked critical|CA cert does not include key usage "
                        r"extension|Authority Key Identifier marked critical", re.I)),
    (TRUST, re.compile(r"UnknownIssuer|CERTIFICATE_VERIFY_FAILED|unable to get local issuer|self[- ]signed certificate|"
                       r"invalid peer certificate|unable to get issuer certificate|BadSignature", re.I)),
    (HANDSHAKE, re.compile(r"received fatal alert|tls handshake eof|TLSV1_ALERT|SSLV3_ALERT|UNSUPPORTED_PROTOCOL|"
                           r"WRONG_VERSION_NUMBER|NO_CIPHERS|handshake failure|BadRecordMac|"
                           r"UNSAFE_LEGACY_RENEGOTIATION|DH_KEY_TOO_SMALL|EOF occurred in violation|"
                           r"ConnectionResetError|Connection reset", re.I)),
    (CONNECT, re.compile(r"tcp connect error|Connection refused|dns error|Name or service not known|"
                         r"failed to lookup address|timed out|NewConnectionError|ConnectError|ConnectTimeout", re.I)),
    # A Python tool whose interpreter cannot import ssl (requests/urllib3: "Can't connect to HTTPS URL because
    # the SSL module is not available"); a uv binary never says this.
    (SSLMOD, re.compile(r"SSL module is not available|No module named '?_?ssl\b|ImportError: libssl", re.I)),
)

# Which rules' causes can explain each kind of tool failure (tool-independent causes).
_KIND_CAUSES: Dict[str, Tuple[str, ...]] = {
    TRUST: ("tls-interception", "untrusted-private-ca", "missing-intermediate", "outdated-ca-bundle",
            "strict-x509-rejects-ca", "no-default-ca-store"),
    EXPIRED: ("cert-expired", "clock-skew"),
    NAME: ("hostname-mismatch",),
    HANDSHAKE: ("server-tls-too-old", "cipher-mismatch", "weak-dh-key", "legacy-renegotiation", "client-cert-required",
                "tls-connection-dropped", "https-on-http-port", "client-tls-too-old", "openssl-config-restricts"),
    PROXY: ("proxy-auth-required", "proxy-forbidden", "proxy-unreachable", "proxy-scheme-mismatch"),
    CONNECT: ("index-unreachable", "proxy-unreachable", "https-on-http-port", "tls-connection-dropped"),
    BUNDLE: ("ca-bundle-path-invalid",),
    STRICT: ("strict-x509-rejects-ca",),
    SSLMOD: ("ssl-module-missing",),
}
# pip-only mechanisms a rule may name that say nothing about another tool's request.
_PIP_ONLY = {"ca-bundle-env-overrides-cert", "truststore-ip-address", "ssl-module-missing"}

# Settings other clients read for their CA bundle, as the probe names its stores.
_OTHER_SETTINGS = ("pip_cert", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "effective")
_STORE_LABEL = {"system": M("judge.the_os_store", "the OS store"), "certifi": "certifi",
                "pip_cert": M("judge.pip_cert_label", "pip's cert (PIP_CERT / pip.conf cert=)"),
                "effective": M("judge.bundle_pip_uses", "the bundle pip uses"),
                "REQUESTS_CA_BUNDLE": "REQUESTS_CA_BUNDLE",
                "CURL_CA_BUNDLE": "CURL_CA_BUNDLE", "SSL_CERT_FILE": "SSL_CERT_FILE"}


def classify(output: str) -> Optional[str]:
    """The kind of failure the tool's own text says (None: it does not say)."""
    for kind, rx in _CLASSES:
        if rx.search(output or ""):
            return kind
    return None


def error_line(output: str) -> str:
    """The line of the tool's output that says why (the last `cause:` line, or the first matching one)."""
    lines = [ln.strip() for ln in (output or "").splitlines() if ln.strip()]
    for kind, rx in _CLASSES:
        hits = [ln for ln in lines if rx.search(ln)]
        if hits:
            return truncate(hits[-1], 300) or ""
    for ln in reversed(lines):
        if ln.lower().startswith(("error", "cause", "caused by")):
            return truncate(ln, 300) or ""
    return truncate(lines[-1], 300) if lines else ""


# ----------------------------------------------------------------------------- stores


def _host(report, url: str):
    facts = getattr(report, "facts", None)
    hosts = list(getattr(facts, "hosts", ()) or ())
    if not hosts:
        return None
    for h in hosts:
        if h.url.rstrip("/") == url.rstrip("/"):
            return h
    return hosts[0]


def _store_results(host) -> Dict[str, Optional[bool]]:
    """{probe store name: True verified / False failed / None unknown (did not finish)}."""
    out: Dict[str, Optional[bool]] = {}
    if host is None:
        return out
    for name, a in host.attempts.verify.items():
        out[name] = _anchors_verify(a)
    return out


# OpenSSL verify codes (x509_vfy.h): the chain reached an anchor of the store and failed
# later (host name / IP mismatch), or the failure is not about the anchors (expiry).
_CHAIN_OK_CODES = (62, 64)  # X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH
_NOT_ANCHOR_CODES = (9, 10, 13, 14)  # not yet valid / expired (the leaf's or a CA's dates)


def _anchors_verify(a) -> Optional[bool]:
    """Did this store's anchors chain the presented certificate? None when the attempt says nothing
    about anchors (a reset after the handshake, a timeout, an expired certificate)."""
    if a.ok:
        return True
    if not a.failed:
        return None
    if a.verify_code in _CHAIN_OK_CODES:
        return True
    if a.verify_code in _NOT_ANCHOR_CODES:
        return None
    if a.verify_code is not None or "certificate verify failed" in a.text:
        return False
    return None


def _store_paths(host) -> Dict[str, Optional[str]]:
    if host is None:
        return {}
    return {name: a.cafile for name, a in host.attempts.verify.items()}


def _same_file(a: str, b: str) -> bool:
    """The same file, or files with the same bytes (a copy of the CA the probe verified with)."""
    try:
        if os.path.samefile(a, b):
            return True
        if os.path.getsize(a) != os.path.getsize(b) or os.path.getsize(a) > (8 << 20):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def tool_stores(trust: Sequence[Trust], paths: Dict[str, Optional[str]]) -> List[str]:
    """The probe's stores that stand for the tool's anchors (unknown anchors are left out)."""
    out: List[str] = []
    for t in trust:
        if t.kind in (TrustKind.BUNDLED, TrustKind.CERTIFI):
            out.append("certifi")  # webpki-roots and certifi are both Mozilla's list
        elif t.kind == TrustKind.OS:
            out.append("system")
        elif t.kind == TrustKind.FILE and t.path:
            out += [name for name, p in paths.items() if p and name not in out and (p == t.path or
                                                                                  _same_file(p, t.path))]
    return out


def _unknown_anchors(trust: Sequence[Trust], paths: Dict[str, Optional[str]]) -> List[Trust]:
    """The tool's file/directory anchors no probe store stands for: what they verify is not known."""
    return [t for t in trust if t.kind == TrustKind.DIR or (t.kind == TrustKind.FILE and not tool_stores([t], paths))]


def _tool_verifies(trust: Sequence[Trust], results: Dict[str, Optional[bool]],
                   paths: Dict[str, Optional[str]]) -> Optional[bool]:
    """Do the tool's anchors verify the chain, as far as the probe's stores can tell?"""
    kinds = {t.kind for t in trust}
    if TrustKind.OFF in kinds:
        return True
    if kinds == {TrustKind.NOTHING}:
        return False
    stores = [s for s in tool_stores(trust, paths) if s in results]
    if any(results[s] for s in stores):
        return True
    every_anchor_known = len(stores) >= len([t for t in trust if t.kind != TrustKind.NOTHING])
    if stores and every_anchor_known and all(results[s] is False for s in stores):
        return False
    return None


# ----------------------------------------------------------------------------- the verdict


# Tools whose verification is CPython's ssl module (OpenSSL), the only place VERIFY_X509_STRICT exists:
# requests and Poetry through urllib3 (>= 2.4 sets the flag on Python >= 3.13), httpx through
# ssl.create_default_context (which sets it on 3.13, python/cpython#107361). uv is rustls/webpki.
_PYTHON_SSL_TOOLS = ("requests", "httpx", "poetry", "conda")


def _same_interpreter(a: Optional[str], b: Optional[str]) -> bool:
    # Two venvs of one base Python resolve to the same binary: the same CPython and OpenSSL, which is
    # all the strict handshake pair depends on (the tool's library decides whether it sets the flag).
    if not a or not b:
        return False
    if os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b)):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def strict_measured(resolved: Resolved, report, host) -> List[str]:
    """The probe's evidence that strict X.509 checks alone reject the chain for this tool's anchors ([] if not).

    All of: the tool verifies with CPython's ssl in the interpreter the probe ran in, that interpreter is
    >= 3.13 (where urllib3 and create_default_context turn VERIFY_X509_STRICT on; before, nothing the tool
    does by default is strict), the probe's bundle is one of the tool's anchors, and with that bundle the
    handshake fails with the flag and verifies without it (``verify_strict`` / ``verify_nostrict``).
    """
    facts = getattr(report, "facts", None)
    if host is None or facts is None or resolved.found.tool not in _PYTHON_SSL_TOOLS:
        return []
    if tuple(facts.python_version_info[:2]) < (3, 13) or not _same_interpreter(
            facts.executable, resolved.found.python):
        return []
    on, off = host.attempts.verify_strict, host.attempts.verify_nostrict
    if not (on.failed and off.ok and on.cafile and on.cafile == off.cafile):
        return []
    if "strict" not in tool_stores(resolved.trust, {"strict": on.cafile}):
        return []
    # The strict rule's own sentences (one catalogue entry each, already in Chinese).
    return [M("judge.probe_of_index", "the probe of the same index: %s", J("; ", (
        M("strict_x509_rejects_ca.verify_x_strict", "with VERIFY_X509_STRICT: %s",
          truncate(on.verify_message or on.error or "", 200) or "-"),
        M("strict_x509_rejects_ca.same_bundle_without", "same bundle, without VERIFY_X509_STRICT: %s",
          M("strict_x509_rejects_ca.verifies", "verifies")))))]


def _strict_kind(kind: Optional[str], resolved: Resolved, report, host, evidence: List[str]) -> Optional[str]:
    """STRICT when the text says nothing else and the probe measured a strict-only rejection (adds its lines)."""
    if kind not in (None, TRUST, STRICT):
        return kind
    strict = strict_measured(resolved, report, host)
    if not strict:
        return kind
    # The tool's anchors chain the certificate and only the strict checks reject it (measured in the tool's
    # interpreter): no store lacks a CA, so untrusted-private-ca / interception would be false.
    evidence.extend(strict)
    return STRICT


def _diagnoses(report, url: str, keep: Tuple[str, ...] = ()) -> list:
    out = []
    for d in getattr(report, "diagnoses", ()) or ():
        if d.cause in _PIP_ONLY and d.cause not in keep:
            continue
        if d.host is None or d.covers(url) or d.covers(url.rstrip("/") + "/") or d.covers(url.rstrip("/")):
            out.append(d)
    return out


def _undecided(report) -> Tuple[str, ...]:
    c: List[str] = []
    for i in getattr(report, "incomplete", ()) or ():
        for x in getattr(i, "candidates", ()) or ():
            if x not in c:
                c.append(x)
    return tuple(c)


def judge(resolved: Resolved, request: Request, report=None) -> ToolVerdict:
    """One tool's verdict (see the module docstring)."""
    tool = resolved.found.tool
    url = resolved.index_url
    host = _host(report, url)
    results = _store_results(host)
    paths = _store_paths(host)
    evidence: List[str] = []
    excerpt = error_line(request.output)

    if request.status == RequestStatus.OK:
        return _finish(ToolVerdict(tool, "ok", M("judge.ok", "%s ok", tool), resolved, request,
                                   evidence=tuple(e for e in [request.detail] if e)), report)
    if request.status == RequestStatus.DEADLINE:
        return _finish(ToolVerdict(tool, "incomplete", M("judge.deadline", "%s: could not tell (its request did not "
                                                         "finish by the deadline)", tool), resolved, request,
                                   evidence=(M("judge.deadline_evidence", "%s did not finish by the deadline", tool),)),
                       report)
    verifies = _tool_verifies(resolved.trust, results, paths)
    if request.status == RequestStatus.COULD_NOT_RUN:
        return _finish(_not_run_verdict(resolved, request, verifies, results, paths, report, url), report)

    kind = classify(request.output)
    if excerpt:
        evidence.append(M("judge.says", "%s says: %s", tool, excerpt))
    kind = _strict_kind(kind, resolved, report, host, evidence)
    if kind is None and verifies is False:
        kind = TRUST
        evidence.append(M("judge.silent_output", "%s's output does not say why, but its trust anchors (%s) do not "
                          "verify the index's chain", tool, trust_text(resolved.trust)))
    causes, candidates = _failure_causes(kind, resolved, results, paths, report, url, verifies, evidence)
    return _finish(_failed_verdict(resolved, request, results, causes, candidates, evidence), report)


def _not_run_verdict(resolved: Resolved, request: Request, verifies: Optional[bool], results, paths, report,
                     url: str) -> ToolVerdict:
    """No request by the tool itself (conda here): say what its configuration predicts, as candidates only."""
    tool = resolved.found.tool
    predicted: Tuple[str, ...] = ()
    if verifies is False:
        predicted = _trust_causes(resolved, results, paths, report, url, [])[0]
    return ToolVerdict(tool, "incomplete", M("judge.could_not_confirm", "%s: could not confirm with %s "
                                             "itself (%s)", tool, tool, request.detail or
                                             M("judge.request_not_made", "its request could not be made")),
                       resolved, request, candidates=predicted, evidence=tuple(x for x in [request.detail] if x))


def _missing_anchors(resolved: Resolved) -> List[Trust]:
    """The tool's file/directory anchors whose path is not there."""
    return [t for t in resolved.trust if t.kind in (TrustKind.FILE, TrustKind.DIR) and t.path
            and not os.path.exists(t.path)]


def _failure_causes(kind: Optional[str], resolved: Resolved, results, paths, report, url: str,
                    verifies: Optional[bool], evidence: List[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(causes, candidates) of a failed request of this kind (adds the lines that decide it to ``evidence``)."""
    missing = _missing_anchors(resolved) if kind == BUNDLE else []
    if missing:
        # The tool's own text says its CA setting cannot be loaded, and the path it names is not there
        # (requests: "Could not find a suitable TLS CA certificate bundle, invalid path"; httpx:
        # FileNotFoundError): which store would verify the chain is beside the point.
        evidence.append(M("judge.anchor_missing", "%s's CA setting names a path that does not exist: %s (%s)",
                          resolved.found.tool, missing[0].path, missing[0].source))
        return ("ca-bundle-path-invalid",), ()
    if kind in (TRUST, BUNDLE):
        causes, more = _trust_causes(resolved, results, paths, report, url, evidence)
        return causes, (() if causes else more)
    if kind is not None:
        return _kind_causes(kind, report, url, evidence)
    return _unsaid_causes(resolved, report, url, verifies, evidence)


def _kind_causes(kind: str, report, url: str, evidence: List[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """A tool-independent kind (expired, name, handshake, proxy, connect, strict, ssl module): the rules'
    diagnosis of that kind for the index names it."""
    ds = [d for d in _diagnoses(report, url, _KIND_CAUSES[kind]) if d.cause in _KIND_CAUSES[kind]]
    if ds:
        evidence.append(M("judge.probe_of_index", "the probe of the same index: %s", ds[0].verdict))
        return tuple(dict.fromkeys(d.cause for d in ds)), ()
    if kind == STRICT:  # the tool's own text is decisive: only strict verification reports it
        return _KIND_CAUSES[STRICT], ()
    return (), tuple(c for c in _undecided(report) if c in _KIND_CAUSES[kind]) or _KIND_CAUSES[kind][:2]


def _unsaid_causes(resolved: Resolved, report, url: str, verifies: Optional[bool],
                   evidence: List[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """The tool's text says no kind: the one diagnosis of the index its own verification does not rule out."""
    ds = _diagnoses(report, url)
    # Causes the tool's own verification rules out: its anchors verify the chain (no trust
    # cause), or it does not verify this host at all (no certificate cause whatever).
    ruled_out: Tuple[str, ...] = _KIND_CAUSES[TRUST] if verifies else ()
    if any(t.kind == TrustKind.OFF for t in resolved.trust):
        ruled_out += _KIND_CAUSES[EXPIRED] + _KIND_CAUSES[NAME]
    ds = [d for d in ds if d.cause not in ruled_out]
    if len(ds) == 1:
        evidence.append(M("judge.probe_of_index", "the probe of the same index: %s", ds[0].verdict))
        return (ds[0].cause,), ()
    return (), tuple(dict.fromkeys(d.cause for d in ds)) or _undecided(report)


def _failed_verdict(resolved: Resolved, request: Request, results, causes: Tuple[str, ...],
                    candidates: Tuple[str, ...], evidence: List[str]) -> ToolVerdict:
    """A problem with its first cause said, or "could not tell" with the candidates left."""
    tool = resolved.found.tool
    if causes:
        summary = M("judge.fails", "%s fails: %s", tool, _why(tool, causes[0], resolved, results))
        return ToolVerdict(tool, "problem", summary, resolved, request, causes=causes, evidence=tuple(evidence))
    what = (M("judge.could_not_tell_apart", "could not tell %s apart", " / ".join(candidates)) if candidates
            else M("judge.no_rule", "no rule recognises why"))
    return ToolVerdict(tool, "incomplete", M("judge.fails", "%s fails: %s", tool, what), resolved, request,
                       evidence=tuple(evidence), candidates=candidates)


def _trust_causes(resolved: Resolved, results, paths, report, url: str,
                  evidence: List[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """(causes, candidates) of a trust failure, from which stores verify the chain."""
    kinds = [t.kind for t in resolved.trust]
    tool = resolved.found.tool
    if TrustKind.NOTHING in kinds:
        evidence.append(M("judge.trusts_nothing", "%s trusts no CA at all: %s", tool, J("; ", resolved.warnings) or
                          M("judge.loads_nothing", "its CA setting loads nothing")))
        return ("ca-bundle-path-invalid",), ()
    _note_verified_by(results, evidence)
    mine = set(tool_stores(resolved.trust, paths))
    if _os_store_unused(results, kinds, mine):
        evidence.append(M("judge.not_os_store", "%s verifies against %s, not the OS store", tool,
                          trust_text(resolved.trust)))
        return ("tool-ignores-os-store",), ()
    others = _unread_settings(results, paths, mine)
    if others:
        return _unread_setting_causes(tool, others[0], _unknown_anchors(resolved.trust, paths), evidence)
    return _probe_trust_causes(report, url, evidence)


def _note_verified_by(results, evidence: List[str]) -> None:
    """When some store verifies the chain, say which do and which do not (the reader's first question)."""
    verified = [s for s, ok in results.items() if ok]
    if verified:
        evidence.append(M("judge.verified_by", "verified by: %s; not by: %s",
                          J(", ", (_STORE_LABEL.get(s, s) for s in verified)),
                          J(", ", (_STORE_LABEL.get(s, s) for s, ok in results.items() if ok is False)) or "-"))


def _os_store_unused(results, kinds: List[TrustKind], mine: Set[str]) -> bool:
    """The OS store verifies the chain, and the tool neither reads it nor an anchor the probe's "system" is.

    The probe's "system" store is OpenSSL's default paths, which honour SSL_CERT_FILE: when that file
    verifies the chain too, "system" says nothing about the OS store (trust-store-missing-root: the
    index CA is in SSL_CERT_FILE only), and "does not read SSL_CERT_FILE" (``_unread_settings``) is the true
    cause."""
    return bool(results.get("system") and not results.get("SSL_CERT_FILE") and TrustKind.OS not in kinds
                and "system" not in mine)


def _unread_settings(results, paths, mine: Set[str]) -> List[str]:
    """Other clients' CA settings that verify the chain and are none of the tool's anchors ("effective", pip's
    bundle, does not count when it is just certifi's file)."""
    return [s for s in _OTHER_SETTINGS if results.get(s) and s not in mine
            and not (s == "effective" and paths.get(s) and paths.get(s) == paths.get("certifi"))]


def _unread_setting_causes(tool: str, other: str, unknown: List[Trust],
                           evidence: List[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """A setting the tool does not read verifies the chain: the cause, unless the tool reads a file the probe
    did not verify with."""
    if unknown:
        # The tool reads a file the probe did not verify with (Poetry's certificates.<source>.cert…):
        # it may hold the same CA, so "does not read that setting" would be a guess.
        evidence.append(M("judge.not_measured", "%s verifies the index's chain; what %s holds was not measured",
                          _STORE_LABEL.get(other, other), ", ".join(t.path or t.source for t in unknown)))
        return (), ("tool-ignores-ca-setting", "untrusted-private-ca")
    evidence.append(M("judge.does_not_read_it", "%s verifies the index's chain, and %s does not read it",
                      _STORE_LABEL.get(other, other), tool))
    return ("tool-ignores-ca-setting",), ()


def _probe_trust_causes(report, url: str, evidence: List[str]) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """No store here verifies the chain: the rules' trust diagnosis for the index, else its undecided
    trust candidates (else the two usual ones)."""
    ds = [d for d in _diagnoses(report, url) if d.cause in _KIND_CAUSES[TRUST] + _KIND_CAUSES[BUNDLE]]
    if ds:
        evidence.append(M("judge.probe_of_index", "the probe of the same index: %s", ds[0].verdict))
        return tuple(dict.fromkeys(d.cause for d in ds)), ()
    und = tuple(c for c in _undecided(report) if c in _KIND_CAUSES[TRUST])
    return (), und or ("untrusted-private-ca", "tls-interception")


def _why(tool: str, cause: str, resolved: Resolved, results) -> str:
    if cause == "tool-ignores-os-store":
        return M("judge.ignores_os_store", "%s does not use the OS store, which trusts the index's CA (%s)", tool,
                 trust_text(resolved.trust))
    if cause == "tool-ignores-ca-setting":
        names = [_STORE_LABEL.get(s, s) for s in _OTHER_SETTINGS if results.get(s)]
        return M("judge.ignores_ca_setting", "%s does not read %s, which trusts the index's CA", tool,
                 names[0] if names else M("judge.that_setting", "that setting"))
    # The cause's description, said in Chinese by the cause table (render.zh: CAUSE_DESCRIPTION_ID).
    return M("causes.describe", "%s", describe(cause)) if describe(cause) else cause


def trust_text(trust: Sequence[Trust]) -> str:
    words = []
    for t in trust:
        if t.kind == TrustKind.BUNDLED:
            words.append(M("judge.bundled_roots", "its bundled roots"))
        elif t.kind == TrustKind.CERTIFI:
            words.append("certifi")
        elif t.kind == TrustKind.OS:
            words.append(M("judge.the_os_store", "the OS store"))
        elif t.kind in (TrustKind.FILE, TrustKind.DIR):
            words.append(M("judge.trust_file", "file %s (%s)", t.path, t.source) if t.kind == TrustKind.FILE
                         else M("judge.trust_dir", "directory %s (%s)", t.path, t.source))
        elif t.kind == TrustKind.NOTHING:
            words.append(M("judge.nothing", "nothing"))
        elif t.kind == TrustKind.OFF:
            words.append(M("judge.no_verification", "no verification for this host (%s)", t.source))
    return J(", ", words) or M("judge.unknown", "unknown")


def _finish(v: ToolVerdict, report) -> ToolVerdict:
    """Add the tool's remedies (toolfix's tools.remedies, when this build has it)."""
    if v.status == "ok":
        return v
    try:
        from tlsdoctor.tools import remedies  # type: ignore[attr-defined]
    except ImportError:
        return v
    try:
        steps = tuple(remedies.steps(v, v.resolved, getattr(report, "facts", None)))
    except Exception as exc:  # a bug there must not lose the verdict
        return dataclasses.replace(v, extra=dict(v.extra, remedies_error=redact_text("%s: %s" % (
            type(exc).__name__, exc))))
    return dataclasses.replace(v, steps=steps)


def shown_url(url: str) -> str:
    return redact_url(url) or ""
