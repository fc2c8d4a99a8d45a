"""Apply a plan in one journal transaction, verify it, and roll it back when unverified.

Order of events (the issue's contract):

1. the safety gate (``plan.refusals``) runs again — nothing unsafe reaches a file even
   when a caller hands in a hand-built plan;
2. the transaction is recorded before the first write (``Journal.begin``);
3. each change computes its new bytes from the file as it is *now* and is written
   atomically through the journal;
4. ``verify()`` (injected: the real one re-runs pip's own request in the environment a
   new shell would have) decides; unverified -> every change of this run is rolled
   back. An exception or Ctrl-C during 1-4 also rolls back before it propagates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Tuple, Union

from tlsdoctor.fix import edits, fsutil
from tlsdoctor.fix._redact import redact_text
from tlsdoctor.fix.journal import Journal, JournalError, UndoResult
from tlsdoctor.fix.plan import SHELL, Plan, _redacted, refusals
from tlsdoctor.messages import J, M, Msg

# verify() -> True/False, or (ok, detail) where detail says what still fails.
VerifyResult = Union[bool, Tuple[bool, str]]


@dataclass
class ApplyResult:
    status: str  # "verified" | "applied" (no verify given) | "nothing_to_do" | "rolled_back" | "refused" | "failed"
    transaction: Optional[str] = None
    changed: List[str] = field(default_factory=list)
    verified: Optional[bool] = None
    # A message with an id (``fix --lang zh`` says it in Chinese), its values redacted one by one (a
    # redact_text of the whole would drop the id); whoever prints or stores it redacts it again as a whole
    # (``run_fix``'s say, ``to_json``), so what is printed is what it was before it had an id.
    message: str = ""
    rollback: Optional[UndoResult] = None

    @property
    def changed_anything(self) -> bool:
        return self.status in ("verified", "applied")

    def to_json(self) -> dict:
        return {"status": self.status, "transaction": self.transaction, "changed": self.changed_anything,
                "files": self.changed, "verified": self.verified, "message": redact_text(self.message),
                "rollback": self.rollback.to_json() if self.rollback else None}


def apply(plan: Plan, journal: Journal, *, verify: Optional[Callable[[], VerifyResult]] = None,
          description: str = "tlsdoctor fix", allow_system: bool = False) -> ApplyResult:
    """Run ``plan``; see the module docstring for the guarantees."""
    unsafe = refusals(plan, allow_system)
    if unsafe:
        return ApplyResult("refused", message=M("apply.refused", "nothing changed; refused: %s", J("; ", unsafe)))
    if not plan.changes:
        return ApplyResult("nothing_to_do", message=M("apply.nothing_to_fix", "nothing to fix"))
    try:
        with journal.lock():
            return _apply_locked(plan, journal, verify, description)
    except JournalError as exc:
        return ApplyResult("failed", message=_said(exc))


def _apply_locked(plan: Plan, journal: Journal, verify, description: str) -> ApplyResult:
    tx = journal.begin(description + "\n" + plan.render(), details={"plan": plan.to_json()})
    try:
        for ch in plan.changes:
            current, _ = fsutil.read_state(ch.path)
            new = ch.compute(current, tx.id)
            tx.write(ch.path, new, note=ch.summary())
    except edits.EditError as exc:
        rb = tx.rollback("edit refused: %s" % exc)
        return ApplyResult("failed", tx.id, message=M("apply.edit_refused", "nothing changed: %s", _said(exc)),
                           rollback=rb)
    except BaseException as exc:  # Ctrl-C, OSError, a bug: leave the machine as it was
        tx.rollback("interrupted: %s" % type(exc).__name__)
        raise
    tx.commit()
    changed = [e["path"] for e in tx.files]
    if not changed:
        return ApplyResult("nothing_to_do", tx.id, message=M("apply.already_in_place",
                                                             "nothing to fix: every change is already in place"))
    if verify is None:
        return ApplyResult("applied", tx.id, changed, None,
                           M("apply.not_verified_applied", "applied %d change(s) (not verified)", len(changed)))
    try:
        outcome = verify()
    except BaseException as exc:
        tx.rollback("verification raised %s" % type(exc).__name__)
        if isinstance(exc, Exception):
            return ApplyResult("rolled_back", tx.id, changed, False,
                               M("apply.verify_crashed", "verification could not run (%s); rolled back", _said(exc)))
        raise
    ok, detail = outcome if isinstance(outcome, tuple) else (bool(outcome), "")
    if ok:
        return ApplyResult("verified", tx.id, changed, True,
                           M("apply.verified", "fixed and verified: %d file(s) changed; undo with: tlsdoctor undo %s",
                             len(changed), tx.id))
    rb = tx.rollback("verification failed: %s" % detail)
    msg = (M("apply.not_verified_because", "not verified: %s; every change of this run was rolled back", detail)
           if detail else M("apply.not_verified", "not verified; every change of this run was rolled back"))
    if not rb.ok:
        msg = M("apply.rollback_refused", "%s — but the rollback was refused: %s", msg, rb.message)
    return ApplyResult("rolled_back", tx.id, changed, False, _redacted(msg), rb)


def _said(exc: BaseException) -> str:
    """An exception's text, redacted; a message with an id (``EditError(M(...))``) stays one."""
    if len(exc.args) == 1 and isinstance(exc.args[0], Msg):
        return _redacted(exc.args[0])
    return redact_text(str(exc))


def environment_after(plan: Plan, environ: Mapping[str, str]) -> Dict[str, str]:
    """The environment a new login shell would have after ``plan``'s shell edits
    (for the verify callback: the probe must run as the user's next shell would).

    Unset variables are removed, set ones take their new value. An approximation of
    sourcing the files: it does not re-run the rest of them (a later line of another
    file could set the variable again — the planner edits every line that sets it).
    """
    env = dict(environ)
    for ch in plan.changes:
        if ch.kind != SHELL or not ch.key:
            continue
        if ch.value is None:
            env.pop(ch.key, None)
        else:
            env[ch.key] = ch.value
    return env
