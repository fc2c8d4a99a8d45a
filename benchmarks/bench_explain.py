"""Benchmark ``tlsdoctor explain`` (prints ratios measured in one run).

1. Start-up: explain of one pasted error (``python -m tlsdoctor explain -``)
   minus ``python -c pass``. Goal: <= 50 ms more.
2. Throughput on a 100 MB CI-style log: explain vs ``grep -E -c -f`` with the
   KB's own regexes (the same patterns; ``kb validate`` keeps them grep -E
   compatible). Goal: within 2x.
3. Peak memory (max RSS of the explain process, from wait4) on a 1 GB log
   streamed through standard input. Goal: flat (independent of size).
4. Ranking quality on the lab's recordings of real pip (not a speed figure).

Usage: python benchmarks/bench_explain.py [--size-mb 100] [--big-mb 1024]
Tests never assert timings; this script only prints them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ERROR_BLOCK = (
    "WARNING: Retrying (Retry(total={n}, connect=None, read=None, redirect=None, status=None)) after connection "
    "broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
    "unable to get local issuer certificate (_ssl.c:1006)'))': /simple/requests/\n"
)
NOISE = [
    "2026-11-21T04:12:{s:02d}.{ms:03d}Z [build] gcc -O2 -Wall -fPIC -I/usr/include/python3.11 -c src/module{i}.c -o build/module{i}.o\n",
    "2026-11-21T04:12:{s:02d}.{ms:03d}Z [test] tests/test_feature_{i}.py::test_case_{i} PASSED [ {p}%]\n",
    "2026-11-21T04:12:{s:02d}.{ms:03d}Z [npm] added {i} packages, and audited {p} packages in 3s\n",
    "  Collecting package-{i}==1.{p}.0\n",
    "  Downloading https://files.pythonhosted.org/packages/ab/cd/package_{i}-1.{p}.0-py3-none-any.whl (120 kB)\n",
    "2026-11-21T04:12:{s:02d}.{ms:03d}Z [deploy] uploading artifact chunk {i}/{p} to s3://bucket/path/{i}\n",
]


def make_log(path: str, size: int) -> None:
    """A CI log: build/test/npm noise, pip lines, and a pip TLS failure every ~1 MB."""
    with open(path, "w", encoding="utf-8") as fh:
        written = 0
        i = 0
        chunk = []
        while written < size:
            i += 1
            line = NOISE[i % len(NOISE)].format(s=i % 60, ms=i % 1000, i=i, p=i % 100)
            chunk.append(line)
            written += len(line)
            if i % 8000 == 0:
                for n in range(4, -1, -1):
                    chunk.append(ERROR_BLOCK.format(n=n))
                    written += len(ERROR_BLOCK)
            if len(chunk) > 5000:
                fh.write("".join(chunk))
                chunk = []
        fh.write("".join(chunk))


def timed(argv, stdin_data=None, repeat=1):
    """Median wall time of ``repeat`` runs (the machine may be shared)."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(argv, input=stdin_data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def peak_rss_mb(argv, size: int) -> float:
    """Stream ``size`` bytes of log into argv's stdin; return its max RSS (MB)."""
    block = "".join(NOISE[i % len(NOISE)].format(s=i % 60, ms=i, i=i, p=i % 100) for i in range(20000))
    block += "".join(ERROR_BLOCK.format(n=n) for n in range(4, -1, -1))
    data = block.encode()
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sent = 0
    try:
        while sent < size:
            proc.stdin.write(data)
            sent += len(data)
    finally:
        proc.stdin.close()
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    # ru_maxrss is KiB on Linux, bytes on macOS.
    return usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)


