"""``tlsdoctor report``: a Markdown bug report to paste into an issue tracker.

    tlsdoctor report [--log FILE] [--output FILE] [--python PY] [--timeout S] [--redact-paths]

What maintainers need, in the order they read it: the verdict and the
diagnoses, the full ``check`` (its own Markdown, not a second rendering of
it), ``explain`` of the failing command's log when one is given, the OS and
versions, and the questions maintainers ask before they can help, answered
where the check measured the answer. The questions are theirs: truststore's
issue template asks for the OS, whether the index is public or private, a
transparent or explicit proxy, and whether the OS trust store has the CA; uv's
asks for tool versions, the full output, and a minimal reproduction.

Secrets: everything goes through ``tlsdoctor.redact`` (credentials in proxy and
index URLs, query values, token-shaped path segments, ``Authorization``
headers, ``password=`` values), once more over the whole document at the end,
so text from any source (pip config files, the environment, the log, pip's
own error messages) is covered. ``--redact-paths`` also replaces the home
directory with ``~`` and the user name in paths with ``<user>``.

Exit codes: those of ``check`` (0 ok, 1 problem, 3 incomplete) — the report is
written in every case — and 2 for usage (an unreadable ``--log``, an unwritable ``--output``, no interpreter at ``--python``).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from typing import Callable, Dict, List, Optional, Sequence

from tlsdoctor import __version__, exitcodes

# PyPI's hosts: an index there is "public"; anything else is a private index or mirror.
PUBLIC_HOSTS = ("pypi.org", "files.pythonhosted.org", "test.pypi.org")
LOG_TAIL_LINES = 200
LOG_TAIL_BYTES = 32 * 1024


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log", metavar="FILE",
                        help="the failing command's output (e.g. `pip install -v … 2>&1 | tee pip.log`): "
                             "explained, and its last lines attached, redacted")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE (default: standard output)")
    parser.add_argument("--python", metavar="PY",
                        help="the interpreter whose pip to check (default: the one behind `pip` on PATH)")
    parser.add_argument("--timeout", metavar="S", type=_positive, default=10.0,
                        help="hard overall deadline in seconds (default: 10)")
    parser.add_argument("--redact-paths", action="store_true",
                        help="also replace your home directory with ~ and your user name in paths with <user>")


def _positive(value: str) -> float:
    from tlsdoctor.check import _positive as check_positive

    return check_positive(value)


def redactor(redact_paths: bool = False, env: Optional[Dict[str, str]] = None) -> Callable[[str], str]:
    """The one function every line of the report passes through."""
    from tlsdoctor.redact import redact_text
    if not redact_paths:
        return redact_text
    home, users = _home_and_users(env)

    def both(text: str) -> str:
        return _redact_paths(redact_text(text), home, users)

    return both


def _home_and_users(env: Optional[Dict[str, str]] = None):
    env = dict(os.environ if env is None else env)
    home = env.get("HOME") or env.get("USERPROFILE") or os.path.expanduser("~")
    home = home.rstrip("/\\") if home not in ("/", "\\") else ""
    # Not the home directory's last component: that is often the user name,
    # but not always (a service's HOME=/var/lib/jenkins would turn every
    # "jenkins" directory into <user>); the home itself is replaced anyway.
    users = {env.get(k) for k in ("USER", "LOGNAME", "USERNAME")}
    try:
        import getpass

        users.add(getpass.getuser())
    except Exception:  # no user name anywhere (containers with an unnamed uid)
        pass
    # A one-letter name would turn every "/a/" into "/<user>/"; such names
    # still go with the home directory itself.
    return home, sorted((u for u in users if u and len(u) > 1), key=len, reverse=True)


def _redact_paths(text: str, home: str, users: Sequence[str]) -> str:
    if home and len(home) > 1:
        # Only where the home directory is a whole path prefix (/home/al must
        # not eat the start of /home/alice2).
        text = re.sub(re.escape(home) + r"(?=[/\\\s'\"`:;,)\]]|$)", "~", text, flags=re.MULTILINE)
    for user in users:
        # The user name as one path component: /home/<user>/, C:\Users\<user>\.
        text = re.sub(r"(?<=[/\\])" + re.escape(user) + r"(?=[/\\\s'\"`:;,)\]]|$)", "<user>", text,
                      flags=re.MULTILINE)
    return text


def run(args: argparse.Namespace) -> int:
    # The command's start (cli.main records it), so --timeout covers start-up too.
    t0 = getattr(args, "_started", None) or time.monotonic()
    log_text = None
    if args.log:
        try:
            with open(args.log, "rb") as fh:
                fh.read(1)
        except OSError as exc:
            sys.stderr.write("tlsdoctor report: cannot read --log %s: %s\n" % (args.log, exc.strerror or exc))
            return exitcodes.USAGE
    if args.output:
        # Fail before the check runs, not after (a directory, a read-only place).
        try:
            with open(args.output, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            sys.stderr.write("tlsdoctor report: cannot write --output %s: %s\n" % (args.output, exc.strerror or exc))
            return exitcodes.USAGE
    redact = redactor(args.redact_paths)
    explained = None
    if args.log:
        from tlsdoctor.explain import explain_files

        explained, _ = explain_files([args.log])
        log_text = _tail(args.log)
    from tlsdoctor import check

    # --timeout bounds the whole command: check's deadline counts from the
    # command's start where collect() takes one (it then says "--timeout 10",
    # not what was left of it), else check gets what explain left.
    import inspect

    kwargs = {"python": args.python, "second_host": os.environ.get("TLSDOCTOR_SECOND_HOST")}
    if "started" in inspect.signature(check.collect).parameters:
        kwargs.update(timeout=args.timeout, started=t0)
    else:
        kwargs["timeout"] = max(0.5, args.timeout - (time.monotonic() - t0))
    report = collect_check(check, **kwargs)
    if report.status == "usage":
        sys.stderr.write("tlsdoctor report: error: %s\n" % redact(str(report.error or "usage")))
        return exitcodes.USAGE
    doc = redact(build(report, explained, log_text, args.log))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(doc)
        sys.stderr.write("tlsdoctor report: written to %s (%s). Read it before you post it: secrets are "
                         "redacted, but only you know what else is private.\n"
                         % (redact(args.output), report.status))
    else:
        check._write(doc)
    return report.exit_code


def collect_check(check, signals: bool = True, **kwargs):
    """``check.collect`` with what ``check.run`` does around it: signals end the probes'
    processes first, and the probe's temp files are removed afterwards."""
    from tlsdoctor import probe

    # Signal handlers can only be set from the main thread (mcp runs check in a worker).
    previous = check._install_signal_handlers() if signals else None
    try:
        return check.collect(**kwargs)
    finally:
        probe.cleanup()
        if previous is not None:
            check._restore_signal_handlers(previous)


