"""Issue 12's "done means" for fix: ``tlsdoctor fix --tool X --yes`` makes the real tool work, ``undo`` restores.

For each scenario with an automatic tool fix (the tool's trust: ``TRUST_FIXES``)
x uv 0.13.9, uv 0.4.30, Poetry 2.5.1, requests 2.34.2, as a user runs it (the CLI,
the real tool modules, a throwaway HOME / XDG dirs, the journal under it):

1. the control: the real tool fails in the scenario (as the lab records it);
2. ``fix --tool X --yes --json --ca-file CA --trust-ca-sha256 SHA`` -> fixed and verified;
3. the real tool succeeds from a new shell (``~/.bashrc`` sourced by real bash);
4. ``undo`` -> every byte under HOME restored, and the real tool fails again.

The negative control of each tool: the same fix with an unrelated CA confirmed
cannot help, so it is rolled back (exit 3) and HOME is byte for byte as before.

CI runs ``untrusted-ca`` per tool and the negative controls; the rest is ``matrix``
(``-m "matrix or not matrix" -n 2``). The corporate case (the OS store, uv's own
switch) is ``test_tool_fix_lab.py``'s: it needs root and a mount namespace.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from lab_support import home_snapshot, lab_tool, matrix_cells

from tlsdoctor.fix.edits import der_to_pem, pem_certificates
from tlsdoctor.lab import scenarios, tools

pytestmark = pytest.mark.lab

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")
TOOLS = ["uv0.13.9", "uv0.4.30", "poetry2.5.1-py3.13", "requests2.34.2-py3.13"]
CI_SCENARIOS = ("untrusted-ca",)


def _index_ca(running):
    return os.path.join(running.workdir, "pki", "index-ca.pem")


def _inspection_root(running):
    with open(os.path.join(running.workdir, "pki", "index-and-inspection.pem"), "rb") as f:
        der = pem_certificates(f.read())[-1]
    path = os.path.join(running.workdir, "inspection-root.pem")
    with open(path, "wb") as f:
        f.write(der_to_pem(der))
    return path


# scenario -> the CA the user confirms (the one that signs what the tool is shown)
TRUST_FIXES = {
    "untrusted-ca": _index_ca,
    "intercepting-proxy": _inspection_root,
    "env-bundle-overrides-cert": _index_ca,  # pip.conf's cert= holds it; no other tool reads pip.conf
    "trust-store-missing-root": _index_ca,  # SSL_CERT_FILE holds it; Poetry and requests never read it
    "private-ca-aia-root": _index_ca,  # the tool's CA setting is an OS-like bundle without it
    "intercepting-proxy-only-route": _inspection_root,
    "transparent-interception": lambda running: os.path.join(running.workdir, "pki", "os-store.pem"),
    "bundle-path-missing": _index_ca,  # REQUESTS_CA_BUNDLE names a deleted file
}
# Cells where the tool already works in the scenario (nothing to fix), with the reason.
NOTHING_TO_FIX = {
    ("uv", "trust-store-missing-root"): "uv reads SSL_CERT_FILE, which holds the index CA",
    ("uv", "transparent-interception"): "the lab's OS store is SSL_CERT_FILE, which uv reads",
    ("uv", "bundle-path-missing"): "uv does not read REQUESTS_CA_BUNDLE; PIP_CERT (SSL_CERT_FILE) trusts the index",
    ("poetry", "bundle-path-missing"): "Poetry's source certificate (translated PIP_CERT) beats REQUESTS_CA_BUNDLE",
}
# Cells where the tool's own setting that beats the fix is exported by the current environment, not a
# start-up file tlsdoctor can edit: the fix must say so (a manual step) and roll back (exit 3).
BEATEN_BY_THE_ENVIRONMENT = {
    # PIP_CERT (the index CA) is Poetry's POETRY_CERTIFICATES_LAB_CERT here, which beats config.toml's
    # certificates.lab.cert; through the inspecting proxy only the inspection root helps.
    ("poetry", "intercepting-proxy"): "POETRY_CERTIFICATES_LAB_CERT",
    ("poetry", "intercepting-proxy-only-route"): "POETRY_CERTIFICATES_LAB_CERT",
    # PIP_CERT is an OS-like bundle without the index CA: the same variable, the same limit.
    ("poetry", "private-ca-aia-root"): "POETRY_CERTIFICATES_LAB_CERT",
}


def _sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(pem_certificates(f.read())[0]).hexdigest()


class Cell:
    def __init__(self, running, tool):
        self.running, self.tool = running, tool
        senv = dict(running.env)
        self.env, _ = tools.tool_environ(tool, senv)
        self.url = tools.index_url(running.index_url, senv)
        self.home = self.env["HOME"]
        if tool.kind == "uv":
            self.env["UV_DEFAULT_INDEX"] = self.url
        elif tool.kind == "requests":
            self.env.setdefault("PIP_INDEX_URL", self.url)
        self.env["PATH"] = tool.bindir + os.pathsep + "/usr/bin:/bin"
        self.env["SHELL"] = "/bin/bash"
        self.argv, self.cwd = tools.prepare(tool, running.workdir, self.url)  # Poetry: the project is in cwd

    def real(self, env=None):
        # Poetry caches the index pages it fetched: a run after undo must meet the index again.
        shutil.rmtree(self.env.get("POETRY_CACHE_DIR") or os.path.join(self.home, ".cache", "none"), ignore_errors=True)
        # A fresh run directory each time: uv's --target would otherwise already hold the package.
        argv, cwd = tools.prepare(self.tool, self.running.workdir, self.url)
        code, output = tools.run_tool(argv, dict(env or self.env), cwd, timeout=240)
        return code, output

    def new_shell(self):
        out = subprocess.run(["bash", "-c", '. "$HOME/.bashrc" 2>/dev/null; env -0'], env=self.env,
                             stdout=subprocess.PIPE, timeout=30).stdout
        return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)

    def cli(self, args):
        env = dict(self.env)
        env["PYTHONPATH"] = os.pathsep.join([SRC] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        p = subprocess.run([sys.executable, "-m", "tlsdoctor"] + args, env=env, cwd=self.cwd, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=300)
        try:
            return p.returncode, json.loads(p.stdout.decode() or "{}")
        except ValueError:
            raise AssertionError((p.returncode, p.stdout.decode()[-1500:], p.stderr.decode()[-1500:]))

    def fix(self, ca):
        args = ["fix", "--tool", self.tool.kind, "--yes", "--json", "--ca-file", ca, "--trust-ca-sha256", _sha(ca),
                "--timeout", "120"]
        if self.tool.kind == "requests":
            args += ["--python", self.tool.python]
        return self.cli(args)


@pytest.mark.parametrize("name,tid", matrix_cells(TRUST_FIXES, TOOLS, CI_SCENARIOS))
def test_fix_tool_makes_the_real_tool_work_and_undo_restores(name, tid, tmp_path):
    tool = lab_tool(tid)
    with scenarios.get(name).start(str(tmp_path / "lab")) as running:
        cell = Cell(running, tool)
        code, output = cell.real()
        if (tool.kind, name) in NOTHING_TO_FIX:
            assert code == 0, (NOTHING_TO_FIX[(tool.kind, name)], output[-1500:])
            return
        assert code != 0, output[-1500:]  # the control: broken
        before = home_snapshot(cell.home, ("uv", "pypoetry"))
        rc, data = cell.fix(TRUST_FIXES[name](running))
        if (tool.kind, name) in BEATEN_BY_THE_ENVIRONMENT:
            var = BEATEN_BY_THE_ENVIRONMENT[(tool.kind, name)]
            assert (rc, data.get("status")) == (3, "rolled_back"), data
            assert any(var in m for m in data["plan"]["manual"]), data["plan"]
            assert home_snapshot(cell.home, ("uv", "pypoetry")) == before
            return
        assert (rc, data.get("status"), data.get("verified")) == (0, "fixed", True), data
        shell = cell.new_shell()
        code, output = cell.real(shell)
        assert code == 0, (data["plan"]["changes"], output[-1500:])
        rc, undone = cell.cli(["undo", "--json"])
        assert rc == 0, undone
        assert home_snapshot(cell.home, ("uv", "pypoetry")) == before
        code, output = cell.real(cell.new_shell())
        assert code != 0, output[-1500:]


@pytest.mark.parametrize("tid", TOOLS)
def test_fix_tool_with_an_unrelated_ca_is_rolled_back(tid, tmp_path):
    """Negative control: the CA confirmed does not sign the index's chain, so no bundle with it can help."""
    import trustme

    tool = lab_tool(tid)
    with scenarios.get("untrusted-ca").start(str(tmp_path / "lab")) as running:
        cell = Cell(running, tool)
        unrelated = os.path.join(running.workdir, "unrelated-ca.pem")
        trustme.CA().cert_pem.write_to_path(unrelated)
        before = home_snapshot(cell.home, ("uv", "pypoetry"))
        rc, data = cell.fix(unrelated)
        assert rc == 3 and data.get("status") == "rolled_back" and data.get("verified") is False, data
        assert home_snapshot(cell.home, ("uv", "pypoetry")) == before
        assert cell.real(cell.new_shell())[0] != 0

