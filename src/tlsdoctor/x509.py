"""The host side's one X.509 reader: a strict DER walk of a certificate (RFC 5280 §4.1).

The stdlib has no X.509 parser that gives what tlsdoctor needs: ``ssl._ssl._test_decode_cert``
returns names, dates and SANs only (no SubjectPublicKeyInfo, key identifiers, basicConstraints or
keyUsage), and ``fix`` must work when ``import ssl`` fails. So this module walks the few fields two
consumers need, once, into one frozen record:

- ``fix.trust`` (may this CA be added to a bundle?): version, subject, issuer, validity, and the two
  extensions that make a certificate a CA in OpenSSL's eyes (``X509_check_ca``): basicConstraints
  ``CA:TRUE`` and, when keyUsage is present, ``keyCertSign``;
- ``public_roots`` (is a chain anchored in a public root?) and ``tools/refresh_public_roots.py``:
  the SHA-256 of the DER and of the SubjectPublicKeyInfo, the Subject and Authority Key Identifiers,
  subject and issuer in the probe's ``longName=value`` form, notAfter.

The probe (``probe/target.py``) keeps its own copy: it must stay one self-contained Python 2.7 file.

The reader is strict DER (definite, minimal lengths; no element may run past its container) and
total: anything it cannot read is a ``CertError`` (a ``ValueError``), never another exception, since
its input can be a file a user was handed or one planted for the lab switch.

Nothing heavy is imported with the module: ``hashlib`` is imported when a certificate is read,
because importing it loads OpenSSL, which reads OPENSSL_CONF, and ``check``'s own process must not
block on a FIFO there (tests/hostile/test_deadlines.py::test_openssl_conf_fifo).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import FrozenSet, Iterator, List, Mapping, Optional, Sequence, Tuple

__all__ = [
    "CertError",
    "Certificate",
    "KEY_USAGE_BITS",
    "LONG_NAMES",
    "SHORT_NAMES",
    "children",
    "dn_text",
    "named",
    "parse_der",
    "tlv",
    "utc_text",
]


class CertError(ValueError):
    """Not a certificate this reader understands (malformed DER, wrong structure)."""


# An element as the reader sees it: (tag, content start, content end), offsets into the DER.
Element = Tuple[int, int, int]
# A distinguished name: (dotted attribute OID, value) in the certificate's order.
Name = Tuple[Tuple[str, str], ...]


# ------------------------------------------------------------------ DER primitives

def tlv(data: bytes, pos: int, end: int) -> Element:
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


def children(data: bytes, start: int, end: int) -> List[Element]:
    """Every element in ``[start, end)``, in order (each bounded by ``end``)."""
    out = []
    pos = start
    while pos < end:
        el = tlv(data, pos, end)
        out.append(el)
        pos = el[2]
    return out


def _expect(el: Element, tag: int, what: str) -> Element:
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
    if not parts:
        raise CertError("unterminated OID")
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in [first, parts[0] - 40 * first] + parts[1:])


# ------------------------------------------------------------------ names

# The attribute names OpenSSL prints (crypto/objects/objects.txt). LONG_NAMES are what CPython's
# _ssl puts in getpeercert()/_test_decode_cert names, so public_roots' subjects read like the
# probe's; SHORT_NAMES are ``openssl x509 -subject``'s, which fix shows before asking to trust a CA.
# An attribute in neither table is shown by its dotted OID.
LONG_NAMES: Mapping[str, str] = {
    "2.5.4.3": "commonName", "2.5.4.4": "surname", "2.5.4.5": "serialNumber", "2.5.4.6": "countryName",
    "2.5.4.7": "localityName", "2.5.4.8": "stateOrProvinceName", "2.5.4.9": "streetAddress",
    "2.5.4.10": "organizationName", "2.5.4.11": "organizationalUnitName", "2.5.4.12": "title",
    "2.5.4.15": "businessCategory", "2.5.4.17": "postalCode", "2.5.4.42": "givenName",
    "2.5.4.43": "initials", "2.5.4.46": "dnQualifier", "2.5.4.65": "pseudonym",
    "2.5.4.97": "organizationIdentifier", "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.1": "userId", "0.9.2342.19200300.100.1.25": "domainComponent",
    "1.3.6.1.4.1.311.60.2.1.1": "jurisdictionLocalityName",
    "1.3.6.1.4.1.311.60.2.1.2": "jurisdictionStateOrProvinceName",
    "1.3.6.1.4.1.311.60.2.1.3": "jurisdictionCountryName",
}
SHORT_NAMES: Mapping[str, str] = {
    "2.5.4.3": "CN", "2.5.4.6": "C", "2.5.4.7": "L", "2.5.4.8": "ST", "2.5.4.10": "O",
    "2.5.4.11": "OU", "2.5.4.5": "serialNumber", "1.2.840.113549.1.9.1": "emailAddress",
    "0.9.2342.19200300.100.1.25": "DC",
}


def dn_text(name: Name, names: Mapping[str, str] = LONG_NAMES) -> str:
    """``commonName=x, organizationName=y`` (the probe's form; ``names=SHORT_NAMES``: ``CN=x, O=y``)."""
    return ", ".join("%s=%s" % (names.get(oid, oid), value) for oid, value in name)


def named(name: Name, names: Mapping[str, str]) -> Tuple[Tuple[str, str], ...]:
    """The name with each attribute OID replaced by its name in ``names`` (when it has one)."""
    return tuple((names.get(oid, oid), value) for oid, value in name)


def _string(tag: int, raw: bytes) -> str:
    # As OpenSSL's ASN1_STRING_to_UTF8, which CPython uses for getpeercert() names: the one-byte
    # types (PrintableString, IA5String, T61String, …) are read as Latin-1, byte for code point.
    if tag == 0x1E:  # BMPString
        return raw.decode("utf-16-be", "replace")
    if tag == 0x1C:  # UniversalString
        return raw.decode("utf-32-be", "replace")
    if tag == 0x0C:  # UTF8String
        return raw.decode("utf-8", "replace")
    return raw.decode("latin-1")


def _name(data: bytes, el: Element) -> Name:
    out = []
    for rdn in children(data, el[1], el[2]):
        _expect(rdn, 0x31, "RDN")
        for atv in children(data, rdn[1], rdn[2]):
            _expect(atv, 0x30, "AttributeTypeAndValue")
            kids = children(data, atv[1], atv[2])
            if len(kids) != 2:
                raise CertError("AttributeTypeAndValue with %d parts" % len(kids))
            tag, vs, ve = kids[1]
            out.append((_oid(data[kids[0][1]:kids[0][2]]), _string(tag, data[vs:ve])))
    return tuple(out)


# ------------------------------------------------------------------ the rest of the fields

def _time(data: bytes, el: Element) -> datetime.datetime:
    tag, s, e = el
    if tag not in (0x17, 0x18):
        raise CertError("validity time with tag 0x%02x" % tag)
    text = data[s:e].decode("ascii", "replace")
    try:
        if tag == 0x17:  # UTCTime: YYMMDDHHMMSSZ, 50-99 -> 19xx (RFC 5280 4.1.2.5.1)
            t = datetime.datetime.strptime(text, "%y%m%d%H%M%SZ")
            if t.year >= 2050:
                t = t.replace(year=t.year - 100)
        else:  # GeneralizedTime: YYYYMMDDHHMMSSZ
            t = datetime.datetime.strptime(text, "%Y%m%d%H%M%SZ")
    except ValueError:
        raise CertError("bad time %r" % text)
    return t.replace(tzinfo=datetime.timezone.utc)


KEY_USAGE_BITS = ("digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
                  "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly")

_OID_BASIC_CONSTRAINTS = "2.5.29.19"
_OID_KEY_USAGE = "2.5.29.15"
_OID_SKI = "2.5.29.14"
_OID_AKI = "2.5.29.35"


@dataclass(frozen=True)
class Certificate:
    """What tlsdoctor reads from one DER certificate."""

    der: bytes
    sha256: str  # of the DER: lower-case hex, no colons (what the probe reports as a chain cert's sha256)
    spki_sha256: str  # of the DER SubjectPublicKeyInfo (a re-issued or cross-signed root keeps it)
    version: int  # 1 or 3 (as displayed)
    subject: Name
    issuer: Name
    not_before: datetime.datetime  # UTC
    not_after: datetime.datetime  # UTC
    is_ca: Optional[bool]  # None: no basicConstraints extension
    path_len: Optional[int]
    key_usage: Optional[FrozenSet[str]]  # None: no keyUsage extension
    ski: str  # Subject Key Identifier, lower-case hex ("" when absent)
    authority_key_id: str  # the Authority Key Identifier's keyIdentifier, lower-case hex ("" when absent)


def parse_der(der: bytes) -> Certificate:
    """Decode one DER certificate; any malformation is a ``CertError``, never another exception."""
    try:
        return _parse_der(bytes(der))
    except CertError:
        raise
    except (IndexError, ValueError, OverflowError) as exc:  # Defensive: hostile input
        raise CertError("malformed certificate: %s" % exc)


def _parse_der(der: bytes) -> Certificate:
    # hashlib here, not at import: see the module docstring (OPENSSL_CONF).
    import hashlib

    cert = _expect(tlv(der, 0, len(der)), 0x30, "Certificate")
    if cert[2] != len(der):
        raise CertError("trailing bytes after the certificate")
    parts = children(der, cert[1], cert[2])
    if len(parts) != 3:
        raise CertError("Certificate has %d parts, not 3" % len(parts))
    tbs = children(der, *_expect(parts[0], 0x30, "tbsCertificate")[1:])
    i = 0
    version = 1
    if tbs and tbs[0][0] == 0xA0:  # [0] EXPLICIT version
        v = children(der, tbs[0][1], tbs[0][2])
        _expect(v[0], 0x02, "version")
        version = int.from_bytes(der[v[0][1]:v[0][2]], "big") + 1
        i = 1
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, [1], [2], [3]
    if len(tbs) < i + 6:
        raise CertError("tbsCertificate too short")
    _expect(tbs[i], 0x02, "serialNumber")
    issuer = _name(der, _expect(tbs[i + 2], 0x30, "issuer"))
    validity = children(der, *_expect(tbs[i + 3], 0x30, "validity")[1:])
    if len(validity) != 2:
        raise CertError("validity has %d times" % len(validity))
    subject = _name(der, _expect(tbs[i + 4], 0x30, "subject"))
    # The whole SubjectPublicKeyInfo element, header included: elements are contiguous, so it
    # starts where the subject element ends.
    spki = der[tbs[i + 4][2]:_expect(tbs[i + 5], 0x30, "subjectPublicKeyInfo")[2]]
    is_ca: Optional[bool] = None
    path_len: Optional[int] = None
    key_usage: Optional[FrozenSet[str]] = None
    ski = aki = ""
    for oid, val in _extensions(der, tbs[i + 6:]):
        if oid == _OID_BASIC_CONSTRAINTS:
            is_ca, path_len = _basic_constraints(der, val)
        elif oid == _OID_KEY_USAGE:
            key_usage = _key_usage(der, val)
        elif oid == _OID_SKI:
            t, s, e = tlv(der, val[1], val[2])
            if t == 0x04:  # KeyIdentifier OCTET STRING
                ski = der[s:e].hex()
        elif oid == _OID_AKI:
            t, s, e = tlv(der, val[1], val[2])
            for t2, s2, e2 in children(der, s, e) if t == 0x30 else ():
                if t2 == 0x80:  # [0] IMPLICIT keyIdentifier
                    aki = der[s2:e2].hex()
    return Certificate(
        der=der,
        sha256=hashlib.sha256(der).hexdigest(),
        spki_sha256=hashlib.sha256(spki).hexdigest(),
        version=version,
        subject=subject,
        issuer=issuer,
        not_before=_time(der, validity[0]),
        not_after=_time(der, validity[1]),
        is_ca=is_ca,
        path_len=path_len,
        key_usage=key_usage,
        ski=ski,
        authority_key_id=aki,
    )


def _extensions(der: bytes, tail: Sequence[Element]) -> Iterator[Tuple[str, Element]]:
    """``(oid, extnValue)`` of each extension after subjectPublicKeyInfo, in order (lazily, so
    a malformed extension is reported before a later duplicate)."""
    seen = set()
    for el in tail:
        if el[0] != 0xA3:
            continue  # [1]/[2] unique identifiers
        exts = children(der, el[1], el[2])
        if len(exts) != 1:
            raise CertError("extensions wrapper")
        for ext in children(der, *_expect(exts[0], 0x30, "Extensions")[1:]):
            kids = children(der, *_expect(ext, 0x30, "Extension")[1:])
            oid = _oid(der[kids[0][1]:kids[0][2]])
            if oid in seen:
                # RFC 5280 4.2: "MUST NOT include more than one instance of a particular extension"
                raise CertError("duplicate extension %s" % oid)
            seen.add(oid)
            # extnValue is last: the critical BOOLEAN may precede it
            yield oid, _expect(kids[-1], 0x04, "extnValue")


def _basic_constraints(der: bytes, val: Element) -> Tuple[bool, Optional[int]]:
    bc = _expect(tlv(der, val[1], val[2]), 0x30, "BasicConstraints")
    is_ca = False
    path_len: Optional[int] = None
    for tag, s, e in children(der, bc[1], bc[2]):
        if tag == 0x01:
            is_ca = der[s:e] != b"\x00"
        elif tag == 0x02:
            path_len = int.from_bytes(der[s:e], "big")
    return is_ca, path_len


def _key_usage(der: bytes, val: Element) -> FrozenSet[str]:
    tag, s, e = _expect(tlv(der, val[1], val[2]), 0x03, "KeyUsage")
    if e - s < 1:
        raise CertError("empty keyUsage")
    bits = der[s + 1:e]  # the first content byte counts the unused bits
    names = set()
    for n, name in enumerate(KEY_USAGE_BITS):
        byte, bit = divmod(n, 8)
        if byte < len(bits) and bits[byte] & (0x80 >> bit):
            names.add(name)
    return frozenset(names)


def utc_text(t: datetime.datetime) -> str:
    """``2038-01-19T03:14:07Z`` (ISO 8601, as the public root list stores notAfter)."""
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (t.year, t.month, t.day, t.hour, t.minute, t.second)

