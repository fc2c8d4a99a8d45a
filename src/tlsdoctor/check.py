"""``tlsdoctor check``: look at the real machine and the real network path, the way pip would.

Flow: pick the target interpreter (the one behind ``pip`` on PATH, or
``--python``) -> run the probe inside it (``probe/target.py``: facts, pip's
own resolved options, pip's own request, handshake variants) -> ``Facts`` ->
``rules`` -> render. ``--timeout`` is a hard overall deadline: the probe gets
what is left of it and reports unfinished work as such.

This module imports no ``ssl``: check must run when tlsdoctor's own
interpreter cannot import it.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from tlsdoctor import exitcodes

STATUS_EXIT = {"ok": exitcodes.OK, "problem": exitcodes.PROBLEM, "incomplete": exitcodes.INCOMPLETE}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="PY",
                        help="the interpreter whose pip to check (default: the one behind `pip` on PATH)")
    parser.add_argument("--index-url", metavar="URL",
                        help="check this index instead of pip's configured one (like pip --index-url)")
    parser.add_argument("--second-host", metavar="HOST[:PORT]", default=os.environ.get("TLSDOCTOR_SECOND_HOST"),
                        help="when a proxy is used and the index fails, also reach this host through the same proxy "
                             "(tells an intercepting proxy where going direct is impossible; "
                             "default: $TLSDOCTOR_SECOND_HOST, else only pip's own other hosts)")
    parser.add_argument("--timeout", metavar="S", type=_positive, default=10.0,
                        help="hard overall deadline in seconds (default: 10)")
    parser.add_argument("--json", action="store_const", const="json", dest="format",
                        help="machine-readable output (same as --format json)")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default=None,
                        help="output format (default: text)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the text output")


def _positive(value: str) -> float:
    try:
        v = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError("not a number: %r" % value)
    if not (0 < v <= 3600):
        raise argparse.ArgumentTypeError("must be between 0 and 3600 seconds")
    return v


@dataclass
class Report:
    """Everything the renderers need."""

    status: str  # ok | problem | incomplete
    python: Optional[str]
    how: str
    facts: object = None  # tlsdoctor.facts.Facts
    diagnoses: tuple = ()
    rule_errors: tuple = ()
    incomplete: List[str] = field(default_factory=list)
    error: Optional[str] = None  # the probe could not run at all
    elapsed: float = 0.0
    deadline: float = 0.0
    raw: Dict[str, object] = field(default_factory=dict)  # the probes' JSON, for recordings

    @property
    def exit_code(self) -> int:
        return STATUS_EXIT[self.status]


def run(args: argparse.Namespace) -> int:
    fmt = args.format or "text"
    progress = _Progress(enabled=(fmt == "text" and sys.stderr.isatty()))
    try:
        report = collect(python=args.python, index_url=args.index_url, timeout=args.timeout, progress=progress,
                         second_host=args.second_host)
    finally:
        progress.stop()
    if report.error and report.status == "usage":
        sys.stderr.write("tlsdoctor check: error: %s\n" % report.error)
        return exitcodes.USAGE
    from tlsdoctor.render import check as render

    out = render.render(report, fmt=fmt, lang=args.lang)
    _write(out if out.endswith("\n") else out + "\n")
    return report.exit_code


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


def collect(python: Optional[str] = None, index_url: Optional[str] = None, timeout: float = 10.0,
            env: Optional[Dict[str, str]] = None, progress: Optional["_Progress"] = None,
            second_host: Optional[str] = None) -> Report:
    """Run the whole check and return a Report (never raises for machine problems)."""
    from tlsdoctor import probe, rules
    from tlsdoctor.facts import Facts

    t0 = time.monotonic()
    deadline = t0 + timeout
    env = dict(os.environ if env is None else env)
    progress = progress or _Progress(False)

    if python:
        path = python if os.sep in python else (_which(python, env) or python)
        if not os.path.exists(path):
            return Report(status="usage", python=python, how="--python", error="no interpreter at %s" % python)
        how = "--python"
        python = path
    else:
        progress.say("finding the interpreter behind `pip`")
        choice = probe.find_target(env, timeout=max(0.5, min(3.0, timeout / 3)))
        python, how = choice.python, choice.how

    checker_ssl_error = None
    try:
        import ssl  # noqa: F401  (only to report whether tlsdoctor's own interpreter has it)
    except Exception as exc:  # ImportError or a broken libssl
        checker_ssl_error = "%s: %s" % (type(exc).__name__, exc)

    request = {"index_url": index_url} if index_url else {}
    if second_host:
        request["second_host"] = second_host
    results: Dict[str, object] = {}

    counts = {"started": 0, "done": 0, "last": ""}

    def on_progress(event, *words):
        if event == "start" and words:
            counts["started"] += int(words[0])
        elif event == "done" and words:
            counts["done"] += 1
            counts["last"] = " ".join(words)
        progress.say("%d/%d probes done%s — %s" % (
            counts["done"], counts["started"], (", last: %s" % counts["last"]) if counts["last"] else "", python))

    def main_probe():
        try:
            results["main"] = probe.run_probe(python, dict(request), max(0.5, deadline - time.monotonic()), env,
                                              on_progress=on_progress)
        except Exception as exc:  # a bug of ours: report it, never hang or crash
            results["main"] = probe.ProbeRun(python, None, "tlsdoctor_error", "%s: %s" % (type(exc).__name__, exc))

    def no_conf_probe():
        # The same interpreter without OPENSSL_CONF: does the config cause the failure?
        env2 = {k: v for k, v in env.items() if k != "OPENSSL_CONF"}
        try:
            results["noconf"] = probe.run_probe(python, dict(request, mode="handshake"),
                                                max(0.5, deadline - time.monotonic()), env2)
        except Exception:
            pass

    threads = [threading.Thread(target=main_probe, daemon=True)]
    if env.get("OPENSSL_CONF"):
        threads.append(threading.Thread(target=no_conf_probe, daemon=True))
    for t in threads:
        t.start()
    progress.say("probing with %s" % python)
    for t in threads:
        while t.is_alive() and time.monotonic() < deadline + 3:
            t.join(0.1)
            progress.tick(time.monotonic() - t0, timeout)
    main = results.get("main")
    elapsed = time.monotonic() - t0
    if main is None:
        return Report(status="incomplete", python=python, how=how, error="the probe did not finish by the deadline",
                      elapsed=elapsed, deadline=timeout)
    if not main.ok:
        if main.kind == "interpreter_missing":
            status = "usage" if how == "--python" else "incomplete"
            return Report(status=status, python=python, how=how, error=main.message, elapsed=elapsed, deadline=timeout)
        return Report(status="incomplete", python=python, how=how,
                      error="%s: %s" % (main.kind.replace("_", " "), main.message), elapsed=elapsed, deadline=timeout)
    noconf = results.get("noconf")
    facts = Facts.from_probe(
        main.data, checker_time=time.time(), checker_ssl_error=checker_ssl_error,
        without_openssl_conf=noconf.data if noconf is not None and noconf.ok else None,
    )
    outcome = rules.run(facts)
    incomplete = []
    for h in facts.hosts:
        a = h.verdict_attempt
        if a.status == "deadline":
            incomplete.append("%s: pip's request did not finish within the %.0f s deadline" % (h.url, timeout))
        elif a.status == "could_not_run":
            incomplete.append("%s: pip's request could not be made (%s)" % (h.url, a.error))
        elif a.failed and not any(d.host in (None, h.url) for d in outcome.diagnoses):
            incomplete.append("%s: pip fails (%s), and no rule recognises why" % (h.url, a.error))
    if facts.pip_import_error:
        incomplete.append("pip cannot be imported in %s (%s): pip's own configuration and request were not checked"
                          % (python, facts.pip_import_error))
    elif facts.pip_options_error:
        # pip stops before any network I/O: that comes first, and the network
        # findings below (made without pip's settings) are only indicative.
        incomplete.insert(0, "pip cannot load its configuration, so it will not run at all: %s"
                          % facts.pip_options_error)
    if facts.pip_options_error and not facts.pip_import_error:
        status = "incomplete"
    elif outcome.diagnoses:
        status = "problem"
    elif any("did not finish" in i or "no rule" in i or "could not" in i for i in incomplete) or (
            facts.pip_import_error and not facts.hosts):
        status = "incomplete"
    else:
        status = "ok"
    return Report(status=status, python=python, how=how, facts=facts, diagnoses=outcome.diagnoses,
                  rule_errors=outcome.rule_errors, incomplete=incomplete, elapsed=time.monotonic() - t0,
                  deadline=timeout,
                  raw={"main": main.data, "noconf": noconf.data if noconf is not None and noconf.ok else None})


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
