"""client-cert-tls13-abrupt: a TLS 1.3 server that wants a client certificate and resets right after its alert.

When the reset overtakes the alert, pip shows no "certificate required" at
all: a reset or broken pipe on Python <= 3.9 (ProtocolError 'Connection
aborted.'), a read-path EOF (_ssl.c 2xxx) on newer Pythons. explain must still
list client-cert-required among its first three candidates for every such line
real pip printed (the recordings), and for the broken-pipe spellings seen in
the field; a handshake-path EOF (a connection cut *during* the handshake) must
not put it there (negative control).
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys

import pytest

from tlsdoctor.lab import record

RECORDINGS = sorted(glob.glob(os.path.join(record.RECORDINGS_DIR, "client-cert-tls13-abrupt", "*.json")))

FIELD_LINES = [
    # Python 3.8 and 2.7 in the field (issue 8): the write met the reset.
    "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken "
    "by 'ProtocolError('Connection aborted.', BrokenPipeError(32, 'Broken pipe'))': /simple/requests/",
    "Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by "
    "'ProtocolError('Connection aborted.', error(32, 'Broken pipe'))': /simple/requests/",
]


def _lost_alert_lines():
    lines = {}
    for path in RECORDINGS:
        with open(path, encoding="utf-8") as f:
            output = json.load(f)["output"]
        for line in output.splitlines():
            low = line.lower()
            if "certificate required" in low:
                continue
            if any(m in low for m in ("connection reset", "broken pipe", "eof occurred in violation", "unexpected eof")):
                lines.setdefault(line.strip()[:400], os.path.basename(path))
    return sorted(lines)


def _top3(text: str):
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "explain", "--json"], input=text.encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return [c["id"] for c in json.loads(proc.stdout)["candidate_causes"]][:3]


def test_the_recordings_show_the_lost_alert():
    assert len(RECORDINGS) >= 11
    lines = _lost_alert_lines()
    # Both shapes were recorded: the write/read reset (<= 3.9) and the read-path EOF.
    assert any("Connection reset by peer" in x for x in lines), lines
    assert any("EOF occurred in violation of protocol (_ssl.c:2" in x for x in lines), lines


@pytest.mark.parametrize("line", _lost_alert_lines() + FIELD_LINES)
def test_explain_lists_client_cert_required_in_its_first_three(line):
    assert "client-cert-required" in _top3(line), line


def test_a_handshake_path_eof_does_not_suggest_a_client_certificate():
    # The same EOF on the handshake path (_ssl.c:1xxx, e.g. 997): the server
    # cut the handshake itself, before any certificate was asked for.
    line = ("Could not fetch URL https://pypi.org/simple/x/: There was a problem confirming the ssl certificate: "
            "HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/x/ "
            "(Caused by SSLError(SSLEOFError(8, 'EOF occurred in violation of protocol (_ssl.c:997)'))) - skipping")
    top = _top3(line)
    assert top and "client-cert-required" not in top, top
