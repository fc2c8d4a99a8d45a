"""Wrapper entries (pip's generic lines) that explain sets aside are still listed."""

from __future__ import annotations

ERROR = (b"Could not fetch URL https://pypi.org/simple/x/: There was a problem confirming the ssl certificate: "
         b"HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/x/ (Caused by "
         b"SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
         b"unable to get local issuer certificate (_ssl.c:1006)'))) - skipping\n")


def test_wrappers_set_aside_are_still_listed():
    from tlsdoctor.explain import explain_bytes

    report = explain_bytes(ERROR)
    assert [m["id"] for m in report["matches"]] == ["pip/ssl-cert-verify-unable-to-get-local-issuer"]
    assert "pip/could-not-fetch-url-ssl" in report["also_matched"]
    # Negative control: the wrapper alone is reported as a match, not set aside.
    alone = explain_bytes(b"Could not fetch URL https://x/simple/y/: There was a problem confirming the ssl certificate: boom - skipping\n")
    assert [m["id"] for m in alone["matches"]] == ["pip/could-not-fetch-url-ssl"] and alone["also_matched"] == []
