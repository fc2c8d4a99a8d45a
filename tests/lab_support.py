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
