"""Every command, subcommand, argument and option says what it is in ``--help``."""

from __future__ import annotations

import argparse
import importlib

from tlsdoctor.cli import COMMANDS, build_parser


def undocumented(parser: argparse.ArgumentParser, path: str = "tlsdoctor"):
    """Where help text is missing, as 'command path: option' strings (recursing into sub-commands)."""
    missing = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                if not helped.get(name):
                    missing.append("%s %s" % (path, name))
                missing += undocumented(sub, "%s %s" % (path, name))
            continue
        if not action.help or action.help == argparse.SUPPRESS:
            missing.append("%s: %s" % (path, "/".join(action.option_strings) or action.dest))
    return missing


def full_parser() -> argparse.ArgumentParser:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, (module, _) in COMMANDS.items():
        importlib.import_module(module).configure(sub.choices[name])
    return parser


def test_every_command_and_option_has_help():
    assert undocumented(full_parser()) == []


def test_the_walker_finds_a_missing_help():
    """Negative control: an option without help, a positional without help, a sub-command without help."""
    parser = argparse.ArgumentParser(prog="x")
    parser.add_argument("--quiet", action="store_true")
    sub = parser.add_subparsers(dest="cmd")
    p = sub.add_parser("show")
    p.add_argument("id")
    assert undocumented(parser, "x") == ["x: --quiet", "x show", "x show: id"]


def test_help_lists_each_command_on_one_line(capsys):
    import pytest

    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    for name, (_, summary) in COMMANDS.items():
        assert [name] + summary.split() in lines, name
