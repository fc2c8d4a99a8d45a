"""explain on crafted input: bounded memory and bounded work, whatever the shape.

Measured before the fix (issue 9): a 10 MB line without a newline took ~9 s;
100 distinct ~1 MB lines took ~100 s and ~200 MB (the match memo kept up to
8,192 texts of up to 2 MB each; every KB regex ran over every byte of every
line). Each case runs ``tlsdoctor explain`` as a subprocess and reads its own
peak RSS at exit (see ``WRAP``; the pre-fix code measured 196 MB on the
distinct-lines case this way). Times are generous upper bounds that
only the old quadratic/unbounded behaviour breaks, never ratios.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tlsdoctor.kb.match import MEMO_BYTES, Engine

RSS_CAP_MB = 64
ERROR = ("WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after "
         "connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
         "certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))': /simple/x/ ")
WANT = "pip/ssl-cert-verify-unable-to-get-local-issuer"

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM (Linux)")


# Peak memory is read inside the explain process at exit: VmHWM (this
# process's own high-water mark, counted from exec) and, for the parallel
# reader's forked workers, getrusage(RUSAGE_CHILDREN). Linux's ru_maxrss as
# seen by *this* test process (wait4 / RUSAGE_CHILDREN here) also counts the
# pytest process's pages copied at fork, before exec: it read 90 MB for an
# explain that peaks at 25 MB.
WRAP = r"""
import resource, sys
from tlsdoctor.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
finally:
    hwm = 0
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write("PEAK_KB %d\n" % max(hwm, kids))
sys.exit(code)
"""


def run_explain(path, *args):
    """(report, seconds, peak RSS in MB) of ``tlsdoctor explain --json path``."""
    import json

    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", WRAP, "explain", "--json", str(path), *args],
                          capture_output=True, timeout=300)
    elapsed = time.perf_counter() - t0
    peak = [line for line in proc.stderr.decode().splitlines() if line.startswith("PEAK_KB ")]
    assert peak, proc.stderr[-2000:]
    return json.loads(proc.stdout), elapsed, int(peak[-1].split()[1]) / 1024


def test_ten_mb_line_without_a_newline(tmp_path):
    path = tmp_path / "one-line.log"
    path.write_bytes((ERROR * (10_000_000 // len(ERROR) + 1)).encode()[:10_000_000])
    report, secs, rss = run_explain(path)
    assert WANT in [m["id"] for m in report["matches"]]
    assert rss <= RSS_CAP_MB, rss
    assert secs < 5, secs  # was ~9 s


def test_distinct_one_mb_lines(tmp_path):
    path = tmp_path / "distinct.log"
    with open(path, "wb") as fh:
        for i in range(100):
            body = (("%d " % i) + ERROR) * (1_000_000 // len(ERROR))
            fh.write(body.encode() + b"\n")
    report, secs, rss = run_explain(path)
    assert WANT in [m["id"] for m in report["matches"]]
    assert rss <= RSS_CAP_MB, rss
    assert secs < 20, secs  # was ~100 s and ~200 MB


def test_many_distinct_error_lines_spend_a_bounded_budget(tmp_path):
    # Every line a different real-looking error: each one needs analysis.
    path = tmp_path / "dense.log"
    with open(path, "wb") as fh:
        fh.write(b"".join(("%d %s %d\n" % (i, ERROR, i * 7919)).encode() for i in range(80_000)))
    size = os.path.getsize(path)
    report, secs, rss = run_explain(path)
    assert WANT in [m["id"] for m in report["matches"]]
    assert report["bytes_read"] == size
    assert report["lines_not_analysed"] > 0  # the budget was spent, and it says so
    assert rss <= RSS_CAP_MB, rss
    assert secs < 20, secs


def test_a_short_real_log_is_analysed_whole(tmp_path):
    # Negative control for the budget: an ordinary log never reaches it.
    path = tmp_path / "pip.log"
    path.write_text("".join("%d %s\n" % (i, ERROR) for i in range(2000)))
    report, _, _ = run_explain(path)
    assert report["lines_not_analysed"] == 0
    assert report["matches"][0]["count"] == 2000


def test_hundred_mb_log(tmp_path):
    path = tmp_path / "ci.log"
    noise = "".join("2026-11-21T04:12:%02d.000Z [build] gcc -O2 -c src/module%d.c -o build/module%d.o\n" % (i % 60, i, i)
                    for i in range(10_000)).encode()
    block = noise + ERROR.encode() + b"\n"
    with open(path, "wb") as fh:
        for _ in range(100_000_000 // len(block) + 1):
            fh.write(block)
    report, secs, rss = run_explain(path)
    assert WANT in [m["id"] for m in report["matches"]]
    assert rss <= RSS_CAP_MB, rss
    assert secs < 30, secs


def test_an_error_late_in_a_long_line_still_gets_a_window():
    # The work bound looks at windows around the first hits of *each* token:
    # a different error after megabytes of another still counts.
    from tlsdoctor.explain import explain_bytes

    line = (ERROR * 20_000) + " ProxyError('Cannot connect to proxy.', OSError('Tunnel connection failed: 407 Proxy Authentication Required'))"
    ids = [m["id"] for m in explain_bytes(line.encode() + b"\n")["matches"]]
    assert "pip/proxy-tunnel-407" in ids and WANT in ids


def test_memo_is_bounded_by_bytes():
    from tlsdoctor.kb import load_entries

    eng = Engine(load_entries())
    for i in range(300):
        eng.analyze("%d %s" % (i, "certificate verify failed " * 4000))  # ~100 KB each, distinct
        held = sum(len(k) for k in eng._memo)
        assert held <= MEMO_BYTES
    # Negative control: an entry-count bound alone (the old 8,192) would have
    # kept all 300 texts, ~30 MB.
    assert 300 * 100_000 > MEMO_BYTES


# --- the fast path gives exactly the reference path's results (issue 9: >= 20 MB/s, unchanged) ------

def _recorded_outputs():
    import glob
    import json

    import tlsdoctor

    lab = os.path.join(os.path.dirname(tlsdoctor.__file__), "lab")
    out = []
    for path in sorted(glob.glob(os.path.join(lab, "recordings", "*", "*.json"))
                       + glob.glob(os.path.join(lab, "tool_recordings", "**", "*.json"), recursive=True)):
        with open(path, encoding="utf-8") as fh:
            text = json.load(fh).get("output")
        if isinstance(text, str) and text:
            out.append(text)
    return out


def _wrapped(text, width, indent=""):
    """A terminal's hard wrap at ``width`` columns (``indent`` on the continuation, as rich does)."""
    lines = []
    for line in text.splitlines():
        first = True
        while len(line) > width:
            lines.append(("" if first else indent) + line[:width])
            line, first = line[width:], False
        lines.append(("" if first else indent) + line)
    return "\n".join(lines) + "\n"


