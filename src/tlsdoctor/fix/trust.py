"""Decide, safely, whether a certificate may be added to the trust tlsdoctor builds.

Parsing is stdlib-only and does not need ``import ssl``: ``tlsdoctor.x509`` (the DER reader
shared with ``public_roots``) walks the X.509 structure (RFC 5280 §4.1) for what the decision
needs — subject, issuer, validity, and the two extensions that make a certificate a CA in
OpenSSL's eyes (``X509_check_ca``): basicConstraints ``CA:TRUE`` and, when keyUsage is present,
``keyCertSign``. The tests cross-check the reader against OpenSSL's own decoder
(``ssl._ssl._test_decode_cert``).

Trust is never implied. A certificate is accepted only when it is a CA, inside its
validity period, and the user confirmed *this* certificate: interactively by typing
the first 8 hex digits of its SHA-256 fingerprint (to compare with what IT
publishes), or non-interactively by an exact ``--trust-ca-sha256`` match.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Callable, FrozenSet, List, Optional, Tuple

from tlsdoctor import x509
from tlsdoctor.fix.edits import pem_certificates
from tlsdoctor.messages import M

# The DER reader is tlsdoctor.x509 (shared with public_roots); these names stay importable from
# here, where fix/plan.py and the tests have always found them.
from tlsdoctor.x509 import KEY_USAGE_BITS, CertError  # noqa: F401
from tlsdoctor.x509 import tlv as _tlv  # noqa: F401


@dataclass(frozen=True)
class CertInfo:
    der: bytes
    sha256: str  # lowercase hex, no colons
    version: int  # 1 or 3 (as displayed)
    subject: Tuple[Tuple[str, str], ...]
    issuer: Tuple[Tuple[str, str], ...]
    not_before: datetime.datetime
    not_after: datetime.datetime
    is_ca: Optional[bool]  # None: no basicConstraints extension
    path_len: Optional[int]
    key_usage: Optional[FrozenSet[str]]  # None: no keyUsage extension

    @property
    def fingerprint(self) -> str:
        """``AB:CD:…`` as browsers and ``openssl x509 -fingerprint -sha256`` show it."""
        return ":".join(self.sha256[i:i + 2] for i in range(0, 64, 2)).upper()

    @property
    def self_issued(self) -> bool:
        return self.subject == self.issuer

    @staticmethod
    def _dn(name: Tuple[Tuple[str, str], ...]) -> str:
        return ", ".join("%s=%s" % kv for kv in name) or "(empty)"

    @property
    def subject_text(self) -> str:
        return self._dn(self.subject)

    @property
    def issuer_text(self) -> str:
        return self._dn(self.issuer)

    def describe(self) -> List[str]:
        """The lines shown before the question; messages with ids (``fix --lang zh``): the names,
        dates, extension values and the fingerprint are values, as OpenSSL prints them."""
        ku = M("trust.ku_absent", "absent (any use, as OpenSSL treats it)") if self.key_usage is None else (
            ", ".join(k for k in KEY_USAGE_BITS if k in self.key_usage) or M("trust.ku_none", "(none)"))
        bc = M("trust.bc_absent", "absent") if self.is_ca is None else ("CA:TRUE" if self.is_ca else "CA:FALSE")
        if self.is_ca and self.path_len is not None:
            bc += ", pathlen:%d" % self.path_len
        return [
            M("trust.subject", "subject:     %s", self.subject_text),
            M("trust.issuer", "issuer:      %s%s", self.issuer_text,
              M("trust.self_signed", " (self-signed root)") if self.self_issued else ""),
            M("trust.valid", "valid:       %s .. %s", self.not_before.strftime("%Y-%m-%d %H:%M:%SZ"),
              self.not_after.strftime("%Y-%m-%d %H:%M:%SZ")),
            M("trust.sha256", "SHA-256:     %s", self.fingerprint),
            M("trust.extensions", "basicConstraints: %s; keyUsage: %s", bc, ku),
        ]


def parse_der(der: bytes) -> CertInfo:
    """Decode one DER certificate; any malformation is a ``CertError``, never another exception."""
    c = x509.parse_der(der)
    return CertInfo(c.der, c.sha256, c.version, x509.named(c.subject, x509.SHORT_NAMES),
                    x509.named(c.issuer, x509.SHORT_NAMES), c.not_before, c.not_after, c.is_ca, c.path_len,
                    c.key_usage)


def load_certificates(data: bytes) -> List[CertInfo]:
    """Every certificate in a PEM file (any number) or one DER certificate."""
    if b"-----BEGIN" in data:
        ders = pem_certificates(data)
        if not ders:
            raise CertError("no PEM CERTIFICATE block")
    else:
        ders = [data]
    return [parse_der(d) for d in ders]


# ---------------------------------------------------------------- the decision

def normalize_fingerprint(text: str) -> str:
    """``AB:cd 12…`` -> ``abcd12…`` (case, colons and spaces do not matter)."""
    return re.sub(r"[\s:]", "", text or "").lower()


def refusal(info: CertInfo, now: Optional[datetime.datetime] = None) -> Optional[str]:
    """Why this certificate must never be trusted as a CA, or None."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if info.version < 3:
        return M("trust.v1", "an X.509 v%d certificate cannot state that it is a CA (no basicConstraints); "
                 "tlsdoctor does not trust it automatically — add it by hand only if IT confirms it", info.version)
    if info.is_ca is not True:
        return M("trust.not_ca", "not a CA certificate (basicConstraints %s): trusting a server's own certificate "
                 "would pin one key and hide the real problem",
                 M("trust.bc_absent", "absent") if info.is_ca is None else "CA:FALSE")
    if info.key_usage is not None and "keyCertSign" not in info.key_usage:
        return M("trust.no_cert_sign", "a CA whose keyUsage lacks keyCertSign cannot sign certificates "
                 "(OpenSSL rejects chains through it)")
    if now < info.not_before:
        return M("trust.not_yet_valid", "not valid before %s (or this machine's clock is behind)",
                 info.not_before.strftime("%Y-%m-%d"))
    if now > info.not_after:
        return M("trust.expired", "expired on %s", info.not_after.strftime("%Y-%m-%d"))
    return None


