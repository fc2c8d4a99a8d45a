"""The probe's own redaction (target.py runs alone in the target, so it keeps a copy of the rules).

Over the shared planted-secret table (``planted_secrets.json``, also used for
``tlsdoctor.redact``), in-process; then end to end: a real probe run whose
environment and pip config carry planted secrets, grepped for each of them.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time

import pytest
from probe_support import probe_env, run_probe

from tlsdoctor.probe import TARGET

TABLE = json.load(open(os.path.join(os.path.dirname(__file__), "planted_secrets.json"), encoding="utf-8"))


def fresh_target():
    """A fresh module: its remembered-secrets list starts empty."""
    spec = importlib.util.spec_from_file_location("tlsdoctor_probe_target_redaction", TARGET)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_planted_secret_is_masked(case):
    target = fresh_target()
    text = target.redact_text(case["input"])
    for secret in case["secrets"]:
        assert secret not in text, (case["name"], text)
    for keep in case["keep"]:
        assert keep in text, (case["name"], text)
    assert "***" in text
    # scrub (what emit uses) too, and inside a nested structure
    scrubbed = json.dumps(target.scrub({"k": [case["input"]]}))
    for secret in case["secrets"]:
        assert secret not in scrubbed


@pytest.mark.parametrize("text", TABLE["not_secrets"])
def test_what_is_not_a_secret_is_left_alone(text):
    """Negative control: the rules are not 'mask everything'."""
    assert fresh_target().scrub(text) == text


def test_a_remembered_secret_is_masked_wherever_it_reappears():
    target = fresh_target()
    target.redact_url("http://alice:Remembered99@proxy.example:3128")
    assert "Remembered99" not in target.scrub("pip said: auth failed for Remembered99")


@pytest.mark.parametrize("shape", ["http://u:%s@proxy.example:3128", "%s@proxy.example:3128",
                                   "https://idx.example/simple/?token=%s", "https://%s", "%s"])
def test_huge_values_are_linear_and_truncated(shape):
    target = fresh_target()
    value = shape % ("pA5s:" * 24000)  # 120 KB
    t0 = time.monotonic()
    out = target.scrub(value)
    elapsed = time.monotonic() - t0
    # A quadratic regex took > 5 s on 30 KB; this bound only catches that.
    assert elapsed < 2.0
    assert len(out) <= target.MAX_TEXT + 40
    if len(out) > target.MAX_TEXT:
        assert out.endswith("(truncated, %d chars)" % len(value))


def test_truncate_says_so():
    target = fresh_target()
    assert target.truncate("x" * 10, 20) == "x" * 10
    assert target.truncate("x" * 30, 20) == "x" * 20 + "\u2026(truncated, 30 chars)"


def test_planted_secrets_never_leave_a_real_probe_run(tmp_path):
    """Env proxy (scheme-less, raw @), index URL with path and query tokens, pip.conf values."""
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\n"
                    "index-url = https://cfguser:Cfg5ecretPw@127.0.0.1:9/ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8/simple/\n"
                    "extra-index-url = https://127.0.0.1:9/simple/?private_token=PrivT0kenX\n"
                    "client-cert = /nonexistent/client.pem\n")
    env = probe_env(tmp_path, PIP_CONFIG_FILE=str(conf),
                    HTTPS_PROXY="envuser:Env@Pr0xyPass@127.0.0.1:9",
                    PIP_PROXY="http://pipuser:Pip@Pr0xyPw@127.0.0.1:9")
    data, proc = run_probe({"timeout": 4}, env)
    everything = proc.stdout.decode() + proc.stderr.decode()
    for secret in ("Cfg5ecretPw", "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "PrivT0kenX", "Env@Pr0xyPass",
                   "Pr0xyPass", "Pip@Pr0xyPw", "Pr0xyPw"):
        assert secret not in everything, secret
    # Negative control: the run really carried those settings.
    assert data["result"] == "success"
    assert any("127.0.0.1:9" in t for t in data["facts"]["targets"])
    assert "***@127.0.0.1:9" in json.dumps(data)


def test_a_120kb_proxy_url_keeps_the_deadline_and_is_truncated(tmp_path):
    """The quadratic redaction once got the probe killed on this; now it costs milliseconds."""
    password = "Hug3" + "x9Y" * 40000
    env = probe_env(tmp_path, HTTPS_PROXY="http://user:%s@127.0.0.1:9" % password)
    t0 = time.monotonic()
    data, proc = run_probe({"timeout": 3, "index_url": "https://127.0.0.1:9/simple/"}, env)
    # a hard bound for the deadline guarantee (timeout 3 s + interpreter start-up and pip import)
    assert time.monotonic() - t0 < 3 + 5
    out = proc.stdout.decode()
    assert "x9Yx9Yx9Y" not in out and data["result"] == "success"
    assert data["facts"]["env"]["proxy"]["HTTPS_PROXY"] == "http://***@127.0.0.1:9"


def test_a_certificate_pem_survives_scrub_whole_and_nothing_else_does():
    """The presented CA's PEM (public) is kept byte for byte: a fix needs it to let the user confirm it.

    Negative controls: the same text under another key is cut for display, and a PEM-looking value
    with a token in it is redacted as usual.
    """
    import base64
    import hashlib
    import importlib.util
    import os

    spec = importlib.util.spec_from_file_location("_t", os.path.join(os.path.dirname(__file__), "..", "..",
                                                                     "src", "tlsdoctor", "probe", "target.py"))
    t = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(t)
    body = base64.b64encode(hashlib.sha256(b"x").digest() * 20).decode()
    pem = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % "\n".join(
        body[i:i + 64] for i in range(0, len(body), 64))
    assert t.scrub({"pem": pem})["pem"] == pem
    long_body = body * 3  # over the 2,000-character display cap
    big = "-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % "\n".join(
        long_body[i:i + 64] for i in range(0, len(long_body), 64))
    assert t.scrub({"pem": big})["pem"] == big
    assert t.scrub({"other": big})["other"] != big  # elsewhere it is cut for display
    forged = pem.replace("-----END CERTIFICATE-----", "token=ghp_abcdefghijklmnopqrstuvwxyz0123\n-----END CERTIFICATE-----")
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123" not in str(t.scrub({"pem": forged}))


def test_a_password_with_a_colon_is_one_secret_and_port_digits_stay():
    """``user:p@ss:123`` masks the user and the whole password, not "123" alone: a remembered
    "123" once turned an unrelated port 43123 into "43***" (the report could not be read).

    Negative control: the password itself never survives anywhere.
    """
    import importlib.util
    import os

    spec = importlib.util.spec_from_file_location("_t2", os.path.join(os.path.dirname(__file__), "..", "..",
                                                                      "src", "tlsdoctor", "probe", "target.py"))
    t = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(t)
    out = t.scrub({"proxy": t.redact_url("http://carol:p@ss:123@proxy.corp:3128"),
                   "target": "https://127.0.0.1:43123/simple/", "echo": "pip said p@ss:123 somewhere"})
    assert out["target"] == "https://127.0.0.1:43123/simple/"
    assert "p@ss:123" not in str(out) and "carol" not in str(out)
