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
    # Added by the lab (issue 8): python.org macOS before "Install Certificates.command", custom builds, slim containers.
    'no-default-ca-store': "the interpreter's OpenSSL default CA store (SSL_CERT_FILE/SSL_CERT_DIR or its built-in OPENSSLDIR paths) names no file or directory: urllib and ssl.create_default_context() see no roots, and pip >= 24.2 on Linux too when none of truststore's fallback files (/etc/ssl/cert.pem, ..., /etc/ssl/certs/ca-certificates.crt) exists",
}

# The same descriptions in Chinese (--lang zh); every id above has one.
CAUSES_ZH = {
    "untrusted-private-ca": "服务器证书链的根 CA 不被客户端信任（私有 CA 或自签名证书）",
    "tls-interception": "中间设备（公司代理、杀毒软件、VPN）用自己的 CA 重新签发了 TLS 证书",
    "missing-intermediate": "服务器没有发送中间证书，证书链无法建立",
    "outdated-ca-bundle": "正在使用的信任库缺少一个根证书，而本机另一个信任库有它",
    "cert-expired": "服务器证书已过期，本机时钟是正确的",
    "clock-skew": "本机时钟错误，使有效证书看起来尚未生效或已过期",
    "hostname-mismatch": "证书不适用于客户端使用的主机名或 IP 地址",
    "strict-x509-rejects-ca": "Python 3.13+ 的严格 X.509 校验拒绝了不合规的 CA 证书",
    "ca-bundle-path-invalid": "配置的 CA 证书包路径不存在、不可读或不是 PEM 格式",
    "ca-bundle-env-overrides-cert": "REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE 悄悄覆盖了 pip 的 --cert / cert=",
    "client-tls-too-old": "客户端的 OpenSSL/Python 不支持服务器要求的 TLS 版本",
    "server-tls-too-old": "服务器只提供客户端拒绝的旧 TLS 版本（≤ 1.1）",
    "openssl-config-restricts": "OpenSSL 配置（OPENSSL_CONF）限制了 TLS 版本或加密套件，导致握手失败",
    "cipher-mismatch": "客户端和服务器没有共同的加密套件",
    "client-cert-required": "服务器要求客户端证书（双向 TLS），但没有发送",
    "weak-dh-key": "服务器的 Diffie-Hellman 参数低于客户端的安全级别",
    "legacy-renegotiation": "服务器或中间设备不支持 RFC 5746 安全重协商，而 OpenSSL 3 要求它",
    "ssl-module-missing": "解释器没有可用的 ssl 模块",
    "proxy-scheme-mismatch": "代理 URL 写的是 https://，但代理只说明文 HTTP（或相反）",
    "proxy-auth-required": "代理返回 407：缺少凭据、凭据错误或认证方式不受支持",
    "proxy-forbidden": "代理拒绝了 CONNECT 请求（403 等策略拒绝）",
    "proxy-unreachable": "无法连接到配置的代理（拒绝连接、无法解析或超时）",
    "https-on-http-port": "https:// URL 指向的是一个只说明文 HTTP 的端口",
    "tls-connection-dropped": "TCP 已连接，但 TLS 握手被切断（防火墙、DPI、VPN、杀毒软件或服务器关闭）",
    "index-unreachable": "无法连接到索引本身（拒绝连接、无法解析或超时），且没有使用代理",
    "truststore-ip-address": "pip 24.2-26.0 在 Python >= 3.10 上使用 truststore 时，无法校验以 IP 地址给出的 https:// 索引或代理：ValueError check_hostname requires server_hostname",
    "no-default-ca-store": "解释器的 OpenSSL 默认 CA 存储（SSL_CERT_FILE/SSL_CERT_DIR 或编译时的 OPENSSLDIR 路径）指向不存在的文件或目录：urllib 和 ssl.create_default_context() 看不到任何根证书；truststore 的后备文件（/etc/ssl/cert.pem、……、/etc/ssl/certs/ca-certificates.crt）都不存在时，Linux 上的 pip >= 24.2 也看不到",
}

# Causes that only a tool other than pip can have (issue 12): decided by
# ``tlsdoctor.tools.judge`` from the tool's resolved trust and the probe's
# facts, never by a rule over pip's facts (so no ``rules/`` module and no pip
# scenario has them; ``rules`` loads one module per id in CAUSES only). Stable
# ids like the others; ``describe`` and the KB know both tables (ALL_CAUSES).
TOOL_CAUSES = {
    'tool-ignores-os-store': "the tool verifies the index against its own roots (uv's bundled Mozilla roots, certifi), not the OS store — and the OS store trusts the index's CA (a company or intercepting-proxy root installed there)",
    'tool-ignores-ca-setting': "a CA bundle configured for another client (PIP_CERT, pip.conf `cert=`, REQUESTS_CA_BUNDLE …) trusts the index, but this tool does not read that setting",
}
TOOL_CAUSES_ZH = {
    "tool-ignores-os-store": "该工具用自己的根证书（uv 内置的 Mozilla 根证书、certifi）校验索引，而不使用系统信任库——而系统信任库信任该索引的 CA（安装在系统里的公司根证书或拦截代理根证书）",
    "tool-ignores-ca-setting": "为另一个客户端配置的 CA 证书包（PIP_CERT、pip.conf 的 cert=、REQUESTS_CA_BUNDLE 等）信任该索引，但这个工具不读取该设置",
}
ALL_CAUSES = dict(CAUSES, **TOOL_CAUSES)


def describe(cause: str, lang: str = "en") -> str:
    """The one-line description of ``cause`` in ``lang`` (English where no translation)."""
    if lang == "zh" and cause in CAUSES_ZH:
        return CAUSES_ZH[cause]
    if lang == "zh" and cause in TOOL_CAUSES_ZH:
        return TOOL_CAUSES_ZH[cause]
    return ALL_CAUSES.get(cause, "")
