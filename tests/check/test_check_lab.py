"""End to end: for every lab scenario, ``tlsdoctor check`` names the scenario's cause first.

Each case serves the scenario on loopback, runs *real* pip against it (the
control: it must fail exactly when the scenario says it fails for that
client), then runs ``tlsdoctor check --python <client> --json`` in the same
environment pip had. Healthy scenarios (and those that do not bite this
client) must come out ``ok`` with exit 0 and no diagnosis.

Clients: pip 23.2.1 on Python 3.11, pip 26.3 on Python 3.13, and Python 2.7's
own pip 19.2.3. Scenarios that stand in for a client this machine cannot run
(``Scenario.emulates``) are still run: the emulation is real (an OPENSSL_CONF
cap), and check must name the emulated cause from the measured facts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.lab

lab = pytest.importorskip("tlsdoctor.lab.scenarios")
from lab_support import lab_client, started  # noqa: E402

from tlsdoctor import public_roots  # noqa: E402
from tlsdoctor.lab import clients, scenarios  # noqa: E402

CLIENTS = [("3.11", "23.2.1"), ("3.13", "26.3"), ("2.7", "19.2.3"),
           # Clients the rules were not written against. pip 24.2 exposed one
           # weakness when first measured (the TLS 1.3 certificate_required
           # alert lost to a reset), fixed in the rule; pip 21.1.3 on 3.9 one
           # more (SSLZeroReturnError "TLS/SSL connection has been closed (EOF)"
           # for a dropped handshake), added to the EOF markers; pip 22.0.4
           # (and, by hand, 18.1/3.6, 23.0.1/3.10, 24.2/3.12, 25.3 and 26.1.2
           # on 3.13) passed as first measured.
           ("3.13", "24.2"), ("3.7", "22.0.4"), ("3.9", "21.1.3")]


# Scenarios whose cause needs a chain ending at a real public root (tlsdoctor.public_roots), which
# the lab cannot serve (it has no such key): outdated-ca-bundle needs that proof (issue 8 item 1).
# The scenario declares its own root public with the lab's test switch (public_roots.LAB_ENV).
NEEDS_A_PUBLIC_ROOT = {"trust-store-missing-root"}


def run_check(client, env, extra=(), wrap=()):
    argv = list(wrap) + [sys.executable, "-m", "tlsdoctor", "check", "--python", client.python, "--json"] + list(extra)
    # tlsdoctor runs under exactly the environment pip had (faketime,
    # LD_LIBRARY_PATH, OPENSSL_CONF, proxies...), like a user typing it next.
    env = dict(env)
    # This checkout's tlsdoctor first; a PYTHONPATH the scenario set stays after it (the
    # probe runs in pip's environment, so it must see it as pip did).
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")
    env["PYTHONPATH"] = os.pathsep.join([src] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    out = proc.stdout.decode("utf-8", "replace")
    try:
        data = json.loads(out)
    except ValueError:
        raise AssertionError("no JSON (exit %s): %s %s" % (proc.returncode, out[-500:], proc.stderr[-1500:]))
    return proc.returncode, data


@pytest.mark.parametrize("py,pip", CLIENTS, ids=["py%s-pip%s" % c for c in CLIENTS])
@pytest.mark.parametrize("name", [s.name for s in scenarios.all()])
def test_check_names_the_scenario_cause(name, py, pip, tmp_path):
    sc = scenarios.get(name)
    client = lab_client(py, pip)
    expect = sc.expect(client)
    if expect is None:
        pytest.skip("scenario %s does not apply to %s" % (name, client.id))
    with started(sc, str(tmp_path / "lab")) as running:
        env = clients.client_environ(client, running.env)
        # The control: real pip (no retries, short timeout: the failure is the
        # same, only faster).
        code, output = clients.run_pip(
            client, env,
            clients.pip_download_argv(client, str(tmp_path / "dl"), running.package,
                                      ["--retries", "0", "--timeout", "5"]),
            timeout=120,
        )
        assert (code == 0) == (expect == "ok"), "real pip: expected %s, exit %s:\n%s" % (expect, code, output[-2000:])
        rc, data = run_check(client, env)
        if name in NEEDS_A_PUBLIC_ROOT:
            # Negative control: without the lab's switch the lab's CA is no public root, so check must
            # not call it an old bundle; from one host it cannot tell interception from a private CA.
            bare = {k: v for k, v in env.items() if k != public_roots.LAB_ENV}
            rc0, data0 = run_check(client, bare)
    causes = [d["cause"] for d in data["diagnoses"]]
    if name in NEEDS_A_PUBLIC_ROOT:
        assert public_roots.LAB_ENV in env
        # The switch is never silent: check says it is on, in its JSON warnings (and text, markdown).
        lab_warn = [w["message"] for w in data["warnings"] if w["code"] == "lab_public_roots"]
        assert lab_warn and "LAB TEST SWITCH ON" in lab_warn[0], data["warnings"]
        assert not [w for w in data0["warnings"] if w["code"] == "lab_public_roots"]
        if expect != "ok":
            causes0 = [d["cause"] for d in data0["diagnoses"]]
            undecided = [i for i in data0["incomplete"] if i["kind"] == "undecided"]
            assert sc.causes[0] not in causes0 and rc0 == 3, (causes0, data0["incomplete"])
            assert undecided and set(undecided[0]["candidates"]) == {"tls-interception", "untrusted-private-ca"}
            assert any("LAB ROOT" in e for e in data["diagnoses"][0]["evidence"]), data["diagnoses"][0]
        else:
            assert data0["status"] == "ok" and rc0 == 0
    if expect == "ok":
        assert data["status"] == "ok", (causes, data["incomplete"])
        assert rc == 0 and causes == []
    else:
        assert causes, "no diagnosis: %s" % data["incomplete"]
        assert causes[0] == sc.causes[0], "check said %s, scenario is %s" % (causes, sc.causes)
        assert data["status"] == "problem" and rc == 1
        first = data["diagnoses"][0]
        assert first["evidence"] and first["fix"]


@pytest.mark.parametrize("py,pip,adds", [("3.13", "26.3", True), ("3.13", "24.2", True), ("3.11", "23.2.1", False)])
def test_trust_precedence_claim_matches_real_pip(py, pip, adds, tmp_path):
    """The reference's [inferred] claim, checked with real pip: with truststore (pip >= 24.2 on
    Python >= 3.10) REQUESTS_CA_BUNDLE is *added* to the OS store; before, it *replaces* the trust."""
    import trustme

    client = lab_client(py, pip)
    with scenarios.get("healthy-direct").start(str(tmp_path / "lab")) as running:
        env = clients.client_environ(client, running.env)
        ca = env.pop("PIP_CERT")
        other = tmp_path / "other.pem"
        other.write_bytes(trustme.CA().cert_pem.bytes())  # valid PEM, not the index's CA
        env.update(REQUESTS_CA_BUNDLE=str(other), SSL_CERT_FILE=ca)  # the OS store has the root
        code, output = clients.run_pip(client, env, clients.pip_download_argv(
            client, str(tmp_path / "dl"), running.package, ["--retries", "0", "--timeout", "5"]), timeout=120)
        rc, data = run_check(client, env)
    assert (code == 0) == adds, output[-1500:]
    trust = " ".join(line for t in data["trust"] for line in t["text"])  # trust: records since the JSON schema
    assert ("added to the OS store" in trust) == adds, trust
    assert (data["status"] == "ok") == adds


@pytest.mark.parametrize("name", ["no-default-ca-store", "healthy-direct"])
def test_an_empty_default_store_is_a_warning_where_truststore_falls_back(name, tmp_path):
    """pip 26.3 with OpenSSL's default paths pointing nowhere: truststore loads the first existing
    file of its _CA_FILE_CANDIDATES (pip/_vendor/truststore/_openssl.py), so the failure is the
    root missing from that file (untrusted-private-ca), and the empty default store is a warning in
    --json (it is what urllib / ssl.create_default_context() see). Negative control: healthy-direct,
    whose default store exists, has no such warning."""
    client = lab_client("3.13", "26.3")
    with scenarios.get(name).start(str(tmp_path / "lab")) as running:
        env = clients.client_environ(client, running.env)
        rc, data = run_check(client, env)
    causes = [d["cause"] for d in data["diagnoses"]]
    warned = [w for w in data["warnings"] if w["code"] == "no_default_ca_store"]
    if name == "healthy-direct":
        assert rc == 0 and warned == [], data["warnings"]
        return
    assert causes[:1] == ["untrusted-private-ca"] and "no-default-ca-store" not in causes, causes
    (w,) = warned
    assert w["severity"] == "warning" and "urllib and ssl.create_default_context() see no roots" in w["message"]
    assert "pip's truststore falls back to /" in w["message"], w["message"]


# A Linux machine where none of truststore's _CA_FILE_CANDIDATES exists and the OS bundle is
# elsewhere: a private mount namespace (this process tree only; needs root and unshare(1)) binds an
# empty directory over /etc/ssl (hiding /etc/ssl/cert.pem, /etc/ssl/certs/ca-certificates.crt and
# /etc/ssl/ca-bundle.pem; /etc/pki does not exist here) and a lab directory over /usr/lib/ssl, the
# build's OPENSSLDIR, whose cert.pem is the bundle that holds the root. The scenario's
# SSL_CERT_FILE/SSL_CERT_DIR naming missing paths hide that built-in bundle from OpenSSL's defaults.
_NO_CANDIDATES = ('mount --bind "$0" /etc/ssl && mount --bind "$1" /usr/lib/ssl && shift && exec "$@"')


def _no_candidate_machine(tmp_path, bundle_pem):
    import shutil

    if os.geteuid() != 0 or not shutil.which("unshare") or not os.path.isdir("/usr/lib/ssl"):
        pytest.skip("needs root, unshare(1) and /usr/lib/ssl (Debian's OPENSSLDIR) to emulate the machine")
    empty, openssldir = tmp_path / "etc-ssl", tmp_path / "usr-lib-ssl"
    empty.mkdir()
    openssldir.mkdir()
    shutil.copyfile(bundle_pem, str(openssldir / "cert.pem"))
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", _NO_CANDIDATES,
            str(empty), str(openssldir)]


@pytest.mark.parametrize("holds_root", [True, False], ids=["bundle-has-root", "bundle-lacks-root"])
def test_no_default_ca_store_is_pips_cause_where_truststore_finds_no_file(holds_root, tmp_path):
    """Real pip 26.3 on the emulated machine above: truststore loads nothing, so pip trusts certifi
    alone and fails; check names no-default-ca-store and points SSL_CERT_FILE at the build's bundle,
    with which real pip then succeeds. Negative control: the same machine whose bundle lacks the root
    (another CA) is a private CA, and the rule stays silent."""
    import trustme

    client = lab_client("3.13", "26.3")
    with scenarios.get("no-default-ca-store").start(str(tmp_path / "lab")) as running:
        root = os.path.join(running.workdir, "pki", "index-ca.pem")
        if not holds_root:
            root = str(tmp_path / "other-root.pem")
            with open(root, "wb") as fh:
                fh.write(trustme.CA(organization_name="Some Other Root").cert_pem.bytes())
        wrap = _no_candidate_machine(tmp_path, root)
        env = clients.client_environ(client, running.env)
        argv = clients.pip_download_argv(client, str(tmp_path / "dl"), running.package,
                                         ["--retries", "0", "--timeout", "5"])
        code, output = clients.run_pip(client, env, wrap + argv, timeout=120)
        rc, data = run_check(client, env, wrap=wrap)
        if holds_root:
            fixed_code, fixed_output = clients.run_pip(
                client, dict(env, SSL_CERT_FILE="/usr/lib/ssl/cert.pem"), wrap + argv, timeout=120)
    assert code != 0, output[-1500:]
    causes = [d["cause"] for d in data["diagnoses"]]
    if not holds_root:
        assert causes[:1] == ["untrusted-private-ca"] and "no-default-ca-store" not in causes, causes
        return
    assert causes[:1] == ["no-default-ca-store"], (causes, data["incomplete"])
    fix = data["diagnoses"][0]["fix"]
    assert any(step["key"] == "SSL_CERT_FILE" and step["value"] == "/usr/lib/ssl/cert.pem" for step in fix), fix
    warned = [w for w in data["warnings"] if w["code"] == "no_default_ca_store"]
    assert warned and "finds no CA file either" in warned[0]["message"]
    assert fixed_code == 0, fixed_output[-1500:]
