"""``tlsdoctor check``: look at the real machine and the real network path, the way pip would.

Flow: :func:`choose_target` (the interpreter behind ``pip`` on PATH, or
``--python``) -> :func:`run_probes` (the probe inside it: facts, pip's own
resolved options, pip's own request, handshake variants) -> :func:`judge`
(``Facts`` -> ``rules`` -> a :class:`Status` decided from typed
:class:`Incomplete` kinds) -> render.

``--timeout`` is a hard bound on the whole command: finding the target
(reading ``pip``'s ``#!`` line, ``pip --version``), the checker's own
``import ssl`` (run in a child: an ``OPENSSL_CONF`` naming a FIFO blocks
OpenSSL's initialisation forever) and both probes all run under one deadline;
every process runs in its own process group, killed as a group at the
deadline, on SIGINT/SIGTERM and at exit (``probe.cleanup``).

This module imports no ``ssl``: check must run when tlsdoctor's own
interpreter cannot import it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import stat
import sys
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, List, Optional, Tuple

from tlsdoctor import exitcodes
from tlsdoctor.messages import J, M

# What --timeout cannot go below: tlsdoctor's own start-up (~0.1 s) and
# writing its report. Measured on the 2-CPU development machine:
# `--timeout 0.001` returns (exit 3, "did not finish") in 0.17-0.28 s.
TIMEOUT_FLOOR_NOTE = ("below about 0.3 s nothing is measured: tlsdoctor's own start-up and report "
                      "take that much, so --timeout 0.001 returns in about 0.2-0.3 s")


class Status(str, Enum):
    """check's outcome; a str-enum, so ``report.status == "ok"`` keeps working."""

    OK = "ok"
    PROBLEM = "problem"
    INCOMPLETE = "incomplete"
    USAGE = "usage"

    def __str__(self) -> str:
        return self.value


class IncompleteKind(str, Enum):
    """Why (part of) the check could not conclude."""

    DEADLINE = "deadline"  # a deciding measurement did not finish in time
    COULD_NOT_RUN = "could_not_run"  # pip's request could not be made
    NO_RULE = "no_rule"  # pip fails and no rule recognises why
    PIP_MISSING = "pip_missing"  # pip cannot be imported in the target
    PIP_CONFIG = "pip_config"  # pip cannot load its configuration: it will not run
    PROBE_BUG = "probe_bug"  # the probe (or tlsdoctor) failed: not a finding about the machine
    PROBE_OUTPUT = "probe_output"  # what the target printed is not the probe's answer
    INTERPRETER = "interpreter"  # the target interpreter cannot start (in pip's environment)
    UNDECIDED = "undecided"  # findings that are not pip's, or causes that could not be separated

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Incomplete:
    """One thing check could not conclude: a kind to decide on, a detail to show (already redacted)."""

    kind: IncompleteKind
    detail: str
    candidates: Tuple[str, ...] = ()  # cause ids it could not separate ("could not tell")

    def __str__(self) -> str:
        return self.detail


STATUS_EXIT = {Status.OK: exitcodes.OK, Status.PROBLEM: exitcodes.PROBLEM, Status.INCOMPLETE: exitcodes.INCOMPLETE,
               Status.USAGE: exitcodes.USAGE}

# When one of these is said, pip does not get as far as the network with
# this interpreter: findings of the probe's own stdlib connections cannot be
# the verdict about pip.
PIP_CANNOT_RUN = (IncompleteKind.INTERPRETER, IncompleteKind.PIP_MISSING)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="PY",
                        help="the interpreter whose pip to check (default: the one behind `pip` on PATH)")
    parser.add_argument("--index-url", metavar="URL", type=_index_url,
                        help="check this index instead of pip's configured one (like pip --index-url; "
                             "http://, https:// or file://)")
    parser.add_argument("--second-host", metavar="HOST[:PORT]", default=os.environ.get("TLSDOCTOR_SECOND_HOST"),
                        help="when a proxy is used and the index fails, also reach this host through the same proxy "
                             "(tells an intercepting proxy where going direct is impossible; "
                             "default: $TLSDOCTOR_SECOND_HOST, else only pip's own other hosts)")
    parser.add_argument("--timeout", metavar="S", type=_positive, default=10.0,
                        help="hard bound in seconds on the whole command, local work included (default: 10; "
                             + TIMEOUT_FLOOR_NOTE + ")")
    parser.add_argument("--json", action="store_const", const="json", dest="format",
                        help="machine-readable output (same as --format json)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default=None,
                        help="output format (default: text)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the text output")
    # Issue 12: another client's own trust path (tlsdoctor.tools); pip stays this module's own check.
    parser.add_argument("--tool", choices=("pip", "uv", "poetry", "conda", "requests", "httpx", "all"), default="pip",
                        help="check this client's own configuration and request (default: pip); "
                             "all: every tool found, one table")


