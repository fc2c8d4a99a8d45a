"""``tlsdoctor check --tool X`` (X other than pip) and ``--tool all``: run, judge, report.

For each tool: ``find`` it (PATH, or the target interpreter for a library),
``resolve`` its configuration by its rules, then — concurrently, under check's
one deadline — make its decisive request (``request``, the tool itself) and run
check's normal probe against the tool's index URL (the presented chain, which
stores verify it: the facts ``tools.judge`` needs). The probe runs in
``--python`` when given, else tlsdoctor's own interpreter (the tool has none of
its own that the probe could use). ``--tool all`` adds pip's own check (exactly
``check`` without ``--tool``) and prints one table, tool × verdict.

``check --tool pip`` never comes here: it is ``check`` unchanged.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Tuple

from tlsdoctor import exitcodes
from tlsdoctor.messages import M
from tlsdoctor.tools import MODULES, TOOL_NAMES, Found, Request, RequestStatus, Resolved, ToolVerdict, module

NOT_SUPPORTED = M("checktool.not_supported", "not supported in this build")
NOT_FOUND = M("checktool.not_found", "not found")


@dataclass
class ToolsReport:
    """What the renderers (``render.tools``) need."""

    asked: str  # the --tool value
    verdicts: List[ToolVerdict] = field(default_factory=list)
    skipped: List[Tuple[str, str]] = field(default_factory=list)  # (tool, why): not found / not supported
    probes: Dict[str, object] = field(default_factory=dict)  # index URL -> check.Report
    pip_report: object = None  # check.Report (pip's own check), for --tool all
    elapsed: float = 0.0
    timeout: float = 0.0
    usage_error: Optional[str] = None

    @property
    def status(self) -> str:
        if self.usage_error:
            return "usage"
        states = [v.status for v in self.verdicts]
        if any(s == "problem" for s in states):
            return "problem"
        if not states or any(s != "ok" for s in states):
            return "incomplete"
        return "ok"

    @property
    def exit_code(self) -> int:
        return {"ok": exitcodes.OK, "problem": exitcodes.PROBLEM, "incomplete": exitcodes.INCOMPLETE,
                "usage": exitcodes.USAGE}[self.status]


def _module(name: str):
    """The tool's module, or None when this build does not have it (toolpy's modules may not be merged)."""
    try:
        return module(name)
    except ImportError as exc:
        if "tlsdoctor.tools" in str(exc) or getattr(exc, "name", "") == "tlsdoctor.tools." + MODULES.get(name, ""):
            return None
        raise


def pip_verdict(report) -> ToolVerdict:
    """pip's row of the table, from check's own Report."""
    status = str(report.status)
    diags = tuple(getattr(report, "diagnoses", ()) or ())
    if status == "ok":
        summary = M("checktool.pip_ok", "pip ok")
    elif diags:
        summary = M("checktool.pip_fails", "pip fails: %s", diags[0].verdict)
    else:
        first = (list(report.incomplete or ()) + ([report.error] if report.error else []))
        # (the detail itself, not str(): a message keeps its id)
        summary = M("checktool.pip_could_not_tell", "pip: could not tell (%s)", getattr(first[0], "detail", first[0])
                    if first else M("checktool.did_not_complete", "the check did not complete"))
    cands: Tuple[str, ...] = tuple(c for i in (report.incomplete or ()) for c in (getattr(i, "candidates", ()) or ()))
    version = None
    if getattr(report, "facts", None) is not None:
        version = getattr(report.facts, "pip_version", None)
    found = Found("pip", report.python, version, report.python)
    return ToolVerdict("pip", "ok" if status == "ok" else "problem" if status == "problem" else "incomplete",
                       summary, causes=tuple(dict.fromkeys(d.cause for d in diags)),
                       evidence=tuple(diags[0].evidence) if diags else (), steps=tuple(diags[0].fix) if diags else (),
                       candidates=tuple(dict.fromkeys(cands)), extra={"found": found})


def _resolve(mod, found: Found, env: Mapping[str, str], cwd: str, deadline: float,
             index_url: Optional[str]) -> Resolved:
    """``resolve``, passing check's ``--index-url`` to modules that take it (uv's does)."""
    if index_url:
        try:
            params = inspect.signature(mod.resolve).parameters
        except (TypeError, ValueError):
            params = {}
        if "index_url" in params:
            return mod.resolve(found, env, cwd, deadline, index_url=index_url)
        resolved = mod.resolve(found, env, cwd, deadline)
        return dataclasses.replace(resolved, index_url=index_url,
                                   warnings=resolved.warnings + (M("checktool.index_url_replaces", "--index-url "
                                                                   "replaces the tool's own index"),))
    return mod.resolve(found, env, cwd, deadline)


class _Run:
    """What the tools' threads of one ``collect`` share: one probe per index URL (however many tools use
    it, started by the first), the verdicts, and the report's skipped list."""

    def __init__(self, check, python: Optional[str], index_url: Optional[str], env: Dict[str, str], cwd: str,
                 deadline: float, work_deadline: float, second_host: Optional[str], out: ToolsReport) -> None:
        self.check, self.python, self.index_url, self.env, self.cwd = check, python, index_url, env, cwd
        self.deadline, self.work_deadline, self.second_host, self.out = deadline, work_deadline, second_host, out
        self.lock = threading.Lock()
        self.probe_python = python or sys.executable
        self.probes: Dict[str, Dict[str, object]] = {}  # url -> {"thread", "report"}
        self.results: Dict[str, ToolVerdict] = {}

    def probe_for(self, url: str) -> Dict[str, object]:
        """The probe of ``url`` (check's own, in ``--python`` or tlsdoctor's interpreter), started once."""
        with self.lock:
            if url in self.probes:
                return self.probes[url]
            slot: Dict[str, object] = {"report": None}

            def go() -> None:
                try:
                    slot["report"] = self.check.collect(python=self.probe_python, index_url=url,
                                                        timeout=max(0.05, self.work_deadline - time.monotonic()),
                                                        env=self.env, second_host=self.second_host)
                except Exception as exc:  # a bug of ours: the verdict says "could not tell"
                    slot["error"] = "%s: %s" % (type(exc).__name__, exc)

            th = threading.Thread(target=go, daemon=True)
            slot["thread"] = th
            self.probes[url] = slot
            th.start()
            return slot

    def one(self, name: str, mod) -> None:
        """Find, resolve and run one tool (its request beside the probe of its index), then judge it."""
        try:
            found = mod.find(self.env, self.python, self.work_deadline)
            if found is None:
                with self.lock:
                    self.out.skipped.append((name, NOT_FOUND))
                return
            resolved = _resolve(mod, found, self.env, self.cwd, self.work_deadline, self.index_url)
            slot = self.probe_for(resolved.index_url)
            if time.monotonic() >= self.work_deadline:
                request = Request(RequestStatus.DEADLINE, detail=M("checktool.no_time_left", "no time left for %s's "
                                                                   "request", name))
            else:
                request = mod.request(resolved, self.env, self.work_deadline, self.cwd)
            th = slot["thread"]
            th.join(max(0.0, self.deadline - time.monotonic()))  # type: ignore[attr-defined]
            from tlsdoctor.tools import judge

            verdict = judge.judge(resolved, request, slot.get("report"))
            self.results[name] = verdict
        except Exception as exc:  # a bug in a tool module: report it as could-not-tell, never crash
            self.results[name] = ToolVerdict(name, "incomplete", M("checktool.bug", "%s: could not tell (tlsdoctor "
                                                                   "bug: %s: %s)", name, type(exc).__name__, exc))

    def start(self, names: List[str]) -> List[threading.Thread]:
        """One thread per tool this build has (a module that does not load is a verdict, not a crash)."""
        threads: List[threading.Thread] = []
        for name in names:
            try:
                mod = _module(name)
            except Exception as exc:  # the module is there but broken (a bug): say so, never crash check
                self.results[name] = ToolVerdict(name, "incomplete", M("checktool.module_bug", "%s: could not tell "
                                                                       "(tlsdoctor bug: its module does not load: "
                                                                       "%s: %s)", name, type(exc).__name__, exc))
                continue
            if mod is None:
                self.out.skipped.append((name, NOT_SUPPORTED))
                continue
            th = threading.Thread(target=self.one, args=(name, mod), daemon=True)
            th.start()
            threads.append(th)
        return threads


