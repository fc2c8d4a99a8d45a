"""pip's effective configuration and where each value came from, resolved by the target pip itself."""

from __future__ import annotations

import os
import sys

from tlsdoctor import check
from tlsdoctor.pipconfig import provenance, trust_explanation

# These tests are about how pip's configuration resolves, not about speed: the
# deadline is generous so that a loaded machine (pytest -n 8 on 2 CPUs) cannot
# turn "the probe had no time" into a failed assertion. The hosts are
# ``.invalid``, so the probes end as soon as name resolution says no.
TIMEOUT = 60


def env_for(tmp_path, **extra):
    home = tmp_path / "home"
    (home / ".config" / "pip").mkdir(parents=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "XDG_CONFIG_DIRS": str(tmp_path / "xdg"), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.update(extra)
    return env, home


def test_levels_sections_and_env_precedence(tmp_path):
    env, home = env_for(tmp_path)
    (tmp_path / "xdg" / "pip").mkdir(parents=True)
    (tmp_path / "xdg" / "pip" / "pip.conf").write_text(
        "[install]\ncert = /global/install.pem\n[global]\ntrusted-host = a.invalid b.invalid\n")
    (home / ".config" / "pip" / "pip.conf").write_text(
        "[global]\nindex-url = https://user-global.invalid/simple/\ncert = /user/global.pem\n")
    env.update(PIP_INDEX_URL="https://tok:SeCrEt@env.invalid/simple/", PIP_TIMEOUT="7")
    report = check.collect(python=sys.executable, env=env, timeout=TIMEOUT)
    f = report.facts
    prov = provenance(f)
    # PIP_* beats every file; the value itself is redacted.
    assert prov["index-url"].source == "PIP_INDEX_URL"
    assert "SeCrEt" not in prov["index-url"].value
    assert any("user-global.invalid" in o or "pip.conf" in o for o in prov["index-url"].overridden)
    # [install] (the command's section) beats [global], even from a lower-priority file
    # (pip's ConfigOptionParser orders by section before level) - and pip agrees.
    assert prov["cert"].value == "/global/install.pem" and "[install]" in prov["cert"].source
    assert f.pip_options["cert"] == "/global/install.pem"
    assert prov["trusted-host"].value == "a.invalid b.invalid"
    assert prov["timeout"].source == "PIP_TIMEOUT"
    assert f.pip_options["index_url"].startswith("https://***@env.invalid")


def test_existing_pip_config_file_replaces_the_user_file(tmp_path):
    """pip skips the user-level files when PIP_CONFIG_FILE names an existing file (configuration.py)."""
    env, home = env_for(tmp_path)
    (home / ".config" / "pip" / "pip.conf").write_text("[install]\ncert = /user/install.pem\n")
    extra = tmp_path / "extra.conf"
    extra.write_text("[global]\ncert = /envfile/global.pem\n")
    env.update(PIP_CONFIG_FILE=str(extra), PIP_INDEX_URL="https://127.0.0.1:9/simple/")
    report = check.collect(python=sys.executable, env=env, timeout=TIMEOUT)
    assert report.facts.pip_options["cert"] == "/envfile/global.pem"
    assert provenance(report.facts)["cert"].source.startswith(str(extra))


def test_pip_config_file_devnull_loads_no_file(tmp_path):
    env, home = env_for(tmp_path, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="https://127.0.0.1:9/simple/")
    (home / ".config" / "pip" / "pip.conf").write_text("[global]\ncert = /never/used.pem\n")
    report = check.collect(python=sys.executable, env=env, timeout=TIMEOUT)
    assert report.facts.pip_options["cert"] is None
    assert "cert" not in provenance(report.facts)


def test_trust_explanation_names_the_env_bundle_that_wins(tmp_path):
    env, home = env_for(tmp_path, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="https://127.0.0.1:9/simple/",
                        PIP_CERT="/etc/hosts", REQUESTS_CA_BUNDLE="/etc/passwd")
    report = check.collect(python=sys.executable, env=env, timeout=TIMEOUT)
    text = "\n".join(trust_explanation(report.facts))
    assert "/etc/passwd from REQUESTS_CA_BUNDLE" in text
    assert "pip's cert=/etc/hosts is NOT used" in text


def test_trusted_host_is_reported_as_verification_off(tmp_path):
    env, home = env_for(tmp_path, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="https://localhost:9/simple/",
                        PIP_TRUSTED_HOST="localhost")
    report = check.collect(python=sys.executable, env=env, timeout=TIMEOUT)
    text = "\n".join(trust_explanation(report.facts))
    assert "verification is OFF" in text and "localhost" in text
    assert provenance(report.facts)["trusted-host"].source == "PIP_TRUSTED_HOST"