def _scan_result(engine, data, chunk):
    import io

    from tlsdoctor.explain import feed_stream
    from tlsdoctor.kb.match import Scan

    sc = Scan(engine)
    feed_stream(sc, io.BytesIO(data), chunk=chunk)
    sc.close()
    hits = {engine.entries[i]["id"]: (h.count, h.first_line, h.excerpt, sorted(h.fired)) for i, h in sc.hits.items()}
    return hits, sc.clues.as_dict(), sc.lines, sc.not_analysed


def test_fast_path_gives_the_reference_results(monkeypatch):
    """The lab's recordings (pip and the other tools, as printed and hard-wrapped at two widths, so
    literals cross the joins) and crafted input past the work budget: the fast path (literal gates,
    gates reused for joins, one prefilter pass over dense text) gives the same hits, counts, first lines,
    excerpts, fired hints, clues and unanalysed lines as the reference path (every regex on every text,
    every prefilter token over every byte). Negative control: the comparison sees a one-entry change."""
    from tlsdoctor.kb import load_entries, match

    # A small budget, so the crafted inputs cross it without megabytes of reference-path work.
    monkeypatch.setattr(match, "BUDGET_FREE", 64 << 10)
    outputs = _recorded_outputs()
    assert len(outputs) > 1000
    dense = "".join("%d %s %d\n" % (i, ERROR, i * 7919) for i in range(1500))
    # Every line holds every entry's required literals: every regex runs, joins and not_with included.
    lits = sorted({lit for e in load_entries() for lit in (match.required_literals(e["regex"]) or ((), 0))[0]})
    kitchen = "".join("%d %s\n" % (i, " ".join(lits[i % 7:] + lits[:i % 7])) for i in range(200))
    inputs = [("\n".join(outputs), 1 << 20),
              (_wrapped("\n".join(outputs[::3]), 80), 1 << 20),
              (_wrapped("\n".join(outputs[1::3]), 57, "  "), 4093),  # small chunks: joins across regions
              (dense, 1 << 16),
              (kitchen, 1 << 16),
              ("noise " * 5000 + ERROR + "x" * 20000 + "Tunnel connection failed: 407 " + "y" * 30000 + "\n", 1 << 20)]
    fast, ref = Engine(load_entries()), Engine(load_entries())
    ref.exhaustive = True
    results = []
    for k, (text, chunk) in enumerate(inputs):
        data = text.encode("utf-8")
        got, want = _scan_result(fast, data, chunk), _scan_result(ref, data, chunk)
        assert got == want, "input %d differs" % k
        assert got[0], "input %d matched nothing" % k
        results.append(want)
    assert results[3][3] > 0  # the dense input crossed the budget
    # Negative control: without the literals that cross a join, the wrapped recordings come out
    # different, so the comparison above does exercise joins.
    broken = Engine(load_entries())
    broken._build_gates()
    broken._by_bigram.clear()
    text, chunk = inputs[1]
    assert _scan_result(broken, text.encode("utf-8"), chunk) != results[1]


