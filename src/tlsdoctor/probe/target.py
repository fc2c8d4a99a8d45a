# -*- coding: utf-8 -*-
# /!\ This whole file must parse and run on Python 2.7 and 3.6-3.14. /!\
# No f-strings, annotations, walrus, keyword-only arguments, nonlocal or
# "yield from". It is compiled by every pyenv interpreter in tests/probe.
"""tlsdoctor's probe: runs *inside* the interpreter whose pip is being checked.

Contract (like uv's ``get_interpreter_info.py``):

- Run as ``python -I -B target.py`` (Python 2.7: ``-E -s -B``).  The request is
  one JSON object on stdin (or argv[1]): ``{"timeout": seconds,
  "index_url": optional override, "mode": "full" | "handshake",
  "second_host": optional "host[:port]" to reach through the same proxy}``.
- Prints exactly one JSON object on stdout and exits 0:
  ``{"result": "success", "kind": "probe", "facts": {...}, "probes": {...}}``
  or ``{"result": "error", "kind": "<snake_case>", "message": "..."}``.
- Uses only the standard library, plus the target's *own* pip (imported to
  resolve configuration and to make the request through pip's session, so
  the outcome is pip's outcome).  Every use of pip's private API is guarded:
  it differs between pip 9 and pip 26.
- Works when ``import ssl`` fails (that is then a fact, not a crash).
- Every socket has a timeout; the main thread prints whatever finished when
  the deadline comes (unfinished probes are reported as ``deadline``).
- Never prints a secret: userinfo in URLs is redacted, and every string in
  the output is scrubbed of the credentials it was given.
"""
from __future__ import absolute_import, print_function

import base64
import hashlib
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import warnings

# PROTOCOL_TLS, OP_NO_TLSv1 ... are deprecated on 3.10+ but are the only
# spelling that works on 2.7 too; the warnings would only pollute stderr.
warnings.simplefilter("ignore")

try:
    import ssl
    SSL_IMPORT_ERROR = None
except Exception as _e:  # ImportError, or a DLL/so load failure
    ssl = None
    SSL_IMPORT_ERROR = "%s: %s" % (type(_e).__name__, _e)

PY2 = sys.version_info[0] == 2
if PY2:
    from urlparse import urlsplit  # noqa
    text_type = unicode  # noqa: F821
else:
    from urllib.parse import urlsplit
    text_type = str

START = time.time()
SECRETS = []  # strings that must never appear in the output

CA_VARS = ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
           "PIP_CERT", "PIP_CLIENT_CERT")
PROXY_VARS = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
              "ALL_PROXY", "no_proxy", "NO_PROXY")
