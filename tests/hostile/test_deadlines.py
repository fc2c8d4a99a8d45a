"""``--timeout`` is a hard bound on the whole command, local work included (issue 9, "Deadlines").

Each case runs the real ``tlsdoctor check`` in a child with ``--timeout 3`` and
checks three things: it returns within 3.5 s, it leaves no process behind (every
process it starts inherits a marker variable; /proc is scanned for it), and its
verdict says what did not finish. The peers are files and scripts made here;
the only network is a closed loopback port.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from hostile_env import SRC, base_env  # shared by the hostile tests

LIMIT = 3.5  # --timeout 3 plus tlsdoctor's own start-up and exit


def marked_processes(marker: str):
    """PIDs whose environment or command line carries ``marker`` (zombies have neither)."""
    needle = marker.encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        for part in ("environ", "cmdline"):
            try:
                with open("/proc/%s/%s" % (name, part), "rb") as fh:
                    if needle in fh.read():
                        found.append(int(name))
                        break
            except OSError:
                continue
    return found


def assert_nothing_left(env, grace=1.0):
    # SIGKILLed processes take a moment to be reaped by init; none may survive it.
    end = time.monotonic() + grace
    while True:
        left = marked_processes(env["TLSDOCTOR_TEST_MARKER"])
        if not left or time.monotonic() > end:
            break
        time.sleep(0.05)
    assert not left, "processes left behind: %s" % [open("/proc/%d/cmdline" % p, "rb").read() for p in left]
    leftovers = [n for n in os.listdir(env["TMPDIR"]) if n.startswith("tlsdoctor-probe-")]
    assert not leftovers, leftovers


def finished_or_deadline(rc, data):
    """What is left of a short budget on a loaded machine may not let the probe finish: then the
    verdict says so (exit 3), never another cause. Here the index port is closed: exit 1."""
    assert rc == 1 or (rc == 3 and "deadline" in data["verdict"] and not data["diagnoses"]), data["verdict"]


def check(env, *args, python=sys.executable):
    argv = [sys.executable, "-m", "tlsdoctor", "check", "--json", "--timeout", "3"]
    if python:
        argv += ["--python", python]
    t0 = time.monotonic()
    proc = subprocess.run(argv + list(args), env=env, capture_output=True, timeout=60)
    dt = time.monotonic() - t0
    out, err = proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in out + err, err[-3000:]
    try:
        data = json.loads(out)
    except ValueError:
        raise AssertionError("no JSON (exit %s): %r %s" % (proc.returncode, out[-300:], err[-2000:]))
    return proc.returncode, data, dt


def write(path, text, mode=0o755):
    path.write_text(text)
    path.chmod(mode)
    return str(path)


def test_openssl_conf_fifo(tmp_path):
    """OpenSSL reads OPENSSL_CONF when ssl is first imported; a FIFO blocks that forever.

    The probe never reads it (it measures without it, within the deadline), and
    the diagnosis says what real pip would meet: it blocks at ``import ssl``.
    With ``--timeout 3`` the bound holds and the FIFO is named whether or not a
    loaded machine let the probe finish; the diagnosis itself is asked of a run
    with a generous deadline (a loaded 2-CPU machine once left the 3 s probe
    unfinished: an honest "did not finish", which is not what is tested here)."""
    fifo = tmp_path / "openssl.cnf"
    os.mkfifo(str(fifo))
    env = base_env(tmp_path, OPENSSL_CONF=str(fifo))
    rc, data, dt = check(env)
    assert dt <= LIMIT, "deadline not kept: %.2f s" % dt
    assert "OPENSSL_CONF=%s is a FIFO" % fifo in data["verdict"]
    assert any(w["code"] == "openssl_conf" and w["severity"] == "problem" for w in data["warnings"])
    if rc == 3:  # the probe did not finish by 3 s: said so, never another cause
        assert data["status"] == "incomplete" and not data["diagnoses"], data["verdict"]
        assert "deadline" in data["verdict"], data["verdict"]
    assert_nothing_left(env)
    rc, data, dt = check(env, "--timeout", "60")
    assert (rc, data["status"]) == (1, "problem"), data["verdict"]
    assert data["diagnoses"][0]["cause"] == "openssl-config-restricts", data["verdict"]
    assert "OPENSSL_CONF=%s is a FIFO" % fifo in data["verdict"]
    assert data["diagnoses"][0]["fix"][0]["kind"] == "unset_env"
    assert data["diagnoses"][0]["fix"][0]["key"] == "OPENSSL_CONF"
    assert_nothing_left(env)


def test_openssl_conf_regular_file_is_no_finding(tmp_path):
    """Negative control: the same setting naming an ordinary config finishes and blames nothing."""
    conf = tmp_path / "openssl.cnf"
    conf.write_text("openssl_conf = default\n[default]\n")
    env = base_env(tmp_path, OPENSSL_CONF=str(conf))
    rc, data, dt = check(env)
    finished_or_deadline(rc, data)
    assert "OPENSSL_CONF" not in data["verdict"], data["verdict"]
    assert dt <= LIMIT
    assert_nothing_left(env)


def _pip_dir(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(sys.executable, str(bindir / "python3"))
    return bindir


def test_pip_on_path_is_a_fifo(tmp_path):
    bindir = _pip_dir(tmp_path)
    os.mkfifo(str(bindir / "pip"))
    os.chmod(str(bindir / "pip"), 0o755)
    env = base_env(tmp_path, PATH=str(bindir) + ":/usr/bin:/bin")
    rc, data, dt = check(env, python=None)
    assert dt <= LIMIT, "deadline not kept: %.2f s" % dt
    assert "is not a regular file" in data["target"]["how"], data["target"]
    assert data["target"]["python"] == str(bindir / "python3")
    finished_or_deadline(rc, data)
    assert_nothing_left(env)


def test_pip_on_path_is_endless(tmp_path):
    """`pip` a 4 GiB sparse file of zeros (no #! line): only its first 512 bytes are read.

    (A symlink to /dev/zero is not executable, so PATH lookup never picks it;
    the FIFO case above covers non-regular files.)
    """
    bindir = _pip_dir(tmp_path)
    pip = bindir / "pip"
    with open(str(pip), "wb") as fh:
        fh.truncate(4 << 30)
    pip.chmod(0o755)
    env = base_env(tmp_path, PATH=str(bindir) + ":/usr/bin:/bin")
    rc, data, dt = check(env, python=None)
    assert dt <= LIMIT, "deadline not kept: %.2f s" % dt
    assert data["target"]["python"] == str(bindir / "python3"), data["target"]
    assert "cannot be run (OSError: [Errno 8] Exec format error" in data["target"]["how"], data["target"]
    finished_or_deadline(rc, data)
    assert_nothing_left(env)


def test_pip_on_path_is_a_huge_shell_script(tmp_path):
    """A 4 GiB sparse `pip` behind `#!/bin/sh`: `pip --version` is killed within its share of the deadline."""
    bindir = _pip_dir(tmp_path)
    pip = bindir / "pip"
    with open(str(pip), "wb") as fh:
        fh.write(b"#!/bin/sh\n")
        fh.truncate(4 << 30)
    pip.chmod(0o755)
    env = base_env(tmp_path, PATH=str(bindir) + ":/usr/bin:/bin")
    rc, data, dt = check(env, python=None)
    assert dt <= LIMIT, "deadline not kept: %.2f s" % dt
    assert data["target"]["python"] == str(bindir / "python3"), data["target"]
    assert "did not answer in time" in data["target"]["how"]
    finished_or_deadline(rc, data)
    assert_nothing_left(env)


def test_python_that_waits_on_a_child(tmp_path):
    """A wrapper script whose child outlives it: the whole process group goes at the deadline."""
    fake = write(tmp_path / "python3", "#!/bin/sh\nsleep 30\n")
    env = base_env(tmp_path)
    rc, data, dt = check(env, python=fake)
    assert dt <= LIMIT, "deadline not kept: %.2f s" % dt
    assert (rc, data["status"]) == (3, "incomplete")
    assert "did not answer by the deadline" in data["verdict"]
    assert_nothing_left(env)


def test_python_that_backgrounds_a_child_and_answers(tmp_path):
    """The probe's group is ended on a normal exit too: a child left running is killed."""
    fake = write(tmp_path / "python3", "#!/bin/sh\nsleep 30 &\necho '{\"result\": \"success\"}'\n")
    env = base_env(tmp_path)
    rc, data, dt = check(env, python=fake)
    assert rc == 3 and dt <= LIMIT
    assert_nothing_left(env)


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 128 + signal.SIGTERM)])
def test_signal_to_check_ends_the_probe_group(tmp_path, sig, code):
    fake = write(tmp_path / "python3", "#!/bin/sh\nsleep 30\n")
    env = base_env(tmp_path)
    proc = subprocess.Popen([sys.executable, "-m", "tlsdoctor", "check", "--json", "--timeout", "20",
                             "--python", fake], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    marker = env["TLSDOCTOR_TEST_MARKER"]
    end = time.monotonic() + 10
    # Wait until the probe (the shell and its sleep) is running.
    while len(marked_processes(marker)) < 3 and time.monotonic() < end:
        time.sleep(0.05)
    assert len(marked_processes(marker)) >= 3, "the probe never started"
    proc.send_signal(sig)
    t0 = time.monotonic()
    _, err = proc.communicate(timeout=10)
    assert time.monotonic() - t0 < 1.0
    assert proc.returncode == code, err[-2000:]
    assert b"Traceback" not in err
    assert_nothing_left(env, grace=0.5)


HANDLER_IN_EXEC = r"""
import os, signal, sys
sys.path.insert(0, %r)
from tlsdoctor import check
check._install_signal_handlers()
if sys.argv[1] == "keyboardinterrupt":  # the handler as it was: SIGINT raised KeyboardInterrupt
    signal.signal(signal.SIGINT, lambda signum, frame: (_ for _ in ()).throw(KeyboardInterrupt()))
rc = 0
try:
    # The handler runs inside a string exec, as it does when the signal lands
    # while dataclasses builds an __init__ (importing any module with a dataclass).
    exec("os.kill(os.getpid(), signal.SIGINT)\nfor _ in range(1000): pass")
except KeyboardInterrupt:  # what cli.main does
    rc = 130
sys.exit(rc)
"""


@pytest.mark.parametrize("handler,code", [("check", 130), ("keyboardinterrupt", -signal.SIGINT)])
def test_sigint_inside_a_string_exec_still_exits_130(handler, code, tmp_path):
    """check's SIGINT handler ends the command with SystemExit(130), never KeyboardInterrupt.

    CPython marks a KeyboardInterrupt that leaves a string ``exec`` as unhandled
    (run_eval_code_obj, Python/pythonrun.c) and kills itself with SIGINT at exit
    even when the exception was caught: the caller saw -2 instead of 130 when
    the signal landed while the rule modules were being imported. Only under
    ``python -m`` (as README runs tlsdoctor): there Py_RunMain checks the flag,
    while ``-c`` and a script exit through Py_Exit first. The
    ``keyboardinterrupt`` case is the negative control: the old handler, caught
    the same way, still ends in -2."""
    (tmp_path / "sigint_in_exec.py").write_text(HANDLER_IN_EXEC % SRC)
    proc = subprocess.run([sys.executable, "-m", "sigint_in_exec", handler], capture_output=True, timeout=60,
                          cwd=str(tmp_path))
    assert proc.returncode == code, proc.stderr[-2000:]
    assert b"Traceback" not in proc.stderr


def test_pip_config_file_dev_zero(tmp_path):
    """pip's config an endless file: check still returns in time, and its own memory stays small."""
    env = base_env(tmp_path, PIP_CONFIG_FILE="/dev/zero")
    wrapper = ("import json, resource, subprocess, sys, time\n"
               "t0 = time.monotonic()\n"
               "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
               "print(json.dumps({'rc': p.returncode, 'dt': time.monotonic() - t0, 'out': p.stdout.decode(),\n"
               "  'err': p.stderr.decode('utf-8', 'replace')[-2000:],\n"
               "  'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")
    argv = [sys.executable, "-c", wrapper, sys.executable, "-m", "tlsdoctor", "check", "--json", "--timeout", "3",
            "--python", sys.executable]
    res = json.loads(subprocess.run(argv, env=env, capture_output=True, timeout=60).stdout)
    assert res["dt"] <= LIMIT, "deadline not kept: %.2f s" % res["dt"]
    assert "Traceback" not in res["out"] + res["err"]
    data = json.loads(res["out"])
    assert res["rc"] == 3 and data["status"] == "incomplete"
    assert "PIP_CONFIG_FILE" in data["verdict"] or "configuration" in data["verdict"], data["verdict"]
    assert_nothing_left(env)
    # The largest process check started (the probe included, as check reaps
    # it): the probe never hands a non-regular config file to pip's parser.
    assert res["maxrss_kb"] <= 512 * 1024, "the probe read %d MiB of /dev/zero" % (res["maxrss_kb"] // 1024)


def test_timeout_floor(tmp_path):
    """--timeout 0.001 is honoured as well as it can be (the floor README states)."""
    env = base_env(tmp_path)
    rc, data, dt = check(env, "--timeout", "0.001")
    assert (rc, data["status"]) == (3, "incomplete")
    assert dt <= 1.5, "the floor grew: %.2f s" % dt
    assert_nothing_left(env)


def test_checker_never_initialises_openssl_itself(tmp_path):
    """What check imports to judge and render (facts, every rule, the renderers) pulls in neither ssl
    nor hashlib: OpenSSL reads OPENSSL_CONF at initialisation, and a FIFO there would block check
    itself after the deadline."""
    fifo = tmp_path / "openssl.cnf"
    os.mkfifo(str(fifo))
    code = ("import sys; sys.path.insert(0, %r)\n"
            "import tlsdoctor.cli, tlsdoctor.check, tlsdoctor.facts, tlsdoctor.probe, tlsdoctor.pipconfig\n"
            "import tlsdoctor.rules as rules, tlsdoctor.render.check\n"
            "rules.load_rules()\n"
            "print(sorted(m for m in sys.modules if m in ('ssl', '_ssl', 'hashlib', '_hashlib')))\n" % SRC)
    proc = subprocess.run([sys.executable, "-I", "-c", code], env=dict(base_env(tmp_path), OPENSSL_CONF=str(fifo)),
                          capture_output=True, text=True, timeout=30)
    assert proc.stdout.strip() == "[]", (proc.stdout, proc.stderr[-2000:])
    # Negative control: importing ssl does initialise OpenSSL, and blocks on the FIFO.
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-I", "-c", "import ssl"], env=dict(base_env(tmp_path), OPENSSL_CONF=str(fifo)),
                       capture_output=True, timeout=2)
