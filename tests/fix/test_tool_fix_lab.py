"""``fix --tool``'s engine end to end with the real tools against lab scenarios.

Each test starts a scenario, checks the real tool fails (the control), runs
``tool_fix.run_tool_fix`` with ``--yes`` over a throwaway HOME/XDG (the journal
under it too), and verifies with the real tool again: fixed -> the tool succeeds,
``undo`` -> every byte restored and the tool fails again; a change that cannot
help -> rolled back (exit 3), bytes restored.

The toolcheck/toolpy modules (``tools.uv.resolve/request``...) and the judge are
not merged yet, so the per-tool check is driven here from a ``Resolved`` built
by hand plus the scenario's cause, and the decisive request is the lab's real
run of the tool (``lab.tools.prepare``/``run_tool``), in the environment the fix
hands it (``apply.environment_after``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import subprocess
import time

import pytest

from tlsdoctor.fix import tool_fix
from tlsdoctor.fix.edits import der_to_pem, pem_certificates
from tlsdoctor.fix.journal import Journal
from tlsdoctor.fix.plan import PlanContext
from tlsdoctor.fix.run import FixOptions
from tlsdoctor.lab import clients, scenarios, tools as labtools
from tlsdoctor.tools import Found, Request, RequestStatus, Resolved, Setting, Trust, TrustKind
from tlsdoctor.tools.remedies import ToolFacts

from lab_support import home_snapshot, needs_mount_ns, os_store_works  # noqa: E402

pytestmark = pytest.mark.lab

UV = "uv0.13.9"
POETRY = "poetry2.5.1-py3.13"
REQUESTS = "requests2.34.2-py3.13"
KIND_TOOL = {"uv": "uv", "poetry": "poetry", "requests": "requests"}


def _tool(tid):
    try:
        return labtools.ensure(tid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))


def _certifi(tool) -> str:
    out = subprocess.run([tool.python, "-c", "import certifi; print(certifi.where())"], stdout=subprocess.PIPE,
                         timeout=60, check=True)
    return out.stdout.decode().strip()


def _sha(pem_path: str) -> str:
    with open(pem_path, "rb") as f:
        import base64
        import re

        b64 = re.search(rb"-----BEGIN CERTIFICATE-----(.+?)-----END", f.read(), re.S).group(1)
    return hashlib.sha256(base64.b64decode(b"".join(b64.split()))).hexdigest()


class Lab:
    """One running scenario, one tool, an isolated HOME; the tool's real decisive request."""

    def __init__(self, running, tool, store=None):
        self.running, self.tool, self.store = running, tool, store
        senv = {k: v for k, v in running.env.items() if k != "PIP_CERT"}
        self.env, _ = labtools.tool_environ(tool, senv)
        self.home = self.env["HOME"]
        self.url = labtools.index_url(running.index_url, senv)

    def request(self, env) -> Request:
        argv, cwd = labtools.prepare(self.tool, self.running.workdir, self.url)
        if self.store:
            argv = labtools.os_store_argv(argv, self.store)
        t0 = time.monotonic()
        code, output = labtools.run_tool(argv, dict(env), cwd, timeout=120)
        return Request(RequestStatus.OK if code == 0 else RequestStatus.FAILED, tuple(argv[-3:]), code,
                       output[-4000:], time.monotonic() - t0)

    def check(self, cause, **facts) -> tool_fix.ToolCheck:
        kind = self.tool.kind
        trust = {"uv": (Trust(TrustKind.BUNDLED, None, "default"),)}.get(kind, (Trust(TrustKind.CERTIFI),))
        settings = (Setting("source.lab.url", self.url, "pyproject.toml"),) if kind == "poetry" else ()
        resolved = Resolved(Found(kind, self.tool.exe, self.tool.version, self.tool.python), self.url, settings,
                            trust)
        data_home = self.env.get("XDG_DATA_HOME") or os.path.join(self.home, ".local", "share")
        facts.setdefault("bundle", os.path.join(data_home, "tlsdoctor", "ca-bundle.pem"))
        facts.setdefault("env", self.env)
        return tool_fix.ToolCheck(kind, resolved, self.request(self.env), (cause,), ToolFacts(**facts))

    def fix(self, checks, trust_sha=None):
        out = io.StringIO()
        ctx = PlanContext(home=self.home, shell="bash", user_config=os.path.join(self.home, ".config/pip/pip.conf"),
                          bundle_path=checks[0].facts.bundle)
        journal = Journal(os.path.join(self.home, ".local", "state", "tlsdoctor"))
        res = tool_fix.run_tool_fix(
            checks, options=FixOptions(yes=True, json=True, trust_ca_sha256=trust_sha), environ=self.env,
            verify_request=lambda c, env, deadline, workdir: self.request(env), deadline=time.monotonic() + 300,
            workdir=self.running.workdir, journal=journal, ctx=ctx, out=out)
        data = json.loads(out.getvalue())
        assert data["exit_code"] == res.exit_code
        return res, data, journal

    def new_shell_env(self) -> dict:
        """What a new login shell has: the env plus ~/.bashrc sourced by real bash."""
        script = '. "$HOME/.bashrc" 2>/dev/null; env -0'
        out = subprocess.run(["bash", "-c", script], env=self.env, stdout=subprocess.PIPE, timeout=30).stdout
        return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


