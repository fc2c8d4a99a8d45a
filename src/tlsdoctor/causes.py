"""The stable cause ids (shared/reference/causes.md).

Output of every command uses exactly these ids. Ids may be added; an existing
id never changes meaning.
"""

CAUSES = {
    'untrusted-private-ca': "the server's chain ends at a CA the client does not trust (internal/private CA, self-signed server certificate)",
    'tls-interception': 'a middlebox (corporate proxy, antivirus, VPN, debugging proxy) re-signs TLS traffic with its own CA',
    'missing-intermediate': 'the server does not send the intermediate certificate(s), so the chain cannot be built',
    'outdated-ca-bundle': 'the trust store in use lacks a public root that newer stores have (or holds an expired one that derails path building)',
    'cert-expired': 'the server certificate (or a CA in its chain) is expired, and the local clock is right',
    'clock-skew': 'the local clock is wrong enough that a valid certificate looks not-yet-valid or expired',
    'hostname-mismatch': 'the certificate is not valid for the host name or IP address the client used',
    'strict-x509-rejects-ca': 'Python 3.13+ strict verification (VERIFY_X509_STRICT) rejects a non-compliant CA certificate',
    'ca-bundle-path-invalid': 'a configured CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, PIP_CERT, `cert=`, SSL_CERT_FILE) is missing, unreadable or not PEM',
    'ca-bundle-env-overrides-cert': "REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE silently overrides pip's `--cert` / PIP_CERT / `cert=`",
    'client-tls-too-old': "the client's OpenSSL/Python cannot speak the TLS version the server requires",
    'server-tls-too-old': 'the server offers only TLS versions the client refuses (≤ 1.1 for Python ≥ 3.10 / OpenSSL 3)',
    'openssl-config-restricts': 'an OpenSSL configuration (OPENSSL_CONF, system crypto policy) narrows versions or ciphers so the handshake fails',
    'cipher-mismatch': "client and server share no cipher suite (e.g. Python 3.10+'s stricter defaults against a legacy server)",
    'client-cert-required': 'the server requires a client certificate (mutual TLS) and none was sent',
    'weak-dh-key': "the server's Diffie-Hellman parameters are below the client's security level",
    'legacy-renegotiation': 'the server or a middlebox lacks RFC 5746 secure renegotiation, which OpenSSL 3 requires',
    'ssl-module-missing': 'the interpreter has no usable `ssl` module',
    'proxy-scheme-mismatch': 'the proxy URL says `https://` but the proxy speaks plain HTTP (or the reverse)',
    'proxy-auth-required': 'the proxy answers 407: credentials missing, wrong, or an auth scheme the client cannot do',
    'proxy-forbidden': 'the proxy refuses the CONNECT (403 or similar policy answer)',
    'proxy-unreachable': 'the configured proxy cannot be reached (refused, name not resolved, timeout)',
    'https-on-http-port': 'an `https://` URL points at a service that speaks plain HTTP',
    'tls-connection-dropped': 'TCP connects, but the TLS handshake is cut off (firewall, DPI, VPN, antivirus, server closing)',
    'index-unreachable': 'the index itself cannot be reached (refused, name not resolved, timeout) with no proxy involved',
    # Added by the lab (pypa/pip#12905): not in the original reference list.
    'truststore-ip-address': 'pip 24.2-26.0 with truststore (Python >= 3.10) cannot verify an https:// index or proxy addressed by IP: ValueError check_hostname requires server_hostname',
}
