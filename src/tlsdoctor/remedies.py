"""Remedies as data: the typed steps of a diagnosis' fix.

A rule's fix is a tuple of ``Step``: what kind of change (run a command, set
or unset one pip config value or environment variable, add a CA, a change on
the server, a manual step), the exact argv or file + key + value, the scope it
changes, the explanation, whether it needs root and whether ``tlsdoctor fix``
can apply and undo it. ``check`` renders ``Step.text()`` (a command line, then
its explanation); ``--json`` gives the fields; ``fix`` executes them.

Never built here or by a rule: ``trusted-host``, ``verify = false``, an
``http://`` index, or a bundle holding only the one new CA
(``tests/rules/test_remedies.py`` runs every rule over every recording to
hold that).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from tlsdoctor.facts import _StrEnum  # one str-enum that prints as its value


class StepKind(_StrEnum):
    RUN = "run"  # a command: argv
    SET_CONFIG = "set_config"  # one pip config value: file (the one that wins), key "section.name", value
    UNSET_CONFIG = "unset_config"
    SET_ENV = "set_env"  # key = the variable's name, value; source = where it is set today
    UNSET_ENV = "unset_env"
    # one key of a tool's own TOML config (uv.toml, Poetry's config.toml): file, dotted key,
    # value ("true"/"false" are TOML booleans, else a string), source = the tool's name
    SET_TOOL_CONFIG = "set_tool_config"
    UNSET_TOOL_CONFIG = "unset_tool_config"
    ADD_CA = "add_ca"  # value = the CA file; file = the bundle or trust anchor it goes to
    SERVER = "server"  # a change only the server's operators can make
    MANUAL = "manual"  # a step a person has to take (get a certificate, connect a VPN...)


class Scope(_StrEnum):
    INTERPRETER = "interpreter"  # this Python / this pip only
    USER = "user"  # this user's files and shell
    SYSTEM = "system"  # the machine (root)
    SERVER = "server"  # not this machine at all


@dataclass(frozen=True)
class Step:
    kind: StepKind
    explanation: str
    scope: Scope
    argv: Tuple[str, ...] = ()
    file: Optional[str] = None
    key: Optional[str] = None
    value: Optional[str] = None
    source: Optional[str] = None
    needs_root: bool = False
    automatic: bool = False
    weakens_security: bool = False
    ca_sha256: Optional[str] = None

    def command(self) -> str:
        """The shell line a person would type for this step ("" for server and manual steps)."""
        k = self.kind
        if k is StepKind.SET_ENV:
            return "export %s=%s" % (self.key, shell_quote(self.value or ""))
        if k is StepKind.UNSET_ENV:
            return "unset %s" % self.key
        if k is StepKind.ADD_CA and self.argv:
            if self.scope is Scope.USER and self.file:
                # A bundle = the inputs concatenated (public roots first, then the new CA).
                return "%s > %s" % (shell_join(self.argv), shell_quote(self.file))
            if self.value and self.value not in self.argv and self.file:
                # An OS trust anchor: copy it in place, then refresh the store.
                return "sudo cp %s %s && %s" % (shell_quote(self.value), shell_quote(self.file), shell_join(self.argv))
        return shell_join(self.argv) if self.argv else ""

    def text(self) -> str:
        """The one line check shows: the command, then why; or only the explanation."""
        cmd = self.command()
        if not cmd:
            return self.explanation
        return "%s   (%s)" % (cmd, self.explanation) if self.explanation else cmd

    def to_json(self) -> Dict[str, Any]:
        return {
            "kind": self.kind.value, "argv": list(self.argv), "file": self.file, "key": self.key,
            "value": self.value, "scope": self.scope.value, "explanation": self.explanation,
            "needs_root": self.needs_root, "automatic": self.automatic, "weakens_security": self.weakens_security,
            "source": self.source, "ca_sha256": self.ca_sha256, "text": self.text(),
        }


def shell_quote(s: str) -> str:
    """shlex.quote, except a leading ``~/`` stays outside the quotes so the shell still expands it."""
    if s.startswith("~/") and len(s) > 2:
        return "~/" + shlex.quote(s[2:])
    return shlex.quote(s)


def shell_join(argv: Tuple[str, ...]) -> str:
    return " ".join(shell_quote(a) for a in argv)


# ---------------------------------------------------------------- constructors (keep the rules short)

def run(argv: Tuple[str, ...], explanation: str = "", scope: Scope = Scope.INTERPRETER,
        needs_root: bool = False) -> Step:
    return Step(StepKind.RUN, explanation, scope, argv=tuple(argv), needs_root=needs_root)


def server(explanation: str) -> Step:
    return Step(StepKind.SERVER, explanation, Scope.SERVER)


def manual(explanation: str, scope: Scope = Scope.USER) -> Step:
    return Step(StepKind.MANUAL, explanation, scope)


def set_env(name: str, value: str, explanation: str = "", source: Optional[str] = None,
            automatic: bool = True) -> Step:
    """``export name=value``; ``automatic=False`` for a value only the user knows (a
    placeholder such as ``http://PROXY:PORT``): shown as the command, never written by fix."""
    return Step(StepKind.SET_ENV, explanation, Scope.USER, key=name, value=value, source=source,
                automatic=automatic)


def unset_env(name: str, explanation: str = "", source: Optional[str] = None) -> Step:
    return Step(StepKind.UNSET_ENV, explanation, Scope.USER, key=name, source=source, automatic=True)


def set_config(pip: Tuple[str, ...], key: str, value: str, explanation: str = "", file: Optional[str] = None,
               source: Optional[str] = None) -> Step:
    """``pip config set key value`` (``pip`` is the argv that runs this interpreter's pip)."""
    return Step(StepKind.SET_CONFIG, explanation, Scope.USER, argv=tuple(pip) + ("config", "set", key, value),
                file=file, key=key, value=value, source=source, automatic=True)


def unset_config(pip: Tuple[str, ...], key: str, explanation: str = "", file: Optional[str] = None,
                 source: Optional[str] = None) -> Step:
    return Step(StepKind.UNSET_CONFIG, explanation, Scope.USER, argv=tuple(pip) + ("config", "unset", key),
                file=file, key=key, source=source, automatic=True)


def set_tool_config(tool: str, file: str, key: str, value: str, explanation: str = "",
                    argv: Tuple[str, ...] = ()) -> Step:
    """``key = value`` in ``tool``'s TOML config ``file`` (argv: the tool's own command for it, if any)."""
    return Step(StepKind.SET_TOOL_CONFIG, explanation, Scope.USER, argv=tuple(argv), file=file, key=key,
                value=value, source=tool, automatic=True)


def unset_tool_config(tool: str, file: str, key: str, explanation: str = "", argv: Tuple[str, ...] = ()) -> Step:
    return Step(StepKind.UNSET_TOOL_CONFIG, explanation, Scope.USER, argv=tuple(argv), file=file, key=key,
                source=tool, automatic=True)


def add_ca_bundle(inputs: Tuple[str, ...], new_ca: str, bundle: str, explanation: str,
                  ca_sha256: Optional[str] = None) -> Step:
    """A bundle of ``inputs`` (what pip trusts now, public roots) plus ``new_ca``: never the CA alone."""
    return Step(StepKind.ADD_CA, explanation, Scope.USER, argv=("cat",) + tuple(inputs) + (new_ca,), file=bundle,
                value=new_ca, automatic=True, ca_sha256=ca_sha256)


def add_ca_system(new_ca: str, anchor: str, refresh: Tuple[str, ...], explanation: str,
                  ca_sha256: Optional[str] = None) -> Step:
    """The CA into the operating system's store (root; never applied by tlsdoctor unasked)."""
    return Step(StepKind.ADD_CA, explanation, Scope.SYSTEM, argv=tuple(refresh), file=anchor, value=new_ca,
                needs_root=True, ca_sha256=ca_sha256)
