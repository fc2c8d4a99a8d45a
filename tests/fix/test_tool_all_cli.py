"""Issue 12's corporate case through the command line, as a user types it.

The OS store (emulated: a lab directory bound over /etc/ssl/certs in a private
mount namespace) trusts the intercepting proxy's root; pip >= 24.2 on Python >= 3.10
works through truststore, while uv (its own roots), Poetry and requests (certifi)
fail. ``tlsdoctor check --tool all`` must say exactly that, and ``tlsdoctor fix
--tool all --yes`` must make all three work from a new shell without a global
SSL_CERT_FILE; ``tlsdoctor undo`` restores every byte and all three fail again.

uv and poetry are found on PATH; requests in the ``--python`` interpreter, which is
also the one pip runs in (pip 26.3 on 3.13 in the requests tool venv). Every real
tool's own run before and after is the control.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tlsdoctor.lab import tools as labtools

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab_support import home_snapshot, needs_mount_ns  # noqa: E402
from test_tool_fix_lab import POETRY, REQUESTS, UV, Lab, _inspection_root, _sha, _tool, inspected  # noqa: E402

pytestmark = pytest.mark.lab


def _run(argv, env, cwd, store):
    full = labtools.os_store_argv([sys.executable, "-m", "tlsdoctor"] + argv, store)
    p = subprocess.run(full, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def _pip_version(python: str) -> tuple:
    out = subprocess.run([python, "-c", "import pip; print(pip.__version__)"], stdout=subprocess.PIPE,
                         timeout=60, check=True).stdout.decode().strip()
    return tuple(int(x) for x in out.split(".")[:2])


@needs_mount_ns
def test_check_and_fix_tool_all_in_the_corporate_case():
    uv, poetry, requests_tool = _tool(UV), _tool(POETRY), _tool(REQUESTS)
    assert _pip_version(requests_tool.python) >= (24, 2)  # pip uses the OS store there (truststore)
    with inspected() as (running, store):
        labs = [Lab(running, t, store) for t in (uv, poetry, requests_tool)]
        # One user: one HOME for every tool. Poetry's lab environment (its dirs under that
        # HOME, the null keyring) plus what the lab gives uv (no downloads, cache off).
        env = dict(labs[1].env)
        home = env["HOME"]
        env.update({"UV_PYTHON_DOWNLOADS": "never", "UV_NO_CACHE": "1", "UV_HTTP_TIMEOUT": "20",
                    "UV_CACHE_DIR": os.path.join(home, ".cache", "uv")})
        url = labs[1].url
        env.update(SHELL="/bin/bash", UV_INDEX_URL=url, PIP_INDEX_URL=url,
                   PATH=":".join([os.path.dirname(uv.exe), os.path.dirname(poetry.exe), "/usr/bin", "/bin"]))
        project = os.path.join(running.workdir, "project")
        os.makedirs(project)
        with open(os.path.join(project, "pyproject.toml"), "w") as f:
            f.write(labtools.POETRY_PYPROJECT.format(package="tlsdoctor-lab-pkg", source="lab", url=url))
        for lab in labs:
            lab.env, lab.home = env, home
        before = home_snapshot(home)
        for lab in labs:  # controls: each real tool fails as the user's shell runs it
            assert lab.request(env).status == "failed", lab.tool.id

        code, out, err = _run(["check", "--tool", "all", "--python", requests_tool.python, "--json",
                               "--timeout", "120"], env, project, store)
        data = json.loads(out)
        assert code == 1, (out, err)
        verdicts = {t["tool"]: t for t in data["tools"]}
        assert verdicts["pip"]["status"] == "ok", verdicts["pip"]
        for name in ("uv", "poetry", "requests"):
            assert verdicts[name]["status"] == "problem", verdicts[name]
            assert verdicts[name]["causes"][0]["id"] == "tool-ignores-os-store", verdicts[name]
        # Negative control for the judge: with uv's own switch set, uv is ok.
        code2, out2, _ = _run(["check", "--tool", "uv", "--json", "--timeout", "120"],
                              dict(env, UV_SYSTEM_CERTS="1"), project, store)
        assert code2 == 0, out2

        ca = _inspection_root(running)
        code, out, err = _run(["fix", "--tool", "all", "--python", requests_tool.python, "--yes", "--json",
                               "--ca-file", ca, "--trust-ca-sha256", _sha(ca), "--timeout", "240"],
                              env, project, store)
        data = json.loads(out)
        assert code == 0 and data["status"] == "fixed" and data["verified"] is True, (data, err)
        assert "SSL_CERT_FILE" not in json.dumps(data["plan"]["changes"])
        fresh = labs[2].new_shell_env()
        assert "SSL_CERT_FILE" not in fresh
        for lab in labs:
            assert lab.request(fresh).status == "ok", lab.tool.id

        code, out, err = _run(["undo", "--json"], env, project, store)
        assert code == 0, (out, err)
        assert home_snapshot(home) == before
        for lab in labs:
            assert lab.request(labs[2].new_shell_env()).status == "failed", lab.tool.id
