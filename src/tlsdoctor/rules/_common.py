"""Shared, pure helpers for the rules (no I/O)."""

from __future__ import annotations

import dataclasses
import shlex
from typing import Dict, Iterable, List, Optional, Tuple

from tlsdoctor import remedies
from tlsdoctor.messages import M, Msg
from tlsdoctor.facts import TLS_ORDER, TLS_VERSION_ATTEMPTS, VARIANT_NAMES, WIRE_KEYS, Attempt, Facts, Host
from tlsdoctor.remedies import Step

# Groups of attempts for the rules' ``reads`` (HostAttempts field names).
VARIANTS = tuple(VARIANT_NAMES)  # the variant handshakes at the index itself
TLS_VERSIONS = tuple(name for _, name in TLS_VERSION_ATTEMPTS)
# is_verify_failure / chain read these: pip's outcome, the stores, and any handshake that got through.
VERIFY_FAILURE = ("pip_request", "tls", "verify") + VARIANTS
EVERY_ATTEMPT = tuple(name for name, _ in WIRE_KEYS)  # rules that scan every attempt's text
EVERY_DATE = EVERY_ATTEMPT  # server_time: the HTTP Date from whichever attempt saw one

VERIFY_MARKERS = (
    "certificate verify failed", "certificate_verify_failed", "doesn't match", "does not match",
    "hostname mismatch", "ip address mismatch", "certificateerror",
)
EOF_MARKERS = (
    "eof occurred in violation", "unexpected_eof", "unexpected eof", "connection reset",
    "connectionreseterror", "connection aborted", "broken pipe", "remote end closed",
    "closed the connection", "errno 104", "errno 32",
    # Python 3.9 (OpenSSL 3): SSLZeroReturnError "TLS/SSL connection has been closed (EOF)"
                                                 "connection has been closed (eof)", "zeroreturn", "zero_return",
)
WRONG_VERSION_MARKERS = (
    "wrong version number", "wrong_version_number", "unknown protocol", "record layer failure",
    "packet length too long", "http request", "record_layer_failure",
)
PROTOCOL_MARKERS = (
    "alert protocol version", "unsupported protocol", "unsupported_protocol", "no protocols available",
    "no_protocols_available", "protocol_version",
)
HANDSHAKE_FAILURE_MARKERS = ("alert handshake failure", "handshake_failure", "no shared cipher", "no ciphers available",
                             "no_ciphers_available", "no cipher match")
TIMEOUT_MARKERS = ("timed out", "timeout", "read operation timed out")


def has(text: str, markers: Iterable[str]) -> bool:
    return any(m in text for m in markers)


def failing(f: Facts) -> List[Host]:
    return f.failing_hosts


def pip_text(h: Host) -> str:
    return h.verdict_attempt.text


def all_text(h: Host) -> str:
    """pip's error plus the stdlib default handshake's error (lower-case)."""
    return " | ".join([h.verdict_attempt.text, h.attempts.tls.text, h.attempts.effective.text])


def is_verify_failure(h: Host) -> bool:
    """pip failed while *verifying* (the TLS handshake itself worked)."""
    if has(pip_text(h), VERIFY_MARKERS):
        return True
    eff = h.attempts.effective
    got_through = h.attempts.tls.ok or any(a.ok for a in h.variants().values() if a.version)
    verify_said = eff.verify_code is not None or has(eff.text, VERIFY_MARKERS)
    return h.verdict_attempt.failed and got_through and eff.failed and eff.stage == "handshake" and verify_said


def is_handshake_failure(h: Host) -> bool:
    """pip failed in the TLS layer for a reason other than verification."""
    if is_verify_failure(h):
        return False
    tls = h.attempts.tls
    return tls.failed and tls.stage in ("handshake", "after_handshake")


def stores(h: Host) -> Dict[str, Attempt]:
    """Verification outcome per trust store (effective, certifi, system, pip_cert, env...)."""
    return h.attempts.verify


