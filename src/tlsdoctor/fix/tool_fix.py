"""``tlsdoctor fix --tool uv|poetry|requests|httpx|all``: fix a tool the way it prefers, prove it with the tool.

Flow per tool (issue 12 item 3, on top of the fix engine of issue 10):

1. find, resolve and make the decisive request **with the tool itself**
   (``tools.module(t).find/resolve/request``); ok -> nothing to fix for it;
   a deadline -> "could not tell" (exit 3), never a guess;
2. the cause: ``tools.judge.judge`` when it is there (toolcheck); the facts
   behind the remedy (does the OS store trust the index? the presented CA) from
   check's probe of the tool's index URL (``check.collect``);
3. the remedy: ``tools.remedies.groups`` -> the first wholly automatic group
   (the tool's preferred switch, each step stating its blast radius); the other
   alternatives are shown, never applied;
4. plan, show, confirm (``--yes`` / a terminal / ``--dry-run``), apply in one
   journal transaction (``fix.run.run_fix``: the same gate, CA confirmation and
   byte-exact undo as pip's fix);
5. verify: every tool's decisive request again, in the environment a new shell
   would have (``apply.environment_after``); one failing -> everything rolled
   back, exit 3.

``--tool all``: every tool found (uv, poetry, requests, httpx), one plan, one
transaction, one verification over all of them.

The per-tool work is injectable (``ToolCheck`` / ``verify_request``) so that the
lab tests can run it over real tools in an isolated HOME before the toolcheck and
toolpy streams' modules exist.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

from tlsdoctor import exitcodes
from tlsdoctor.fix._redact import redact_text
from tlsdoctor.fix.plan import Plan, PlanContext, _step_text
from tlsdoctor.fix.run import FixOptions, run_fix
from tlsdoctor.messages import J, M, Msg

FIX_TOOLS = ("uv", "poetry", "requests", "httpx")


@dataclass
class ToolCheck:
    """One tool, checked: what it resolved to, its decisive request, the judged causes and
    the facts its remedies need (``tools.remedies.ToolFacts``)."""

    tool: str
    resolved: object = None  # tools.Resolved
    request: object = None  # tools.Request
    causes: Tuple[str, ...] = ()
    facts: object = None
    summary: str = ""

    @property
    def status(self) -> str:
        return str(getattr(getattr(self.request, "status", None), "value", getattr(self.request, "status", "")))


@dataclass
class ToolFixResult:
    exit_code: int
    data: dict = field(default_factory=dict)


# ------------------------------------------------------------------------- steps

def _step_key(s: object) -> tuple:
    kind = str(getattr(getattr(s, "kind", None), "value", getattr(s, "kind", None)))
    if kind == "add_ca":  # one bundle, however many tools ask for it
        return (kind, getattr(s, "file", None), getattr(s, "value", None), getattr(s, "ca_sha256", None))
    return (kind, getattr(s, "file", None), getattr(s, "key", None), getattr(s, "value", None))


def plan_steps(checks: Sequence[ToolCheck]) -> Tuple[List[object], List[str], List[str]]:
    """(the steps to apply, the alternatives shown, manual notes) for every failing tool."""
    from tlsdoctor.tools import remedies as tool_remedies

    steps: List[object] = []
    seen = set()
    alternatives: List[str] = []
    manual: List[str] = []
    for c in checks:
        if c.status != "failed":
            continue
        groups = tool_remedies.groups(c.causes, c.resolved, c.facts)
        chosen = tool_remedies.first_automatic(groups)
        if not chosen:
            manual.extend(M("toolfix.tool_step", "%s: %s", c.tool, _step_text(s)) for g in groups for s in g)
            if not groups:
                manual.append(M("toolfix.no_automatic", "%s: no automatic fix for %s", c.tool,
                                ", ".join(c.causes) or M("toolfix.this_failure", "this failure")))
            continue
        for g in groups:
            if g is not chosen:
                alternatives.append(M("toolfix.instead", "%s, instead: %s", c.tool,
                                      J("; then ", [_step_text(s) for s in g])))
        for s in chosen:
            k = _step_key(s)
            if k not in seen:
                seen.add(k)
                steps.append(s)
    return steps, alternatives, manual


# ------------------------------------------------------------------------- the real per-tool check

def _facts_for(tool: str, resolved: object, report: object, env: Mapping[str, str], ca_file: Optional[str],
               base_bundle: Optional[str], tmpdir: str):
    """``ToolFacts`` from check's probe of the tool's index URL."""
    from tlsdoctor.fix import edits
    from tlsdoctor.fix.command import presented_pems
    from tlsdoctor.tools import remedies as tool_remedies

    ca_sha = None
    if not ca_file:
        pems = presented_pems(getattr(report, "facts", None))
        if pems:
            # The root of the presented chain: the last certificate the server or proxy sent.
            ca_sha, pem = list(pems.items())[-1]
            ca_file = os.path.join(tmpdir, "presented-%s.pem" % ca_sha[:16])
            with open(ca_file, "w") as fh:
                fh.write(pem if pem.endswith("\n") else pem + "\n")
    return tool_remedies.ToolFacts(
        os_store_trusts=tool_remedies.os_store_trusts(getattr(report, "facts", None)),
        ca_file=ca_file, ca_sha256=ca_sha, base_bundle=base_bundle, bundle=edits.bundle_path(), env=dict(env))


def base_bundle(resolveds: Sequence[object]) -> Optional[str]:
    """The public roots every tlsdoctor bundle is built on: a certifi bundle one of the
    tools already trusts, else the OS bundle (OpenSSL's default file)."""
    for r in resolveds:
        for t in getattr(r, "trust", ()) or ():
            if str(getattr(t, "kind", "")) == "certifi" and t.path and os.path.isfile(t.path):
                return t.path
    import ssl

    # openssl_cafile, not cafile: cafile is SSL_CERT_FILE when that is set -- the user's own CA setting (one
    # private CA, say), not the public roots (intercepting-proxy x uv with SSL_CERT_FILE = the index CA: the
    # bundle was refused as "would trust only the added CA").
    for p in (ssl.get_default_verify_paths().openssl_cafile, "/etc/ssl/certs/ca-certificates.crt"):
        if p and os.path.isfile(p):
            return p
    return None


def check_tools(names: Sequence[str], env: Mapping[str, str], python: Optional[str], cwd: str, deadline: float,
                workdir: str, ca_file: Optional[str] = None) -> List[ToolCheck]:
    """The real check of each tool (toolcheck's and toolpy's modules, the judge when present)."""
    from tlsdoctor import check, tools

    out: List[ToolCheck] = []
    found = []
    for name in names:
        try:
            m = tools.module(name)
        except (KeyError, ImportError):
            continue
        f = m.find(env, python, deadline)
        if f is not None:
            found.append((name, m, f))
    resolveds = []
    for name, m, f in found:
        r = m.resolve(f, env, cwd, deadline)
        resolveds.append(r)
        req = m.request(r, env, deadline, workdir)
        out.append(ToolCheck(name, r, req))
    base = base_bundle(resolveds)
    for c in out:
        if c.status != "failed":
            continue
        left = max(0.5, (deadline - time.monotonic()) / 2)
        # The question for the remedies is whether the *OS store* trusts the index (the probe's
        # verify:system). OpenSSL lets SSL_CERT_FILE/SSL_CERT_DIR replace its default paths, so a
        # stale variable -- the very thing uv >= 0.12 "trusts nothing" over -- would hide the
        # answer; the tool's own request above already saw them.
        probe_env = {k: v for k, v in env.items() if k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
        report = check.collect(python=python, index_url=c.resolved.index_url, timeout=left, env=probe_env)
        c.causes = tuple(d.cause for d in getattr(report, "diagnoses", ()))
        try:
            from tlsdoctor.tools import judge  # toolcheck's; the probe's causes until it lands

            verdict = judge.judge(c.resolved, c.request, report)
            c.causes = tuple(verdict.causes) or c.causes
            c.summary = verdict.summary
        except ImportError:
            pass
        c.facts = _facts_for(c.tool, c.resolved, report, env, ca_file, base, workdir)
    return out


def real_verify_request(check: ToolCheck, env: Mapping[str, str], deadline: float, workdir: str) -> object:
    from tlsdoctor import tools

    return tools.module(check.tool).request(check.resolved, env, deadline, workdir)


# ------------------------------------------------------------------------- the run

def run_tool_fix(checks: Sequence[ToolCheck], *, options: FixOptions, environ: Mapping[str, str],
                 verify_request: Callable[[ToolCheck, Mapping[str, str], float, str], object] = real_verify_request,
                 deadline: float, workdir: str, journal=None, ctx: Optional[PlanContext] = None,
                 interactive: bool = False, ask=None, out=None, lang: str = "en") -> ToolFixResult:
    """Plan, confirm, apply and verify over ``checks`` (already made); the fix JSON plus ``tools``.
    ``lang`` "zh": the text (plan, steps, manual notes) in Chinese; ``--json`` stays English."""
    out = out or sys.stdout
    tools_json = [_tool_json(c) for c in checks]
    failing = [c for c in checks if c.status == "failed"]
    if not failing:
        return _nothing_failing(checks, tools_json, options, out, lang)
    steps, alternatives, manual = plan_steps(failing)
    if not options.json:
        for t in tools_json:
            out.write(redact_text(_in(_tool_line(t), lang)) + "\n")
    ctx = ctx or PlanContext()
    if lang == "zh" and not options.json:  # the steps' explanations and the plan's words (fix.plan) in Chinese
        from tlsdoctor.render import zh

        steps = zh.translated_steps(steps)
        ctx.lang = "zh"
    buf = io.StringIO()
    outcome = run_fix(steps, options=options, ctx=ctx, journal=journal, interactive=interactive, ask=ask,
                      out=buf if options.json else out,
                      plan_verify=_tools_verifier(failing, environ, verify_request, deadline, workdir))
    data = outcome.to_json()
    data["remaining"] = data["remaining"] + [redact_text(m) for m in manual]
    data["alternatives"] = [redact_text(a) for a in alternatives]
    data["tools"] = tools_json
    code = _exit_code(outcome, manual)
    data["exit_code"] = code
    if options.json:
        out.write(json.dumps(data, sort_keys=True) + "\n")
    else:
        words = _WORDS.get(lang, _WORDS["en"])
        for a in alternatives:
            out.write(words["alternative"] % redact_text(_in(a, lang)))
        for m in manual:
            out.write(words["manual"] % redact_text(_in(m, lang)))
    return ToolFixResult(code, data)


def _tool_json(c: ToolCheck) -> dict:
    """One tool as ``tools`` in the fix JSON: its version, its status before, its causes."""
    return {"tool": c.tool, "version": getattr(getattr(c.resolved, "found", None), "version", None),
            "before": c.status, "causes": list(c.causes), "summary": redact_text(c.summary)}


def _tool_line(t: dict) -> str:
    """The text line for one tool before the plan: name, version, status and causes."""
    return M("toolfix.tool_line", "%s %s: %s%s", t["tool"], t["version"] or "", _status_word(t["before"]),
             M("toolfix.causes", " (%s)", ", ".join(t["causes"])) if t["causes"] else "")


def _nothing_failing(checks: Sequence[ToolCheck], tools_json: List[dict], options: FixOptions, out,
                     lang: str) -> ToolFixResult:
    """No tool failed: every tool connects (exit 0), some could not be told (exit 3: could not
    tell, never a guess), or no tool was found at all (exit 1). Nothing is planned."""
    undecided = [c for c in checks if c.status in ("deadline", "could_not_run")]
    status = "failed" if undecided else "nothing_to_fix"
    msg = (M("toolfix.could_not_tell", "could not tell: %s", J(", ", [
               M("toolfix.tool_status", "%s %s", c.tool, _status_word(c.status)) for c in undecided]))
           if undecided
           else M("toolfix.nothing_to_fix", "every tool connects: nothing to fix") if checks
           else M("toolfix.no_tool", "no such tool found"))
    code = exitcodes.INCOMPLETE if undecided else exitcodes.OK if checks else exitcodes.PROBLEM
    data = {"status": status, "plan": {"changes": [], "manual": [], "refused": []}, "applied": [],
            "changed": False, "verified": None, "transaction": None, "remaining": [], "ca": [],
            "message": msg, "tools": tools_json, "exit_code": code}
    _say(options, out, data, msg, lang)
    return ToolFixResult(code, data)


def _tools_verifier(failing: Sequence[ToolCheck], environ: Mapping[str, str],
                    verify_request: Callable[[ToolCheck, Mapping[str, str], float, str], object],
                    deadline: float, workdir: str):
    """run_fix's ``plan_verify``: every failing tool's decisive request again, in the environment
    a new shell would have after ``plan``; verified only when each says ok before ``deadline``."""
    def plan_verify(plan: Plan):
        from tlsdoctor.fix.apply import environment_after

        def verify():
            env = environment_after(plan, environ)
            bad = []
            for c in failing:
                if time.monotonic() >= deadline:
                    return False, M("toolfix.no_time_left", "no time left to verify within --timeout")
                still = _still_failing(c, verify_request(c, env, deadline, workdir))
                if still:
                    bad.append(still)
            return (not bad), J("; ", bad)
        return verify
    return plan_verify


def _still_failing(c: ToolCheck, req: object) -> Optional[str]:
    """What the tool's request after the change says when it is not ok (None: ok)."""
    st = str(getattr(getattr(req, "status", None), "value", getattr(req, "status", "")))
    if st == "ok":
        return None
    # the tool's own last line is a value: quoted as it printed it
    tail = (getattr(req, "output", "") or "").strip().splitlines()[-1:] or [""]
    return (M("toolfix.still_output", "%s still %s: %s", c.tool, _status_word(st), tail[0][:200])
            if tail[0] else M("toolfix.still", "%s still %s", c.tool, _status_word(st)))


def _exit_code(outcome, manual: Sequence[str]) -> int:
    """run_fix's exit code, except 1 where a tool still fails without a fix: another tool
    still needs a person, or nothing that could help was planned."""
    if outcome.status == "fixed" and manual:
        return exitcodes.PROBLEM  # another tool still needs a person
    if outcome.status == "nothing_to_fix":
        return exitcodes.PROBLEM  # a tool fails and nothing that could help was planned
    return outcome.exit_code


# A tool's request status as fix --tool's text says it (tools.RequestStatus values; --json keeps the value).
_STATUS_WORDS = {"ok": M("toolfix.status_ok", "ok"), "failed": M("toolfix.status_failed", "failed"),
                 "deadline": M("toolfix.status_deadline", "deadline"),
                 "could_not_run": M("toolfix.status_could_not_run", "could_not_run")}


def _status_word(status: str) -> str:
    return _STATUS_WORDS.get(status, status)


_WORDS = {"en": {"alternative": "alternative (not applied): %s\n", "manual": "manual: %s\n"},
          "zh": {"alternative": "备选方案（未应用）：%s\n", "manual": "手动：%s\n"}}


def _in(text: str, lang: str) -> str:
    """A message in ``lang`` (by its id, ``render.zh``); English and plain strings as they are."""
    if lang == "zh" and isinstance(text, Msg):
        from tlsdoctor.render import zh

        return zh.tr(text)
    return text


def _say(options: FixOptions, out, data: dict, msg: str, lang: str = "en") -> None:
    if options.json:
        out.write(json.dumps(data, sort_keys=True) + "\n")
    else:
        out.write(redact_text(_in(msg, lang)) + "\n")


def run(args) -> int:
    """The ``fix --tool`` front end (``fix.command.run`` hands over when ``--tool`` is not pip)."""
    from tlsdoctor.fix.command import _Clock

    started = getattr(args, "_started", None) or time.monotonic()
    names = FIX_TOOLS if args.tool == "all" else (args.tool,)
    clock = _Clock(started, args.timeout)
    as_json = (args.format or "text") == "json"
    options = FixOptions(dry_run=args.dry_run, yes=args.yes, trust_ca_sha256=args.trust_ca_sha256,
                         allow_weaker=args.allow_weaker, scope_system=args.scope == "system", json=as_json)
    workdir = tempfile.mkdtemp(prefix="tlsdoctor-toolfix-")
    try:
        checks = check_tools(names, os.environ, args.python, os.getcwd(), started + args.timeout / 2, workdir,
                             ca_file=os.path.abspath(args.ca_file) if args.ca_file else None)
        if args.tool != "all" and not checks:
            msg = M("toolfix.not_found", "%s was not found (PATH, or the interpreter given with --python)", args.tool)
            _say(options, sys.stdout, {"status": "failed", "message": msg, "exit_code": exitcodes.PROBLEM}, msg,
                 getattr(args, "lang", "en"))
            return exitcodes.PROBLEM
        interactive = not as_json and sys.stdin.isatty() and sys.stdout.isatty()
        return run_tool_fix(checks, options=options, environ=os.environ, deadline=clock.deadline, workdir=workdir,
                            interactive=interactive, ask=clock.asker(sys.stdout),
                            lang=getattr(args, "lang", "en") or "en").exit_code
    finally:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)

