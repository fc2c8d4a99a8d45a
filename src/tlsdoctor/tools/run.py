"""Run a tool's command under check's deadline (the decisive request, ``--version``).

``run(argv, env, deadline, stdin=None, cwd=None, cap=1<<20) -> (status, exit_code, output)``

* The child gets its own process group (``start_new_session``) and the *whole
  group* is SIGKILLed at ``deadline`` (a ``time.monotonic()`` value): a tool that
  hangs on a proxy that never answers, or a wrapper script whose child does,
  cannot outlive ``--timeout``. The group is registered with the probe's
  bookkeeping, so check's SIGINT/SIGTERM/atexit cleanup ends it too.
* stdout and stderr are one stream (``stderr=STDOUT``), as the user sees them
  in a terminal: uv prints its warnings and its error on stderr, in order with
  its progress.
* The output kept is at most ``cap`` bytes: the first half and the last half
  (the reason a tool failed is at its end: uv's ``Caused by:`` chain), with a
  marker between; reading goes on to the end so the child never blocks on a
  full pipe.
* The text returned is decoded (UTF-8, replacement) and redacted with
  ``tlsdoctor.redact.redact_text``: tools echo index URLs with tokens in them.

``status`` is a ``RequestStatus`` value: ``ok`` (exit 0), ``failed`` (ran,
non-zero exit), ``could_not_run`` (could not be started: the output says why),
``deadline`` (killed at the deadline: "could not tell", never a cause).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import Mapping, Optional, Sequence, Tuple

from tlsdoctor import probe
from tlsdoctor.redact import redact_text
from tlsdoctor.tools import RequestStatus

_MARK = b"\n[... output cut by tlsdoctor ...]\n"


def run(argv: Sequence[str], env: Mapping[str, str], deadline: float, stdin: Optional[str] = None,
        cwd: Optional[str] = None, cap: int = 1 << 20) -> Tuple[str, Optional[int], str]:
    """Run ``argv`` bounded by ``deadline``; see the module docstring."""
    if time.monotonic() >= deadline:
        return RequestStatus.DEADLINE.value, None, ""
    # The probe's registry of live groups: its shutdown() (signals, atexit)
    # kills ours as well. Its private names are shared on purpose, so there is
    # one list of "processes check started".
    with probe._LOCK:
        if probe._STATE["closing"]:
            return RequestStatus.COULD_NOT_RUN.value, None, "tlsdoctor is stopping"
        probe._STATE["spawning"] += 1
    try:
        proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=dict(env), cwd=cwd,
                                start_new_session=True)
    except (OSError, ValueError) as exc:
        with probe._LOCK:
            probe._STATE["spawning"] -= 1
        return RequestStatus.COULD_NOT_RUN.value, None, redact_text("%s: %s" % (type(exc).__name__, exc))
    with probe._LOCK:
        probe._LIVE_GROUPS.add(proc.pid)
        probe._STATE["spawning"] -= 1
        if probe._STATE["closing"]:
            probe._kill_group(proc.pid)
    half = max(1, cap // 2)
    head = bytearray()
    tail = bytearray()
    cut = [False]

    def read() -> None:
        fd = proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            room = half - len(head)
            if room > 0:
                head.extend(chunk[:room])
                chunk = chunk[room:]
            if chunk:
                tail.extend(chunk)
                if len(tail) > half:
                    cut[0] = True
                    del tail[:len(tail) - half]

    reader = threading.Thread(target=read, daemon=True)
    exited = threading.Event()

    def wait() -> None:
        proc.wait()
        exited.set()

    reader.start()
    threading.Thread(target=wait, daemon=True).start()
    timed_out = False
    try:
        if stdin is not None:
            try:
                proc.stdin.write(stdin.encode("utf-8"))
                proc.stdin.close()
            except OSError:
                pass  # it exited at once; its output says why
        # Event.wait, not communicate(timeout=): see probe.run_bounded (libfaketime).
        if not exited.wait(max(0.0, deadline - time.monotonic())):
            timed_out = True
    finally:
        # The whole group, always: children the tool left behind (uv's
        # resolver threads live in one process, but a `uv` wrapper script's
        # child does not) must not outlive this call.
        probe._kill_group(proc.pid)
        with probe._LOCK:
            probe._LIVE_GROUPS.discard(proc.pid)
    exited.wait(1.0)
    # A grandchild that left the group may still hold the pipe: never wait on it long.
    reader.join(0.2 if timed_out else 1.0)
    data = bytes(head) + (_MARK if cut[0] else b"") + bytes(tail)
    text = redact_text(data.decode("utf-8", "replace"))
    if timed_out:
        return RequestStatus.DEADLINE.value, None, text
    code = proc.returncode
    return (RequestStatus.OK.value if code == 0 else RequestStatus.FAILED.value), code, text
