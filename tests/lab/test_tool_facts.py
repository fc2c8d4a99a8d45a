"""The reference's trust claims about uv, Poetry, requests and httpx, held to the real tools.

Each test runs the real tool (built by ``tlsdoctor.lab.tools`` from the package
registry) against a lab scenario on loopback and pairs its claim with a control
that proves the run could have come out the other way: "uv ignores
REQUESTS_CA_BUNDLE" fails where "SSL_CERT_FILE to the same file" succeeds.

"The OS store" is emulated the way Linux defines it: OpenSSL's default
locations (/etc/ssl/certs), replaced for one process tree by a bind mount in a
private mount namespace (``tools.os_store_argv``); the machine's store is never
touched. Those tests need root and unshare(1), and are skipped elsewhere.

The verified facts are tabulated in NOTES-README.md (tools stream).
"""

from __future__ import annotations

import os
import shutil

import pytest

from tlsdoctor.lab import clients, scenarios, tools

from lab_support import needs_mount_ns, os_store_works  # noqa: E402

pytestmark = pytest.mark.lab

UV_OLD = "uv0.4.30"  # webpki roots; --native-tls loads the OS roots into webpki
UV_010 = "uv0.10.12"  # the last before 0.11 (--native-tls -> --system-certs, platform verifier)
UV_NEW = "uv0.13.9"  # >= 0.12: an SSL_CERT_FILE that loads nothing means "trust nothing"
UVS = [UV_OLD, UV_010, UV_NEW]
POETRIES = ["poetry1.8.5-py3.11", "poetry2.5.1-py3.13"]
REQUESTS = "requests2.34.2-py3.13"
HTTPX = "httpx0.28.1-py3.13"


def _tool(tid: str) -> tools.Tool:
    try:
        return tools.ensure(tid)
    except clients.ClientUnavailable as exc:  # only a missing base interpreter
        pytest.skip(str(exc))


def _ca(running: object, name: str = "index") -> str:
    return os.path.join(running.workdir, "pki", "%s-ca.pem" % name)  # type: ignore[attr-defined]


def _other_ca(running: object) -> str:
    """A valid CA bundle that is not the index's: what a stale global variable points at."""
    import trustme

    path = os.path.join(running.workdir, "pki", "unrelated-ca.pem")  # type: ignore[attr-defined]
    trustme.CA(organization_name="tlsdoctor lab", organization_unit_name="unrelated CA").cert_pem.write_to_path(path)
    return path


def run(tid: str, scenario: str = "untrusted-ca", delta=None, **kw) -> dict:
    return tools.run_one(scenarios.get(scenario), _tool(tid), delta, **kw)


def ok(rec: dict) -> None:
    assert rec["exit_code"] == 0, rec["output"][-3000:]


def fails(rec: dict, evidence: str = "") -> None:
    assert rec["exit_code"] != 0, rec["output"][-3000:]
    if evidence:
        assert evidence in rec["output"], rec["output"][-3000:]


def rejected_ca(rec: dict) -> None:
    """The tool failed because it did not trust the index's CA: the *server* saw
    the client's unknown-CA alert. Poetry 2.x prints only "All attempts to
    connect to HOST:PORT failed." without -v, so its output alone cannot tell."""
    assert rec["exit_code"] != 0, rec["output"][-3000:]
    seen = [e for events in rec["server_events"].values() for e in events]
    assert any("UNKNOWN_CA" in e for e in seen), (seen, rec["output"][-3000:])




def index_in_os_store(running: object) -> list:
    return [_ca(running)]


# --- uv ------------------------------------------------------------------------------


@pytest.mark.parametrize("tid", UVS)
def test_uv_ignores_requests_ca_bundle(tid):
    fails(run(tid, delta=lambda r: {"REQUESTS_CA_BUNDLE": _ca(r)}), "UnknownIssuer")
    # control: the same file through uv's own variable is enough
    ok(run(tid, delta=lambda r: {"SSL_CERT_FILE": _ca(r)}))


