"""What the lab tests share (``tests/check``, ``tests/pyz``, ``tests/tools``, ``tests/fix``).

A lab client, tool or scenario this machine cannot provide skips the test that needs it (a build
that fails still fails: ``clients.ensure`` raises ``ClientUnavailable`` only for what is missing
here). The lab's modules are imported when first used, so a test file that guards them with
``pytest.importorskip`` still skips cleanly without the ``[lab]`` extra.

It lives in ``tests/`` (on ``sys.path``: pytest's default "prepend" import mode puts the rootdir
conftest's folder there), as ``tests/probe/probe_support.py`` does for the probe tests.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess

import pytest

# The pip whose interpreter runs check's probe in the tool tests (``check --tool X --python``).
TOOLS_PIP = ("3.13", "26.3")


def lab_client(py, pip):
    """The lab's pip ``pip`` on Python ``py`` (``clients.ensure``), or a skip when it cannot exist here."""
    from tlsdoctor.lab import clients

    try:
        return clients.ensure(py, pip)
    except clients.ClientUnavailable as exc:  # no such interpreter here (a build failure fails)
        pytest.skip("client %s/pip %s unavailable: %s" % (py, pip, exc))


def lab_tool(tid):
    """The cached lab tool ``tid`` (``lab.tools.get``: a uv binary, a Poetry or requests venv), or a skip."""
    from tlsdoctor.lab import clients, tools

    try:
        return tools.get(tid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))


@contextlib.contextmanager
def started(scenario, workdir):
    """``scenario`` served under ``workdir`` for the ``with`` body, or a skip when it cannot start here
    (``ScenarioUnavailable``: faketime, a namespace …). Only the start is guarded: a failure inside the body is
    the test's, and the scenario is stopped whatever happens."""
    from tlsdoctor.lab import scenarios

    try:
        ctx = scenario.start(workdir)
        running = ctx.__enter__()
    except scenarios.ScenarioUnavailable as exc:
        pytest.skip(str(exc))
    try:
        yield running
    finally:
        ctx.__exit__(None, None, None)


def matrix_cells(names, tids, ci_names):
    """One ``pytest.param(name, tid)`` per scenario x tool, id ``<name>-<tid>``; only the cells of ``ci_names``
    run in CI, the rest are marked ``matrix`` (``-m "matrix or not matrix"``)."""
    out = []
    for name in names:
        for tid in tids:
            marks = [] if name in ci_names else [pytest.mark.matrix]
            out.append(pytest.param(name, tid, marks=marks, id="%s-%s" % (name, tid)))
    return out


# Emulating the OS trust store (``tlsdoctor.lab.tools.os_store_argv``): a private mount namespace with a
# lab directory bound over /etc/ssl/certs.
needs_mount_ns = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("unshare") is None
    or not os.path.isdir("/etc/ssl/certs"),
    reason="emulating the OS store needs root, unshare(1) and a Debian-style /etc/ssl/certs",
)


def os_store_works() -> bool:
    """Whether this machine lets ``os_store_argv`` run a command (root alone is not enough in some containers)."""
    from tlsdoctor.lab import tools

    try:
        return subprocess.run(tools.os_store_argv(["true"], "/tmp"), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=30).returncode == 0
    except OSError:
        return False


def home_snapshot(home, tool_data=("uv",)):
    """Every file under HOME except the journal (``state``), caches and the named tools' data under
    ``~/.local/share`` (uv keeps a credentials lock there): path -> bytes. ``undo`` must restore the rest."""
    out = {}
    for root, dirs, files in os.walk(home):
        dirs[:] = [d for d in dirs if d not in (".cache", "state") and
                   not (d in tool_data and os.path.basename(root) == "share")]
        for name in files:
            p = os.path.join(root, name)
            with open(p, "rb") as f:
                out[os.path.relpath(p, home)] = f.read()
    return out
