"""``tlsdoctor undo [--list] [--json] [--force] [ID | last]``.

Registered by the integrator in ``tlsdoctor.cli.COMMANDS`` through
``tlsdoctor.fix.undo_cmd`` (``configure``/``run``, the registry's contract);
``undo_main(argv)`` runs it standalone. Exit codes (the project's): 0 undone, already
undone, nothing to undo, or listed; 1 refused because a file changed since (the diff
is shown; ``--force`` overrides); 2 usage (unknown id); 3 the journal could not be
used (locked by another run, a backup that does not match its hash).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional, Sequence, TextIO

from tlsdoctor import exitcodes
from tlsdoctor.fix._redact import redact_text
from tlsdoctor.fix.journal import Journal, JournalError, UndoResult
from tlsdoctor.messages import M, Msg


def configure_undo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", nargs="?", default="last", metavar="ID|last",
                        help="the transaction to take back (default: last; `--list` shows ids)")
    parser.add_argument("--list", action="store_true", help="list the journal's transactions")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--force", action="store_true",
                        help="restore the old bytes even over files changed since (those edits are lost)")
    parser.add_argument("--state-dir", default=None, metavar="DIR",
                        help="the journal's directory (default: $XDG_STATE_HOME/tlsdoctor)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en",
                        help="language of the text output (--json stays English)")


def _print(out: TextIO, text: str, lang: str = "en") -> None:
    if lang == "zh" and isinstance(text, Msg):
        from tlsdoctor.render import zh

        text = zh.tr(text)
    out.write(redact_text(text) + "\n")


def _print_list(out: TextIO, journal: Journal, as_json: bool, lang: str = "en") -> None:
    items = journal.list_transactions()
    if as_json:
        _print(out, json.dumps({"journal": journal.directory, "transactions": items}))
        return
    if not items:
        _print(out, M("journal.nothing_applied", "no fix has been applied (journal %s)", journal.directory), lang)
    for t in items:
        desc = (t["description"] or "").splitlines()[0] if t["description"] else ""
        _print(out, "%s  %-11s  %s" % (t["id"], t["status"], desc))
        for f in t["files"]:
            _print(out, M("undo.file", "    %s%s", f["path"], M("undo.created", " (created)") if f["created"] else ""),
                   lang)


def _print_error(out: TextIO, message: str, as_json: bool, lang: str = "en") -> None:
    _print(out, json.dumps({"status": "error", "message": message}) if as_json else
           M("undo.error", "tlsdoctor undo: %s", message), lang)


def _print_result(out: TextIO, result: UndoResult, as_json: bool, lang: str = "en") -> None:
    if as_json:
        _print(out, json.dumps(result.to_json()))
        return
    _print(out, result.message, lang)
    for p in result.restored:
        _print(out, M("undo.restored", "  restored %s", p), lang)
    for p in result.removed:
        _print(out, M("undo.removed", "  removed  %s (tlsdoctor had created it)", p), lang)
    for c in result.conflicts:
        _print(out, M("undo.conflict", "  %s: %s", c.path, c.reason), lang)
        if c.diff:
            out.write(c.diff if c.diff.endswith("\n") else c.diff + "\n")  # already redacted


def run_undo(args: argparse.Namespace, out: Optional[TextIO] = None) -> int:
    out = out or sys.stdout
    lang = getattr(args, "lang", "en") or "en"
    journal = Journal(args.state_dir)
    try:
        if args.list:
            _print_list(out, journal, args.json, lang)
            return exitcodes.OK
        result = journal.undo(args.target, force=args.force)
    except OSError as exc:  # a journaled path is now a directory, unreadable...
        _print_error(out, M("undo.could_not_complete", "could not complete: %s", exc), args.json, lang)
        return exitcodes.INCOMPLETE
    except JournalError as exc:
        unknown = str(exc).startswith(("no transaction", "not a transaction")) or "matches several" in str(exc)
        # (the message itself, not str(exc): a message keeps its id for --lang zh)
        message = exc.args[0] if exc.args and isinstance(exc.args[0], Msg) else str(exc)
        _print_error(out, message, args.json, lang)
        return exitcodes.USAGE if unknown else exitcodes.INCOMPLETE
    _print_result(out, result, args.json, lang)
    return exitcodes.OK if result.ok else exitcodes.PROBLEM


def undo_main(argv: Optional[Sequence[str]] = None, out: Optional[TextIO] = None) -> int:
    parser = argparse.ArgumentParser(prog="tlsdoctor undo", description="take back a tlsdoctor fix")
    configure_undo(parser)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    return run_undo(args, out)


__all__: List[str] = ["configure_undo", "run_undo", "undo_main"]
