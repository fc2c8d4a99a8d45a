"""check --lang zh: the checklist's CA-variable line says the bundle's problem in Chinese.

``render.check._ca_env_checks`` prints ``NAME=PATH: <facts.Bundle.problem>`` and, for
REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, the note that it beats pip's ``cert=``. The phrase is
translated by the same table the rules' messages use (``render.zh.FACT_PHRASES``); the
variable, its path and the note's path stay as they are. (zh3 found the phrase left in
English.)
"""

from __future__ import annotations

import pytest
from zh_detector import english_runs

from tlsdoctor.facts import Bundle
from tlsdoctor.render import zh

# Every phrase Bundle.problem can say, from real attribute combinations.
BUNDLES = [
    Bundle(path="/p/x.pem", exists=False),
    Bundle(path="/p/x.pem", exists=True, readable=False, read_error="permission denied"),
    Bundle(path="/p/certs", exists=True, readable=True, is_dir=True, hashed_entries=0),
    Bundle(path="/p/x.pem", exists=True, readable=True, expect_dir=True),
    Bundle(path="/p/x.pem", exists=True, readable=True, pem_certificates=0, looks_like="der"),
]


@pytest.mark.parametrize("bundle", BUNDLES, ids=lambda b: b.problem)
@pytest.mark.parametrize("note", ["", " (beats pip's cert=/etc/ssl/certs/ca-certificates.crt while trust_env is on)"])
def test_ca_variable_line_in_chinese(bundle, note):
    english = "REQUESTS_CA_BUNDLE=%s: %s%s" % (bundle.path, bundle.problem, note)
    out = zh.line(english)
    assert bundle.problem not in out and not english_runs(out), out
    assert out.startswith("REQUESTS_CA_BUNDLE=%s：" % bundle.path)
    if note:
        assert "cert=/etc/ssl/certs/ca-certificates.crt" in out


def test_controls_an_unknown_phrase_stays_english_and_is_caught():
    """Negative control: a phrase the table does not know is left as it is, and the
    detector sees it (so the test above can fail)."""
    line = "REQUESTS_CA_BUNDLE=/p/x.pem: was eaten by a grue"
    assert zh.line(line) == line and english_runs(line)


def test_a_path_that_merely_contains_a_phrase_is_not_touched():
    line = "SSL_CERT_FILE=/srv/does not exist/ca.pem"
    assert zh.line(line) == line
