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
from typing import BinaryIO, Dict, List, Optional, Sequence, Tuple

from tlsdoctor import __version__, exitcodes

CHUNK = 1 << 20
NEXT_STEP = ("Run `tlsdoctor check` on the machine that failed: it inspects the interpreter, its "
             "OpenSSL, pip's configuration, CA and proxy variables and probes the index, to confirm "
             "which of these causes it is.")
NEXT_STEP_ZH = ("在出错的机器上运行 `tlsdoctor check`：它会检查 pip 所用的解释器、OpenSSL、pip 配置、"
                "CA 与代理环境变量并探测索引，以确认究竟是哪一个原因。")
_WEIGHT = {3: 3.0, 2: 2.0, 1: 1.0}
# KB domains whose advice is pip's own (pip's options, pip's vendored certifi).
PIP_DOMAINS = ("pip", "urllib3", "pypi")
TOOL_NAMES = {"pip": "pip", "uv": "uv", "poetry": "Poetry", "conda": "conda", "requests": "a script using requests",
              "curl": "curl", "npm": "npm/Node.js", "git": "git",
              "python": "Python's standard library (urllib / ssl)"}
OS_NAMES = {"macos": "macOS", "windows": "Windows", "linux": "Linux"}
# Tools without a KB entry of their own that would match their text: their
# settings in one line (reference: trust-and-tools.md §3; [inferred] there,
# so "documented", not reproduced).
TOOL_SETTINGS = {
    "poetry": ("Poetry uses requests with certifi, not pip's settings: poetry config certificates.<source>.cert "
               "/path/bundle.pem (or POETRY_CERTIFICATES_<NAME>_CERT); REQUESTS_CA_BUNDLE applies when no source "
               "cert is set (documented, not reproduced). pip's --cert / pip.conf do nothing for Poetry.",
               "Poetry 使用 requests 与 certifi，而不是 pip 的设置：poetry config certificates.<源名>.cert "
               "/路径/证书包.pem（或 POETRY_CERTIFICATES_<NAME>_CERT）；未设置源证书时 REQUESTS_CA_BUNDLE 生效"
               "（文档所述，未复现）。pip 的 --cert / pip.conf 对 Poetry 无效。"),
    "uv": ("uv ignores pip.conf, PIP_* and REQUESTS_CA_BUNDLE: use --system-certs (UV_SYSTEM_CERTS=1; --native-tls "
           "before 0.11) or SSL_CERT_FILE=/path/bundle.pem, which replaces uv's bundled roots (documented).",
           "uv 忽略 pip.conf、PIP_* 和 REQUESTS_CA_BUNDLE：使用 --system-certs（UV_SYSTEM_CERTS=1；0.11 之前为 "
           "--native-tls）或 SSL_CERT_FILE=/路径/证书包.pem（会替换 uv 自带的根证书）（文档所述）。"),
    "curl": ("curl reads neither pip's settings nor certifi: --cacert /path/bundle.pem or CURL_CA_BUNDLE "
             "(the file replaces curl's default CA file); Schannel builds on Windows use the Windows store.",
             "curl 既不读 pip 的设置也不读 certifi：使用 --cacert /路径/证书包.pem 或 CURL_CA_BUNDLE"
             "（该文件替换 curl 的默认 CA 文件）；Windows 上的 Schannel 版本使用 Windows 证书库。"),
    "git": ("git (libcurl) has its own CA settings: git config --global http.sslCAInfo /path/bundle.pem "
            "(or GIT_SSL_CAINFO); on Windows http.sslBackend schannel uses the Windows store.",
            "git（libcurl）有自己的 CA 设置：git config --global http.sslCAInfo /路径/证书包.pem（或 GIT_SSL_CAINFO）；"
            "Windows 上 http.sslBackend schannel 使用 Windows 证书库。"),
    "npm": ("Node.js uses its own compiled-in roots: NODE_EXTRA_CA_CERTS=/path/root.pem adds a root; "
            "npm config set cafile /path/bundle.pem replaces them for the registry.",
            "Node.js 使用自己编译进去的根证书：NODE_EXTRA_CA_CERTS=/路径/根证书.pem 追加根证书；"
            "npm config set cafile /路径/证书包.pem 替换访问仓库时的根证书。"),
    "requests": ("requests (not pip's copy) verifies with the installed certifi: REQUESTS_CA_BUNDLE=/path/bundle.pem "
                 "or verify='/path/bundle.pem'; upgrading certifi does help it with a public root an old certifi lacks.",
                 "requests（不是 pip 自带的副本）使用已安装的 certifi 校验：REQUESTS_CA_BUNDLE=/路径/证书包.pem 或 "
                 "verify='/路径/证书包.pem'；对旧 certifi 缺少的公共根证书，升级 certifi 确实有用。"),
    "conda": ("conda's own setting is ssl_verify (a bundle path, or truststore with conda >= 23.9); "
              "pip's --cert does nothing for conda (documented).",
              "conda 自己的设置是 ssl_verify（证书包路径，或 conda >= 23.9 的 truststore）；pip 的 --cert 对 conda 无效（文档所述）。"),
}


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


