"""tlsdoctor.x509, the one host-side DER reader: what it reads agrees with cryptography and with
OpenSSL's own decoder, both consumers (fix.trust, public_roots) are views of it, and anything that
is not a well-formed certificate is a CertError from all three entry points, never a traceback.

Negative controls: the cross-check is shown to notice a wrong answer (another certificate's
facts), and every refusal test starts from bytes that parse before they are broken.
"""

from __future__ import annotations

import datetime
import hashlib
import ssl

import pytest
import trustme
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from tlsdoctor import public_roots, x509
from tlsdoctor.fix import trust

UTC = datetime.timezone.utc


def _der(cert: cx509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _pem_der(pem: bytes) -> bytes:
    return ssl.PEM_cert_to_DER_cert(pem.decode())


def _build(name=None, issuer=None, not_before=None, not_after=None, extensions=(), key=None):
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = name or cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "x509 test")])
    now = datetime.datetime.now(UTC)
    b = (cx509.CertificateBuilder().subject_name(name).issuer_name(issuer or name).public_key(key.public_key())
         .serial_number(cx509.random_serial_number())
         .not_valid_before(not_before or now - datetime.timedelta(days=1))
         .not_valid_after(not_after or now + datetime.timedelta(days=30)))
    for ext, critical in extensions:
        b = b.add_extension(ext, critical=critical)
    return b.sign(key, hashes.SHA256())


@pytest.fixture(scope="module")
def chain():
    """A trustme root, an intermediate and a leaf: DER, leaf last."""
    ca = trustme.CA(organization_name="x509 Test Org")
    child = ca.create_child_ca()
    leaf = child.issue_cert("pypi.example")
    return [_pem_der(ca.cert_pem.bytes()), _pem_der(child.cert_pem.bytes()), _pem_der(leaf.cert_chain_pems[0].bytes())]


