"""The fix journal: every applied run is one transaction that ``undo`` can take back.

Layout (``$XDG_STATE_HOME/tlsdoctor``, default ``~/.local/state/tlsdoctor``)::

    journal/                      0700
      .lock                       one fix/undo at a time (flock, where available)
      20261129T193000.123456Z-1a2b3c/ 0700, one directory per transaction
        transaction.json          0600, metadata (redacted text, paths, hashes, modes)
        files/0.before            0600, the exact bytes of file 0 before the change
        files/0.after             0600, the exact bytes tlsdoctor wrote (for the diff
                                  ``undo`` shows when the file was changed since)

Backups are the user's own files byte for byte (an exact undo needs exact bytes, and
a pip config may legitimately hold an index URL with a token): that is why they live
only in 0600 files inside 0700 directories, and why nothing *about* them is printed
unredacted. The metadata — descriptions, notes — goes through redaction.

Crash safety. Order of operations for each file:

1. the transaction record exists with status ``applying`` before the first file is
   touched (the *intent*);
2. the backup of the current bytes is written (atomically) and the record lists the
   file with the sha256 it has now and the sha256 it will have — *before* the file
   is replaced;
3. the file is replaced atomically (``fsutil.atomic_write``);
4. after the last file, the status becomes ``applied``.

Whatever instant the process dies at (SIGKILL, power loss), each file is either its
old bytes or its new bytes (atomic rename), and the record already knows both
hashes, so ``undo`` can tell "not written yet" (nothing to do) from "written"
(restore) from "changed by someone since" (refuse, show the diff).
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import json
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple

from tlsdoctor.fix import fsutil
from tlsdoctor.fix._redact import redact_text
from tlsdoctor.redact import redact_tree
from tlsdoctor.messages import M

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one user runs one fix at a time
    fcntl = None  # type: ignore[assignment]

FORMAT_VERSION = 1

# Statuses of a transaction.
APPLYING = "applying"  # intent recorded; files may be partly written (interrupted run)
APPLIED = "applied"
ROLLED_BACK = "rolled_back"  # verification failed (or apply raised) and it was taken back
UNDONE = "undone"
EMPTY = "empty"  # nothing needed changing; kept only so `undo --list` can show it


class JournalError(Exception):
    """The journal cannot do what was asked (unknown id, locked, corrupted backup)."""


def state_dir() -> str:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "tlsdoctor")


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _new_id() -> str:
    # Microseconds keep ids of runs within one second in order ("last" = sorted()[-1]).
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
    return "%sZ-%s" % (stamp, secrets.token_hex(3))


def _write_private(path: str, data: bytes) -> None:
    fsutil.atomic_write(path, data, mode=0o600)


def _test_hook_after_write(count: int) -> None:
    """Let the interrupted-apply test stop the process between two file writes.

    ``_TLSDOCTOR_FIX_TEST_STOP_AFTER_WRITES=N``: after the N-th file write, say so on
    stderr and wait to be killed. Test-only; harmless when unset.
    """
    want = os.environ.get("_TLSDOCTOR_FIX_TEST_STOP_AFTER_WRITES")
    if want and want.isdigit() and int(want) == count:
        sys.stderr.write("tlsdoctor-test: stopped after %d writes\n" % count)
        sys.stderr.flush()
        time.sleep(600)


@dataclass
class Conflict:
    path: str
    reason: str
    diff: str = ""  # unified diff, redacted, of "as tlsdoctor left it" -> "as it is now"


@dataclass
class UndoResult:
    transaction: str
    status: str  # "undone" | "already_undone" | "refused" | "nothing_to_undo"
    restored: List[str] = field(default_factory=list)
    removed: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)  # already in their old state
    conflicts: List[Conflict] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status in ("undone", "already_undone", "nothing_to_undo")

    def to_json(self) -> dict:
        return {
            "transaction": self.transaction,
            "status": self.status,
            "restored": self.restored,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "conflicts": [{"path": c.path, "reason": c.reason, "diff": c.diff} for c in self.conflicts],
            "message": self.message,
        }


def _diff(path: str, old: Optional[bytes], new: Optional[bytes]) -> str:
    def lines(b: Optional[bytes]) -> List[str]:
        if b is None:
            return []
        return b.decode("utf-8", "replace").splitlines(keepends=True)

    out = difflib.unified_diff(lines(old), lines(new), path + " (as tlsdoctor left it)", path + " (now)")
    text = "".join(line if line.endswith("\n") else line + "\n" for line in out)
    # The files are the user's own and may hold an index URL with a token.
    return redact_text(text)


class Transaction:
    """One applied run. Created by ``Journal.begin``; files change only through ``write``."""

    def __init__(self, journal: "Journal", tid: str, record: dict) -> None:
        self.journal = journal
        self.id = tid
        self.record = record
        self._writes = 0

    @property
    def directory(self) -> str:
        return os.path.join(self.journal.directory, self.id)

    @property
    def status(self) -> str:
        return self.record["status"]

    @property
    def files(self) -> List[dict]:
        return self.record["files"]

    def _save(self) -> None:
        _write_private(os.path.join(self.directory, "transaction.json"),
                       (json.dumps(self.record, indent=1, sort_keys=True) + "\n").encode("utf-8"))

    def _event(self, event: str) -> None:
        self.record.setdefault("history", []).append({"time": _now(), "event": redact_text(event)})

    def write(self, path: str, data: bytes, *, mode: Optional[int] = None, note: str = "") -> bool:
        """Replace ``path`` with ``data`` (creating it and its directory if needed), journaled.

        Returns False (and records nothing) when the file already has exactly these bytes.
        """
        if self.status != APPLYING:
            raise JournalError("transaction %s is %s, not open for writing" % (self.id, self.status))
        path = os.path.abspath(os.path.expanduser(path))
        target = fsutil.real_path(path)
        current, cur_mode = fsutil.read_state(path)
        if current == data and (mode is None or mode == cur_mode):
            return False
        new_sha = fsutil.sha256(data)
        entry = next((e for e in self.files if e["real_path"] == target), None)
        if entry is None:
            index = len(self.files)
            backup = os.path.join("files", "%d.before" % index) if current is not None else None
            if current is not None:
                _write_private(os.path.join(self.directory, backup), current)
            entry = {
                "index": index,
                "path": path,
                "real_path": target,
                "existed": current is not None,
                "sha256_before": fsutil.sha256(current) if current is not None else None,
                "mode_before": cur_mode,
                "backup": backup,
                "after": os.path.join("files", "%d.after" % index),
                "sha256_after": new_sha,
                # every hash this run may have left the file with (a file written twice
                # in one run can be interrupted after the first write)
                "sha256_written": [new_sha],
                "mode_after": None,
                "created_dirs": [],
                "note": redact_text(note),
                "state": "pending",
            }
            self.files.append(entry)
        else:
            # Written before in this run: the backup stays the bytes from before the run.
            entry["sha256_after"] = new_sha
            if new_sha not in entry["sha256_written"]:
                entry["sha256_written"].append(new_sha)
            entry["state"] = "pending"
            if note:
                entry["note"] = redact_text(note)
        _write_private(os.path.join(self.directory, entry["after"]), data)
        if current is None:
            # Directories to create are recorded before they exist (undo removes them only
            # if they are there and empty), like the file itself.
            for d in fsutil.missing_dirs(os.path.dirname(target)):
                if d not in entry["created_dirs"]:
                    entry["created_dirs"].append(d)
        # Intent for this file is durable before the file is touched.
        self._save()
        if current is None:
            fsutil.makedirs(os.path.dirname(target), mode=0o755)
        fsutil.atomic_write(path, data, mode=mode)
        _, entry["mode_after"] = fsutil.read_state(path)
        entry["state"] = "written"
        self._save()
        self._writes += 1
        _test_hook_after_write(self._writes)
        return True

    def commit(self) -> None:
        """Mark the run applied (or drop the record when nothing changed)."""
        if not self.files:
            self.record["status"] = EMPTY
            self._event("nothing to change")
        else:
            self.record["status"] = APPLIED
            self._event("applied %d file(s)" % len(self.files))
        self._save()

    def rollback(self, reason: str) -> UndoResult:
        """Take back every change of this run (verification failed, or apply was interrupted)."""
        result = self.journal.undo(self.id, force=False, _final_status=ROLLED_BACK, _reason=reason)
        self.record = self.journal.load(self.id)
        return result


class Journal:
    def __init__(self, root: Optional[str] = None) -> None:
        self.root = root or state_dir()
        self.directory = os.path.join(self.root, "journal")
        self._lock_depth = 0  # re-entrant within one Journal (apply holds it; rollback re-enters)

    def _ensure(self) -> None:
        fsutil.makedirs(self.directory, mode=0o700)
        # 0700 even when the directory existed with looser bits (backups are private).
        os.chmod(self.directory, 0o700)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the journal lock: one fix or undo at a time for this user."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        self._ensure()
        fd = os.open(os.path.join(self.directory, ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise JournalError(M("journal.locked", "another tlsdoctor fix or undo is running (journal %s is "
                                                           "locked)", self.directory))
            self._lock_depth = 1
            yield
        finally:
            self._lock_depth = 0
            os.close(fd)

    def begin(self, description: str, details: Optional[Dict[str, object]] = None) -> Transaction:
        """Record the intent of a run before any file is touched."""
        self._ensure()
        tid = _new_id()
        os.mkdir(os.path.join(self.directory, tid), 0o700)
        os.mkdir(os.path.join(self.directory, tid, "files"), 0o700)
        record = {
            "version": FORMAT_VERSION,
            "id": tid,
            "created": _now(),
            "status": APPLYING,
            "description": redact_text(description),
            "details": redact_tree(details or {}, redact_text),
            "files": [],
            "history": [],
        }
        tx = Transaction(self, tid, record)
        tx._event("begin")
        tx._save()
        return tx

    def ids(self) -> List[str]:
        if not os.path.isdir(self.directory):
            return []
        return sorted(d for d in os.listdir(self.directory)
                      if os.path.isfile(os.path.join(self.directory, d, "transaction.json")))

    def load(self, tid: str) -> dict:
        if os.sep in tid or tid.startswith(".") or (os.altsep and os.altsep in tid):
            raise JournalError(M("journal.not_an_id", "not a transaction id: %r", tid))
        path = os.path.join(self.directory, tid, "transaction.json")
        try:
            with open(path, "rb") as fh:
                return json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError:
            raise JournalError(M("journal.no_transaction", "no transaction %s in %s", tid, self.directory))

    def resolve(self, which: str = "last") -> Optional[str]:
        """A transaction id from ``ID`` or ``last`` (the most recent one with files, whatever
        its status — so a second ``undo last`` says "already undone" instead of reaching back
        to an older run), or a unique prefix of an id."""
        if which != "last" and which in self.ids():
            return which
        ids = [i for i in self.ids() if self.load(i).get("files")]
        if which == "last":
            return ids[-1] if ids else None
        if which in ids:
            return which
        matches = [i for i in ids if i.startswith(which)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise JournalError(M("journal.several", "%r matches several transactions: %s", which, ", ".join(matches)))
        raise JournalError(M("journal.no_transaction", "no transaction %s in %s", which, self.directory))

    def list_transactions(self) -> List[dict]:
        out = []
        for tid in self.ids():
            rec = self.load(tid)
            out.append({
                "id": tid,
                "created": rec.get("created"),
                "status": rec.get("status"),
                "description": rec.get("description", ""),
                "files": [{"path": e["path"], "created": not e["existed"], "state": e.get("state")}
                          for e in rec.get("files", [])],
            })
        return out

    def _backup(self, tid: str, entry: dict, key: str, sha_key: Optional[str]) -> Optional[bytes]:
        rel = entry.get(key)
        if not rel:
            return None
        with open(os.path.join(self.directory, tid, rel), "rb") as fh:
            data = fh.read()
        if sha_key and fsutil.sha256(data) != entry[sha_key]:
            raise JournalError(M("journal.bad_backup", "the backup %s of %s does not match its recorded hash; refusing "
                                                       "to restore", rel, entry["path"]))
        return data

    def _undo_actions(self, tid: str, rec: dict, force: bool,
                      result: UndoResult) -> List[Tuple[str, dict, Optional[bytes]]]:
        """What undoing each file means (newest first); files already as before go to
        ``result.unchanged``, files changed since tlsdoctor wrote them to ``result.conflicts``."""
        actions: List[Tuple[str, dict, Optional[bytes]]] = []
        for entry in reversed(rec["files"]):
            path = entry["path"]
            current, cur_mode = fsutil.read_state(path)
            action, reason = _undo_action(entry, current, cur_mode, force)
            if action == "unchanged":
                result.unchanged.append(path)
            elif action:
                actions.append((action, entry, current))
            else:
                after = self._backup(tid, entry, "after", None)
                result.conflicts.append(Conflict(path, reason, _diff(path, after, current)))
        return actions

    def _carry_out(self, tid: str, actions: List[Tuple[str, dict, Optional[bytes]]], result: UndoResult) -> None:
        # Backups are checked before the first file is touched.
        restores = [(kind, entry, self._backup(tid, entry, "backup", "sha256_before"))
                    for kind, entry, _ in actions]
        for kind, entry, old in restores:
            if kind == "restore":
                fsutil.atomic_write(entry["path"], old, mode=entry["mode_before"])
                result.restored.append(entry["path"])
            else:
                fsutil.remove(entry["path"])
                result.removed.append(entry["path"])

    def undo(self, which: str = "last", force: bool = False, *, _final_status: str = UNDONE,
             _reason: str = "") -> UndoResult:
        """Restore the exact bytes every file had before transaction ``which``.

        Refuses (changing nothing) when a file was changed since tlsdoctor wrote it,
        unless ``force``. Idempotent: undoing an undone transaction changes nothing.
        """
        with self.lock():
            tid = self.resolve(which)
            if tid is None:
                return UndoResult("", "nothing_to_undo", message=M("journal.nothing_applied", "no fix has been "
                                                                   "applied (journal %s)", self.directory))
            rec = self.load(tid)
            tx = Transaction(self, tid, rec)
            if rec["status"] in (UNDONE, ROLLED_BACK) and not force:
                return UndoResult(tid, "already_undone",
                                  unchanged=[e["path"] for e in rec["files"]],
                                  message=M("journal.already", "transaction %s was already %s", tid,
                                            M("journal.rolled_back", "rolled back") if rec["status"] == ROLLED_BACK
                                            else M("journal.undone", "undone")))
            result = UndoResult(tid, "undone")
            actions = self._undo_actions(tid, rec, force, result)
            if result.conflicts:
                result.status = "refused"
                result.message = M(
                    "journal.refused", "not undone: %d file(s) changed since tlsdoctor wrote them; nothing was "
                    "restored. Re-run with --force to restore the old bytes anyway (the later edits are lost).",
                    len(result.conflicts))
                return result
            self._carry_out(tid, actions, result)
            _remove_created_dirs(rec)
            rec["status"] = _final_status
            tx._event(("rolled back: " + _reason) if _final_status == ROLLED_BACK else
                      ("undone (forced)" if force else "undone"))
            tx._save()
            result.message = M("journal.undid", "%s %s: %d restored, %d removed, %d already as before",
                               M("journal.rolled_back", "rolled back") if _final_status == ROLLED_BACK else
                               M("journal.undid_word", "undid"), tid,
                               len(result.restored), len(result.removed), len(result.unchanged))
            return result


def _undo_action(entry: dict, current: Optional[bytes], cur_mode: Optional[int],
                 force: bool) -> Tuple[Optional[str], str]:
    """``("restore" | "remove" | "unchanged", "")`` for one journal entry, or ``(None, why)``
    when the file changed since tlsdoctor wrote it (and ``force`` was not given)."""
    cur_sha = fsutil.sha256(current) if current is not None else None
    written = set(entry.get("sha256_written") or [entry["sha256_after"]])
    if not entry["existed"]:
        if current is None:
            return "unchanged", ""
        if cur_sha in written or force:
            return "remove", ""
        return None, M("journal.created_changed", "created by tlsdoctor and changed since")
    if cur_sha == entry["sha256_before"] and cur_mode == entry["mode_before"]:
        return "unchanged", ""  # never written (interrupted), or undone before
    if cur_sha in written or cur_sha == entry["sha256_before"] or force:
        return "restore", ""
    if current is None:
        return None, M("journal.deleted", "deleted since tlsdoctor changed it")
    return None, M("journal.changed", "changed since tlsdoctor changed it")


def _remove_created_dirs(rec: dict) -> None:
    for entry in reversed(rec["files"]):
        for d in reversed(entry.get("created_dirs") or []):
            try:
                os.rmdir(d)  # only if empty: never remove what someone put there since
            except OSError:
                pass
