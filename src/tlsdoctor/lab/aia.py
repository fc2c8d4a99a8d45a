"""Certificates that name their issuer by AIA, and the plain-HTTP server that hands it out.

Public CAs put an Authority Information Access ``caIssuers`` URL (RFC 5280
4.2.2.1) in every leaf: ``http://`` (never https, to avoid a loop), the
issuer's certificate in DER. Browsers fetch it when a server forgets its
intermediate; OpenSSL (so Python and pip) never does. trustme cannot add the
extension, so the leaf is built with ``cryptography`` and signed with a
trustme CA's key.
"""

from __future__ import annotations

import datetime
import threading
from typing import Dict, Optional, Tuple

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from tlsdoctor.lab import net
from tlsdoctor.lab.pki import LOOPBACK_IDENTITIES, PKI, RSA, _cert_pem, _key_pem, _rsa_key, _san, now

ISSUER_PATH = "/issuer.cer"


class IssuerServer:
    """A plain-HTTP server on loopback answering ``GET /issuer.cer`` with one certificate (DER or PEM)."""

    def __init__(self, bench: object, name: str = "aia-http") -> None:
        self.body = b""
        self.stall: Optional[threading.Event] = None
        self.content_type = "application/pkix-cert"
        self.listener = bench.listen(net.plain_handler(self._app), name)  # type: ignore[attr-defined]
        self.url = "http://127.0.0.1:%d%s" % (self.listener.port, ISSUER_PATH)
        self.listener.issuer = self  # type: ignore[attr-defined]  # tests change what it serves

    @classmethod
    def of(cls, running: object) -> "IssuerServer":
        """The issuer server among a running scenario's peers."""
        return [p.issuer for p in running.peers if hasattr(p, "issuer")][0]  # type: ignore[attr-defined]

    def _app(self, method: str, path: str) -> Tuple[int, str, Dict[str, str], bytes]:
        if self.stall is not None:
            # An AIA server that accepts and never answers (a black-holing
            # firewall): the fetch must end at the deadline, undecided.
            self.stall.wait(30)
        # Through a proxy the request line carries the absolute URL.
        if path.split("?", 1)[0].endswith(ISSUER_PATH) and self.body:
            return 200, "OK", {"Content-Type": self.content_type}, self.body
        return 404, "Not Found", {"Content-Type": "text/plain"}, b"not found\n"

    def serve(self, cert_pem: bytes, der: bool = True) -> None:
        cert = x509.load_pem_x509_certificate(cert_pem)
        self.body = cert.public_bytes(serialization.Encoding.DER) if der else cert_pem
        self.content_type = "application/pkix-cert" if der else "application/x-pem-file"


def leaf_with_aia(pki: PKI, ca_name: str, aia_url: str) -> Dict[str, str]:
    """A loopback server certificate issued by ``pki``'s CA (or intermediate) ``ca_name``, naming
    ``aia_url`` as its caIssuers. Returns the server's cert/key files (the leaf alone)."""
    ca = pki._cas[ca_name] if ca_name in pki._cas else pki.ca(ca_name)
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), password=None)
    key = _rsa_key()
    start = now() - datetime.timedelta(days=1)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(_san(LOOPBACK_IDENTITIES)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityInformationAccess([
            x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(aia_url)),
        ]), critical=False)
    )
    leaf = builder.sign(ca_key, hashes.SHA256())
    stem = "aia-leaf-" + ca_name
    return {"cert": pki.write(stem + ".pem", _cert_pem(leaf)), "key": pki.write(stem + ".key", _key_pem(key))}


def intermediate(pki: PKI, root: str = "index") -> str:
    """The name of an intermediate CA under ``root`` (made once), for ``leaf_with_aia``."""
    name = root + "-intermediate"
    if name not in pki._cas:
        pki._cas[name] = pki.ca(root).create_child_ca(key_type=RSA)
    return name
