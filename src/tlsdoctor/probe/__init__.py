"""Run the probe (``target.py``) inside a target interpreter and read its JSON.

Which interpreter: by default the one behind ``pip`` on PATH (its shebang, or
failing that where ``pip --version`` says it lives), because that is the pip
the user runs. ``--python`` picks another.

Everything here is bounded by an absolute ``deadline`` (``time.monotonic()``):
every process is started in its own session (process group) and the whole
group is killed at the deadline, when check is interrupted and at exit, and
what is read from it is capped. Nothing the target prints is trusted:
:func:`validate` checks the probe's JSON against its declared shape before
anyone builds ``Facts`` from it.
"""

from __future__ import annotations

import atexit
import json
import os
import pkgutil
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from tlsdoctor.messages import J, M

TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "target.py")

# What the checker keeps of a target's output. The real probe prints about
# 20 KB (the largest lab recording is 18 KB); a hostile or broken interpreter
# must not make check's own memory grow with what it prints (parsing 8 MiB
# of JSON stays well under 100 MB).
STDOUT_CAP = 8 * 1024 * 1024
STDERR_KEEP = 64 * 1024
NOISE_KEEP = 2000  # junk printed before the probe's JSON (a sitecustomize), kept as evidence

# The statuses the probe may give an attempt (PLAN.md, "the attempt vocabulary").
ATTEMPT_STATUSES = frozenset(("ok", "error", "could_not_run", "deadline", "absent", "bug"))


# ----------------------------------------------------------------------------- processes we own

_LIVE_GROUPS: Set[int] = set()
_WORKDIRS: Set[str] = set()
_STATE = {"spawning": 0, "closing": False}
_LOCK = threading.RLock()  # re-entrant: cleanup() also runs from a signal handler in the main thread


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:  # already gone (ESRCH), or not ours any more
        pass


def cleanup() -> None:
    """Kill every process group we started and remove every workdir we made.

    Called on the deadline, from check's SIGINT/SIGTERM handlers and at exit:
    a probe blocked in C (an OPENSSL_CONF FIFO, a hung socket) or a shell
    wrapper's child must not outlive check.
    """
    with _LOCK:
        groups, dirs = list(_LIVE_GROUPS), list(_WORKDIRS)
        _LIVE_GROUPS.clear()
        _WORKDIRS.clear()
    for pgid in groups:
        _kill_group(pgid)
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)


def shutdown() -> None:
    """check is ending (a signal, or exit): start nothing more, and end what was started.

    A worker thread may be inside ``Popen`` (the child exists, its pid is not
    registered yet): wait a moment for it, or its group would outlive us (at
    exit, daemon threads are frozen after the atexit hooks have run).
    """
    with _LOCK:
        _STATE["closing"] = True
    end = time.monotonic() + 1.0
    while _STATE["spawning"] and time.monotonic() < end:
        time.sleep(0.01)
    cleanup()


atexit.register(shutdown)


def make_workdir() -> str:
    """A private directory (mode 0700, mkdtemp's) that the checker owns and always removes."""
    d = tempfile.mkdtemp(prefix="tlsdoctor-probe-")
    with _LOCK:
        _WORKDIRS.add(d)
    return d


def remove_workdir(d: str) -> None:
    with _LOCK:
        _WORKDIRS.discard(d)
    shutil.rmtree(d, ignore_errors=True)


@dataclass
class Finished:
    """What a bounded run of a command gave."""

    returncode: Optional[int]  # None: killed by us (deadline or overflow)
    out: bytes = b""
    err: bytes = b""
    timed_out: bool = False
    overflow: bool = False
    start_error: Optional[str] = None  # could not be started at all


