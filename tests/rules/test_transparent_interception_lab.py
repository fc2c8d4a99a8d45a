"""Issue 8 item 1 from the lab's real recordings (scenario ``transparent-interception``).

No proxy: the index (localhost) and the extra index (127.0.0.1) both present
leaves from one CA outside the public root list that the OS store
(SSL_CERT_FILE) trusts and certifi does not. The same CA signing hosts of
unrelated names is what makes it interception; the negative control removes
the second host, and then one host alone cannot tell interception from a
private CA.
"""

from __future__ import annotations

import pytest
from recorded_facts import by_scenario, facts_of, ids, mutated

from tlsdoctor import rules

FAILING = [r for r in by_scenario("transparent-interception") if r.expect == "fail"]


def _only_the_first_host(raw):
    main = raw["main"]
    main["facts"]["targets"] = main["facts"]["targets"][:1]
    for k in [k for k in main["probes"] if not k.startswith("0:")]:
        del main["probes"][k]


@pytest.mark.parametrize("rec", FAILING, ids=ids(FAILING))
def test_one_ca_for_unrelated_hosts_is_interception_not_an_old_bundle(rec):
    out = rules.run(facts_of(rec))
    causes = [d.cause for d in out.diagnoses]
    assert causes[0] == "tls-interception" and "outdated-ca-bundle" not in causes
    assert any("pip install -U certifi" in d for d in out.diagnoses[0].dead_ends)


@pytest.mark.parametrize("rec", FAILING, ids=ids(FAILING))
def test_negative_control_one_host_alone_is_undecided(rec):
    out = rules.run(mutated(rec, _only_the_first_host))
    assert not out.diagnoses
    assert [u.candidates for u in out.undecided] == [("tls-interception", "untrusted-private-ca")]


def test_the_lab_recorded_failing_clients():
    assert len(FAILING) >= 3
