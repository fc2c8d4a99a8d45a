"""``tlsdoctor report`` against a real proxy and index on loopback, with secrets planted everywhere
they can come from: none of them may reach the report file, standard output or standard error.

Planted: a password in the proxy URL (HTTPS_PROXY), a token in the index URL's
query (PIP_INDEX_URL), a token-shaped path segment and a password in a pip.conf
value (extra-index-url), passwords in pip.conf's proxy and in its index-url
(overridden by PIP_INDEX_URL, which check still shows), and a log with ``Authorization``/``Proxy-Authorization``
headers and a URL with a password. The home directory and the user name are
planted too, for ``--redact-paths``.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.lab

scenarios = pytest.importorskip("tlsdoctor.lab.scenarios")
from tlsdoctor.lab import clients  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
USER = "carolplanteduser"
GITHUB_TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
SECRETS = {
    "proxy password": "Pr0xyPassw0rdPlanted",
    "index query value": "QueryT0kenPlanted77",
    "pip.conf password": "PipC0nfPassPlanted",
    "pip.conf path token": GITHUB_TOKEN,
    "pip.conf proxy password": "PipC0nfProxyPlanted",
    "pip.conf overridden index password": "OverriddenIdxPlanted",
    "log Authorization header": "QWxhZGRpbjpPcGVuU2VzYW1lUGxhbnRlZA==",
    "log Proxy-Authorization header": "Zm9vOlByb3h5SGVhZGVyUGxhbnRlZA==",
    "log URL password": "LogUrlPassPlanted",
}


def _client():
    try:
        return clients.ensure("3.11", "23.2.1")
    except Exception as exc:
        pytest.skip("client unavailable: %s" % exc)


@pytest.fixture
def planted(tmp_path):
    """A running proxy scenario and an environment/log full of planted secrets."""
    client = _client()
    sc = scenarios.get("healthy-proxy")
    try:
        ctx = sc.start(str(tmp_path / "lab"))
        running = ctx.__enter__()
    except scenarios.ScenarioUnavailable as exc:
        pytest.skip(str(exc))
    home = tmp_path / "home" / USER
    (home / ".config" / "pip").mkdir(parents=True)
    env = clients.client_environ(client, running.env, home=str(home))
    proxy = env["HTTPS_PROXY"]
    assert proxy.startswith("http://") and "@" not in proxy
    env["HTTPS_PROXY"] = proxy.replace("http://", "http://alice:%s@" % SECRETS["proxy password"])
    index = env["PIP_INDEX_URL"]
    env["PIP_INDEX_URL"] = index + "?token=" + SECRETS["index query value"]
    host = index.split("://", 1)[1].split("/", 1)[0]
    conf = home / ".config" / "pip" / "pip.conf"
    # pip's proxy option beats HTTPS_PROXY (the same proxy, another password);
    # index-url here is overridden by PIP_INDEX_URL, and check shows overridden values too.
    conf.write_text("[global]\nextra-index-url = https://bob:%s@%s/t/%s/simple/\n"
                    "index-url = https://dave:%s@%s/simple/\nproxy = %s\n"
                    % (SECRETS["pip.conf password"], host, SECRETS["pip.conf path token"],
                       SECRETS["pip.conf overridden index password"], host,
                       proxy.replace("http://", "http://erin:%s@" % SECRETS["pip.conf proxy password"])))
    env["PIP_CONFIG_FILE"] = str(conf)
    # The scenario brings its own HOME; the user's is the planted one.
    env["HOME"] = str(home)
    env["USER"] = env["LOGNAME"] = USER
    log = tmp_path / "pip.log"
    log.write_text(
        "$ pip install --index-url https://alice:%s@%s/simple/ requests\n"
        "send: b'GET /simple/requests/ HTTP/1.1\\r\\nHost: %s\\r\\nAuthorization: Basic %s\\r\\n'\n"
        "Proxy-Authorization: Basic %s\n"
        "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection "
        "broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
        "failed: self-signed certificate in certificate chain (_ssl.c:1006)'))': /simple/requests/\n"
        % (SECRETS["log URL password"], host, host, SECRETS["log Authorization header"],
           SECRETS["log Proxy-Authorization header"]))
    try:
        yield client, env, str(log), proxy
    finally:
        ctx.__exit__(None, None, None)


def run_report(env, args):
    env = dict(env, PYTHONPATH=os.path.join(ROOT, "src"))
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "report"] + list(args), env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=90)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def leaks(text):
    return sorted(name for name, secret in SECRETS.items() if secret in text)


def assert_no_leak(text):
    found = leaks(text)
    assert not found, found


def test_report_file_and_output_hold_no_secret(planted, tmp_path):
    client, env, log, proxy = planted
    out = tmp_path / "report.md"
    code, stdout, stderr = run_report(env, ["--python", client.python, "--log", log, "--output", str(out),
                                            "--redact-paths"])
    report = out.read_text(encoding="utf-8")
    assert code in (0, 1, 3), stderr
    assert report.startswith("# tlsdoctor report")
    assert "report.md" in stderr and stdout == ""
    # The planted values did reach the report, masked: the proxy's address,
    # the pip.conf value and the log's explanation are all there.
    assert proxy.split("://", 1)[1] in report
    assert "extra-index-url" in report
    assert "pip/ssl-cert-verify-self-signed-in-chain" in report
    assert_no_leak(report + stdout + stderr)
    # --redact-paths: no home directory, no user name.
    assert USER not in report and env["HOME"] not in report
    assert "~/.config/pip/pip.conf" in report


def test_report_to_stdout_holds_no_secret(planted):
    client, env, log, _ = planted
    code, stdout, stderr = run_report(env, ["--python", client.python, "--log", log])
    assert stdout.startswith("# tlsdoctor report"), stderr
    assert_no_leak(stdout + stderr)
    # Negative control for --redact-paths: without it the user's home shows.
    assert USER in stdout


def test_the_log_would_leak_without_redaction(planted, tmp_path):
    """Negative control: the raw report (before redaction) does carry the log's secrets."""
    from tlsdoctor import report as report_mod

    _, _, log, _ = planted
    raw = report_mod._tail(log)
    assert SECRETS["log Authorization header"] in raw and SECRETS["log URL password"] in raw
    assert not leaks(report_mod.redactor()(raw))