def _inspection_store(running):
    return [os.path.join(running.workdir, "pki", "index-and-inspection.pem")]


@contextlib.contextmanager
def inspected():
    """The intercepting-proxy scenario and an emulated OS store that trusts its inspection root
    (the corporate case): ``(running, store)``; a skip where no private mount namespace can be made."""
    if not os_store_works():
        pytest.skip("no private mount namespace here")
    with scenarios.get("intercepting-proxy").start() as running:
        yield running, labtools.make_os_store(os.path.join(running.workdir, "os-store"), *_inspection_store(running))


def _inspection_root(running) -> str:
    """The inspection proxy's root alone (the CA the user confirms): the last certificate of
    the lab's index-and-inspection.pem."""
    with open(_inspection_store(running)[0], "rb") as f:
        der = pem_certificates(f.read())[-1]
    path = os.path.join(running.workdir, "inspection-root.pem")
    with open(path, "wb") as f:
        f.write(der_to_pem(der))
    return path


@needs_mount_ns
def test_corporate_case_fix_all_without_a_global_ssl_cert_file_undone_and_a_useless_change_rolled_back():
    """The OS store trusts the inspection root; uv, Poetry and requests fail. One
    transaction: uv's own switch (uv.toml), Poetry's source certificate and
    REQUESTS_CA_BUNDLE to the full bundle -- never SSL_CERT_FILE."""
    uv, poetry, requests_tool = _tool(UV), _tool(POETRY), _tool(REQUESTS)
    with inspected() as (running, store):
        labs = [Lab(running, t, store) for t in (uv, poetry, requests_tool)]
        u_lab, p_lab, r_lab = labs
        before = home_snapshot(u_lab.home)
        ca = _inspection_root(running)
        checks = [lab.check("tls-interception", os_store_trusts=True, ca_file=ca, ca_sha256=_sha(ca),
                            base_bundle=_certifi(requests_tool)) for lab in labs]
        assert [c.status for c in checks] == ["failed"] * 3  # controls: all three fail
        assert "UnknownIssuer" in checks[0].request.output

        res, data, journal = u_lab.fix(checks, trust_sha=_sha(ca))
        assert res.exit_code == 0 and data["status"] == "fixed" and data["verified"] is True, data
        assert "SSL_CERT_FILE" not in json.dumps(data["plan"]["changes"])
        uv_toml = os.path.join(u_lab.env["XDG_CONFIG_HOME"], "uv", "uv.toml")
        with open(uv_toml, "rb") as f:
            assert f.read() == b"system-certs = true\n"  # uv: its own switch, no bundle
        assert any("UV_SYSTEM_CERTS" in a for a in data["alternatives"])
        shell_env = r_lab.new_shell_env()
        assert "SSL_CERT_FILE" not in shell_env
        for lab in labs:  # each real tool, as the next shell runs it
            assert lab.request(shell_env).status is RequestStatus.OK, lab.tool.id

        assert journal.undo("last").ok
        assert home_snapshot(u_lab.home) == before and not os.path.exists(uv_toml)
        for lab in labs:
            assert lab.request(r_lab.new_shell_env()).status is RequestStatus.FAILED, lab.tool.id

        # Negative control: the OS store does NOT hold the inspection root, so uv's switch
        # cannot help; the fix must roll itself back.
        unrelated = labtools.make_os_store(os.path.join(running.workdir, "os-store-unrelated"),
                                           os.path.join(running.workdir, "pki", "index-ca.pem"))
        lab2 = Lab(running, uv, unrelated)
        res, data, _ = lab2.fix([lab2.check("tls-interception", os_store_trusts=True)])
        assert res.exit_code == 3 and data["status"] == "rolled_back" and data["verified"] is False, data
        assert home_snapshot(u_lab.home) == before


