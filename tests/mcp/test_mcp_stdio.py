"""``tlsdoctor mcp`` over a real stdio session, driven by the MCP SDK's own client.

The server is started as a subprocess (``python -m tlsdoctor mcp``) by
``mcp.client.stdio.stdio_client``; ``ClientSession`` initializes, lists the
tools and calls each one. ``check`` runs against a lab scenario on loopback
(expired certificate), so its answer is a real diagnosis. Skipped only when the
SDK is not installed (it needs Python >= 3.10).
"""

from __future__ import annotations

import json
import os
import sys

import pytest

mcp = pytest.importorskip("mcp")
anyio = pytest.importorskip("anyio")
from mcp import ClientSession  # noqa: E402
from mcp.client.stdio import StdioServerParameters, stdio_client  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPIRED = ("pip._vendor.urllib3.exceptions.SSLError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
           "certificate has expired (_ssl.c:1006)")


def server_params(env):
    env = dict(env, PYTHONPATH=os.path.join(ROOT, "src"))
    return StdioServerParameters(command=sys.executable, args=["-m", "tlsdoctor", "mcp"], env=env)


def text_of(result):
    assert not result.isError if hasattr(result, "isError") else not result.is_error
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


async def session_calls(env, calls):
    """Open one stdio session, list the tools, make each call; return (tool names, [result text])."""
    out = []
    async with stdio_client(server_params(env)) as streams:
        read, write = streams[0], streams[1]
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = await session.list_tools()
            for name, arguments in calls:
                out.append(text_of(await session.call_tool(name, arguments)))
    return sorted(t.name for t in tools.tools), tools.tools, out


def run(env, calls):
    return anyio.run(session_calls, env, calls)


def test_explain_and_kb_lookup_over_stdio():
    names, tools, (explained, unrelated, by_id, by_words, by_line, no_python) = run(dict(os.environ), [
        ("explain", {"text": EXPLAINED_TEXT}),
        ("explain", {"text": "Successfully installed six-1.16.0"}),
        ("kb_lookup", {"query": "pip/ssl-cert-verify-expired"}),
        ("kb_lookup", {"query": "proxy 407"}),
        ("kb_lookup", {"query": EXPIRED}),
        ("check", {"python": "/nonexistent/python"}),
    ])
    assert names == ["check", "explain", "kb_lookup"]
    for tool in tools:
        ann = tool.annotations
        if ann is not None:  # mcp >= 1.9 carries them
            assert (getattr(ann, "read_only_hint", None) or getattr(ann, "readOnlyHint", None)) is True
    # explain: the same JSON as `tlsdoctor explain --json`.
    from tlsdoctor.explain import explain_text

    data = json.loads(explained)
    assert [m["id"] for m in data["matches"]] == [m["id"] for m in explain_text(EXPLAINED_TEXT)["matches"]]
    assert data["matches"][0]["id"] == "pip/ssl-cert-verify-expired"
    # Negative control: no TLS failure, no match.
    assert json.loads(unrelated)["matches"] == []
    assert json.loads(by_id)["entry"]["id"] == "pip/ssl-cert-verify-expired"
    assert "pip/proxy-tunnel-407" in [m["id"] for m in json.loads(by_words)["matches"]]
    assert json.loads(by_line)["matches"][0]["id"] == "pip/ssl-cert-verify-expired"
    # check's usage error is an answer too, not a crashed tool.
    assert json.loads(no_python)["status"] == "usage"


EXPLAINED_TEXT = "WARNING: Retrying ... " + EXPIRED


@pytest.mark.lab
def test_check_over_stdio(tmp_path):
    scenarios = pytest.importorskip("tlsdoctor.lab.scenarios")
    from tlsdoctor.lab import clients

    try:
        client = clients.ensure("3.11", "23.2.1")
    except Exception as exc:
        pytest.skip("client unavailable: %s" % exc)
    results = {}
    for name in ("expired-cert", "healthy-direct"):
        with scenarios.get(name).start(str(tmp_path / name)) as running:
            env = clients.client_environ(client, running.env)
            _, _, (out,) = run(env, [("check", {"python": client.python, "timeout": 20})])
        results[name] = json.loads(out)
    assert results["expired-cert"]["status"] == "problem"
    assert results["expired-cert"]["diagnoses"][0]["cause"] == "cert-expired"
    # Negative control: a healthy index gives no diagnosis.
    assert results["healthy-direct"]["status"] == "ok" and results["healthy-direct"]["diagnoses"] == []


def test_without_the_sdk_the_command_says_what_to_install(tmp_path):
    """`tlsdoctor mcp` from an interpreter without the SDK: a message and exit 3, no traceback."""
    import subprocess

    # -S: no site-packages, so the SDK installed for these tests is out of reach.
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "src"))
    proc = subprocess.run([sys.executable, "-S", "-m", "tlsdoctor", "mcp"], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    err = proc.stderr.decode()
    assert proc.returncode == 3 and "tlsdoctor[mcp]" in err and "Traceback" not in err
