"""toml_edit: one key of uv.toml / Poetry's config.toml changes, every other byte stays."""

from __future__ import annotations

import pytest

from tlsdoctor.fix import toml_edit
from tlsdoctor.fix.edits import EditError

tomllib = pytest.importorskip("tomllib")  # the oracle: the edit must read as intended


def edit(data, key, value):
    new = toml_edit.edit_toml(data, key, value)
    tomllib.loads(new.decode("utf-8"))  # always valid TOML
    return new


def test_new_file_top_level_key():
    assert edit(None, "system-certs", "true") == b"system-certs = true\n"


def test_new_file_poetry_certificate():
    new = edit(None, "certificates.lab.cert", "/home/u/.local/share/tlsdoctor/ca-bundle.pem")
    assert new == b'[certificates.lab]\ncert = "/home/u/.local/share/tlsdoctor/ca-bundle.pem"\n'
    assert tomllib.loads(new.decode())["certificates"]["lab"]["cert"].endswith("ca-bundle.pem")


def test_replaces_only_the_value_keeping_comments_and_crlf():
    old = (b"# my uv settings\r\nnative-tls = false   # was off\r\nindex-url = \"https://x/simple\"\r\n"
           b"\r\n[pip]\r\nno-cache = true\r\n")
    new = edit(old, "native-tls", "true")
    assert new == old.replace(b"native-tls = false", b"native-tls = true")


def test_top_level_key_goes_before_the_first_table_and_crlf_is_kept():
    old = b"# comment\r\nconcurrent-downloads = 4\r\n[pip]\r\nno-cache = true"
    new = edit(old, "system-certs", "true")
    assert new == b"# comment\r\nconcurrent-downloads = 4\r\nsystem-certs = true\r\n[pip]\r\nno-cache = true"


def test_no_trailing_newline_gets_one_line_only_for_the_new_table():
    old = b"[repositories.lab]\nurl = \"https://x/simple\""
    new = edit(old, "certificates.lab.cert", "/b.pem")
    assert new.startswith(old + b"\n")
    assert new == old + b'\n\n[certificates.lab]\ncert = "/b.pem"\n'


def test_key_is_added_to_an_existing_table_with_other_bytes_kept():
    old = (b"[certificates.lab]\nclient-cert = '/c.pem'  # mTLS\n\n# other\n[certificates.other]\ncert = \"/o.pem\"\n")
    new = edit(old, "certificates.lab.cert", '/with "quote".pem')
    assert new == old.replace(b"# mTLS\n", b'# mTLS\ncert = "/with \\"quote\\".pem"\n')
    assert tomllib.loads(new.decode())["certificates"]["lab"]["cert"] == '/with "quote".pem'


def test_quoted_source_name():
    new = edit(b"", 'certificates."my.src".cert', "/b.pem")
    assert tomllib.loads(new.decode())["certificates"]["my.src"]["cert"] == "/b.pem"


def test_unset_removes_exactly_the_line_and_absent_is_a_no_op():
    old = b"a = 1\r\nsystem-certs = true\r\nb = 2"
    assert edit(old, "system-certs", None) == b"a = 1\r\nb = 2"
    assert toml_edit.edit_toml(old, "nothing", None) == old


@pytest.mark.parametrize("bad", [
    b'x = """\nmulti\n"""\n',
    b"x = [\n 1,\n]\n",
    b"certificates = { lab = { cert = '/a' } }\n",
    b"certificates.lab.client-cert = '/a'\n",
    b"[[certificates.lab]]\ncert = '/a'\n",
    b"this is not toml\n",
    b"a = 1\na = 2\n",
    b"\xff\xfe = 1\n",
])
def test_unparseable_or_unsafe_is_refused(bad):
    with pytest.raises(EditError):
        toml_edit.edit_toml(bad, "certificates.lab.cert", "/b.pem")


def test_read_value():
    assert toml_edit.read_value(b"[certificates.lab]\ncert = false # x\n", "certificates.lab.cert") == "false"
    assert toml_edit.read_value(None, "system-certs") is None
