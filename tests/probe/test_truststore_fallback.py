"""The probe measures what pip's vendored truststore loads (issue 8 item 5, no-default-ca-store).

truststore's OpenSSL backend (pip/_vendor/truststore/_openssl.py ``_configure_context``; truststore
0.9.1 in pip 24.2, 0.10.5 in pip 26.3) loads OpenSSL's default paths when they name an existing file
or a hashed directory, else the first existing file of its ``_CA_FILE_CANDIDATES``. Real pip, real
loopback index; the expected file is read from the vendored module's *source* (ast), not from the
probe, so the probe's reading is checked against pip's own code.
"""

from __future__ import annotations

import ast
import glob
import os

import pytest
from probe_support import probe_env, run_probe

from tlsdoctor.lab import clients

PIPS = [("3.13", "26.3"), ("3.13", "24.2")]


def _candidates_in_source(client):
    venv = os.path.dirname(client.bindir)
    (path,) = glob.glob(os.path.join(venv, "lib", "python*", "site-packages", "pip", "_vendor", "truststore",
                                     "_openssl.py"))
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "_CA_FILE_CANDIDATES":
            return ast.literal_eval(node.value)
    raise AssertionError("no _CA_FILE_CANDIDATES in %s" % path)


def _probe(client, https_index, tmp_path, **env):
    data, _ = run_probe({"timeout": 10, "index_url": https_index.url}, probe_env(tmp_path, **env),
                        python=client.python, flags=("-B",))
    assert data["result"] == "success", data
    return data


@pytest.mark.parametrize("py,pip", PIPS, ids=["py%s-pip%s" % p for p in PIPS])
def test_an_empty_default_store_makes_truststore_fall_back_and_the_probe_verifies_that_file(
        py, pip, https_index, tmp_path):
    client = clients.ensure(py, pip)
    expected = next((c for c in _candidates_in_source(client) if os.path.isfile(c)), None)
    if expected is None:
        pytest.skip("none of truststore's candidate files exists on this machine")
    data = _probe(client, https_index, tmp_path, SSL_CERT_FILE=str(tmp_path / "missing.pem"),
                  SSL_CERT_DIR=str(tmp_path / "missing-dir"))
    ts = data["facts"]["pip"]["truststore"]
    assert ts["backend"] == "_openssl" and ts["candidates"] == list(_candidates_in_source(client))
    assert ts["default_store_usable"] is False and ts["loads"] == "fallback" and ts["fallback_file"] == expected
    attempt = data["probes"]["0:verify:truststore_fallback"]
    # The lab's root is in no OS bundle: truststore's file does not verify it, and pip fails the same way.
    assert attempt["cafile"] == expected and attempt["status"] == "error" and attempt.get("verify_code") == 20
    assert data["probes"]["0:pip_request"]["status"] == "error"


@pytest.mark.parametrize("py,pip", PIPS[:1], ids=["py%s-pip%s" % p for p in PIPS[:1]])
def test_a_usable_default_store_is_what_truststore_loads(py, pip, https_index, tmp_path):
    # Negative control: OpenSSL's default file exists (here: the lab's root), so truststore calls
    # set_default_verify_paths() and no fallback store is measured; pip succeeds through it.
    client = clients.ensure(py, pip)
    data = _probe(client, https_index, tmp_path, SSL_CERT_FILE=https_index.ca_file)
    ts = data["facts"]["pip"]["truststore"]
    assert ts["default_store_usable"] is True and ts["loads"] == "default_verify_paths"
    assert ts["fallback_file"] is None
    assert not any(k.endswith("verify:truststore_fallback") for k in data["probes"])
    assert data["probes"]["0:pip_request"]["status"] == "ok"


def test_no_truststore_facts_for_a_pip_without_truststore(https_index, tmp_path):
    client = clients.ensure("3.11", "23.2.1")
    data = _probe(client, https_index, tmp_path, SSL_CERT_FILE=str(tmp_path / "missing.pem"))
    # pip 23.2.1 vendors no truststore (it verifies with certifi alone): nothing to measure, no store.
    assert "truststore" not in data["facts"]["pip"]
    assert not any(k.endswith("verify:truststore_fallback") for k in data["probes"])
