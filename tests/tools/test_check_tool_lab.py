"""End to end: ``tlsdoctor check --tool uv`` against lab scenarios, real uv as the control.

Each case serves a scenario on loopback, gives uv the scenario's intent in uv's
own spelling (``tools.tool_environ``: PIP_CERT -> SSL_CERT_FILE, …; the index as
UV_DEFAULT_INDEX, as a uv user would set it), runs **real uv** the way the lab
records it (the control: it must fail exactly when check says the tool fails),
then ``check --tool uv --json`` in the same environment. check must name the
scenario's cause first, or say ok where uv succeeds. The probe for the chain
facts runs in pip 26.3's interpreter (``--python``).

One scenario per mechanism (trust, handshake, expiry, proxy), both ends of
uv's trust history (0.4.30: webpki + --native-tls; 0.13.9: platform verifier,
fail-closed SSL_CERT_FILE), plus the corporate case with the OS store emulated.
"""

from __future__ import annotations

import os
import subprocess

import pytest


pytestmark = pytest.mark.lab

from lab_support import TOOLS_PIP, lab_client, lab_tool, os_store_works  # noqa: E402

from tlsdoctor.lab import scenarios, tools  # noqa: E402

UVS = ["uv0.13.9", "uv0.4.30"]
CASES = [
    # (scenario, translate pip's intent to uv's spelling, expected cause or "ok")
    ("healthy-direct", True, "ok"),
    # negative control of the same server: PIP_CERT only, which uv never reads
    ("healthy-direct", False, "tool-ignores-ca-setting"),
    ("untrusted-ca", True, "untrusted-private-ca"),
    ("tls10-only", True, "server-tls-too-old"),
    ("expired-cert", True, "cert-expired"),
    ("proxy-407", True, "proxy-auth-required"),
]


def uv_env(tool, running, translate=True, delta=None):
    """The scenario's environment changed by ``delta`` (None unsets), then in uv's spelling."""
    scenario_env = dict(running.env)
    for k, v in (delta or {}).items():
        if v is None:
            scenario_env.pop(k, None)
        else:
            scenario_env[k] = v
    env, _ = tools.tool_environ(tool, scenario_env, translate=translate)
    env["UV_DEFAULT_INDEX"] = running.index_url
    env["PATH"] = tool.bindir + os.pathsep + env.get("PATH", os.defpath)
    return env


def real_uv(tool, running, env, wrap=None):
    """The control: real uv installing the lab package, as the lab records it (retries and all)."""
    argv, cwd = tools.prepare(tool, running.workdir, running.index_url)
    if wrap is not None:
        argv = wrap(argv)
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def the_uv(data):
    rows = [t for t in data["tools"] if t["tool"] == "uv"]
    assert rows, data
    return rows[0]


@pytest.mark.parametrize("tid", UVS)
@pytest.mark.parametrize("name,translate,expect", CASES,
                         ids=["%s%s" % (c[0], "" if c[1] else "-untranslated") for c in CASES])
def test_check_tool_uv_names_the_cause(tlsdoctor_check, name, translate, expect, tid, tmp_path):
    tool, pip = lab_tool(tid), lab_client(*TOOLS_PIP)
    with scenarios.get(name).start(str(tmp_path / "lab")) as running:
        env = uv_env(tool, running, translate)
        code, output = real_uv(tool, running, env)
        assert (code == 0) == (expect == "ok"), "real uv: expected %s, exit %s:\n%s" % (expect, code, output[-2000:])
        # 0.4.30 retries 3 times with back-off (it has no UV_HTTP_RETRIES): give it the time it needs
        rc, data, err = tlsdoctor_check(["--tool", "uv", "--python", pip.python, "--json", "--timeout", "60"], env,
                                      cwd=running.workdir)
    row = the_uv(data)
    assert row["found"]["version"] == tool.version
    if expect == "ok":
        assert (rc, data["status"], row["status"], row["causes"]) == (0, "ok", "ok", []), row
    else:
        assert [c["id"] for c in row["causes"]][:1] == [expect], row
        assert (rc, data["status"], row["status"]) == (1, "problem", "problem"), row
        assert row["request"]["exit_code"] not in (0, None) and row["evidence"]


@pytest.mark.parametrize("tid", UVS)
def test_corporate_case_pip_ok_uv_ignores_the_os_store(tlsdoctor_check, tid, tmp_path):
    """The OS store trusts the intercepting proxy's root (nothing else set): pip >= 24.2 works,
    uv fails with tool-ignores-os-store; with uv's own switch (UV_SYSTEM_CERTS / UV_NATIVE_TLS) uv is ok.
    Real uv under the same emulated store is the control of each run."""
    if not os_store_works():
        pytest.skip("no private mount namespace here (needs root and unshare)")
    tool, pip = lab_tool(tid), lab_client(*TOOLS_PIP)
    switch = "UV_SYSTEM_CERTS" if tool.version_tuple[:2] >= (0, 11) else "UV_NATIVE_TLS"
    with scenarios.get("intercepting-proxy").start(str(tmp_path / "lab")) as running:
        store = tools.make_os_store(os.path.join(running.workdir, "os-store"),
                                    os.path.join(running.workdir, "pki", "index-and-inspection.pem"))

        def wrap(argv):
            return tools.os_store_argv(argv, store)

        env = uv_env(tool, running, delta={"PIP_CERT": None})
        code, output = real_uv(tool, running, env, wrap)
        assert code != 0 and "UnknownIssuer" in output, output[-2000:]
        rc, data, err = tlsdoctor_check(["--tool", "all", "--python", pip.python, "--json", "--timeout", "60"], env,
                                      cwd=running.workdir, wrap=wrap)
        by_tool = {t["tool"]: t for t in data["tools"]}
        assert by_tool["pip"]["status"] == "ok", by_tool["pip"]
        uv_row = by_tool["uv"]
        assert [c["id"] for c in uv_row["causes"]] == ["tool-ignores-os-store"], uv_row
        assert "OS store" in uv_row["summary"] and rc == 1 and data["status"] == "problem"
        rc, text, err = tlsdoctor_check(["--tool", "all", "--python", pip.python, "--timeout", "60"], env,
                                        cwd=running.workdir, wrap=wrap)
        assert text.splitlines()[2].startswith("pip ok; uv fails: uv does not use the OS store"), text[:2000]
        # uv's own switch: real uv and check agree it works now
        env = uv_env(tool, running, delta={"PIP_CERT": None, switch: "1"})
        code, output = real_uv(tool, running, env, wrap)
        assert code == 0, output[-2000:]
        rc, data, err = tlsdoctor_check(["--tool", "uv", "--python", pip.python, "--json", "--timeout", "60"], env,
                                      cwd=running.workdir, wrap=wrap)
        row = the_uv(data)
        assert (rc, row["status"]) == (0, "ok"), row
        assert [t["kind"] for t in row["trust"]] == ["os"]
