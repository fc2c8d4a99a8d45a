"""Scenario peers under concurrent clients (tlsdoctor check probes in parallel)."""

from __future__ import annotations

import socket
import ssl
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from tlsdoctor.lab import scenarios


def _through_proxy(proxy_port: int, host: str, port: int, cafile: str) -> str:
    s = socket.create_connection(("127.0.0.1", proxy_port), timeout=5)
    s.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)).encode())
    assert s.recv(4096).startswith(b"HTTP/1.1 200")
    ctx = ssl.create_default_context(cafile=cafile)
    with ctx.wrap_socket(s, server_hostname=host) as tls:
        return tls.version()


def test_intercepting_proxy_serves_concurrent_clients():
    with scenarios.get("intercepting-proxy").start() as running:
        proxy_port = urlsplit(running.env["HTTPS_PROXY"]).port
        index = urlsplit(running.index_url)
        both = running.fixes["cert-with-inspection-ca"]["PIP_CERT"]
        with ThreadPoolExecutor(8) as pool:
            versions = list(pool.map(lambda _: _through_proxy(proxy_port, index.hostname, index.port, both), range(8)))
        assert all(v and v.startswith("TLS") for v in versions)
        # Negative control: trusting only the index CA, the re-signed certificate fails.
        try:
            _through_proxy(proxy_port, index.hostname, index.port, running.env["PIP_CERT"])
        except ssl.SSLCertVerificationError:
            pass
        else:
            raise AssertionError("interception went unnoticed")
