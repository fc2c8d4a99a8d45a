"""The lab's peers on their own: timeouts, clean stops, proxy answers."""

from __future__ import annotations

import base64
import socket
import ssl
import struct
import threading
import time

import pytest

from tlsdoctor.lab import index, net


def _connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(5)
    return s


def _threads() -> set:
    return {t for t in threading.enumerate() if t.name.startswith("lab-")}


def test_listener_stops_cleanly_with_a_silent_client_connected():
    before = _threads()
    lst = net.Listener(net.plain_handler(index.app), "silent")
    c = _connect(lst.port)  # connects, never sends
    time.sleep(0.2)
    t0 = time.monotonic()
    lst.stop()
    assert time.monotonic() - t0 < 5
    assert _threads() == before
    with pytest.raises(OSError):
        _connect(lst.port)
    c.close()


def test_server_gives_up_on_a_silent_client(monkeypatch):
    monkeypatch.setattr(net, "IO_TIMEOUT", 0.5)
    lst = net.Listener(net.plain_handler(index.app), "timeout")
    try:
        c = _connect(lst.port)
        assert c.recv(10) == b""  # the server closed on its own timeout
    finally:
        lst.stop()


def test_closed_port_refuses():
    closed = net.ClosedPort()
    try:
        with pytest.raises(ConnectionRefusedError):
            _connect(closed.port)
    finally:
        closed.stop()


def test_index_serves_pep503_and_the_wheel():
    lst = net.Listener(net.plain_handler(index.app), "plain")
    try:
        c = _connect(lst.port)
        c.sendall(b"GET /simple/tlsdoctor-lab-pkg/ HTTP/1.1\r\nHost: x\r\n\r\n")
        page = b"".join(iter(lambda: c.recv(4096), b""))
        assert page.startswith(b"HTTP/1.0 200") and index.WHEEL_NAME.encode() in page
        assert b"\r\nDate: " in page  # check compares the client's clock with it
    finally:
        lst.stop()


def _ask_proxy(port: int, extra: bytes = b"") -> bytes:
    c = _connect(port)
    c.sendall(b"CONNECT localhost:1 HTTP/1.1\r\nHost: localhost:1\r\n" + extra + b"\r\n")
    return c.recv(4096)


def test_proxy_answers_407_then_admits_the_right_credentials():
    lst = net.Listener(net.proxy_handler("auth", credentials=("u", "p")), "auth")
    try:
        answer = _ask_proxy(lst.port)
        assert answer.startswith(b"HTTP/1.1 407") and b"Proxy-Authenticate: Basic" in answer
        good = b"Proxy-Authorization: Basic " + base64.b64encode(b"u:p") + b"\r\n"
        # With the right credentials it tries the upstream (port 1: refused -> 502), not 407.
        assert _ask_proxy(lst.port, good).startswith(b"HTTP/1.1 502")
    finally:
        lst.stop()


@pytest.mark.parametrize("mode", ["intercept", "tunnel"])
def test_a_proxy_with_credentials_asks_for_them_before_anything_else(mode):
    # An intercepting (or plain) proxy with a login: 407 first, and only with
    # the credentials does it go on (port 1: refused -> 502).
    lst = net.Listener(net.proxy_handler(mode, credentials=("u", "p"), intercept=lambda host: None,
                                         upstream_ctx=ssl.create_default_context()), mode)
    try:
        assert _ask_proxy(lst.port).startswith(b"HTTP/1.1 407")
        wrong = b"Proxy-Authorization: Basic " + base64.b64encode(b"u:wrong") + b"\r\n"
        assert _ask_proxy(lst.port, wrong).startswith(b"HTTP/1.1 407")
        good = b"Proxy-Authorization: Basic " + base64.b64encode(b"u:p") + b"\r\n"
        assert _ask_proxy(lst.port, good).startswith(b"HTTP/1.1 502")
    finally:
        lst.stop()
    # Negative control: without credentials the same proxy asks for none.
    lst = net.Listener(net.proxy_handler(mode, intercept=lambda host: None,
                                         upstream_ctx=ssl.create_default_context()), mode)
    try:
        assert _ask_proxy(lst.port).startswith(b"HTTP/1.1 502")
    finally:
        lst.stop()


def test_proxy_forbids():
    lst = net.Listener(net.proxy_handler("forbid"), "forbid")
    try:
        assert _ask_proxy(lst.port).startswith(b"HTTP/1.1 403")
    finally:
        lst.stop()


def _server_hello(extensions: bytes) -> bytes:
    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + b"\xc0\x2f" + b"\x00" + struct.pack("!H", len(extensions)) + extensions
    return b"\x02" + struct.pack("!I", len(body))[1:] + body


def test_strip_renegotiation_info_removes_only_that_extension():
    reneg = b"\xff\x01\x00\x01\x00"
    other = b"\x00\x17\x00\x00"  # extended_master_secret
    stripped = net.strip_renegotiation_info(_server_hello(reneg + other))
    assert stripped == _server_hello(other)
    # Negative control: a hello without it is left alone.
    assert net.strip_renegotiation_info(_server_hello(other)) == _server_hello(other)


def test_drop_handler_hangs_up_after_client_hello():
    lst = net.Listener(net.drop_handler, "drop")
    try:
        ctx = ssl.create_default_context()
        with pytest.raises((ssl.SSLEOFError, ConnectionResetError, ssl.SSLError)):
            ctx.wrap_socket(_connect(lst.port), server_hostname="localhost")
    finally:
        lst.stop()


def test_plain_http_server_answers_a_client_hello_with_plaintext_at_once():
    lst = net.Listener(net.plain_handler(index.app), "plain")
    try:
        c = _connect(lst.port)
        c.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # the start of a ClientHello
        assert c.recv(12).startswith(b"HTTP/1.0 400")
    finally:
        lst.stop()


def test_proxy_answers_a_client_hello_with_plaintext_400():
    lst = net.Listener(net.proxy_handler("tunnel"), "tunnel")
    try:
        c = _connect(lst.port)
        c.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
        assert c.recv(12).startswith(b"HTTP/1.0 400")
    finally:
        lst.stop()


def test_stopping_one_listener_never_touches_another():
    # A handler's socket, closed, its fd number free again (the window in
    # which the old fd-number-based stop() hit whatever reused the number).
    a = net.Listener(net.plain_handler(index.app), "a")
    closed = socket.socket()
    number = closed.fileno()
    closed.close()
    a.track(closed)
    b = net.Listener(net.plain_handler(index.app), "b")  # takes the lowest free fd: that number
    try:
        assert b._sock.fileno() == number  # the setup really reproduces the reuse
        a.stop()
        c = _connect(b.port)
        c.sendall(b"GET /simple/ HTTP/1.0\r\n\r\n")
        assert c.recv(12).startswith(b"HTTP/1.0 200")
    finally:
        b.stop()