def run_bounded(argv: List[str], env: Dict[str, str], deadline: float, stdin_data: Optional[bytes] = None,
                cwd: Optional[str] = None, on_err_line: Optional[Callable[[bytes], bool]] = None,
                out_cap: int = STDOUT_CAP) -> Finished:
    """Run ``argv`` in its own process group, killed as a group at ``deadline``.

    stdout is kept up to ``out_cap`` bytes (beyond it the group is killed and
    ``overflow`` set); stderr is drained and its last ``STDERR_KEEP`` bytes
    kept; ``on_err_line(line)`` may consume a line (progress) by returning True.
    A watchdog Event instead of ``communicate(timeout=)``: under libfaketime (a
    client with a faked clock) ``time.sleep`` in subprocess's wait loop fails
    with EINVAL, while ``Event.wait`` keeps working.
    """
    if time.monotonic() >= deadline:
        return Finished(None, timed_out=True)
    with _LOCK:
        if _STATE["closing"]:
            return Finished(None, start_error="tlsdoctor is stopping")
        _STATE["spawning"] += 1
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin_data is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                                start_new_session=True)
    except (OSError, ValueError) as exc:
        with _LOCK:
            _STATE["spawning"] -= 1
        return Finished(None, start_error="%s: %s" % (type(exc).__name__, exc))
    with _LOCK:
        _LIVE_GROUPS.add(proc.pid)
        _STATE["spawning"] -= 1
        if _STATE["closing"]:  # shutdown() ran while we were starting it
            _kill_group(proc.pid)
    res = Finished(None)
    out = bytearray()
    err = bytearray()

    def read_out() -> None:
        fd = proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            if len(out) + len(chunk) > out_cap:
                res.overflow = True
                _kill_group(proc.pid)
                return
            out.extend(chunk)

    def read_err() -> None:
        for line in iter(lambda: proc.stderr.readline(8192), b""):
            if on_err_line is not None and on_err_line(line):
                continue
            err.extend(line)
            if len(err) > 2 * STDERR_KEEP:
                del err[:-STDERR_KEEP]

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    exited = threading.Event()

    def wait() -> None:
        proc.wait()
        exited.set()

    for t in readers + [threading.Thread(target=wait, daemon=True)]:
        t.start()
    try:
        if stdin_data is not None:
            try:
                proc.stdin.write(stdin_data)
                proc.stdin.close()
            except OSError:
                pass  # the interpreter died at once: its stderr says why
        if not exited.wait(max(0.0, deadline - time.monotonic())):
            res.timed_out = True
    finally:
        # The whole group, always: a wrapper script's children (``sleep``) or
        # threads the probe left blocked must not outlive this call.
        _kill_group(proc.pid)
        with _LOCK:
            _LIVE_GROUPS.discard(proc.pid)
    exited.wait(1.0)
    # A process that left the group (setsid) may still hold the pipes: the
    # readers are daemons, never waited for beyond a moment.
    for t in readers:
        t.join(0.2 if (res.timed_out or res.overflow) else 1.0)
    res.returncode = None if (res.timed_out or res.overflow) else proc.returncode
    res.out, res.err = bytes(out), bytes(err[-STDERR_KEEP:])
    return res


# ----------------------------------------------------------------------------- which interpreter


