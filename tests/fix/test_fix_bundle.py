"""The tlsdoctor-owned CA bundle: public roots + the confirmed CA, never the CA alone."""

from __future__ import annotations

import hashlib
import json

import pytest

from tlsdoctor.fix import edits
from tlsdoctor.fix.trust import load_certificates


def test_default_paths_follow_xdg(home):
    assert edits.bundle_path() == str(home / ".local" / "share" / "tlsdoctor" / "ca-bundle.pem")
    assert edits.sidecar_path(edits.bundle_path()).endswith("ca-bundle.pem.json")


def test_bundle_keeps_base_bytes_and_adds_the_ca(public_roots, corp_ca):
    base_path, _ = public_roots
    base = base_path.read_bytes()
    info = load_certificates(corp_ca.cert_pem.bytes())[0]
    bundle, sidecar, added = edits.build_bundle(base, str(base_path), [(info.der, info.subject_text)])
    assert bundle.startswith(base) and added == [info.sha256]
    ders = edits.pem_certificates(bundle)
    assert len(ders) == 4 and ders[-1] == info.der
    meta = json.loads(sidecar)
    assert meta["base"] == {"paths": [str(base_path)], "sha256": hashlib.sha256(base).hexdigest(), "certificates": 3}
    assert meta["bundle_sha256"] == hashlib.sha256(bundle).hexdigest()


def test_a_ca_already_in_the_base_is_not_added_twice(public_roots):
    base_path, cas = public_roots
    info = load_certificates(cas[0].cert_pem.bytes())[0]
    bundle, _, added = edits.build_bundle(base_path.read_bytes(), str(base_path), [(info.der, "x")])
    assert added == [] and len(edits.pem_certificates(bundle)) == 3


@pytest.mark.parametrize("n", [0, 1])
def test_base_with_fewer_than_two_certificates_is_refused(corp_ca, n):
    base = corp_ca.cert_pem.bytes() * n
    info = load_certificates(corp_ca.cert_pem.bytes())[0]
    with pytest.raises(edits.EditError, match="break every other host"):
        edits.build_bundle(base, "/x.pem", [(info.der, "x")])


def test_status_fresh_stale_modified_missing(tmp_path, public_roots, corp_ca):
    base_path, _ = public_roots
    base = tmp_path / "cacert.pem"
    base.write_bytes(base_path.read_bytes())
    info = load_certificates(corp_ca.cert_pem.bytes())[0]
    bundle, sidecar, _ = edits.build_bundle(base.read_bytes(), str(base), [(info.der, "x")])
    out = tmp_path / "ca-bundle.pem"
    assert edits.bundle_status(str(out))[0] == "missing"
    out.write_bytes(bundle)
    (tmp_path / "ca-bundle.pem.json").write_bytes(sidecar)
    assert edits.bundle_status(str(out))[0] == "fresh"
    base.write_bytes(base.read_bytes() + b"# certifi upgrade\n")
    assert edits.bundle_status(str(out))[0] == "stale"
    out.write_bytes(bundle + b"\n")
    assert edits.bundle_status(str(out))[0] == "modified"


def test_der_pem_round_trip(corp_ca):
    info = load_certificates(corp_ca.cert_pem.bytes())[0]
    assert edits.pem_certificates(edits.der_to_pem(info.der)) == [info.der]
