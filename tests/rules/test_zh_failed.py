"""``check --lang zh`` when the probe itself could not run: check's line says why in Chinese.

Real probe runs (``check.collect``) against interpreters that fail the ways a machine's can: one
that exits with an error, one that prints nothing, one that prints something else, one that never
answers (with ``SSL_CERT_FILE`` a FIFO, which check names), one whose answer has the wrong shape,
and one that starts only isolated (a variable in pip's environment stops it). Every line of the
text and Markdown render goes through ``zh_detector``; what the interpreter printed, paths and
variable names are data. Controls: the English render is caught, and English stays byte for byte
what it was (``test_english_is_unchanged``).
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from zh_support import english_lines  # noqa: E402

from tlsdoctor import check  # noqa: E402
from tlsdoctor.messages import Msg  # noqa: E402
from tlsdoctor.render import check as render  # noqa: E402

FAKES = {
    "fails": 'echo "boom: it broke" >&2\nexit 1\n',
    "silent": "exit 0\n",
    "noisy": "echo hello there\n",
    "sleeps": "exec sleep 30\n",
    "shape": "echo '{\"result\": \"success\"}'\n",
    # starts only with -I: something in pip's environment stops it (check says which variable)
    "isolated_only": 'for a in "$@"; do [ "$a" = "-I" ] && exec %s "$@"; done\necho "site: cannot start" >&2\nexit 1\n'
                     % sys.executable,
}
PRINTED = ("boom: it broke", "hello there", "site: cannot start", "no 'kind'")  # what the interpreters said


@pytest.fixture(scope="module")
def failed_reports(tmp_path_factory):
    d = tmp_path_factory.mktemp("interpreters")
    fifo = str(d / "fifo")
    os.mkfifo(fifo)
    out = {}
    for name, body in FAKES.items():
        path = d / name
        path.write_text("#!/bin/sh\n" + body)
        path.chmod(0o755)
        env = {"PATH": os.environ.get("PATH", os.defpath), "HOME": str(d)}
        if name == "sleeps":
            env["SSL_CERT_FILE"] = fifo
        if name == "isolated_only":
            env["PYTHONSTARTUP"] = str(d / "startup.py")
        out[name] = check.collect(python=str(path), timeout=2.0 if name == "sleeps" else 8.0, env=env)
    return out


def _detail(report):
    return report.error.detail if report.error else report.incomplete[0].detail


def _english_lines(text):
    """The English left in ``text`` once what the interpreters printed (data) is masked."""
    return english_lines(text, PRINTED)


def test_the_failures_are_what_they_should_be(failed_reports):
    # The runs fail as intended (else the Chinese below would prove nothing).
    assert all(r.status == "incomplete" for r in failed_reports.values())
    assert "exited 1: boom" in _detail(failed_reports["fails"])
    assert _detail(failed_reports["silent"]).endswith("exited 0: no output")
    assert "printed: hello there" in _detail(failed_reports["noisy"])
    assert "is a FIFO, not a file" in _detail(failed_reports["sleeps"])
    assert "not of the expected shape" in _detail(failed_reports["shape"])
    assert "PYTHONSTARTUP=" in _detail(failed_reports["isolated_only"])
    assert all(isinstance(_detail(r), Msg) for r in failed_reports.values())


def test_the_probes_failures_are_chinese(failed_reports):
    for name, report in failed_reports.items():
        for fmt in ("text", "markdown"):
            text = render.render(report, fmt=fmt, lang="zh")
            assert "未完成" in text
            assert _english_lines(text) == [], (name, fmt)


def test_the_english_render_is_caught(failed_reports):
    # Negative control: the detector finds the English of the same reports.
    for name, report in failed_reports.items():
        assert _english_lines(render.render(report, fmt="text", lang="en")), name


def test_english_is_unchanged(failed_reports):
    # The messages are the English strings they replaced, and --json stays English under --lang zh.
    assert str(_detail(failed_reports["silent"])).endswith("/silent exited 0: no output")
    r = failed_reports["sleeps"]
    assert "the probe did not answer by the deadline (no measurement had finished) (--timeout 2); SSL_CERT_FILE=" \
        in _detail(r)
    assert render.render(r, fmt="json", lang="zh") == render.render(r, fmt="json", lang="en")


def test_the_blocking_file_hint(tmp_path):
    # check._failed without a probe answer at all: the deadline line, with the variables that point at a FIFO
    # and a device, in Chinese.
    fifo = tmp_path / "fifo"
    os.mkfifo(str(fifo))
    report = check._failed(check.Target(sys.executable, "--python"), None,
                           {"OPENSSL_CONF": str(fifo), "PIP_CERT": os.devnull, "REQUESTS_CA_BUNDLE": "/dev/zero"},
                           1.0, 3.0)
    en = render.render(report, fmt="text", lang="en")
    assert ("the probe did not finish by the 3 s deadline; OPENSSL_CONF=%s is a FIFO, not a file: reading it may "
            "never end; REQUESTS_CA_BUNDLE=/dev/zero is a device, not a file" % fifo) in en
    zh = render.render(report, fmt="text", lang="zh")
    assert "探测程序没有在 3 秒的时限内完成；OPENSSL_CONF=%s 是一个 FIFO，不是文件" % fifo in zh
    assert _english_lines(zh) == [] and _english_lines(en)


def test_how_the_target_was_found(tmp_path):
    # The header names how check chose the interpreter (shown when the probe gave no facts): in Chinese with
    # --lang zh, the English unchanged.
    from tlsdoctor import probe
    from tlsdoctor.render import zh

    bare, shebang = tmp_path / "bare", tmp_path / "shebang"
    bare.mkdir()
    shebang.mkdir()
    (shebang / "pip").write_text("#!%s\nprint(1)\n" % sys.executable)
    (shebang / "pip").chmod(0o755)
    found = probe.find_target({"PATH": str(shebang)}, timeout=3.0)
    assert found.how == "the interpreter of %s (its #! line)" % (shebang / "pip")
    assert zh.tr(found.how) == "%s 的解释器（来自它的 #! 行）" % (shebang / "pip")
    nothing = probe.find_target({"PATH": str(bare)}, timeout=3.0)
    assert nothing.how == "no pip or python on PATH: tlsdoctor's own interpreter"
    report = check._failed(check.Target(sys.executable, nothing.how), None, {}, 1.0, 2.0)
    zh_text = render.render(report, fmt="text", lang="zh")
    assert "PATH 中既没有 pip 也没有 python：使用 tlsdoctor 自己的解释器" in zh_text and _english_lines(zh_text) == []
    assert "(no pip or python on PATH: tlsdoctor's own interpreter)" in render.render(report, fmt="text", lang="en")
