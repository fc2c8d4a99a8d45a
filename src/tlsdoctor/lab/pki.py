"""Certificates for the lab, made fresh for every run.

Most come from trustme (RSA keys: legacy and DHE-RSA cipher scenarios need an
RSA server key). Two shapes trustme will not make are built with
``cryptography`` directly:

- a self-signed *leaf* (a server certificate that is its own issuer);
- a CA whose basicConstraints extension is not marked critical, and whose
  leaf lacks an authority key identifier. Python 3.13's
  ``create_default_context()`` sets VERIFY_X509_STRICT (python/cpython#107361),
  and OpenSSL then rejects it with "Basic Constraints of CA cert not marked
  critical"; older verification accepts it. Many corporate and easy-rsa CAs
  look like this.
"""

from __future__ import annotations

import datetime
import os
from typing import Dict, List, Optional

try:  # the lab is an optional extra: pip install 'tlsdoctor[lab]'
    import trustme
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "the tlsdoctor lab needs its extra: python -m pip install 'tlsdoctor[lab]' (%s)" % exc
    ) from exc

LOOPBACK_IDENTITIES = ("127.0.0.1", "localhost", "::1")
# Names only the lab's proxy resolves (RFC 6761 .invalid never resolves elsewhere).
PROXY_ONLY_INDEX = "index.tlsdoctor-lab.invalid"
PROXY_ONLY_SECOND = "second.tlsdoctor-lab.invalid"
RSA = trustme.KeyType.RSA


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


class PKI:
    """Lazily made certificates, written as PEM files into ``directory``."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self._cas: Dict[str, trustme.CA] = {}

    def ca(self, name: str) -> "trustme.CA":
        """A root CA named ``name`` (index, proxy, client, other, ...)."""
        if name not in self._cas:
            self._cas[name] = trustme.CA(
                key_type=RSA, organization_name="tlsdoctor lab", organization_unit_name=name + " CA"
            )
        return self._cas[name]

    def write(self, filename: str, *blobs: bytes) -> str:
        path = os.path.join(self.directory, filename)
        with open(path, "wb") as f:
            for blob in blobs:
                f.write(blob)
        return path

    def ca_file(self, name: str) -> str:
        """The PEM file of CA ``name`` (what a client would pass to --cert)."""
        return self.write(name + "-ca.pem", self.ca(name).cert_pem.bytes())

    def leaf(
        self,
        ca_name: str = "index",
        identities: tuple = LOOPBACK_IDENTITIES,
        not_before: Optional[datetime.datetime] = None,
        not_after: Optional[datetime.datetime] = None,
    ) -> "trustme.LeafCert":
        return self.ca(ca_name).issue_cert(
            *identities, key_type=RSA, not_before=not_before, not_after=not_after
        )

    def chained_leaf(self) -> "trustme.LeafCert":
        """A leaf issued by an intermediate of the index CA (cert_chain_pems: leaf, intermediate)."""
        if "index-intermediate" not in self._cas:
            self._cas["index-intermediate"] = self.ca("index").create_child_ca(key_type=RSA)
        return self._cas["index-intermediate"].issue_cert(*LOOPBACK_IDENTITIES, key_type=RSA)

    # --- shapes trustme does not make -----------------------------------------

    def self_signed_leaf(self) -> Dict[str, str]:
        """A server certificate signed by its own key (not a CA). Returns cert/key file paths."""
        key = _rsa_key()
        name = _name("127.0.0.1")
        cert = _build(name, name, key, key, days=365, extensions=_leaf_extensions())
        return {
            "cert": self.write("self-signed.pem", _cert_pem(cert)),
            "key": self.write("self-signed.key", _key_pem(key)),
        }

    def lax_ca_leaf(self) -> Dict[str, str]:
        """A CA without a critical basicConstraints, and a leaf without AKI.

        Returns the CA file and the server's cert/key files.
        """
        ca_key = _rsa_key()
        ca_name = _name("tlsdoctor lab non-strict CA", organization="tlsdoctor lab")
        ca_extensions = [
            # RFC 5280 4.2.1.9 says a CA MUST mark this critical; OpenSSL's
            # X509_V_FLAG_X509_STRICT enforces it.
            (x509.BasicConstraints(ca=True, path_length=None), False),
            (x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False),
            (x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ), True),
        ]
        ca_cert = _build(ca_name, ca_name, ca_key, ca_key, days=3650, extensions=ca_extensions)
        key = _rsa_key()
        # No AuthorityKeyIdentifier: strict verification rejects that as well.
        leaf = _build(_name("127.0.0.1"), ca_name, key, ca_key, days=365, extensions=_leaf_extensions())
        return {
            "ca": self.write("lax-ca.pem", _cert_pem(ca_cert)),
            "cert": self.write("lax-leaf.pem", _cert_pem(leaf)),
            "key": self.write("lax-leaf.key", _key_pem(key)),
        }


def _rsa_key() -> "rsa.RSAPrivateKey":
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name: str, organization: Optional[str] = None) -> "x509.Name":
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)] if organization else []
    return x509.Name(attrs + [x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _leaf_extensions() -> list:
    return [
        (x509.SubjectAlternativeName(_san(LOOPBACK_IDENTITIES)), False),
        (x509.BasicConstraints(ca=False, path_length=None), True),
    ]


def _build(subject: "x509.Name", issuer: "x509.Name", key: "rsa.RSAPrivateKey",
           signing_key: "rsa.RSAPrivateKey", days: int, extensions: list) -> "x509.Certificate":
    """A certificate valid from yesterday for ``days`` days, with ``(extension, critical)`` pairs."""
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(signing_key, hashes.SHA256())


def _cert_pem(cert: "x509.Certificate") -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _san(identities: tuple) -> List[x509.GeneralName]:
    import ipaddress

    names: List[x509.GeneralName] = []
    for ident in identities:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(ident)))
        except ValueError:
            names.append(x509.DNSName(ident))
    return names


def _key_pem(key: "rsa.RSAPrivateKey") -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def now() -> datetime.datetime:
    return _now()
