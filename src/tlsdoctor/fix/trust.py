"""Decide, safely, whether a certificate may be added to the trust tlsdoctor builds.

Parsing is stdlib-only and does not need ``import ssl``: a small DER reader walks the
X.509 structure (RFC 5280 §4.1) for what the decision needs — subject, issuer,
validity, and the two extensions that make a certificate a CA in OpenSSL's eyes
(``X509_check_ca``): basicConstraints ``CA:TRUE`` and, when keyUsage is present,
``keyCertSign``. The tests cross-check the reader against OpenSSL's own decoder
(``ssl._ssl._test_decode_cert``).

Trust is never implied. A certificate is accepted only when it is a CA, inside its
validity period, and the user confirmed *this* certificate: interactively by typing
the first 8 hex digits of its SHA-256 fingerprint (to compare with what IT
publishes), or non-interactively by an exact ``--trust-ca-sha256`` match.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass
from typing import Callable, FrozenSet, Iterator, List, Optional, Sequence, Tuple

from tlsdoctor.fix.edits import pem_certificates
from tlsdoctor.messages import M


class CertError(ValueError):
    """Not a certificate this reader understands (malformed DER, wrong structure)."""


# ------------------------------------------------------------------ DER reader

def _tlv(data: bytes, pos: int, end: int) -> Tuple[int, int, int]:
    """``(tag, content_start, content_end)`` of the element at ``pos``; strict DER lengths."""
    if pos + 2 > end:
        raise CertError("truncated element at offset %d" % pos)
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise CertError("multi-byte tags do not occur in X.509 certificates")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        if n == 0 or n > 4:
            raise CertError("indefinite or oversized length at offset %d" % (pos - 1))
        if pos + n > end:
            raise CertError("truncated length at offset %d" % pos)
        length = int.from_bytes(data[pos:pos + n], "big")
        if length < 0x80 or data[pos] == 0:
            raise CertError("non-minimal DER length at offset %d" % pos)
        pos += n
    if pos + length > end:
        raise CertError("element at offset %d runs past its container" % pos)
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> List[Tuple[int, int, int]]:
    out = []
    pos = start
    while pos < end:
        tag, s, e = _tlv(data, pos, end)
        out.append((tag, s, e))
        pos = e
    return out


def _expect(el: Tuple[int, int, int], tag: int, what: str) -> Tuple[int, int, int]:
    if el[0] != tag:
        raise CertError("%s: expected tag 0x%02x, found 0x%02x" % (what, tag, el[0]))
    return el


def _oid(raw: bytes) -> str:
    if not raw:
        raise CertError("empty OID")
    parts = []
    value = 0
    for b in raw:
        value = (value << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(value)
            value = 0
    first = parts[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(p) for p in head + parts[1:])


_STRINGS = {0x0C: "utf-8", 0x13: "ascii", 0x16: "ascii", 0x14: "latin-1", 0x1E: "utf-16-be",
            0x1C: "utf-32-be", 0x12: "ascii", 0x1A: "ascii"}

_ATTR = {"2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
         "2.5.4.11": "OU", "2.5.4.5": "serialNumber", "1.2.840.113549.1.9.1": "emailAddress",
         "0.9.2342.19200300.100.1.25": "DC"}


def _name(data: bytes, s: int, e: int) -> Tuple[Tuple[str, str], ...]:
    out = []
    for rdn in _children(data, s, e):
        _expect(rdn, 0x31, "RDN")
        for atv in _children(data, rdn[1], rdn[2]):
            _expect(atv, 0x30, "AttributeTypeAndValue")
            kids = _children(data, atv[1], atv[2])
            if len(kids) != 2:
                raise CertError("AttributeTypeAndValue with %d parts" % len(kids))
            oid = _oid(data[kids[0][1]:kids[0][2]])
            tag, vs, ve = kids[1]
            enc = _STRINGS.get(tag, "latin-1")
            value = data[vs:ve].decode(enc, "replace")
            out.append((_ATTR.get(oid, oid), value))
    return tuple(out)


def _time(data: bytes, el: Tuple[int, int, int]) -> datetime.datetime:
    tag, s, e = el
    text = data[s:e].decode("ascii", "replace")
    try:
        if tag == 0x17:  # UTCTime: YYMMDDHHMMSSZ, 50-99 -> 19xx (RFC 5280 4.1.2.5.1)
            t = datetime.datetime.strptime(text, "%y%m%d%H%M%SZ")
            if t.year >= 2050:
                t = t.replace(year=t.year - 100)
        elif tag == 0x18:
            t = datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ")
        else:
            raise CertError("validity time with tag 0x%02x" % tag)
    except ValueError:
        raise CertError("bad time %r" % text)
    return t.replace(tzinfo=datetime.timezone.utc)


KEY_USAGE_BITS = ("digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                  "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly")


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
    try:
        return _parse_der(der)
    except CertError:
        raise
    except (IndexError, ValueError, OverflowError) as exc:  # Defensive: hostile input
        raise CertError("malformed certificate: %s" % exc)


def _parse_der(der: bytes) -> CertInfo:
    cert = _expect(_tlv(der, 0, len(der)), 0x30, "Certificate")
    if cert[2] != len(der):
        raise CertError("trailing bytes after the certificate")
    parts = _children(der, cert[1], cert[2])
    if len(parts) != 3:
        raise CertError("Certificate has %d parts, not 3" % len(parts))
    tbs = _children(der, *_expect(parts[0], 0x30, "tbsCertificate")[1:])
    i = 0
    version = 1
    if tbs and tbs[0][0] == 0xA0:
        v = _children(der, tbs[0][1], tbs[0][2])
        _expect(v[0], 0x02, "version")
        version = int.from_bytes(der[v[0][1]:v[0][2]], "big") + 1
        i = 1
    if len(tbs) < i + 6:
        raise CertError("tbsCertificate too short")
    _expect(tbs[i], 0x02, "serialNumber")
    issuer = _name(der, *_expect(tbs[i + 2], 0x30, "issuer")[1:])
    validity = _children(der, *_expect(tbs[i + 3], 0x30, "validity")[1:])
    if len(validity) != 2:
        raise CertError("validity has %d times" % len(validity))
    subject = _name(der, *_expect(tbs[i + 4], 0x30, "subject")[1:])
    is_ca: Optional[bool] = None
    path_len: Optional[int] = None
    key_usage: Optional[FrozenSet[str]] = None
    for oid, val in _extensions(der, tbs[i + 6:]):
        if oid == "2.5.29.19":  # basicConstraints
            is_ca, path_len = _basic_constraints(der, val)
        elif oid == "2.5.29.15":  # keyUsage BIT STRING
            key_usage = _key_usage(der, val)
    return CertInfo(der, hashlib.sha256(der).hexdigest(), version, subject, issuer,
                    _time(der, validity[0]), _time(der, validity[1]), is_ca, path_len, key_usage)


def _extensions(der: bytes, tail: Sequence[Tuple[int, int, int]]) -> Iterator[Tuple[str, Tuple[int, int, int]]]:
    """``(oid, extnValue)`` of each extension after subjectPublicKeyInfo, in order (lazily, so
    a malformed extension is reported before a later duplicate)."""
    seen = set()
    for el in tail:
        if el[0] != 0xA3:
            continue  # [1]/[2] unique identifiers
        exts = _children(der, el[1], el[2])
        if len(exts) != 1:
            raise CertError("extensions wrapper")
        for ext in _children(der, *_expect(exts[0], 0x30, "Extensions")[1:]):
            kids = _children(der, *_expect(ext, 0x30, "Extension")[1:])
            oid = _oid(der[kids[0][1]:kids[0][2]])
            if oid in seen:
                # RFC 5280 4.2: "MUST NOT include more than one instance of a particular extension"
                raise CertError("duplicate extension %s" % oid)
            seen.add(oid)
            yield oid, _expect(kids[-1], 0x04, "extnValue")


def _basic_constraints(der: bytes, val: Tuple[int, int, int]) -> Tuple[bool, Optional[int]]:
    bc = _expect(_tlv(der, val[1], val[2]), 0x30, "BasicConstraints")
    is_ca = False
    path_len: Optional[int] = None
    for tag, s, e in _children(der, bc[1], bc[2]):
        if tag == 0x01:
            is_ca = der[s:e] != b"\x00"
        elif tag == 0x02:
            path_len = int.from_bytes(der[s:e], "big")
    return is_ca, path_len


def _key_usage(der: bytes, val: Tuple[int, int, int]) -> FrozenSet[str]:
    tag, s, e = _expect(_tlv(der, val[1], val[2]), 0x03, "KeyUsage")
    if e - s < 1:
        raise CertError("empty keyUsage")
    bits = der[s + 1:e]
    names = set()
    for n, name in enumerate(KEY_USAGE_BITS):
        byte, bit = divmod(n, 8)
        if byte < len(bits) and bits[byte] & (0x80 >> bit):
            names.add(name)
    return frozenset(names)


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