def test_untrusted_ca_poetry_and_requests_fixed_in_one_transaction_and_undone():
    poetry, requests_tool = _tool(POETRY), _tool(REQUESTS)
    with scenarios.get("untrusted-ca").start() as running:
        ca = os.path.join(running.workdir, "pki", "index-ca.pem")
        p_lab, r_lab = Lab(running, poetry), Lab(running, requests_tool)
        assert p_lab.home == r_lab.home  # one user, one HOME
        base = _certifi(requests_tool)
        checks = [lab.check("untrusted-private-ca", ca_file=ca, ca_sha256=_sha(ca), base_bundle=base)
                  for lab in (p_lab, r_lab)]
        assert [c.status for c in checks] == ["failed", "failed"]  # controls
        before = home_snapshot(p_lab.home)

        # A wrong fingerprint: refused, nothing changed.
        res, data, _ = r_lab.fix(checks, trust_sha="00" * 32)
        assert res.exit_code != 0 and not data["changed"] and home_snapshot(p_lab.home) == before, data

        res, data, journal = r_lab.fix(checks, trust_sha=_sha(ca))
        assert res.exit_code == 0 and data["status"] == "fixed" and data["verified"] is True, data
        kinds = sorted(c["kind"] for c in data["plan"]["changes"])
        assert kinds == ["ca_bundle", "ca_bundle_sidecar", "shell", "tool_config"], kinds
        bundle = checks[0].facts.bundle
        with open(bundle, "rb") as f:
            assert len(pem_certificates(f.read())) > 2  # certifi's roots + the CA, never the CA alone
        config = os.path.join(p_lab.env["POETRY_CONFIG_DIR"], "config.toml")
        with open(config, "rb") as f:
            assert f.read() == ('[certificates.lab]\ncert = "%s"\n' % bundle).encode()
        # requests as the user's next shell runs it: ~/.bashrc sourced by real bash
        shell_env = r_lab.new_shell_env()
        assert shell_env.get("REQUESTS_CA_BUNDLE") == bundle and "SSL_CERT_FILE" not in shell_env
        assert r_lab.request(shell_env).status is RequestStatus.OK
        assert p_lab.request(p_lab.env).status is RequestStatus.OK

        assert journal.undo("last").ok
        assert home_snapshot(p_lab.home) == before
        assert r_lab.request(r_lab.new_shell_env()).status is RequestStatus.FAILED
        assert p_lab.request(p_lab.env).status is RequestStatus.FAILED


# ------------------------------------------------------------------ the command line, with the real tool modules

def _cli(argv, env, cwd, store=None):
    import sys

    argv = [sys.executable, "-m", "tlsdoctor"] + argv
    if store:
        argv = labtools.os_store_argv(argv, store)
    p = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=180)
    return p.returncode, json.loads(p.stdout.decode() or "{}")


def _cli_env(lab, **extra):
    env = dict(lab.env, SHELL="/bin/bash", PATH=os.path.dirname(lab.tool.exe) + ":/usr/bin:/bin")
    env.update(extra)
    return env


@needs_mount_ns
def test_cli_fix_tool_uv_decides_from_the_probe_that_the_os_store_trusts_the_proxy():
    """`tlsdoctor fix --tool uv` as a user runs it: tools.uv finds and runs uv, check's
    probe (verify:system) finds the OS store trusts the inspection root, so the fix is
    uv.toml's switch alone; `tlsdoctor undo` takes it back."""
    uv = _tool(UV)
    with inspected() as (running, store):
        lab = Lab(running, uv, store)
        env = _cli_env(lab, UV_INDEX_URL=lab.url)  # a uv user's own index setting
        before = home_snapshot(lab.home)
        code, data = _cli(["fix", "--tool", "uv", "--dry-run", "--json", "--timeout", "60"], env, running.workdir,
                          store)
        assert code == 1 and data["status"] == "planned" and home_snapshot(lab.home) == before, data
        code, data = _cli(["fix", "--tool", "uv", "--yes", "--json", "--timeout", "60"], env, running.workdir, store)
        assert code == 0 and data["status"] == "fixed" and data["verified"] is True, data
        assert [c["kind"] + ":" + c["key"] for c in data["plan"]["changes"]] == ["tool_config:system-certs"]
        assert lab.request(lab.env).status is RequestStatus.OK
        code, undone = _cli(["undo", "--json"], env, running.workdir)
        assert code == 0, undone
        assert home_snapshot(lab.home) == before
        assert lab.request(lab.env).status is RequestStatus.FAILED


def test_cli_fix_tool_poetry_finds_the_source_and_trusts_only_the_confirmed_ca():
    poetry = _tool(POETRY)
    with scenarios.get("untrusted-ca").start() as running:
        lab = Lab(running, poetry)
        project = os.path.join(running.workdir, "project")
        os.makedirs(project)
        with open(os.path.join(project, "pyproject.toml"), "w") as f:
            f.write(labtools.POETRY_PYPROJECT.format(package="tlsdoctor-lab-pkg", source="lab", url=lab.url))
        ca = os.path.join(running.workdir, "pki", "index-ca.pem")
        env = _cli_env(lab)
        before = home_snapshot(lab.home)
        code, data = _cli(["fix", "--tool", "poetry", "--yes", "--json", "--ca-file", ca, "--trust-ca-sha256",
                           _sha(ca), "--timeout", "90"], env, project)
        assert code == 0 and data["status"] == "fixed" and data["verified"] is True, data
        assert [c["key"] for c in data["plan"]["changes"] if c["kind"] == "tool_config"] == ["certificates.lab.cert"]
        assert lab.request(lab.env).status is RequestStatus.OK
        code, _ = _cli(["undo", "--json"], env, project)
        assert code == 0 and home_snapshot(lab.home) == before
        assert lab.request(lab.env).status is RequestStatus.FAILED


