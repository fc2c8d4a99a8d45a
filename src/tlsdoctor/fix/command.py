"""``tlsdoctor fix``: check, plan from the diagnoses' Steps, confirm, apply, verify by checking again.

Flow (issue #10):

1. ``check.collect`` with half of ``--timeout`` (default 20 s for fix): the same probe
   ``tlsdoctor check`` runs, pip's own request through pip's own session.
2. The ``fix`` Steps of every diagnosis, in the rules' ranking order. A step of a later
   diagnosis that sets the same variable or pip key *differently* from an earlier one is
   an alternative explanation's remedy, not an addition: it is left out (said as such).
3. The CA to trust: ``--ca-file``, else the certificate the server or proxy presented
   (``facts.Cert.pem`` when the probe reports it, written to a private temp dir for the
   run), always shown and confirmed by its fingerprint (``trust.confirm``).
4. The plan context from pip's own configuration levels (the file whose value wins: a
   ``PIP_CONFIG_FILE`` that exists hides the user file from pip; a user file beats the
   global one, so a global ``/etc/pip.conf`` is never the file written for a ``set``).
5. ``run_fix`` shows the plan, asks (or needs ``--yes``), applies in one journal
   transaction and verifies: ``check.collect`` again, in the environment a new shell would
   have (``apply.environment_after``), with the rest of the budget. Verified iff that check
   says ``ok``; otherwise every change is rolled back (exit 3) and the new verdict is said.

``--timeout`` stays a hard bound on the whole command: the first check gets half, the
verification what is left (less a small margin for rollback and output). Time spent
waiting for the user's answer at the terminal does not count against it.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import replace
from typing import Dict, List, Optional, Sequence, Tuple

from tlsdoctor import exitcodes
from tlsdoctor.fix import whatnext
from tlsdoctor.fix._redact import redact_text
from tlsdoctor.fix.run import FixOptions, configure_fix, run_fix, said_in
from tlsdoctor.messages import J, M

FIX_TIMEOUT = 20.0
CHECK_SHARE = 0.5  # of --timeout for the first check; the rest verifies
MARGIN = 0.3  # s kept for rollback and the report after verification

SETTERS = {"set_env": "env", "unset_env": "env", "set_config": "config", "unset_config": "config"}


def configure(parser: argparse.ArgumentParser) -> None:
    from tlsdoctor import check

    check.configure(parser)
    for action in parser._actions:
        if action.dest == "timeout":
            action.default = FIX_TIMEOUT
            action.help = ("hard bound in seconds on the whole command (default: %g): half for the check, the rest "
                           "for the verification after applying; time spent answering a question does not count"
                           % FIX_TIMEOUT)
    configure_fix(parser)
    if not any("--tool" in a.option_strings for a in parser._actions):  # check's own --tool, once merged
        parser.add_argument("--tool", choices=("pip", "uv", "poetry", "requests", "httpx", "all"), default="pip",
                            help="fix this tool's own trust path, verified with the tool itself (default: pip)")


# ------------------------------------------------------------------------- steps from diagnoses

def _kind(step: object) -> str:
    kind = getattr(step, "kind", None)
    return str(getattr(kind, "value", kind))


def _setting(step: object) -> Optional[Tuple[str, str]]:
    """The setting a step changes: ("env", "HTTPS_PROXY") or ("config", "global.cert")."""
    what = SETTERS.get(_kind(step))
    if not what or not getattr(step, "automatic", False):
        return None
    key = getattr(step, "key", None) or ""
    if what == "env":
        # Variable names are case-sensitive, but pip (urllib) reads https_proxy and HTTPS_PROXY alike.
        return what, key.upper() if key.lower().endswith("_proxy") else key
    return what, key if "." in key else "global." + key


def collect_steps(diagnoses: Sequence[object]) -> Tuple[List[object], List[str]]:
    """Every diagnosis' Steps, deduplicated; a later diagnosis that would change an earlier
    one's setting differently is left out as a whole (notes say so)."""
    steps: List[object] = []
    notes: List[str] = []
    claimed: Dict[Tuple[str, str], Tuple[str, Optional[str], str]] = {}
    for d in diagnoses:
        fix = list(getattr(d, "fix", ()) or ())
        clash = None
        for s in fix:
            k = _setting(s)
            if k and k in claimed and claimed[k][:2] != (_kind(s), getattr(s, "value", None)):
                clash = (k, claimed[k][2])
                break
        if clash:
            notes.append(M("fix.not_applied", "not applied: the remedy of %s changes %s differently from that of %s "
                           "(an alternative explanation; fix the first, then check again)",
                           d.cause, clash[0][1], clash[1]))
            continue
        for s in fix:
            k = _setting(s)
            if k and k not in claimed:
                claimed[k] = (_kind(s), getattr(s, "value", None), d.cause)
            if _kind(s) == "server":
                s = replace(s, explanation=_admin_message(d, s))
            if s not in steps:
                steps.append(s)
    return steps, notes


def _admin_message(d: object, step: object) -> str:
    """A ready message for the index's administrators, with the evidence (issue #10); a message with an id
    (tlsdoctor.messages), so ``--lang zh`` can print it in Chinese with the rule's own sentences."""
    evidence = J("; ", getattr(d, "evidence", ())[:3])
    return M("fix.admin_message", "for the administrators of %s: %s (%s)%s",
             getattr(d, "host", None) or M("fix.the_index", "the index"), getattr(step, "explanation", ""),
             getattr(d, "cause", ""), M("fix.admin_evidence", " — evidence: %s", evidence) if evidence else "")


def presented_pems(facts: object) -> Dict[str, str]:
    """sha256 -> PEM of every certificate the probe reports with its PEM (``Cert.pem``):
    presented chains' top and self-issued certs, and the AIA-fetched issuer."""
    out: Dict[str, str] = {}
    for h in getattr(facts, "hosts", ()) or ():
        attempts = getattr(h, "attempts", None)
        if attempts is None:
            continue
        found = []
        for name in getattr(attempts, "__dataclass_fields__", {}):
            value = getattr(attempts, name)
            found.extend(value.values() if isinstance(value, dict) else [value])
        for a in found:
            # and the issuer fetched from the leaf's AIA URL (missing-intermediate's CA to add)
            for c in tuple(getattr(a, "chain", ()) or ()) + (getattr(getattr(a, "aia", None), "cert", None),):
                if c is None:
                    continue
                pem, sha = getattr(c, "pem", None), (getattr(c, "sha256", "") or "").replace(":", "").lower()
                if pem and sha:
                    out.setdefault(sha, pem)
    return out


def _is_user_step(s: object) -> bool:
    """An automatic step for the user's own files (not the OS trust store)."""
    return bool(getattr(s, "automatic", False)) and str(getattr(s.scope, "value", s.scope)) != "system"


def _write_presented(pem: str, sha: str, tmpdir: str) -> str:
    path = os.path.join(tmpdir, "presented-%s.pem" % sha[:16])
    with open(path, "w") as f:
        f.write(pem if pem.endswith("\n") else pem + "\n")
    return path


def _resolve_add_ca(s: object, ca_file: Optional[str], pems: Dict[str, str],
                    tmpdir: str) -> Tuple[object, bool]:
    """(the ADD_CA step pointed at a real file, whether its placeholder file is now in hand)."""
    from tlsdoctor.fix.trust import normalize_fingerprint

    if ca_file and not _is_user_step(s):
        # An OS-store step stays manual, but its command names the user's real file.
        path = os.path.abspath(ca_file)
        return replace(s, value=path, argv=tuple(path if a == s.value else a for a in s.argv)), True
    if not getattr(s, "automatic", False):
        return s, False
    if ca_file:
        return replace(s, value=os.path.abspath(ca_file), ca_sha256=None), True
    sha = normalize_fingerprint(s.ca_sha256 or "")
    if sha in pems:
        return replace(s, value=_write_presented(pems[sha], sha, tmpdir)), True
    return s, False


def resolve_ca(diagnoses_steps: List[object], facts: object, ca_file: Optional[str],
               tmpdir: str) -> List[object]:
    """Point each automatic user ADD_CA step at a real file: ``--ca-file`` (its own
    certificates, so no presented fingerprint restricts it), else the presented CA's PEM
    written into ``tmpdir``. The manual "get the CA certificate, save it as X" steps of a
    step so resolved are dropped: the CA is in hand."""
    pems = presented_pems(facts)
    out: List[object] = []
    resolved: List[str] = []  # the rules' placeholder file names now in hand
    for s in diagnoses_steps:
        if _kind(s) == "add_ca":
            placeholder = os.path.basename(s.value or "")
            s, in_hand = _resolve_add_ca(s, ca_file, pems, tmpdir)
            if in_hand:
                resolved.append(placeholder)
        out.append(s)
    if resolved:
        out = [s for s in out if not (_kind(s) == "manual" and any(
            p and (" as %s" % p) in (s.explanation or "") for p in resolved))]
    return out


MASK = "***"
# The rules' placeholder for credentials only the user knows (proxy_auth_required: the 407's
# remedy is ``http://USER:PASSWORD@proxy``): never written as if it were a value.
PLACEHOLDER = "USER:PASSWORD@"


def unmask_steps(steps: List[object], environ) -> List[object]:
    """A value the rules built from a *redacted* setting (the probe masks credentials:
    ``http://***@proxy:3128``) gets the real credentials back from the variable it
    replaces, when only the scheme differs (``https://u:p@h`` -> ``http://u:p@h``); otherwise
    the step becomes manual. Writing the mask would destroy the user's credentials; writing
    the rules' ``USER:PASSWORD`` placeholder would only trade one 407 for another."""
    from tlsdoctor.remedies import StepKind

    out = []
    for s in steps:
        value = getattr(s, "value", None)
        if _kind(s) in ("set_env", "set_config") and value and (MASK in value or PLACEHOLDER in value):
            fixed = None
            for name in filter(None, (getattr(s, "source", None), getattr(s, "key", None))):
                current = environ.get(name)
                if current and "://" in current and "://" in value and \
                        redact_text(current).split("://", 1)[1] == value.split("://", 1)[1]:
                    fixed = value.split("://", 1)[0] + "://" + current.split("://", 1)[1]
                    break
            if fixed is None:
                s = replace(s, kind=StepKind.MANUAL, automatic=False,
                            explanation=M("fix.set_yourself", "set %s to %s yourself, with its credentials "
                                          "(tlsdoctor never sees them)%s", s.key, value,
                                          M("fix.because", ": %s", s.explanation) if s.explanation else ""))
            else:
                s = replace(s, value=fixed)
        out.append(s)
    return out


# ------------------------------------------------------------------------- where pip reads its config

def config_levels(facts: object) -> Dict[str, List[dict]]:
    conf = getattr(facts, "pip_config", None) or {}
    return {lv.get("level"): list(lv.get("files") or []) for lv in conf.get("levels") or []}


def config_target(facts: object) -> Optional[Tuple[str, str]]:
    """(file, scope) where a new pip setting wins, from pip's own list of files per level
    (``Configuration.iter_config_files``; the probe reports it): a ``PIP_CONFIG_FILE`` that
    exists (pip then skips the user files: ``should_load_user_config``), else a site file
    that sets ``cert`` (it beats the user file), else pip's user file (new location).
    The global level is never the answer: a user file beats it. None when pip reads no file
    (``PIP_CONFIG_FILE=os.devnull``)."""
    conf = getattr(facts, "pip_config", None) or {}
    if conf.get("pip_config_file") == os.devnull:
        return None
    levels = config_levels(facts)
    env = [f for f in levels.get("env", []) if f.get("exists")]
    if env:
        return env[-1]["path"], "user"
    for f in reversed(levels.get("site", [])):
        if f.get("exists") and any(k.endswith(".cert") for k in f.get("values") or {}):
            return f["path"], "interpreter"
    users = levels.get("user", [])
    existing = [f for f in users if f.get("exists")]
    if existing:
        return existing[-1]["path"], "user"
    if users:
        return users[-1]["path"], "user"
    return None


