"""An apply killed between two file writes leaves each file old or new, and undo restores.

The child process runs a real ``apply`` over two files; the test hook
``_TLSDOCTOR_FIX_TEST_STOP_AFTER_WRITES=N`` makes it announce the N-th write on stderr
and wait, and the test then sends SIGKILL (no cleanup possible) or SIGINT (apply's own
rollback runs).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from tlsdoctor.fix.journal import APPLYING, ROLLED_BACK, Journal

CHILD = textwrap.dedent("""
    import sys
    from tlsdoctor.remedies import Scope, Step, StepKind
    from tlsdoctor.fix.apply import apply
    from tlsdoctor.fix.journal import Journal
    from tlsdoctor.fix.plan import build_plan
    steps = [
        Step(StepKind.UNSET_ENV, "stale", Scope.USER, key="REQUESTS_CA_BUNDLE", automatic=True),
        Step(StepKind.SET_CONFIG, "timeout", Scope.USER, key="global.timeout", value="60", automatic=True),
        Step(StepKind.SET_CONFIG, "retries", Scope.USER, key="global.retries", value="2", automatic=True),
    ]
    res = apply(build_plan(steps), Journal(), verify=lambda: True)
    print(res.status)
""")

RC = b"# rc\r\nexport REQUESTS_CA_BUNDLE=/old.pem\r\nalias a=b"
CONF = b"[global]\n# keep me\nretries = 9"


def _start(home, stop_after):
    env = dict(os.environ, HOME=str(home), XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "cfg"),
               XDG_DATA_HOME=str(home / "data"), SHELL="/bin/bash",
               _TLSDOCTOR_FIX_TEST_STOP_AFTER_WRITES=str(stop_after))
    p = subprocess.Popen([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = p.stderr.readline()
    assert b"stopped after %d writes" % stop_after in line, line + p.stderr.read()
    return p


@pytest.fixture()
def files(tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    (home / ".bashrc").write_bytes(RC)
    conf = home / "cfg" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_bytes(CONF)
    return home, home / ".bashrc", conf


@pytest.mark.parametrize("stop_after", [1, 2, 3])  # 3: pip.conf written twice in one run
def test_sigkill_between_writes_then_undo_restores(files, stop_after):
    home, rc, conf = files
    p = _start(home, stop_after)
    p.kill()
    p.wait(timeout=30)
    p.stdout.close()
    p.stderr.close()
    # each file is whole: old or new, never a mix
    assert rc.read_bytes() != RC  # the first write (the shell file) happened
    assert b"# export REQUESTS_CA_BUNDLE=/old.pem\r\n" in rc.read_bytes()
    if stop_after == 1:
        assert conf.read_bytes() == CONF
    elif stop_after == 2:
        assert conf.read_bytes() == b"[global]\n# keep me\nretries = 9\ntimeout = 60"
    else:
        assert conf.read_bytes() == b"[global]\n# keep me\nretries = 2\ntimeout = 60"
    leftovers = [n for n in os.listdir(conf.parent) + os.listdir(home) if n.startswith(".tlsdoctor-")]
    assert leftovers == []  # no half-written temp files beside the user's files
    jr = Journal(str(home / "state" / "tlsdoctor"))
    [t] = jr.list_transactions()
    assert t["status"] == APPLYING
    res = jr.undo("last")
    assert res.status == "undone", res.message
    assert rc.read_bytes() == RC and conf.read_bytes() == CONF
    assert jr.undo("last").status == "already_undone"
    assert rc.read_bytes() == RC and conf.read_bytes() == CONF


def test_sigint_between_writes_rolls_back_by_itself(files):
    home, rc, conf = files
    p = _start(home, 1)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode != 0 and b"KeyboardInterrupt" in err
    assert rc.read_bytes() == RC and conf.read_bytes() == CONF
    jr = Journal(str(home / "state" / "tlsdoctor"))
    assert jr.list_transactions()[0]["status"] == ROLLED_BACK
    assert jr.undo("last").status == "already_undone"


def test_control_without_the_hook_the_child_completes(files):
    home, rc, conf = files
    env = dict(os.environ, HOME=str(home), XDG_STATE_HOME=str(home / "state"), XDG_CONFIG_HOME=str(home / "cfg"),
               SHELL="/bin/bash")
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, stdout=subprocess.PIPE, timeout=60, check=True)
    assert out.stdout.strip() == b"verified"
    assert conf.read_bytes() == b"[global]\n# keep me\nretries = 2\ntimeout = 60"
