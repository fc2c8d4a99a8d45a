"""tools.run: the bounded runner every tool module uses (real child processes)."""

from __future__ import annotations

import os
import sys
import time

from tlsdoctor.tools.run import run


def _env():
    return dict(os.environ)


def test_ok_and_failed_exit_codes():
    status, code, out = run([sys.executable, "-c", "print('hello')"], _env(), time.monotonic() + 30)
    assert (status, code) == ("ok", 0) and out.strip() == "hello"
    # negative control: a non-zero exit is "failed" with its code and both streams, in order
    status, code, out = run([sys.executable, "-c", "import sys; print('a'); sys.stdout.flush(); "
                             "sys.stderr.write('b\\n'); sys.exit(3)"], _env(), time.monotonic() + 30)
    assert (status, code) == ("failed", 3) and out.split() == ["a", "b"]


def test_stdin_is_passed():
    status, _, out = run([sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"], _env(),
                         time.monotonic() + 30, stdin="pip\n")
    assert status == "ok" and out.strip() == "PIP"


def test_could_not_run_when_missing():
    status, code, out = run(["/nonexistent/uv", "--version"], _env(), time.monotonic() + 30)
    assert status == "could_not_run" and code is None and "FileNotFoundError" in out


def test_deadline_kills_the_whole_group(tmp_path):
    # a wrapper whose child sleeps: the group, not just the wrapper, must end
    marker = tmp_path / "pid"
    script = tmp_path / "hang.sh"
    script.write_text("#!/bin/sh\nsleep 60 &\necho $! > %s\necho started\nwait\n" % marker)
    script.chmod(0o755)
    start = time.monotonic()
    status, code, out = run([str(script)], _env(), start + 1.0)
    assert status == "deadline" and code is None
    assert time.monotonic() - start <= 1.0 + 2.0  # hard upper bound, not a timing assertion
    pid = int(marker.read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the sleeping grandchild outlived the deadline")


def test_deadline_already_passed():
    assert run([sys.executable, "-c", "pass"], _env(), time.monotonic() - 1)[0] == "deadline"


def test_output_capped_keeps_head_and_tail():
    prog = "import sys; sys.stdout.write('HEAD' + 'x' * 100000 + 'TAIL')"
    status, _, out = run([sys.executable, "-c", prog], _env(), time.monotonic() + 30, cap=1000)
    assert status == "ok" and out.startswith("HEAD") and out.endswith("TAIL")
    assert len(out) < 1200 and "cut by tlsdoctor" in out
    # control: under the cap nothing is cut
    _, _, out = run([sys.executable, "-c", "print('y' * 500)"], _env(), time.monotonic() + 30, cap=1000)
    assert "cut by tlsdoctor" not in out


def test_output_redacted():
    url = "https://user:s3cretpw@idx.example/simple/?token=abcdef123"
    _, _, out = run([sys.executable, "-c", "print(%r)" % url], _env(), time.monotonic() + 30)
    assert "s3cretpw" not in out and "abcdef123" not in out and "idx.example" in out