def _odd_cert():
    """Every field the reader decodes, with values that are easy to get wrong: a UTCTime from the
    1950s (RFC 5280: 50-99 are 19xx), a GeneralizedTime (2050 and later), a BMPString, a
    PrintableString, an attribute no table names, a pathlen, keyUsage bits past the first byte."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_key = ec.generate_private_key(ec.SECP256R1())
    name = cx509.Name([
        cx509.NameAttribute(NameOID.COUNTRY_NAME, "DE", _type=_ASN1Type.PrintableString),
        cx509.NameAttribute(NameOID.ORGANIZATION_NAME, "Gr\u00fc\u00dfe \u4e2d", _type=_ASN1Type.BMPString),
        cx509.NameAttribute(NameOID.TITLE, "Odd \u00e9"),
        cx509.NameAttribute(cx509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), "private attr"),
    ])
    issuer = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Issuer CA")])
    return _build(name, issuer, datetime.datetime(1951, 3, 4, 5, 6, 7, tzinfo=UTC),
                  datetime.datetime(2051, 1, 2, 3, 4, 5, tzinfo=UTC), key=key, extensions=[
                      (cx509.BasicConstraints(ca=True, path_length=2), True),
                      (cx509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                      data_encipherment=False, key_agreement=True, key_cert_sign=True,
                                      crl_sign=False, encipher_only=False, decipher_only=True), True),
                      (cx509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
                      (cx509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), False),
                  ])


def _truth(der: bytes) -> dict:
    """The reader's fields as cryptography (OpenSSL's and rust-asn1's parsing) sees them."""
    c = cx509.load_der_x509_certificate(der)
    ext = {e.oid: e.value for e in c.extensions}
    bc = ext.get(cx509.oid.ExtensionOID.BASIC_CONSTRAINTS)
    ku = ext.get(cx509.oid.ExtensionOID.KEY_USAGE)
    ski = ext.get(cx509.oid.ExtensionOID.SUBJECT_KEY_IDENTIFIER)
    aki = ext.get(cx509.oid.ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    ku_names = None
    if ku is not None:
        flags = dict(digitalSignature=ku.digital_signature, nonRepudiation=ku.content_commitment,
                     keyEncipherment=ku.key_encipherment, dataEncipherment=ku.data_encipherment,
                     keyAgreement=ku.key_agreement, keyCertSign=ku.key_cert_sign, cRLSign=ku.crl_sign,
                     encipherOnly=ku.key_agreement and ku.encipher_only,
                     decipherOnly=ku.key_agreement and ku.decipher_only)
        ku_names = frozenset(k for k, v in flags.items() if v)
    spki = c.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return dict(
        sha256=c.fingerprint(hashes.SHA256()).hex(),
        spki_sha256=hashlib.sha256(spki).hexdigest(),
        version=c.version.value + 1,
        subject=tuple((a.oid.dotted_string, a.value) for a in c.subject),
        issuer=tuple((a.oid.dotted_string, a.value) for a in c.issuer),
        not_before=c.not_valid_before_utc,
        not_after=c.not_valid_after_utc,
        is_ca=None if bc is None else bc.ca,
        path_len=None if bc is None else bc.path_length,
        key_usage=ku_names,
        ski=ski.digest.hex() if ski else "",
        authority_key_id=aki.key_identifier.hex() if aki and aki.key_identifier else "",
    )


def _read(der: bytes) -> dict:
    c = x509.parse_der(der)
    return {k: getattr(c, k) for k in _truth(der)}


def test_reader_agrees_with_cryptography(chain):
    for der in chain + [_der(_odd_cert())]:
        assert _read(der) == _truth(der)


def test_the_cross_check_notices_a_wrong_answer(chain):
    # Negative control: were the reader to answer for another certificate of the same chain, the
    # comparison above would fail on the fields that tell them apart.
    got, want = _read(chain[1]), _truth(chain[2])
    assert got != want
    assert {k for k in got if got[k] != want[k]} >= {"sha256", "spki_sha256", "subject", "is_ca"}


def test_odd_values_are_read_as_openssl_reads_them(tmp_path):
    der = _der(_odd_cert())
    c = x509.parse_der(der)
    assert c.not_before == datetime.datetime(1951, 3, 4, 5, 6, 7, tzinfo=UTC)  # UTCTime "51…" is 1951
    assert x509.utc_text(c.not_after) == "2051-01-02T03:04:05Z"  # GeneralizedTime
    assert (c.is_ca, c.path_len) == (True, 2)
    assert c.key_usage == {"keyAgreement", "keyCertSign", "decipherOnly"}  # decipherOnly is bit 8, byte 2
    # The probe's form of the name is what OpenSSL's decoder (CPython's _ssl) prints.
    path = tmp_path / "odd.pem"
    path.write_text(ssl.DER_cert_to_PEM_cert(der))
    ossl = ssl._ssl._test_decode_cert(str(path))
    assert x509.dn_text(c.subject) == ", ".join("%s=%s" % kv for rdn in ossl["subject"] for kv in rdn)
    assert "1.3.6.1.4.1.99999.1=private attr" in x509.dn_text(c.subject)  # no name known: the dotted OID
    assert x509.dn_text(c.subject, x509.SHORT_NAMES).startswith("C=DE, O=Gr\u00fc\u00dfe \u4e2d, 2.5.4.12=Odd")


def test_one_byte_strings_are_latin_1_as_in_openssl(tmp_path):
    """A PrintableString holding bytes >= 0x80 (not allowed, but a crafted CA may carry it) reads
    as OpenSSL's ASN1_STRING_to_UTF8 reads it: byte for code point, as the probe would print it."""
    der = _der(_build(cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "caf\u00e9")])))
    utf8 = b"\x0c\x05caf\xc3\xa9"
    assert der.count(utf8) == 2  # subject and issuer
    crafted = der.replace(utf8, b"\x13" + utf8[1:])  # same length: only the string type changes
    path = tmp_path / "crafted.pem"
    path.write_text(ssl.DER_cert_to_PEM_cert(crafted))
    ossl = ssl._ssl._test_decode_cert(str(path))
    assert ossl["subject"] == ((("commonName", "caf\u00c3\u00a9"),),)
    assert x509.parse_der(crafted).subject == (("2.5.4.3", "caf\u00c3\u00a9"),)
    assert x509.parse_der(der).subject == (("2.5.4.3", "caf\u00e9"),)  # control: the UTF8String original


