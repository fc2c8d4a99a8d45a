"""The lab's network peers: loopback servers, proxies and a relay.

Everything here listens on 127.0.0.1 only, every socket has a timeout, and
every listener stops cleanly (``Listener.stop`` closes the listening socket and
every connection it accepted, then joins its threads). Nothing here reaches a
host that is not on this machine.

Peers:
- ``Listener``: accepts TCP connections and runs a handler per connection.
- ``tls_handler`` / ``plain_handler``: an HTTP/1.0 server (the PEP 503 index).
- ``drop_handler``: reads the ClientHello, then closes (firewall/DPI drop).
- ``proxy_handler``: an HTTP CONNECT proxy (ok / 407 / 403 / TLS-intercepting).
- ``strip_reneg_handler``: a relay that removes RFC 5746 ``renegotiation_info``
  from the ServerHello of a real TLS 1.2 server, which is what a client meets
  behind an old load balancer or middlebox without secure renegotiation.
"""

from __future__ import annotations

import base64
import email.utils
import selectors
import socket
import ssl
import struct
import threading
from typing import Callable, Dict, List, Optional, Tuple

# How long any lab socket waits for its peer. pip's own timeout is 15 s; the
# lab answers long before that, and never waits forever.
IO_TIMEOUT = 10.0
ACCEPT_POLL = 0.2
MAX_HEAD = 64 * 1024

Handler = Callable[[socket.socket, "Listener"], None]


class Listener:
    """A TCP listener on loopback that runs ``handler(conn, listener)`` per connection."""

    def __init__(self, handler: Handler, name: str, host: str = "127.0.0.1") -> None:
        self.name = name
        self.handler = handler
        self.host = host
        self.events: List[str] = []  # what the server side saw, for debugging scenarios
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, 0))
        self._sock.listen(64)
        self._sock.settimeout(ACCEPT_POLL)
        self.port: int = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        # Every socket a connection uses (accepted, wrapped, opened upstream),
        # so that stop() can wake the threads blocked on them.
        self._conns: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept_loop, name="lab-" + name, daemon=True)
        self._thread.start()

    def log(self, message: str) -> None:
        with self._lock:
            if len(self.events) < 1000:
                self.events.append(message)

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            conn.settimeout(IO_TIMEOUT)
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            with self._lock:
                self._conns.append(conn)
                self._threads = [x for x in self._threads if x.is_alive()]
                self._threads.append(t)
            t.start()

    def track(self, sock: socket.socket) -> socket.socket:
        """Register a socket a handler made (an SSLSocket, an upstream connection)."""
        with self._lock:
            self._conns.append(sock)
        return sock

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handler(conn, self)
        except Exception as exc:  # a peer misbehaving must not kill the listener
            self.log("%s: %s" % (type(exc).__name__, exc))
        finally:
            _close(conn)
            with self._lock:  # forget every socket that is closed by now
                self._conns = [c for c in self._conns if c.fileno() != -1]

    def stop(self) -> None:
        self._stop.set()
        _close(self._sock)
        self._thread.join(IO_TIMEOUT)
        with self._lock:
            conns, threads = list(self._conns), list(self._threads)
        # Closing a socket does not wake a thread blocked in recv() on it
        # (Linux); shutdown() does. It goes through the socket *objects*: a
        # closed one raises instead of acting on its old fd number, which
        # another thread may already have reused (an earlier version shut
        # down fd numbers and so, with several scenarios in one process,
        # another scenario's listening socket).
        for c in conns:
            _shutdown(c)
        for t in threads:
            t.join(IO_TIMEOUT)