@pytest.mark.parametrize("tid", UVS)
def test_uv_ignores_pip_cert_and_pip_conf(tid):
    def pip_settings(r):
        conf = os.path.join(r.workdir, "pip.conf")
        with open(conf, "w") as f:
            f.write("[global]\ncert = %s\n" % _ca(r))
        return {"PIP_CERT": _ca(r), "PIP_CONFIG_FILE": conf}

    fails(run(tid, delta=pip_settings, translate=False), "UnknownIssuer")
    ok(run(tid, delta=pip_settings, translate=True))  # control: translated to SSL_CERT_FILE


@pytest.mark.parametrize("tid", UVS)
def test_uv_unknown_issuer_hint_names_the_version_switch(tid):
    out = run(tid)["output"]
    assert "invalid peer certificate: UnknownIssuer" in out
    # 0.4.30 gives no hint; 0.10 hints --native-tls; 0.11+ hints --system-certs.
    if tid == UV_OLD:
        assert "--native-tls" not in out and "--system-certs" not in out
    elif tid == UV_010:
        assert "--native-tls" in out
    else:
        assert "--system-certs" in out


@needs_mount_ns
@pytest.mark.parametrize("tid", UVS)
def test_uv_default_roots_are_not_the_os_store(tid):
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    fails(run(tid, os_store=index_in_os_store), "UnknownIssuer")
    flag = "--system-certs" if tid == UV_NEW else "--native-tls"
    ok(run(tid, os_store=index_in_os_store, extra_args=(flag,)))  # control


@needs_mount_ns
@pytest.mark.parametrize("tid,var", [(UV_OLD, "UV_NATIVE_TLS"), (UV_010, "UV_NATIVE_TLS"),
                                     (UV_NEW, "UV_SYSTEM_CERTS"), (UV_NEW, "UV_NATIVE_TLS")])
def test_uv_os_store_by_environment(tid, var):
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    ok(run(tid, delta={var: "1"}, os_store=index_in_os_store))
    fails(run(tid, delta={var: "1"}))  # control: the OS store lacks the index CA


@needs_mount_ns
def test_uv_new_still_accepts_native_tls_flag():
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    ok(run(UV_NEW, os_store=index_in_os_store, extra_args=("--native-tls",)))
    fails(run(UV_OLD, os_store=index_in_os_store, extra_args=("--system-certs",)))  # 0.4 has no such flag


@needs_mount_ns
@pytest.mark.parametrize("tid", UVS)
def test_uv_ssl_cert_file_replaces_even_the_os_store(tid):
    # uv's own roots and the OS store (--native-tls, --system-certs) both give
    # way to SSL_CERT_FILE: an unrelated bundle there makes the index untrusted
    # although the OS store trusts it. (Old uv's native roots come from
    # rustls-native-certs, which itself reads SSL_CERT_FILE via openssl-probe.)
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    flag = "--system-certs" if tid == UV_NEW else "--native-tls"
    fails(run(tid, delta=lambda r: {"SSL_CERT_FILE": _other_ca(r)}, os_store=index_in_os_store, extra_args=(flag,)),
          "UnknownIssuer")
    ok(run(tid, os_store=index_in_os_store, extra_args=(flag,)))  # control


@needs_mount_ns
@pytest.mark.parametrize("tid,expected", [(UV_OLD, "ok"), (UV_010, "fail"), (UV_NEW, "fail")])
def test_uv_unloadable_ssl_cert_file_with_the_os_store(tid, expected):
    # The corporate case: the OS store trusts the index, the user asks for it,
    # and a global SSL_CERT_FILE names a file that is gone.
    #   0.4.30  warns "Ignoring invalid SSL_CERT_FILE" and still uses the OS store;
    #   0.10.12 warns the same, but its native-roots loader reads the same
    #           variable and finds nothing: fails;
    #   0.13.9  "No default certificates will be trusted": fails (0.12.0's fail-closed).
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    flag = "--system-certs" if tid == UV_NEW else "--native-tls"
    rec = run(tid, delta={"SSL_CERT_FILE": "/nonexistent/tlsdoctor/ca.pem"}, os_store=index_in_os_store,
              extra_args=(flag,))
    assert rec["outcome"] == expected, rec["output"][-3000:]
    ok(run(tid, os_store=index_in_os_store, extra_args=(flag,)))  # control


UNLOADABLE_WARNING = {
    UV_OLD: "warning: Ignoring invalid `SSL_CERT_FILE`. File does not exist: /nonexistent/tlsdoctor/ca.pem.",
    UV_010: "warning: Ignoring invalid `SSL_CERT_FILE`. Path does not exist: /nonexistent/tlsdoctor/ca.pem.",
    UV_NEW: "warning: Invalid `SSL_CERT_FILE`. Path does not exist: /nonexistent/tlsdoctor/ca.pem. "
            "No default certificates will be trusted.",
}


@pytest.mark.parametrize("tid", UVS)
def test_uv_unloadable_ssl_cert_file_warning(tid):
    rec = run(tid, delta={"SSL_CERT_FILE": "/nonexistent/tlsdoctor/ca.pem"})
    fails(rec, UNLOADABLE_WARNING[tid])
    assert "SSL_CERT_FILE" not in run(tid)["output"]  # control: no variable, no warning


def test_uv_new_garbage_ssl_cert_file_warning():
    def garbage(r):
        path = os.path.join(r.workdir, "garbage.pem")
        with open(path, "w") as f:
            f.write("not a certificate\n")
        return {"SSL_CERT_FILE": path}

    fails(run(UV_NEW, delta=garbage), "No valid certificates found in `SSL_CERT_FILE`")
    fails(run(UV_010, delta=garbage))  # 0.10 says nothing about it
    assert "SSL_CERT_FILE" not in run(UV_010, delta=garbage)["output"]


@pytest.mark.parametrize("tid", UVS)
def test_uv_empty_ssl_cert_file(tid):
    out = run(tid, delta={"SSL_CERT_FILE": ""})["output"]
    if tid == UV_NEW:
        assert "SSL_CERT_FILE" not in out  # empty is unset
    else:
        assert "Ignoring invalid `SSL_CERT_FILE`" in out  # older uv took "" as a path


@pytest.mark.skipif(shutil.which("openssl") is None, reason="hashing a CA directory needs openssl")
@pytest.mark.parametrize("tid,expected", [(UV_OLD, "fail"), (UV_010, "ok"), (UV_NEW, "ok")])
def test_uv_ssl_cert_dir(tid, expected):
    # SSL_CERT_DIR arrived in uv 0.9.10; a valid directory is used even when
    # SSL_CERT_FILE is unloadable (0.13 too).
    def hashed_dir(r, missing_file=False):
        d = tools.make_os_store(os.path.join(r.workdir, "cadir"), _ca(r))
        os.remove(os.path.join(d, "ca-certificates.crt"))
        env = {"SSL_CERT_DIR": d}
        if missing_file:
            env["SSL_CERT_FILE"] = "/nonexistent/tlsdoctor/ca.pem"
        return env

    assert run(tid, delta=hashed_dir)["outcome"] == expected
    assert run(tid, delta=lambda r: hashed_dir(r, True))["outcome"] == expected
    fails(run(tid))  # control


# --- Poetry --------------------------------------------------------------------------


POETRY_TEXT = {
    # What each Poetry prints (without -v) when the index's CA is not trusted.
    "poetry1.8.5-py3.11": "certificate verify failed: unable to get local issuer certificate",
    "poetry2.5.1-py3.13": "All attempts to connect to localhost:",
}


@pytest.mark.parametrize("tid", POETRIES)
def test_poetry_untrusted_ca_text(tid):
    rec = run(tid)
    rejected_ca(rec)
    assert POETRY_TEXT[tid] in rec["output"], rec["output"][-3000:]
    if tid.startswith("poetry2"):
        assert "CERTIFICATE_VERIFY_FAILED" not in rec["output"]  # the reason is hidden without -v


@pytest.mark.parametrize("tid", POETRIES)
def test_poetry_source_cert(tid):
    ok(run(tid, scenario="healthy-direct"))  # POETRY_CERTIFICATES_LAB_CERT = the index CA
    rejected_ca(run(tid, scenario="healthy-direct", translate=False))  # control


@pytest.mark.parametrize("tid", POETRIES)
def test_poetry_requests_ca_bundle_without_source_cert(tid):
    ok(run(tid, delta=lambda r: {"REQUESTS_CA_BUNDLE": _ca(r)}))
    rejected_ca(run(tid))  # control: nothing trusts the index CA


@pytest.mark.parametrize("tid", POETRIES)
def test_poetry_source_cert_beats_requests_ca_bundle(tid):
    # The source cert is right, REQUESTS_CA_BUNDLE is an unrelated CA: Poetry
    # passes the source cert as verify=<path>, and requests only lets the
    # variable replace verify=True (sessions.merge_environment_settings), so
    # the source cert wins -- unlike pip, where REQUESTS_CA_BUNDLE beats --cert.
    ok(run(tid, scenario="healthy-direct", delta=lambda r: {"REQUESTS_CA_BUNDLE": _other_ca(r)}))
    # control: without the source cert the unrelated bundle is what counts
    rejected_ca(run(tid, scenario="healthy-direct", delta=lambda r: {"REQUESTS_CA_BUNDLE": _other_ca(r)},
                    translate=False))


@pytest.mark.parametrize("tid", POETRIES)
def test_poetry_ignores_ssl_cert_file(tid):
    rejected_ca(run(tid, delta=lambda r: {"SSL_CERT_FILE": _ca(r)}))
    ok(run(tid, delta=lambda r: {"REQUESTS_CA_BUNDLE": _ca(r)}))  # control


@needs_mount_ns
@pytest.mark.parametrize("tid", POETRIES)
def test_poetry_does_not_use_the_os_store(tid):
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    rejected_ca(run(tid, os_store=index_in_os_store))
    ok(run(tid, delta=lambda r: {"REQUESTS_CA_BUNDLE": _ca(r)}, os_store=index_in_os_store))  # control


# --- requests and httpx scripts --------------------------------------------------------


def test_requests_uses_requests_ca_bundle_never_ssl_cert_file():
    fails(run(REQUESTS, delta=lambda r: {"SSL_CERT_FILE": _ca(r)}), "CERTIFICATE_VERIFY_FAILED")
    ok(run(REQUESTS, delta=lambda r: {"REQUESTS_CA_BUNDLE": _ca(r)}))


def test_requests_curl_ca_bundle():
    ok(run(REQUESTS, delta=lambda r: {"CURL_CA_BUNDLE": _ca(r)}))
    fails(run(REQUESTS))  # control
    # REQUESTS_CA_BUNDLE first, then CURL_CA_BUNDLE (requests/sessions.py)
    ok(run(REQUESTS, delta=lambda r: {"REQUESTS_CA_BUNDLE": _ca(r), "CURL_CA_BUNDLE": _other_ca(r)}))
    fails(run(REQUESTS, delta=lambda r: {"REQUESTS_CA_BUNDLE": _other_ca(r), "CURL_CA_BUNDLE": _ca(r)}),
          "CERTIFICATE_VERIFY_FAILED")


@needs_mount_ns
def test_requests_does_not_use_the_os_store():
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    fails(run(REQUESTS, os_store=index_in_os_store), "CERTIFICATE_VERIFY_FAILED")
    ok(run(REQUESTS, delta=lambda r: {"REQUESTS_CA_BUNDLE": _ca(r)}, os_store=index_in_os_store))


def test_httpx_reads_ssl_cert_file_not_requests_ca_bundle():
    ok(run(HTTPX, delta=lambda r: {"SSL_CERT_FILE": _ca(r)}))
    fails(run(HTTPX, delta=lambda r: {"REQUESTS_CA_BUNDLE": _ca(r)}), "CERTIFICATE_VERIFY_FAILED")


