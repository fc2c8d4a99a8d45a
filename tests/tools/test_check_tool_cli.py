"""check --tool: the CLI contract (deadline, exit codes, secrets, missing modules, pip unchanged)."""

from __future__ import annotations

import json
import os
import time

import pytest


SECRET = "hunter2secretpw"
TOKEN = "ghp_" + "Zq9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0"


def _fake_uv(bindir, body):
    bindir.mkdir(parents=True, exist_ok=True)
    path = bindir / "uv"
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


def _env(tmp_path, bindir, **kw):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    e = {"HOME": str(home), "PATH": str(bindir) + os.pathsep + os.defpath, "LANG": "C.UTF-8",
         "XDG_CONFIG_DIRS": str(home / "none"), "PIP_CONFIG_FILE": os.devnull}
    e.update(kw)
    return e


@pytest.mark.parametrize("where", ["request", "version"])
def test_timeout_bounds_a_hanging_uv(tlsdoctor_check, tmp_path, where):
    """A uv that never answers (its --version, or its request) is killed with its children at the deadline:
    exit 3, "could not tell", within the hard bound."""
    pidfile = tmp_path / "sleeper.pid"
    hang = 'sleep 60 &\necho $! >> %s\nwait\n' % pidfile
    if where == "request":
        body = 'if [ "$1" = "--version" ]; then echo "uv 0.13.9"; exit 0; fi\n' + hang
    else:
        body = hang
    _fake_uv(tmp_path / "bin", body)
    env = _env(tmp_path, tmp_path / "bin", UV_DEFAULT_INDEX="https://127.0.0.1:9/simple/")
    t0 = time.monotonic()
    rc, data, err = tlsdoctor_check(["--tool", "uv", "--timeout", "3", "--json"], env, cwd=str(tmp_path))
    took = time.monotonic() - t0
    assert took <= 3 + 2.5, took  # the deadline plus interpreter start-up: a hard bound, not a timing claim
    row = data["tools"][0]
    assert (rc, data["status"], row["status"], row["causes"]) == (3, "incomplete", "incomplete", []), row
    assert "could not tell" in row["summary"]
    for pid in pidfile.read_text().split():
        for _ in range(40):
            try:
                os.kill(int(pid), 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("uv's child outlived check")


def test_a_fast_failing_uv_is_judged_not_timed_out(tlsdoctor_check, tmp_path):
    # control of the deadline test: the same fake uv answering at once is a verdict, not "did not finish"
    _fake_uv(tmp_path / "bin", 'if [ "$1" = "--version" ]; then echo "uv 0.13.9"; exit 0; fi\n'
                               'echo "error: Failed to fetch: https://127.0.0.1:9/simple/pip/" >&2\n'
                               'echo "  cause: tcp connect error" >&2\nexit 2\n')
    env = _env(tmp_path, tmp_path / "bin", UV_DEFAULT_INDEX="https://127.0.0.1:9/simple/")
    # A cause is asserted: a generous deadline, so a loaded machine cannot turn it into "did not finish".
    rc, data, err = tlsdoctor_check(["--tool", "uv", "--timeout", "60", "--json"], env, cwd=str(tmp_path))
    row = data["tools"][0]
    assert row["request"]["status"] == "failed" and row["request"]["exit_code"] == 2
    assert "did not finish" not in row["summary"]
    assert row["causes"][:1] == [{"id": "index-unreachable", "description": row["causes"][0]["description"]}], row
    assert rc == 1


def test_uv_not_on_path_is_a_usage_error(tlsdoctor_check, tmp_path):
    env = _env(tmp_path, tmp_path / "empty")
    rc, data, err = tlsdoctor_check(["--tool", "uv", "--json"], env, cwd=str(tmp_path))
    assert rc == 2 and data["status"] == "usage" and "uv was not found" in data["error"]


def test_a_tool_module_missing_from_this_build(tmp_path, monkeypatch):
    """toolpy's modules may be absent: a single tool is a clean usage error, `all` lists it as not checked."""
    from tlsdoctor.tools import checktool

    def missing(name):
        raise ImportError("No module named 'tlsdoctor.tools.poetry'", name="tlsdoctor.tools.poetry")

    monkeypatch.setattr(checktool, "module", missing)
    assert checktool._module("poetry") is None
    rep = checktool.collect("poetry", env={"PATH": str(tmp_path)}, timeout=5)
    assert rep.usage_error == "poetry is not supported in this build" and rep.exit_code == 2


def test_all_lists_every_tool(tlsdoctor_check, tmp_path):
    _fake_uv(tmp_path / "bin", 'if [ "$1" = "--version" ]; then echo "uv 0.13.9"; exit 0; fi\nexit 2\n')
    env = _env(tmp_path, tmp_path / "bin", UV_DEFAULT_INDEX="https://127.0.0.1:9/simple/",
               PIP_INDEX_URL="https://127.0.0.1:9/simple/")
    import sys

    rc, data, err = tlsdoctor_check(["--tool", "all", "--python", sys.executable, "--timeout", "15", "--json"], env,
                                  cwd=str(tmp_path))
    listed = [t["tool"] for t in data["tools"]] + [s["tool"] for s in data["skipped"]]
    assert sorted(listed) == sorted(["pip", "uv", "poetry", "conda", "requests", "httpx"]), data
    assert data["tools"][0]["tool"] == "pip"
    assert rc in (1, 3) and data["status"] != "ok"
    from tlsdoctor.kb.validate import validate

    assert validate(data, _schema()) == []


def test_tool_pip_is_check_unchanged(tlsdoctor_check, tmp_path):
    import sys

    env = _env(tmp_path, tmp_path / "empty", PIP_INDEX_URL="https://127.0.0.1:9/simple/")
    # A generous deadline: the two runs are compared, and a loaded machine must not make one
    # of them "did not finish" (this test makes no timing claim).
    rc1, plain, _ = tlsdoctor_check(["--python", sys.executable, "--json", "--timeout", "60"], env, cwd=str(tmp_path))
    rc2, tool, _ = tlsdoctor_check(["--tool", "pip", "--python", sys.executable, "--json", "--timeout", "60"], env,
                                 cwd=str(tmp_path))
    assert rc1 == rc2 and set(plain) == set(tool) and "diagnoses" in tool and "tools" not in tool
    assert [d["cause"] for d in plain["diagnoses"]] == [d["cause"] for d in tool["diagnoses"]]


@pytest.mark.lab
@pytest.mark.parametrize("fmt", [["--json"], ["--format", "markdown"], [], ["--lang", "zh"]])
def test_planted_secrets_never_printed(tlsdoctor_check, tmp_path, https_index, fmt):
    """Index URLs with a password or a token, a proxy password: real uv runs, nothing secret is printed."""
    from tlsdoctor.lab import clients, tools

    try:
        uv = tools.get("uv0.13.9")
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))
    url, ca = https_index
    port = url.split(":")[2].split("/")[0]
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "uv.toml").write_text('[[index]]\nurl = "https://tok:%s@localhost:%s/t/%s/simple/"\ndefault = true\n'
                                  % (SECRET, port, TOKEN))
    env = _env(tmp_path, os.path.dirname(uv.exe), SSL_CERT_FILE=ca,
               UV_DEFAULT_INDEX="https://me:%s@localhost:%s/simple/?token=%s" % (SECRET, port, TOKEN),
               NO_PROXY="localhost", HTTPS_PROXY="http://bob:%s@127.0.0.1:9" % SECRET)
    rc, out, err = tlsdoctor_check(["--tool", "uv", "--timeout", "30"] + fmt, env, cwd=str(proj))
    shown = (json.dumps(out) if isinstance(out, dict) else out) + err
    assert SECRET not in shown and TOKEN not in shown, shown[-3000:]
    assert "localhost:%s" % port in shown  # the index is shown, masked
    if isinstance(out, dict):
        assert out["tools"][0]["status"] == "ok", out  # uv really ran, and with the secret URL it works


