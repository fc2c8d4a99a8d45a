"""Clue tokens are searched near errors and at the top of a log, not everywhere."""

from __future__ import annotations

from tlsdoctor.kb import match

ERROR = b"Could not fetch URL https://pypi.org/simple/x/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/x/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))) - skipping\n"
FILLER = b"2026-11-21T04:12:33.123Z [build] gcc -O2 -c src/module.c -o build/module.o\n"


def _scan(data: bytes, chunk: int) -> match.Scan:
    from tlsdoctor.explain import engine

    scan = match.Scan(engine())
    for i in range(0, len(data), chunk):
        scan.feed(data[i:i + chunk])
    scan.close()
    return scan


def test_windows_merge_and_clip():
    assert match._windows([10, 20], 100, 15) == [(0, 35)]
    assert match._windows([10, 90], 100, 5) == [(5, 15), (85, 95)]
    assert match._windows([], 100, 5) == []


def test_clue_near_a_later_error_is_found_and_a_far_one_is_not():
    clue = b"pip 23.2.1 from /venv/lib/python3.11/site-packages/pip (python 3.11)\n"
    far = FILLER * ((3 * match.CLUE_WINDOW) // len(FILLER))
    chunk = 1 << 20
    # First chunk: filler only. Then a clue line right before the error.
    near = _scan(FILLER * (chunk // len(FILLER) + 10) + clue + ERROR, chunk)
    assert near.clues.as_dict()["pip_versions"] == ["23.2.1"]
    # Negative control: the same clue far from any error (and not in the first chunk) is skipped.
    skipped = _scan(FILLER * (chunk // len(FILLER) + 10) + clue + far + ERROR, chunk)
    assert skipped.clues.as_dict()["pip_versions"] == []
    # ... unless it is at the top of the log, which is always searched.
    top = _scan(clue + FILLER * (chunk // len(FILLER) + 10) + far + ERROR, chunk)
    assert top.clues.as_dict()["pip_versions"] == ["23.2.1"]