def rank(scan) -> dict:
    """Turn a finished scan into the report (JSON-ready)."""
    from tlsdoctor.causes import CAUSES

    eng = scan.engine
    clues = scan.clues
    hits = scan.hits
    top = max((eng.entries[i]["specificity"] for i in hits), default=0)
    matches = []
    wrappers: List[str] = []
    scores: Dict[str, float] = {}
    origin: Dict[str, List[str]] = {}
    client = clues.client()
    tools = set(clues.clients)
    known_os = clues.known_os()
    own_matched = False
    for idx, hit in hits.items():
        entry = eng.entries[idx]
        own = entry["domain"] in tools and entry["domain"] not in PIP_DOMAINS
        # A wrapper (specificity 1, e.g. "There was a problem confirming the
        # ssl certificate", which pip prints for *every* requests.SSLError) is
        # only reported when nothing more specific explained the failure —
        # unless it is the entry of the tool that printed the error (conda's,
        # requests'): that one carries the tool's own fixes.
        if entry["specificity"] == 1 and top > 1 and not own:
            wrappers.append(entry["id"])
            continue
        own_matched = own_matched or (own and entry["domain"] == client)
        causes = list(entry["causes"])
        notes = []
        promoted: List[str] = []
        demoted: List[str] = []
        for k, hint in enumerate(entry.get("cause_hints", [])):
            fired = (k in hit.fired) if "line" in hint else False
            if "clue" in hint:
                fired = clues.test(hint["clue"]) and (fired or "line" not in hint)
            if fired:
                promoted += [c for c in hint.get("promote", []) if c not in promoted]
                demoted += hint.get("demote", [])
                notes.append({"en": hint["note"], "zh": hint.get("note_zh", hint["note"])})
        head = [c for c in promoted if c in causes and c not in demoted]
        extra = [c for c in promoted if c not in causes and c not in demoted]
        tail = [c for c in causes if c not in head and c not in demoted]
        ranked = head + extra + tail + [c for c in causes if c in demoted]
        workarounds = [dict(w, action_zh=zh) for w, zh in zip(entry["workarounds"], entry["workarounds_zh"])]
        matches.append({
            "id": entry["id"],
            "causes": ranked,
            "signature": entry["signature"],
            "signature_zh": entry["signature_zh"],
            "category": entry["category"],
            "domain": entry["domain"],
            "own_tool": own,
            "specificity": entry["specificity"],
            "verification_tier": entry["verification_tier"],
            "root_cause": entry["root_cause"],
            "root_cause_zh": entry["root_cause_zh"],
            "count": hit.count,
            "source": hit.source,
            "first_line": hit.first_line,
            "excerpt": hit.excerpt,
            "notes": notes,
            "dead_ends": _for_os(entry["dead_ends"], known_os),
            "workarounds": _for_os(workarounds, known_os),
            "checks": entry.get("checks", []),
            "checks_zh": entry.get("checks_zh", []),
            "official_doc_url": entry.get("official_doc_url"),
        })
    if client is not None and own_matched:
        # The text came from another program whose own entry matched: pip's
        # options and pip's vendored certifi are the wrong advice there
        # (e.g. "upgrading certifi does not help" is false for requests).
        for m in matches:
            if m["domain"] in PIP_DOMAINS:
                m["advice_omitted"] = "pip"
                m["dead_ends"], m["workarounds"] = [], []
    # Most specific first: higher specificity, then fewer candidate causes
    # (a TLSV13 certificate-required alert explains more than the read-path
    # EOFs that race with it), then order of appearance.
    # pip's own wrappers ("problem confirming the ssl certificate") come
    # after whatever they wrap.
    # The entry of the program that printed the error comes first.
    matches.sort(key=lambda m: (not m["own_tool"], -m["specificity"], m["category"] == "pip_wrapper",
                                len(m["causes"]), m["source"], m["first_line"]))
    for m in matches:
        w = _WEIGHT[m["specificity"]]
        for r, c in enumerate(m["causes"]):
            # Most likely first: the first cause of a specific match dominates.
            scores[c] = scores.get(c, 0.0) + w / (1 + r)
            origin.setdefault(c, [])
            if m["id"] not in origin[c]:
                origin[c].append(m["id"])
    ranked_causes = sorted(scores, key=lambda c: (-scores[c], c))
    return {
        "tlsdoctor": __version__,
        "matched": bool(matches),
        "matches": matches,
        # Wrapper entries that matched too but were set aside for the specific
        # ones above (kb verify counts them as evidence for those wrappers).
        "also_matched": sorted(wrappers),
        "candidate_causes": [
            {"id": c, "score": round(scores[c], 3), "description": CAUSES.get(c, ""), "from": origin[c]}
            for c in ranked_causes
        ],
        "clues": clues.as_dict(),
        # The program that printed the errors (None: pip, unknown or several),
        # and a one-line summary of its own settings where no entry of its own matched.
        "client": client,
        "client_name": TOOL_NAMES.get(client) if client else None,
        "client_settings": (TOOL_SETTINGS.get(client, (None, None))[0] if client and not own_matched else None),
        "client_settings_zh": (TOOL_SETTINGS.get(client, (None, None))[1] if client and not own_matched else None),
        "os": known_os,
        "lines_read": scan.lines_before + scan.lines,
        "bytes_read": scan.bytes,
        # Candidate lines skipped once explain's work budget was spent (only
        # crafted or pathological input gets here; see kb/match.py).
        "lines_not_analysed": scan.not_analysed,
        "next_step": NEXT_STEP if matches else None,
        "next_step_zh": NEXT_STEP_ZH if matches else None,
    }


