"""Throughput of ``tlsdoctor explain`` on crafted input (issue 9: any input streams at >= 20 MB/s).

Prints MB/s for a few inputs in one run, each explained by a fresh
``python -m tlsdoctor explain --json FILE`` (start-up included), best of
``--repeat`` runs, with the load average before and after (the machine is
shared: compare numbers from the same run only). Tests never assert timings;
this script only prints them.

Inputs:
  dense      every line a different real pip TLS error (the worst case: each
             line is a candidate, none repeats, so the analysis budget is spent)
  kitchen    every line holds every KB entry's required literals (every regex runs on every line)
  one-line   a 10 MB line without a newline
  distinct   100 distinct ~1 MB lines
  ci-log     a CI log: build noise with a pip TLS failure every ~1 MB

MB/s is given for wall time and for the explain process's own CPU time
(user + sys, from getrusage): on a loaded machine the CPU figure is the
steadier one. ``--src DIR`` runs another checkout's ``src`` (e.g. the code
before a change, from ``git archive``) in the same run, for a fair comparison.

``--stream A,B`` measures each input at A and B MB and prints the *streaming*
rate, (B - A) / (t(B) - t(A)): the rate at which explain consumes input once
its constant costs are paid. Those costs are the interpreter's start-up and
imports (~0.07 s for an empty file) and the analysis budget (BUDGET_FREE in
kb/match.py: text never seen before is analysed up to 2 MB, which a real log
of 2,000 distinct pip errors, 600 KB, needs whole). No input can beat them, so
"any input streams at >= 20 MB/s" (issue 9) is this rate, and the constant
(t(A) - A / rate) is printed next to it.

Usage: python benchmarks/bench_explain_crafted.py [--mb 50] [--repeat 3] [--only dense,...] [--src DIR ...]
       python benchmarks/bench_explain_crafted.py --stream 10,50 [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ERROR = ("WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after "
         "connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
         "certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))': /simple/x/ ")


def make_dense(path: str, size: int) -> None:
    with open(path, "wb") as fh:
        i, written, chunk = 0, 0, []
        while written < size:
            line = ("%d %s %d\n" % (i, ERROR, i * 7919)).encode()
            chunk.append(line)
            written += len(line)
            i += 1
            if len(chunk) >= 10000:
                fh.write(b"".join(chunk))
                chunk = []
        fh.write(b"".join(chunk))


def make_one_line(path: str, size: int) -> None:
    size = min(size, 10_000_000)
    with open(path, "wb") as fh:
        fh.write((ERROR * (size // len(ERROR) + 1)).encode()[:size])


def make_distinct(path: str, size: int) -> None:
    with open(path, "wb") as fh:
        for i in range(min(100, max(1, size // 1_000_000))):
            fh.write(((("%d " % i) + ERROR) * (1_000_000 // len(ERROR))).encode() + b"\n")


def make_ci_log(path: str, size: int) -> None:
    noise = "".join("2026-11-21T04:12:%02d.000Z [build] gcc -O2 -c src/module%d.c -o build/module%d.o\n"
                    % (i % 60, i, i) for i in range(10_000)).encode()
    block = noise + ERROR.encode() + b"\n"
    with open(path, "wb") as fh:
        for _ in range(size // len(block) + 1):
            fh.write(block)


def make_kitchen(path: str, size: int) -> None:
    """Every line holds every KB entry's required literals (each line runs every regex)."""
    from tlsdoctor.kb import load_entries
    from tlsdoctor.kb.match import required_literals

    lits = sorted({lit for e in load_entries() for lit in (required_literals(e["regex"]) or ((), False))[0]})
    body = " ".join(lits)
    with open(path, "wb") as fh:
        i, written = 0, 0
        while written < size:
            line = ("%d %s %d\n" % (i, body, i * 7919)).encode()
            fh.write(line)
            written += len(line)
            i += 1


INPUTS = {"dense": make_dense, "kitchen": make_kitchen, "one-line": make_one_line, "distinct": make_distinct, "ci-log": make_ci_log}