def _start_pip_check(check, python: Optional[str], index_url: Optional[str], env: Dict[str, str],
                     work_deadline: float, second_host: Optional[str]) -> Tuple[Dict[str, object], threading.Thread]:
    """pip's own check (exactly ``check`` without ``--tool``) for ``--tool all``, in a thread."""
    pip_slot: Dict[str, object] = {}

    def pip_check() -> None:
        try:
            pip_slot["report"] = check.collect(python=python, index_url=index_url,
                                               timeout=max(0.05, work_deadline - time.monotonic()), env=env,
                                               second_host=second_host)
        except Exception as exc:
            pip_slot["error"] = "%s: %s" % (type(exc).__name__, exc)

    pt = threading.Thread(target=pip_check, daemon=True)
    pt.start()
    return pip_slot, pt


def _pip_row(out: ToolsReport, pip_slot: Dict[str, object]) -> ToolVerdict:
    """pip's verdict from its check's report (kept as ``out.pip_report``), or why it could not tell."""
    report = pip_slot.get("report")
    if report is not None:
        out.pip_report = report
        return pip_verdict(report)
    return ToolVerdict("pip", "incomplete", M("checktool.pip_could_not_tell", "pip: could not tell (%s)",
                                              pip_slot.get("error", M("checktool.pip_deadline",
                                                                      "the check did not finish by the deadline"))))