class ClosedPort:
    """A port that refuses connections: bound (so nobody else takes it), never listening."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((host, 0))
        self.port: int = self._sock.getsockname()[1]
        self.events: List[str] = []

    def stop(self) -> None:
        _close(self._sock)


def _close(sock: socket.socket) -> None:
    try:
        sock.close()
    except OSError:
        pass


def _shutdown(sock: socket.socket) -> None:
    """Wake every thread blocked on ``sock`` (its recv returns b"", its send
    fails), without closing it.

    This is how one thread ends a connection another thread is using; closing
    it instead is a race (see ``pump_both``). ``socket.socket.shutdown`` is
    called on an SSLSocket too: ``SSLSocket.shutdown`` would also drop its SSL
    object, which the other thread's ``read()`` is about to use (it then
    raises ValueError instead of seeing the end).
    """
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:  # not connected any more, or already closed
        pass


# --- HTTP ------------------------------------------------------------------

Response = Tuple[int, str, Dict[str, str], bytes]
App = Callable[[str, str], Response]


def read_head(sock: socket.socket, first: bytes = b"") -> bytes:
    """Read an HTTP request or response head (up to the blank line)."""
    data = first
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_HEAD:
            break
    return data


def _send_response(sock: socket.socket, status: int, reason: str, headers: Dict[str, str], body: bytes) -> None:
    lines = ["HTTP/1.0 %d %s" % (status, reason)]
    # The real Date lets `tlsdoctor check` compare the client's clock with the server's.
    base = {"Date": email.utils.formatdate(usegmt=True), "Content-Length": str(len(body)), "Connection": "close"}
    base.update(headers)
    lines += ["%s: %s" % kv for kv in base.items()]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def read_request_head(sock: socket.socket) -> bytes:
    """Read a request head; answer 400 at once (and return b"") to anything else.

    A TLS ClientHello (first byte 0x16) is not a request line. nginx, Apache
    and squid answer such bytes with a plaintext 400 right away, so a client
    that expected a ServerHello reads "HTTP/..." instead (WRONG_VERSION_NUMBER).
    """
    first = sock.recv(4096)
    if not first:
        return b""
    if not first[:1].isalpha():
        _send_response(sock, 400, "Bad Request", {"Content-Type": "text/html"}, b"<html>400 Bad Request</html>\n")
        return b""
    return read_head(sock, first)


def serve_http(sock: socket.socket, app: App) -> None:
    head = read_request_head(sock)
    request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = request_line.split()
    if len(parts) < 2:
        _send_response(sock, 400, "Bad Request", {}, b"")
        return
    status, reason, headers, body = app(parts[0], parts[1])
    _send_response(sock, status, reason, headers, body)


def plain_handler(app: App) -> Handler:
    def handle(conn: socket.socket, listener: Listener) -> None:
        serve_http(conn, app)

    return handle


def tls_handler(ctx: ssl.SSLContext, app: App, abrupt: bool = False) -> Handler:
    """An HTTPS server. A refused handshake ends in a lingering close (nginx's
    default), or, with ``abrupt``, in a reset right after the alert, as many
    load balancers and servers without a lingering close end it."""

    def handle(conn: socket.socket, listener: Listener) -> None:
        tls = listener.track(ctx.wrap_socket(conn, server_side=True, do_handshake_on_connect=False))
        try:
            tls.do_handshake()
        except (ssl.SSLError, OSError) as exc:
            listener.log("handshake: %s" % exc)
            if abrupt:
                _reset(tls)
            else:
                _lingering_close(tls)
            return
        try:
            serve_http(tls, app)
        except (ssl.SSLError, OSError) as exc:
            listener.log("after handshake: %s" % exc)
        finally:
            _close(tls)

    return handle


LINGER = 2.0


def _lingering_close(sock: socket.socket) -> None:
    """Half-close, drain what the client already sent, then close (nginx's lingering_close).

    In TLS 1.3 the client sends its request right after its Finished; if the
    server refuses the handshake (no client certificate) and closes with that
    request unread, the kernel answers with a RST that can destroy the alert
    before the client reads it. Draining first delivers the alert reliably.
    """
    try:
        sock.shutdown(socket.SHUT_WR)  # on an SSLSocket this drops to the raw socket
        sock.settimeout(LINGER)
        while sock.recv(65536):
            pass
    except OSError:
        pass
    finally:
        _close(sock)


def _reset(sock: socket.socket) -> None:
    """Close at once with a TCP RST (SO_LINGER on, timeout 0), right after
    the alert OpenSSL wrote, as servers and load balancers without a
    lingering close end a refused handshake.

    A TLS 1.3 client has finished its handshake and sent its request before
    the server judges its (missing) certificate; the reset races the alert,
    and a client that meets the reset first shows a broken pipe on its write
    or an EOF/reset on its read instead of "certificate required". Which one
    wins is timing (measured here: about half of the reads lose the alert).
    """
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    _close(sock)


def drop_handler(conn: socket.socket, listener: Listener) -> None:
    """Read what the client sends first (its ClientHello), then hang up without a word."""
    data = conn.recv(65536)
    listener.log("dropped after %d bytes" % len(data))


# --- relaying ----------------------------------------------------------------


def _copy(src: socket.socket, dst: socket.socket) -> None:
    """Copy bytes from src to dst until src closes or either side fails."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except (OSError, ValueError):  # ssl.SSLError is an OSError; ValueError: an SSLSocket unwrapped
        pass


def pump_both(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes, then close both.

    Ending both at the first end (rather than half-closing) is what a proxy
    does with TLS on either side, where a half-close has no meaning.

    One thread does both directions, over non-blocking sockets and a
    selector. Two threads (one per direction) were wrong twice over (issue 9:
    under concurrent checks, the index answered a direct handshake with
    UNEXPECTED_MESSAGE, and relayed requests got no answer):

    - an ``SSLSocket`` would be read in one thread while written in the
      other, and an OpenSSL ``SSL`` object must not be used by two threads at
      once (CPython's ``_ssl`` releases the GIL in SSL_read/SSL_write and takes
      no lock of its own);
    - the first direction to end closed both sockets while the other thread
      was inside recv() on one: CPython reads the fd number, releases the GIL
      and calls recv(fd) (OpenSSL's socket BIO keeps the number too), so a
      close() in between frees the number, the next accept() anywhere in this
      process reuses it, and the stale reader reads -- or answers with an
      alert on -- a stranger's connection.
    """
    peer = {a: b, b: a}
    sel = selectors.DefaultSelector()
    try:
        for s in (a, b):
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while True:
            # Decrypted bytes already inside OpenSSL do not make the socket
            # readable: serve them before waiting.
            ready = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
            if not ready:
                events = sel.select(IO_TIMEOUT)
                if not events:
                    return  # idle as long as any lab peer waits: give up
                ready = [key.fileobj for key, _ in events]  # type: ignore[misc]
            for src in ready:
                try:
                    data = src.recv(65536)
                except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                    continue  # a TLS record without application data (e.g. a session ticket)
                except (OSError, ValueError):  # ssl.SSLError is an OSError
                    return
                if not data:
                    return
                dst = peer[src]
                try:
                    dst.settimeout(IO_TIMEOUT)  # a blocking write, bounded
                    dst.sendall(data)
                    dst.setblocking(False)
                except (OSError, ValueError):
                    return
    finally:
        sel.close()
        _close(a)
        _close(b)


def connect_upstream(port: int, host: str = "127.0.0.1") -> socket.socket:
    up = socket.create_connection((host, port), timeout=IO_TIMEOUT)
    up.settimeout(IO_TIMEOUT)
    return up


# --- proxies -----------------------------------------------------------------


def _header(head: bytes, name: str) -> Optional[str]:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name.lower().encode():
            return value.strip().decode("latin-1")
    return None


def proxy_handler(
    mode: str,
    credentials: Optional[Tuple[str, str]] = None,
    intercept: Optional[Callable[[str], ssl.SSLContext]] = None,
    upstream_ctx: Optional[ssl.SSLContext] = None,
    resolve: Optional[Dict[str, str]] = None,
) -> Handler:
    """An HTTP CONNECT proxy.

    ``mode``: ``"tunnel"`` (a working proxy), ``"auth"`` (Basic credentials
    required, 407 otherwise), ``"forbid"`` (403 for every CONNECT), or
    ``"intercept"`` (answers 200, then terminates TLS with a certificate for the
    requested host signed by its own CA, as corporate inspection proxies do, and
    forwards the decrypted stream to the real server over a new TLS connection).
    ``credentials`` with ``"intercept"`` (or ``"tunnel"``) asks for them
    before anything else, as a corporate proxy with a login does: without
    them the client meets the 407 and never sees the proxy's certificate.
    The check runs on the request head alone, in the connection's own thread,
    before any relaying: nothing is shared between connections.
    ``resolve`` maps host names only the proxy can resolve (as with a
    corporate DNS that clients do not see) to loopback addresses.
    """

    def handle(conn: socket.socket, listener: Listener) -> None:
        head = read_request_head(conn)
        if not head:
            return
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        if len(parts) < 3 or parts[0].upper() != "CONNECT":
            listener.log("not a CONNECT: %r" % line[:80])
            conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        host, _, port_s = parts[1].rpartition(":")
        host = host.strip("[]")
        listener.log("CONNECT %s" % parts[1])
        if mode == "forbid":
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        # "auth" always wants credentials; any other mode only when given some
        # (an intercepting proxy behind a login: 407 first, its CA after).
        if mode == "auth" or credentials is not None:
            assert credentials is not None
            given = _header(head, "Proxy-Authorization") or ""
            want = "Basic " + base64.b64encode(("%s:%s" % credentials).encode()).decode()
            if given != want:
                listener.log("407 (credentials %s)" % ("wrong" if given else "missing"))
                conn.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="tlsdoctor-lab"\r\n'
                    b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                )
                return
        try:
            up = listener.track(connect_upstream(int(port_s), (resolve or {}).get(host, host)))
        except (OSError, ValueError) as exc:
            listener.log("upstream: %s" % exc)
            conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            return
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        if mode != "intercept":
            pump_both(conn, up)
            return
        assert intercept is not None and upstream_ctx is not None
        try:
            client_side = listener.track(intercept(host).wrap_socket(conn, server_side=True))
        except (ssl.SSLError, OSError) as exc:
            listener.log("intercept handshake: %s" % exc)
            _close(up)
            return
        try:
            server_side = listener.track(upstream_ctx.wrap_socket(up, server_hostname=host))
        except (ssl.SSLError, OSError) as exc:
            listener.log("upstream handshake: %s" % exc)
            _close(client_side)
            return
        pump_both(client_side, server_side)

    return handle


# --- the renegotiation_info stripper -----------------------------------------

_EXT_RENEGOTIATION_INFO = 0xFF01


def _read_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("peer closed")
        buf += chunk
    return buf


def strip_renegotiation_info(server_hello: bytes) -> bytes:
    """Return a ServerHello handshake message without the renegotiation_info extension.

    Layout (RFC 5246 7.4.1.3): type(1)=2, length(3), version(2), random(32),
    session_id<0..32>, cipher_suite(2), compression(1), extensions<0..2^16-1>.
    """
    if not server_hello or server_hello[0] != 2:
        return server_hello
    pos = 4 + 2 + 32
    pos += 1 + server_hello[pos]
    pos += 2 + 1
    if pos + 2 > len(server_hello):
        return server_hello
    ext_len = struct.unpack("!H", server_hello[pos : pos + 2])[0]
    exts = server_hello[pos + 2 : pos + 2 + ext_len]
    kept = b""
    i = 0
    while i + 4 <= len(exts):
        etype, elen = struct.unpack("!HH", exts[i : i + 4])
        if etype != _EXT_RENEGOTIATION_INFO:
            kept += exts[i : i + 4 + elen]
        i += 4 + elen
    body = server_hello[4:pos] + struct.pack("!H", len(kept)) + kept
    return b"\x02" + struct.pack("!I", len(body))[1:] + body


def strip_reneg_handler(upstream_port: int) -> Handler:
    """Relay to a real TLS 1.2 server, removing RFC 5746 support from its ServerHello.

    OpenSSL 3 clients check for renegotiation_info right after parsing the
    ServerHello (``final_renegotiate`` in ssl/statem/extensions.c) and abort
    with UNSAFE_LEGACY_RENEGOTIATION_DISABLED, which is exactly what a client
    meets in front of a server without secure renegotiation. A client that
    allowed legacy renegotiation would go on and fail later on the Finished
    check (the transcript was changed); the lab does not model that client.
    """

    def handle(conn: socket.socket, listener: Listener) -> None:
        up = listener.track(connect_upstream(upstream_port))
        t = threading.Thread(target=_pump_one_way, args=(conn, up), daemon=True)
        t.start()
        try:
            while True:
                header = _read_exact(up, 5)
                ctype, version, length = struct.unpack("!BHH", header)
                payload = _read_exact(up, length)
                if ctype == 22 and payload[:1] == b"\x02":
                    msg_len = struct.unpack("!I", b"\x00" + payload[1:4])[0]
                    hello, rest = payload[: 4 + msg_len], payload[4 + msg_len :]
                    payload = strip_renegotiation_info(hello) + rest
                    listener.log("stripped renegotiation_info")
                    conn.sendall(struct.pack("!BHH", ctype, version, len(payload)) + payload)
                    break
                conn.sendall(header + payload)
            _pump_one_way(up, conn)
        except (EOFError, OSError):
            pass
        finally:
            # Wake the other direction's thread, wait for it, then close:
            # never close under a thread that still reads (see pump_both).
            _shutdown(up)
            _shutdown(conn)
            t.join()
            _close(up)
            _close(conn)

    return handle


def _pump_one_way(src: socket.socket, dst: socket.socket) -> None:
    """Copy src to dst, then half-close dst so its reader sees the end."""
    _copy(src, dst)
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass
