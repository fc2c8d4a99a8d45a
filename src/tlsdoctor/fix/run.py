"""The ``fix`` flow, without check: Steps in, confirmation, plan, apply, verify, result out.

The front end (``tlsdoctor.fix.command``, ``tlsdoctor fix``) runs check, collects the
diagnoses' ``fix`` Steps, and passes ``plan_verify``: check again, in the environment a
new shell would have after the plan (``apply.environment_after``). This module owns what the issue specifies about the conversation:

- nothing changes before the plan is shown;
- a CA is trusted only as ``trust.confirm`` allows (``--yes`` needs ``--trust-ca-sha256``);
- ``--dry-run`` only prints the plan; without a terminal and without ``--yes`` it prints
  the plan and exits 1 ("re-run with --yes"); on a terminal it asks "Apply N changes? [y/N]";
- exit codes: 0 healthy or fixed and verified; 1 a problem remains that needs a manual
  step (or the user declined); 3 could not complete or verification failed (rolled back).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence, TextIO

from tlsdoctor import exitcodes
from tlsdoctor.fix._redact import redact_text
from tlsdoctor.messages import M, Msg

if TYPE_CHECKING:  # the engine is imported when it is used (ENGINE): `tlsdoctor fix` warms it up during its check
    from tlsdoctor.fix.apply import ApplyResult, VerifyResult
    from tlsdoctor.fix.journal import Journal
    from tlsdoctor.fix.plan import Plan, PlanContext

# The engine's modules. The command line (cli -> fix.command -> here) needs only FixOptions
# and configure_fix; ``fix.command`` imports these in a thread while its first check waits
# for the probe, so that their import is not added to the command's time.
ENGINE = ("tlsdoctor.fix.apply", "tlsdoctor.fix.journal", "tlsdoctor.fix.plan", "tlsdoctor.fix.trust",
          "tlsdoctor.fix.edits")


@dataclass
class FixOptions:
    dry_run: bool = False
    yes: bool = False
    trust_ca_sha256: Optional[str] = None
    allow_weaker: bool = False
    scope_system: bool = False  # only honoured when running as root (the front end checks)
    json: bool = False


def configure_fix(parser: argparse.ArgumentParser) -> None:
    """The engine's options of ``tlsdoctor fix`` (the front end adds --python, --index-url,
    --timeout, --format, --lang, which belong to check)."""
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument("--yes", action="store_true", help="apply without asking (fleets, CI)")
    parser.add_argument("--trust-ca-sha256", metavar="HEX", default=None,
                        help="trust the presented CA only if its SHA-256 fingerprint is exactly this")
    parser.add_argument("--ca-file", metavar="PEM", default=None, help="the CA to trust, instead of the presented one")
    parser.add_argument("--allow-weaker", action="store_true",
                        help="also apply client-side workarounds that weaken security (stated as such)")
    parser.add_argument("--scope", choices=("user", "system"), default="user",
                        help="system: also change system-wide files (needs root)")


@dataclass
class FixOutcome:
    exit_code: int
    status: str  # "nothing_to_fix" | "planned" | "declined" | "needs_yes" | "fixed" | "rolled_back" | "failed"
    plan: dict = field(default_factory=dict)
    result: Optional[ApplyResult] = None
    remaining: List[str] = field(default_factory=list)
    ca_decisions: List[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        r = self.result
        return {
            "status": self.status,
            "plan": self.plan,
            "applied": [c["summary"] for c in self.plan.get("changes", [])
                        if r and r.changed_anything and c["path"] in r.changed],
            "changed": bool(r and r.changed_anything),
            "verified": r.verified if r else None,
            "transaction": r.transaction if r and r.changed_anything else None,
            "remaining": [redact_text(x) for x in self.remaining],
            "ca": self.ca_decisions,
            "message": redact_text(r.message) if r else "",
        }


def run_fix(steps: Sequence[object], *, options: FixOptions, ctx: Optional[PlanContext] = None,
            journal: Optional[Journal] = None, verify: Optional[Callable[[], VerifyResult]] = None,
            interactive: bool = False, ask: Optional[Callable[[str], str]] = None,
            out: Optional[TextIO] = None,
            plan_verify: Optional[Callable[[Plan], Callable[[], VerifyResult]]] = None,
            after_plan: Sequence[str] = ()) -> FixOutcome:
    """Run the fix conversation over ``steps``; ``interactive`` means stdin and stdout are a terminal.

    ``plan_verify(plan)`` returns the verify callback for the plan built here (the front
    end's: check again in ``apply.environment_after(plan, os.environ)``, which needs the
    plan's shell edits); it wins over ``verify``. ``after_plan``: lines said right after
    the plan (what the user most likely meets once it is applied: ``fix.whatnext``).
    """
    import sys

    from tlsdoctor.fix.apply import apply
    from tlsdoctor.fix.journal import Journal
    from tlsdoctor.fix.plan import PlanContext, build_plan

    out = out or sys.stdout
    ctx = ctx or PlanContext()
    ctx = replace(ctx, allow_weaker=options.allow_weaker or ctx.allow_weaker,
                  allow_system=options.scope_system or ctx.allow_system,
                  confirmed_cas=dict(ctx.confirmed_cas), ca_subjects=dict(ctx.ca_subjects))
    journal = journal or Journal()
    lang = ctx.lang  # the language of the text said here (``fix --lang zh``); --json is English whatever it is
    say = (lambda text: None) if options.json else (lambda text: out.write(redact_text(said_in(text, lang)) + "\n"))
    if ask is not None and lang != "en":
        ask = _asking_in(ask, lang)  # the questions (trust.confirm's too) in the user's language; answers stay y/N
    may_ask = interactive and ask is not None and not options.yes and not options.dry_run

    # 1. Which CA would be trusted, shown in full, confirmed (or not) — before the plan.
    decisions = _confirm_cas(steps, ctx, options, say, ask if may_ask else None)

    # 2. The plan, shown before anything changes.
    plan = build_plan(steps, ctx)
    remaining = list(plan.manual) + list(plan.refused)
    outcome = FixOutcome(exitcodes.OK, "planned", plan.to_json(), None, remaining, decisions)
    if plan.changes:
        n = len(plan.changes)
        say(M("fix.plan_one", "Plan (%d change):", n) if n == 1 else M("fix.plan_many", "Plan (%d changes):", n))
    say(plan.render())
    for line in after_plan:
        say(line)
    stop = _stop_before_apply(plan, options, may_ask, ask, say)
    if stop is not None:
        outcome.status = stop
        outcome.exit_code = _exit_code(stop, remaining)
        return _finish(outcome, options, out)

    # 3. Apply, verify, roll back when unverified.
    if plan_verify is not None:
        verify = plan_verify(plan)
    result = apply(plan, journal, verify=verify, allow_system=ctx.allow_system)
    outcome.result = result
    say(result.message)
    outcome.status = _APPLY_STATUS.get(result.status, "failed")
    outcome.exit_code = _exit_code(outcome.status, remaining)
    return _finish(outcome, options, out)


def said_in(text: object, lang: str) -> str:
    """A message in ``lang`` ("zh": by its id, ``render.zh``); English and plain strings as they are."""
    if lang == "zh" and isinstance(text, Msg):
        from tlsdoctor.render import zh

        return zh.tr(text)
    return str(text)


def _asking_in(ask: Callable[[str], str], lang: str) -> Callable[[str], str]:
    return lambda prompt: ask(said_in(prompt, lang))


def _confirm_cas(steps: Sequence[object], ctx: PlanContext, options: FixOptions,
                 say: Callable[[str], None], ask: Optional[Callable[[str], str]]) -> List[dict]:
    """Show each CA the fix would trust and ask once per CA; accepted ones go into ``ctx``."""
    from tlsdoctor.fix.plan import ca_candidates
    from tlsdoctor.fix.trust import confirm

    decisions: List[dict] = []
    seen = set()
    for step, info in ca_candidates(steps):
        if isinstance(info, str):
            if info not in seen:
                seen.add(info)
                decisions.append({"accepted": False, "reason": info})
            continue
        if info.sha256 in seen:
            continue  # two diagnoses (e.g. interception and a private CA) name the same CA: one question
        seen.add(info.sha256)
        say(M("fix.would_trust", "The fix would trust this CA certificate:"))
        for line in info.describe():
            say(M("fix.indented", "  %s", line))
        d = confirm(info, trust_sha256=options.trust_ca_sha256, ask=ask)
        decisions.append({"sha256": info.sha256, "subject": info.subject_text, "accepted": d.accepted,
                          "reason": d.reason})
        say(M("fix.ca_trusted", "  -> trusted: %s", d.reason) if d.accepted
            else M("fix.ca_decision", "  -> %s", d.reason))
        if d.accepted:
            ctx.confirmed_cas[info.sha256] = info.der
            ctx.ca_subjects[info.sha256] = info.subject_text
    return decisions


def _stop_before_apply(plan: Plan, options: FixOptions, may_ask: bool,
                       ask: Optional[Callable[[str], str]], say: Callable[[str], None]) -> Optional[str]:
    """The outcome status when the plan is not applied (nothing to change, a dry run, no
    terminal to confirm on, or declined); None to go on and apply it."""
    if not plan.changes:
        return "nothing_to_fix"
    if options.dry_run:
        return "planned"
    if options.yes:
        return None
    if not may_ask:
        say(M("fix.no_terminal", "No terminal to ask on: nothing changed. Re-run with --yes to apply this plan."))
        return "needs_yes"
    n = len(plan.changes)
    # The answer stays y/N in every language (the prompt says so in its own words).
    answer = (ask(M("fix.apply_one", "Apply %d change? [y/N] ", n) if n == 1
                  else M("fix.apply_many", "Apply %d changes? [y/N] ", n)) or "").strip().lower()
    if answer not in ("y", "yes"):
        say(M("fix.nothing_changed", "Nothing changed."))
        return "declined"
    return None


# apply()'s result status -> the fix outcome's status.
_APPLY_STATUS = {
    "verified": "fixed",
    "applied": "fixed",
    "nothing_to_do": "nothing_to_fix",
    "rolled_back": "rolled_back",
}
_STATUS_EXIT = {
    "fixed": exitcodes.OK,
    "planned": exitcodes.PROBLEM,  # a dry run: the problem is still there
    "needs_yes": exitcodes.PROBLEM,
    "declined": exitcodes.PROBLEM,
    "rolled_back": exitcodes.INCOMPLETE,
    "failed": exitcodes.INCOMPLETE,
}


def _exit_code(status: str, remaining: Sequence[str]) -> int:
    if status == "nothing_to_fix":
        # nothing automatic to do: still a problem when manual or refused steps remain
        return exitcodes.PROBLEM if remaining else exitcodes.OK
    return _STATUS_EXIT[status]


def _finish(outcome: FixOutcome, options: FixOptions, out: TextIO) -> FixOutcome:
    if options.json:
        # one line: fleets (Ansible, Intune, Jamf) read one JSON object per host
        out.write(json.dumps(outcome.to_json(), sort_keys=True) + "\n")
    return outcome