def test_a_missing_ssl_cert_file_crashes_httpx_not_requests():
    # The blast radius of a stale global SSL_CERT_FILE: httpx 0.28 passes it
    # straight to ssl.create_default_context(cafile=...) (httpx/_config.py)
    # and dies with FileNotFoundError; requests never reads it.
    missing = {"SSL_CERT_FILE": "/nonexistent/tlsdoctor/ca.pem"}
    fails(run(HTTPX, "healthy-direct", missing), "FileNotFoundError")
    ok(run(HTTPX, "healthy-direct"))  # control
    ok(run(REQUESTS, "healthy-direct", missing))


@pytest.mark.skipif(shutil.which("openssl") is None, reason="hashing a CA directory needs openssl")
def test_httpx_reads_ssl_cert_dir():
    def hashed_dir(r):
        d = tools.make_os_store(os.path.join(r.workdir, "cadir"), _ca(r))
        os.remove(os.path.join(d, "ca-certificates.crt"))
        return {"SSL_CERT_DIR": d}

    ok(run(HTTPX, delta=hashed_dir))
    fails(run(HTTPX, delta=lambda r: {"SSL_CERT_DIR": os.path.dirname(_other_ca(r))}))  # control: no hash links
    # SSL_CERT_FILE, when set, is used instead of SSL_CERT_DIR (httpx/_config.py: if/elif)
    fails(run(HTTPX, delta=lambda r: dict(hashed_dir(r), SSL_CERT_FILE=_other_ca(r))), "CERTIFICATE_VERIFY_FAILED")


# --- the corporate case end to end ----------------------------------------------------


def _inspection_store(running: object) -> list:
    # The company's inspection root (and the index's own CA) are in the OS store.
    return [os.path.join(running.workdir, "pki", "index-and-inspection.pem")]  # type: ignore[attr-defined]


NO_PIP_CERT = {"PIP_CERT": None}


@needs_mount_ns
def test_corporate_case_pip_works_where_uv_poetry_and_requests_fail():
    """An intercepting proxy whose root the OS store trusts: pip >= 24.2 (truststore)
    works, uv (webpki roots), Poetry and a requests script (certifi) do not;
    uv's own switch fixes uv without any global SSL_CERT_FILE."""
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    try:
        pip = clients.ensure("3.13", "26.3")
        old_pip = clients.ensure("3.11", "23.2.1")
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))
    sc = scenarios.get("intercepting-proxy")
    for client, expected in ((pip, 0), (old_pip, 1)):  # old pip: certifi only (control)
        with sc.start() as running:
            env = clients.client_environ(client, {k: v for k, v in running.env.items() if k != "PIP_CERT"})
            store = tools.make_os_store(os.path.join(running.workdir, "os-store"), *_inspection_store(running))
            argv = clients.pip_download_argv(client, os.path.join(running.workdir, "dl"), running.package)
            code, out = clients.run_pip(client, env, tools.os_store_argv(argv, store))
        assert (code == 0) == (expected == 0), (client.id, out[-3000:])
    sc_name = "intercepting-proxy"
    fails(run(UV_NEW, sc_name, NO_PIP_CERT, os_store=_inspection_store), "UnknownIssuer")
    ok(run(UV_NEW, sc_name, NO_PIP_CERT, os_store=_inspection_store, extra_args=("--system-certs",)))
    ok(run(UV_NEW, sc_name, dict(NO_PIP_CERT, UV_SYSTEM_CERTS="1"), os_store=_inspection_store))
    rejected_ca_by_proxy = run(POETRIES[-1], sc_name, NO_PIP_CERT, os_store=_inspection_store)
    assert rejected_ca_by_proxy["exit_code"] != 0
    fails(run(REQUESTS, sc_name, NO_PIP_CERT, os_store=_inspection_store), "CERTIFICATE_VERIFY_FAILED")