def _positive(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number: %r" % value)
    if not (0 < v <= 3600):
        raise argparse.ArgumentTypeError("must be between 0 and 3600 seconds")
    return v


def _index_url(value: str) -> str:
    """An index URL pip could use: http(s) with a host, or file: with a path."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as exc:  # e.g. a bad port or IPv6 literal
        raise argparse.ArgumentTypeError("not a URL: %s" % exc)
    if parts.scheme in ("http", "https") and host:
        return value
    if parts.scheme == "file" and parts.path:
        return value
    raise argparse.ArgumentTypeError("not an index URL (http://HOST/…, https://HOST/… or file:///PATH)")


@dataclass
class Report:
    """Everything the renderers need."""

    status: Status
    python: Optional[str]
    how: str
    facts: object = None  # tlsdoctor.facts.Facts
    diagnoses: tuple = ()
    rule_errors: tuple = ()
    incomplete: List[Incomplete] = field(default_factory=list)
    error: Optional[Incomplete] = None  # the probe could not run at all (str() gives the detail)
    elapsed: float = 0.0
    deadline: float = 0.0
    raw: Dict[str, object] = field(default_factory=dict)  # the probes' JSON, for recordings
    # What the target printed on stdout besides the probe's JSON (a
    # sitecustomize, a .pth file): evidence, already redacted and truncated.
    target_noise: str = ""

    @property
    def exit_code(self) -> int:
        return STATUS_EXIT[Status(self.status)]


def run(args: argparse.Namespace) -> int:
    if getattr(args, "tool", "pip") != "pip":
        from tlsdoctor.tools import checktool

        return checktool.run(args)
    fmt = args.format or "text"
    progress = _Progress(enabled=(fmt == "text" and sys.stderr.isatty()))
    previous = _install_signal_handlers()
    try:
        report = collect(python=args.python, index_url=args.index_url, timeout=args.timeout, progress=progress,
                         second_host=args.second_host, started=getattr(args, "_started", None))
    finally:
        from tlsdoctor import probe

        probe.cleanup()
        _restore_signal_handlers(previous)
        progress.stop()
    if report.status == Status.USAGE:
        usage_error("check", str(report.error), fmt == "json")
        return exitcodes.USAGE
    from tlsdoctor.render import check as render

    out = render.render(report, fmt=fmt, lang=args.lang)
    _write(out if out.endswith("\n") else out + "\n")
    return report.exit_code


def usage_error(command: str, message: str, as_json: bool) -> None:
    """A usage error: always on stderr; with --json also as a JSON object on stdout (never nothing)."""
    sys.stderr.write("tlsdoctor %s: error: %s\n" % (command, message))
    if as_json:
        _write(json.dumps({"status": "usage", "exit_code": exitcodes.USAGE, "error": message}) + "\n")


def _install_signal_handlers() -> Dict[int, object]:
    """SIGINT/SIGTERM end the probes' process groups first, then check (restored afterwards)."""
    from tlsdoctor import probe

    def handler(signum, frame):
        probe.shutdown()
        # SystemExit for SIGINT too (exit 130), never KeyboardInterrupt: the
        # handler runs wherever the main thread is, and a KeyboardInterrupt
        # that passes through a string ``exec`` (dataclasses builds every
        # ``__init__`` that way, so importing a module with a dataclass is
        # enough) sets CPython's "unhandled KeyboardInterrupt" flag in
        # run_eval_code_obj (Python/pythonrun.c); Py_RunMain then kills the
        # process with SIGINT at exit even though cli.main caught it, and the
        # caller sees -2, not 130. Seen with the rule modules imported while
        # the probes run (tests/hostile/test_deadlines.py, 8 of 40 under load).
        raise SystemExit(128 + signum)

    previous: Dict[int, object] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread (an embedding caller): the atexit hook remains
            pass
    return previous


def _restore_signal_handlers(previous: Dict[int, object]) -> None:
    for sig, old in previous.items():
        try:
            signal.signal(sig, old)
        except (ValueError, OSError, TypeError):
            pass


def _write(text: str) -> None:
    """Print even to an ASCII console, or with undecodable bytes from the environment in paths."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except UnicodeEncodeError:
        enc = getattr(sys.stdout, "encoding", None) or "ascii"
        ascii_marks = text.replace("✓", "[ok]").replace("✗", "[x]").replace("—", "-").replace("←", "<-")
        data = ascii_marks.encode(enc, "replace")
        buf = getattr(sys.stdout, "buffer", None)
        if buf is not None:
            buf.write(data)
            buf.flush()
        else:
            sys.stdout.write(data.decode(enc, "replace"))


# ----------------------------------------------------------------------------- the three steps


@dataclass(frozen=True)
class Target:
    python: Optional[str]
    how: str
    usage_error: Optional[str] = None


@dataclass
class Runs:
    """What :func:`run_probes` brought back (a missing run did not finish by the deadline)."""

    main: object = None  # probe.ProbeRun
    noconf: object = None  # the same probe without OPENSSL_CONF, when it is set
    checker_ssl_error: Optional[str] = None


def collect(python: Optional[str] = None, index_url: Optional[str] = None, timeout: float = 10.0,
            env: Optional[Dict[str, str]] = None, progress: Optional["_Progress"] = None,
            second_host: Optional[str] = None, started: Optional[float] = None) -> Report:
    """Run the whole check and return a Report (never raises for machine problems).

    ``started`` (``time.monotonic()``) is when the command began, so that the
    deadline covers tlsdoctor's own start-up too.
    """
    t0 = started if started is not None else time.monotonic()
    deadline = t0 + timeout
    env = dict(os.environ if env is None else env)
    progress = progress or _Progress(False)
    target = choose_target(python, env, deadline, timeout, progress)
    if target.usage_error:
        return Report(status=Status.USAGE, python=python, how="--python",
                      error=Incomplete(IncompleteKind.INTERPRETER, target.usage_error))
    request: Dict[str, object] = {"index_url": index_url} if index_url else {}
    if second_host:
        request["second_host"] = second_host
    runs = run_probes(target.python, request, env, deadline, progress, t0, timeout)
    return judge(target, runs, env, t0, timeout)


def choose_target(python: Optional[str], env: Dict[str, str], deadline: float, timeout: float,
                  progress: "_Progress") -> Target:
    """``--python`` as given, else the interpreter behind ``pip`` on PATH (bounded by the deadline)."""
    from tlsdoctor import probe

    if python:
        path = python if os.sep in python else (_which(python, env) or python)
        if not os.path.exists(path):
            return Target(python, "--python", usage_error="no interpreter at %s" % python)
        return Target(path, "--python")
    progress.say("finding the interpreter behind `pip`")
    # `pip --version` (a shim) gets at most a third of the budget: the probe needs the rest.
    choice = probe.find_target(env, timeout=max(0.2, min(3.0, timeout / 3)), deadline=deadline)
    return Target(choice.python, choice.how)


def run_probes(python: str, request: Dict[str, object], env: Dict[str, str], deadline: float,
               progress: "_Progress", t0: float, timeout: float) -> Runs:
    """The probe (and, with OPENSSL_CONF set, the same probe without it), and our own ``import ssl``."""
    from tlsdoctor import probe

    runs = Runs()
    # What is left after the probes for judging, rendering and exit. The
    # modules that work needs are imported while the probes run (below), so
    # the reserve covers only running the rules and writing the report; 0.15 s
    # was overrun by 0.1 s on a 2-CPU machine running 4 test workers and 3
    # other jobs (tests/hostile/test_deadlines.py's hard bound).
    probe_deadline = deadline - min(0.3, 0.1 * timeout)
    on_progress = _ProgressCounter(progress, python)

    def main_probe() -> None:
        try:
            runs.main = probe.run_probe(python, dict(request), 0, env, on_progress=on_progress,
                                        deadline=probe_deadline)
        except Exception as exc:  # a bug of ours: report it, never hang or crash
            runs.main = probe.ProbeRun(python, None, "tlsdoctor_error", "%s: %s" % (type(exc).__name__, exc))

    def no_conf_probe() -> None:
        # The same interpreter without OPENSSL_CONF: does the config cause the failure?
        env2 = {k: v for k, v in env.items() if k != "OPENSSL_CONF"}
        try:
            runs.noconf = probe.run_probe(python, dict(request, mode="handshake"), 0, env2, deadline=probe_deadline)
        except Exception:
            pass

    def own_ssl() -> None:
        runs.checker_ssl_error = _checker_ssl_error(probe_deadline)

    threads = [threading.Thread(target=f, daemon=True) for f in (main_probe, own_ssl)]
    if env.get("OPENSSL_CONF"):
        threads.append(threading.Thread(target=no_conf_probe, daemon=True))
    for t in threads:
        t.start()
    progress.say("probing with %s" % python)
    _import_what_follows()
    for t in threads:
        # run_probe keeps the deadline itself; the margin only covers its clean-up.
        while t.is_alive() and time.monotonic() < deadline:
            t.join(0.05)
            progress.tick(time.monotonic() - t0, timeout)
    return runs


def _import_what_follows() -> None:
    """Import the rules and the renderers now, while the probes run in their own processes.

    After the deadline only cheap work may be left: importing the rule modules
    and the renderers costs ~35 ms on a quiet machine and several times that
    under load, which is what overran ``--timeout``. None of them imports ssl
    or hashlib (an OPENSSL_CONF FIFO would block that: ``_checker_ssl_error``).
    """
    from tlsdoctor import rules  # noqa: F401  (every rule module)
    from tlsdoctor.facts import Facts  # noqa: F401
    from tlsdoctor.render import check as _render  # noqa: F401


def _checker_ssl_error(deadline: float) -> Optional[str]:
    """Can tlsdoctor's own interpreter import ssl? Asked of a child, under the deadline.

    Importing it here could block forever (OpenSSL reads OPENSSL_CONF, which
    may be a FIFO, when ssl is first imported) and could not be interrupted.
    """
    if "ssl" in sys.modules:  # already decided in this process (loaded, or blocked with None): asking is instant
        try:
            import ssl  # noqa: F401
        except Exception as exc:  # ImportError or a broken libssl
            return "%s: %s" % (type(exc).__name__, exc)
        return None
    from tlsdoctor import probe

    if not sys.executable:
        return None
    flags = [f for f, on in (("-I", sys.flags.isolated), ("-E", sys.flags.ignore_environment),
                             ("-s", sys.flags.no_user_site)) if on]
    res = probe.run_bounded([sys.executable] + flags + ["-c", "import ssl"], dict(os.environ), deadline)
    if res.returncode == 0:
        return None
    if res.timed_out:
        return "import ssl did not finish by the deadline%s" % _blocking_files_hint(os.environ)
    lines = res.err.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else (res.start_error or "exit status %s" % res.returncode)


def judge(target: Target, runs: Runs, env: Dict[str, str], t0: float, timeout: float) -> Report:
    """Facts -> rules -> a Status decided from the kinds of what could not be concluded."""
    elapsed = time.monotonic() - t0
    main = runs.main
    if main is None or not main.ok:
        return _failed(target, main, env, elapsed, timeout)
    from tlsdoctor import rules
    from tlsdoctor.facts import Facts

    noconf = runs.noconf.data if runs.noconf is not None and runs.noconf.ok else None
    try:
        facts = Facts.from_probe(main.data, checker_time=time.time(), checker_ssl_error=runs.checker_ssl_error,
                                 without_openssl_conf=noconf)
    except Exception as exc:  # validate() passed, yet a value has a shape Facts cannot read
        return Report(status=Status.INCOMPLETE, python=target.python, how=target.how, elapsed=elapsed,
                      deadline=timeout, error=Incomplete(IncompleteKind.PROBE_OUTPUT,
                                                        M("check.answer_unreadable",
                                                          "the probe's answer could not be read (%s: %s)",
                                                          type(exc).__name__, exc)))
    outcome = rules.run(facts)
    diagnoses = tuple(outcome.diagnoses)
    items = _pip_items(facts, target.python, main) + _host_items(facts, diagnoses, timeout, outcome.undecided)
    if items and items[0].kind in PIP_CANNOT_RUN and diagnoses:
        # Without a pip that runs, the probe's stdlib connections say nothing
        # about pip's trust (PIP_CERT may be set, but no pip reads it): they
        # must not be the verdict. They stay visible, set aside.
        causes = tuple(dict.fromkeys(d.cause for d in diagnoses))
        items.append(Incomplete(IncompleteKind.UNDECIDED,
                                M("check.set_aside", "set aside, as pip itself cannot run: what the stdlib's own "
                                  "connection suggests (%s)", ", ".join(causes)), candidates=causes))
        diagnoses = ()
    return Report(status=_status(items, diagnoses), python=target.python, how=target.how, facts=facts,
                  diagnoses=diagnoses, rule_errors=outcome.rule_errors, incomplete=items,
                  elapsed=time.monotonic() - t0, deadline=timeout,
                  raw={"main": main.data, "noconf": noconf}, target_noise=main.noise)


def _status(items: List[Incomplete], diagnoses: tuple) -> Status:
    kinds = {i.kind for i in items}
    if kinds & {IncompleteKind.PIP_CONFIG, *PIP_CANNOT_RUN}:
        return Status.INCOMPLETE  # pip stops before any network I/O: that comes first
    if diagnoses:
        return Status.PROBLEM
    return Status.INCOMPLETE if items else Status.OK


def _pip_items(facts, python: str, main) -> List[Incomplete]:
    items: List[Incomplete] = []
    if main.broken_env:
        items.append(Incomplete(IncompleteKind.INTERPRETER, main.broken_env))
    if facts.pip_import_error:
        items.append(Incomplete(IncompleteKind.PIP_MISSING,
                                M("check.pip_missing", "pip cannot be imported in %s (%s): pip is missing or broken "
                                  "there, so pip's own configuration and request were not checked",
                                  python, facts.pip_import_error)))
    elif facts.pip_options_error:
        # pip stops before any network I/O: the network findings (made
        # without pip's settings) are only indicative.
        items.append(Incomplete(IncompleteKind.PIP_CONFIG, M("check.pip_config", "pip cannot load its configuration, "
                                                             "so it will not run at all: %s", facts.pip_options_error)))
    return items


def _host_items(facts, diagnoses: tuple, timeout: float, undecided: tuple = ()) -> List[Incomplete]:
    items: List[Incomplete] = []
    # A rule whose deciding attempt did not finish said so (rules.Undecided):
    # that host gets "could not tell between …", never another cause.
    for u in undecided:
        if not any(d.covers(u.host) if u.host else d.host is None for d in diagnoses):
            items.append(Incomplete(IncompleteKind.UNDECIDED, M("check.undecided", "%s: could not tell %s apart: %s",
                                                                ", ".join(u.hosts or (u.host,)) if u.host
                                                                else M("check.the_index", "the index"),
                                                                " / ".join(u.candidates), u.why),
                                    candidates=tuple(u.candidates)))
    told = {x for u in undecided for x in (u.hosts or (u.host,))}
    for h in facts.hosts:
        a = h.verdict_attempt
        if a.status == "deadline":
            items.append(Incomplete(IncompleteKind.DEADLINE, M("check.deadline", "%s: pip's request did not finish "
                                                               "within the %.0f s deadline", h.url, timeout)))
        elif a.status == "could_not_run":
            items.append(Incomplete(IncompleteKind.COULD_NOT_RUN,
                                    M("check.could_not_run", "%s: pip's request could not be made (%s)",
                                      h.url, a.error)))
        elif a.status == "bug":
            items.append(Incomplete(IncompleteKind.PROBE_BUG, M("check.probe_bug", "%s: tlsdoctor could not run this "
                                                                "measurement (bug: %s)", h.url, a.error)))
        elif a.failed and h.url not in told and not any(d.covers(h.url) for d in diagnoses):
            items.append(Incomplete(IncompleteKind.NO_RULE,
                                    M("check.no_rule", "%s: pip fails (%s), and no rule recognises why",
                                      h.url, a.error)))
    return items


# How a failed probe run is reported: ProbeRun.kind -> IncompleteKind.
_RUN_KINDS = {
    "timeout": IncompleteKind.DEADLINE,
    "too_much_output": IncompleteKind.PROBE_OUTPUT,
    "bad_output": IncompleteKind.PROBE_OUTPUT,
    "interpreter_failed": IncompleteKind.INTERPRETER,
    "interpreter_missing": IncompleteKind.INTERPRETER,
}


def _failed(target: Target, main, env: Dict[str, str], elapsed: float, timeout: float) -> Report:
    if main is None:  # Defensive: run_probe keeps the deadline itself
        item = Incomplete(IncompleteKind.DEADLINE, M("check.probe_deadline", "the probe did not finish by the %g s "
                                                     "deadline%s", timeout, _blocking_files_hint(env)))
    else:
        kind = _RUN_KINDS.get(main.kind, IncompleteKind.PROBE_BUG)
        detail = main.message if kind != IncompleteKind.PROBE_BUG else "%s: %s" % (main.kind.replace("_", " "),
                                                                                  main.message)
        if kind == IncompleteKind.DEADLINE:
            detail = M("check.probe_timeout", "%s (--timeout %g)%s", detail, timeout, _blocking_files_hint(env))
        if main.kind == "interpreter_missing" and target.how == "--python":
            return Report(status=Status.USAGE, python=target.python, how=target.how, error=Incomplete(kind, detail),
                          elapsed=elapsed, deadline=timeout)
        item = Incomplete(kind, detail)
    return Report(status=Status.INCOMPLETE, python=target.python, how=target.how, error=item, elapsed=elapsed,
                  deadline=timeout)


def _blocking_files_hint(env: Dict[str, str]) -> str:
    """Name the variables that point at something reading would block on (a FIFO, a device).

    ``os.stat`` never blocks on a FIFO (only ``open`` does), so this is safe.
    """
    notes = []
    for name in ("OPENSSL_CONF", "PIP_CONFIG_FILE", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT"):
        value = env.get(name)
        if not value or value == os.devnull:
            continue
        try:
            mode = os.stat(value).st_mode
        except OSError:
            continue
        if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode):
            what = M("check.a_fifo", "a FIFO") if stat.S_ISFIFO(mode) else M("check.a_device", "a device") \
                if stat.S_ISCHR(mode) else M("check.a_socket", "a socket")
            notes.append(M("check.blocking_file", "%s=%s is %s, not a file: reading it may never end", name, value,
                           what))
    return M("check.blocking_hint", "; %s", J("; ", notes)) if notes else ""


class _ProgressCounter:
    """Turns the probe's progress events into one progress line."""

    def __init__(self, progress: "_Progress", python: str) -> None:
        self.progress, self.python = progress, python
        self.started, self.done, self.last = 0, 0, ""

    def __call__(self, event, *words) -> None:
        if event == "start" and words:
            self.started += int(words[0])
        elif event == "done" and words:
            self.done += 1
            self.last = " ".join(words)
        self.progress.say("%d/%d probes done%s — %s" % (
            self.done, self.started, (", last: %s" % self.last) if self.last else "", self.python))


def _which(name: str, env: Dict[str, str]) -> Optional[str]:
    import shutil

    return shutil.which(name, path=env.get("PATH"))


class _Progress:
    """Live progress on a TTY (stderr), erased before the report is printed."""

    FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.text = ""
        self.n = 0

    def say(self, text: str) -> None:
        self.text = text
        self._draw("")

    def tick(self, elapsed: float, total: float) -> None:
        self.n += 1
        self._draw(" %.1f/%.0f s" % (elapsed, total))

    def _draw(self, suffix: str) -> None:
        if not self.enabled:
            return
        import shutil

        frame = self.FRAMES[self.n % len(self.FRAMES)]
        line = "%s %s%s" % (frame, self.text, suffix)
        width = shutil.get_terminal_size((80, 24)).columns - 1
        if len(line) > width:  # one line only: \r cannot redraw a wrapped one
            line = line[: max(10, width - 1)] + "…"
        sys.stderr.write("\r\033[K" + line)
        sys.stderr.flush()

    def stop(self) -> None:
        if self.enabled:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
