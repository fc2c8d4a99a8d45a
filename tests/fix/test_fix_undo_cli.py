"""``tlsdoctor undo`` front end: list, JSON, refusal with diff, --force, idempotence, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from tlsdoctor.fix.cli import undo_main
from tlsdoctor.fix.journal import Journal

SECRET = "Cl1-S3cret-pw"


def run(argv):
    out = io.StringIO()
    rc = undo_main(argv, out)
    return rc, out.getvalue()


def _applied(home):
    f = home / "pip.conf"
    f.write_bytes(b"[global]\r\ntimeout = 5\r\n")
    jr = Journal()
    tx = jr.begin("set cert (index https://u:%s@idx/simple)" % SECRET)
    tx.write(str(f), b"[global]\r\ntimeout = 5\r\ncert = /b.pem\r\n")
    tx.commit()
    return f, tx.id


def test_list_and_json_list(home):
    rc, text = run(["--list"])
    assert rc == 0 and "no fix has been applied" in text
    f, tid = _applied(home)
    rc, text = run(["--list"])
    assert rc == 0 and tid in text and str(f) in text and SECRET not in text
    rc, text = run(["--list", "--json"])
    data = json.loads(text)
    assert data["transactions"][0]["id"] == tid and SECRET not in text


def test_undo_last_then_again_is_idempotent(home):
    f, tid = _applied(home)
    rc, text = run(["last"])
    assert rc == 0 and "restored " + str(f) in text
    assert f.read_bytes() == b"[global]\r\ntimeout = 5\r\n"
    rc, text = run(["--json"])
    assert rc == 0 and json.loads(text)["status"] == "already_undone"


def test_refusal_shows_redacted_diff_and_force_overrides(home):
    f, tid = _applied(home)
    f.write_bytes(b"[global]\r\ntimeout = 5\r\ncert = /b.pem\r\nindex-url = https://me:%s@idx/simple\r\n"
                  % SECRET.encode())
    rc, text = run([tid])
    assert rc == 1
    assert "changed since" in text and "+index-url = https://***@idx/simple" in text
    assert SECRET not in text
    assert b"index-url" in f.read_bytes()  # refused: untouched
    rc, text = run([tid, "--force", "--json"])
    assert rc == 0 and json.loads(text)["status"] == "undone"
    assert f.read_bytes() == b"[global]\r\ntimeout = 5\r\n"


def test_unknown_id_is_usage_error(home):
    _applied(home)
    assert run(["20000101T000000.000000Z-ffffff"])[0] == 2
    assert run(["../../etc"])[0] == 2


def test_nothing_to_undo(home):
    rc, text = run([])
    assert rc == 0 and "no fix has been applied" in text


def test_runs_as_a_subprocess_too(home):
    f, tid = _applied(home)
    out = subprocess.run([sys.executable, "-c", "import sys; from tlsdoctor.fix.cli import undo_main; "
                          "sys.exit(undo_main(sys.argv[1:]))", "--json", tid],
                         stdout=subprocess.PIPE, timeout=60)
    assert out.returncode == 0 and json.loads(out.stdout)["status"] == "undone"
    assert f.read_bytes() == b"[global]\r\ntimeout = 5\r\n"


def test_registry_shape_for_cli_py(home):
    """What the integrator adds to tlsdoctor.cli.COMMANDS works with its configure/run contract."""
    import argparse
    import importlib

    module = importlib.import_module("tlsdoctor.fix.undo_cmd")
    parser = argparse.ArgumentParser(prog="tlsdoctor")
    sub = parser.add_subparsers(dest="command")
    module.configure(sub.add_parser("undo"))
    f, tid = _applied(home)
    args = parser.parse_args(["undo", "--json", "last"])
    assert module.run(args) == 0
    assert f.read_bytes() == b"[global]\r\ntimeout = 5\r\n"


def test_a_path_that_became_a_directory_is_exit_3(home):
    f, tid = _applied(home)
    f.unlink()
    f.mkdir()
    rc, text = run([tid])
    assert rc == 3 and "could not complete" in text