@dataclass(frozen=True)
class Decision:
    accepted: bool
    reason: str
    sha256: str


def confirm(info: CertInfo, *, trust_sha256: Optional[str] = None,
            ask: Optional[Callable[[str], str]] = None,
            now: Optional[datetime.datetime] = None) -> Decision:
    """Accept ``info`` only with an explicit, matching confirmation.

    ``trust_sha256`` (``--trust-ca-sha256``) must equal the whole fingerprint; it is the
    only way without a terminal, and when given it also binds an interactive run.
    ``ask`` (a terminal prompt) gets the first 8 hex digits typed back.
    """
    # The reasons and the question are messages with ids (``fix --lang zh``: ``run_fix`` says them in Chinese).
    why = refusal(info, now)
    if why:
        return Decision(False, M("trust.refused", "refused: %s", why), info.sha256)
    if trust_sha256 is not None:
        want = normalize_fingerprint(trust_sha256)
        if not re.match(r"^[0-9a-f]{64}$", want):
            return Decision(False, M("trust.whole_fingerprint", "refused: --trust-ca-sha256 must be the whole "
                                     "SHA-256 fingerprint (64 hex digits)"), info.sha256)
        if want != info.sha256:
            return Decision(False, M("trust.other_fingerprint", "refused: the presented CA's SHA-256 is %s, not the "
                                     "one given with --trust-ca-sha256; nothing was changed", info.fingerprint),
                            info.sha256)
        return Decision(True, M("trust.matches", "matches --trust-ca-sha256"), info.sha256)
    if ask is None:
        return Decision(False, M("trust.not_confirmed", "not confirmed: re-run with --trust-ca-sha256 %s after "
                                 "comparing it with the fingerprint your IT department publishes", info.sha256),
                        info.sha256)
    typed = normalize_fingerprint(ask(M("trust.question", "Compare the fingerprint with the one your IT department "
                                        "publishes.\nTo trust this CA, type the first 8 hex digits of its SHA-256: ")))
    if len(typed) >= 8 and info.sha256.startswith(typed):
        return Decision(True, M("trust.typed", "confirmed by typing its fingerprint"), info.sha256)
    return Decision(False, M("trust.typed_mismatch", "not confirmed: the typed digits do not match; nothing was "
                             "changed"), info.sha256)
