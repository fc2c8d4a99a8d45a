"""Run the probe (``target.py``) inside a target interpreter and read its JSON.

Which interpreter: by default the one behind ``pip`` on PATH (its shebang, or
failing that where ``pip --version`` says it lives), because that is the pip
the user runs. ``--python`` picks another.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

TARGET = os.path.join(os.path.dirname(os.path.abspath(__file__)), "target.py")


@dataclass(frozen=True)
class ProbeRun:
    """The outcome of running the probe: ``data`` on success, else ``kind``+``message``."""

    python: str
    data: Optional[Dict[str, Any]]
    kind: str  # probe | interpreter_missing | interpreter_failed | timeout | bad_output | <probe's own kinds>
    message: str = ""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.data is not None


@dataclass(frozen=True)
class TargetChoice:
    python: Optional[str]
    how: str  # what told us (for the report)


def find_target(env: Optional[Dict[str, str]] = None, timeout: float = 5.0) -> TargetChoice:
    """The interpreter whose pip the user runs when typing ``pip``."""
    env = dict(os.environ if env is None else env)
    path = env.get("PATH")
    pip = shutil.which("pip", path=path) or shutil.which("pip3", path=path)
    if pip:
        py = _shebang_python(pip)
        if py:
            return TargetChoice(py, "the interpreter of %s (its #! line)" % pip)
        # A shim (pyenv, asdf) or a wrapper: ask pip where it lives.
        try:
            out = subprocess.run(
                [pip, "--version"], capture_output=True, text=True, timeout=timeout, env=env,
                stdin=subprocess.DEVNULL,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        py = _python_from_pip_version(out)
        if py:
            return TargetChoice(py, "the interpreter of %s (from `pip --version`)" % pip)
    for name in ("python3", "python"):
        py = shutil.which(name, path=path)
        if py:
            return TargetChoice(py, "no usable `pip` on PATH: %s on PATH" % name)
    return TargetChoice(sys.executable, "no pip or python on PATH: tlsdoctor's own interpreter")


def _shebang_python(script: str) -> Optional[str]:
    try:
        with open(script, "rb") as fh:
            first = fh.readline(512).decode("utf-8", "replace").strip()
    except OSError:
        return None
    if not first.startswith("#!"):
        return None
    parts = first[2:].split()
    if not parts:
        return None
    if os.path.basename(parts[0]) == "env" and len(parts) > 1:
        cand = shutil.which(parts[1])
    else:
        cand = parts[0]
    if cand and "python" in os.path.basename(cand) and os.path.exists(cand):
        return cand
    # pip's launcher may be "#!/bin/sh" + exec '/path/python' (long paths).
    return None


def _python_from_pip_version(out: str) -> Optional[str]:
    m = re.search(r"from (.+?)[\\/]pip \(python (\d+)\.(\d+)\)", out)
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


def interpreter_command(python: str, env: Dict[str, str], timeout: float) -> List[str]:
    """``-I -B`` where supported; Python 2.7 has no ``-I``: ``-E -s -B`` there."""
    flags = ["-I", "-B"]
    name = os.path.basename(python)
    if re.match(r"python2(\.\d+)?$", name) or _is_python2(python, env, timeout):
        flags = ["-E", "-s", "-B"]
    return [python] + flags + [TARGET]


_PY2_CACHE: Dict[str, bool] = {}


def _is_python2(python: str, env: Dict[str, str], timeout: float) -> bool:
    if python in _PY2_CACHE:
        return _PY2_CACHE[python]
    # Cheap: a Python 2 install has lib/python2.X next to bin/.
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(python)))
    libdir = os.path.join(prefix, "lib")
    result = False
    try:
        names = os.listdir(libdir)
        result = any(n.startswith("python2") for n in names) and not any(n.startswith("python3") for n in names)
    except OSError:
        result = False
    _PY2_CACHE[python] = result
    return result


def run_probe(python: str, request: Dict[str, Any], timeout: float,
              env: Optional[Dict[str, str]] = None, on_progress=None) -> ProbeRun:
    """Run the probe; always returns (never raises), within ``timeout`` + a little.

    ``on_progress(event, *words)`` is called from a reader thread for each
    progress line the probe writes to stderr (a probe started / finished).
    """
    env = dict(os.environ if env is None else env)
    t0 = time.monotonic()
    if not python or not (os.path.isfile(python) or shutil.which(python, path=env.get("PATH"))):
        return ProbeRun(python, None, "interpreter_missing", "no interpreter at %s" % python)
    cmd = interpreter_command(python, env, timeout)
    request = dict(request, timeout=max(0.5, timeout - 0.3))
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        )
    except OSError as exc:
        return ProbeRun(python, None, "interpreter_missing", "cannot start %s: %s" % (python, exc))
    # A watchdog thread instead of communicate(timeout=): under libfaketime
    # (a client with a faked clock) time.sleep() in subprocess's wait loop
    # fails with EINVAL, while Event.wait keeps working.
    killed = threading.Event()
    done = threading.Event()

    def watchdog():
        if not done.wait(timeout + 1.5):
            killed.set()
            try:
                proc.kill()
            except OSError:
                pass

    threading.Thread(target=watchdog, daemon=True).start()
    out_chunks: List[bytes] = []
    err_lines: List[bytes] = []

    def read_out():
        out_chunks.append(proc.stdout.read())

    def read_err():
        for line in iter(proc.stderr.readline, b""):
            if line.startswith(b"@@tlsdoctor-progress "):
                if on_progress is not None:
                    try:
                        on_progress(*line.decode("utf-8", "replace").split()[1:])
                    except Exception:
                        pass
            else:
                err_lines.append(line)

    readers = [threading.Thread(target=read_out, daemon=True), threading.Thread(target=read_err, daemon=True)]
    for r in readers:
        r.start()
    try:
        try:
            proc.stdin.write(json.dumps(request).encode())
            proc.stdin.close()
        except OSError:
            pass  # the interpreter died at once: its stderr says why
        for r in readers:
            r.join()
        proc.wait()
    finally:
        done.set()
    out, err = b"".join(out_chunks), b"".join(err_lines)
    if killed.is_set():
        return ProbeRun(python, None, "timeout", "the probe did not answer within %.1f s" % timeout,
                        time.monotonic() - t0)
    elapsed = time.monotonic() - t0
    text = out.decode("utf-8", "replace").strip()
    errtext = err.decode("utf-8", "replace").strip()
    if "Unknown option: -I" in errtext and "-I" in cmd:
        _PY2_CACHE[python] = True
        return run_probe(python, request, max(0.5, timeout - elapsed), env)
    line = text.splitlines()[-1] if text else ""
    try:
        data = json.loads(line)
    except ValueError:
        last = errtext.splitlines()[-1] if errtext else "no output"
        kind = "interpreter_failed" if proc.returncode else "bad_output"
        return ProbeRun(python, None, kind, "%s exited %s: %s" % (python, proc.returncode, last[:300]), elapsed)
    if data.get("result") != "success":
        return ProbeRun(python, None, data.get("kind") or "probe_error", data.get("message") or "", elapsed)
    return ProbeRun(python, data, "probe", "", elapsed)
