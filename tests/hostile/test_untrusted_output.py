"""Trusting nothing the target prints (issue 9), and usage errors that a program can read.

Fake ``--python`` interpreters are shell scripts that print what a broken or
hostile interpreter might; check must answer "could not complete" (exit 3,
kind ``probe_output``), never ok, never a traceback, with bounded memory.
Real interpreters (this venv's, one without pip) face a trustme-certified
index on loopback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import shutil
import zipapp

import pytest
from hostile_env import SRC, base_env, closed_port  # shared by the hostile tests

from tlsdoctor import check as check_mod



def run_check(env, *args, python=sys.executable, wrap_rss=False):
    # check itself runs isolated (-I): the environment under test (PYTHONHOME,
    # a sitecustomize) is the target's, not tlsdoctor's own.
    argv = [sys.executable, "-I", "-c", "import sys; sys.path.insert(0, %r); from tlsdoctor.cli import main; "
            "sys.exit(main(sys.argv[1:]))" % SRC, "check", "--json", "--timeout", "10"]
    if python:
        argv += ["--python", python]
    argv += list(args)
    if wrap_rss:  # the peak RSS of check and every process it waited for
        wrapper = ("import json, resource, subprocess, sys\n"
                   "p = subprocess.run(sys.argv[1:], capture_output=True)\n"
                   "print(json.dumps({'rc': p.returncode, 'out': p.stdout.decode('utf-8', 'replace'),\n"
                   "  'err': p.stderr.decode('utf-8', 'replace')[-3000:],\n"
                   "  'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")
        res = json.loads(subprocess.run([sys.executable, "-c", wrapper] + argv, env=env, capture_output=True,
                                        timeout=120).stdout)
        rc, out, err, extra = res["rc"], res["out"], res["err"], res["maxrss_kb"]
    else:
        proc = subprocess.run(argv, env=env, capture_output=True, timeout=120)
        rc, out, err = proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
        extra = None
    assert "Traceback" not in out + err, err[-3000:]
    try:
        data = json.loads(out)
    except ValueError:
        raise AssertionError("no JSON (exit %s): %r %s" % (rc, out[-300:], err[-2000:]))
    return rc, data, extra


def probe_dirs(env):
    return [n for n in os.listdir(env["TMPDIR"]) if n.startswith("tlsdoctor-probe-")]


def fake_python(tmp_path, body):
    path = tmp_path / "python3"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


FAKES = {
    "facts_not_objects": """echo '{"result": "success", "kind": "probe", "facts": {"python": "x"}}'""",
    "success_only": """echo '{"result": "success"}'""",
    "probes_wrong_status": """echo '{"result": "success", "kind": "probe", "facts": {"python": {}, "ssl": {}, """
                           """"env": {}, "pip": {}}, "probes": {"0:tls": {"status": "fine"}}, "sessions": {}}'""",
    "garbage": "head -c 20000 /dev/urandom",
    "nothing": "exit 0",
    "non_utf8": r"""printf '\377\376{\000"\000r\000'""",
    "list_not_object": """echo '[1, 2, 3]'""",
}


@pytest.mark.parametrize("name", sorted(FAKES))
def test_what_is_not_the_probes_answer_is_incomplete(tmp_path, name):
    fake = fake_python(tmp_path, FAKES[name])
    env = base_env(tmp_path)
    rc, data, _ = run_check(env, python=fake)
    assert (rc, data["status"]) == (3, "incomplete"), data
    report = check_mod.collect(python=fake, env=env, timeout=5)
    assert report.status == check_mod.Status.INCOMPLETE
    assert report.error is not None and report.error.kind == check_mod.IncompleteKind.PROBE_OUTPUT, report.error
    assert not probe_dirs(env)  # the probe's workdir is gone


def test_the_real_probe_passes_the_same_validation(tmp_path):
    """Negative control: the real probe's answer is accepted by the validator that rejects the fakes."""
    env = base_env(tmp_path)
    rc, data, _ = run_check(env)
    assert rc == 1 and data["diagnoses"], data
    assert not probe_dirs(env)


