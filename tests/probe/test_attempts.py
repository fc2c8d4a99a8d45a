"""The attempt table at the top of target.py is the probe's whole vocabulary.

Read with ``ast`` (as the rules stream's facts do), it must declare every key
the probe really emits (run for real, ``all_variants``, against a loopback
HTTPS index, once direct and once through a CONNECT proxy with a second host),
and hold no row the probe never emits. A probe bug is status ``bug``.
"""

from __future__ import annotations

import ast
import importlib.util

import pytest
from probe_support import _tls_listener, probe_env, run_probe

from tlsdoctor.probe import TARGET

ERROR_KINDS = {"network", "timeout", "proxy", "tls", "http", "os", "bug"}
STATUSES = {"ok", "error", "could_not_run", "deadline", "absent", "bug"}


def read_table(path=TARGET):
    """ATTEMPTS from target.py's source, without importing it."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "ATTEMPTS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("no ATTEMPTS table in %s" % path)


def row_of(table, key):
    """The row whose wire key pattern matches ``key`` (without its "<i>:" prefix)."""
    for row in table:
        pattern = row[1]
        if "{store}" in pattern:
            head = pattern.split("{store}")[0]
            if key.startswith(head) and len(key) > len(head):
                return row[0]
        elif key == pattern:
            return row[0]
    return None


def compare(table, emitted_keys):
    """(keys no row declares, rows no key used)."""
    used, undeclared = set(), set()
    for key in emitted_keys:
        bare = key.split(":", 1)[1]
        name = row_of(table, bare)
        if name is None:
            undeclared.add(bare)
        else:
            used.add(name)
    unused = {row[0] for row in table} - used
    return undeclared, unused


def test_table_shape():
    table = read_table()
    names = [row[0] for row in table]
    assert len(names) == len(set(names))
    for name, key, what, phase, only_failed in table:
        assert phase in (1, 2) and isinstance(only_failed, bool) and what
        # every phase-2 row runs only when something failed
        assert phase == 1 or only_failed, name


@pytest.fixture(scope="module")
def emitted(tmp_path_factory):
    """Every probe key of three real runs (direct; through a proxy with a second host; a lone leaf whose
    AIA URL serves its intermediate, for aia_issuer)."""
    # Module-scoped: the servers are started here, not by function fixtures.
    from tlsdoctor.lab import net
    from tlsdoctor.lab.pki import PKI

    tmp = tmp_path_factory.mktemp("attempts")
    idx = _tls_listener(PKI(str(tmp / "pki")))
    other = _tls_listener(PKI(str(tmp / "pki2")))
    proxy = net.Listener(net.proxy_handler("tunnel"), "proxy")
    from tlsdoctor.lab import scenarios

    try:
        with scenarios.get("missing-intermediate").start(str(tmp / "aia")) as running:
            aia_run, _ = run_probe({"timeout": 6, "index_url": running.index_url},
                                   probe_env(tmp, PIP_CERT=running.env["PIP_CERT"]))
        url = "https://localhost:%d/simple/" % idx.port
        direct, _ = run_probe({"timeout": 6, "index_url": url, "all_variants": True}, probe_env(tmp))
        env = probe_env(tmp, HTTPS_PROXY="http://127.0.0.1:%d" % proxy.port)
        proxied, _ = run_probe({"timeout": 6, "index_url": url, "all_variants": True,
                                "second_host": "localhost:%d" % other.port}, env)
    finally:
        for listener in (idx, other, proxy):
            listener.stop()
    return direct, proxied, aia_run


def test_every_emitted_key_is_declared_and_every_row_used(emitted):
    keys = set()
    for data in emitted:
        assert data["result"] == "success", data
        keys |= set(data["probes"])
    undeclared, unused = compare(read_table(), keys)
    assert undeclared == set()
    assert unused == set()


def test_every_attempt_has_a_status_and_an_error_kind(emitted):
    for data in emitted:
        for key, attempt in data["probes"].items():
            assert attempt["status"] in STATUSES, (key, attempt)
            assert "error_kind" in attempt, key
            if attempt["status"] in ("error", "bug"):
                assert attempt["error_kind"] in ERROR_KINDS, (key, attempt)
            if attempt["status"] == "ok":
                assert attempt["error_kind"] is None
            # a healthy loopback index: nothing here is tlsdoctor's bug
            assert attempt["status"] != "bug", (key, attempt)


def test_compare_catches_an_undeclared_key_and_an_unused_row(emitted):
    """Negative control: the comparison is not vacuous."""
    table = read_table()
    keys = set().union(*(set(data["probes"]) for data in emitted))
    undeclared, unused = compare(table + (("ocsp_probe", "ocsp_probe", "x", 1, True),),
                                 keys | {"0:variant:bogus"})
    assert undeclared == {"variant:bogus"}
    assert unused == {"ocsp_probe"}


# ---------------------------------------------------------------- bug status

def load_target():
    spec = importlib.util.spec_from_file_location("tlsdoctor_probe_target_under_test", TARGET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _probe_in_process(target, https_index):
    deadline = target.time.time() + 6
    return target.probe({"index_url": https_index.url, "all_variants": True}, deadline)


def test_a_bug_in_the_probe_is_status_bug(https_index, monkeypatch):
    target = load_target()

    def broken_cert_info(der):
        return {}["no such key"]  # KeyError: a mistake in our own code

    monkeypatch.setattr(target, "cert_info", broken_cert_info)
    data = _probe_in_process(target, https_index)
    tls = data["probes"]["0:tls"]
    assert tls["status"] == "bug" and tls["error_kind"] == "bug", tls
    assert "KeyError" in tls["error"]
    # an attempt that does not decode certificates is unaffected
    assert data["probes"]["0:verify:system"]["status"] in ("ok", "error")


def test_a_bug_escaping_to_the_guard_is_status_bug(https_index, monkeypatch):
    target = load_target()

    def broken_make_context(*a, **kw):
        raise TypeError("make_context() got an unexpected keyword argument")

    monkeypatch.setattr(target, "make_context", broken_make_context)
    data = _probe_in_process(target, https_index)
    for key in ("0:tls", "0:verify:system", "0:variant:TLSv1.2"):
        assert data["probes"][key]["status"] == "bug", (key, data["probes"][key])
        assert data["probes"][key]["error_kind"] == "bug"


def test_without_the_injected_bug_the_same_attempt_is_ok(https_index):
    """Negative control for the two tests above."""
    data = _probe_in_process(load_target(), https_index)
    assert data["probes"]["0:tls"]["status"] == "ok", data["probes"]["0:tls"]
    assert data["probes"]["0:tls"]["error_kind"] is None


def test_network_errors_are_not_bugs(tmp_path):
    """A refused port is an error of kind network, not a bug."""
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    url = "https://127.0.0.1:%d/simple/" % port
    data, _ = run_probe({"timeout": 4, "index_url": url}, probe_env(tmp_path))
    tcp = data["probes"]["0:tcp"]
    assert tcp["status"] == "error" and tcp["error_kind"] == "network", tcp
    pip = data["probes"]["0:pip_request"]
    assert pip["status"] == "error" and pip["error_kind"] == "network", pip


def test_an_attributeerror_inside_pip_is_pips_outcome_not_our_bug(https_index, monkeypatch):
    """A broken or shadowed ssl makes pip itself raise AttributeError: that is an error, not a bug."""
    from pip._vendor.requests import Session

    def get_with_broken_ssl(self, url, **kw):
        raise AttributeError("module 'ssl' has no attribute 'SSLContext'")

    monkeypatch.setattr(Session, "get", get_with_broken_ssl)
    data = _probe_in_process(load_target(), https_index)
    pip = data["probes"]["0:pip_request"]
    assert pip["status"] == "error" and pip["error_kind"] == "http", pip


def test_a_bug_in_our_own_pip_facts_code_is_a_bug(https_index, monkeypatch):
    """Negative control for the test above: the same kind of exception raised in target.py is ours."""
    target = load_target()
    # A session_facts whose code is attributed to target.py, as a real bug there would be.
    namespace = {}
    exec(compile("def session_facts(session, url):\n    return {}['no such key']\n", target.__file__, "exec"),
         namespace)
    monkeypatch.setattr(target, "session_facts", namespace["session_facts"])
    data = _probe_in_process(target, https_index)
    pip = data["probes"]["0:pip_request"]
    assert pip["status"] == "bug" and pip["error_kind"] == "bug", pip
    # the same bug met while gathering facts is kept apart from pip's errors
    assert "KeyError" in data["sessions"][0]["probe_bug"]