# A throwaway self-signed client certificate (public on purpose, trusted by
# nobody): offering *some* certificate tells "the server wants a client
# certificate" apart from other handshake failures.
THROWAWAY_CLIENT_PEM = """-----BEGIN CERTIFICATE-----
MIIBuTCCAV+gAwIBAgIUaJIysK/KTyUMpISrja3visKBvBgwCgYIKoZIzj0EAwIw
MTEvMC0GA1UEAwwmdGxzZG9jdG9yIHRocm93YXdheSBjbGllbnQgY2VydGlmaWNh
dGUwIBcNMjYxMTIxMDQxNTQ5WhgPMjEyNjEwMjgwNDE1NDlaMDExLzAtBgNVBAMM
JnRsc2RvY3RvciB0aHJvd2F3YXkgY2xpZW50IGNlcnRpZmljYXRlMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAE93u9X8QWAWLjVSGGKxgZMJdktFFyojyI/ZhVK/hU
qmj+4vcWCdSp5C8pVbke9KuVkj+kB803nOgCOCtwlMf4XKNTMFEwHQYDVR0OBBYE
FBrB50/9eDrqMtGEP+m8+5Is0nUjMB8GA1UdIwQYMBaAFBrB50/9eDrqMtGEP+m8
+5Is0nUjMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAMjiMp9X
WIz+XJco1vuULP4TxHIuDLO5UTyM8T5dFmbWAiA6Uc1IqlC0A0VKB3VpRetOmoRk
6f9hbBF3AVxCNctfHQ==
-----END CERTIFICATE-----
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkfuq2+JibbyR8iuM
yxUwTLC2yraBAIjZcGDVFe9aCzOhRANCAAT3e71fxBYBYuNVIYYrGBkwl2S0UXKi
PIj9mFUr+FSqaP7i9xYJ1KnkLylVuR70q5WSP6QHzTec6AI4K3CUx/hc
-----END PRIVATE KEY-----
"""
TLS_NAMES = ("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


# ---------------------------------------------------------------- helpers

def _s(value):
    """Any value as text (bytes decoded leniently), for JSON."""
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    try:
        return text_type(value)
    except Exception:
        return repr(value)


def err_text(exc):
    text = _s(exc)
    return "%s: %s" % (type(exc).__name__, text) if text else type(exc).__name__


def redact_url(url):
    """``scheme://user:pass@host`` -> ``scheme://***@host``; remembers the secret."""
    if not url:
        return url
    url = _s(url)
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*://)([^/@]*)@(.*)$", url, re.S)
    if not m:
        return url
    userinfo = m.group(2)
    SECRETS.append(userinfo)
    for part in userinfo.split(":"):
        if len(part) >= 3:
            SECRETS.append(part)
    return m.group(1) + "***@" + m.group(3)


def scrub(obj):
    """Remove every remembered secret and any URL userinfo from all strings."""
    if isinstance(obj, dict):
        return dict((scrub(k), scrub(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return [scrub(v) for v in obj]
    if isinstance(obj, (bytes, text_type)) or (PY2 and isinstance(obj, str)):
        text = _s(obj)
        text = re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s'\"]*@", r"\1***@", text)
        for secret in sorted(set(SECRETS), key=len, reverse=True):
            if secret and secret != "***":
                text = text.replace(secret, "***")
        return text
    return obj


def remaining(deadline):
    return max(0.05, deadline - time.time())


def _version_tuple(v):
    out = []
    for part in (v or "").split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        out.append(int(m.group()))
    return tuple(out)


def host_port(url):
    parts = urlsplit(url)
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, host, port


# ---------------------------------------------------------------- facts

def tls_capabilities():
    info = {"ssl_import_error": SSL_IMPORT_ERROR}
    if ssl is None:
        return info
    info["openssl_version"] = getattr(ssl, "OPENSSL_VERSION", None)
    info["openssl_version_info"] = list(getattr(ssl, "OPENSSL_VERSION_INFO", ()))
    supported = []
    for name, flag, proto in (("TLSv1", "HAS_TLSv1", "PROTOCOL_TLSv1"),
                              ("TLSv1.1", "HAS_TLSv1_1", "PROTOCOL_TLSv1_1"),
                              ("TLSv1.2", "HAS_TLSv1_2", "PROTOCOL_TLSv1_2"),
                              ("TLSv1.3", "HAS_TLSv1_3", None)):
        has = getattr(ssl, flag, None)
        if has is None:  # Python < 3.7 has no HAS_TLSv1_x (except HAS_TLSv1_3 on 2.7.15+)
            has = bool(proto and hasattr(ssl, proto))
        if has:
            supported.append(name)
    info["supported_versions"] = supported
    info["local_handshake"] = local_max_tls()
    try:
        ctx = ssl.create_default_context()
        info["default_verify_mode"] = int(ctx.verify_mode)
        info["default_check_hostname"] = bool(ctx.check_hostname)
        strict = getattr(ssl, "VERIFY_X509_STRICT", None)
        info["default_x509_strict"] = bool(strict and (ctx.verify_flags & strict))
        if hasattr(ctx, "minimum_version"):
            # These read SSL_CTX_get_min/max_proto_version, so a MinProtocol
            # from OPENSSL_CONF or a system crypto policy shows up here.
            info["default_minimum_version"] = _version_name(ctx.minimum_version)
            info["default_maximum_version"] = _version_name(ctx.maximum_version)
        try:
            info["default_cipher_count"] = len(ctx.get_ciphers())
        except Exception:
            pass
    except Exception as exc:
        info["default_context_error"] = err_text(exc)
    try:
        paths = ssl.get_default_verify_paths()
        info["default_verify_paths"] = {
            "cafile": paths.cafile, "capath": paths.capath,
            "openssl_cafile_env": paths.openssl_cafile_env, "openssl_cafile": paths.openssl_cafile,
            "openssl_capath_env": paths.openssl_capath_env, "openssl_capath": paths.openssl_capath}
    except Exception as exc:
        info["default_verify_paths_error"] = err_text(exc)
    return info


def local_max_tls():
    """The highest TLS version this interpreter really negotiates, measured on loopback.

    HAS_TLSv1_3 says what the build has; an OPENSSL_CONF or system crypto
    policy may cap it, and Python 2.7 cannot report the cap. A handshake
    between a default client context and a permissive server context in this
    very process (throwaway certificate, 127.0.0.1, 2 s timeouts) measures it.
    """
    if ssl is None:
        return {"status": "could_not_run", "error": "no ssl module"}
    out = {}
    try:
        srv_ctx = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS_SERVER", None) or ssl.PROTOCOL_SSLv23)
        srv_ctx.load_cert_chain(_client_pem())
        try:
            srv_ctx.set_ciphers("ALL:@SECLEVEL=0")
        except Exception:
            pass
        if hasattr(srv_ctx, "minimum_version"):
            try:
                srv_ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            except Exception:
                pass
        lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        lsock.settimeout(2.0)
        port = lsock.getsockname()[1]

        def serve():
            try:
                conn, _ = lsock.accept()
                conn.settimeout(2.0)
                tconn = srv_ctx.wrap_socket(conn, server_side=True)
                tconn.recv(1)
                tconn.close()
            except Exception:
                pass
        t = threading.Thread(target=serve)
        t.daemon = True
        t.start()
        cctx = ssl.create_default_context()
        cctx.check_hostname = False
        cctx.verify_mode = ssl.CERT_NONE
        c = socket.create_connection(("127.0.0.1", port), 2.0)
        tc = cctx.wrap_socket(c)
        out["version"] = tc.version()
        out["status"] = "ok"
        try:
            tc.sendall(b"x")
        except Exception:
            pass
        tc.close()
        lsock.close()
    except Exception as exc:
        out.update({"status": "error", "error": err_text(exc)})
    return out


def _version_name(v):
    name = getattr(v, "name", None) or _s(v)
    return {"TLSv1_1": "TLSv1.1", "TLSv1_2": "TLSv1.2", "TLSv1_3": "TLSv1.3",
            "MINIMUM_SUPPORTED": "minimum", "MAXIMUM_SUPPORTED": "maximum"}.get(name, name)


def bundle_info(path):
    """What is really at a CA bundle path (missing, unreadable, not PEM, ...)."""
    info = {"path": path}
    if not path:
        return info
    try:
        info["exists"] = os.path.exists(path)
        info["is_dir"] = os.path.isdir(path)
        info["is_file"] = os.path.isfile(path)
        if info["is_dir"]:
            # A CA *directory* (requests accepts one as verify=, OpenSSL as
            # capath) only works through c_rehash-style "<hash>.<n>" links.
            try:
                names = os.listdir(path)[:100000]
                info["hashed_entries"] = len([n for n in names if re.match(r"^[0-9a-f]{8}\.\d+$", n)])
            except Exception as exc:
                info["readable"] = False
                info["read_error"] = err_text(exc)
        if not info["is_file"]:
            return info
        st = os.stat(path)
        info["size"] = st.st_size
        info["mtime"] = st.st_mtime
        try:
            with open(path, "rb") as fh:
                data = fh.read(20 * 1024 * 1024)
        except Exception as exc:
            info["readable"] = False
            info["read_error"] = err_text(exc)
            return info
        info["readable"] = True
        info["pem_certificates"] = data.count(b"-----BEGIN CERTIFICATE-----")
        info["pem_trusted_certificates"] = data.count(b"-----BEGIN TRUSTED CERTIFICATE-----")
        if info["pem_certificates"] == 0:
            head = data[:1]
            info["looks_like"] = ("der" if head == b"\x30" else "empty" if not data
                                  else "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "other")
        if ssl is not None:
            try:
                ctx = ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS", None) or ssl.PROTOCOL_SSLv23)
                ctx.load_verify_locations(cafile=path)
                certs = ctx.get_ca_certs()
                info["loaded"] = len(certs)
            except Exception as exc:
                info["load_error"] = err_text(exc)
    except Exception as exc:
        info["error"] = err_text(exc)
    return info


def environment_facts():
    env = {}
    for name in CA_VARS:
        if name in os.environ:
            value = os.environ[name]
            info = bundle_info(value) if name != "PIP_CLIENT_CERT" else None
            if info is not None and name == "SSL_CERT_DIR":
                info["expect_dir"] = True  # a hashed certificate directory, not a PEM file
            env[name] = {"value": value, "bundle": info}
    other = {}
    for name, value in os.environ.items():
        upper = name.upper()
        if (("CA_BUNDLE" in upper or "CA_CERT" in upper or upper.endswith("SSL_CERT_FILE")
             or "CAINFO" in upper or "SSL_ROOTS" in upper)
                and name not in env):
            other[name] = value
    proxies = {}
    for name in PROXY_VARS:
        if name in os.environ:
            proxies[name] = redact_url(os.environ[name]) if "no_proxy" not in name.lower() else os.environ[name]
    pip_vars = {}
    for name, value in os.environ.items():
        if name.upper().startswith("PIP_"):
            low = name.lower()
            pip_vars[name] = redact_url(value) if ("url" in low or "proxy" in low or "index" in low) else value
    conf = os.environ.get("OPENSSL_CONF")
    return {"ca": env, "other_ca": other, "proxy": proxies, "pip": pip_vars,
            "openssl_conf": openssl_conf_facts(conf) if conf is not None else None,
            "faketime": dict((k, v) for k, v in os.environ.items() if k.startswith("FAKETIME")),
            "ld_preload": os.environ.get("LD_PRELOAD"),
            "loader": dict((k, os.environ[k]) for k in ("LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "PYTHONHOME", "PYTHONPATH")
                           if k in os.environ)}


def openssl_conf_facts(path):
    """OPENSSL_CONF: which directives narrow versions, ciphers or options."""
    info = {"path": path, "restrictions": {}}
    try:
        with open(path, "rb") as fh:
            data = fh.read(1024 * 1024).decode("utf-8", "replace")
        info["readable"] = True
    except Exception as exc:
        info["readable"] = False
        info["error"] = err_text(exc)
        return info
    for line in data.splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^(MinProtocol|MaxProtocol|CipherString|Ciphersuites|Options|SignatureAlgorithms|Groups|Curves)\s*=\s*(.+)$",
                     line, re.I)
        if m:
            info["restrictions"][m.group(1)] = m.group(2).strip()
    return info


def pip_facts(index_override):
    """pip's version, vendored stack, and its effective options, resolved by pip itself."""
    out = {}
    try:
        import pip
        out["version"] = getattr(pip, "__version__", None)
        out["location"] = os.path.dirname(os.path.abspath(pip.__file__))
    except Exception as exc:
        out["import_error"] = err_text(exc)
        return out, None
    try:
        # pip 19.x's vendored requests can only be imported after
        # pip._internal (a circular import otherwise).
        import pip._internal  # noqa: F401
    except Exception as exc:
        out["internal_import_error"] = err_text(exc)
    for mod, key in (("pip._vendor.urllib3", "urllib3"), ("pip._vendor.requests", "requests"),
                     ("pip._vendor.certifi", "certifi"), ("pip._vendor.truststore", "truststore")):
        try:
            m = __import__(mod, fromlist=["__version__"])
            out[key + "_version"] = getattr(m, "__version__", None)
            if key == "certifi":
                out["certifi_where"] = m.where()
                out["certifi_bundle"] = bundle_info(out["certifi_where"])
        except Exception as exc:
            out[key + "_error"] = err_text(exc)
    out["config"] = pip_config_files()
    command = None
    try:
        command = _make_install_command()
        args = ["--retries", "0"]
        if index_override:
            args += ["--index-url", index_override]
        options, _ = command.parse_args(args)
        # Never prompt (stdin is our request), never call keyring, and leave
        # pip's HTTP cache alone (a check must not change the machine; the
        # network path is the same without it).
        options.no_input = True
        if hasattr(options, "cache_dir"):
            options.cache_dir = None
        if hasattr(options, "keyring_provider"):
            options.keyring_provider = "disabled"
        out["options"] = {
            "index_url": redact_url(getattr(options, "index_url", None)),
            "extra_index_urls": [redact_url(u) for u in (getattr(options, "extra_index_urls", None) or [])],
            "no_index": getattr(options, "no_index", None),
            "cert": getattr(options, "cert", None),
            "client_cert": getattr(options, "client_cert", None),
            "trusted_hosts": list(getattr(options, "trusted_hosts", None) or []),
            "proxy": redact_url(getattr(options, "proxy", None)),
            "timeout": getattr(options, "timeout", None),
            "deprecated_features_enabled": list(getattr(options, "deprecated_features_enabled", None) or []),
            "features_enabled": list(getattr(options, "features_enabled", None) or []),
        }
        out["bundles"] = {}
        for key in ("cert", "client_cert"):
            if getattr(options, key, None):
                out["bundles"][key] = bundle_info(getattr(options, key))
        return out, (command, options)
    except SystemExit as exc:
        out["options_error"] = "pip rejected its configuration (exit %s)" % (exc.code,)
    except Exception as exc:
        out["options_error"] = err_text(exc)
    return out, None


def _make_install_command():
    from pip._internal import commands as pc
    if hasattr(pc, "create_command"):  # pip >= 19.3
        return pc.create_command("install", isolated=False)
    cls = pc.commands_dict["install"]  # pip 10 - 19.2: a class
    return cls(isolated=False)


def pip_config_files():
    """Every config file pip would read, per level, with the values it holds."""
    levels = []
    try:
        from pip._internal.configuration import Configuration
        conf = Configuration(isolated=False)
        conf.load()
        parsers = getattr(conf, "_parsers", {})
        for variant in ("global", "user", "site", "env"):
            files = []
            for fname, parser in parsers.get(variant, []):
                entry = {"path": fname, "exists": os.path.exists(fname), "values": {}}
                try:
                    for section in parser.sections():
                        for key, value in parser.items(section):
                            entry["values"]["%s.%s" % (section, key)] = _redact_value(key, value)
                except Exception as exc:
                    entry["error"] = err_text(exc)
                files.append(entry)
            # pip only keeps parsers for files that exist; name the others too.
            try:
                for v, fnames in conf.iter_config_files():
                    if v == variant:
                        for fname in fnames:
                            if not any(f["path"] == fname for f in files):
                                files.append({"path": fname, "exists": os.path.exists(fname), "values": {}})
            except Exception:
                pass
            levels.append({"level": variant, "files": files})
    except Exception as exc:
        # pip's own loader raises on a malformed file (ConfigurationError):
        # that message is exactly what pip will print, so report it.
        return {"levels": levels, "error": err_text(exc)}
    return {"levels": levels, "pip_config_file": os.environ.get("PIP_CONFIG_FILE")}


def _redact_value(key, value):
    if any(word in key for word in ("url", "proxy", "index")):
        return " ".join(redact_url(v) for v in _s(value).split())
    return value


# ---------------------------------------------------------------- probes

class Results(object):
    def __init__(self):
        self.lock = threading.Lock()
        self.data = {}

    def put(self, key, value):
        with self.lock:
            self.data[key] = value


def start_threads(jobs, results):
    """Start ``(key, fn, args)`` jobs; until they finish, their result says ``deadline``."""
    threads = {}
    progress("start", len(jobs))
    for key, fn, args in jobs:
        results.put(key, {"status": "deadline", "started": round(time.time() - START, 3)})
        t = threading.Thread(target=_guard, args=(results, key, fn, args))
        t.daemon = True
        t.start()
        threads[key] = t
    return threads


def join_threads(threads, until):
    for t in threads:
        t.join(max(0.0, until - time.time()))


def _guard(results, key, fn, args):
    t0 = time.time()
    try:
        value = fn(*args)
    except Exception as exc:
        value = {"status": "error", "error": err_text(exc)}
    value["elapsed"] = round(time.time() - t0, 3)
    results.put(key, value)
    progress("done", key, value.get("status"))


def progress(*words):
    """One line on stderr per finished probe, for check's live display (never secrets: keys only)."""
    try:
        sys.stderr.write("@@tlsdoctor-progress %s\n" % " ".join(_s(w) for w in words))
        sys.stderr.flush()
    except Exception:
        pass


def connect(host, port, proxy, timeout):
    """TCP to host:port, through an http:// proxy with CONNECT when given.

    Returns (sock, info).  info["stage"] says how far it got.
    """
    info = {}
    if not proxy:
        t0 = time.time()
        sock = socket.create_connection((host, port), timeout)
        info["tcp_ms"] = round((time.time() - t0) * 1000, 1)
        return sock, info
    pscheme, phost, pport = host_port(proxy)
    sock = socket.create_connection((phost, pport), timeout)
    sock.settimeout(timeout)
    if pscheme == "https" and not LEGACY_HTTPS_PROXY:
        # urllib3 >= 1.26 (pip >= 20.3) speaks TLS to an https:// proxy and
        # tunnels the index's TLS inside it; older ones ignored the scheme.
        if not hasattr(ssl, "MemoryBIO"):
            sock.close()
            raise ValueError("TLS inside TLS needs Python >= 3.5")
        sock = make_context("noverify").wrap_socket(sock, server_hostname=phost)
        info["tunnel"] = "tls"
    status, headers = send_connect(sock, host, port, proxy)
    info["connect_status"] = status
    if status != 200:
        sock.close()
        raise ProxyRefused(status, headers)
    return sock, info


LEGACY_HTTPS_PROXY = False  # set in main() for pip < 20.3


class InnerTLS(object):
    """TLS inside an https:// proxy's TLS (like urllib3's SSLTransport), over ssl.SSLObject."""

    def __init__(self, outer, ctx, server_hostname):
        self.outer = outer
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.incoming, self.outgoing, server_hostname=server_hostname)
        self._run(self.obj.do_handshake)

    def _flush(self):
        data = self.outgoing.read()
        if data:
            self.outer.sendall(data)

    def _run(self, fn, *args):
        while True:
            try:
                result = fn(*args)
                self._flush()
                return result
            except ssl.SSLWantReadError:
                self._flush()
                data = self.outer.recv(16384)
                if data:
                    self.incoming.write(data)
                else:
                    self.incoming.write_eof()

    def sendall(self, data):
        view = memoryview(data)
        while len(view):
            n = self._run(self.obj.write, view)
            view = view[n:]

    def recv(self, n):
        try:
            return self._run(self.obj.read, n)
        except ssl.SSLZeroReturnError:
            return b""

    def settimeout(self, t):
        self.outer.settimeout(t)

    def version(self):
        return self.obj.version()

    def cipher(self):
        return self.obj.cipher()

    def getpeercert(self, binary_form=False):
        return self.obj.getpeercert(binary_form)

    def get_unverified_chain(self):
        if hasattr(self.obj, "get_unverified_chain"):
            return self.obj.get_unverified_chain()
        return self.obj._sslobj.get_unverified_chain()

    def close(self):
        _close(self.outer)


class ProxyRefused(Exception):
    def __init__(self, status, headers):
        Exception.__init__(self, "CONNECT answered %s" % (status,))
        self.status = status
        self.headers = headers


def send_connect(sock, host, port, proxy):
    lines = ["CONNECT %s:%d HTTP/1.1" % (host, port), "Host: %s:%d" % (host, port)]
    parts = urlsplit(proxy)
    if parts.username is not None:
        # Basic credentials, as requests' HTTPAdapter.proxy_headers sends them.
        raw = ("%s:%s" % (_unquote(parts.username), _unquote(parts.password or ""))).encode("utf-8")
        lines.append("Proxy-Authorization: Basic " + base64.b64encode(raw).decode("ascii"))
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    head = read_head(sock)
    return parse_status(head)


def _unquote(s):
    try:
        from urllib.parse import unquote
    except ImportError:
        from urllib import unquote
    return unquote(s)


def read_head(sock, limit=65536):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def parse_status(head):
    text = head.decode("latin-1", "replace")
    lines = text.split("\r\n")
    m = re.match(r"^HTTP/\d(?:\.\d)?\s+(\d{3})", lines[0] if lines else "")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if not m:
        raise ValueError("not an HTTP answer: %r" % (head[:40],))
    return int(m.group(1)), headers


def make_context(kind, cafile=None, versions=None, ciphers=None, check_hostname=False,
                 legacy_reneg=False, client_pem=None, strict=None):
    """A client SSLContext; ``kind`` is "noverify" or "verify"."""
    proto = getattr(ssl, "PROTOCOL_TLS_CLIENT", None) or getattr(ssl, "PROTOCOL_TLS", None) or ssl.PROTOCOL_SSLv23
    if kind == "verify":
        ctx = ssl.create_default_context(cafile=cafile) if cafile else ssl.create_default_context()
        ctx.check_hostname = check_hostname
        sflag = getattr(ssl, "VERIFY_X509_STRICT", None)
        if strict is not None and sflag:
            if strict:
                ctx.verify_flags |= sflag
            else:
                ctx.verify_flags &= ~sflag
    else:
        ctx = ssl.SSLContext(proto)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if versions:
        lo, hi = versions
        if hasattr(ctx, "minimum_version"):
            ctx.minimum_version = getattr(ssl.TLSVersion, lo.replace(".", "_"))
            ctx.maximum_version = getattr(ssl.TLSVersion, hi.replace(".", "_"))
        else:
            flags = {"TLSv1": "OP_NO_TLSv1", "TLSv1.1": "OP_NO_TLSv1_1",
                     "TLSv1.2": "OP_NO_TLSv1_2", "TLSv1.3": "OP_NO_TLSv1_3"}
            idx = TLS_NAMES.index
            for name in TLS_NAMES:
                if idx(name) < idx(lo) or idx(name) > idx(hi):
                    ctx.options |= getattr(ssl, flags[name], 0)
    if ciphers:
        ctx.set_ciphers(ciphers)
    if legacy_reneg:
        ctx.options |= getattr(ssl, "OP_LEGACY_SERVER_CONNECT", 0x4)
    if client_pem:
        ctx.load_cert_chain(client_pem)
    return ctx


def cert_info(der):
    """Decode a DER certificate with the stdlib's own decoder."""
    info = {"sha256": hashlib.sha256(der).hexdigest()}
    try:
        pem = ssl.DER_cert_to_PEM_cert(der)
        fd, path = tempfile.mkstemp(suffix=".pem")
        try:
            os.write(fd, pem.encode("ascii"))
            os.close(fd)
            decoded = ssl._ssl._test_decode_cert(path)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass
        info["subject"] = _name(decoded.get("subject"))
        info["issuer"] = _name(decoded.get("issuer"))
        info["not_before"] = decoded.get("notBefore")
        info["not_after"] = decoded.get("notAfter")
        for key in ("notBefore", "notAfter"):
            try:
                info[key + "_ts"] = ssl.cert_time_to_seconds(decoded[key])
            except Exception:
                pass
        info["sans"] = ["%s:%s" % (t, v) for t, v in decoded.get("subjectAltName", ())]
        info["ca_issuers"] = list(decoded.get("caIssuers", ()) or ())
        info["self_issued"] = info["subject"] == info["issuer"]
    except Exception as exc:
        info["decode_error"] = err_text(exc)
    return info


def _name(rdns):
    if not rdns:
        return ""
    return ", ".join("%s=%s" % (k, v) for rdn in rdns for (k, v) in rdn)


def peer_chain(sock):
    """The chain the server presented, leaf first (full chain on 3.10+)."""
    ders = []
    try:
        chain = None
        if hasattr(sock, "get_unverified_chain"):  # 3.13
            chain = sock.get_unverified_chain()
        elif hasattr(getattr(sock, "_sslobj", None), "get_unverified_chain"):  # 3.10-3.12
            chain = sock._sslobj.get_unverified_chain()
        if chain:
            for c in chain:
                if isinstance(c, bytes):
                    ders.append(c)
                else:
                    ders.append(c.public_bytes(getattr(ssl._ssl, "ENCODING_DER", 2)))
    except Exception:
        ders = []
    if not ders:
        leaf = sock.getpeercert(True)
        if leaf:
            ders = [leaf]
    return ders


def tls_attempt(host, port, proxy, deadline, ctx, want_chain=False, send_http=True, sni=True):
    """One full attempt: TCP (via proxy), TLS handshake, then HEAD over TLS."""
    out = {"status": "error"}
    timeout = remaining(deadline)
    try:
        sock, cinfo = connect(host, port, proxy, timeout)
        out.update(cinfo)
    except ProxyRefused as exc:
        out.update({"stage": "proxy", "error": err_text(exc), "connect_status": exc.status})
        return out
    except Exception as exc:
        out.update({"stage": "proxy" if proxy else "tcp", "error": err_text(exc),
                    "timeout": isinstance(exc, socket.timeout)})
        return out
    try:
        sock.settimeout(remaining(deadline))
        t0 = time.time()
        if cinfo.get("tunnel") == "tls":
            ssock = InnerTLS(sock, ctx, host if sni else None)
        else:
            ssock = ctx.wrap_socket(sock, server_hostname=host if sni else None)
        out["handshake_ms"] = round((time.time() - t0) * 1000, 1)
    except Exception as exc:
        out.update({"stage": "handshake", "error": err_text(exc), "timeout": isinstance(exc, socket.timeout)})
        _verify_details(exc, out)
        _close(sock)
        return out
    try:
        out["version"] = ssock.version() if hasattr(ssock, "version") else None
        c = ssock.cipher()
        out["cipher"] = c[0] if c else None
        if want_chain:
            out["chain"] = [cert_info(d) for d in peer_chain(ssock)]
        if send_http:
            # TLS 1.3 client-certificate and other post-handshake alerts
            # arrive on the first read, so the attempt is not done until a
            # response (or its failure) is seen.
            req = "HEAD / HTTP/1.1\r\nHost: %s\r\nUser-Agent: tlsdoctor-probe\r\nConnection: close\r\n\r\n" % host
            ssock.sendall(req.encode("ascii"))
            try:
                head = read_head(ssock)
                if not head:
                    raise IOError("server closed the connection without answering")
                status, headers = parse_status(head)
                out["http_status"] = status
                out["date"] = headers.get("date")
            except Exception as exc:
                out.update({"stage": "after_handshake", "error": err_text(exc),
                            "timeout": isinstance(exc, socket.timeout)})
                _close(ssock)
                return out
        out["status"] = "ok"
    except Exception as exc:
        out.update({"stage": "after_handshake", "error": err_text(exc)})
    _close(ssock)
    return out


def _verify_details(exc, out):
    code = getattr(exc, "verify_code", None)
    if code is not None:
        out["verify_code"] = code
        out["verify_message"] = _s(getattr(exc, "verify_message", None))
    reason = getattr(exc, "reason", None)
    if reason:
        out["reason"] = _s(reason)


def _close(sock):
    try:
        sock.close()
    except Exception:
        pass


def tcp_probe(host, port, deadline):
    out = {}
    t0 = time.time()
    try:
        s = socket.create_connection((host, port), remaining(deadline))
        out["status"] = "ok"
        out["tcp_ms"] = round((time.time() - t0) * 1000, 1)
        _close(s)
    except Exception as exc:
        out.update({"status": "error", "error": err_text(exc), "timeout": isinstance(exc, socket.timeout),
                    "errno": getattr(exc, "errno", None)})
    return out


def proxy_probe(proxy, host, port, deadline, cafile=None):
    """Can the proxy be reached, what does it answer to CONNECT, what scheme does it speak?"""
    out = {"proxy": redact_url(proxy)}
    pscheme, phost, pport = host_port(proxy)
    out["scheme"] = pscheme
    try:
        sock = socket.create_connection((phost, pport), remaining(deadline))
    except Exception as exc:
        out.update({"status": "error", "stage": "tcp", "error": err_text(exc),
                    "timeout": isinstance(exc, socket.timeout), "errno": getattr(exc, "errno", None)})
        return out
    out["tcp"] = "ok"
    if pscheme == "https" and ssl is not None and not LEGACY_HTTPS_PROXY:
        # pip >= 20.3 (urllib3 >= 1.26): TLS to the proxy, then CONNECT inside it.
        try:
            sock.settimeout(remaining(deadline))
            tsock = make_context("noverify").wrap_socket(sock, server_hostname=phost)
            out["tls_to_proxy"] = {"status": "ok", "version": tsock.version()}
        except Exception as exc:
            out["tls_to_proxy"] = {"status": "error", "error": err_text(exc),
                                   "timeout": isinstance(exc, socket.timeout)}
            _close(sock)
            tsock = None
        if tsock is not None:
            _connect_into(out, tsock, host, port, proxy, deadline)
            _close(tsock)
            # Is the proxy's own certificate trusted by the store pip verifies with?
            try:
                vs = socket.create_connection((phost, pport), remaining(deadline))
                vs.settimeout(remaining(deadline))
                vctx = make_context("verify", cafile=cafile, check_hostname=True)
                _close(vctx.wrap_socket(vs, server_hostname=phost))
                out["tls_to_proxy_verify"] = {"status": "ok", "cafile": cafile}
            except Exception as exc:
                v = {"status": "error", "error": err_text(exc), "cafile": cafile}
                _verify_details(exc, v)
                out["tls_to_proxy_verify"] = v
            return out
        # TLS failed: does the proxy speak plain HTTP instead (a wrong scheme)?
        try:
            sock = socket.create_connection((phost, pport), remaining(deadline))
        except Exception as exc:
            out.update({"status": "error", "stage": "tcp", "error": err_text(exc)})
            return out
        _connect_into(out, sock, host, port, proxy, deadline)
        out["plain_connect"] = True
        _close(sock)
        return out
    # Plain-HTTP CONNECT: what pip does for http:// proxies (and pip < 20.3 for any).
    _connect_into(out, sock, host, port, proxy, deadline)
    _close(sock)
    return out


def _connect_into(out, sock, host, port, proxy, deadline):
    try:
        sock.settimeout(remaining(deadline))
        status, headers = send_connect(sock, host, port, proxy)
        out["connect_status"] = status
        out["proxy_authenticate"] = headers.get("proxy-authenticate", "").split(" ")[0] or None
        out["status"] = "ok"
    except Exception as exc:
        out.update({"status": "error", "stage": "connect", "error": err_text(exc),
                    "timeout": isinstance(exc, socket.timeout)})


def plain_http_probe(host, port, proxy, deadline):
    """Does the https:// port answer plain HTTP?"""
    # An HTTP server answers a HEAD at once; a TLS server just waits for a
    # ClientHello, so a long wait here only means "not HTTP".
    deadline = min(deadline, time.time() + 1.0)
    out = {}
    try:
        sock, _ = connect(host, port, proxy, remaining(deadline))
        sock.settimeout(remaining(deadline))
        sock.sendall(("HEAD / HTTP/1.0\r\nHost: %s\r\n\r\n" % host).encode("ascii"))
        head = read_head(sock)
        _close(sock)
        out["first_bytes"] = _s(head[:12].decode("latin-1"))
        out["speaks_http"] = head.startswith(b"HTTP/")
        out["status"] = "ok"
    except Exception as exc:
        out.update({"status": "error", "error": err_text(exc), "timeout": isinstance(exc, socket.timeout)})
    return out


def pip_request(pip_ctx, url, deadline):
    """The request made by pip's own session: its outcome is pip's outcome."""
    command, options = pip_ctx
    out = {"url": redact_url(url)}
    t = max(0.5, remaining(deadline) - 0.2)
    try:
        try:
            session = command._build_session(options, retries=0, timeout=t)
        except TypeError:
            session = command._build_session(options)
        out["session"] = session_facts(session, url)
    except Exception as exc:
        out.update({"status": "could_not_run", "error": err_text(exc)})
        return out
    try:
        resp = session.get(url, timeout=t, headers={"Cache-Control": "max-age=0"},
                           allow_redirects=False, stream=True)
        out["status"] = "ok"
        out["http_status"] = resp.status_code
        out["date"] = resp.headers.get("Date")
        try:
            resp.close()
        except Exception:
            pass
    except Exception as exc:
        out["status"] = "error"
        out["error_chain"] = exception_chain(exc)
        # pip >= 26.2 raises DiagnosticPipError subclasses whose str() is just
        # "<Name: reference>"; the underlying error is the informative one.
        out["error"] = err_text(exc)
        if re.match(r"^\w+: <\w+: [\w-]+>$", out["error"]) and len(out["error_chain"]) > 1:
            out["error"] = "%s (%s)" % (out["error_chain"][-1], out["error"].split(": ", 1)[0])
        out["timeout"] = "timeout" in err_text(exc).lower() or "timed out" in err_text(exc).lower()
    return out


def exception_chain(exc):
    """requests wraps urllib3 wraps ssl: name every layer (reason / __context__ / args)."""
    chain, seen = [], set()
    stack = [exc]
    while stack and len(chain) < 12:
        e = stack.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        chain.append(err_text(e))
        ctx = getattr(e, "context", None)  # DiagnosticPipError's context: the wrapped error's text
        if ctx is not None and not isinstance(ctx, BaseException) and _s(ctx):
            chain.append(_s(ctx))
        for nxt in (getattr(e, "reason", None), getattr(e, "__cause__", None), getattr(e, "__context__", None)):
            if isinstance(nxt, BaseException):
                stack.append(nxt)
        for arg in getattr(e, "args", ()):
            if isinstance(arg, BaseException):
                stack.append(arg)
            r = getattr(arg, "reason", None)
            if isinstance(r, BaseException):
                stack.append(r)
    return chain


def session_facts(session, url):
    """Which CA bundle, client cert and proxy pip's session really uses for url."""
    out = {"trust_env": getattr(session, "trust_env", None)}
    out["session_verify"] = session.verify if not isinstance(session.verify, bool) else session.verify
    try:
        # requests' own merge: REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE beat
        # session.verify (= --cert) when trust_env is on (pypa/pip#10147).
        merged = session.merge_environment_settings(url, {}, None, None, None)
        out["effective_verify"] = merged.get("verify")
        if isinstance(out["effective_verify"], (text_type, str)):
            out["effective_verify_bundle"] = bundle_info(out["effective_verify"])
        out["effective_cert"] = merged.get("cert")
        out["effective_proxies"] = dict((k, redact_url(v)) for k, v in (merged.get("proxies") or {}).items())
        _, host, _ = host_port(url)
        proxy = select_proxy(url, merged.get("proxies") or {})
        out["proxy_for_url"] = redact_url(proxy) if proxy else None
        out["_proxy_raw"] = proxy
    except Exception as exc:
        out["merge_error"] = err_text(exc)
    ctx = None
    try:
        for adapter in session.adapters.values():
            ctx = getattr(adapter, "_ssl_context", None) or ctx
    except Exception:
        pass
    out["ssl_context_type"] = ("%s.%s" % (type(ctx).__module__, type(ctx).__name__)) if ctx is not None else None
    out["uses_truststore"] = bool(ctx is not None and "truststore" in type(ctx).__module__)
    insecure = []
    try:
        for prefix, adapter in session.adapters.items():
            if "Insecure" in type(adapter).__name__:
                insecure.append(prefix)
    except Exception:
        pass
    out["insecure_prefixes"] = [redact_url(p) for p in insecure]
    return out


def select_proxy(url, proxies):
    try:
        from pip._vendor.requests.utils import select_proxy as sp
        return sp(url, proxies)
    except Exception:
        scheme, host, _ = host_port(url)
        return proxies.get(scheme + "://" + (host or "")) or proxies.get(scheme) or proxies.get("all")


def stdlib_proxy_for(url):
    """The proxy urllib would use (no pip): environment, honouring no_proxy."""
    try:
        try:
            from urllib.request import getproxies, proxy_bypass
        except ImportError:
            from urllib import getproxies, proxy_bypass
        scheme, host, _ = host_port(url)
        proxies = getproxies()
        if host and proxy_bypass(host):
            return None
        return proxies.get(scheme) or proxies.get("all")
    except Exception:
        return None


# ---------------------------------------------------------------- main

def probe_host(url, proxy, stores, deadline, results, prefix, second_host=None):
    scheme, host, port = host_port(url)
    jobs = []
    if proxy:
        eff = [path for name, path in stores if name == "effective"]
        jobs.append((prefix + "proxy", proxy_probe, (proxy, host, port, deadline, eff[0] if eff else None)))
    else:
        jobs.append((prefix + "tcp", tcp_probe, (host, port, deadline)))
    if scheme != "https" or ssl is None:
        return jobs, []
    p1 = deadline - (deadline - time.time()) * 0.45  # phase 2 keeps time for the variants
    jobs.append((prefix + "tls", tls_attempt, (host, port, proxy, p1, make_context("noverify"), True)))
    for name, cafile in stores:
        jobs.append((prefix + "verify:" + name, _verify_job, (host, port, proxy, p1, cafile, True, None)))
        if name == "effective":
            jobs.append((prefix + "verify_nohost:" + name, _verify_job, (host, port, proxy, p1, cafile, False, None)))
            if getattr(ssl, "VERIFY_X509_STRICT", None):
                jobs.append((prefix + "verify_strict:" + name, _verify_job, (host, port, proxy, p1, cafile, False, True)))
                jobs.append((prefix + "verify_nostrict:" + name, _verify_job, (host, port, proxy, p1, cafile, False, False)))
    variants = []
    for v in TLS_NAMES:
        variants.append((prefix + "variant:" + v, _variant_job, (host, port, proxy, deadline, {"versions": (v, v), "ciphers": "ALL:@SECLEVEL=0"})))
    variants.append((prefix + "variant:wide_ciphers", _variant_job, (host, port, proxy, deadline, {"ciphers": "ALL:@SECLEVEL=0"})))
    variants.append((prefix + "variant:legacy_renegotiation", _variant_job, (host, port, proxy, deadline, {"legacy_reneg": True})))
    variants.append((prefix + "variant:client_cert", _variant_job, (host, port, proxy, deadline, {"client_cert": True})))
    # Cheap and decisive for https-on-http-port, whose TLS attempt just hangs.
    jobs.append((prefix + "variant:plain_http", plain_http_probe, (host, port, proxy, deadline)))
    if proxy:
        variants.append((prefix + "variant:direct", tls_attempt, (host, port, None, deadline, make_context("noverify"), True)))
        if second_host:
            # Where going direct is impossible (the proxy is the only route),
            # another host through the same proxy tells a proxy that re-signs
            # everything from one server's own certificate. Started with the
            # first phase and its budget, like the index's own handshake: as
            # a late variant it could be left too little time, and Python 2.7
            # on OpenSSL 3 reports that timeout as a misnamed handshake error.
            _, h2, p2 = host_port("https://" + second_host)
            if (h2, p2) != (host, port):
                jobs.append((prefix + "variant:second_host", _second_host_job, (h2, p2, proxy, p1)))
    return jobs, variants


def _second_host_job(host, port, proxy, deadline):
    # Only its certificate matters (it need not even serve HTTP): no request.
    r = tls_attempt(host, port, proxy, deadline, make_context("noverify"), True, send_http=False)
    r["host"] = "%s:%d" % (host, port)
    return r


def _verify_job(host, port, proxy, deadline, cafile, check_hostname, strict):
    ctx = make_context("verify", cafile=cafile, check_hostname=check_hostname, strict=strict)
    r = tls_attempt(host, port, proxy, deadline, ctx, want_chain=False)
    r["cafile"] = cafile
    return r


_CLIENT_PEM_PATH = []


def _variant_job(host, port, proxy, deadline, spec):
    client = None
    if spec.get("client_cert"):
        client = _client_pem()
    ctx = make_context("noverify", versions=spec.get("versions"), ciphers=spec.get("ciphers"),
                       legacy_reneg=spec.get("legacy_reneg"), client_pem=client)
    # The chain too: when the default attempt was cut short (a flaky
    # middlebox), any variant that got through still shows what was presented.
    return tls_attempt(host, port, proxy, deadline, ctx, want_chain=True)


def _client_pem():
    if not _CLIENT_PEM_PATH:
        fd, path = tempfile.mkstemp(suffix=".pem")
        os.write(fd, THROWAWAY_CLIENT_PEM.encode("ascii"))
        os.close(fd)
        _CLIENT_PEM_PATH.append(path)
    return _CLIENT_PEM_PATH[0]


def trust_stores(pip_info, session):
    """The CA files worth verifying against: the one pip uses, certifi, the OS default, the env ones."""
    stores = []
    eff = (session or {}).get("effective_verify")
    if isinstance(eff, text_type) or (PY2 and isinstance(eff, str)):
        stores.append(("effective", eff))
    else:
        stores.append(("effective", pip_info.get("certifi_where")))
    if pip_info.get("certifi_where"):
        stores.append(("certifi", pip_info["certifi_where"]))
    stores.append(("system", None))  # OpenSSL default paths (SSL_CERT_FILE / SSL_CERT_DIR honoured)
    opts = pip_info.get("options") or {}
    if opts.get("cert"):
        stores.append(("pip_cert", opts["cert"]))
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        if os.environ.get(var):
            stores.append((var, os.environ[var]))
    good = []
    for name, path in stores:
        if path is not None and not os.path.isfile(path):
            continue
        good.append((name, path))
    return good


def main():
    raw = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    try:
        request = json.loads(raw or "{}")
    except ValueError as exc:
        emit({"result": "error", "kind": "bad_request", "message": err_text(exc)})
        return
    timeout = float(request.get("timeout") or 10.0)
    deadline = START + timeout
    facts = {
        "python": {"version": sys.version.split()[0], "version_info": list(sys.version_info[:3]),
                   "implementation": getattr(getattr(sys, "implementation", None), "name", "cpython"),
                   "executable": sys.executable, "prefix": sys.prefix,
                   "base_prefix": getattr(sys, "base_prefix", getattr(sys, "real_prefix", sys.prefix)),
                   "platform": sys.platform},
        "ssl": tls_capabilities(),
        "env": environment_facts(),
        "time": time.time(),
    }
    pip_info, pip_ctx = {}, None
    try:
        pip_info, pip_ctx = pip_facts(request.get("index_url"))
    except Exception as exc:
        pip_info = {"error": err_text(exc)}
    facts["pip"] = pip_info
    global LEGACY_HTTPS_PROXY
    LEGACY_HTTPS_PROXY = _version_tuple(pip_info.get("version")) < (20, 3) if pip_info.get("version") else False
    if request.get("mode") == "handshake":
        pip_ctx = None  # a second look without OPENSSL_CONF: handshakes only

    # Which URLs: pip's resolved index + extra indexes (http/https only).
    urls = []
    opts = pip_info.get("options") or {}
    if request.get("urls"):
        urls = list(request["urls"])
    elif pip_ctx is not None:
        _, options = pip_ctx
        if not getattr(options, "no_index", False):
            urls = [options.index_url] + list(options.extra_index_urls or [])
    elif request.get("index_url"):
        urls = [request["index_url"]]
    else:
        urls = [os.environ.get("PIP_INDEX_URL") or "https://pypi.org/simple/"]
    urls = [u for u in urls if u and urlsplit(u).scheme in ("http", "https")]
    if any(urlsplit(u).hostname == "pypi.org" for u in urls):
        # pip's index pages come from pypi.org, the files from
        # files.pythonhosted.org: pip needs both, so check both.
        urls.append("https://files.pythonhosted.org/")
    seen, unique = set(), []
    for u in urls:
        _, h, p = host_port(u)
        if (h, p) not in seen:
            seen.add((h, p))
            unique.append(u)
    facts["targets"] = [redact_url(u) for u in unique]

    results = Results()
    # Every stdlib attempt gets a slice of the budget (a server that never
    # answers must not eat the variants' time); pip's request gets all of it,
    # as pip would wait.
    step = max(1.5, 0.3 * (deadline - time.time()))
    phase1, variants_by_host, sessions = [], {}, {}
    for i, url in enumerate(unique):
        prefix = "%d:" % i
        if pip_ctx is not None:
            try:
                session = pip_ctx[0]._build_session(pip_ctx[1], retries=0, timeout=1)
                sessions[i] = session_facts(session, url)
            except Exception as exc:
                sessions[i] = {"error": err_text(exc)}
            phase1.append((prefix + "pip_request", pip_request, (pip_ctx, url, deadline - 0.3)))
            proxy = sessions[i].get("_proxy_raw")
        else:
            proxy = stdlib_proxy_for(url)
        jobs, variants = probe_host(url, proxy, trust_stores(pip_info, sessions.get(i)),
                                    min(deadline - 0.2, time.time() + step), results, prefix,
                                    request.get("second_host"))
        phase1.extend(jobs)
        variants_by_host[i] = variants
    threads = start_threads(phase1, results)
    join_threads([t for k, t in threads.items() if not k.endswith("pip_request") and "variant:" not in k],
                 time.time() + step + 0.2)
    # Phase 2: when a handshake or pip's request failed, variants find out why.
    launched = set()
    all_threads = dict(threads)

    def launch(i):
        if i in launched or request.get("mode") == "handshake":
            return
        launched.add(i)
        tls = results.data.get("%d:tls" % i, {})
        vdl = min(deadline - 0.2, time.time() + step)
        jobs = []
        for key, fn, args in variants_by_host[i]:
            if tls.get("timeout") and not key.endswith(("variant:direct", "variant:plain_http")):
                continue  # a handshake that hangs hangs with other versions too
            args = tuple(vdl if (isinstance(a, float) and a > 1e9) else a for a in args)
            jobs.append((key, fn, args))
        all_threads.update(start_threads(jobs, results))

    def failed(i):
        tls = results.data.get("%d:tls" % i, {})
        pipr = results.data.get("%d:pip_request" % i, {})
        return tls.get("status") == "error" or pipr.get("status") == "error"

    for i in variants_by_host:
        if failed(i) or request.get("all_variants"):
            launch(i)
    pending = [i for i in variants_by_host if i not in launched]
    if pending:
        pip_threads = [threads[k] for k in threads if k.endswith("pip_request")]
        join_threads(pip_threads, deadline - step - 0.3)
        for i in pending:
            pipr = results.data.get("%d:pip_request" % i, {})
            if pipr.get("status") in ("error", "deadline"):
                launch(i)
    # A healthy host needs no variant: do not wait for one (plain HTTP to a
    # TLS port may simply hang), and do not report it.
    healthy = ["%d:" % i for i in variants_by_host if i not in launched]
    wait = [t for k, t in all_threads.items() if not (k.split("variant:")[0] in healthy and "variant:" in k)]
    join_threads(wait, deadline - 0.1)
    with results.lock:
        for k in list(results.data):
            if "variant:" in k and k.split("variant:")[0] in healthy:
                del results.data[k]
    facts["time_end"] = time.time()
    for i in sessions:
        sessions[i].pop("_proxy_raw", None)
    emit({"result": "success", "kind": "probe", "facts": facts, "sessions": sessions,
          "probes": dict(results.data), "elapsed": round(time.time() - START, 3)})


def emit(obj):
    with_lock = scrub(obj)
    text = json.dumps(with_lock, sort_keys=True, default=_s)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    try:
        main()
    except SystemExit:
        raise
    except BaseException as exc:  # the contract: always one JSON object
        emit({"result": "error", "kind": "probe_crashed", "message": err_text(exc)})
    # Daemon threads still blocked on a socket must not delay the exit.
    try:
        sys.stdout.flush()
    finally:
        os._exit(0)
