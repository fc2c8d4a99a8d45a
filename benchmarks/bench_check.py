"""Wall time of ``tlsdoctor check`` against real pip's own time to fail, per lab scenario.

    python benchmarks/bench_check.py [--client 3.11/23.2.1 ...] [--scenario NAME ...] [--jobs N]

For each scenario and client, in the same run and against the same running
peers: real pip (``pip download``, its *default* retries and timeout, as a
user meets it) and then ``tlsdoctor check --python <client> --json`` (default
10 s deadline). Prints both times and check/pip; the goal is check <= 1/5 of
pip's time on failing scenarios. Healthy scenarios are listed for reference
(pip succeeds quickly there; the ratio is not a goal). Timings are printed,
never asserted (tests never assert timings).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from tlsdoctor.lab import clients, scenarios

GOAL = 0.2


def run_one(sc, client):
    expect = sc.expect(client)
    if expect is None:
        return None
    work = tempfile.mkdtemp(prefix="tlsdoctor-bench-")
    try:
        with sc.start(os.path.join(work, "lab")) as running:
            env = clients.client_environ(client, running.env)
            t0 = time.monotonic()
            code, _ = clients.run_pip(client, env, clients.pip_download_argv(
                client, os.path.join(work, "dl"), running.package), timeout=900)
            pip_s = time.monotonic() - t0
            t0 = time.monotonic()
            proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "check", "--python", client.python, "--json"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            check_s = time.monotonic() - t0
    except scenarios.ScenarioUnavailable:
        return None
    try:
        data = json.loads(proc.stdout.decode("utf-8", "replace"))
        first = data["diagnoses"][0]["cause"] if data["diagnoses"] else data["status"]
    except (ValueError, KeyError, IndexError):
        first = "no-json(exit %s)" % proc.returncode
    want = sc.causes[0] if sc.causes and expect == "fail" else "ok"
    return {"scenario": sc.name, "client": client.id, "pip_exit": code, "pip_s": pip_s, "check_s": check_s,
            "ratio": check_s / pip_s if pip_s else float("inf"), "check_says": first, "correct": first == want,
            "failing": expect == "fail"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--client", action="append", default=[], help="PYTHON/PIP, e.g. 3.11/23.2.1 (repeatable)")
    ap.add_argument("--scenario", action="append", default=[], help="scenario name (repeatable; default: all)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="scenarios run in parallel (default 1: more is faster, but the timings then include "
                         "CPU contention between pip, check and the lab's peers)")
    args = ap.parse_args(argv)
    specs = args.client or ["3.11/23.2.1", "3.13/26.3", "2.7/19.2.3"]
    cl = [clients.ensure(*s.split("/", 1)) for s in specs]
    scs = [scenarios.get(n) for n in args.scenario] if args.scenario else scenarios.all()
    jobs = [(sc, c) for c in cl for sc in scs]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        rows = [r for r in ex.map(lambda j: run_one(*j), jobs) if r]
    print("%-26s %-18s %8s %8s %7s %-5s %s" % ("scenario", "client", "pip s", "check s", "ratio", "goal", "check says"))
    met = total = 0
    for r in rows:
        goal = ""
        if r["failing"]:
            total += 1
            ok = r["ratio"] <= GOAL
            met += ok
            goal = "yes" if ok else "NO"
        print("%-26s %-18s %8.1f %8.1f %7.2f %-5s %s%s" % (
            r["scenario"], r["client"], r["pip_s"], r["check_s"], r["ratio"], goal, r["check_says"],
            "" if r["correct"] else "  (WRONG)"))
    fails = [r for r in rows if r["failing"]]
    if fails:
        tot_pip = sum(r["pip_s"] for r in fails)
        tot_check = sum(r["check_s"] for r in fails)
        print("\nfailing scenarios: check <= 1/5 of pip's time in %d of %d; total check %.1f s vs pip %.1f s "
              "(ratio %.3f)" % (met, total, tot_check, tot_pip, tot_check / tot_pip))
    return 0


if __name__ == "__main__":
    sys.exit(main())