def test_200_mb_of_output_keeps_check_small(tmp_path):
    fake = fake_python(tmp_path, "head -c 200000000 /dev/zero | tr '\\000' x")
    env = base_env(tmp_path)
    rc, data, maxrss_kb = run_check(env, python=fake, wrap_rss=True)
    assert (rc, data["status"]) == (3, "incomplete")
    assert "more than 8 MiB" in data["verdict"]
    assert maxrss_kb < 100 * 1024, "check grew to %d MiB" % (maxrss_kb // 1024)


def test_junk_before_the_json_is_tolerated(tmp_path):
    """A sitecustomize that prints (the probe runs in pip's environment): the last JSON line is the answer."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("print('hello from sitecustomize {not json')\n")
    env = base_env(tmp_path, PYTHONPATH=str(site) + os.pathsep + SRC)
    rc, data, _ = run_check(env)
    assert rc == 1 and data["diagnoses"], data["verdict"]
    report = check_mod.collect(python=sys.executable, env=env, timeout=10)
    assert report.raw["main"]["result"] == "success"
    assert report.target_noise == "hello from sitecustomize {not json"




def test_python_without_pip_says_pip_is_missing_first(tmp_path, https_index):
    """PIP_CERT set, but no pip to read it: the verdict is "pip is missing", not a trust finding."""
    url, ca = https_index
    venv = tmp_path / "nopip"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    env = base_env(tmp_path, PIP_INDEX_URL=url, PIP_CERT=ca)
    py = str(venv / "bin" / "python")
    rc, data, _ = run_check(env, python=py)
    assert (rc, data["status"]) == (3, "incomplete"), data["verdict"]
    assert data["diagnoses"] == []
    assert data["verdict"].startswith("INCOMPLETE: the check could not finish: pip cannot be imported"), \
        data["verdict"]
    report = check_mod.collect(python=py, env=env, timeout=10)
    assert report.incomplete[0].kind == check_mod.IncompleteKind.PIP_MISSING
    # Negative control: the same index and PIP_CERT with a pip that reads it: ok.
    rc, data, _ = run_check(env)
    assert (rc, data["status"]) == (0, "ok"), (data["verdict"], data["incomplete"])


def test_broken_pythonhome_is_named(tmp_path, https_index):
    """The interpreter cannot start in pip's environment: say which variable, and still show facts."""
    url, ca = https_index
    env = base_env(tmp_path, PIP_INDEX_URL=url, PIP_CERT=ca, PYTHONHOME=str(tmp_path / "no-such-home"))
    rc, data, _ = run_check(env)
    assert (rc, data["status"]) == (3, "incomplete"), data["verdict"]
    assert "PYTHONHOME=%s stops this interpreter from starting" % (tmp_path / "no-such-home") in data["verdict"]
    assert data["hosts"], "the isolated rerun's facts are missing"
    # Negative control: without PYTHONHOME the same check is healthy.
    env.pop("PYTHONHOME")
    rc, data, _ = run_check(env)
    assert (rc, data["status"]) == (0, "ok"), data["verdict"]


@pytest.mark.parametrize("value", ["not a url", "ftp://example.org/simple/", "https:///simple/", "localhost:8080"])
def test_index_url_that_is_not_a_url_is_a_usage_error(tmp_path, value):
    env = base_env(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "check", "--json", "--index-url", value],
                          env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    err = json.loads(proc.stdout)
    assert (err["status"], err["exit_code"]) == ("usage", 2) and "--index-url" in err["error"]
    assert "Traceback" not in proc.stderr


def test_a_good_index_url_is_accepted(tmp_path):
    """Negative control for the usage error: a real URL is checked (and fails: the port is closed)."""
    env = base_env(tmp_path)
    rc, data, _ = run_check(env, "--index-url", "https://127.0.0.1:%d/simple/" % closed_port())
    assert rc == 1 and data["status"] == "problem"


@pytest.mark.parametrize("argv", [
    ["check", "--json", "--timeout", "soon"],
    ["check", "--format", "json", "--no-such-option"],
    ["check", "--format=json", "--lang", "fr"],
    ["check", "--json", "--python", "/no/such/python"],
])
def test_usage_errors_are_json_with_json(tmp_path, argv):
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor"] + argv, env=base_env(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    err = json.loads(proc.stdout)
    assert err["status"] == "usage" and err["exit_code"] == 2 and err["error"]
    assert "error" in proc.stderr  # the human message stays on stderr


def test_usage_errors_without_json_print_nothing_on_stdout(tmp_path):
    """Negative control: the JSON error object is for --json only."""
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "check", "--timeout", "soon"], env=base_env(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == "" and "--timeout" in proc.stderr


def test_probe_runs_from_a_zipapp(tmp_path, https_index):
    """tlsdoctor run as a .pyz: target.py is read out of the zip, run from a private workdir, removed after."""
    url, ca = https_index
    tree = tmp_path / "pyz"
    shutil.copytree(os.path.join(SRC, "tlsdoctor"), str(tree / "tlsdoctor"),
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pyz = tmp_path / "tlsdoctor.pyz"
    # Not zipapp's main= (its generated __main__ drops main()'s return value, so every exit code is 0).
    (tree / "__main__.py").write_text("import sys\nfrom tlsdoctor.cli import main\nsys.exit(main())\n")
    zipapp.create_archive(str(tree), str(pyz))
    env = base_env(tmp_path, PIP_INDEX_URL=url, PIP_CERT=ca)
    env.pop("PYTHONPATH")  # only the zip
    argv = [sys.executable, "-I", str(pyz), "check", "--python", sys.executable, "--json"]
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    data = json.loads(proc.stdout)
    assert (proc.returncode, data["status"]) == (0, "ok"), (data["verdict"], data["incomplete"])
    assert not probe_dirs(env)
    # Negative control: the same pyz against an index whose CA is not given fails.
    env.pop("PIP_CERT")
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and json.loads(proc.stdout)["diagnoses"]