@dataclass(frozen=True)
class ProbeRun:
    """The outcome of running the probe: ``data`` on success, else ``kind``+``message``."""

    python: str
    data: Optional[Dict[str, Any]]
    # probe | interpreter_missing | interpreter_failed | timeout | too_much_output | bad_output
    # | <the probe's own error kinds>
    kind: str
    message: str = ""
    elapsed: float = 0.0
    noise: str = ""  # what the interpreter printed on stdout besides the JSON (redacted, truncated)
    broken_env: Optional[str] = None  # the user's environment stops the interpreter; data is from -I
    last_progress: str = ""  # the last probe that finished, for "what timed out"

    @property
    def ok(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class TargetChoice:
    python: Optional[str]
    how: str  # what told us (for the report)


def find_target(env: Optional[Dict[str, str]] = None, timeout: float = 5.0,
                deadline: Optional[float] = None) -> TargetChoice:
    """The interpreter whose pip the user runs when typing ``pip``."""
    env = dict(os.environ if env is None else env)
    deadline = time.monotonic() + timeout if deadline is None else deadline
    path = env.get("PATH")
    pip = shutil.which("pip", path=path) or shutil.which("pip3", path=path)
    if pip:
        if not _is_regular(pip):
            # A FIFO or a device (/dev/zero) named pip: reading its #! line or
            # running it would never end. Say so and look further.
            note = M("probe.not_regular", "%s is not a regular file; ", pip)
        else:
            note = ""
            py = _shebang_python(pip, env)
            if py:
                return TargetChoice(py, M("probe.shebang", "the interpreter of %s (its #! line)", pip))
            # A shim (pyenv, asdf) or a wrapper: ask pip where it lives.
            res = run_bounded([pip, "--version"], env, min(deadline, time.monotonic() + timeout))
            py = _python_from_pip_version(res.out.decode("utf-8", "replace"))
            if py:
                return TargetChoice(py, M("probe.pip_version", "the interpreter of %s (from `pip --version`)", pip))
            if res.timed_out:
                note = M("probe.pip_slow", "`%s --version` did not answer in time; ", pip)
            elif res.start_error:
                note = M("probe.pip_cannot_run", "%s cannot be run (%s); ", pip, res.start_error)
    else:
        note = ""
    for name in ("python3", "python"):
        py = shutil.which(name, path=path)
        if py:
            return TargetChoice(py, M("probe.no_usable_pip", "%sno usable `pip` on PATH: %s on PATH", note, name))
    return TargetChoice(sys.executable, M("probe.no_pip_no_python", "%sno pip or python on PATH: tlsdoctor's own "
                                                                    "interpreter", note))


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _shebang_python(script: str, env: Optional[Dict[str, str]] = None) -> Optional[str]:
    if not _is_regular(script):
        return None
    try:
        with open(script, "rb") as fh:
            first = fh.read(512).split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    parts = first[2:].split()
    if not parts:
        return None
    if os.path.basename(parts[0]) == "env" and len(parts) > 1:
        cand = shutil.which(parts[1], path=(env or os.environ).get("PATH"))
    else:
        cand = parts[0]
    if cand and "python" in os.path.basename(cand) and os.path.exists(cand):
        return cand
    # pip's launcher may be "#!/bin/sh" + exec '/path/python' (long paths).
    return None


def _python_from_pip_version(out: str) -> Optional[str]:
    m = re.search(r"from (.+?)[\\/]pip \(python (\d+)\.(\d+)\)", out[:4096])
    if not m:
        return None
    site, major, minor = m.group(1), m.group(2), m.group(3)
    prefix = site
    for _ in range(3):  # <prefix>/lib/pythonX.Y/site-packages
        prefix = os.path.dirname(prefix)
    candidates = [
        os.path.join(prefix, "bin", "python%s.%s" % (major, minor)),
        os.path.join(prefix, "bin", "python%s" % major),
        os.path.join(prefix, "bin", "python"),
        os.path.join(os.path.dirname(os.path.dirname(site)), "python.exe"),  # Windows <prefix>\Lib\site-packages
        os.path.join(os.path.dirname(os.path.dirname(site)), "Scripts", "python.exe"),
    ]
    for c in candidates:
        if os.path.isfile(c):
            return c
    return None


# ----------------------------------------------------------------------------- the probe's command line


def interpreter_command(python: str, env: Optional[Dict[str, str]] = None, timeout: float = 0.0,
                        isolated: bool = True, script: str = TARGET) -> List[str]:
    """The probe's command line.

    Normally (``isolated=False``) ``python -B target.py``: the environment pip
    runs in. Isolated, for a second look when that interpreter cannot start:
    ``-I -B`` where supported; Python 2.7 has no ``-I``: ``-E -s -B`` there.
    ``env`` and ``timeout`` are unused (the Python 2 test reads no process).
    """
    if not isolated:
        return [python, "-B", script]
    name = os.path.basename(python)
    if re.match(r"python2(\.\d+)?$", name) or _is_python2(python):
        return [python, "-E", "-s", "-B", script]
    return [python, "-I", "-B", script]


_PY2_CACHE: Dict[str, bool] = {}


def _is_python2(python: str) -> bool:
    """Cheap and bounded (no process): a Python 2 install has lib/python2.X next to bin/."""
    if python in _PY2_CACHE:
        return _PY2_CACHE[python]
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(python)))
    try:
        names = os.listdir(os.path.join(prefix, "lib"))
        result = any(n.startswith("python2") for n in names) and not any(n.startswith("python3") for n in names)
    except OSError:
        result = False
    _PY2_CACHE[python] = result
    return result


