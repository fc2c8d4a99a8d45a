"""Command-line entry point.

Subcommands are registered in ``COMMANDS`` as ``name -> (module, summary)`` and
imported only when used (like pip's ``commands_dict``), so that ``explain`` of
one line does not pay for importing the lab or the check machinery.
Each module provides ``configure(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from typing import Optional, Sequence

from tlsdoctor import __version__, exitcodes

COMMANDS = {
    "check": ("tlsdoctor.check", "inspect this machine and confirm why pip cannot connect"),
    "explain": ("tlsdoctor.explain", "explain a pasted error or log, offline"),
    "fix": ("tlsdoctor.fix.command", "apply what check found, verified and undoable"),
    "undo": ("tlsdoctor.fix.undo_cmd", "take back a fix byte for byte, or list them"),
    "kb": ("tlsdoctor.kb_cli", "list, show, validate and verify the knowledge base"),
    "lab": ("tlsdoctor.lab.cli", "reproduce TLS failures with real pip on loopback"),
    "report": ("tlsdoctor.report", "write a redacted Markdown bug report for an issue tracker"),
    "mcp": ("tlsdoctor.mcp_server", "serve explain, KB lookup and check to coding agents (MCP)"),
}


class _Parser(argparse.ArgumentParser):
    """argparse, but with ``--json``/``--format json`` a usage error is also a JSON object on stdout.

    A program reading our JSON must get an answer it can parse for every
    outcome, usage errors included (exit code 2 either way). Subparsers are
    built with the same class (argparse's default ``parser_class``).
    """

    json_errors = False

    def error(self, message: str):  # type: ignore[override]
        if self.json_errors:
            sys.stdout.write(json.dumps({"status": "usage", "exit_code": exitcodes.USAGE,
                                         "error": "%s: %s" % (self.prog, message)}) + "\n")
            sys.stdout.flush()
        super().error(message)


def wants_json(argv: Sequence[str]) -> bool:
    for i, a in enumerate(argv):
        if a == "--json" or a == "--format=json" or (a == "--format" and argv[i + 1:i + 2] == ["json"]):
            return True
    return False


def build_parser(json_errors: bool = False) -> argparse.ArgumentParser:
    parser_class = type("_JsonParser", (_Parser,), {"json_errors": True}) if json_errors else _Parser
    parser = parser_class(
        prog="tlsdoctor",
        description="Find out why pip cannot make a secure connection.",
    )
    parser.add_argument("--version", action="version", version="tlsdoctor " + __version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        p = sub.add_parser(name, help=summary, description=summary)
        p.set_defaults(_module=module_name)
        # Only the chosen command's module is imported (see main()); the
        # others get their options when they are the one asked for.
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    # When the command began: check's --timeout covers argument parsing and imports too.
    started = time.monotonic()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(json_errors=wants_json(argv))
    # Find the subcommand before full parsing so that only its module is imported.
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in COMMANDS:
        module = importlib.import_module(COMMANDS[command][0])
        sub_action = next(
            a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
        )
        module.configure(sub_action.choices[command])
    args = parser.parse_args(argv)
    if not getattr(args, "_module", None):
        parser.print_help()
        return exitcodes.USAGE
    module = importlib.import_module(args._module)
    args._started = started
    try:
        return int(module.run(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `tlsdoctor lab list | head` must not end in a traceback.
        return exitcodes.OK
