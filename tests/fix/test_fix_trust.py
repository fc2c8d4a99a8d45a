"""CA trust safety: only a confirmed CA is ever accepted; leaves and non-signing CAs never."""

from __future__ import annotations

import datetime
import ssl

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tlsdoctor.fix.trust import CertError, confirm, load_certificates, normalize_fingerprint, parse_der


def _pem_to_der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _make(ca=True, key_cert_sign=True, with_bc=True, with_ku=True, days=(-1, 365)):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Odd CA \u00e9"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ACME")])
    now = datetime.datetime.now(datetime.timezone.utc)
    b = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(now + datetime.timedelta(days=days[0]))
         .not_valid_after(now + datetime.timedelta(days=days[1])))
    if with_bc:
        b = b.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    if with_ku:
        b = b.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                          data_encipherment=False, key_agreement=False,
                                          key_cert_sign=key_cert_sign, crl_sign=True, encipher_only=False,
                                          decipher_only=False), critical=True)
    return b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def ca():
    return trustme.CA(organization_name="Corp Interception")


def test_root_ca_is_parsed_like_openssl_does(ca, tmp_path):
    der = _pem_to_der(ca.cert_pem.bytes())
    info = parse_der(der)
    assert info.is_ca is True and "keyCertSign" in info.key_usage and info.self_issued
    # Cross-check the DER reader with OpenSSL's own decoder.
    p = tmp_path / "ca.pem"
    p.write_bytes(ca.cert_pem.bytes())
    ossl = ssl._ssl._test_decode_cert(str(p))
    assert info.not_after == datetime.datetime.fromtimestamp(ssl.cert_time_to_seconds(ossl["notAfter"]),
                                                             datetime.timezone.utc)
    assert ("O", "Corp Interception") in info.subject
    assert dict(x[0] for x in ossl["subject"])["organizationName"] == "Corp Interception"
    assert info.fingerprint.replace(":", "").lower() == info.sha256
    assert confirm(info, trust_sha256=info.fingerprint).accepted  # colons, upper case: fine


def test_intermediate_is_accepted_with_its_fingerprint(ca):
    child = ca.create_child_ca()
    info = load_certificates(child.cert_pem.bytes())[0]
    assert info.is_ca and not info.self_issued
    assert confirm(info, trust_sha256=info.sha256.upper()).accepted


def test_leaf_is_always_refused(ca):
    leaf = ca.issue_cert("pypi.example")
    info = load_certificates(leaf.cert_chain_pems[0].bytes())[0]
    assert info.is_ca is False
    d = confirm(info, trust_sha256=info.sha256)  # even with the exact fingerprint
    assert not d.accepted and "not a CA" in d.reason
    assert not confirm(info, ask=lambda _: info.sha256[:8]).accepted


@pytest.mark.parametrize("kwargs,why", [
    (dict(key_cert_sign=False), "keyCertSign"),
    (dict(with_bc=False), "not a CA"),
    (dict(ca=False), "not a CA"),
    (dict(days=(-30, -1)), "expired"),
    (dict(days=(2, 30)), "not valid before"),
])
def test_non_signing_or_invalid_cas_are_refused(kwargs, why):
    info = parse_der(_make(**kwargs))
    d = confirm(info, trust_sha256=info.sha256)
    assert not d.accepted and why in d.reason


def test_ca_without_key_usage_is_a_ca_as_openssl_treats_it():
    info = parse_der(_make(with_ku=False))
    assert info.key_usage is None
    assert confirm(info, trust_sha256=info.sha256).accepted
    assert ("CN", "Odd CA \u00e9") in info.subject  # UTF8String decoded


def test_wrong_or_partial_fingerprint_is_refused(ca):
    info = load_certificates(ca.cert_pem.bytes())[0]
    wrong = ("0" if info.sha256[0] != "0" else "1") + info.sha256[1:]
    assert not confirm(info, trust_sha256=wrong).accepted
    assert not confirm(info, trust_sha256=info.sha256[:8]).accepted  # a prefix is not enough without a terminal
    d = confirm(info)  # no terminal, no fingerprint
    assert not d.accepted and "--trust-ca-sha256" in d.reason


def test_interactive_confirmation_needs_the_first_8_digits(ca):
    info = load_certificates(ca.cert_pem.bytes())[0]
    assert confirm(info, ask=lambda _: info.fingerprint[:11]).accepted  # "AB:CD:EF:12" typed with colons
    assert not confirm(info, ask=lambda _: info.sha256[:7]).accepted
    assert not confirm(info, ask=lambda _: info.sha256[1:9]).accepted
    assert not confirm(info, ask=lambda _: "").accepted


def test_normalize_fingerprint():
    assert normalize_fingerprint(" AB:cd 01 ") == "abcd01"


@pytest.mark.parametrize("blob", [b"", b"\x30\x80\x00\x00", b"\x30\x03\x02\x01", b"not a cert",
                                  b"-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n"])
def test_garbage_is_a_clean_error(blob):
    with pytest.raises(CertError):
        load_certificates(blob)


def test_truncations_of_a_real_certificate_never_crash(ca):
    der = _pem_to_der(ca.cert_pem.bytes())
    for n in range(0, len(der), 7):
        with pytest.raises(CertError):
            parse_der(der[:n])


def _tlv(tag, body):
    n = len(body)
    if n < 0x80:
        return bytes([tag, n]) + body
    ln = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(ln)]) + ln + body


def _raw(der, s, e):
    """``[(tag, whole element bytes)]`` of the elements between s and e."""
    from tlsdoctor.fix.trust import _tlv as read

    out, pos = [], s
    while pos < e:
        tag, _, end = read(der, pos, e)
        out.append((tag, der[pos:end]))
        pos = end
    return out


def _as_v1(der):
    """The same certificate with its [0] version and [3] extensions removed (X.509 v1). The
    signature no longer matches, which does not matter: the decision never rests on it."""
    [(_, cert)] = _raw(der, 0, len(der))
    from tlsdoctor.fix.trust import _tlv as read

    _, s, e = read(cert, 0, len(cert))
    (_, tbs), (_, alg), (_, sig) = _raw(cert, s, e)
    _, ts, te = read(tbs, 0, len(tbs))
    body = b"".join(el for tag, el in _raw(tbs, ts, te) if tag not in (0xA0, 0xA3))
    return _tlv(0x30, _tlv(0x30, body) + alg + sig)


def test_v1_self_signed_root_is_refused(ca):
    info = parse_der(_as_v1(_pem_to_der(ca.cert_pem.bytes())))
    assert info.version == 1 and info.is_ca is None and info.self_issued
    d = confirm(info, trust_sha256=info.sha256)
    assert not d.accepted and "v1" in d.reason
    # control: the v3 original is accepted
    v3 = parse_der(_pem_to_der(ca.cert_pem.bytes()))
    assert confirm(v3, trust_sha256=v3.sha256).accepted