def stores_where_pip_fails(h: Host) -> Optional[List[str]]:
    """The other stores that verify the chain while pip's own ("effective") does not; None when
    pip's verification did not fail (the other stores then say nothing about this failure)."""
    st = stores(h)
    eff = st.get("effective")
    if eff is None or not eff.failed:
        return None
    return [n for n, a in st.items() if a.ok and n != "effective" and a.cafile != eff.cafile]


def verifying_stores(h: Host) -> List[str]:
    return [name for name, a in stores(h).items() if a.ok]


def any_store_verifies_lax(h: Host) -> bool:
    """Some store verifies the chain, also counting a non-strict / no-hostname verification."""
    return bool(verifying_stores(h)) or h.attempts.verify_nostrict.ok or h.attempts.verify_nohost.ok


# X509_V_ERR_* codes that mean "no path to a trusted issuer" (as opposed to
# time, name or policy failures): 2 unable to get issuer cert, 18 self-signed
# leaf, 19 self-signed in chain, 20 unable to get local issuer, 21 unable to
# verify leaf signature.
ISSUER_CODES = (2, 18, 19, 20, 21)


def is_issuer_failure(f: Facts, h: Host) -> bool:
    """The verification failed for lack of a trusted issuer (not time, name or policy)."""
    eff = h.attempts.effective
    if eff.verify_code is not None:
        return eff.verify_code in ISSUER_CODES
    # Python < 3.7 gives no code: rule out the other reasons from the facts.
    if h.attempts.verify_nohost.ok or h.attempts.verify_nostrict.ok:
        return False
    if f.target_time is not None and any(c.valid_at(f.target_time) is False for c in chain(h)):
        return False
    return True


def chain(h: Host, direct: bool = False):
    """The presented chain, from the default attempt or else any variant on pip's path."""
    on_path = [h.attempts.tls] + [a for _, a in sorted(h.attempts.variants(exclude=("direct",)).items())]
    for a in [h.attempts.direct] if direct else on_path:
        if a.ok and a.chain:
            return a.chain
    # The probe records a chain only once the handshake completed: it is the
    # server's (or the proxy's) presentation even when what came after failed
    # (the HEAD request timing out on a loaded machine).
    for a in [h.attempts.direct] if direct else on_path:
        if a.chain:
            return a.chain
    if not direct:
        a = h.attempts.direct
        if not h.proxy and a.chain:
            return a.chain
    return ()


def server_time(h: Host) -> Optional[float]:
    """The server's HTTP Date, from whichever probe saw one."""
    return h.server_time


def pip_cmd(f: Facts) -> str:
    return "%s -m pip" % shlex.quote(f.executable or "python")


def pip_argv(f: Facts) -> Tuple[str, ...]:
    """The argv that runs *this* interpreter's pip (``python -m pip``: never another pip on PATH)."""
    return (f.executable or "python", "-m", "pip")


def quote(s: str) -> str:
    return shlex.quote(s)


def proxy_source(f: Facts, h: Host) -> str:
    """Where the proxy pip uses came from (pip option or which variable)."""
    if f.pip_options.get("proxy"):
        return M("common.pip_proxy_option", "pip's `proxy` option (--proxy / PIP_PROXY / pip.conf)")
    names = [n for n, v in f.proxy_env.items() if v and h.proxy and v.rstrip("/") == h.proxy.rstrip("/")]
    if names:
        # lowercase wins in urllib's getproxies_environment
        return M("common.environment_variable", "the %s environment variable",
                 sorted(names, key=lambda n: n != n.lower())[0])
    return M("common.environment", "the environment")


def config_origin(f: Facts, key: str) -> Tuple[Optional[str], Optional[str]]:
    """(the pip config file that sets ``key`` today, or None; where the value comes from, or None)."""
    from tlsdoctor.pipconfig import provenance

    p = provenance(f).get(key)
    if p is None:
        return None, None
    if p.source.startswith("PIP_"):
        return None, p.source
    return p.source.split(" [", 1)[0], p.source


