"""``tlsdoctor explain``: say what a pasted error or a whole log means, offline.

Input: files, ``-`` or standard input, of any size and encoding. Output: the
matched KB entries (most specific first), the candidate causes ranked, what
not to try, what works, and the next step (``tlsdoctor check`` confirms which
cause it is on the failing machine). Text, ``--json`` or ``--format
markdown``; ``--lang zh`` for Chinese.

Exit codes: 0 nothing matched, 1 something matched (a problem was found),
2 usage, 3 could not complete (an input could not be read).

JSON contract: an object with ``matches``, a list; each match has ``id`` (KB
entry id) and ``causes`` (cause ids, most likely first), plus the details.
"""

from __future__ import annotations

import argparse
import codecs
import os
import sys
from typing import BinaryIO, List, Optional, Sequence, Tuple

from tlsdoctor import exitcodes
# Ranking lives next to the matcher (kb/rank.py); these names stay importable here.
from tlsdoctor.kb.rank import NEXT_STEP, NEXT_STEP_ZH, TOOL_NAMES, rank  # noqa: F401

__all__ = ["NEXT_STEP", "NEXT_STEP_ZH", "TOOL_NAMES", "rank", "explain_bytes", "explain_text", "explain_files",
           "feed_stream", "feed_file", "engine", "configure", "run"]

CHUNK = 1 << 20

def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="log files to read ('-' or nothing: standard input)")
    parser.add_argument("--json", action="store_true", help="print the JSON report")
    parser.add_argument("--format", choices=("text", "json", "markdown"), default=None,
                        help="output format (default: text)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the text")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                        help="colour (auto: only on a terminal, and never when NO_COLOR is set)")


def _engine():
    from tlsdoctor.kb import load_entries
    from tlsdoctor.kb.match import Engine

    return Engine(load_entries())


_ENGINE = None


def engine():
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _engine()
    return _ENGINE


def _looks_utf16(head: bytes) -> Optional[str]:
    """PowerShell's ``>`` writes UTF-16-LE with a BOM; some tools omit the BOM."""
    sample = head[:4096]
    # A BOM alone is not enough: binary junk or Latin-1 text may start with
    # FF FE. UTF-16 logs are mostly ASCII, so every other byte is NUL.
    if head.startswith(codecs.BOM_UTF16_LE) and (len(sample) < 64 or sample[3::2].count(0) > len(sample) * 0.2):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE) and (len(sample) < 64 or sample[2::2].count(0) > len(sample) * 0.2):
        return "utf-16-be"
    if len(sample) >= 64:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        if odd_nuls > len(sample) * 0.4 and even_nuls < len(sample) * 0.05:
            return "utf-16-le"
        if even_nuls > len(sample) * 0.4 and odd_nuls < len(sample) * 0.05:
            return "utf-16-be"
    return None


def feed_stream(scan, stream: BinaryIO, chunk: int = CHUNK) -> None:
    """Stream ``stream`` into ``scan`` in binary chunks (memory stays flat)."""
    first = stream.read(chunk)
    if not first:
        return
    enc = _looks_utf16(first)
    if enc is None:
        if first.startswith(codecs.BOM_UTF8):
            first = first[3:]
        scan.feed(first)
        while True:
            data = stream.read(chunk)
            if not data:
                return
            scan.feed(data)
    # Transcode UTF-16 to UTF-8 incrementally; the engine works on UTF-8 bytes.
    dec = codecs.getincrementaldecoder(enc)("replace")
    data = first
    while data:
        text = dec.decode(data)
        if text.startswith("\ufeff"):
            text = text[1:]
        scan.feed(text.encode("utf-8", "replace"))
        data = stream.read(chunk)
    scan.feed(dec.decode(b"", final=True).encode("utf-8", "replace"))


PARALLEL_MIN = 64 << 20  # below this, forking costs more than it saves


def _scan_range(path: str, start: int, end: int, source: str) -> dict:
    """Worker: scan ``path[start:end]`` (both on line boundaries)."""
    from tlsdoctor.kb.match import Scan

    scan = Scan(engine())
    scan.source = source
    with open(path, "rb") as fh:
        fh.seek(start)
        left = end - start
        while left > 0:
            data = fh.read(min(CHUNK, left))
            if not data:
                break
            left -= len(data)
            scan.feed(data)
    scan.close()
    return scan.export()