def test_both_consumers_are_views_of_the_one_reader(chain):
    for der in chain:
        c = x509.parse_der(der)
        info = trust.parse_der(der)
        facts = public_roots.cert_facts(der)
        assert (info.sha256, facts.sha256) == (c.sha256, c.sha256)
        assert facts.spki_sha256 == c.spki_sha256 and facts.ski == c.ski
        assert facts.authority_key_id == c.authority_key_id
        assert facts.subject == x509.dn_text(c.subject) and facts.issuer == x509.dn_text(c.issuer)
        assert facts.not_after == x509.utc_text(c.not_after)
        assert info.subject_text == x509.dn_text(c.subject, x509.SHORT_NAMES)
        assert (info.not_before, info.not_after, info.is_ca, info.path_len, info.key_usage, info.version) == (
            c.not_before, c.not_after, c.is_ca, c.path_len, c.key_usage, c.version)
    assert public_roots.cert_facts(chain[0]).subject.startswith("organizationName=x509 Test Org")
    assert trust.parse_der(chain[0]).subject_text.startswith("O=x509 Test Org")


def test_the_names_other_modules_import_are_the_readers():
    # fix/plan.py and the tests import these from fix.trust; the refresh tool imports cert_facts.
    assert trust.CertError is x509.CertError and issubclass(x509.CertError, ValueError)
    assert trust.KEY_USAGE_BITS is x509.KEY_USAGE_BITS
    assert trust._tlv is x509.tlv


def _broken(der: bytes):
    """(why, bytes) pairs: each the real certificate with one thing wrong that strict DER forbids."""
    _, s, e = x509.tlv(der, 0, len(der))
    body = der[s:e]
    # The tbsCertificate's length is long-form already ("30 82 hi lo"); "30 83 00 hi lo" says the
    # same length with a leading zero byte, which BER allows and DER does not (X.690 10.1).
    assert body[:2] == b"\x30\x82"
    non_minimal = b"\x30\x83\x00" + body[2:]
    n = len(non_minimal)
    yield "non-minimal length", b"\x30\x82" + n.to_bytes(2, "big") + non_minimal
    yield "trailing byte", der + b"\x00"
    yield "truncated", der[:-1]
    yield "indefinite length", b"\x30\x80" + body + b"\x00\x00"


def test_malformed_certificates_are_a_cert_error_from_every_entry_point(chain):
    der = chain[2]
    x509.parse_der(der)  # control: the original reads
    cases = list(_broken(der))
    assert len(cases) == 4
    for why, bad in cases:
        with pytest.raises(ValueError):
            cx509.load_der_x509_certificate(bad)
        for read in (x509.parse_der, trust.parse_der, public_roots.cert_facts):
            with pytest.raises(x509.CertError):
                read(bad)


def _wrap(tag: int, content: bytes) -> bytes:
    n = len(content)
    size = (n.bit_length() + 7) // 8
    return bytes([tag]) + (bytes([n]) if n < 0x80 else bytes([0x80 | size]) + n.to_bytes(size, "big")) + content


