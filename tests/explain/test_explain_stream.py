"""explain's reader: any chunking, any encoding, wrapped lines, flat memory."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from tlsdoctor.explain import engine, explain_bytes, explain_text, feed_stream
from tlsdoctor.kb.match import MAX_LINE, Scan

LINE = ("WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after "
        "connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] "
        "certificate verify failed: unable to get local issuer certificate (_ssl.c:1129)'))': /simple/x/")
WANT = "pip/ssl-cert-verify-unable-to-get-local-issuer"


def ids(report):
    return [m["id"] for m in report["matches"]]


def test_crlf_and_ansi_colours():
    text = "\x1b[33m" + LINE + "\x1b[0m\r\n\x1b[31mERROR: No matching distribution found for x\x1b[0m\r\n"
    report = explain_text(text)
    assert ids(report) == [WANT]
    assert "\x1b" not in report["matches"][0]["excerpt"]


def test_invalid_utf8_around_the_error():
    data = b"\xff\xfe\xfd garbage \xc3\x28\n" + LINE.encode() + b"\n\x80\x81\n"
    assert WANT in ids(explain_bytes(data))


@pytest.mark.parametrize("enc", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_logs(enc):
    # PowerShell's `>` writes UTF-16 (with a BOM); some tools without.
    assert WANT in ids(explain_bytes(("noise\r\n" + LINE + "\r\n").encode(enc)))


def test_gbk_console_text_does_not_hide_the_error():
    data = "由于目标计算机积极拒绝，无法连接。\n".encode("gbk") + LINE.encode() + b"\n"
    assert WANT in ids(explain_bytes(data))


@pytest.mark.parametrize("width", [60, 80, 100, 120])
def test_terminal_hard_wrapped_lines(width):
    wrapped = "\n".join(LINE[i:i + width] for i in range(0, len(LINE), width))
    assert WANT in ids(explain_text(wrapped + "\n"))


def test_rich_word_wrapped_diagnostic():
    text = ("error: ssl-verification-failed\n\n× Failed to establish a secure connection to pypi.org\n"
            "╰─> [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in\n"
            "    certificate chain (_ssl.c:1032)\n")
    assert ids(explain_text(text))[0] == "pip/ssl-cert-verify-self-signed-in-chain"


def test_repeated_retrying_lines_are_one_match_with_a_count():
    report = explain_text((LINE + "\n") * 5)
    assert ids(report) == [WANT] and report["matches"][0]["count"] == 5
    assert report["matches"][0]["first_line"] == 1


@pytest.mark.parametrize("chunk", [1, 7, 64, 4096])
def test_any_chunking_gives_the_same_answer(chunk):
    data = ("Collecting x\n" * 50 + LINE + "\n" + "ERROR: done\n").encode()
    scan = Scan(engine())
    feed_stream(scan, io.BytesIO(data), chunk=chunk)
    scan.close()
    assert WANT in {scan.engine.entries[i]["id"] for i in scan.hits}
    assert scan.hits[next(iter(scan.hits))].first_line == 51


def test_no_trailing_newline_and_empty_input():
    assert WANT in ids(explain_text(LINE))
    empty = explain_text("")
    assert empty["matches"] == [] and empty["lines_read"] == 0


def test_overlong_line_without_newline_is_cut_not_buffered():
    scan = Scan(engine())
    scan.feed(b"x" * (MAX_LINE + 10))
    assert len(scan._tail) == 0  # flushed, not accumulated
    scan.feed(LINE.encode() + b"\n")
    scan.close()
    assert scan.hits


def test_memory_stays_flat_on_a_large_stream():
    # 24 MiB of log with failures sprinkled through it, read in 1 MiB chunks.
    block = (("  Downloading something-1.0.tar.gz (12 kB)\n" * 200) + LINE + "\n").encode()
    total = 24 << 20

    class Stream(io.RawIOBase):
        sent = 0

        def readable(self):
            return True

        def readinto(self, b):
            if self.sent >= total:
                return 0
            n = min(len(b), len(block))
            b[:n] = block[:n]
            self.sent += n
            return n

    tracemalloc.start()
    scan = Scan(engine())
    feed_stream(scan, io.BufferedReader(Stream(), buffer_size=1 << 20))
    scan.close()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert scan.hits
    assert peak < 16 << 20  # a few chunks, never the whole input


def test_excerpt_redacts_credentials():
    text = ("WARNING: Retrying (Retry(total=4)) after connection broken by 'ProxyError('Cannot connect to proxy.', "
            "OSError('Tunnel connection failed: 407 Proxy Authentication Required'))': "
            "http://alice:s3cret@proxy.corp:3128 https://__token__:pypi-AgEIcHlwaS5vcmc@upload.example/?token=abc123")
    report = explain_text(text)
    blob = repr(report)
    for secret in ("s3cret", "pypi-AgEIcHlwaS5vcmc", "abc123", "alice"):
        assert secret not in blob


def test_several_files_keep_their_own_line_numbers(tmp_path):
    from tlsdoctor.explain import explain_files

    a = tmp_path / "a.log"
    b = tmp_path / "b.log"
    a.write_text("x\n" * 10)
    b.write_text("y\n" * 3 + LINE + "\n")
    report, errors = explain_files([str(a), str(b)])
    assert errors == [] and report["lines_read"] == 14
    m = report["matches"][0]
    assert m["source"] == str(b) and m["first_line"] == 4


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="the parallel reader needs fork")
def test_parallel_reader_gives_the_same_answer(tmp_path, monkeypatch):
    import tlsdoctor.explain as ex

    log = tmp_path / "big.log"
    other = ("error: ssl-verification-failed\n× Failed to establish a secure connection to x\n"
             "[SSL: DH_KEY_TOO_SMALL] dh key too small (_ssl.c:1020)\n")
    with open(log, "w") as fh:
        for i in range(3000):
            fh.write("noise line %d with nothing in it\n" % i)
            if i % 700 == 0:
                fh.write(LINE + "\n")
        fh.write(other)
    sequential, _ = ex.explain_files([str(log)])
    monkeypatch.setattr(ex, "PARALLEL_MIN", 1)
    parallel, _ = ex.explain_files([str(log)])
    for key in ("lines_read", "candidate_causes"):
        assert parallel[key] == sequential[key]
    assert [(m["id"], m["count"], m["first_line"]) for m in parallel["matches"]] == \
           [(m["id"], m["count"], m["first_line"]) for m in sequential["matches"]]


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="the parallel reader needs fork")
def test_parallel_reader_rescans_what_a_failed_child_did_not_deliver(tmp_path, monkeypatch):
    import tlsdoctor.explain as ex

    log = tmp_path / "big.log"
    with open(log, "w") as fh:
        for i in range(3000):
            fh.write("noise line %d with nothing in it\n" % i)
        fh.write(LINE + "\n")  # only in the last part, the one a child scans
    sequential, _ = ex.explain_files([str(log)])
    monkeypatch.setattr(ex, "PARALLEL_MIN", 1)
    monkeypatch.setattr(ex.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    real_scan_range = ex._scan_range
    parent = ex.os.getpid()

    def dying_in_children(*args):
        if ex.os.getpid() != parent:
            raise RuntimeError("a child that fails")
        return real_scan_range(*args)

    monkeypatch.setattr(ex, "_scan_range", dying_in_children)
    parallel, _ = ex.explain_files([str(log)])
    assert [(m["id"], m["count"], m["first_line"]) for m in parallel["matches"]] == \
           [(m["id"], m["count"], m["first_line"]) for m in sequential["matches"]]
    assert parallel["matches"], "negative control: the line must be found at all"