def _tail(path: str) -> str:
    """The last lines of the log, where pip's error is (bounded: logs can be 50 MB).

    Decoded the way explain reads it: UTF-16 from PowerShell's ``>``, else
    UTF-8 with replacement; colours (ANSI escapes) removed.
    """
    from tlsdoctor.explain import _looks_utf16

    with open(path, "rb") as fh:
        head = fh.read(4096)
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        start = max(0, size - LOG_TAIL_BYTES)
        enc = _looks_utf16(head)
        if enc and start % 2:
            start += 1  # stay on a UTF-16 code unit
        fh.seek(start)
        data = fh.read()
    text = data.decode(enc or "utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
    text = _ANSI.sub("", text)
    lines = text.rstrip("\n").split("\n")
    if start > 0:
        lines = lines[1:]  # the first one is cut
    return "\n".join(lines[-LOG_TAIL_LINES:]).strip("\n")


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def build(report, explained: Optional[dict] = None, log_text: Optional[str] = None,
          log_name: Optional[str] = None) -> str:
    """The report's Markdown (not yet redacted as a whole: ``run`` does that)."""
    from tlsdoctor.render import check as render

    data = render.to_json(report)
    out: List[str] = ["# tlsdoctor report", ""]
    out.append("<!-- Written by tlsdoctor report %s. Credentials and tokens are redacted; read it before posting. -->"
               % __version__)
    out += ["", "## Verdict", "", "**%s**" % render.headline(report, "en"), ""]
    if data["diagnoses"]:
        out.append("Diagnoses, most likely first:")
        out.append("")
        for i, d in enumerate(data["diagnoses"], 1):
            out.append("%d. `%s`: %s" % (i, d["cause"], d["verdict"]))
        out.append("")
    if data["incomplete"]:
        out.append("Not checked or not decided:")
        out.append("")
        # PLAN.md's contract: {"kind", "detail", "candidates"}; older trees: strings.
        out += ["- %s" % _one_line(i.get("detail", i) if isinstance(i, dict) else i) for i in data["incomplete"]]
        out.append("")
    out += ["## tlsdoctor check", "", _demote(render.render(report, fmt="markdown"), 1), ""]
    if explained is not None:
        from tlsdoctor.render.explain import render as render_explain

        out += ["## The failing command's log (`tlsdoctor explain`)", ""]
        out += [_demote(render_explain(explained, fmt="markdown"), 2), ""]
        if log_text:
            out += ["<details><summary>last lines of %s</summary>" % os.path.basename(log_name or "the log"), "",
                    "```", log_text.replace("```", "ˋˋˋ"), "```", "</details>", ""]
    out += ["## System and versions", ""]
    out += ["- %s: %s" % (k, v) for k, v in system_rows(data)]
    out += ["", "## What maintainers ask first", ""]
    out += ["| question | answer |", "|---|---|"]
    for q, a in questions(data, log_name):
        out.append("| %s | %s |" % (q, _cell(a)))
    out.append("")
    return "\n".join(out)


def system_rows(data: dict) -> List[tuple]:
    facts = data.get("facts") or {}
    py = facts.get("python") or {}
    ssl_ = facts.get("ssl") or {}
    pip = facts.get("pip") or {}
    vendored = pip.get("vendored") or {}
    argv0 = sys.argv[0] if sys.argv else ""
    how = "tlsdoctor.pyz" if argv0.endswith(".pyz") else "installed package / source tree"
    rows = [
        ("OS", "%s (%s)" % (platform.platform(), platform.machine() or "?")),
        ("tlsdoctor", "%s (%s), running on Python %s" % (__version__, how, platform.python_version())),
        ("target interpreter", "%s (%s)" % (data["target"]["python"], data["target"]["how"])),
    ]
    if facts:
        rows += [
            ("Python", "%s %s on %s" % (py.get("implementation") or "", py.get("version") or "?", py.get("platform"))),
            ("OpenSSL", ssl_.get("openssl_version") or ("no ssl module: %s" % ssl_.get("import_error"))),
            ("TLS", "highest %s, negotiated with the index %s" % (
                ssl_.get("highest_tls_version") or "?", facts.get("negotiated_tls_version") or "?")),
            ("pip", "%s%s" % (pip.get("version") or "not importable",
                              (" (%s)" % pip["import_error"]) if pip.get("import_error") else "")),
            ("pip's vendored libraries", ", ".join("%s %s" % (k, v) for k, v in sorted(vendored.items()) if v) or "?"),
            ("pip uses the OS trust store (truststore)", _yes_no(pip.get("uses_os_trust_store"))),
        ]
    return rows


def questions(data: dict, log_name: Optional[str]) -> List[tuple]:
    """The maintainers' questions with what the check knows (truststore's, then uv's)."""
    facts = data.get("facts") or {}
    py = facts.get("python") or {}
    pip = facts.get("pip") or {}
    hosts = data.get("hosts") or []
    causes = [d["cause"] for d in data["diagnoses"]]
    return [
        ("Operating system", "%s; the target reports `%s`" % (platform.platform(), py.get("platform") or "?")),
        ("Public or private index?", _index_answer(pip, hosts)),
        ("Proxy: transparent or explicit?", _proxy_answer(facts, hosts, causes)),
        ("Does the OS trust store have the CA?", _os_store_answer(py, hosts)),
        ("Tool versions", "tlsdoctor %s; Python %s; pip %s; %s" % (
            __version__, py.get("version") or "?", pip.get("version") or "?",
            (facts.get("ssl") or {}).get("openssl_version") or "OpenSSL ?")),
        ("Full output of the failing command", (
            "explained above, its last lines attached (from %s)" % os.path.basename(log_name)) if log_name else
            "not attached: run `pip install -v … 2>&1 | tee pip.log` and `tlsdoctor report --log pip.log`"),
        ("A minimal reproduction", _reproduction(data, pip)),
    ]


def _index_answer(pip: dict, hosts: List[dict]) -> str:
    urls = [h.get("url") for h in hosts if h.get("url")]
    if not urls:
        opts = pip.get("options") or {}
        urls = [u for u in [opts.get("index_url")] + list(opts.get("extra_index_urls") or []) if u]
    if not urls:
        return "unknown (pip's configuration was not read)"
    kinds = []
    for url in urls:
        host = _host(url)
        kinds.append("%s: %s" % (url, "public (PyPI)" if host in PUBLIC_HOSTS else "private index or mirror"))
    return "; ".join(kinds)


def _proxy_answer(facts: dict, hosts: List[dict], causes: List[str]) -> str:
    env = (facts.get("env") or {}).get("proxy") or {}
    option = ((facts.get("pip") or {}).get("options") or {}).get("proxy")
    used = sorted({(h.get("session") or {}).get("proxy_for_url") or h.get("proxy") for h in hosts} - {None, ""})
    if used or option or env:
        where = ["pip's proxy option %s" % option] if option else []
        where += ["%s=%s" % (k, v) for k, v in sorted(env.items())]
        return "explicit: pip uses %s (set by %s)" % (", ".join(used) or "none of them for the index",
                                                      ", ".join(where) or "?")
    if "tls-interception" in causes:
        return ("transparent: no proxy is configured, yet the index's certificate is re-signed "
                "(see the tls-interception diagnosis)")
    return "no proxy configured; a transparent one was not seen (the certificates were not re-signed)" if hosts \
        else "no proxy configured"


def _os_store_answer(py: dict, hosts: List[dict]) -> str:
    plat = (py.get("platform") or "").lower()
    if plat.startswith(("win", "darwin", "cygwin")):
        return "not probed: tlsdoctor reads OpenSSL's default paths, not the Windows or macOS store"
    answers = []
    for h in hosts:
        att = (h.get("probes") or {}).get("verify:system")
        if not att:
            answers.append("%s: not checked" % h.get("url"))
        elif att.get("status") == "ok":
            answers.append("%s: yes, its chain verifies against OpenSSL's default paths (the OS store)" % h.get("url"))
        elif att.get("verify_message"):
            answers.append("%s: no (%s)" % (h.get("url"), att["verify_message"]))
        else:
            answers.append("%s: could not tell (%s)" % (h.get("url"), att.get("status")))
    return "; ".join(answers) or "not checked (no index was probed)"


def _reproduction(data: dict, pip: dict) -> str:
    python = data["target"]["python"] or "python3"
    index = ((pip.get("options") or {}).get("index_url")) or "https://pypi.org/simple/"
    return ("`%s -m pip download --no-deps --no-cache-dir -d /tmp/tlsdoctor-repro --index-url %s <any package>` "
            "(pip's own command; add `-v` for the full traceback)" % (python, index))


def _host(url: str) -> str:
    rest = url.split("://", 1)[-1]
    authority = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    if authority.startswith("["):
        return authority.split("]", 1)[0] + "]"
    return authority.split(":", 1)[0].lower()


def _yes_no(value) -> str:
    return "yes" if value is True else "no" if value is False else "unknown"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _cell(text: str) -> str:
    return _one_line(text).replace("|", "\\|")


def _demote(markdown: str, levels: int) -> str:
    """Nest another command's Markdown under a report heading (fenced blocks untouched)."""
    out = []
    fenced = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out).rstrip("\n")