def proxy_vars_fix(f: Facts, h: Host, new_value: str, automatic: bool = True) -> List[Step]:
    """Set the proxy pip really uses to ``new_value``, where it is set (pip's option, else the variables).

    ``automatic=False`` when ``new_value`` holds a placeholder only the user can fill
    (``USER:PASSWORD``): the steps are shown, fix never writes them."""
    steps = _proxy_vars_fix(f, h, new_value)
    return steps if automatic else [dataclasses.replace(s, automatic=False) for s in steps]


def _proxy_vars_fix(f: Facts, h: Host, new_value: str) -> List[Step]:
    if f.pip_options.get("proxy"):
        path, source = config_origin(f, "proxy")
        if source and source.startswith("PIP_"):
            return [remedies.set_env(source, new_value, M("common.sets_pip_proxy", "it sets pip's proxy option"),
                                     source=source)]
        return [remedies.set_config(pip_argv(f), "global.proxy", new_value,
                                    M("common.fix_pip_proxy", "or fix PIP_PROXY / --proxy"),
                                    file=path, source=source)]
    names = [n for n in f.proxy_env if "no_proxy" not in n.lower() and n.lower() in ("https_proxy", "all_proxy")]
    names = names or ["https_proxy", "HTTPS_PROXY"]
    return [remedies.set_env(n, new_value, source=n if n in f.proxy_env else None) for n in sorted(set(names))]


def effective_bundle_source(f: Facts, h: Host) -> Tuple[Optional[str], Optional[str]]:
    """(path, where it came from) of the CA bundle pip's session really verifies with."""
    eff = h.session.effective_verify if h.session else None
    if not isinstance(eff, str):
        return None, None
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if var in f.ca_env and f.ca_env[var][0] == eff and (h.session and h.session.trust_env):
            return eff, var
    if f.pip_options.get("cert") == eff:
        return eff, M("common.pip_cert_option", "pip's `cert` option (%s)", cert_provenance(f))
    return eff, M("common.pip_session", "pip's session")


def cert_provenance(f: Facts) -> str:
    from tlsdoctor.pipconfig import provenance

    p = provenance(f).get("cert")
    return p.source if p else "?"


def bundle_for(f: Facts, path: Optional[str]):
    """Bundle facts for a path, from whichever probe fact describes it."""
    if not path:
        return None
    for _, (value, bundle) in f.ca_env.items():
        if value == path and bundle is not None:
            return bundle
    for b in f.pip_bundles.values():
        if b is not None and b.path == path:
            return b
    for h in f.hosts:
        if h.session and h.session.effective_bundle and h.session.effective_bundle.path == path:
            return h.session.effective_bundle
    if f.certifi and f.certifi.path == path:
        return f.certifi
    return None


def tls_index(v: Optional[str]) -> int:
    return TLS_ORDER.index(v) if v in TLS_ORDER else -1


def first(hosts: List[Host]) -> Optional[Host]:
    return hosts[0] if hosts else None


def host_label(h: Host) -> str:
    return "%s:%d" % (h.host, h.port)


def short(text: Optional[str], n: int = 220) -> str:
    if isinstance(text, Msg) and len(text) <= n:
        return text  # a message stays translatable (strip/slice would make it a bare str)
    text = (text or "").strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def pip_error_line(h: Host) -> str:
    a = h.verdict_attempt
    who = M("common.pip_own_request",
            "pip's own request") if a.name == "pip_request" else M("common.verified_handshake", "a verified handshake")
    return M("common.failed", "%s to %s failed: %s", who, h.url, short(a.error))


