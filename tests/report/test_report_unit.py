"""``tlsdoctor report`` pieces that need no network: path redaction, usage errors, the document's order."""

from __future__ import annotations

import os
import subprocess
import sys

from tlsdoctor import report

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_redact_paths_home_and_user():
    text = ("config /home/alice/.config/pip/pip.conf; bundle C:\\Users\\alice\\ca.pem; "
            "other /home/alice2/x and /srv/alice/y, the word alice stays")
    out = report._redact_paths(text, "/home/alice", ["alice"])
    assert "~/.config/pip/pip.conf" in out
    assert "C:\\Users\\<user>\\ca.pem" in out
    assert "/srv/<user>/y" in out
    # Negative controls: a longer name sharing the prefix and prose are kept.
    assert "/home/alice2/x" in out
    assert "the word alice stays" in out


def test_home_and_users_ignore_home_basename():
    home, users = report._home_and_users({"HOME": "/var/lib/jenkins", "USER": "ci-runner"})
    assert home == "/var/lib/jenkins"
    assert "ci-runner" in users and "jenkins" not in users


def test_redactor_masks_proxy_password():
    redact = report.redactor()
    assert "s3cret" not in redact("HTTPS_PROXY=http://bob:s3cret@proxy.example:3128")
    # Negative control: the redactor is not a blanket eraser.
    assert "proxy.example:3128" in redact("HTTPS_PROXY=http://bob:s3cret@proxy.example:3128")


def run(args, env=None):
    env = dict(os.environ if env is None else env, PYTHONPATH=os.path.join(ROOT, "src"))
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "report"] + args, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_unreadable_log_is_a_usage_error(tmp_path):
    code, out, err = run(["--log", str(tmp_path / "missing.log"), "--python", sys.executable, "--timeout", "5"])
    assert code == 2 and out == ""
    assert "cannot read --log" in err and "Traceback" not in err


def test_unwritable_output_is_a_usage_error(tmp_path):
    code, out, err = run(["--output", str(tmp_path), "--python", sys.executable, "--timeout", "5"])
    assert code == 2 and out == ""
    assert "cannot write --output" in err and "Traceback" not in err


def test_missing_interpreter_is_a_usage_error(tmp_path):
    code, out, err = run(["--python", str(tmp_path / "no-python")])
    assert code == 2 and "no interpreter" in err and out == ""


def test_help_names_every_option():
    code, out, _ = run(["--help"])
    assert code == 0
    for opt in ("--log", "--output", "--python", "--timeout", "--redact-paths"):
        assert opt in out


def test_demote_keeps_code_blocks():
    md = "# title\n```\n# not a heading\n```\n## sub"
    assert report._demote(md, 2) == "### title\n```\n# not a heading\n```\n#### sub"


def test_log_tail_reads_utf16_and_drops_colours(tmp_path):
    line = "ERROR: Could not find a version that satisfies the requirement requests"
    log = tmp_path / "ps.log"
    log.write_bytes(("\ufeffnoise\r\n\x1b[31m%s\x1b[0m\r\n" % line).encode("utf-16-le"))
    assert report._tail(str(log)) == "noise\n" + line
    # Negative control: read as UTF-8, the same bytes are not the line.
    assert line not in log.read_bytes().decode("utf-8", "replace")


def test_log_tail_is_bounded(tmp_path):
    log = tmp_path / "big.log"
    log.write_text("".join("line %d\n" % i for i in range(100000)))
    tail = report._tail(str(log)).split("\n")
    assert len(tail) == report.LOG_TAIL_LINES and tail[-1] == "line 99999"
