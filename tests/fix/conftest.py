"""Fixtures for the fix engine: a throwaway HOME, XDG dirs, and a base CA bundle."""

from __future__ import annotations

import pytest
import trustme


@pytest.fixture()
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.setenv("XDG_STATE_HOME", str(h / ".local" / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(h / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(h / ".config"))
    monkeypatch.setenv("SHELL", "/bin/bash")
    return h


@pytest.fixture(scope="session")
def public_roots(tmp_path_factory):
    """Stands in for certifi's cacert.pem: three unrelated 'public' roots."""
    cas = [trustme.CA(organization_name="Public Root %d" % i) for i in range(3)]
    path = tmp_path_factory.mktemp("certifi") / "cacert.pem"
    path.write_bytes(b"".join(b"# Public Root\n" + ca.cert_pem.bytes() for ca in cas))
    return path, cas


@pytest.fixture(scope="session")
def corp_ca():
    return trustme.CA(organization_name="Corp Interception Root")