def target_source() -> bytes:
    """The probe's source, from a real file or from inside a zip (``tlsdoctor.pyz``).

    ``pkgutil.get_data`` asks the package's loader, so it reads the file from
    the source tree, site-packages or a zipapp alike (the loader's ``get_data``).
    """
    data = pkgutil.get_data(__name__, "target.py")
    if data is None:  # Defensive: a loader without get_data
        with open(TARGET, "rb") as fh:
            data = fh.read()
    return data


# Variables that ``-I``/``-E -s`` ignore, and so may be why the interpreter
# cannot start in the user's environment while it starts isolated.
STARTUP_VARS = ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONUSERBASE", "PYTHONPLATLIBDIR")


def run_probe(python: str, request: Dict[str, Any], timeout: float,
              env: Optional[Dict[str, str]] = None, on_progress=None, deadline: Optional[float] = None) -> ProbeRun:
    """Run the probe; always returns (never raises), by ``deadline`` (default: now + ``timeout``).

    The probe runs as ``python -B target.py`` with the user's environment, as
    pip runs (PYTHONPATH, PYTHONHOME, the user site and sitecustomize all
    apply: they can break pip, so the probe must see them). When that
    interpreter cannot even start, the probe is run again isolated (``-I``,
    ``-E -s`` on 2.7) to still get facts, and ``broken_env`` says why.

    ``on_progress(event, *words)`` is called from a reader thread for each
    progress line the probe writes to stderr (a probe started / finished).
    """
    env = dict(os.environ if env is None else env)
    t0 = time.monotonic()
    deadline = t0 + timeout if deadline is None else deadline
    if not python or not (os.path.isfile(python) or shutil.which(python, path=env.get("PATH"))):
        return ProbeRun(python, None, "interpreter_missing", M("probe.no_interpreter", "no interpreter at %s", python))
    workdir = make_workdir()
    try:
        script = os.path.join(workdir, "target.py")
        with open(script, "wb") as fh:
            fh.write(target_source())
        run = _run_once(python, interpreter_command(python, isolated=False, script=script), request, workdir,
                        env, deadline, on_progress)
        if run.kind == "interpreter_failed" and time.monotonic() < deadline - 0.3:
            run = _rerun_isolated(python, script, request, workdir, env, deadline, run)
    finally:
        remove_workdir(workdir)
    return run


def _rerun_isolated(python, script, request, workdir, env, deadline, first: ProbeRun) -> ProbeRun:
    iso = _run_once(python, interpreter_command(python, script=script), request, workdir, env, deadline, None)
    if iso.kind == "interpreter_failed" and "Unknown option: -I" in iso.message:
        _PY2_CACHE[python] = True
        iso = _run_once(python, [python, "-E", "-s", "-B", script], request, workdir, env, deadline, None)
    if not iso.ok:
        return first  # it does not start isolated either: the first failure is the finding
    culprits = ["%s=%s" % (k, env[k]) for k in _startup_culprits(python, env, deadline)]
    if culprits:  # "A=1 stops", "A=1 and B=2 stop"
        why = M("probe.culprit_stops", "%s stops", culprits[0]) if len(culprits) == 1 else \
            M("probe.culprits_stop", "%s stop", J(" and ", culprits))
    else:
        why = M("probe.something_stops", "something in the environment pip runs in (the user site, a sitecustomize) "
                                         "stops")
    broken = M("probe.broken_env", "%s this interpreter from starting (%s): pip cannot run at all", why, first.message)
    return ProbeRun(python, iso.data, iso.kind, iso.message, iso.elapsed, first.noise, broken_env=broken,
                    last_progress=iso.last_progress)