def lab_accuracy() -> None:
    """How explain ranks the true cause of every real pip failure the lab recorded."""
    import glob
    import json

    import tlsdoctor
    from tlsdoctor.explain import explain_text

    root = os.path.join(os.path.dirname(tlsdoctor.__file__), "lab", "recordings")
    fails = top1 = top3 = found = oks = quiet = 0
    for path in sorted(glob.glob(os.path.join(root, "*", "*.json"))):
        with open(path, encoding="utf-8") as fh:
            rec = json.load(fh)
        report = explain_text(rec["output"])
        if rec["outcome"] == "ok":
            oks += 1
            quiet += not report["matches"]
            continue
        fails += 1
        ranked = [c["id"] for c in report["candidate_causes"]]
        truth = rec["causes"][0]
        found += truth in ranked
        top1 += ranked[:1] == [truth]
        top3 += truth in ranked[:3]
    if fails:
        print("lab recordings: %d failures: true cause among candidates %d (%.0f%%), first %d (%.0f%%), in top 3 %d "
              "(%.0f%%); %d successful runs: %d with no match"
              % (fails, found, 100.0 * found / fails, top1, 100.0 * top1 / fails, top3, 100.0 * top3 / fails,
                 oks, quiet))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=100)
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    py = sys.executable
    # Time what an installed tlsdoctor does: pip compiles .pyc files at
    # install time. A checkout run with PYTHONDONTWRITEBYTECODE=1 would
    # recompile explain's modules on every start (~15 ms), so time a
    # byte-compiled copy of the package, first on PYTHONPATH. (A
    # pycache_prefix would also move the stdlib's bytecode away.)
    import tlsdoctor

    cache = tempfile.mkdtemp(prefix="tlsdoctor-bench-pkg-")
    pkg = os.path.dirname(tlsdoctor.__file__)
    shutil.copytree(pkg, os.path.join(cache, "tlsdoctor"), ignore=shutil.ignore_patterns("recordings", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([py, "-m", "compileall", "-q", os.path.join(cache, "tlsdoctor")], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    os.environ["PYTHONPATH"] = cache + os.pathsep + os.environ.get("PYTHONPATH", "")
    explain = [py, "-m", "tlsdoctor", "explain"]
    one_error = ERROR_BLOCK.format(n=4).encode()
    check = subprocess.run([py, "-c", "import tlsdoctor; print(tlsdoctor.__file__)"], stdout=subprocess.PIPE)
    assert check.stdout.decode().startswith(cache), "the compiled copy is not the one imported"

    base = timed([py, "-c", "pass"], repeat=args.repeat)
    one = timed(explain + ["-"], stdin_data=one_error, repeat=args.repeat)
    print("start-up: python -c pass %.1f ms; explain of one error %.1f ms; difference %.1f ms (goal <= 50 ms)"
          % (base * 1000, one * 1000, (one - base) * 1000))

    from tlsdoctor.kb import load_entries

    tmp = tempfile.mkdtemp(prefix="tlsdoctor-bench-")
    try:
        log = os.path.join(tmp, "ci.log")
        make_log(log, args.size_mb << 20)
        pats = os.path.join(tmp, "kb.patterns")
        with open(pats, "w") as fh:
            fh.write("\n".join(e["regex"] for e in load_entries()) + "\n")
        grep = shutil.which("grep")
        t_explain = timed(explain + ["--json", log], repeat=3)
        mb = os.path.getsize(log) / (1 << 20)
        print("throughput on %.0f MB: explain %.2f s (%.0f MB/s)" % (mb, t_explain, mb / t_explain))
        if grep:
            env_c = dict(os.environ, LC_ALL="C")
            t = []
            for _ in range(3):
                s = time.perf_counter()
                # stdout must be a pipe: GNU grep stops at the first match when
                # it sees its output is /dev/null.
                subprocess.run([grep, "-E", "-c", "-f", pats, log], stdout=subprocess.PIPE, env=env_c)
                t.append(time.perf_counter() - s)
            t_grep = statistics.median(t)
            t = []
            for _ in range(3):
                s = time.perf_counter()
                subprocess.run([grep, "-E", "-c", "-f", pats, log], stdout=subprocess.PIPE)
                t.append(time.perf_counter() - s)
            t_grep_locale = statistics.median(t)
            print("  grep -E -c -f (LC_ALL=C) %.2f s -> explain/grep = %.2fx (goal <= 2x)" % (t_grep, t_explain / t_grep))
            print("  grep -E -c -f (%s) %.2f s -> explain/grep = %.2fx"
                  % (os.environ.get("LANG", "default locale"), t_grep_locale, t_explain / t_grep_locale))
        else:
            print("  grep not found: no comparison")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    small = peak_rss_mb(explain + ["--json", "-"], 1 << 20)
    big = peak_rss_mb(explain + ["--json", "-"], args.big_mb << 20)
    print("peak memory (max RSS): 1 MB log %.1f MB; %d MB log %.1f MB (goal: flat)" % (small, args.big_mb, big))
    lab_accuracy()
    shutil.rmtree(cache, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