def os_store_steps(f: Facts, ca_file: str, ca_sha256: Optional[str] = None) -> List[Step]:
    """Add ``ca_file`` to the OS trust store of this platform (root; tlsdoctor never does it unasked)."""
    if f.platform.startswith("linux"):
        return [
            remedies.add_ca_system(ca_file, "/usr/local/share/ca-certificates/index-ca.crt",
                                   ("sudo", "update-ca-certificates"), "Debian/Ubuntu", ca_sha256),
            remedies.add_ca_system(ca_file, "/etc/pki/ca-trust/source/anchors/", ("sudo", "update-ca-trust"),
                                   "Fedora/RHEL", ca_sha256),
        ]
    if f.platform == "darwin":
        keychain = "/Library/Keychains/System.keychain"
        return [remedies.add_ca_system(ca_file, keychain, ("sudo", "security", "add-trusted-cert", "-d", "-r",
                                                           "trustRoot", "-k", keychain, ca_file), "macOS", ca_sha256)]
    if f.platform.startswith("win"):
        return [remedies.add_ca_system(ca_file, "Root", ("certutil", "-addstore", "-f", "Root", ca_file),
                                       M("common.administrator", "as administrator"), ca_sha256)]
    return [remedies.manual(M("common.add_operating_system", "add %s to the operating system's trust store", ca_file),
                            remedies.Scope.SYSTEM)]


def use_bundle_steps(f: Facts, h: Host, new_ca: str, bundle: str = "~/pip-ca-bundle.pem",
                     ca_sha256: Optional[str] = None) -> List[Step]:
    """Build a bundle = what pip trusts now + ``new_ca``, and make pip use it *where it will win*.

    pip's precedence (requests' merge): REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE > PIP_CERT >
    pip.conf ``cert``. Setting the config file while PIP_CERT is exported changes nothing.
    Never a bundle of the new CA alone: every other host (files.pythonhosted.org) would then fail.
    """
    current, source = effective_bundle_source(f, h)
    base = current or (f.certifi.path if f.certifi else "CERTIFI_BUNDLE")
    if current and f.certifi and current != f.certifi.path:
        steps = [remedies.add_ca_bundle((current, f.certifi.path), new_ca, bundle,
                                        M("common.what_pip_trusts", "what pip trusts now + public roots + the new CA"),
                                        ca_sha256)]
    else:
        steps = [remedies.add_ca_bundle((base,), new_ca, bundle,
                                        M("common.public_roots_new", "public roots + the new CA"), ca_sha256)]
    if source in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        steps.append(remedies.set_env(source, bundle,
                                      M("common.set_beats_cert",
                                        "it is set, and it beats --cert / PIP_CERT / pip.conf"),
                                      source=source))
    elif "PIP_CERT" in f.pip_env:
        steps.append(remedies.set_env("PIP_CERT", bundle,
                                      M("common.pip_cert_set", "PIP_CERT is set, and it beats pip.conf"),
                                      source="PIP_CERT"))
    else:
        path, origin = config_origin(f, "cert")
        steps.append(remedies.set_config(pip_argv(f), "global.cert", bundle, file=path, source=origin))
    return steps


def public_anchor(h: Host):
    """(the public root the presented chain ends at, with proof, or None; could the list be read).

    ``tlsdoctor.public_roots.anchor_of``: a fingerprint, a key or the issuer
    name *and* key id of a current Mozilla/certifi root. An issuer-name-only
    match is no proof (a middlebox can copy a public root's name), so it
    counts as neither public nor non-public: (None, False).
    """
    from tlsdoctor import public_roots

    certs = chain(h)
    if not certs:
        return None, False
    try:
        a = public_roots.anchor_of(certs)
    except (OSError, ValueError):  # Defensive: the shipped list cannot be read
        return None, False
    if a is not None and not a.proof:
        return None, False
    return a, True


def root_list_note() -> str:
    """Which public root list the claim rests on, and that a root made public after it is not in it."""
    from tlsdoctor import public_roots

    try:
        rl = public_roots.load()
        return M("common.public_root_list_2",
                 "the public root list (%s, %d days old; a root made public since is not in it)",
                 M("public_roots.describe", "%s", rl.describe()), public_roots.age_days())
    except (OSError, ValueError):  # Defensive
        return M("common.public_root_list", "the public root list")