def place_config_steps(steps: List[object], facts: object, target: Optional[Tuple[str, str]]) -> List[object]:
    """A SET_CONFIG naming a global file (``/etc/pip.conf``) goes to the file that wins
    instead (a user file beats the global one); an UNSET_CONFIG there is a system change
    (root and ``--scope system``): no user file can take a global value back."""
    from tlsdoctor.remedies import Scope

    global_files = {os.path.abspath(f["path"]) for f in config_levels(facts).get("global", []) if f.get("path")}
    site_files = {os.path.abspath(f["path"]) for f in config_levels(facts).get("site", []) if f.get("path")}
    out = []
    for s in steps:
        k = _kind(s)
        f = os.path.abspath(os.path.expanduser(s.file)) if k in ("set_config", "unset_config") and s.file else None
        if f and f in global_files:
            if k == "set_config" and target:
                s = replace(s, file=target[0], scope=Scope(target[1]))
            else:
                s = replace(s, scope=Scope.SYSTEM, needs_root=True)
        elif f and f in site_files:
            s = replace(s, scope=Scope.INTERPRETER)
        out.append(s)
    return out


def plan_context(facts: object, target: Optional[Tuple[str, str]], steps: List[object]):
    from tlsdoctor.fix.plan import PlanContext

    ctx = PlanContext()
    if target:
        ctx.user_config = target[0]
        ctx.cert_config = target[0]
    # The rules' ADD_CA argv is "cat <what pip trusts now> <public roots> <new CA>": the
    # planner builds on those inputs. Only a step without them needs a base: certifi's
    # bundle (the public roots pip would otherwise use).
    if any(_kind(s) == "add_ca" and not (getattr(s, "argv", ()) or ()) for s in steps):
        certifi = getattr(facts, "certifi", None)
        ctx.base_bundle = getattr(certifi, "path", None)
    return ctx


# ------------------------------------------------------------------------- the command

class _Clock:
    """The command's deadline; time spent waiting for the user is given back."""

    def __init__(self, started: float, timeout: float) -> None:
        self.deadline = started + timeout

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def asker(self, out):
        def ask(prompt: str) -> str:
            t0 = time.monotonic()
            try:
                out.write(prompt)
                out.flush()
                return sys.stdin.readline()
            finally:
                self.deadline += time.monotonic() - t0
        return ask


def _verdict(report: object) -> str:
    """What the verification's check says, a message with an id (the rules' verdicts and check's
    own lines are messages too: ``fix --lang zh`` says it all in Chinese)."""
    causes = [M("fix.cause_verdict", "%s (%s)", d.cause, d.verdict) for d in getattr(report, "diagnoses", ())]
    if causes:
        return M("fix.still_finds", "check still finds: %s", J("; ", causes))
    return M("fix.not_confirmed", "check could not confirm it works: %s", _unconfirmed(report))


def _unconfirmed(report: object) -> str:
    """Why check could not conclude (str() of an Incomplete is its detail: a message when check made one)."""
    items = [str(i) for i in getattr(report, "incomplete", ()) or ()]
    if getattr(report, "error", None) is not None:
        items.insert(0, str(report.error))
    return J("; ", items) if items else str(report.status)


def run(args: argparse.Namespace) -> int:
    from tlsdoctor import check, probe

    if getattr(args, "tool", "pip") not in (None, "pip"):
        from tlsdoctor.fix import tool_fix

        return tool_fix.run(args)
    started = getattr(args, "_started", None) or time.monotonic()
    fmt = args.format or "text"
    as_json = fmt == "json"
    lang = "en" if as_json else getattr(args, "lang", "en") or "en"  # --json's error is English
    if args.scope == "system" and (not hasattr(os, "geteuid") or os.geteuid() != 0):
        check.usage_error("fix", said_in(M("fix.scope_needs_root", "--scope system changes system-wide files: "
                                           "run it as root"), lang), as_json)
        return exitcodes.USAGE
    if args.ca_file and not os.path.isfile(args.ca_file):
        check.usage_error("fix", said_in(M("fix.no_ca_file", "--ca-file %s: no such file", args.ca_file), lang),
                          as_json)
        return exitcodes.USAGE
    clock = _Clock(started, args.timeout)
    previous = check._install_signal_handlers()
    tmpdir = tempfile.mkdtemp(prefix="tlsdoctor-fix-")  # 0700: the presented CA, for this run only
    threading.Thread(target=_warm_up, name="tlsdoctor-fix-warm-up", daemon=True).start()
    try:
        report = check.collect(python=args.python, index_url=args.index_url, timeout=args.timeout * CHECK_SHARE,
                               second_host=args.second_host, started=started)
        probe.cleanup()
        return _after_check(args, report, clock, tmpdir, fmt)
    finally:
        probe.cleanup()
        check._restore_signal_handlers(previous)
        shutil.rmtree(tmpdir, ignore_errors=True)


