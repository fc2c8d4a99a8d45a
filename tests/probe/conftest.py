"""Fixtures for the probe's tests: a real loopback HTTPS index, a second one, a CONNECT proxy."""

from __future__ import annotations

import pytest
from probe_support import Index, _tls_listener

from tlsdoctor.lab import net
from tlsdoctor.lab.pki import PKI


@pytest.fixture()
def https_index(tmp_path):
    """A trustme-certified PEP 503 index on 127.0.0.1 (the lab's own)."""
    pki = PKI(str(tmp_path / "pki"))
    listener = _tls_listener(pki)
    try:
        yield Index("https://localhost:%d/simple/" % listener.port, pki.ca_file("index"), listener.port)
    finally:
        listener.stop()


@pytest.fixture()
def second_https(tmp_path):
    pki = PKI(str(tmp_path / "pki2"))
    listener = _tls_listener(pki)
    try:
        yield "localhost:%d" % listener.port
    finally:
        listener.stop()


@pytest.fixture()
def tunnel_proxy():
    listener = net.Listener(net.proxy_handler("tunnel"), "proxy")
    try:
        yield "http://127.0.0.1:%d" % listener.port
    finally:
        listener.stop()
