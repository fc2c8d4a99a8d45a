"""Shell start-up file edits: one line commented out or replaced, inside a marked block."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tlsdoctor.fix.edits import EditError, edit_shell_file, find_exports

BASHRC = (b"# ~/.bashrc\n"
          b"alias ll='ls -l'\n"
          b"export REQUESTS_CA_BUNDLE=/etc/old/company.pem\n"
          b"PATH=$HOME/bin:$PATH\n")


def run_bash(data: bytes, tmp_path, var: str) -> str:
    rc = tmp_path / "rc.sh"
    rc.write_bytes(data)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)}
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", '. "$1"; printf %%s "${%s-UNSET}"' % var,
                          "x", str(rc)], env=env, stdout=subprocess.PIPE, check=True, timeout=20)
    return out.stdout.decode()


needs_bash = pytest.mark.skipif(not shutil.which("bash"), reason="bash not installed")


@needs_bash
def test_unset_comments_out_the_export_and_bash_agrees(tmp_path):
    assert run_bash(BASHRC, tmp_path, "REQUESTS_CA_BUNDLE") == "/etc/old/company.pem"  # control
    new = edit_shell_file(BASHRC, "REQUESTS_CA_BUNDLE", None, kind="sh", fix_id="T1",
                          reason="stale bundle: it beats pip's --cert")
    assert new == (b"# ~/.bashrc\n"
                   b"alias ll='ls -l'\n"
                   b"# >>> tlsdoctor fix T1 >>>\n"
                   b"# stale bundle: it beats pip's --cert\n"
                   b"# export REQUESTS_CA_BUNDLE=/etc/old/company.pem\n"
                   b"# <<< tlsdoctor fix T1 <<<\n"
                   b"PATH=$HOME/bin:$PATH\n")
    assert run_bash(new, tmp_path, "REQUESTS_CA_BUNDLE") == "UNSET"


@needs_bash
@pytest.mark.parametrize("value", ["/home/u/.local/share/tlsdoctor/ca-bundle.pem", "/it's $(weird) `x` \\ path"])
def test_set_replaces_the_winning_line_or_appends(tmp_path, value):
    replaced = edit_shell_file(BASHRC, "REQUESTS_CA_BUNDLE", value, kind="sh", fix_id="T2", reason="")
    assert b"# export REQUESTS_CA_BUNDLE=/etc/old/company.pem\n" in replaced
    assert run_bash(replaced, tmp_path, "REQUESTS_CA_BUNDLE") == value
    appended = edit_shell_file(b"alias x=y", "SSL_CERT_FILE", value, kind="sh", fix_id="T3", reason="")
    assert appended.startswith(b"alias x=y\n# >>> tlsdoctor fix T3 >>>\n")
    assert run_bash(appended, tmp_path, "SSL_CERT_FILE") == value


@pytest.mark.parametrize("line", [
    b"VAR=1; export VAR\n",
    b"export VAR=\"/a b/c\"  # company\n",
    b"declare -x VAR='x'\n",
])
def test_recognised_forms(line):
    [f] = find_exports(line, "VAR", "sh")
    assert f.safe, f.why
    new = edit_shell_file(line, "VAR", None, kind="sh", fix_id="X", reason="")
    assert b"# " + line.rstrip(b"\n") + b"\n" in new


@pytest.mark.parametrize("data", [
    b"if true; then\n  export VAR=1\nfi\n",  # inside a block: commenting it out would break the if
    b"export VAR=$(cat /etc/x)\n",
    b"export VAR=1 OTHER=2\n",
    b"export VAR=a\\\n",
    b"set -Ux VAR /x\n",
])
def test_unsafe_lines_are_refused_with_the_line_number(data):
    kind = "fish" if data.startswith(b"set") else "sh"
    with pytest.raises(EditError) as e:
        edit_shell_file(data, "VAR", None, kind=kind, fix_id="X", reason="")
    assert "line " in str(e.value)


def test_prefix_assignment_for_one_command_is_not_an_export():
    data = b"VAR=1 some-command\n"
    [f] = find_exports(data, "VAR", "sh")
    assert not f.safe


def test_fish_forms():
    data = b"set -gx REQUESTS_CA_BUNDLE /old.pem\nset -g NOT_EXPORTED 1\nset --export --global PIP_CERT /x\n"
    assert [f.index for f in find_exports(data, "REQUESTS_CA_BUNDLE", "fish")] == [0]
    assert find_exports(data, "NOT_EXPORTED", "fish") == []
    new = edit_shell_file(data, "PIP_CERT", "/it's.pem", kind="fish", fix_id="F", reason="")
    assert b"# set --export --global PIP_CERT /x\nset -gx PIP_CERT '/it\\'s.pem'\n" in new


def test_crlf_file_keeps_crlf_and_nothing_else_moves():
    data = b"a=1\r\nexport VAR=x\r\nb=2"
    new = edit_shell_file(data, "VAR", None, kind="sh", fix_id="C", reason="why")
    assert new.startswith(b"a=1\r\n") and new.endswith(b"\r\nb=2")
    assert b"\n" not in new.replace(b"\r\n", b"")


def test_no_such_variable_changes_nothing():
    assert edit_shell_file(BASHRC, "PIP_CERT", None, kind="sh", fix_id="N", reason="") == BASHRC


def test_setting_twice_is_a_no_op():
    once = edit_shell_file(BASHRC, "REQUESTS_CA_BUNDLE", "/new.pem", kind="sh", fix_id="A", reason="")
    assert edit_shell_file(once, "REQUESTS_CA_BUNDLE", "/new.pem", kind="sh", fix_id="B", reason="") == once
    # control: another value is a change
    assert edit_shell_file(once, "REQUESTS_CA_BUNDLE", "/other.pem", kind="sh", fix_id="B", reason="") != once
    fish = edit_shell_file(b"", "PIP_CERT", "/x.pem", kind="fish", fix_id="F", reason="")
    assert edit_shell_file(fish, "PIP_CERT", "/x.pem", kind="fish", fix_id="G", reason="") == fish


@needs_bash
def test_tilde_values_expand_like_the_user_means(tmp_path):
    new = edit_shell_file(b"", "SSL_CERT_FILE", "~/certs/it's.pem", kind="sh", fix_id="T", reason="")
    assert run_bash(new, tmp_path, "SSL_CERT_FILE") == str(tmp_path) + "/certs/it's.pem"
