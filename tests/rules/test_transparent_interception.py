"""Issue 8, item 1: transparent interception is not an outdated CA bundle.

The recordings here are **constructed** from a real lab recording
(``trust-store-missing-root``: pip's certifi fails, the OS store and
SSL_CERT_FILE verify): loopback tests never reach pypi.org, and the lab has
no transparent middlebox. The CA is the lab's own (a trustme CA, outside the
public root list): it stands for a company's inspection CA that IT put in the
OS store. For two hosts, the probes of host 0 are copied to host 1 with
another leaf (another fingerprint), as a middlebox re-signs each site with one
CA. Nothing else is changed.
"""

from __future__ import annotations

import copy
import json
import os

import pytest
from recorded_facts import HERE, as_public_root

from tlsdoctor import rules
from tlsdoctor.check import Report, _host_items
from tlsdoctor.render import check as render
from tlsdoctor.facts import Facts
from tlsdoctor.rules import Diagnosis, Undecided
from tlsdoctor.rules import tls_interception as rule

CLIENTS = ("py2.7-pip19.2.3", "py3.11-pip23.2.1", "py3.9-pip21.1.3")


def _raw(client):
    """The recording as measured (recorded_facts would give it the stand-in public root)."""
    with open(os.path.join(HERE, "trust-store-missing-root__%s.json" % client), encoding="utf-8") as fh:
        return json.load(fh)["raw"]


def _two_hosts(raw, urls=("https://pypi.org/simple/", "https://files.pythonhosted.org/packages/")):
    main = raw["main"]
    main["facts"]["targets"] = list(urls)
    for k, v in list(main["probes"].items()):
        if k.startswith("0:"):
            v1 = copy.deepcopy(v)
            for c in v1.get("chain") or ():
                if not c.get("self_issued"):
                    c["sha256"] = "e" * 64  # another leaf, signed by the same CA
            main["probes"]["1:" + k[2:]] = v1
    sessions = main.get("sessions") or {}
    if "0" in sessions:
        sessions["1"] = copy.deepcopy(sessions["0"])
    return raw


def _facts(raw):
    return Facts.from_probe(raw["main"], checker_time=None, without_openssl_conf=raw.get("noconf"))


@pytest.mark.parametrize("client", CLIENTS)
def test_one_non_public_ca_on_unrelated_hosts_is_interception(client):
    f = _facts(_two_hosts(_raw(client)))
    out = rules.run(f)
    assert [d.cause for d in out.diagnoses][:1] == ["tls-interception"], [d.cause for d in out.diagnoses]
    assert "outdated-ca-bundle" not in [d.cause for d in out.diagnoses]
    d = out.diagnoses[0]
    assert d.all_hosts == ("https://pypi.org/simple/", "https://files.pythonhosted.org/packages/")
    assert any("pip install -U certifi" in x for x in d.dead_ends)
    assert any("not in the public root list" in e for e in d.evidence)
    # Every failing host has its diagnosis: none is "no rule recognises why".
    assert not [i for i in _host_items(f, out.diagnoses, 10.0, out.undecided) if i.kind == "no_rule"]
    report = Report(status="problem", python=f.executable, how="--python", facts=f, diagnoses=out.diagnoses,
                    elapsed=0.5, deadline=10.0)
    assert "  pypi.org, files.pythonhosted.org\n" in render.render(report, fmt="text")
    assert json.loads(render.render(report, fmt="json"))["diagnoses"][0]["hosts"] == list(d.all_hosts)


@pytest.mark.parametrize("client", CLIENTS)
def test_one_host_alone_cannot_tell_interception_from_a_private_ca(client):
    f = _facts(_raw(client))
    v = rule.diagnose(f)
    assert isinstance(v, Undecided) and v.candidates == ("tls-interception", "untrusted-private-ca")
    assert "outdated-ca-bundle" not in [d.cause for d in rules.run(f).diagnoses]


@pytest.mark.parametrize("client", CLIENTS)
def test_two_hosts_of_one_domain_are_not_proof_either(client):
    """A private index and its file host share a domain and a CA: no interception claimed."""
    f = _facts(_two_hosts(_raw(client), ("https://pypi.corp.example/simple/", "https://files.corp.example/")))
    assert isinstance(rule.diagnose(f), Undecided)


@pytest.mark.parametrize("client", CLIENTS)
def test_negative_control_a_public_root_is_an_outdated_bundle(client):
    """The same two hosts, the chain ending at the (stand-in) public root: an old bundle, said once for both."""
    raw = _two_hosts(_raw(client))
    as_public_root(raw)
    f = _facts(raw)
    assert rule.diagnose(f) is None
    out = rules.run(f)
    d = out.diagnoses[0]
    assert d.cause == "outdated-ca-bundle" and len(d.all_hosts) == 2
    assert not [i for i in _host_items(f, out.diagnoses, 10.0, out.undecided) if i.kind == "no_rule"]