def load() -> str:
    return "%.2f %.2f %.2f" % os.getloadavg()


def run_once(path: str, src: str):
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join([src] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "explain", "--json", path],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(proc.stdout)


def best_of(path: str, repeat: int):
    runs = [run_once(path, "") for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[-1][2]


def stream(args) -> int:
    """Per input: the streaming rate between two sizes, and the constant cost (CPU time; wall too)."""
    a_mb, b_mb = (float(x) for x in args.stream.split(","))
    print("load average before: %s (%d CPUs)" % (load(), os.cpu_count() or 0))
    with tempfile.TemporaryDirectory(prefix="tlsdoctor-bench-") as tmp:
        empty = os.path.join(tmp, "empty.log")
        open(empty, "w").close()
        wall0, cpu0, _ = best_of(empty, args.repeat)
        print("%-9s start-up and imports (an empty file): wall %.3f s, cpu %.3f s" % ("empty", wall0, cpu0))
        for name in args.only.split(","):
            lo, hi = a_mb, b_mb
            if name == "one-line":  # one line, capped at 10 MB by make_one_line
                lo, hi = min(a_mb, 2.0), min(b_mb, 10.0)
            got = []
            for mb in (lo, hi):
                path = os.path.join(tmp, "%s-%s.log" % (name, mb))
                INPUTS[name](path, int(mb * 1_000_000))
                size = os.path.getsize(path) / 1e6
                wall, cpu, report = best_of(path, args.repeat)
                os.unlink(path)
                got.append((size, wall, cpu, report))
            (s1, w1, c1, _), (s2, w2, c2, r2) = got
            rate_cpu = (s2 - s1) / max(c2 - c1, 1e-6)
            rate_wall = (s2 - s1) / max(w2 - w1, 1e-6)
            print("%-9s %5.1f -> %5.1f MB  streaming cpu %7.1f MB/s (constant %.2f s)  wall %7.1f MB/s "
                  "(constant %.2f s)  [first match %s, lines not analysed %s]" % (
                      name, s1, s2, rate_cpu, c1 - s1 / rate_cpu, rate_wall, w1 - s1 / rate_wall,
                      (r2.get("matches") or [{}])[0].get("id"), r2.get("lines_not_analysed")))
    print("load average after: %s" % load())
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, default=50, help="size of the dense and ci-log inputs (default 50)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", default=",".join(INPUTS))
    ap.add_argument("--src", action="append", default=[], help="also run this src directory (repeatable)")
    ap.add_argument("--stream", help="A,B: the streaming rate between A and B MB per input (one-line: up to 10)")
    args = ap.parse_args()
    if args.stream:
        return stream(args)
    print("load average before: %s (%d CPUs)" % (load(), os.cpu_count() or 0))
    srcs = [""] + args.src
    with tempfile.TemporaryDirectory(prefix="tlsdoctor-bench-") as tmp:
        for name in args.only.split(","):
            path = os.path.join(tmp, name + ".log")
            INPUTS[name](path, args.mb * 1_000_000)
            size = os.path.getsize(path) / 1e6
            for src in srcs:
                best_wall = best_cpu = float("inf")
                report = {}
                for _ in range(args.repeat):  # interleaving the sources would be fairer; best-of is close
                    wall, cpu, report = run_once(path, src)
                    best_wall, best_cpu = min(best_wall, wall), min(best_cpu, cpu)
                print("%-9s %-12s %6.1f MB  wall %5.2f s = %6.1f MB/s  cpu %5.2f s = %6.1f MB/s  "
                      "(first match %s, lines not analysed %s)" % (
                          name, os.path.basename(os.path.dirname(src.rstrip("/"))) or "this", size,
                          best_wall, size / best_wall, best_cpu, size / best_cpu,
                          (report.get("matches") or [{}])[0].get("id"), report.get("lines_not_analysed")))
            os.unlink(path)
    print("load average after: %s" % load())
    return 0


if __name__ == "__main__":
    sys.exit(main())
