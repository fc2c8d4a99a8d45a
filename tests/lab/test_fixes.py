"""Every fix a scenario declares makes real pip succeed; every dead end does not.

This is the lab's evidence for the knowledge base's workarounds and dead ends
(e.g. --trusted-host does nothing for a handshake, proxy or ssl-module
failure; PIP_CERT does nothing while REQUESTS_CA_BUNDLE is set).
"""

from __future__ import annotations

import re
from typing import List, Tuple

import pytest

from tlsdoctor.lab import clients, scenarios

pytestmark = pytest.mark.lab

PREFERRED = ["py3.11-pip23.2.1", "py3.13-pip26.3", "py3.12-pip24.2", "py3.13-pip26.1.2", "py2.7-pip19.2.3"]


def _client_for(sc: scenarios.Scenario) -> str:
    for cid in PREFERRED:
        if sc.expect(clients.spec(cid)) == "fail":
            return cid
    raise AssertionError("no failing client for " + sc.name)


def _cases() -> List[Tuple[str, str, str]]:
    cases = []
    for sc in scenarios.all():
        if not sc.causes:
            continue
        with sc.start() as running:  # only to read the declared names
            cases += [(sc.name, "fix", n) for n in running.fixes]
            cases += [(sc.name, "dead-end", n) for n in running.dead_ends]
    return cases


CASES = _cases()


def _evidence_of(cause: str) -> str:
    """The evidence of the single-fault scenario for ``cause`` (the first one listed)."""
    return next(s.evidence for s in scenarios.all() if s.causes == (cause,))


# Scenarios whose later causes are present at once, not hidden behind the first fault: one
# fix removes them all, so no fix "uncovers" them (declared here with the reason).
CO_PRESENT = {
    # pip fails for the private root (first); the empty default store is what urllib and
    # ssl.create_default_context() meet in the same run, and check's warning, not a later fault.
    "no-default-ca-store": ("untrusted-private-ca", "no-default-ca-store"),
}


def test_stacked_scenarios_name_what_their_first_fix_uncovers():
    for name, causes in CO_PRESENT.items():  # the exemption names what the scenario declares
        assert scenarios.get(name).causes == causes, name
    stacked = [s for s in scenarios.all() if len(s.causes) > 1 and s.name not in CO_PRESENT]
    assert {s.name for s in stacked} >= {"proxy-https-scheme-private-ca", "proxy-407-interception"}
    for sc in stacked:
        with sc.start() as running:
            # Each later cause is uncovered by some fix, and a fix that
            # removes every fault exists too (it must make pip succeed).
            assert set(running.then.values()) == set(sc.causes[1:]), sc.name
            assert set(running.fixes) - set(running.then), sc.name
            for cause in running.then.values():
                assert _evidence_of(cause)
    # Negative control: a single-fault scenario uncovers nothing.
    with scenarios.get("proxy-407").start() as running:
        assert running.then == {}


def test_most_failure_scenarios_declare_a_fix_or_dead_end():
    named = {name for name, _, _ in CASES}
    failing = [s.name for s in scenarios.all() if s.causes]
    assert len(named) >= len(failing) - 4, sorted(set(failing) - named)


@pytest.mark.parametrize("name,kind,label", CASES, ids=["%s:%s:%s" % c for c in CASES])
def test_fix_or_dead_end(name, kind, label, tmp_path):
    sc = scenarios.get(name)
    cid = _client_for(sc)
    try:
        client = clients.get(cid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))
    try:
        ctx = sc.start()
        running = ctx.__enter__()
    except scenarios.ScenarioUnavailable as exc:
        pytest.skip(str(exc))
    try:
        env = clients.client_environ(client, running.env_with(label))
        code, output = clients.run_pip(client, env, clients.pip_download_argv(client, str(tmp_path), running.package))
    finally:
        ctx.__exit__(None, None, None)
    then = running.then.get(label)
    if kind == "fix" and then:
        # A stacked scenario: this fix removes the first fault and real pip
        # meets the second one, with that cause's own evidence; the first
        # fault's evidence is gone (the control that the fix did something).
        assert code != 0, output[-3000:]
        assert re.search(_evidence_of(then), output), output[-3000:]
        assert not re.search(sc.evidence, output), output[-3000:]
    elif kind == "fix":
        assert code == 0, output[-3000:]
    else:
        assert code != 0, output[-3000:]
        assert re.search(sc.evidence, output), output[-3000:]