def _for_os(items: List[dict], known_os: Optional[str]) -> List[dict]:
    """OS-only advice where it applies: kept when the text shows that OS,
    marked ``os_note`` ("on macOS: …") when no OS is known, left out when the
    text shows another OS (issue 8 item 8: a macOS-only step for a Windows paste)."""
    out = []
    for item in items:
        tag = item.get("os")
        if tag is None or tag == known_os:
            out.append(item)
        elif known_os is None:
            out.append(dict(item, os_note=OS_NAMES.get(tag, tag)))
    return out


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


def run(args: argparse.Namespace) -> int:
    fmt = "json" if args.json else (args.format or "text")
    if args.json and args.format not in (None, "json"):
        print("tlsdoctor explain: --json and --format %s conflict" % args.format, file=sys.stderr)
        return exitcodes.USAGE
    report, errors = explain_files(args.files)
    for err in errors:
        print("tlsdoctor explain: cannot read %s" % err, file=sys.stderr)
    from tlsdoctor.render.explain import render

    out = render(report, fmt=fmt, lang=args.lang, color=_use_color(args.color, sys.stdout))
    sys.stdout.write(out)
    if errors:
        return exitcodes.INCOMPLETE
    return exitcodes.PROBLEM if report["matches"] else exitcodes.OK