def _startup_culprits(python: str, env: Dict[str, str], deadline: float) -> List[str]:
    """Which of the set STARTUP_VARS, left out alone, lets the interpreter start (all set ones if none does)."""
    present = [k for k in STARTUP_VARS if env.get(k)]
    if len(present) < 2:
        return present
    found = []
    for name in present:
        without = {k: v for k, v in env.items() if k != name}
        # A failed start-up is quick; each try is bounded all the same.
        res = run_bounded([python, "-B", "-c", "pass"], without, min(deadline, time.monotonic() + 2.0))
        if res.returncode == 0:
            found.append(name)
    return found or present


def _run_once(python: str, cmd: List[str], request: Dict[str, Any], workdir: str, env: Dict[str, str],
              deadline: float, on_progress) -> ProbeRun:
    t0 = time.monotonic()
    # The probe stops its own work before our deadline, so that its JSON
    # (whatever finished) arrives before we kill it. The margin covers the
    # interpreter's start-up (the probe's clock starts after it) and the
    # probe's own overruns under load (its 1.5 s minimum slices).
    budget = deadline - t0
    request = dict(request, timeout=max(0.05, budget - min(1.0, 0.2 * budget)), workdir=workdir)
    last = {"done": ""}

    def err_line(line: bytes) -> bool:
        if not line.startswith(b"@@tlsdoctor-progress "):
            return False
        words = line.decode("utf-8", "replace").split()[1:]
        if words and words[0] == "done":
            last["done"] = " ".join(words[1:])
        if on_progress is not None:
            try:
                on_progress(*words)
            except Exception:
                pass
        return True

    # The user's working directory, as pip has it: a relative PYTHONPATH entry
    # ("." with a stray ssl.py) breaks pip only from there.
    res = run_bounded(cmd, env, deadline, stdin_data=json.dumps(request).encode(), on_err_line=err_line)
    elapsed = time.monotonic() - t0
    errtext = res.err.decode("utf-8", "replace").strip()
    if res.start_error:
        return ProbeRun(python, None, "interpreter_missing", M("probe.cannot_start", "cannot start %s: %s", python,
                                                               res.start_error))
    if res.overflow:
        return ProbeRun(python, None, "too_much_output",
                        M("probe.too_much_output", "the interpreter printed more than %d MiB on stdout",
                          STDOUT_CAP // (1024 * 1024)),
                        elapsed)
    if res.timed_out:
        what = M("probe.last_finished", " (the last measurement that finished: %s)", last["done"]) if last["done"] \
            else M("probe.none_finished", " (no measurement had finished)")
        return ProbeRun(python, None, "timeout", M("probe.no_answer", "the probe did not answer by the deadline%s",
                                                   what), elapsed,
                        last_progress=last["done"])
    data, noise = parse_output(res.out)
    if data is None:
        # (what the interpreter printed is data; only tlsdoctor's own words are messages)
        last_err = _clip(errtext.splitlines()[-1], 300) if errtext else (
            M("probe.no_output", "no output") if not noise else M("probe.printed", "printed: %s", _clip(noise, 291)))
        kind = "interpreter_failed" if res.returncode else "bad_output"
        return ProbeRun(python, None, kind, M("probe.exited", "%s exited %s: %s", python, res.returncode, last_err),
                        elapsed, noise)
    if data.get("result") == "error":
        kind = data.get("kind") if isinstance(data.get("kind"), str) else "probe_error"
        message = data.get("message") if isinstance(data.get("message"), str) else ""
        return ProbeRun(python, None, kind, _clip(message, 2000), elapsed, noise)
    problem = validate(data)
    if problem:
        return ProbeRun(python, None, "bad_output", M("probe.bad_shape", "the probe's answer is not of the expected "
                                                      "shape: %s", problem),
                        elapsed, noise)
    return ProbeRun(python, data, "probe", "", elapsed, noise, last_progress=last["done"])


def _clip(text: str, n: int) -> str:
    from tlsdoctor.render.check import redact

    text = redact(text)
    return text if len(text) <= n else text[:n] + "… (%d more characters)" % (len(text) - n)


def parse_output(out: bytes) -> Tuple[Optional[Dict[str, Any]], str]:
    """The last line of stdout that is a JSON object, and what came before it (redacted, truncated).

    The probe runs in the user's environment, so a sitecustomize or a
    ``.pth`` file may print before the probe's one JSON line. Lines are cut
    from the bytes (nothing else is decoded whole), and the noise kept is
    only its first ``NOISE_KEEP`` bytes.
    """
    end = len(out)
    while end > 0:
        start = out.rfind(b"\n", 0, end) + 1
        line = out[start:end].strip()
        if line.startswith(b"{"):
            try:
                data = json.loads(line.decode("utf-8", "replace"))
            except ValueError:
                data = None
            if isinstance(data, dict):
                return data, _noise(out[:start].rstrip(b"\r\n") + b"\n" + out[end:].lstrip(b"\r\n"))
        end = start - 1
    return None, _noise(out)


def _noise(junk: bytes) -> str:
    text = junk[:NOISE_KEEP + 1].decode("utf-8", "replace").strip()
    if not text:
        return ""
    more = len(junk.strip()) - NOISE_KEEP
    text = _clip(text[:NOISE_KEEP], NOISE_KEEP)
    return text + (" … (%d more bytes)" % more if more > 0 else "")


# ----------------------------------------------------------------------------- the probe's declared shape

_FACT_SECTIONS = ("python", "ssl", "env", "pip")


def validate(data: Any) -> Optional[str]:
    """What is wrong with the probe's JSON, or None when it has the declared shape.

    The shape (``target.py``'s contract): ``result`` "success", ``kind`` a
    string, ``facts`` with ``python``/``ssl``/``env``/``pip`` objects and
    ``targets`` a list of strings, ``probes`` an object of attempt objects
    whose ``status`` is a known one, ``sessions`` an object of objects.
    Anything else is not our probe speaking (or a bug in it), and nothing is
    concluded from it.
    """
    if not isinstance(data, dict):
        return "not a JSON object"
    if data.get("result") != "success":
        return "result is %r, not 'success'" % (_short(data.get("result")),)
    if not isinstance(data.get("kind"), str):
        return "no 'kind'"
    facts = data.get("facts")
    if not isinstance(facts, dict):
        return "'facts' is missing or not an object"
    for name in _FACT_SECTIONS:
        if not isinstance(facts.get(name), dict):
            return "facts.%s is missing or not an object" % name
    targets = facts.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        return "facts.targets is not a list of strings"
    for key in ("version", "executable"):
        if not isinstance(facts["python"].get(key, ""), str):
            return "facts.python.%s is not a string" % key
    if not isinstance(facts["python"].get("version_info", []), list):
        return "facts.python.version_info is not a list"
    return _validate_probes(data.get("probes")) or _validate_sessions(data.get("sessions"))


def _validate_probes(probes: Any) -> Optional[str]:
    if not isinstance(probes, dict):
        return "'probes' is missing or not an object"
    for key, attempt in probes.items():
        if not isinstance(attempt, dict):
            return "probes[%r] is not an object" % _short(key)
        if attempt.get("status") not in ATTEMPT_STATUSES:
            return "probes[%r] has the unknown status %r" % (_short(key), _short(attempt.get("status")))
    return None


def _validate_sessions(sessions: Any) -> Optional[str]:
    if not isinstance(sessions, dict):
        return "'sessions' is missing or not an object"
    if not all(isinstance(v, dict) for v in sessions.values()):
        return "'sessions' holds something that is not an object"
    return None


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)[:60] if value is not None else "None"
    return text[:60]