def _rebuilt(der: bytes, fields=lambda f: f, extensions=lambda x: x) -> bytes:
    """The certificate re-encoded from its parts, after ``fields`` edited the tbsCertificate's
    elements and ``extensions`` the extension list (the signature then no longer matches: the
    reader never checks it)."""
    _, s, e = x509.tlv(der, 0, len(der))
    (_, tbs_start, tbs_end), alg, sig = _spans(der, s, e)
    _, ts, te = x509.tlv(der, tbs_start, tbs_end)
    tbs = [der[p:q] for _, p, q in _spans(der, ts, te)]
    a3 = tbs[-1]
    _, xs, xe = x509.tlv(a3, 0, len(a3))
    _, ls, le = x509.tlv(a3, xs, xe)
    exts = extensions([a3[p:q] for _, p, q in _spans(a3, ls, le)])
    tbs = fields(tbs[:-1] + [_wrap(0xA3, _wrap(0x30, b"".join(exts)))])
    return _wrap(0x30, _wrap(0x30, b"".join(tbs)) + der[alg[1]:alg[2]] + der[sig[1]:sig[2]])


def _spans(data, s, e):
    """(tag, element start, element end) of each element in [s, e)."""
    out, pos = [], s
    while pos < e:
        tag, _, end = x509.tlv(data, pos, e)
        out.append((tag, pos, end))
        pos = end
    return out


def test_a_repeated_extension_is_refused(chain):
    """RFC 5280 4.2: a certificate "MUST NOT include more than one instance of a particular extension"."""
    der = chain[2]
    assert _rebuilt(der) == der  # control: the rebuild itself changes nothing
    twice = _rebuilt(der, extensions=lambda x: x + x[-1:])
    with pytest.raises(x509.CertError, match="duplicate extension"):
        x509.parse_der(twice)
    with pytest.raises(cx509.DuplicateExtension):  # cryptography refuses it too
        cx509.load_der_x509_certificate(twice).extensions
    for read in (trust.parse_der, public_roots.cert_facts):
        with pytest.raises(x509.CertError):
            read(twice)


def _first(element: bytes) -> bytes:
    """The first element inside a constructed one."""
    _, s, e = x509.tlv(element, 0, len(element))
    _, p, q = _spans(element, s, e)[0]
    return element[p:q]


@pytest.mark.parametrize("what,edit", [
    ("empty version", dict(fields=lambda f: [b"\xa0\x00"] + f[1:])),
    ("version not an INTEGER", dict(fields=lambda f: [_wrap(0xA0, b"\x04\x01\x02")] + f[1:])),
    ("no subjectPublicKeyInfo", dict(fields=lambda f: f[:6] + f[7:])),
    ("validity with one time", dict(fields=lambda f: f[:4] + [_wrap(0x30, _first(f[4]))] + f[5:])),
    ("extension without a value", dict(extensions=lambda x: x[:-1] + [_wrap(0x30, b"\x06\x03\x55\x1d\x0e")])),
    ("extension with an empty OID", dict(extensions=lambda x: x[:-1] + [_wrap(0x30, b"\x06\x00\x04\x00")])),
    ("basicConstraints not a SEQUENCE",
     dict(extensions=lambda x: x + [_wrap(0x30, b"\x06\x03\x55\x1d\x13\x04\x02\x01\x00")])),
])
def test_well_formed_der_that_is_not_a_certificate_is_a_cert_error(chain, what, edit):
    """Valid DER, wrong X.509 structure: a CertError saying what is wrong, never an IndexError."""
    der = chain[2]
    bad = _rebuilt(der, **edit)
    assert bad != der
    for read in (x509.parse_der, trust.parse_der, public_roots.cert_facts):
        with pytest.raises(x509.CertError):
            read(bad)


def test_no_damage_ever_escapes_as_another_exception(chain):
    """Every truncation and every single-byte change of a real certificate: a result or a CertError."""
    der = chain[1]
    read = 0
    for n in range(len(der)):
        for bad in (der[:n], der[:n] + bytes([der[n] ^ 0xFF]) + der[n + 1:]):
            try:
                x509.parse_der(bad)
                read += 1
            except x509.CertError:
                pass
    # Control: flipping bytes inside the signature or the key leaves a readable certificate, so the
    # loop did reach the success path too (not everything was refused at the first byte).
    assert read > 0