def test_version_clues_are_found_where_finditer_finds_them():
    """The anchored scans for ``_PIP_VERSION`` / ``_PY_VERSION`` give finditer's matches (recordings, edge shapes)."""
    from tlsdoctor.kb.match import _PIP_VERSION, _PY_VERSION, finditer_near

    texts = _recorded_outputs() + [
        "(python 3.11) /usr/lib/python3.11/ Python 3.11.7 xPython 3.1.2 (python (python 3.9)",
        "/Python3.13\\ \\python2.7/ Python 2.7.18Python 3.6.15 ython (python 3.1x) /python3.9/python3.8/",
        "Python Python 3.10.1.2.3 (python 3.12)(python 3.12)",
        "pipip 1.2 from You are using pip version 9.0.1 /pip-23.2.1.dist-info xpip 1.0 from pip 24.0 from pipe",
        "You are using pip version You are using pip version 10.0 \\pip-1.0.dist-info/pip-2.dist-info",
    ]
    n = 0
    for rx, anchor, offsets in ((_PY_VERSION, "ython", (2, 1)), (_PIP_VERSION, "pip", (14, 1, 0))):
        for text in texts:
            want = [(m.span(), m.groups()) for m in rx.finditer(text)]
            got = [(m.span(), m.groups()) for m in finditer_near(rx, text, anchor, offsets)]
            assert got == want, text[:200]
            n += len(want)
    assert n > 100  # the recordings do hold versions (the comparison is not empty)


def test_started_search_gives_the_same_match():
    """``Engine._search`` starts each regex where a match can begin at the earliest (its alternatives'
    literals, less the widest text before them): the same match (span and groups) as a search of the
    whole text, on every line of the recordings, on lines holding every literal, and where a literal
    sits closer to the start than the width before it. Negative control: a width of 0 misses matches."""
    from tlsdoctor.kb import load_entries, match

    eng = Engine(load_entries())
    eng._build_gates()
    assert sum(s is not None for s in eng._starts) > 0.8 * len(eng.entries)
    lits = sorted({lit for e in load_entries() for lit in (match.required_literals(e["regex"]) or ((), 0))[0]})
    lines = {ln for text in _recorded_outputs() for ln in text.splitlines() if len(ln) < 20000}
    lines.update(" ".join(lits[k:] + lits[:k]) for k in range(0, len(lits), 5))
    lines.update(["Caused by: proxy authentication required", "cause: proxy authentication required x",
                  "x: proxy authentication required then cause: proxy authentication required",
                  "HTTPSConnectionPool(host='a', port=1)", "x\n    | HTTPSConnectionPool(host=", "SSLV3_ALERT_HANDSHAKE_FAILURE"])
    n = 0
    for i, rx in enumerate(eng.regexes):
        for ln in lines:
            want = rx.search(ln)
            got = eng._search(i, ln)
            assert (want and (want.span(), want.groups())) == (got and (got.span(), got.groups())), (eng.entries[i]["id"], ln[:200])
            n += bool(want)
    assert n > 1000
    k = next(i for i, e in enumerate(eng.entries) if e["id"] == "uv/proxy-authorization-required")
    eng._starts[k] = tuple((lit, 0) for lit, _ in eng._starts[k])
    assert eng._search(k, "Caused by: proxy authentication required") is None


def test_every_recording_is_analysed_far_within_the_budget():
    """Why BUDGET_FREE (kb/match.py) changes no real result: the lab's recordings, pip's and the other
    tools', analyse at most a small fraction of it, so none has a line left unanalysed."""
    from tlsdoctor.kb import load_entries, match

    entries = load_entries()
    worst = 0
    for text in _recorded_outputs():
        eng = Engine(entries)
        sc = match.scan_text(text, eng)
        assert sc.not_analysed == 0
        worst = max(worst, eng.analyzed_bytes)
    assert 0 < worst * 16 <= match.BUDGET_FREE, worst


def test_long_tokens_are_found_where_the_regex_finds_them():
    """The prefilter's long tokens use ``bytes.find`` (faster on noise): the same first start as the
    escaped regex for every start and end offset. Negative control: a window too short for the token."""
    import re

    from tlsdoctor.kb.match import CLUE_TOKENS, LONG_TOKEN, PREFILTER_TOKENS, _Find, _token_finder

    long_tokens = [t for t in PREFILTER_TOKENS + CLUE_TOKENS if len(t) >= LONG_TOKEN]
    assert long_tokens and all(isinstance(_token_finder(t), _Find) for t in long_tokens)
    assert not isinstance(_token_finder(b"SSL"), _Find)
    for tok in long_tokens:
        buf = b"x" * 5 + tok + b"\n" + tok[:-1] + b" " + tok + tok
        rx, fd = re.compile(re.escape(tok)), _Find(tok)
        for pos in range(0, len(buf), 3):
            for end in range(pos, len(buf) + 1, 5):
                want, got = rx.search(buf, pos, end), fd.search(buf, pos, end)
                assert (want and want.start()) == (got and got.start()), (tok, pos, end)
        assert fd.search(buf, 5, 5 + len(tok) - 1) is None and fd.search(buf, 5, 5 + len(tok)).start() == 5
