"""Odd files the probe must not read whole, block on, or leave behind.

Real FIFOs and /dev/zero: a config file or PIP_CONFIG_FILE that is not a
regular file is never handed to pip's parser (configparser reads it whole; a
FIFO blocks), OPENSSL_CONF naming a FIFO is detected before OpenSSL
initialises (at the first ``import ssl``/``hashlib``), bundles are read up to
a cap. The throwaway client certificate is removed before the probe exits.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time

import pytest
from probe_support import probe_env, run_probe

from tlsdoctor.probe import TARGET

TIMEOUT = 4


def timed_probe(request, env):
    t0 = time.monotonic()
    # subprocess's own timeout (60 s) is what fails a probe that hangs.
    data, proc = run_probe(dict({"timeout": TIMEOUT}, **request), env)
    return data, proc, time.monotonic() - t0


@pytest.fixture()
def fifo(tmp_path):
    path = tmp_path / "a.fifo"
    os.mkfifo(str(path))
    return str(path)


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_pip_config_file_that_is_not_a_regular_file(kind, fifo, tmp_path):
    path = fifo if kind == "fifo" else "/dev/zero"
    data, _, elapsed = timed_probe({}, probe_env(tmp_path, PIP_CONFIG_FILE=path))
    assert data["result"] == "success"
    pip = data["facts"]["pip"]
    assert pip["config"]["unsafe"] == [{"path": path, "reason": pip["config"]["unsafe"][0]["reason"]}]
    assert "not a regular file" in pip["config"]["unsafe"][0]["reason"]
    assert "not a regular file" in pip["options_error"]
    assert elapsed < TIMEOUT + 5  # it did not wait for the deadline's kill either


def test_a_user_config_file_that_is_a_fifo(tmp_path):
    """Not only PIP_CONFIG_FILE: every file pip would read (here the user's pip.conf)."""
    env = probe_env(tmp_path)
    del env["PIP_CONFIG_FILE"]
    user_conf = os.path.join(env["XDG_CONFIG_HOME"], "pip", "pip.conf")
    os.makedirs(os.path.dirname(user_conf))
    os.mkfifo(user_conf)
    data, _, elapsed = timed_probe({"index_url": "https://127.0.0.1:9/simple/"}, env)
    assert {"path": user_conf, "reason": "not a regular file (a fifo)"} in data["facts"]["pip"]["config"]["unsafe"]
    assert elapsed < TIMEOUT + 5


@pytest.mark.parametrize("minor", ["2.7", "3.6"])
def test_old_interpreters_detect_a_fifo_openssl_conf_and_pip_config(minor, fifo, tmp_path):
    from test_probe_syntax import interpreter

    python = interpreter(minor)
    if python is None:
        pytest.skip("no pyenv Python %s here" % minor)
    other = str(tmp_path / "b.fifo")
    os.mkfifo(other)
    env = probe_env(tmp_path, OPENSSL_CONF=fifo, PIP_CONFIG_FILE=other)
    data, _ = run_probe({"timeout": TIMEOUT, "index_url": "https://127.0.0.1:9/simple/"}, env, python=python,
                        flags=("-B",))
    assert "fifo" in data["facts"]["env"]["openssl_conf"]["unsafe"]
    assert "fifo" in data["facts"]["pip"]["options_error"]
    assert data["facts"]["ssl"]["local_handshake"]["status"] == "ok"


def test_pip_config_file_over_the_cap(tmp_path):
    big = tmp_path / "pip.conf"
    big.write_bytes(b"[global]\n" + b"#" * (4 * 1024 * 1024 + 10) + b"\n")
    data, _, _ = timed_probe({}, probe_env(tmp_path, PIP_CONFIG_FILE=str(big)))
    assert "over the cap" in data["facts"]["pip"]["options_error"]


@pytest.mark.parametrize("content", [None, b"[global]\ntimeout = 7\n"])
def test_a_normal_or_devnull_config_is_parsed_as_before(content, tmp_path):
    """Negative control: os.devnull (pip's own 'no config') and a small file are not 'unsafe'."""
    path = os.devnull
    if content is not None:
        path = str(tmp_path / "pip.conf")
        open(path, "wb").write(content)
    data, _, _ = timed_probe({}, probe_env(tmp_path, PIP_CONFIG_FILE=path))
    pip = data["facts"]["pip"]
    assert "unsafe" not in pip["config"] and "options_error" not in pip, pip
    if content is not None:
        assert pip["options"]["timeout"] == 7.0


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero"])
def test_openssl_conf_that_is_not_a_regular_file(kind, fifo, tmp_path):
    path = fifo if kind == "fifo" else "/dev/zero"
    data, _, elapsed = timed_probe({}, probe_env(tmp_path, OPENSSL_CONF=path))
    assert data["result"] == "success"
    conf = data["facts"]["env"]["openssl_conf"]
    assert conf["path"] == path and "not a regular file" in conf["unsafe"] and conf["readable"] is False
    ssl_facts = data["facts"]["ssl"]
    assert "OPENSSL_CONF" in ssl_facts["openssl_conf_ignored"]
    assert ssl_facts["ssl_import_error"] is None
    assert ssl_facts["local_handshake"]["status"] == "ok"  # measured without it
    assert elapsed < TIMEOUT + 5


def test_a_regular_openssl_conf_is_read_and_not_ignored(tmp_path):
    """Negative control."""
    conf = tmp_path / "openssl.cnf"
    conf.write_text("openssl_conf = d\n[d]\nssl_conf = s\n[s]\nsystem_default = p\n[p]\nMinProtocol = TLSv1.2\n")
    data, _, _ = timed_probe({}, probe_env(tmp_path, OPENSSL_CONF=str(conf)))
    facts = data["facts"]
    assert "openssl_conf_ignored" not in facts["ssl"]
    assert facts["env"]["openssl_conf"]["restrictions"] == {"MinProtocol": "TLSv1.2"}


def test_bundles_that_are_fifos_or_over_the_cap(fifo, tmp_path):
    big = tmp_path / "big.pem"
    big.write_bytes(b"-----BEGIN CERTIFICATE-----\n" + b"A" * (4 * 1024 * 1024 + 10))
    env = probe_env(tmp_path, REQUESTS_CA_BUNDLE=fifo, SSL_CERT_FILE=str(big))
    data, _, elapsed = timed_probe({"mode": "handshake"}, env)
    ca = data["facts"]["env"]["ca"]
    assert ca["REQUESTS_CA_BUNDLE"]["bundle"]["file_type"] == "fifo"
    assert "pem_certificates" not in ca["REQUESTS_CA_BUNDLE"]["bundle"]
    assert ca["SSL_CERT_FILE"]["bundle"]["over_cap"] == 4 * 1024 * 1024
    assert "pem_certificates" not in ca["SSL_CERT_FILE"]["bundle"]
    assert elapsed < TIMEOUT + 5


# ---------------------------------------------------------------- left behind

def _tmp_listing(tmpdir):
    return sorted(os.listdir(tmpdir))


@pytest.mark.parametrize("with_conf", [False, True])
@pytest.mark.parametrize("with_workdir", [False, True])
def test_nothing_is_left_in_tmpdir(with_conf, with_workdir, https_index, tmp_path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    extra = {"TMPDIR": str(tmpdir)}
    if with_conf:
        conf = tmp_path / "openssl.cnf"
        conf.write_text("# nothing\n")
        extra["OPENSSL_CONF"] = str(conf)
    request = {"index_url": https_index.url, "all_variants": True}
    if with_workdir:
        work = tmp_path / "work"
        work.mkdir()
        request["workdir"] = str(work)
    data, _, _ = timed_probe(request, probe_env(tmp_path, **extra))
    # the loopback self-test always loads the throwaway certificate, so it was
    # written (the client-certificate variant was started too; under load it
    # may still say "deadline", which matters not here)
    assert data["facts"]["ssl"]["local_handshake"]["status"] == "ok"
    assert "0:variant:client_cert" in data["probes"]
    assert _tmp_listing(str(tmpdir)) == []
    if with_workdir:
        assert os.listdir(str(work)) == []


def test_cleanup_removes_the_certificate_it_wrote(tmp_path):
    """Negative control for the test above: the file really exists until cleanup."""
    spec = importlib.util.spec_from_file_location("tlsdoctor_probe_target_files", TARGET)
    target = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(target)
    target.set_workdir(str(tmp_path))
    path = target._client_pem()
    assert os.path.dirname(path) == str(tmp_path) and os.path.exists(path)
    target.cleanup()
    assert not os.path.exists(path)
    assert json.dumps(os.listdir(str(tmp_path))) == "[]"
