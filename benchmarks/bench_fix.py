"""``tlsdoctor fix`` end to end (check + plan + apply + verify) against ``tlsdoctor check`` alone.

One run per scenario on a lab client (default py3.11-pip23.2.1), in a throwaway HOME whose
~/.bashrc exports the scenario's settings (as ``tests/fix/test_fix_lab.py`` does); after
each fix, ``tlsdoctor undo``. Prints wall times and the ratio fix/check (issue #10's goal:
<= 2x). One run each, no assertion: timings depend on the machine's load.

tlsdoctor's own modules are byte-compiled first, as an installed package is (pip compiles
at install): the lab's environment sets PYTHONDONTWRITEBYTECODE=1, so without it every run
would compile what it imports anew, and fix imports more than check (its engine), which
measured compilation no user pays.

    python benchmarks/bench_fix.py [--client py3.11-pip23.2.1] [SCENARIO ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
sys.path.insert(0, SRC)

from tlsdoctor.lab import clients, scenarios  # noqa: E402

# scenario -> the CA file (in the lab's pki dir) to confirm, if the fix trusts one
DEFAULT = {"untrusted-ca": "index-ca.pem", "env-bundle-overrides-cert": None, "bundle-path-missing": None,
           "proxy-https-scheme": None}


def _sha(path):
    from tlsdoctor.fix.trust import load_certificates

    with open(path, "rb") as f:
        return load_certificates(f.read())[0].sha256


def _timed(argv, env):
    t0 = time.monotonic()
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                          timeout=300)
    return time.monotonic() - t0, proc.returncode, proc.stdout.decode("utf-8", "replace")


def bench(name, ca, client):
    with tempfile.TemporaryDirectory(prefix="tlsdoctor-bench-fix-") as tmp:
        with scenarios.get(name).start(os.path.join(tmp, "lab")) as running:
            home = os.path.join(running.workdir, "home")
            env = clients.client_environ(client, {"HOME": home})
            del env["PIP_CONFIG_FILE"]
            env.update(XDG_STATE_HOME=os.path.join(home, ".local", "state"),
                       XDG_DATA_HOME=os.path.join(home, ".local", "share"), SHELL="/bin/bash", PYTHONPATH=SRC)
            exports = {k: v for k, v in running.env.items() if k != "HOME"}
            with open(os.path.join(home, ".bashrc"), "w") as f:
                f.write("".join("export %s=%s\n" % kv for kv in sorted(exports.items())))
            env.update(exports)
            tool = [sys.executable, "-m", "tlsdoctor"]
            t_check, rc_check, _ = _timed(tool + ["check", "--python", client.python, "--json"], env)
            args = ["--yes"]
            if ca:
                path = os.path.join(running.workdir, "pki", ca)
                args += ["--ca-file", path, "--trust-ca-sha256", _sha(path)]
            t_fix, rc_fix, out = _timed(tool + ["fix", "--python", client.python, "--json", "--timeout", "60"]
                                        + args, env)
            status = json.loads(out.strip().splitlines()[-1])["status"] if out.strip() else "?"
            subprocess.run(tool + ["undo"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    return t_check, rc_check, t_fix, rc_fix, status


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--client", default="py3.11-pip23.2.1")
    ap.add_argument("scenario", nargs="*")
    args = ap.parse_args(argv)
    client = clients.get(args.client)
    import compileall

    compileall.compile_dir(os.path.join(SRC, "tlsdoctor"), quiet=1)
    names = args.scenario or list(DEFAULT)
    print("client %s; one run each (wall seconds)" % client.id)
    print("%-28s %8s %8s %7s  %s" % ("scenario", "check", "fix", "ratio", "fix status"))
    for name in names:
        t_check, rc_check, t_fix, rc_fix, status = bench(name, DEFAULT.get(name), client)
        print("%-28s %8.2f %8.2f %6.2fx  %s (exit %d; check exit %d)" % (
            name, t_check, t_fix, t_fix / t_check if t_check else float("nan"), status, rc_fix, rc_check))
    return 0


if __name__ == "__main__":
    sys.exit(main())