def _usage_error(name: str, why: str) -> str:
    """``--tool X`` for one tool that is not here: the usage error to print."""
    return (M("checktool.usage_is", "%s is %s", name, why) if why == NOT_SUPPORTED else
            M("checktool.usage_not_found", "%s was not found (%s)", name,
              M("checktool.not_on_path", "not on PATH") if name in ("uv", "poetry", "conda")
              else M("checktool.not_importable", "not importable in the target interpreter")))


def _mark_unfinished(names: List[str], results: Dict[str, ToolVerdict], skipped: List[Tuple[str, str]]) -> None:
    """A tool with neither a verdict nor a skip did not finish by the deadline: "could not tell", never a cause."""
    for name in names:
        if name in results:
            continue
        if any(s == name for s, _ in skipped):
            continue
        results[name] = ToolVerdict(name, "incomplete", M("checktool.did_not_finish", "%s: could not tell (it did "
                                                          "not finish by the deadline)", name))


def collect(tool: str, python: Optional[str] = None, index_url: Optional[str] = None, timeout: float = 10.0,
            env: Optional[Dict[str, str]] = None, cwd: Optional[str] = None, started: Optional[float] = None,
            second_host: Optional[str] = None) -> ToolsReport:
    """Check ``tool`` (a name from TOOL_NAMES other than pip, or ``all``); never raises for machine problems."""
    from tlsdoctor import check

    t0 = started if started is not None else time.monotonic()
    deadline = t0 + timeout
    # What is left after the work for judging and rendering (as check keeps).
    work_deadline = deadline - min(0.15, 0.05 * timeout)
    env = dict(os.environ if env is None else env)
    cwd = cwd or os.getcwd()
    out = ToolsReport(asked=tool, timeout=timeout)
    names = [n for n in TOOL_NAMES if n != "pip"] if tool == "all" else [tool]
    run = _Run(check, python, index_url, env, cwd, deadline, work_deadline, second_host, out)
    threads: List[threading.Thread] = []
    if tool == "all":
        pip_slot, pt = _start_pip_check(check, python, index_url, env, work_deadline, second_host)
        threads.append(pt)
    threads += run.start(names)
    for th in threads:
        th.join(max(0.0, deadline - time.monotonic()))
    results = run.results
    _mark_unfinished(names, results, out.skipped)
    if tool == "all":
        out.verdicts.append(_pip_row(out, pip_slot))
    out.verdicts += [results[n] for n in names if n in results]
    out.probes = {url: s.get("report") for url, s in run.probes.items()}
    if tool != "all" and not out.verdicts and out.skipped:
        out.usage_error = _usage_error(*out.skipped[0])
    out.elapsed = time.monotonic() - t0
    return out


def run(args) -> int:
    """The CLI entry for ``check --tool X`` (X != pip)."""
    from tlsdoctor import check, probe
    from tlsdoctor.render import tools as render

    fmt = args.format or "text"
    previous = check._install_signal_handlers()
    try:
        report = collect(args.tool, python=args.python, index_url=args.index_url, timeout=args.timeout,
                         started=getattr(args, "_started", None), second_host=args.second_host)
    finally:
        probe.cleanup()
        check._restore_signal_handlers(previous)
    if report.usage_error:
        error = report.usage_error
        if args.lang == "zh" and fmt != "json":  # --json stays English
            from tlsdoctor.render import zh

            error = zh.tr(error)
        check.usage_error("check", error, fmt == "json")
        return exitcodes.USAGE
    text = render.render(report, fmt=fmt, lang=args.lang)
    check._write(text if text.endswith("\n") else text + "\n")
    return report.exit_code
