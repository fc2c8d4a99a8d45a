"""The lab's scenarios: one real network situation per root cause.

Each scenario starts real peers on 127.0.0.1 (an HTTPS PEP 503 index, proxies,
relays), and says which environment a client needs to meet them
(``Running.env``: PIP_INDEX_URL, HTTPS_PROXY, PIP_CERT, OPENSSL_CONF, ...).
``expect(client)`` says, from the mechanism, whether real pip fails there:
``"fail"``, ``"ok"``, or ``None`` where the scenario does not apply to that
client. The recordings (``recordings/``) and the lab tests hold every
expectation to what real pip actually did.

Usage::

    sc = get("untrusted-ca")
    with sc.start(workdir) as running:
        running.index_url, running.env
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import shutil
import ssl
import stat
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Tuple

from tlsdoctor.lab import index, net
from tlsdoctor.lab.clients import Client
from tlsdoctor.lab.pki import LOOPBACK_IDENTITIES, PKI, PROXY_ONLY_INDEX, PROXY_ONLY_SECOND, RSA, days, now

# RFC 2409 "Second Oakley Group": a 1024-bit MODP prime, generator 2. Any DHE
# server still using it is below OpenSSL 3's security level 2 (112 bits).
_OAKLEY_GROUP_2 = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF",
    16,
)


class ScenarioUnavailable(Exception):
    """The scenario needs something this machine lacks (e.g. libfaketime)."""


@dataclass
class Running:
    """A started scenario."""

    name: str
    workdir: str
    index_url: str
    env: Dict[str, str]
    package: str = index.PACKAGE
    peers: List[object] = field(default_factory=list)
    # Named changes to the client environment (None = unset the variable):
    # ``fixes`` make pip succeed here; ``dead_ends`` are popular advice that
    # does not (the lab tests hold both to real pip).
    fixes: Dict[str, Dict[str, Optional[str]]] = field(default_factory=dict)
    dead_ends: Dict[str, Dict[str, Optional[str]]] = field(default_factory=dict)
    # In a scenario that stacks two faults, the fix of the first one does not
    # make pip succeed: it uncovers the second. ``then`` maps such a fix to
    # the cause pip meets next (one of the scenario's later causes); the lab
    # tests hold it to real pip failing with that cause's evidence.
    then: Dict[str, str] = field(default_factory=dict)

    @property
    def wheel_url(self) -> str:
        """The lab wheel's own URL on the index host: fetching it directly takes
        pip's download path, whose errors differ from the index page's (pip
        >= 26.2 prints its 'error: ssl-verification-failed' diagnostic there)."""
        return self.index_url.rsplit("/simple/", 1)[0] + "/packages/" + index.WHEEL_NAME

    def env_with(self, name: str) -> Dict[str, str]:
        """``env`` with the named fix or dead end applied."""
        delta = self.fixes.get(name, self.dead_ends.get(name))
        if delta is None:
            raise KeyError("scenario %s has no fix or dead end %r (has: %s)"
                           % (self.name, name, ", ".join(sorted(self.fixes) + sorted(self.dead_ends)) or "none"))
        env = dict(self.env)
        for key, value in delta.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return env

    def events(self) -> Dict[str, List[str]]:
        """What each peer saw (handshake errors, CONNECT lines), for debugging."""
        return {getattr(p, "name", type(p).__name__): list(getattr(p, "events", [])) for p in self.peers}


class Bench:
    """What a scenario's ``build`` uses to start peers and set the client environment."""

    def __init__(self, workdir: str) -> None:
        self.workdir = workdir
        self.pki = PKI(os.path.join(workdir, "pki"))
        self.peers: List[object] = []
        self.env: Dict[str, str] = {}
        self.index_url = ""
        self.fixes: Dict[str, Dict[str, Optional[str]]] = {}
        self.dead_ends: Dict[str, Dict[str, Optional[str]]] = {}
        self.then: Dict[str, str] = {}

    def fix(self, name: str, then: Optional[str] = None, **delta: Optional[str]) -> None:
        """A named change that removes a fault; ``then``: the cause it uncovers
        (variables are upper case, so ``then`` never clashes with one)."""
        self.fixes[name] = delta
        if then:
            self.then[name] = then

    def dead_end(self, name: str, **delta: Optional[str]) -> None:
        self.dead_ends[name] = delta

    # -- peers -------------------------------------------------------------------

    def listen(self, handler: net.Handler, name: str) -> net.Listener:
        listener = net.Listener(handler, name)
        self.peers.append(listener)
        return listener

    def closed_port(self) -> int:
        closed = net.ClosedPort()
        self.peers.append(closed)
        return closed.port

    def https_index(self, ctx: ssl.SSLContext, name: str = "index") -> int:
        """An HTTPS index with ``ctx``; the client's PIP_INDEX_URL points at it."""
        port = self.listen(net.tls_handler(ctx, index.app), name).port
        self.set_index(port)
        return port

    def set_index(self, port: int, scheme: str = "https", host: str = "localhost") -> None:
        # A host *name*, as real indexes have: pip 24.2-26.0 cannot use an
        # https:// index given as an IP address at all (see ip-address-index).
        self.index_url = "%s://%s:%d/simple/" % (scheme, host, port)
        self.env["PIP_INDEX_URL"] = self.index_url

    def server_ctx(self, leaf: Optional[object] = None, send_chain: bool = True) -> ssl.SSLContext:
        """A server context with the index CA's loopback certificate (or ``leaf``)."""
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf = leaf or self.pki.leaf()
        if send_chain:
            leaf.configure_cert(ctx)  # leaf + every intermediate
        else:
            cert = self.pki.write("leaf-only.pem", leaf.cert_chain_pems[0].bytes())
            key = self.pki.write("leaf-only.key", leaf.private_key_pem.bytes())
            ctx.load_cert_chain(cert, key)
        return ctx

    def trust_index_ca(self) -> str:
        """Tell pip to trust the index CA, the way users do for a private index."""
        path = self.pki.ca_file("index")
        self.env["PIP_CERT"] = path
        return path

    def proxy(self, mode: str, **kwargs: object) -> int:
        return self.listen(net.proxy_handler(mode, **kwargs), "proxy-" + mode).port

    def file(self, name: str, text: str) -> str:
        path = os.path.join(self.workdir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def trusted_host_is_no_help(self) -> None:
        # --trusted-host only turns certificate checks off (verify=False); the
        # TLS handshake, proxies and the ssl module stay as they are.
        self.dead_end("trusted-host", PIP_TRUSTED_HOST="localhost")

    def healthy_index(self) -> int:
        port = self.https_index(self.server_ctx())
        self.trust_index_ca()
        return port


Expect = Callable[[Client], Optional[str]]


def always_fail(client: Client) -> Optional[str]:
    return "fail"


def always_ok(client: Client) -> Optional[str]:
    return "ok"


# A lab workdir holds private keys (the CAs', the servers'). It is made by
# mkdtemp (mode 0700, so no other user can read it) and named after its owner
# process: a `lab serve` killed with SIGKILL cannot remove its own, so the
# next start removes those whose owner is gone.
WORKDIR_PREFIX = "tlsdoctor-lab-"
_WORKDIR_NAME = re.compile(r"^" + re.escape(WORKDIR_PREFIX) + r"(\d+)-")


def make_workdir() -> str:
    return tempfile.mkdtemp(prefix="%s%d-" % (WORKDIR_PREFIX, os.getpid()))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: alive, another user's
        return True
    return True


def sweep_stale_workdirs(tmp: Optional[str] = None) -> List[str]:
    """Remove this user's lab workdirs whose owner process is gone; return them.

    Only real directories (not symlinks) owned by this user and named by
    ``make_workdir``; a directory whose pid is alive (even if the pid was
    reused by another program) is left alone: keeping a stale one is better
    than removing a live one.
    """
    tmp = tmp or tempfile.gettempdir()
    removed = []
    try:
        names = os.listdir(tmp)
    except OSError:
        return removed
    for name in names:
        m = _WORKDIR_NAME.match(name)
        if not m:
            continue
        path = os.path.join(tmp, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or _alive(int(m.group(1))):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    causes: Tuple[str, ...]
    build: Callable[[Bench], None]
    expect: Expect = always_fail
    # A regex that real pip's output must contain when it fails here: the
    # mechanism's own words (OpenSSL reason, exception text), so that a
    # scenario failing for some other reason is caught, not counted.
    evidence: str = ""
    # Set when the scenario stands in for a client this machine cannot run;
    # says what is emulated and how. `check` cannot confirm such a cause from
    # this machine's facts, so its tests use recorded facts instead.
    emulates: str = ""
    notes: str = ""

    @contextlib.contextmanager
    def start(self, workdir: Optional[str] = None) -> Iterator[Running]:
        """Start the peers; stop them and remove the temp dir on exit."""
        own = workdir is None
        if own:
            sweep_stale_workdirs()
        workdir = workdir or make_workdir()
        bench = Bench(workdir)
        home = os.path.join(workdir, "home")
        os.makedirs(home, exist_ok=True)
        bench.env["HOME"] = home
        try:
            self.build(bench)
            yield Running(self.name, workdir, bench.index_url, dict(bench.env), peers=list(bench.peers),
                          fixes=dict(bench.fixes), dead_ends=dict(bench.dead_ends), then=dict(bench.then))
        finally:
            for peer in bench.peers:
                peer.stop()  # type: ignore[attr-defined]
            if own:
                shutil.rmtree(workdir, ignore_errors=True)

    def outcomes(self) -> Dict[str, List[str]]:
        """Which of the lab's standard clients fail here, and which cope."""
        from tlsdoctor.lab.clients import default_clients, spec

        result: Dict[str, List[str]] = {"fail": [], "ok": []}
        for cid in default_clients():
            verdict = self.expect(spec(cid))
            if verdict in result:
                result[verdict].append(cid)
        return result

    def to_json(self) -> Dict[str, object]:
        outcomes = self.outcomes()
        return {
            "name": self.name,
            "description": self.description,
            "causes": list(self.causes),
            "fails_with": outcomes["fail"],
            "succeeds_with": outcomes["ok"],
            "evidence": self.evidence,
            "emulates": self.emulates,
            "notes": self.notes,
        }


# --- expectations, from the mechanisms --------------------------------------------


def _py(client: Client) -> Tuple[int, ...]:
    return client.python_tuple[:2]


def _pip(client: Client) -> Tuple[int, ...]:
    return client.pip_tuple[:2]


def uses_truststore(client: Client) -> bool:
    """pip >= 24.2 on Python >= 3.10 verifies with truststore (OS store + certifi)."""
    return _pip(client) >= (24, 2) and _py(client) >= (3, 10)


def python_default_ciphers(client: Client) -> bool:
    """Whether pip's TLS context keeps Python's own cipher string.

    urllib3 1.x sets its DEFAULT_CIPHERS (which still include RSA key exchange)
    on the contexts *it* creates. pip >= 24.2 on Python >= 3.10 hands urllib3 a
    truststore context, and urllib3 2.x (pip >= 26.1) sets no ciphers: both keep
    Python's string, which from 3.10 on drops RSA key exchange and SHA-1 MACs
    and says @SECLEVEL=2 (bpo-43998).
    """
    return _py(client) >= (3, 10) and (uses_truststore(client) or _pip(client) >= (26, 1))


# --- builds ------------------------------------------------------------------------


def _healthy_direct(b: Bench) -> None:
    b.healthy_index()


def _healthy_proxy(b: Bench) -> None:
    b.healthy_index()
    b.env["HTTPS_PROXY"] = "http://127.0.0.1:%d" % b.proxy("tunnel")


def _untrusted_ca(b: Bench) -> None:
    b.https_index(b.server_ctx())  # signed by a private CA the client was never told about
    b.fix("cert", PIP_CERT=b.pki.ca_file("index"))


def _self_signed_leaf(b: Bench) -> None:
    ss = b.pki.self_signed_leaf()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(ss["cert"], ss["key"])
    b.https_index(ctx)
    b.fix("cert", PIP_CERT=ss["cert"])


def _expired(b: Bench) -> None:
    leaf = b.pki.leaf(not_before=now() - days(400), not_after=now() - days(30))
    b.https_index(b.server_ctx(leaf))
    b.trust_index_ca()


def _faketime_library() -> str:
    for pattern in ("/usr/lib/*/faketime/libfaketimeMT.so.1", "/usr/lib/faketime/libfaketimeMT.so.1",
                    "/usr/local/lib/faketime/libfaketimeMT.so.1"):
        found = glob.glob(pattern)
        if found:
            return found[0]
    raise ScenarioUnavailable("needs libfaketime (Debian/Ubuntu: apt-get install faketime)")


def _clock_behind(b: Bench) -> None:
    # The certificate is fine (valid from two days ago); the *client's* clock
    # is 400 days slow, as on a machine with a dead RTC battery or a VM
    # restored from an old snapshot. libfaketime moves only the client's clock.
    leaf = b.pki.leaf(not_before=now() - days(2), not_after=now() + days(365))
    b.https_index(b.server_ctx(leaf))
    b.trust_index_ca()
    b.env["LD_PRELOAD"] = _faketime_library()
    # The monotonic clock is shifted too: with FAKETIME_DONT_FAKE_MONOTONIC,
    # Python 3.11's time.sleep() (clock_nanosleep on an absolute monotonic
    # deadline) fails with EINVAL, which cut pip's retry back-off short.
    b.env["FAKETIME"] = "-400d"
    b.fix("correct-clock", LD_PRELOAD=None, FAKETIME=None)


def _wrong_host(b: Bench) -> None:
    b.https_index(b.server_ctx(b.pki.leaf(identities=("tlsdoctor-lab.invalid",))))
    b.trust_index_ca()


def _missing_intermediate(b: Bench, der: bool = True) -> None:
    # The leaf names its issuer by AIA caIssuers, as every public CA's leaf
    # does (RFC 5280 4.2.2.1): that URL is what tells a forgotten intermediate
    # from a private CA, for browsers and for `tlsdoctor check` (pip never
    # fetches it). DER is what RFC 5280 asks for; some internal CAs serve PEM.
    from tlsdoctor.lab import aia

    issuer = aia.IssuerServer(b)
    mid = aia.intermediate(b.pki, "index")
    leaf = aia.leaf_with_aia(b.pki, mid, issuer.url)
    issuer.serve(b.pki.ca(mid).cert_pem.bytes(), der=der)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(leaf["cert"], leaf["key"])  # the leaf alone: the intermediate is forgotten
    b.https_index(ctx)
    root = b.trust_index_ca()  # the root only, as in every trust store
    with open(root, "rb") as f:
        bundle = b.pki.write("root-and-intermediate.pem", f.read(), b.pki.ca(mid).cert_pem.bytes())
    b.fix("cert-with-intermediate", PIP_CERT=bundle)


def _private_ca_aia_root(b: Bench) -> None:
    # A private index whose leaf comes straight from its own root (AIA names
    # that self-signed root), on a machine whose pip.conf points cert at the
    # OS bundle, as Debian/Ubuntu and corporate images do: a configured
    # bundle is no sign of a missing intermediate.
    from tlsdoctor.lab import aia

    issuer = aia.IssuerServer(b)
    leaf = aia.leaf_with_aia(b.pki, "index", issuer.url)
    issuer.serve(b.pki.ca("index").cert_pem.bytes())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(leaf["cert"], leaf["key"])
    b.https_index(ctx)
    os_like = b.pki.write("os-ca-certificates.crt", b.pki.ca("public-root-1").cert_pem.bytes(),
                          b.pki.ca("public-root-2").cert_pem.bytes())
    b.env["PIP_CERT"] = os_like
    with open(b.pki.ca_file("index"), "rb") as f:
        b.fix("cert-with-private-ca", PIP_CERT=b.pki.write("os-plus-index.pem", open(os_like, "rb").read(), f.read()))


def _strict_ca(b: Bench) -> None:
    lax = b.pki.lax_ca_leaf()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(lax["cert"], lax["key"])
    b.https_index(ctx)
    b.env["PIP_CERT"] = lax["ca"]
    # pip's default context since 24.2 is truststore's, built from a bare
    # ssl.SSLContext without VERIFY_X509_STRICT: the lab shows pip 26.3 on
    # 3.13 accepting this CA. Strict checking reaches pip when urllib3 makes
    # the context, i.e. with --use-deprecated=legacy-certs, the usual escape
    # hatch after a truststore regression (and in requests, httpx, poetry).
    b.env["PIP_USE_DEPRECATED"] = "legacy-certs"
    b.fix("default-certs", PIP_USE_DEPRECATED=None)


def _strict_ca_expect(client: Client) -> Optional[str]:
    # VERIFY_X509_STRICT is set by urllib3 >= 2.4 on Python >= 3.13 (pip >= 26.1
    # vendors urllib3 2.6); urllib3 1.26 contexts never set it.
    if _pip(client) < (24, 2):
        return None  # 'legacy-certs' does not exist before pip 24.2 (a usage error)
    if _py(client) < (3, 13):
        return "ok"
    return "fail" if _pip(client) >= (26, 1) else "ok"


def _trust_store_missing_root(b: Bench) -> None:
    # The OS store (what OpenSSL's default paths lead to; SSL_CERT_FILE here
    # stands for /etc/ssl/certs) has the root; pip's own certifi does not.
    b.https_index(b.server_ctx())
    b.env["SSL_CERT_FILE"] = b.pki.ca_file("index")
    b.fix("cert", PIP_CERT=b.env["SSL_CERT_FILE"])
    declare_public_root(b, "index")


def declare_public_root(b: Bench, ca_name: str) -> str:
    """Make CA ``ca_name`` count as a public root for this run only (tlsdoctor.public_roots' lab switch).

    The lab has no key of a real Mozilla/certifi root, and outdated-ca-bundle
    needs proof that the missing root is public. The file holds the CA *with
    its private key* (which no real public or company CA would ever have on
    this machine) and this process's pid (the switch dies with the lab run);
    mode 0600, as it holds a key. check prints that the switch is on.
    """
    from tlsdoctor import public_roots

    ca = b.pki.ca(ca_name)
    path = os.path.join(b.pki.directory, "lab-public-root-%s.pem" % ca_name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(public_roots.lab_file_text(os.getpid(), ca.cert_pem.bytes(), ca.private_key_pem.bytes()))
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    b.env[public_roots.LAB_ENV] = path
    return path


def _trust_store_missing_root_expect(client: Client) -> Optional[str]:
    return "ok" if uses_truststore(client) else "fail"


def _tls10_only(b: Bench) -> None:
    ctx = b.server_ctx()
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 allows TLS 1.0 only at level 0
    import warnings

    with warnings.catch_warnings():  # Python deprecates TLSv1: that is the point here
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1
    b.https_index(ctx)
    b.trust_index_ca()
    b.trusted_host_is_no_help()


def _openssl_conf(b: Bench, name: str, directives: str) -> str:
    return b.file(
        name,
        "openssl_conf = tlsdoctor_lab\n\n[tlsdoctor_lab]\nssl_conf = ssl_sect\n\n"
        "[ssl_sect]\nsystem_default = system_default_sect\n\n[system_default_sect]\n" + directives,
    )


def _tls13_only(b: Bench) -> None:
    ctx = b.server_ctx()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    b.https_index(ctx)
    b.trust_index_ca()
    b.env["OPENSSL_CONF"] = _openssl_conf(b, "client-without-tls13.cnf", "MaxProtocol = TLSv1.2\n")
    b.fix("client-with-tls13", OPENSSL_CONF=None)
    b.trusted_host_is_no_help()


def _legacy_ciphers(b: Bench) -> None:
    ctx = b.server_ctx()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("AES128-SHA:AES256-SHA:@SECLEVEL=0")  # RSA key exchange, SHA-1 MAC only
    b.https_index(ctx)
    b.trust_index_ca()
    b.trusted_host_is_no_help()


def _legacy_ciphers_expect(client: Client) -> Optional[str]:
    return "fail" if python_default_ciphers(client) else "ok"


def _weak_dh(b: Bench) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import dh

    import warnings

    with warnings.catch_warnings():  # cryptography deprecates FFDH: that is the point here
        warnings.simplefilter("ignore")
        params = dh.DHParameterNumbers(_OAKLEY_GROUP_2, 2).parameters()
    pem = b.pki.write(
        "dh1024.pem", params.parameter_bytes(serialization.Encoding.PEM, serialization.ParameterFormat.PKCS3)
    )
    ctx = b.server_ctx()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:@SECLEVEL=0")
    ctx.load_dh_params(pem)
    b.https_index(ctx)
    b.trust_index_ca()
    b.trusted_host_is_no_help()


def _client_cert(version: ssl.TLSVersion, abrupt: bool = False) -> Callable[[Bench], None]:
    def build(b: Bench) -> None:
        ctx = b.server_ctx()
        ctx.minimum_version = ctx.maximum_version = version
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(b.pki.ca_file("client"))
        b.set_index(b.listen(net.tls_handler(ctx, index.app, abrupt=abrupt), "index").port)
        b.trust_index_ca()
        mine = b.pki.ca("client").issue_cert("tlsdoctor-lab-client", key_type=RSA)
        # pip's --client-cert takes one PEM with the key and the certificate.
        b.fix("client-cert", PIP_CLIENT_CERT=b.pki.write("client.pem", mine.private_key_and_cert_chain_pem.bytes()))
        b.trusted_host_is_no_help()

    return build


def _no_secure_renegotiation(b: Bench) -> None:
    ctx = b.server_ctx()
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # renegotiation does not exist in TLS 1.3
    upstream = b.listen(net.tls_handler(ctx, index.app), "index-behind-relay").port
    b.set_index(b.listen(net.strip_reneg_handler(upstream), "relay-without-rfc5746").port)
    b.trust_index_ca()
    b.trusted_host_is_no_help()


def _plain_http_port(b: Bench) -> None:
    port = b.listen(net.plain_handler(index.app), "plain-http").port
    b.set_index(port)
    # If the index really is plain HTTP, say so (pip then wants it trusted).
    b.fix("http-url", PIP_INDEX_URL="http://localhost:%d/simple/" % port, PIP_TRUSTED_HOST="localhost")
    b.trusted_host_is_no_help()


def _drop_after_hello(b: Bench) -> None:
    b.set_index(b.listen(net.drop_handler, "dropper").port)
    b.trust_index_ca()
    b.trusted_host_is_no_help()


def _proxy_https_scheme(b: Bench) -> None:
    b.healthy_index()
    # A plain-HTTP proxy written down as https:// (by hand, or by the Windows
    # registry on Python < 3.9.13/3.10.5, bpo-42627), given as an IP address.
    port = b.proxy("tunnel")
    b.env["HTTPS_PROXY"] = "https://127.0.0.1:%d" % port
    b.fix("http-proxy-scheme", HTTPS_PROXY="http://127.0.0.1:%d" % port)
    b.trusted_host_is_no_help()


def _proxy_https_scheme_expect(client: Client) -> Optional[str]:
    # urllib3 < 1.26 (pip < 20.3) ignored the scheme and spoke plain HTTP to
    # the proxy, so the mistake went unnoticed (pypa/pip#9216).
    return "ok" if _pip(client) < (20, 3) else "fail"


def _proxy_407(b: Bench) -> None:
    b.healthy_index()
    port = b.proxy("auth", credentials=("tlsdoctor", "lab-password"))
    b.env["HTTPS_PROXY"] = "http://127.0.0.1:%d" % port  # no credentials given
    b.fix("credentials", HTTPS_PROXY="http://tlsdoctor:lab-password@127.0.0.1:%d" % port)
    b.trusted_host_is_no_help()


def _proxy_403(b: Bench) -> None:
    b.healthy_index()
    b.env["HTTPS_PROXY"] = "http://127.0.0.1:%d" % b.proxy("forbid")
    b.trusted_host_is_no_help()


def _proxy_unreachable(b: Bench) -> None:
    b.healthy_index()
    b.env["HTTPS_PROXY"] = "http://127.0.0.1:%d" % b.closed_port()
    b.fix("no-proxy", HTTPS_PROXY=None)  # where the network allows going direct
    b.trusted_host_is_no_help()


def _intercepting_proxy(b: Bench, only_route: bool = False,
                        credentials: Optional[Tuple[str, str]] = None) -> Tuple[int, str]:
    """Start the inspecting proxy; return its port and the bundle that trusts
    the index's and the inspection roots (the real fix)."""
    resolve: Dict[str, str] = {}
    if only_route:
        # The corporate shape where going direct is impossible: the index's
        # name resolves only at the proxy. A second host sits behind the same
        # proxy; TLSDOCTOR_SECOND_HOST tells `tlsdoctor check` about it.
        identities = (PROXY_ONLY_INDEX,) + tuple(LOOPBACK_IDENTITIES)
        port = b.https_index(b.server_ctx(b.pki.leaf(identities=identities)))
        b.set_index(port, host=PROXY_ONLY_INDEX)
        b.trust_index_ca()
        second = b.listen(net.tls_handler(b.server_ctx(b.pki.leaf(identities=(PROXY_ONLY_SECOND,))), index.app),
                          "second-host").port
        b.env["TLSDOCTOR_SECOND_HOST"] = "%s:%d" % (PROXY_ONLY_SECOND, second)
        resolve = {PROXY_ONLY_INDEX: "127.0.0.1", PROXY_ONLY_SECOND: "127.0.0.1"}
    else:
        b.healthy_index()
    proxy_ca = b.pki.ca("inspection")
    leaves: Dict[str, ssl.SSLContext] = {}
    lock = threading.Lock()  # clients (tlsdoctor check) connect concurrently

    def intercept(host: str) -> ssl.SSLContext:
        # Like a corporate inspection proxy: a fresh certificate for whatever
        # host was asked for, signed by the proxy's own root, sent with it.
        with lock:
            if host not in leaves:
                leaves[host] = _context_for(host)
            return leaves[host]

    def _context_for(host: str) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        leaf = proxy_ca.issue_cert(host, key_type=RSA)
        stem = "inspect-%s" % host.replace(":", "_")
        ctx.load_cert_chain(
            b.pki.write(stem + ".pem", leaf.cert_chain_pems[0].bytes(), proxy_ca.cert_pem.bytes()),
            b.pki.write(stem + ".key", leaf.private_key_pem.bytes()),
        )
        return ctx

    # Issue the known hosts' certificates now (inspection proxies cache them),
    # so that no client waits on a key generation behind the lock.
    for name in list(resolve) or ["localhost"]:
        intercept(name)
    upstream = ssl.create_default_context(cafile=b.pki.ca_file("index"))
    port = b.proxy("intercept", intercept=intercept, upstream_ctx=upstream, resolve=resolve, credentials=credentials)
    b.env["HTTPS_PROXY"] = "http://127.0.0.1:%d" % port
    # The real fix: trust the inspection root *as well as* the usual roots.
    with open(b.pki.ca_file("index"), "rb") as f:
        both = b.pki.write("index-and-inspection.pem", f.read(), proxy_ca.cert_pem.bytes())
    if credentials is None:
        b.fix("cert-with-inspection-ca", PIP_CERT=both)
    return port, both


def _proxy_https_scheme_private_ca(b: Bench) -> None:
    # Two faults stacked, as on real machines: a plain-HTTP proxy written as
    # https:// (urllib3 >= 1.26 then starts TLS with the proxy, which answers
    # the ClientHello in plain HTTP) in front of an index whose private CA
    # pip was never told about. The TLS handshake with the index cannot
    # start until the proxy is reached, so the CA fault stays hidden until
    # the scheme is corrected.
    b.https_index(b.server_ctx())
    port = b.proxy("tunnel")
    b.env["HTTPS_PROXY"] = "https://127.0.0.1:%d" % port
    http_proxy = "http://127.0.0.1:%d" % port
    ca = b.pki.ca_file("index")
    b.fix("http-proxy-scheme", then="untrusted-private-ca", HTTPS_PROXY=http_proxy)
    b.fix("http-proxy-scheme-and-cert", HTTPS_PROXY=http_proxy, PIP_CERT=ca)
    # Trusting the CA first is right but not enough: pip never gets as far
    # as the index's certificate while the proxy scheme is wrong.
    b.dead_end("cert", PIP_CERT=ca)
    b.trusted_host_is_no_help()


def _proxy_https_scheme_private_ca_expect(client: Client) -> Optional[str]:
    # pip < 20.3 (urllib3 < 1.26) speaks plain HTTP to an https:// proxy
    # (pypa/pip#9216): only the CA fault is left, which is untrusted-ca.
    return None if _pip(client) < (20, 3) else "fail"


def _proxy_407_interception(b: Bench) -> None:
    # A corporate proxy with a login that also inspects TLS: without
    # credentials the CONNECT gets 407 and pip never sees a certificate; with
    # them the proxy answers 200 and re-signs the index's certificate with its
    # own root, which pip does not trust.
    creds = ("tlsdoctor", "lab-password")
    port, both = _intercepting_proxy(b, credentials=creds)
    with_creds = "http://%s:%s@127.0.0.1:%d" % (creds + (port,))
    b.fix("credentials", then="tls-interception", HTTPS_PROXY=with_creds)
    b.fix("credentials-and-inspection-ca", HTTPS_PROXY=with_creds, PIP_CERT=both)
    # The inspection root alone: the 407 still comes first.
    b.dead_end("cert-with-inspection-ca", PIP_CERT=both)
    b.trusted_host_is_no_help()


def _no_default_ca_store(b: Bench) -> None:
    # This interpreter's OpenSSL looks for its default store where there is
    # none: python.org's macOS Python before "Install Certificates.command"
    # (.../etc/openssl/cert.pem is missing), a custom build with another
    # OPENSSLDIR, a slim container. SSL_CERT_FILE/SSL_CERT_DIR naming a
    # missing file and directory is how OpenSSL's default paths point nowhere
    # (ssl.get_default_verify_paths() then reports cafile and capath as None):
    # urllib and ssl.create_default_context() see no roots at all.
    # pip >= 24.2 on Linux does not: truststore (pip/_vendor/truststore/
    # _openssl.py _configure_context, 0.9.1 in pip 24.2 .. 0.10.5 in pip 26.3)
    # then loads the first existing file of its _CA_FILE_CANDIDATES, here this
    # machine's /etc/ssl/certs/ca-certificates.crt, which lacks the lab's root:
    # real pip fails because the index's root is in no store pip reads
    # (untrusted-private-ca), and the empty default store is check's warning.
    # (With the root in that bundle pip succeeds unchanged: tests/fix
    # test_no_default_ca_store_with_the_root_in_the_os_bundle_pip_needs_no_fix.)
    b.https_index(b.server_ctx())
    root = b.pki.ca_file("index")
    nowhere = os.path.join(b.workdir, "python-openssl-dir")
    os.makedirs(nowhere, exist_ok=True)
    b.env["SSL_CERT_FILE"] = os.path.join(nowhere, "cert.pem")
    b.env["SSL_CERT_DIR"] = os.path.join(nowhere, "certs")
    # What "Install Certificates.command" does, with the lab's root as the
    # bundle: give OpenSSL's default path a file (truststore then reads it
    # instead of its fallback).
    b.fix("ssl-cert-file-os-bundle", SSL_CERT_FILE=root)
    # pip's own bundle works too (pip >= 24.2 loads --cert into its
    # truststore context), but leaves urllib and the rest without roots.
    b.fix("pip-cert-os-bundle", PIP_CERT=root)


def _no_default_ca_store_expect(client: Client) -> Optional[str]:
    # Only pip's truststore part (pip >= 24.2 on Python >= 3.10) reads the
    # default store (and, when it is empty, truststore's fallback file).
    # pip <= 23.x / Python <= 3.9 verify with certifi alone: not run here.
    return "fail" if uses_truststore(client) else None


def _ip_address_index(b: Bench) -> None:
    port = b.healthy_index()
    b.set_index(port, host="127.0.0.1")
    b.fix("hostname", PIP_INDEX_URL="https://localhost:%d/simple/" % port)


def _ip_address_index_expect(client: Client) -> Optional[str]:
    # urllib3 1.26 passes no server_hostname for an IP literal (no SNI for
    # IPs) and checks the IP itself after the handshake; truststore's context
    # keeps check_hostname=True, so ssl.SSLSocket._create raises ValueError
    # before any byte is sent (pypa/pip#12905). urllib3 2 (pip >= 26.1)
    # passes the IP as server_hostname and lets OpenSSL check it.
    return "fail" if uses_truststore(client) and _pip(client) < (26, 1) else "ok"


def _index_unreachable(b: Bench) -> None:
    b.set_index(b.closed_port())
    b.trust_index_ca()


def _env_bundle_overrides_cert(b: Bench) -> None:
    b.https_index(b.server_ctx())
    conf = b.file("pip.conf", "[global]\ncert = %s\n" % b.pki.ca_file("index"))
    b.env["PIP_CONFIG_FILE"] = conf
    # A bundle left behind by some other tool: valid PEM, but not this index's CA.
    b.env["REQUESTS_CA_BUNDLE"] = b.pki.ca_file("other")
    b.fix("unset-requests-ca-bundle", REQUESTS_CA_BUNDLE=None)
    # Setting PIP_CERT as well changes nothing: requests prefers the variable.
    b.dead_end("pip-cert", PIP_CERT=b.pki.ca_file("index"))


def _bundle_path_missing(b: Bench) -> None:
    b.healthy_index()
    b.env["REQUESTS_CA_BUNDLE"] = os.path.join(b.workdir, "deleted-venv", "ca-bundle.pem")
    b.fix("unset-requests-ca-bundle", REQUESTS_CA_BUNDLE=None)
    b.dead_end("pip-cert", PIP_CERT=b.pki.ca_file("index"), REQUESTS_CA_BUNDLE=b.env["REQUESTS_CA_BUNDLE"])


def _openssl_conf_caps(b: Bench) -> None:
    b.healthy_index()  # a modern server: TLS 1.2 and 1.3
    b.env["OPENSSL_CONF"] = _openssl_conf(b, "openssl-legacy.cnf", "MaxProtocol = TLSv1.1\n")
    b.fix("unset-openssl-conf", OPENSSL_CONF=None)
    b.trusted_host_is_no_help()


def _no_ssl_module(b: Bench) -> None:
    b.healthy_index()
    # An interpreter whose _ssl extension cannot load: the dynamic loader finds
    # a broken libssl first, as with an unactivated conda env on Windows or a
    # foreign libssl earlier on the path. `import ssl` raises ImportError.
    broken = os.path.join(b.workdir, "broken-openssl")
    os.makedirs(broken, exist_ok=True)
    for name in ("libssl.so.3", "libssl.so.1.1", "libssl.so.1.0.0"):
        open(os.path.join(broken, name), "wb").close()
    b.env["LD_LIBRARY_PATH"] = broken
    b.fix("working-libssl", LD_LIBRARY_PATH=None)
    b.trusted_host_is_no_help()


SCENARIOS: List[Scenario] = [
    Scenario("healthy-direct", "a trusted HTTPS index, no proxy: pip succeeds", (), _healthy_direct, always_ok),
    Scenario("healthy-proxy", "a trusted HTTPS index through a working CONNECT proxy: pip succeeds", (),
             _healthy_proxy, always_ok),
    Scenario("untrusted-ca", "the index's certificate comes from a private CA the client does not trust",
             ("untrusted-private-ca",), _untrusted_ca,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("self-signed-leaf", "the index presents a self-signed server certificate",
             ("untrusted-private-ca",), _self_signed_leaf,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("expired-cert", "the index's certificate expired 30 days ago; the client's clock is right",
             ("cert-expired",), _expired,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("clock-behind", "the client's clock is 400 days slow, so a valid certificate is not yet valid",
             ("clock-skew",), _clock_behind,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("wrong-host", "the certificate names another host than the one in the index URL",
             ("hostname-mismatch",), _wrong_host,
             evidence=r"doesn't match|[Mm]ismatch|not valid for"),
    Scenario("missing-intermediate", "the server sends its leaf without the intermediate CA",
             ("missing-intermediate",), _missing_intermediate,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("missing-intermediate-aia",
             "the server sends its leaf without the intermediate; the leaf's AIA URL serves it (PEM) over plain HTTP",
             ("missing-intermediate",), lambda b: _missing_intermediate(b, der=False),
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("private-ca-aia-root",
             "a private CA's root signs the leaf directly (AIA names the root); pip's cert is an OS-like bundle",
             ("untrusted-private-ca",), _private_ca_aia_root,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("strict-ca", "the index CA is not RFC 5280-strict (no critical basicConstraints, no AKI); pip uses legacy-certs on Python 3.13",
             ("strict-x509-rejects-ca",), _strict_ca, _strict_ca_expect,
             evidence=r"not marked critical|CERTIFICATE_VERIFY_FAILED"),
    Scenario("trust-store-missing-root", "the OS trust store has the index's root; pip's certifi bundle does not",
             ("outdated-ca-bundle",), _trust_store_missing_root, _trust_store_missing_root_expect,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed",
             emulates="a public root that pip's certifi lacks: the lab has no real public root's key, so its own "
                      "index CA is declared public for this run (TLSDOCTOR_LAB_PUBLIC_ROOTS names the CA with its "
                      "key and the lab's pid; honoured only while this lab runs, and check says it is on). "
                      "Without the switch check honestly cannot tell interception from a private CA"),
    Scenario("tls10-only", "the index speaks only TLS 1.0", ("server-tls-too-old",), _tls10_only,
             evidence=r"TLSV1_ALERT_PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|LEGACY_SIGALG|legacy sigalg|protocol version"),
    Scenario("tls13-only", "the index requires TLS 1.3; the client cannot speak it", ("client-tls-too-old",),
             _tls13_only,
             emulates="a client whose OpenSSL has no TLS 1.3 (< 1.1.1): every interpreter here has it, so the "
                      "client's OpenSSL is capped at TLS 1.2 with an OPENSSL_CONF",
             evidence=r"TLSV1_ALERT_PROTOCOL_VERSION|protocol version"),
    Scenario("legacy-ciphers", "the index offers only RSA-key-exchange, SHA-1-MAC cipher suites",
             ("cipher-mismatch",), _legacy_ciphers, _legacy_ciphers_expect,
             evidence=r"HANDSHAKE_FAILURE|handshake failure"),
    Scenario("weak-dh", "the index offers only DHE suites with a 1024-bit group", ("weak-dh-key",), _weak_dh,
             evidence=r"DH_KEY_TOO_SMALL|dh key too small"),
    Scenario("client-cert-tls12", "the index requires a client certificate (TLS 1.2)", ("client-cert-required",),
             _client_cert(ssl.TLSVersion.TLSv1_2),
             evidence=r"HANDSHAKE_FAILURE|handshake failure|CERTIFICATE_REQUIRED|certificate required"),
    Scenario("client-cert-tls13", "the index requires a client certificate (TLS 1.3)", ("client-cert-required",),
             _client_cert(ssl.TLSVersion.TLSv1_3),
             # In TLS 1.3 the client finishes its handshake before the server
             # judges its (missing) certificate; the alert arrives on the first
             # read. A server that closes with the client's request unread can
             # lose the alert to a TCP reset, and pip then shows only a
             # read-path EOF (_ssl.c:2xxx), like a dropped connection (seen
             # here before the lab server learnt nginx's lingering close).
             evidence=r"CERTIFICATE_REQUIRED|certificate required",
             notes="servers without a lingering close can make this a bare read-path EOF instead"),
    Scenario("client-cert-tls13-abrupt",
             "the index requires a client certificate (TLS 1.3) and resets the connection right after its alert",
             ("client-cert-required",), _client_cert(ssl.TLSVersion.TLSv1_3, abrupt=True),
             # The alert races the reset (net._reset): pip shows it, or a
             # broken pipe / reset on its write (Python 2.7, 3.8), or a
             # read-path EOF (_ssl.c:2xxx) as for a dropped connection.
             evidence=r"CERTIFICATE_REQUIRED|certificate required|EOF occurred in violation of protocol"
                      r"|UNEXPECTED_EOF|unexpected eof|Broken pipe|Connection reset by peer|Connection aborted",
             notes="no lingering close: whether pip sees the alert or only the reset is timing"),
    Scenario("no-default-ca-store",
             "the interpreter's OpenSSL default CA store points nowhere and the index's root is in no store pip "
             "reads (pip's truststore falls back to the OS bundle, which lacks it)",
             # pip here: the root is missing from truststore's fallback file (first);
             # urllib / ssl.create_default_context() see no roots at all (second).
             ("untrusted-private-ca", "no-default-ca-store"), _no_default_ca_store, _no_default_ca_store_expect,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed",
             emulates="an interpreter whose default verify paths name no file or directory (python.org macOS "
                      "before Install Certificates.command, custom builds): SSL_CERT_FILE/SSL_CERT_DIR point at a "
                      "missing file and directory. Not by itself: a Linux machine with none of truststore's "
                      "candidate files, where pip >= 24.2 sees no OS roots (tests/check emulates that in a private "
                      "mount namespace, as root; tests/rules replays constructed facts)"),
    Scenario("no-secure-renegotiation", "the server (behind an old middlebox) lacks RFC 5746 secure renegotiation",
             ("legacy-renegotiation",), _no_secure_renegotiation,
             evidence=r"UNSAFE_LEGACY_RENEGOTIATION_DISABLED|unsafe legacy renegotiation"),
    Scenario("plain-http-port", "the https:// index URL points at a plain-HTTP port", ("https-on-http-port",),
             _plain_http_port,
             evidence=r"WRONG_VERSION_NUMBER|wrong version number|record layer failure|unknown protocol"),
    Scenario("drop-after-hello", "TCP connects, then the peer hangs up on the ClientHello",
             ("tls-connection-dropped",), _drop_after_hello,
             # Python 2.7/3.6 on OpenSSL 3 name it KRB5_S_TKT_NYV, 3.7-3.9 raise SSLZeroReturnError.
             evidence=r"EOF occurred in violation of protocol|UNEXPECTED_EOF|unexpected eof while reading|"
                      r"connection has been closed \(EOF\)|Connection reset|ConnectionResetError"),
    Scenario("proxy-https-scheme", "HTTPS_PROXY says https:// (an IP address) but the proxy speaks plain HTTP",
             ("proxy-scheme-mismatch",), _proxy_https_scheme, _proxy_https_scheme_expect,
             evidence=r"check_hostname requires server_hostname|WRONG_VERSION_NUMBER|wrong version number|only use HTTP|record layer failure"),
    Scenario("proxy-407", "the proxy wants credentials the client does not send", ("proxy-auth-required",),
             _proxy_407,
             evidence=r"407"),
    Scenario("proxy-403", "the proxy refuses the CONNECT by policy", ("proxy-forbidden",), _proxy_403,
             evidence=r"403"),
    Scenario("proxy-unreachable", "HTTPS_PROXY points at a port where nothing listens", ("proxy-unreachable",),
             _proxy_unreachable,
             # urllib3 2 (pip >= 26.1) says only NewConnectionError, naming the proxy's address.
             evidence=r"(Cannot|Unable to) connect to proxy|ProxyError|Failed to establish a new connection"),
    Scenario("intercepting-proxy", "a TLS-inspecting proxy re-signs the index's certificate with its own CA",
             ("tls-interception",), _intercepting_proxy,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("intercepting-proxy-only-route",
             "a TLS-inspecting proxy that is the only route: the index's name resolves only at the proxy",
             ("tls-interception",), lambda b: _intercepting_proxy(b, only_route=True),
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("proxy-https-scheme-private-ca",
             "HTTPS_PROXY says https:// for a plain-HTTP proxy, and behind it the index's private CA is not "
             "trusted: correcting the scheme uncovers the certificate failure",
             ("proxy-scheme-mismatch", "untrusted-private-ca"), _proxy_https_scheme_private_ca,
             _proxy_https_scheme_private_ca_expect,
             evidence=r"check_hostname requires server_hostname|WRONG_VERSION_NUMBER|wrong version number"
                      r"|only use HTTP|record layer failure"),
    Scenario("proxy-407-interception",
             "the proxy wants credentials the client does not send, and once given them it re-signs the "
             "index's certificate with its own CA",
             ("proxy-auth-required", "tls-interception"), _proxy_407_interception,
             evidence=r"407 Proxy Authentication Required"),
    Scenario("ip-address-index", "a trusted index addressed by IP (https://127.0.0.1:PORT/), no proxy",
             ("truststore-ip-address",), _ip_address_index, _ip_address_index_expect,
             evidence=r"check_hostname requires server_hostname"),
    Scenario("index-unreachable", "nothing listens at the index URL; no proxy", ("index-unreachable",),
             _index_unreachable,
             evidence=r"Connection refused|Failed to establish a new connection"),
    Scenario("env-bundle-overrides-cert", "pip.conf cert= is right, but REQUESTS_CA_BUNDLE silently replaces it",
             ("ca-bundle-env-overrides-cert",), _env_bundle_overrides_cert,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("bundle-path-missing", "REQUESTS_CA_BUNDLE names a file that does not exist",
             ("ca-bundle-path-invalid",), _bundle_path_missing,
             evidence=r"Could not find a suitable TLS CA certificate bundle"),
    Scenario("openssl-conf-caps-tls", "an OPENSSL_CONF caps the client at TLS 1.1 against a modern index",
             ("openssl-config-restricts",), _openssl_conf_caps,
             evidence=r"NO_PROTOCOLS_AVAILABLE|no protocols available|TLSV1_ALERT_PROTOCOL_VERSION|protocol version|UNSUPPORTED_PROTOCOL"),
    Scenario("no-ssl-module", "the interpreter's ssl module cannot be imported", ("ssl-module-missing",),
             _no_ssl_module,
             evidence=r"[Ss][Ss][Ll] module|ssl-missing"),
]

from tlsdoctor.lab.field_scenarios import FIELD_SCENARIOS  # noqa: E402 - issue 8's field cases

SCENARIOS += FIELD_SCENARIOS

_BY_NAME = {s.name: s for s in SCENARIOS}


def all() -> List[Scenario]:  # noqa: A001 - the lab's API names it so
    return list(SCENARIOS)


def get(name: str) -> Scenario:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError("no lab scenario %r (tlsdoctor lab list shows them)" % name) from None