def _split_points(fh: BinaryIO, size: int, parts: int) -> List[int]:
    points = [0]
    for k in range(1, parts):
        fh.seek(size * k // parts)
        fh.readline()  # move to the start of the next line
        pos = fh.tell()
        if points[-1] < pos < size:
            points.append(pos)
    points.append(size)
    return points


def feed_file(scan, path: str, fh: BinaryIO) -> None:
    """Feed a regular file; a large one is split across CPUs (fork only).

    The prefilter is a handful of literal searches (CPython's fast literal
    scan, ~2-3 GB/s each), which makes explain CPU-bound on big logs; worker
    processes each stream their own byte range, so memory stays flat. Parts
    are cut at line starts; only a terminal-wrapped line that straddles a cut
    is not re-joined.
    """
    try:
        size = os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        size = 0
    if size < PARALLEL_MIN:  # below this, forking costs more than it saves
        feed_stream(scan, fh)
        return
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cpus < 2 or not hasattr(os, "fork"):
        feed_stream(scan, fh)
        return
    head = fh.read(4096)
    if _looks_utf16(head) is not None:
        fh.seek(0)
        feed_stream(scan, fh)
        return
    points = _split_points(fh, size, min(cpus, 8))
    start = 3 if head.startswith(codecs.BOM_UTF8) else 0
    points[0] = start
    engine()  # compile once, before fork: the children inherit it
    ranges = list(zip(points, points[1:]))
    # Plain fork + pipe rather than a process pool: importing
    # concurrent.futures/multiprocessing alone costs ~20 ms, a pool round trip
    # more, and this process would only wait. It scans the first part itself.
    children = [_fork_scan(path, a, b, scan.source) for a, b in ranges[1:]]
    parts = [_scan_range(path, ranges[0][0], ranges[0][1], scan.source)]
    for (a, b), child in zip(ranges[1:], children):
        part = _collect(child)
        parts.append(part if part is not None else _scan_range(path, a, b, scan.source))
    offset = scan.lines
    for part in parts:
        scan.absorb(part, offset)
        offset += part["lines"]


def _fork_scan(path: str, start: int, end: int, source: str) -> Tuple[int, int]:
    """Scan a byte range in a child process; return (pid, read end of its pipe)."""
    import pickle

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            os.close(r)
            data = pickle.dumps(_scan_range(path, start, end, source), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as out:
                out.write(data)
        except BaseException:  # the parent rescans this range itself
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def _collect(child: Tuple[int, int]) -> Optional[dict]:
    """The child's scan result, or None if it failed (the caller rescans)."""
    import pickle

    pid, r = child
    with os.fdopen(r, "rb") as inp:
        data = inp.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        return None
    try:
        return pickle.loads(data)  # our own child's output, never outside input
    except Exception:
        return None


def explain_bytes(data: bytes) -> dict:
    """Explain in-memory bytes (tests, the API); the CLI streams instead."""
    import io

    from tlsdoctor.kb.match import Scan

    scan = Scan(engine())
    feed_stream(scan, io.BytesIO(data))
    scan.close()
    return rank(scan)


def explain_text(text: str) -> dict:
    return explain_bytes(text.encode("utf-8", "surrogatepass"))


def explain_files(paths: Sequence[str], stdin: Optional[BinaryIO] = None) -> tuple:
    """(report, errors): errors lists the inputs that could not be read."""
    from tlsdoctor.kb.match import Scan

    scan = Scan(engine())
    errors: List[str] = []
    for path in paths or ["-"]:
        if path == "-":
            scan.start("<stdin>")
            feed_stream(scan, stdin if stdin is not None else sys.stdin.buffer)
            continue
        scan.start(path)
        try:
            with open(path, "rb") as fh:
                feed_file(scan, path, fh)
        except OSError as exc:
            errors.append("%s: %s" % (path, exc.strerror or exc))
    scan.close()
    report = rank(scan)
    report["inputs"] = list(paths or ["-"])
    report["unreadable"] = errors
    return report, errors


def _use_color(mode: str, stream) -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def _isatty(stream) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):  # a closed or odd stdin
        return False


def run(args: argparse.Namespace) -> int:
    fmt = "json" if args.json else (args.format or "text")
    if args.json and args.format not in (None, "json"):
        print("tlsdoctor explain: --json and --format %s conflict" % args.format, file=sys.stderr)
        return exitcodes.USAGE
    if not [p for p in (args.files or []) if p != "-"] and _isatty(sys.stdin):
        # Reading a terminal until EOF looks like a hang to someone who has not pasted yet.
        print("tlsdoctor explain: paste pip's error output, then press Ctrl-D on an empty line "
              "(Ctrl-Z, Enter on Windows); or pass a log file", file=sys.stderr)
    report, errors = explain_files(args.files)
    for err in errors:
        print("tlsdoctor explain: cannot read %s" % err, file=sys.stderr)
    if errors and len(errors) == len(args.files or ["-"]):
        # Nothing was read: "no known failure found" would be a claim about text nobody saw.
        return exitcodes.INCOMPLETE
    from tlsdoctor.render.explain import render

    out = render(report, fmt=fmt, lang=args.lang, color=_use_color(args.color, sys.stdout))
    sys.stdout.write(out)
    if errors:
        return exitcodes.INCOMPLETE
    return exitcodes.PROBLEM if report["matches"] else exitcodes.OK