# --- uv's other switches --------------------------------------------------------------------


def test_uv_cert_flag_beats_ssl_cert_file(tmp_path):
    # uv pip --cert (0.12): "replaces every other source". The CA files exist
    # only once the scenario runs, so --cert names a path the delta fills in.
    index_ca = str(tmp_path / "index-ca.pem")
    other_ca = str(tmp_path / "other-ca.pem")

    def files(r, ssl_cert_file):
        shutil.copyfile(_ca(r), index_ca)
        shutil.copyfile(_other_ca(r), other_ca)
        return {"SSL_CERT_FILE": ssl_cert_file(r)}

    ok(run(UV_NEW, delta=lambda r: files(r, _other_ca), extra_args=("--cert", index_ca)))
    fails(run(UV_NEW, delta=lambda r: files(r, _ca), extra_args=("--cert", other_ca)), "UnknownIssuer")
    # 0.10.12 has no --cert (a usage error, exit 2)
    rec = run(UV_010, delta=lambda r: files(r, _ca), extra_args=("--cert", index_ca))
    assert rec["exit_code"] == 2 and "--cert" in rec["output"], rec["output"][-2000:]


def _uv_toml(key: str):
    def write(r):
        folder = os.path.join(r.env["HOME"], ".config", "uv")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "uv.toml"), "w") as f:
            f.write("%s = true\n" % key)
        return {}

    return write


@needs_mount_ns
@pytest.mark.parametrize("tid,key", [(UV_OLD, "native-tls"), (UV_010, "native-tls"), (UV_NEW, "system-certs"),
                                     (UV_NEW, "native-tls")])
def test_uv_toml_os_store_switch(tid, key):
    # The user-level uv.toml ($XDG_CONFIG_HOME/uv/uv.toml): the fix that reaches
    # every uv command without a global variable.
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    ok(run(tid, delta=_uv_toml(key), os_store=index_in_os_store))
    fails(run(tid, os_store=index_in_os_store), "UnknownIssuer")  # control: no uv.toml


@pytest.mark.parametrize("tid", UVS)
def test_uv_allow_insecure_host_skips_verification_not_the_handshake(tid):
    ok(run(tid, delta={"UV_INSECURE_HOST": "localhost"}))
    fails(run(tid, "tls10-only", {"UV_INSECURE_HOST": "localhost"}), "ProtocolVersion")


@pytest.mark.parametrize("tid", [UV_NEW, POETRIES[-1]])
def test_client_certificate_switch(tid):
    # PIP_CLIENT_CERT (key + certificate in one PEM) becomes SSL_CLIENT_CERT for
    # uv and POETRY_CERTIFICATES_LAB_CLIENT_CERT for Poetry.
    ok(run(tid, "client-cert-tls13", lambda r: r.fixes["client-cert"]))
    fails(run(tid, "client-cert-tls13"))  # control


@pytest.mark.parametrize("tid", POETRIES)
def test_poetry_cert_false_skips_verification_not_the_handshake(tid):
    # `poetry config certificates.lab.cert false` (config.toml) turns verification
    # off; it does not help a handshake the two sides cannot agree on.
    trusted = {"PIP_TRUSTED_HOST": "localhost"}  # translated to config.toml cert = false
    ok(run(tid, delta=trusted))
    fails(run(tid, "tls10-only", trusted))


@pytest.mark.parametrize("tid", POETRIES)
def test_poetry_cert_false_in_the_environment_is_a_path(tid):
    # The documented POETRY_CERTIFICATES_<NAME>_CERT variable does not parse
    # "false": Poetry looks for a CA bundle file named "false".
    rec = run(tid, delta={"POETRY_CERTIFICATES_LAB_CERT": "false"})
    fails(rec)
    if tid.startswith("poetry1"):
        assert "Could not find a suitable TLS CA certificate bundle, invalid path: false" in rec["output"]
    ok(run(tid, delta={"PIP_TRUSTED_HOST": "localhost"}))  # control: the config-file spelling
