"""fix says what the user most likely meets next, from the KB's lab-measured edges (issue #10)."""

from __future__ import annotations

from tlsdoctor.fix import whatnext


def test_fixing_the_407_leads_to_interception_with_its_lab_provenance():
    items = whatnext.what_next(["proxy-auth-required"])
    assert items, "the shipped KB holds the lab edge proxy-tunnel-407 -> self-signed-in-chain"
    n = items[0]
    assert (n["from"], n["id"]) == ("pip/proxy-tunnel-407", "pip/ssl-cert-verify-self-signed-in-chain")
    assert n["basis"] == "lab" and n["lab_runs"] >= 1 and "proxy-407-interception" in n["scenarios"]
    assert "tls-interception" in n["causes"] and n["pip"] and n["met"] is None
    line = whatnext.lines(items)[0]
    assert line.startswith("Once proxy-auth-required is fixed, you will most likely meet next:")
    assert "lab run" in line and "proxy-407-interception" in line


def test_a_cause_without_edges_predicts_nothing():
    # control: cert-expired's entries have no leads_to; and an entry that merely *lists*
    # a cause among others (unable-to-get-local-issuer lists six) predicts nothing for it.
    assert whatnext.what_next(["cert-expired"]) == []
    assert whatnext.what_next(["no-default-ca-store"]) == []
    assert whatnext.lines([]) == []


def test_met_follows_what_the_verification_found():
    items = whatnext.what_next(["proxy-scheme-mismatch"])
    lab = [n for n in items if n["basis"] == "lab"]
    assert lab and lab[0]["id"] == "pip/ssl-cert-verify-unable-to-get-local-issuer"
    whatnext.mark_met(items, ["untrusted-private-ca"])
    assert lab[0]["met"] is True
    assert "The verification met what comes next after proxy-scheme-mismatch" in whatnext.lines(lab, False)[0]
    whatnext.mark_met(items, [])  # verified: check found nothing
    assert lab[0]["met"] is False and whatnext.lines(lab, True)[0].startswith("Not met here")
    whatnext.mark_met(items, None)
    assert lab[0]["met"] is None
