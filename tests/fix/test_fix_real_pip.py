"""End to end with real pip: the engine's ADD_CA fix makes pip succeed, undo makes it fail again.

A loopback HTTPS index (the lab's PEP 503 app) presents a chain from a private CA that
pip does not trust. The "verify" callback is real pip 23.2.1 downloading from it with
the edited pip.conf (``PIP_CONFIG_FILE``, the file that wins). The base bundle is the
certifi bundle vendored in that pip, as the real fix would use. Integration with
``check``'s probe is the integrator's part; this proves the engine's half.
"""

from __future__ import annotations

import glob
import os
import ssl

import pytest
import trustme

from tlsdoctor.remedies import Scope, Step, StepKind
from tlsdoctor.fix.apply import apply
from tlsdoctor.fix.journal import Journal
from tlsdoctor.fix.plan import PlanContext, build_plan
from tlsdoctor.fix.trust import confirm, load_certificates

pytestmark = pytest.mark.lab

CLIENT = "py3.11-pip23.2.1"


@pytest.fixture(scope="module")
def client():
    from tlsdoctor.lab import clients

    try:
        py, pip = clients.parse_id(CLIENT)
        exe, full = clients.find_interpreter(py)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))
    venv = os.path.join(clients.cache_dir(), "venvs", CLIENT)
    if not os.path.exists(os.path.join(venv, ".tlsdoctor-ready")):
        pytest.skip("lab client %s is not built (tlsdoctor lab builds it)" % CLIENT)
    return clients.Client(CLIENT, os.path.join(venv, "bin", "python"), full, pip)


@pytest.fixture(scope="module")
def index():
    from tlsdoctor.lab import index as lab_index
    from tlsdoctor.lab.net import Listener, tls_handler

    ca = trustme.CA(organization_name="Corp Private Root")
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(ctx)
    lst = Listener(tls_handler(ctx, lab_index.app), "fix-index")
    yield ca, "https://localhost:%d/simple/" % lst.port
    lst.stop()


def _pip_ok(client, home, conf, url):
    from tlsdoctor.lab import clients
    from tlsdoctor.lab.index import PACKAGE

    env = clients.client_environ(client, {"PIP_CONFIG_FILE": str(conf), "HOME": str(home)})
    dest = home / "dl"
    code, out = clients.run_pip(client, env, clients.pip_download_argv(
        client, str(dest), PACKAGE, ["--index-url", url, "--retries", "0", "--timeout", "10"]), timeout=120)
    return code == 0, out


def test_add_ca_fix_makes_real_pip_succeed_and_undo_breaks_it_again(home, client, index):
    ca, url = index
    conf = home / "pip.conf"
    original = b"# the file PIP_CONFIG_FILE names\r\n[global]\r\ntimeout = 20\r\n"
    conf.write_bytes(original)
    ok, out = _pip_ok(client, home, conf, url)
    assert not ok and "CERTIFICATE_VERIFY_FAILED" in out  # control: broken before the fix

    certifi = glob.glob(os.path.join(os.path.dirname(client.python), "..", "lib", "python*", "site-packages",
                                     "pip", "_vendor", "certifi", "cacert.pem"))[0]
    ca_file = home / "presented-root.pem"
    ca_file.write_bytes(ca.cert_pem.bytes())
    info = load_certificates(ca_file.read_bytes())[0]
    assert confirm(info, trust_sha256=info.fingerprint).accepted
    steps = [
        Step(StepKind.ADD_CA, "public roots + the new CA", Scope.USER, argv=("cat", certifi, str(ca_file)),
             file="~/pip-ca-bundle.pem", value=str(ca_file), automatic=True, ca_sha256=info.sha256),
        Step(StepKind.SET_CONFIG, "make pip use it", Scope.USER, file=str(conf), key="global.cert",
             value="~/pip-ca-bundle.pem", automatic=True),
    ]
    ctx = PlanContext(confirmed_cas={info.sha256: info.der})
    jr = Journal()
    res = apply(build_plan(steps, ctx), jr, verify=lambda: _pip_ok(client, home, conf, url))
    assert res.status == "verified", res.message
    assert conf.read_bytes() == original + ("cert = %s\r\n" % ctx.bundle_path).encode()

    # a second fix on the fixed machine changes nothing
    assert apply(build_plan(steps, ctx), jr, verify=lambda: _pip_ok(client, home, conf, url)).status == \
        "nothing_to_do"

    assert jr.undo("last").status == "undone"
    assert conf.read_bytes() == original and not os.path.exists(ctx.bundle_path)
    ok, out = _pip_ok(client, home, conf, url)
    assert not ok and "CERTIFICATE_VERIFY_FAILED" in out  # broken again, as before


def test_a_fix_that_cannot_help_is_rolled_back(home, client, index):
    _, url = index
    conf = home / "pip.conf"
    original = b"[global]\ntimeout = 20"
    conf.write_bytes(original)
    certifi = glob.glob(os.path.join(os.path.dirname(client.python), "..", "lib", "python*", "site-packages",
                                     "pip", "_vendor", "certifi", "cacert.pem"))[0]
    wrong = trustme.CA(organization_name="Some Other Root")  # not the index's CA
    info = load_certificates(wrong.cert_pem.bytes())[0]
    steps = [Step(StepKind.ADD_CA, "x", Scope.USER, argv=("cat", certifi, "/dev/null"), automatic=True,
                  ca_sha256=info.sha256)]
    ctx = PlanContext(confirmed_cas={info.sha256: info.der}, cert_config=str(conf))
    res = apply(build_plan(steps, ctx), Journal(), verify=lambda: _pip_ok(client, home, conf, url))
    assert res.status == "rolled_back" and "CERTIFICATE_VERIFY_FAILED" in res.message
    assert conf.read_bytes() == original and not os.path.exists(ctx.bundle_path)