def _warm_up() -> None:
    """Import what comes after the first check while it waits for the probe (a child
    process: here the main thread only waits): the rules and facts it judges with, the
    fix engine, the KB's graph. Nothing is measured or decided here, so the verification is
    untouched; it only takes the imports out of the command's critical path. Safe across
    threads: these modules import one another without cycles (an import cycle between two
    threads is what could hand one of them a half-initialised module)."""
    import importlib

    from tlsdoctor.fix.run import ENGINE

    for name in ("tlsdoctor.facts", "tlsdoctor.rules", "tlsdoctor.render.check") + ENGINE:
        try:
            importlib.import_module(name)
        except Exception:  # the main thread meets (and reports) the same error itself
            pass
    try:
        from tlsdoctor import rules

        rules.load_rules()
        whatnext.what_next(())  # the KB's entries (kb.load_entries caches them)
    except Exception:
        pass


def _after_check(args, report, clock: _Clock, tmpdir: str, fmt: str) -> int:
    from tlsdoctor.check import Status

    as_json = fmt == "json"
    lang = "en" if as_json else getattr(args, "lang", "en") or "en"  # the text's language; --json is English
    out = sys.stdout
    summary = {"status": str(report.status), "causes": [d.cause for d in report.diagnoses]}
    stopped = _stop_before_plan(args, report, as_json, lang, summary)
    if stopped is not None:
        return stopped
    if not as_json and report.status != Status.OK:
        _write_check(report, fmt, args.lang, out)
    steps, notes = collect_steps(report.diagnoses)
    steps, ctx = _placed_steps(steps, report.facts, args.ca_file, tmpdir)
    if report.status == Status.OK and not as_json:
        out.write(said_in(M("fix.healthy", "pip connects (check: ok): nothing to fix."), lang) + "\n")
        return exitcodes.OK
    if getattr(args, "lang", "en") == "zh" and not as_json:
        # The rules' explanations in Chinese in the plan it prints (why:, manual:); --json stays English.
        from tlsdoctor.render import zh

        steps = zh.translated_steps(steps)
        ctx.lang = "zh"  # fix.plan and fix.run: the plan's words, the questions and the result in Chinese
    options = FixOptions(dry_run=args.dry_run, yes=args.yes, trust_ca_sha256=args.trust_ca_sha256,
                         allow_weaker=args.allow_weaker, scope_system=args.scope == "system", json=as_json)
    interactive = not as_json and sys.stdin.isatty() and sys.stdout.isatty()

    found: Dict[str, List[str]] = {}  # the verification's causes, for what comes next
    # What the user most likely meets once this is fixed (the KB's lab-measured edges).
    coming = whatnext.what_next(whatnext.causes_of(report.diagnoses))
    buf = io.StringIO()
    outcome = run_fix(steps, options=options, ctx=ctx, interactive=interactive, ask=clock.asker(out),
                      out=buf if as_json else out, plan_verify=_plan_verifier(args, report, clock, found),
                      after_plan=whatnext.lines(coming))
    verified = outcome.result.verified if outcome.result else None
    if verified is not None and "causes" in found:
        whatnext.mark_met(coming, found["causes"])
    if as_json:
        _write_json_result(outcome, notes, summary, coming, out)
    else:
        _write_text_tail(args, notes, coming, verified, lang, out)
    return outcome.exit_code