def _schema():
    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs",
                           "check-tool.schema.json"), encoding="utf-8") as f:
        return json.load(f)


def test_json_matches_the_documented_schema(tlsdoctor_check, tmp_path):
    from tlsdoctor.kb.validate import validate

    schema = _schema()
    _fake_uv(tmp_path / "bin", 'if [ "$1" = "--version" ]; then echo "uv 0.13.9"; exit 0; fi\n'
                               'echo "  cause: invalid peer certificate: UnknownIssuer" >&2\nexit 2\n')
    env = _env(tmp_path, tmp_path / "bin", UV_DEFAULT_INDEX="https://127.0.0.1:9/simple/", UV_INSECURE_HOST="x")
    rc, data, err = tlsdoctor_check(["--tool", "uv", "--timeout", "10", "--json"], env, cwd=str(tmp_path))
    assert validate(data, schema) == []
    # negative control: the schema rejects what it does not document
    data["tools"][0]["trust"][0]["kind"] = "everything"
    data["surprise"] = 1
    errors = validate(data, schema)
    assert any("surprise" in e for e in errors) and any("kind" in e or "everything" in e for e in errors), errors


def test_a_broken_tool_module_is_could_not_tell_not_a_crash(tmp_path, monkeypatch):
    from tlsdoctor.tools import checktool

    def broken(name):
        raise ImportError("No module named 'somedependency'", name="somedependency")

    monkeypatch.setattr(checktool, "module", broken)
    rep = checktool.collect("poetry", env={"PATH": str(tmp_path)}, timeout=5)
    assert rep.usage_error is None and rep.exit_code == 3
    assert "could not tell" in rep.verdicts[0].summary and "somedependency" in rep.verdicts[0].summary


def test_zh_headings(tlsdoctor_check, tmp_path):
    _fake_uv(tmp_path / "bin", 'if [ "$1" = "--version" ]; then echo "uv 0.13.9"; exit 0; fi\n'
                               'echo "  cause: tcp connect error" >&2\nexit 2\n')
    env = _env(tmp_path, tmp_path / "bin", UV_DEFAULT_INDEX="https://127.0.0.1:9/simple/")
    rc, text, err = tlsdoctor_check(["--tool", "uv", "--timeout", "10", "--lang", "zh"], env, cwd=str(tmp_path))
    assert "结论" in text and "设置" in text and "信任" in text, text
    rc, text, err = tlsdoctor_check(["--tool", "uv", "--timeout", "10"], env, cwd=str(tmp_path))
    assert "结论" not in text and "verdict" in text  # control: English by default