@needs_mount_ns
def test_cli_fix_tool_uv_removes_a_stale_ssl_cert_file_that_makes_uv_trust_nothing():
    """uv >= 0.12 with an SSL_CERT_FILE naming a missing file trusts nothing ("No default
    certificates will be trusted"), even with the OS store that trusts the index. The
    fix comments out the ~/.bashrc line that exports it and turns on uv's switch; the
    next shell's uv works; undo restores ~/.bashrc byte for byte."""
    uv = _tool(UV)
    with inspected() as (running, store):
        lab = Lab(running, uv, store)
        stale = "/nonexistent/tlsdoctor/ca.pem"
        bashrc = os.path.join(lab.home, ".bashrc")
        with open(bashrc, "wb") as f:
            f.write(b"# mine\r\nexport SSL_CERT_FILE=%s\r\nalias ll='ls -l'" % stale.encode())
        before = home_snapshot(lab.home)
        env = _cli_env(lab, UV_INDEX_URL=lab.url, SSL_CERT_FILE=stale)  # the current shell has it
        code, data = _cli(["fix", "--tool", "uv", "--yes", "--json", "--timeout", "60"], env, running.workdir, store)
        assert code == 0 and data["status"] == "fixed" and data["verified"] is True, data
        assert sorted(c["kind"] + ":" + c["key"] for c in data["plan"]["changes"]) == [
            "shell:SSL_CERT_FILE", "tool_config:system-certs"]
        # the next login shell: ~/.bashrc no longer exports it
        fresh = dict(lab.env)
        shell_env = subprocess.run(["bash", "-c", '. "$HOME/.bashrc"; env -0'], env=fresh, stdout=subprocess.PIPE,
                                   timeout=30).stdout.decode().split("\0")
        assert not any(item.startswith("SSL_CERT_FILE=") for item in shell_env)
        assert lab.request(lab.env).status is RequestStatus.OK
        assert lab.request(dict(lab.env, SSL_CERT_FILE=stale)).status is RequestStatus.FAILED  # control
        code, _ = _cli(["undo", "--json"], env, running.workdir)
        assert code == 0 and home_snapshot(lab.home) == before


def test_cli_fix_tool_httpx_replaces_the_stale_ssl_cert_file_that_crashes_it():
    """httpx crashes (FileNotFoundError) on an SSL_CERT_FILE naming a missing file; on
    untrusted-ca the fix replaces that ~/.bashrc line with the full bundle (the blast
    radius is stated: uv, curl, OpenSSL clients); undo restores ~/.bashrc."""
    httpx = _tool("httpx0.28.1-py3.13")
    with scenarios.get("untrusted-ca").start() as running:
        lab = Lab(running, httpx)
        stale = "/nonexistent/tlsdoctor/ca.pem"
        bashrc = os.path.join(lab.home, ".bashrc")
        with open(bashrc, "w") as f:
            f.write("export SSL_CERT_FILE=%s\n" % stale)
        before = home_snapshot(lab.home)
        env = _cli_env(lab, SSL_CERT_FILE=stale, PIP_INDEX_URL=lab.url)
        assert "FileNotFoundError" in lab.request(env).output  # control
        ca = os.path.join(running.workdir, "pki", "index-ca.pem")
        code, data = _cli(["fix", "--tool", "httpx", "--python", httpx.python, "--yes", "--json", "--ca-file", ca,
                           "--trust-ca-sha256", _sha(ca), "--timeout", "60"], env, running.workdir)
        assert code == 0 and data["status"] == "fixed" and data["verified"] is True, data
        shell = [c for c in data["plan"]["changes"] if c["kind"] == "shell"]
        assert [c["key"] for c in shell] == ["SSL_CERT_FILE"] and "uv" in shell[0]["why"]
        fresh = {k: v for k, v in lab.env.items() if k != "SSL_CERT_FILE"}
        out = subprocess.run(["bash", "-c", '. "$HOME/.bashrc"; env -0'], env=fresh, stdout=subprocess.PIPE,
                             timeout=30).stdout.decode().split("\0")
        new_env = dict(item.split("=", 1) for item in out if "=" in item)
        assert new_env["SSL_CERT_FILE"] != stale and lab.request(new_env).status is RequestStatus.OK
        code, _ = _cli(["undo", "--json"], env, running.workdir)
        assert code == 0 and home_snapshot(lab.home) == before
