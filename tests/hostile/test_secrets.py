"""No secret printed: the redaction module, explain and check over planted secrets.

One table (``planted_secrets.json``) drives everything here: every row's
secrets must vanish and its ``keep`` strings must survive (the negative
control that proves redaction did not simply blank the line).
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tlsdoctor import redact

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
TABLE = json.loads((HERE / "planted_secrets.json").read_text(encoding="utf-8"))["rows"]
SECRET_ROWS = [r for r in TABLE if r["secrets"]]
URL_ROWS = [r for r in TABLE if r["kind"] == "url"]


def _leaks(out: str, row: dict) -> list:
    return [s for s in row["secrets"] if s in out]


# --- the module ---------------------------------------------------------------

@pytest.mark.parametrize("row", TABLE, ids=[r["id"] for r in TABLE])
def test_redact_text_hides_secrets_and_keeps_the_rest(row):
    out = redact.redact_text(row["text"])
    assert _leaks(out, row) == [], out
    for keep in row["keep"]:
        assert keep in out, (keep, out)
    if row["secrets"]:
        assert redact.MASK in out


@pytest.mark.parametrize("row", URL_ROWS, ids=[r["id"] for r in URL_ROWS])
def test_redact_url(row):
    out = redact.redact_url(row["text"])
    assert _leaks(out, row) == [], out
    for keep in row["keep"]:
        assert keep in out, (keep, out)


def test_redact_url_masks_a_bare_user_before_the_host():
    # Text mode keeps e-mail-like words (git@github.com); a value known to be
    # a URL (a proxy setting) has no such excuse.
    assert redact.redact_url("tok3n@proxy.corp:3128") == "***@proxy.corp:3128"
    assert redact.redact_text("mail tok3n@proxy.corp") == "mail tok3n@proxy.corp"


def test_redact_value_by_key():
    assert redact.redact_value("PIP_PASSWORD", "plainPW") == "***"
    assert redact.redact_value("global.extra-index-url", "https://a:b@x/ https://y/?token=zz") == \
        "https://***:***@x/ https://y/?token=***"
    assert redact.redact_value("HTTPS_PROXY", "u:p@proxy:3128") == "***:***@proxy:3128"
    # Negative control: a path value stays as it is.
    assert redact.redact_value("global.cert", "/etc/pki/corp.pem") == "/etc/pki/corp.pem"


def test_truncate():
    assert redact.truncate("abc", 10) == "abc"
    cut = redact.truncate("x" * 5000, 100)
    assert cut.startswith("x" * 100) and "+4900" in cut and len(cut) < 130


@pytest.mark.parametrize("shape", [
    "http://u:" + "a" * 120_000 + "@h/",        # one 120 KB userinfo
    "http://" + "a" * 120_000,                   # an authority that never ends
    "a://" * 30_000,                              # scheme after scheme
    "eyJ" * 40_000,                               # JWT starts, never a JWT
    "password=" * 13_000,                         # keys without values
    "x?" + "a=b&" * 30_000,                       # a huge query
    "/" + "ab/" * 40_000,                         # a deep path
    "ghp_" * 30_000,                              # token prefixes
    "u:p@" * 30_000,                              # '@' after '@'
])
def test_linear_time_on_120kb_values(shape):
    # The old regexes re-scanned a long prefix from every start: a 30 KB proxy
    # URL cost 5 s. A generous bound that any quadratic behaviour breaks.
    t0 = time.perf_counter()
    redact.redact_text(shape)
    redact.redact_url(shape)
    assert time.perf_counter() - t0 < 1.0


def test_linear_time_negative_control():
    # Proves the bound above can fail: a known-quadratic pattern on the same
    # kind of input is far slower than the module.
    import re

    quad = re.compile(r"[a-z][a-z0-9+.-]*://")
    text = "a" * 20_000
    t0 = time.perf_counter()
    quad.search(text)
    slow = time.perf_counter() - t0
    t0 = time.perf_counter()
    redact.redact_text(text * 6)
    fast = time.perf_counter() - t0
    assert slow > fast


# --- the probe's own copy (probe/target.py, Python 2.7) -----------------------

def _target():
    spec = importlib.util.spec_from_file_location("_tlsdoctor_target", ROOT / "src/tlsdoctor/probe/target.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _target_redacts(row) -> bool:
    mod = _target()
    fn = getattr(mod, "redact_text", None) if row["kind"] == "text" else getattr(mod, "redact_url", None)
    if fn is None:
        return False
    out = fn(row["text"]) or ""
    return not _leaks(out, row) and all(k in out for k in row["keep"])


@pytest.mark.parametrize("row", TABLE, ids=[r["id"] for r in TABLE])
def test_probe_copy_follows_the_same_table(row):
    # target.py is the probe stream's file; its copy of these rules lands with
    # that stream. Until then rows it does not cover are expected to fail.
    if not _target_redacts(row):
        pytest.xfail("probe/target.py's redaction copy does not cover this row yet (probe stream)")