def _stop_before_plan(args, report, as_json: bool, lang: str, summary: dict) -> Optional[int]:
    """The exit code when the first check leaves nothing to plan from (a usage error; could
    not complete without a single diagnosis), said in the chosen format; None: go on."""
    from tlsdoctor import check
    from tlsdoctor.check import Status

    if report.status == Status.USAGE:
        check.usage_error("fix", str(report.error), as_json)
        return exitcodes.USAGE
    if report.status == Status.INCOMPLETE and not report.diagnoses:
        msg = M("fix.could_not_complete", "could not complete: %s", _unconfirmed(report))
        _emit(as_json, {"status": "failed", "plan": {"changes": [], "manual": [], "refused": []}, "applied": [],
                        "changed": False, "verified": None, "transaction": None, "remaining": [], "ca": [],
                        "message": redact_text(msg), "check": summary},
              said_in(M("fix.nothing_changed_because", "tlsdoctor fix: nothing changed; %s", msg), lang))
        return exitcodes.INCOMPLETE
    return None


def _write_check(report, fmt: str, lang: str, out) -> None:
    """The check's own report first (text), a blank line after it: the plan that follows answers it."""
    from tlsdoctor import check
    from tlsdoctor.render import check as render

    text = render.render(report, fmt=fmt, lang=lang)
    check._write(text if text.endswith("\n") else text + "\n")
    out.write("\n")


def _placed_steps(steps, facts, ca_file: Optional[str], tmpdir: str):
    """The steps made concrete for this machine -- the CA to trust resolved, masked values
    unmasked from the environment, config steps put in the file pip reads -- and the plan
    context that goes with them: (steps, ctx)."""
    steps = resolve_ca(steps, facts, ca_file, tmpdir)
    steps = unmask_steps(steps, os.environ)
    target = config_target(facts)
    steps = place_config_steps(steps, facts, target)
    return steps, plan_context(facts, target, steps)


def _plan_verifier(args, report, clock: _Clock, found: Dict[str, List[str]]):
    """run_fix's ``plan_verify``: for an applied plan, a check again in the environment a new
    shell would have, with what is left of --timeout (less MARGIN); ok is verified, otherwise
    the new verdict. The causes it finds go to ``found["causes"]`` (what comes next)."""
    from tlsdoctor import check
    from tlsdoctor.check import Status

    def plan_verify(plan):
        from tlsdoctor.fix.apply import environment_after

        def verify():
            left = clock.left() - MARGIN
            if left < 0.5:
                return False, M("fix.no_time_left", "no time left to verify within --timeout %g", args.timeout)
            again = check.collect(python=report.python, index_url=args.index_url, timeout=left,
                                  env=environment_after(plan, os.environ), second_host=args.second_host)
            found["causes"] = [d.cause for d in again.diagnoses]
            if again.status == Status.OK:
                return True
            return False, _verdict(again)
        return verify
    return plan_verify


def _write_json_result(outcome, notes: Sequence[str], summary: dict, coming, out) -> None:
    """--json: run_fix's result with the notes left for a person, the first check's summary,
    what comes next and the exit code: one object on one line."""
    data = outcome.to_json()
    data["remaining"] = data["remaining"] + [redact_text(n) for n in notes]
    data["check"] = summary
    data["next"] = coming
    data["exit_code"] = outcome.exit_code
    out.write(json.dumps(data, sort_keys=True) + "\n")


def _write_text_tail(args, notes: Sequence[str], coming, verified: Optional[bool], lang: str, out) -> None:
    """Text: the notes left for a person (in Chinese with --lang zh), then -- once a verification
    ran -- what the user meets next and whether the verification met it."""
    if getattr(args, "lang", "en") == "zh":
        from tlsdoctor.render import zh

        notes = [zh.tr(n) for n in notes]
    for n in notes:
        out.write(redact_text(n) + "\n")
    if verified is not None:
        for line in whatnext.lines([n for n in coming if n["met"] is not None], verified):
            out.write(redact_text(said_in(line, lang)) + "\n")


def _emit(as_json: bool, data: dict, text: str) -> None:
    if as_json:
        data["exit_code"] = exitcodes.INCOMPLETE
        sys.stdout.write(json.dumps(data, sort_keys=True) + "\n")
    else:
        sys.stdout.write(redact_text(text) + "\n")
