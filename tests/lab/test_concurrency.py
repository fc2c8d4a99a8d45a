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


def _get(tls: ssl.SSLSocket, host: str) -> bytes:
    tls.sendall(("GET /simple/ HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode())
    data = b""
    while True:
        chunk = tls.recv(65536)
        if not chunk:
            return data
        data += chunk


def _direct(port: int, host: str, cafile: str) -> bytes:
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=host) as tls:
            return _get(tls, host)


def _proxied(proxy_port: int, host: str, port: int, cafile: str, read: bool) -> bytes:
    s = socket.create_connection(("127.0.0.1", proxy_port), timeout=10)
    try:
        s.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)).encode())
        assert s.recv(4096).startswith(b"HTTP/1.1 200")
        tls = ssl.create_default_context(cafile=cafile).wrap_socket(s, server_hostname=host)
        # Half of them read the page, half hang up right after the handshake,
        # as tlsdoctor check's handshake-only probes do: the proxy then ends
        # its relay while its other thread is still reading.
        return _get(tls, host) if read else b"HTTP/1.0 200"
    finally:
        s.close()


def test_index_and_proxy_answer_every_one_of_many_concurrent_handshakes():
    # Issue 9: four concurrent checks of the intercepting-proxy scenario saw
    # the index answer a direct handshake with UNEXPECTED_MESSAGE. The relay
    # closed its sockets while its other thread was still inside recv() on
    # them; the fd number was then reused by the next accepted connection
    # (the index's, in the same process), and the stale reader consumed or
    # answered that connection's bytes. 32 threads, direct and proxied mixed,
    # several rounds: every handshake and every page must come through.
    with scenarios.get("intercepting-proxy").start() as running:
        proxy_port = urlsplit(running.env["HTTPS_PROXY"]).port
        index = urlsplit(running.index_url)
        both = running.fixes["cert-with-inspection-ca"]["PIP_CERT"]

        def one(i: int) -> bytes:
            if i % 2:
                return _direct(index.port, index.hostname, running.env["PIP_CERT"])
            return _proxied(proxy_port, index.hostname, index.port, both, read=bool(i % 4))

        with ThreadPoolExecutor(32) as pool:
            results = list(pool.map(one, range(32 * 8)))
        failed = [(i, r[:60]) for i, r in enumerate(results) if not r.startswith(b"HTTP/1.0 200")]
        assert not failed, (failed, running.events())
