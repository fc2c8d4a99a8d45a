"""``tlsdoctor mcp``: explain, KB lookup and a read-only check for coding agents, over MCP (stdio).

Coding agents run pip all day and meet these errors constantly; this gives
them the same answers a user gets, as tools of a Model Context Protocol
server on standard input/output:

- ``explain(text)``: the JSON ``tlsdoctor explain --json`` gives for the text.
- ``kb_lookup(query)``: one KB entry by id (``pip/ssl-cert-verify-expired``),
  else the entries whose words or regex match the query (an error line works).
- ``check(python, index_url, timeout)``: the JSON ``tlsdoctor check --json``
  gives. Read-only: check only looks (it runs the probe and connects to the
  configured index); it never changes a file, a setting or the trust store.

Needs the optional extra ``mcp`` (the official MCP Python SDK, which needs
Python >= 3.10); the core stays stdlib-only, so the SDK is imported only here,
only when the command runs. Standard output is the protocol channel: nothing
else may print there.
"""

import argparse
import json
import re
import sys
from typing import Optional

from tlsdoctor import exitcodes

NAME = "tlsdoctor"
MAX_CHECK_TIMEOUT = 60.0
MAX_SEARCH_RESULTS = 10
INSTRUCTIONS = (
    "tlsdoctor finds out why pip cannot make a secure connection (SSL/TLS, certificates, proxies). "
    "Use `explain` on pip's error output, `kb_lookup` for a known error's causes, dead ends and fixes, "
    "and `check` to probe this machine the way pip connects (read-only)."
)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Serve explain, KB lookup and a read-only check to coding agents over the Model Context Protocol "
        "on standard input/output (needs the [mcp] extra)."
    )


def run(args: argparse.Namespace) -> int:
    try:
        server = build_server()
    except ImportError as exc:
        sys.stderr.write(
            "tlsdoctor mcp needs the MCP Python SDK (Python >= 3.10): python3 -m pip install 'tlsdoctor[mcp]'\n"
            "(%s)\n" % exc)
        return exitcodes.INCOMPLETE
    server.run()  # stdio until the client closes it
    return exitcodes.OK


# ----------------------------------------------------------------------------- the tools' work (no SDK needed)

def explain_json(text: str) -> str:
    from tlsdoctor.explain import explain_text
    from tlsdoctor.render.explain import render

    return render(explain_text(text), fmt="json")


def kb_lookup_json(query: str) -> str:
    """The entry with this id, or a ranked list of entries the query matches."""
    from tlsdoctor.kb import get_entry, load_entries, public

    query = (query or "").strip()
    entry = get_entry(query)
    if entry is not None:
        return json.dumps({"query": query, "entry": public(entry)}, ensure_ascii=False, indent=2)
    words = [w for w in re.split(r"\s+", query.lower()) if w]
    hits = []
    for e in load_entries():
        by_regex = False
        try:
            by_regex = bool(query) and re.search(e["regex"], query) is not None
        except re.error:  # kb validate keeps the regexes valid; never let one break the lookup
            pass
        hay = " ".join([e.get("id", ""), e.get("signature", ""), " ".join(e.get("aliases") or []),
                        " ".join(e.get("causes") or []), e.get("root_cause", "")]).lower()
        if by_regex or (words and all(w in hay for w in words)):
            # An entry whose regex matches the text first, the most specific
            # first (as explain ranks: "certificate has expired" over the
            # generic "certificate verify failed"), then by words found.
            hits.append(((-int(by_regex), -int(e.get("specificity") or 0), -sum(w in hay for w in words)), e["id"], e))
    hits.sort(key=lambda h: (h[0], h[1]))
    found = [{"id": e["id"], "signature": e["signature"], "causes": e["causes"],
              "verification_tier": e["verification_tier"], "root_cause": e["root_cause"]}
             for _, _, e in hits[:MAX_SEARCH_RESULTS]]
    return json.dumps({"query": query, "matches": found, "more": max(0, len(hits) - MAX_SEARCH_RESULTS),
                       "hint": "kb_lookup with an id from matches gives the whole entry"},
                      ensure_ascii=False, indent=2)


def check_json(python: Optional[str] = None, index_url: Optional[str] = None, timeout: float = 10.0) -> str:
    from tlsdoctor import check
    from tlsdoctor.render import check as render

    from tlsdoctor.report import collect_check

    timeout = min(max(float(timeout), 0.5), MAX_CHECK_TIMEOUT)
    report = collect_check(check, signals=False, python=python or None, index_url=index_url or None, timeout=timeout)
    if report.status == "usage":
        return json.dumps({"status": "usage", "error": render.redact(str(report.error or ""))})
    return render.render(report, fmt="json")


# ----------------------------------------------------------------------------- the MCP server

def build_server():
    """The MCP server with the three tools (raises ImportError without the SDK)."""
    import anyio  # a dependency of the SDK: blocking work runs in a worker thread

    try:
        from mcp.server.mcpserver import MCPServer as Server  # mcp >= 2
    except ImportError:
        from mcp.server.fastmcp import FastMCP as Server  # mcp 1.x
    from mcp import types

    try:
        server = Server(NAME, instructions=INSTRUCTIONS)
    except TypeError:  # mcp 1.2: no instructions
        server = Server(NAME)

    async def explain(text: str) -> str:
        """Explain pip's (or uv's, conda's) TLS/proxy error output: matched KB entries, ranked causes,
        what not to try, what works. Offline. Returns tlsdoctor explain's JSON."""
        return await anyio.to_thread.run_sync(explain_json, text)

    async def kb_lookup(query: str) -> str:
        """Look up tlsdoctor's knowledge base: an entry id (e.g. pip/ssl-cert-verify-expired) gives the whole
        entry; any other text (words or an error line) gives the matching entries."""
        return await anyio.to_thread.run_sync(kb_lookup_json, query)

    async def check(python: Optional[str] = None, index_url: Optional[str] = None, timeout: float = 10.0) -> str:
        """Probe this machine the way pip connects and name the cause, with evidence and the fix. Read-only: it
        changes nothing. python: the interpreter whose pip to check (default: the one behind `pip` on PATH);
        index_url: check this index instead of pip's configured one; timeout: seconds (at most 60).
        Returns tlsdoctor check's JSON."""
        return await anyio.to_thread.run_sync(check_json, python, index_url, timeout)

    for fn, read_only_world in ((explain, False), (kb_lookup, False), (check, True)):
        kwargs = {"name": fn.__name__, "description": fn.__doc__}
        ann = _annotations(types, open_world=read_only_world)
        if ann is not None:
            kwargs["annotations"] = ann
        try:
            server.add_tool(fn, **kwargs)
        except TypeError:  # mcp 1.2-1.8: no annotations
            kwargs.pop("annotations", None)
            server.add_tool(fn, **kwargs)
    return server


def _annotations(types, open_world: bool):
    """Every tool is read-only; only check talks to the network (open world)."""
    cls = getattr(types, "ToolAnnotations", None)
    if cls is None:
        return None
    for kw in ({"read_only_hint": True, "destructive_hint": False, "open_world_hint": open_world},
               {"readOnlyHint": True, "destructiveHint": False, "openWorldHint": open_world}):
        try:
            ann = cls(**kw)
        except Exception:
            continue
        if getattr(ann, "read_only_hint", None) is True or getattr(ann, "readOnlyHint", None) is True:
            return ann
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.Namespace()))
