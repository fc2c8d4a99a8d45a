"""The probe's cert_info gives the key facts ``public_roots.anchor_of`` needs, on every interpreter.

target.py runs on Python 2.7 too, so it has its own small DER walk: it must
agree with ``public_roots.cert_facts`` (the reader the shipped root list was
made with) on real certificates (trustme: a root, an intermediate, a leaf).
Only the top cert of a chain and self-issued ones carry their PEM.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import ssl
import subprocess
import sys

import pytest
import trustme

from tlsdoctor import public_roots
from tlsdoctor.probe import TARGET

CODE = r"""
import base64, json, sys
if sys.version_info[0] == 2:
    import imp
    t = imp.load_source("tlsdoctor_target", sys.argv[1])
else:
    import importlib.util
    spec = importlib.util.spec_from_file_location("tlsdoctor_target", sys.argv[1])
    t = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(t)
ders = [base64.b64decode(x) for x in sys.argv[2:]]
print(json.dumps(t.chain_info(ders)))
"""


def _interpreters():
    out = [sys.executable]
    for v in ("2.7", "3.6"):
        found = sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/%s*/bin/python" % v)))
        if found:
            out.append(found[-1])
    return out


def _chain():
    ca = trustme.CA()
    inter = ca.create_child_ca()
    leaf = inter.issue_cert("index.test")
    pems = [b.bytes() for b in leaf.cert_chain_pems]  # leaf, intermediate
    return [ssl.PEM_cert_to_DER_cert(p.decode()) for p in pems] + [
        ssl.PEM_cert_to_DER_cert(ca.cert_pem.bytes().decode())]


def _chain_info(python, ders):
    proc = subprocess.run([python, "-B", "-c", CODE, TARGET] + [base64.b64encode(d).decode() for d in ders],
                          capture_output=True, timeout=60, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    return json.loads(proc.stdout.decode().strip().splitlines()[-1])


@pytest.mark.parametrize("python", _interpreters())
def test_key_ids_agree_with_the_root_list_reader(python):
    ders = _chain()
    infos = _chain_info(python, ders)
    for der, info in zip(ders, infos):
        want = public_roots.cert_facts(der)
        assert info["spki_sha256"] == want.spki_sha256
        assert info.get("authority_key_id", "") == want.authority_key_id
        assert info.get("subject_key_id", "") == want.ski
    # The intermediate's AKI is the root's SKI: what anchor_of's "issuer-key-id" compares.
    assert infos[1]["authority_key_id"] == infos[2]["subject_key_id"]
    # Only the top (last) cert, and the self-issued root, carry their PEM.
    assert [bool(i.get("pem")) for i in infos] == [False, False, True]
    assert ssl.PEM_cert_to_DER_cert(infos[2]["pem"]) == ders[2]


def test_a_different_key_gives_a_different_spki():
    """Negative control: the hash is of this cert's own key, not of something every cert shares."""
    a, b = _chain()[0], _chain()[0]
    ia, ib = _chain_info(sys.executable, [a, b])
    assert ia["spki_sha256"] != ib["spki_sha256"]
    assert "pem" not in ia and "pem" in ib  # the top is the last one given, whatever it is
