"""The fleet example for real: ``examples/ansible/fix-pip-tls.yml`` with ansible-core against
localhost (``connection: local``) on the lab's ``untrusted-ca`` scenario, real pip before and after.

Needs ``ansible-playbook`` (ansible-core): on PATH, next to this interpreter, or named by
``$TLSDOCTOR_ANSIBLE_PLAYBOOK``. CI installs it into the test environment
(``pip install ansible-core``); without it the test skips and says so.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from test_fix_lab import PY311, SRC, _ca_path, _sha, lab  # noqa: F401  (lab: the fixture)

pytestmark = pytest.mark.lab

PLAYBOOK = os.path.join(os.path.dirname(SRC), "examples", "ansible", "fix-pip-tls.yml")
RECAP = re.compile(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


def _ansible_playbook():
    for candidate in (os.environ.get("TLSDOCTOR_ANSIBLE_PLAYBOOK"), shutil.which("ansible-playbook"),
                      os.path.join(os.path.dirname(sys.executable), "ansible-playbook")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("ansible-playbook (ansible-core) is not installed: pip install ansible-core, "
                "or set TLSDOCTOR_ANSIBLE_PLAYBOOK")


def _interpreter_of(script):
    """The Python ansible itself runs on (its modules then run on it too). Asked of ansible
    (``--version`` names it): a wrapper such as a pyenv shim is a bash script, whose shebang
    would name /usr/bin/env, and ansible then hangs running its modules with that."""
    try:
        out = subprocess.run([script, "--version"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             timeout=120).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired):
        out = ""
    found = re.search(r"python version = .*\((/[^()]+)\)\s*$", out, re.M)
    if found:
        return found.group(1)
    with open(script, "rb") as f:
        first = f.readline().decode("utf-8", "replace")
    return first[2:].strip().split()[0] if first.startswith("#!") else sys.executable


def _play(m, tmp_path, **extra_vars):
    playbook = _ansible_playbook()
    inventory = tmp_path / "inventory"
    inventory.write_text("localhost ansible_connection=local ansible_python_interpreter=%s\n"
                         % _interpreter_of(playbook))
    cfg = tmp_path / "ansible.cfg"  # an empty one: no /etc/ansible/ansible.cfg of this machine
    cfg.write_text("[defaults]\n")
    env = m.shell_env()  # the user's own shell: ansible runs tlsdoctor as that user
    env.update(PYTHONPATH=SRC, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-local"), ANSIBLE_REMOTE_TMP=str(tmp_path / "ansible-remote"),
               ANSIBLE_CONFIG=str(cfg), ANSIBLE_HOST_KEY_CHECKING="0")
    variables = dict({"tlsdoctor_command": [sys.executable, "-m", "tlsdoctor"],
                      "tlsdoctor_python": m.client.python}, **extra_vars)
    proc = subprocess.run([playbook, "-i", str(inventory), PLAYBOOK, "-e", json.dumps(variables)], env=env,
                          cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    out = proc.stdout.decode("utf-8", "replace")
    recap = RECAP.search(out)
    assert recap, "no PLAY RECAP (exit %s):\n%s" % (proc.returncode, out[-3000:])
    ok, changed, unreachable, failed = (int(x) for x in recap.groups())
    return proc.returncode, changed, failed, out


def test_playbook_fixes_localhost_and_reports_changed(lab, tmp_path):
    _ansible_playbook()  # skip before starting the scenario
    m = lab("untrusted-ca", *PY311)
    ca = _ca_path(m, "index-ca.pem")
    assert m.pip()[0] != 0  # control: broken
    before = m.files()

    # A wrong fingerprint: refused, nothing changed; exit 1 fails the host only when asked to.
    rc, changed, failed, out = _play(m, tmp_path, ca_sha256="00" * 32, ca_file=ca, tlsdoctor_fail_on_remaining=True)
    assert (rc, changed, failed) != (0, 0, 0) and failed == 1 and changed == 0, out[-3000:]
    assert m.files() == before
    rc, changed, failed, out = _play(m, tmp_path, ca_sha256="00" * 32, ca_file=ca)
    assert rc == 0 and changed == 0 and failed == 0 and "remaining" in out, out[-3000:]

    # The right one: changed, and real pip now works.
    rc, changed, failed, out = _play(m, tmp_path, ca_sha256=_sha(ca), ca_file=ca)
    assert rc == 0 and changed == 1 and failed == 0, out[-3000:]
    assert m.pip()[0] == 0

    # Again: nothing to change.
    rc, changed, failed, out = _play(m, tmp_path, ca_sha256=_sha(ca), ca_file=ca)
    assert rc == 0 and changed == 0 and failed == 0, out[-3000:]

    assert m.tlsdoctor("undo")[0] == 0 and m.files() == before
