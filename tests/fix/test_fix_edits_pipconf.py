"""pip config edits: only the key's own lines change; configparser (pip's reader) agrees."""

from __future__ import annotations

import configparser

import pytest

from tlsdoctor.fix.edits import EditError, edit_pip_config, read_pip_value, split_lines

# name -> original bytes. Every one is a file pip can read.
TRICKY = {
    "crlf": b"[global]\r\nindex-url = https://idx.example/simple\r\ntimeout = 5\r\n",
    "no-final-newline": b"[global]\ntimeout = 5",
    "cr-only": b"[global]\rtimeout = 5\r",
    "comments-and-blanks": b"# pip config\n\n[global]\n; semicolon comment\n\ntimeout = 5\n\n# trailing\n",
    "unicode": "# caf\u00e9 \u2028 \u65e5\u672c\n[global]\ntimeout = 5 # not a comment \u00e9\n".encode("utf-8"),
    "install-only": b"[install]\nuser = true\n",
    "multiline-value": b"[global]\nextra-index-url =\n    https://a.example/simple\n    # inner comment\n    https://b.example/simple\n\ntimeout = 5\n",
    "already-set": b"[global]\ncert = /old.pem\ntimeout = 5\n",
    "spelled-differently": b"[global]\nCert = /old.pem\n--cert: /older.pem\n",
    "section-trailing-junk": b"[global] ; junk after the bracket\ntimeout = 5\n",
    "repeated-spelling-underscore": b"[global]\nindex_url = https://a.example/simple\n",
    "indented-keys": b"[global]\n  timeout = 5\n",
    "cert-last-no-newline": b"[global]\ntimeout = 5\ncert = /old.pem",
    "empty": b"",
}


def pip_reads(data: bytes) -> dict:
    # Exactly pip's reader: RawConfigParser over universal-newline text.
    parser = configparser.RawConfigParser()
    parser.read_string("\n".join(c.decode("utf-8") for c, _ in split_lines(data)) + "\n")
    return {s + "." + k.lower().replace("_", "-").lstrip("-"): v
            for s in parser.sections() for k, v in parser.items(s)}


def changed_line_indices(old: bytes, new: bytes):
    a = split_lines(old)
    b = split_lines(new)
    return [ln for ln in a if ln not in b], [ln for ln in b if ln not in a]


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_set_changes_only_that_key(name):
    old = TRICKY[name]
    new = edit_pip_config(old, "global.cert", "/home/u/.local/share/tlsdoctor/ca-bundle.pem")
    before, after = pip_reads(old) if old else {}, pip_reads(new)
    assert after.pop("global.cert") == "/home/u/.local/share/tlsdoctor/ca-bundle.pem"
    before.pop("global.cert", None)
    assert after == before  # nothing else pip reads changed
    removed, added = changed_line_indices(old, new)
    # every removed line was a cert line; every added line is the new one (or a header/newline fix)
    for content, _ in removed:
        assert b"cert" in content.lower() or not content.strip() or content == old.splitlines()[-1]
    assert old.endswith((b"\n", b"\r")) == new.endswith((b"\n", b"\r")) or not old
    if b"\r\n" in old:
        assert new.count(b"\r\n") == new.count(b"\n")  # no bare LF sneaked into a CRLF file
    # Undo is a byte-exact journal restore; unsetting again is at least semantically exact.
    assert pip_reads(edit_pip_config(new, "global.cert", None)).get("global.cert") is None


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_untouched_lines_are_byte_identical(name):
    old = TRICKY[name]
    new = edit_pip_config(old, "global.timeout", "30")
    keep = [ln for ln in split_lines(old) if b"timeout" not in ln[0]]
    new_lines = split_lines(new)
    for content, ending in keep:
        assert any(c == content for c, _ in new_lines), (content, new)


def test_exact_results():
    assert edit_pip_config(TRICKY["crlf"], "global.cert", "/b.pem") == (
        b"[global]\r\nindex-url = https://idx.example/simple\r\ntimeout = 5\r\ncert = /b.pem\r\n")
    assert edit_pip_config(TRICKY["no-final-newline"], "global.cert", "/b.pem") == (
        b"[global]\ntimeout = 5\ncert = /b.pem")
    assert edit_pip_config(TRICKY["already-set"], "global.cert", "/b.pem") == (
        b"[global]\ncert = /b.pem\ntimeout = 5\n")
    assert edit_pip_config(TRICKY["spelled-differently"], "global.cert", "/b.pem") == (
        b"[global]\nCert = /b.pem\n")
    assert edit_pip_config(TRICKY["cert-last-no-newline"], "global.cert", None) == (
        b"[global]\ntimeout = 5")
    assert edit_pip_config(TRICKY["install-only"], "global.cert", "/b.pem") == (
        b"[install]\nuser = true\n\n[global]\ncert = /b.pem\n")
    assert edit_pip_config(None, "global.cert", "/b.pem") == b"[global]\ncert = /b.pem\n"
    assert edit_pip_config(TRICKY["multiline-value"], "global.extra-index-url", None) == (
        b"[global]\n    # inner comment\n\ntimeout = 5\n")
    # unset of an absent key changes nothing
    assert edit_pip_config(TRICKY["crlf"], "global.cert", None) == TRICKY["crlf"]


@pytest.mark.parametrize("bad", [
    b"[global]\ncert = /a\n[global]\ntimeout = 5\n",  # duplicate section: pip itself cannot load it
    b"[global]\ncert = /a\ncert = /b\n",  # duplicate option
    b"timeout = 5\n",  # no section header
    b"[global]\njust a line\n",  # not key = value
    b"[global]\ntimeout = 5\n\xff\xfe\n",  # not UTF-8
    b"[DEFAULT]\ncert = /a\n[global]\n",  # copied into every section by configparser
])
def test_files_pip_cannot_read_or_that_are_ambiguous_are_refused(bad):
    with pytest.raises(EditError):
        edit_pip_config(bad, "global.cert", "/b.pem")


@pytest.mark.parametrize("value", ["", " /lead", "/a\n[global]\ntrusted-host = x", "/a\r"])
def test_values_that_would_inject_lines_are_refused(value):
    with pytest.raises(EditError):
        edit_pip_config(TRICKY["crlf"], "global.cert", value)


def test_read_pip_value_and_negative_control():
    assert read_pip_value(TRICKY["already-set"], "global.cert") == "/old.pem"
    assert read_pip_value(TRICKY["crlf"], "global.cert") is None
