"""Beyond pip: each tool's own trust path (issue 12).

pip is not the only client a developer has. uv verifies with rustls and its own
roots unless told ``--system-certs``; Poetry and a requests script use certifi
(or ``REQUESTS_CA_BUNDLE``); httpx reads ``SSL_CERT_FILE``; conda has
``ssl_verify`` in ``.condarc``. ``check --tool X`` resolves X's effective trust,
proxy and index configuration by X's own rules for X's version, makes the
decisive request **with X itself** where it can, and judges the failure with the
same facts check gathers for pip (the presented chain, which stores verify it).

This module is the contract between the parts:

- one module per tool, ``tlsdoctor.tools.<MODULES[name]>``, providing
  ``find``, ``resolve`` and ``request`` (signatures below);
- the frozen values they return (``Found``, ``Setting``, ``Trust``,
  ``Resolved``, ``Request``), which the judge, the renderers and
  ``fix --tool`` read.

Nothing here does I/O; modules are imported only when their tool is asked for.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Mapping, Optional, Tuple

from tlsdoctor.facts import _StrEnum

# ``check --tool`` choices, in the order ``--tool all`` prints them. ``pip`` is
# check's own path (the probe); the others have a module each.
TOOL_NAMES = ("pip", "uv", "poetry", "conda", "requests", "httpx")

# tool name -> module under tlsdoctor.tools (``requests``/``httpx`` get a
# suffix so that the package's own modules never shadow the libraries).
MODULES = {
    "uv": "uv",
    "poetry": "poetry",
    "conda": "conda",
    "requests": "requests_lib",
    "httpx": "httpx_lib",
}


def module(name: str) -> ModuleType:
    """The module for tool ``name`` (imported on first use).

    Each module provides::

        NAME: str
        def find(env: Mapping[str, str], python: Optional[str], deadline: float) -> Optional[Found]
        def resolve(found: Found, env: Mapping[str, str], cwd: str, deadline: float) -> Resolved
        def request(resolved: Resolved, env: Mapping[str, str], deadline: float, workdir: str) -> Request

    ``deadline`` is a ``time.monotonic()`` value: every file read and child
    process the module starts ends by then (``tlsdoctor.tools.run``).
    """
    if name not in MODULES:
        raise KeyError(name)
    return importlib.import_module("tlsdoctor.tools." + MODULES[name])


@dataclass(frozen=True)
class Found:
    """A tool on this machine.

    ``path`` is the executable (uv, poetry, conda) or the interpreter that
    imports the library (requests, httpx); ``python`` is the interpreter the
    tool runs in where that matters (Poetry's own venv, the library's
    interpreter), else None. ``version`` is what the tool itself reported.
    """

    tool: str
    path: Optional[str]
    version: Optional[str]
    python: Optional[str] = None


@dataclass(frozen=True)
class Setting:
    """One configuration value the tool reads, and where it came from.

    ``value`` is already redacted for display (``tlsdoctor.redact``).
    ``source`` says where: ``environment``, a file path, ``--cert``,
    ``default``. ``effective`` is False for a value a higher source overrides
    (shown so the user sees why their edit did nothing).
    """

    name: str
    value: str
    source: str
    effective: bool = True


class TrustKind(_StrEnum):
    BUNDLED = "bundled"  # the tool's own compiled-in roots (uv: webpki-roots)
    CERTIFI = "certifi"  # the certifi bundle of the tool's interpreter
    OS = "os"  # the operating system's store (OpenSSL default paths on Linux)
    FILE = "file"  # a PEM bundle named by a setting (path)
    DIR = "dir"  # a hashed directory named by a setting (path)
    NOTHING = "nothing"  # the tool trusts no CA (uv >= 0.12 with an unloadable SSL_CERT_FILE)
    OFF = "off"  # verification switched off for this host (allow-insecure-host, cert = false, ssl_verify false)


@dataclass(frozen=True)
class Trust:
    """One source of trust anchors the tool uses for the index, in order."""

    kind: TrustKind
    path: Optional[str] = None
    source: str = ""  # the Setting.name that put it there, or "default"


@dataclass(frozen=True)
class Resolved:
    """The tool's effective configuration for its index, by its own rules.

    ``index_url`` is the raw URL the tool will use (needed to make the request;
    redact before display). ``trust`` lists every anchor source the tool will
    verify against; ``warnings`` are things the tool itself would warn about or
    silently do (``SSL_CERT_FILE`` ignored, a value overridden...).
    """

    found: Found
    index_url: str
    settings: Tuple[Setting, ...] = ()
    trust: Tuple[Trust, ...] = ()
    proxy: Optional[str] = None
    client_cert: Optional[str] = None
    warnings: Tuple[str, ...] = ()


class RequestStatus(_StrEnum):
    OK = "ok"  # the tool fetched the index page
    FAILED = "failed"  # the tool ran and could not (output says why)
    COULD_NOT_RUN = "could_not_run"  # no decisive request possible (conda here, tool broken)
    DEADLINE = "deadline"  # killed at check's deadline: "could not tell", never a cause


@dataclass(frozen=True)
class Request:
    """The decisive request, made by the tool itself.

    ``output`` is the tool's own stdout+stderr, redacted and capped; ``argv``
    is the command as shown to the user (redacted). ``detail`` says why for
    ``COULD_NOT_RUN``.
    """

    status: RequestStatus
    argv: Tuple[str, ...] = ()
    exit_code: Optional[int] = None
    output: str = ""
    elapsed: float = 0.0
    detail: str = ""


@dataclass(frozen=True)
class ToolVerdict:
    """What ``check --tool`` concludes for one tool (made by ``tools.judge``).

    ``status`` is check's vocabulary (ok / problem / incomplete); ``causes`` are
    ids from ``tlsdoctor.causes``, most likely first; ``summary`` is the one
    line of the ``--tool all`` table ("uv fails: uv does not use the OS store,
    which trusts your company CA"); ``steps`` are typed ``remedies.Step``s,
    the tool's preferred switch first.
    """

    tool: str
    status: str
    summary: str
    resolved: Optional[Resolved] = None
    request: Optional[Request] = None
    causes: Tuple[str, ...] = ()
    evidence: Tuple[str, ...] = ()
    steps: Tuple[object, ...] = ()
    candidates: Tuple[str, ...] = ()  # causes it could not tell apart
    extra: Mapping[str, object] = field(default_factory=dict)
