"""tlsdoctor explain on the command line: formats, languages, colour, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from tlsdoctor import exitcodes
from tlsdoctor.cli import main
from tlsdoctor.explain import _use_color

ERR = ("Could not fetch URL https://pypi.org/simple/x/: There was a problem confirming the ssl certificate: "
       "HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/x/ (Caused by "
       "SSLError(SSLError(1, '[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1129)'))) - skipping\n")


@pytest.fixture
def log(tmp_path):
    p = tmp_path / "pip.log"
    p.write_text(ERR)
    return str(p)


def test_json_contract(log, capsys):
    assert main(["explain", "--json", log]) == exitcodes.PROBLEM
    out = json.loads(capsys.readouterr().out)
    assert isinstance(out["matches"], list) and out["matches"]
    m = out["matches"][0]
    assert m["id"] == "pip/ssl-wrong-version-number"
    assert m["causes"][0] == "https-on-http-port"
    assert out["next_step"] and "tlsdoctor check" in out["next_step"]


def test_text_has_causes_dead_ends_workarounds_and_next_step(log, capsys):
    assert main(["explain", log]) == exitcodes.PROBLEM
    out = capsys.readouterr().out
    for needle in ("pip/ssl-wrong-version-number", "https-on-http-port", "Don't try", "What works", "tlsdoctor check"):
        assert needle in out
    assert "\x1b[" not in out  # not a TTY


def test_markdown(log, capsys):
    main(["explain", "--format", "markdown", log])
    out = capsys.readouterr().out
    assert out.startswith("# tlsdoctor explain") and "## `pip/ssl-wrong-version-number`" in out


def test_chinese(log, capsys):
    main(["explain", "--lang", "zh", log])
    out = capsys.readouterr().out
    assert "不要尝试" in out and "有效的办法" in out and "版本号错误" in out


def test_nothing_found_exits_0(tmp_path, capsys):
    p = tmp_path / "ok.log"
    p.write_text("Successfully installed requests-2.32.3\n")
    assert main(["explain", str(p)]) == exitcodes.OK
    assert "No known" in capsys.readouterr().out


def test_unreadable_file_exits_3(tmp_path, capsys):
    assert main(["explain", str(tmp_path / "missing.log")]) == exitcodes.INCOMPLETE
    assert "cannot read" in capsys.readouterr().err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explain", "--format", "yaml"])
    assert exc.value.code == exitcodes.USAGE


def test_stdin_dash_via_subprocess():
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "explain", "--json", "-"], input=ERR.encode(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == exitcodes.PROBLEM, proc.stderr
    assert json.loads(proc.stdout)["matches"][0]["id"] == "pip/ssl-wrong-version-number"


class _TTY(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_tty_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _use_color("auto", _TTY()) is True
    assert _use_color("auto", io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert _use_color("auto", _TTY()) is False
    assert _use_color("always", io.StringIO()) is True


def test_color_always_emits_escapes(log, capsys):
    main(["explain", "--color", "always", log])
    assert "\x1b[" in capsys.readouterr().out
