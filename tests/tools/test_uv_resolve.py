"""uv's configuration, resolved by uv's rules over real files (uv.toml, pyproject.toml) and variables.

The rules themselves were measured with real uv (tests/lab/test_tool_facts.py); these tests hold the
resolver to them, each with a control that changes the one thing the rule is about.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tlsdoctor.tools import Found, TrustKind
from tlsdoctor.tools import uv

NEW = Found("uv", "/usr/bin/uv", "0.13.9")
MID = Found("uv", "/usr/bin/uv", "0.10.12")
OLD = Found("uv", "/usr/bin/uv", "0.4.30")
SECRET = "hunter2secretpw"
TOKEN = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4"


@pytest.fixture()
def home(tmp_path):
    h = tmp_path / "home"
    (h / ".config" / "uv").mkdir(parents=True)
    proj = tmp_path / "proj"
    proj.mkdir()
    return h, proj


def env_for(h, **kw):
    e = {"HOME": str(h), "PATH": os.defpath, "XDG_CONFIG_DIRS": str(h / "no-system")}
    e.update(kw)
    return e


def res(found, env, cwd, **kw):
    return uv.resolve(found, env, str(cwd), time.monotonic() + 30, **kw)


def kinds(r):
    return [t.kind for t in r.trust]


def setting(r, name):
    return [s for s in r.settings if s.name == name]


def test_defaults_bundled_roots_and_pypi(home):
    h, proj = home
    r = res(NEW, env_for(h), proj)
    assert kinds(r) == [TrustKind.BUNDLED] and r.index_url == uv.DEFAULT_INDEX
    assert setting(r, "index-url")[0].source == "default"


def test_user_uv_toml_system_certs_by_version(home):
    h, proj = home
    (h / ".config" / "uv" / "uv.toml").write_text("system-certs = true\n")
    assert kinds(res(NEW, env_for(h), proj)) == [TrustKind.OS]
    # 0.4.30 knows only native-tls: system-certs is not its key (control)
    r = res(OLD, env_for(h), proj)
    assert kinds(r) == [TrustKind.BUNDLED] and any("unknown to uv 0.4.30" in w for w in r.warnings)
    (h / ".config" / "uv" / "uv.toml").write_text("native-tls = true\n")
    assert kinds(res(OLD, env_for(h), proj)) == [TrustKind.OS]
    assert kinds(res(NEW, env_for(h), proj)) == [TrustKind.OS]  # deprecated alias still read


def test_xdg_config_home_wins_over_dot_config(home, tmp_path):
    h, proj = home
    (h / ".config" / "uv" / "uv.toml").write_text("native-tls = true\n")
    xdg = tmp_path / "xdg"
    (xdg / "uv").mkdir(parents=True)
    (xdg / "uv" / "uv.toml").write_text("native-tls = false\n")
    assert kinds(res(NEW, env_for(h, XDG_CONFIG_HOME=str(xdg)), proj)) == [TrustKind.BUNDLED]
    assert kinds(res(NEW, env_for(h), proj)) == [TrustKind.OS]  # control


def test_environment_beats_files_and_project_beats_user(home):
    h, proj = home
    (h / ".config" / "uv" / "uv.toml").write_text("native-tls = true\nindex-url = 'https://user.example/simple'\n")
    (proj / "pyproject.toml").write_text(
        "[project]\nname = 'x'\ndependencies = [\n  'a',\n  'b',\n]\n\n"
        "[tool.uv]\nnative-tls = false\n\n[[tool.uv.index]]\nname = 'corp'\n"
        "url = 'https://proj.example/simple'\ndefault = true\n")
    r = res(NEW, env_for(h), proj)
    assert kinds(r) == [TrustKind.BUNDLED] and r.index_url == "https://proj.example/simple"
    shadowed = [s for s in setting(r, "native-tls") if not s.effective]
    assert shadowed and shadowed[0].source.endswith("uv.toml")
    r = res(NEW, env_for(h, UV_SYSTEM_CERTS="1", UV_DEFAULT_INDEX="https://env.example/simple"), proj)
    assert kinds(r) == [TrustKind.OS] and r.index_url == "https://env.example/simple"
    # check --index-url plays uv's own flag: it wins over everything
    r = res(NEW, env_for(h, UV_DEFAULT_INDEX="https://env.example/simple"), proj, index_url="https://flag.example/")
    assert r.index_url == "https://flag.example/"
    # uv.toml beats pyproject.toml in the same directory
    (proj / "uv.toml").write_text("native-tls = true\n")
    r = res(NEW, env_for(h), proj)
    assert kinds(r) == [TrustKind.OS] and any("pyproject.toml is ignored" in w for w in r.warnings)


def test_project_found_from_a_subdirectory(home):
    h, proj = home
    # top-level index-url, and the [pip] table's one that `uv pip` prefers
    (proj / "uv.toml").write_text("index-url = 'https://top.example/simple'\n"
                                  "[pip]\nindex-url = 'https://pip-table.example/simple'\n")
    sub = proj / "src" / "pkg"
    sub.mkdir(parents=True)
    assert res(NEW, env_for(h), sub).index_url == "https://pip-table.example/simple"


def test_uv_no_config_and_uv_config_file(home, tmp_path):
    h, proj = home
    (h / ".config" / "uv" / "uv.toml").write_text("native-tls = true\n")
    assert kinds(res(NEW, env_for(h, UV_NO_CONFIG="1"), proj)) == [TrustKind.BUNDLED]
    other = tmp_path / "other.toml"
    other.write_text("allow-insecure-host = ['localhost']\n")
    r = res(NEW, env_for(h, UV_CONFIG_FILE=str(other), UV_DEFAULT_INDEX="https://localhost:8443/simple"), proj)
    assert kinds(r) == [TrustKind.OFF, TrustKind.BUNDLED]  # the user file is not read (native-tls)


def test_ssl_cert_file_replaces_even_the_os_store(home, tmp_path):
    h, proj = home
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    r = res(NEW, env_for(h, SSL_CERT_FILE=str(pem), UV_SYSTEM_CERTS="1"), proj)
    assert kinds(r) == [TrustKind.FILE] and r.trust[0].path == str(pem)
    assert kinds(res(NEW, env_for(h, UV_SYSTEM_CERTS="1"), proj)) == [TrustKind.OS]  # control


@pytest.mark.parametrize("content", [None, "not a certificate\n"])
def test_unloadable_ssl_cert_file_by_version(home, tmp_path, content):
    h, proj = home
    path = tmp_path / "bad.pem"
    if content is not None:
        path.write_text(content)
    e = env_for(h, SSL_CERT_FILE=str(path))
    new = res(NEW, e, proj)
    assert kinds(new) == [TrustKind.NOTHING] and any("No default certificates" in w for w in new.warnings)
    old = res(OLD, e, proj)
    assert kinds(old) == [TrustKind.BUNDLED] and any("Ignoring invalid" in w for w in old.warnings)
    # 0.10 + the OS store switch: its native loader reads the same variable and loads nothing
    assert kinds(res(MID, dict(e, UV_NATIVE_TLS="1"), proj)) == [TrustKind.NOTHING]
    assert kinds(res(OLD, dict(e, UV_NATIVE_TLS="1"), proj)) == [TrustKind.OS]
    # ...SSL_CERT_DIR still counts on 0.13 (measured)
    d = tmp_path / "certs"
    d.mkdir()
    assert kinds(res(NEW, dict(e, SSL_CERT_DIR=str(d)), proj)) == [TrustKind.DIR]


def test_empty_ssl_cert_file(home):
    h, proj = home
    assert kinds(res(NEW, env_for(h, SSL_CERT_FILE=""), proj)) == [TrustKind.BUNDLED]
    old = res(OLD, env_for(h, SSL_CERT_FILE=""), proj)
    assert kinds(old) == [TrustKind.BUNDLED] and any("Ignoring invalid" in w for w in old.warnings)


def test_ssl_cert_dir_since_0_9_10(home, tmp_path):
    h, proj = home
    e = env_for(h, SSL_CERT_DIR="%s:%s" % (tmp_path / "a", tmp_path / "b"))
    assert kinds(res(MID, e, proj)) == [TrustKind.DIR, TrustKind.DIR]
    assert kinds(res(OLD, e, proj)) == [TrustKind.BUNDLED]


def test_insecure_host_matches_the_index_host_only(home):
    h, proj = home
    e = env_for(h, UV_DEFAULT_INDEX="https://idx.corp:8443/simple")
    assert kinds(res(NEW, dict(e, UV_INSECURE_HOST="idx.corp"), proj))[0] == TrustKind.OFF
    assert kinds(res(NEW, dict(e, UV_INSECURE_HOST="idx.corp:8443"), proj))[0] == TrustKind.OFF
    assert TrustKind.OFF not in kinds(res(NEW, dict(e, UV_INSECURE_HOST="other.corp idx.corp:9"), proj))


def test_proxy_and_no_proxy(home):
    h, proj = home
    e = env_for(h, UV_DEFAULT_INDEX="https://idx.corp/simple", HTTPS_PROXY="http://proxy:3128")
    assert res(NEW, e, proj).proxy == "http://proxy:3128"
    assert res(NEW, dict(e, NO_PROXY="localhost,.corp"), proj).proxy is None
    assert res(NEW, dict(e, NO_PROXY="localhost"), proj).proxy == "http://proxy:3128"
    assert res(NEW, env_for(h, ALL_PROXY="http://p2:1"), proj).proxy == "http://p2:1"


def test_ignored_pip_settings_are_shown_as_ignored(home, tmp_path):
    h, proj = home
    r = res(NEW, env_for(h, REQUESTS_CA_BUNDLE=str(tmp_path / "x.pem"), PIP_CERT="/etc/x.pem"), proj)
    assert kinds(r) == [TrustKind.BUNDLED]
    assert {s.name for s in r.settings if not s.effective} >= {"REQUESTS_CA_BUNDLE", "PIP_CERT"}


def test_planted_secrets_never_in_settings(home, tmp_path):
    h, proj = home
    (proj / "uv.toml").write_text('[[index]]\nurl = "https://me:%s@idx.corp/simple/"\ndefault = true\n' % SECRET)
    e = env_for(h, HTTPS_PROXY="http://bob:%s@proxy:3128" % SECRET,
                UV_INDEX_URL="https://idx.corp/t/%s/simple/" % TOKEN)
    r = res(NEW, e, proj)
    shown = json.dumps([s.__dict__ for s in r.settings]) + json.dumps(list(r.warnings))
    assert SECRET not in shown and TOKEN not in shown
    assert TOKEN in r.index_url  # the raw URL is kept for the request itself (never displayed)


def test_unreadable_config_is_a_warning(home):
    h, proj = home
    (h / ".config" / "uv" / "uv.toml").write_text("native-tls = \n")
    r = res(NEW, env_for(h), proj)
    assert kinds(r) == [TrustKind.BUNDLED] and any("cannot read" in w for w in r.warnings)


def test_mini_toml_matches_tomllib_on_uv_settings(tmp_path):
    tomllib = pytest.importorskip("tomllib")
    text = ('# uv settings\nnative-tls = true  # why\nallow-insecure-host = [\n  "a", # x\n  \'b:8080\',\n]\n'
            '[pip]\nindex-url = "https://x/\\u0041"\n[[index]]\nname = "corp"\nurl = "https://c/simple"\n'
            'default = true\n[[index]]\nname = "two"\nurl = \'https://d/#x\'\nextra = { a = 1, b = "q#" }\n')
    assert uv._mini_toml(text) == tomllib.loads(text)
    with pytest.raises(ValueError):
        uv._mini_toml('x = """\nmulti\n"""\n')


PYPROJECT_WITH_MULTILINE = (
    '[project]\nname = "x"\ndescription = """multi\n[tool.uv]\nline"""\ndependencies = [\n  "a",\n]\n\n'
    '[tool.uv]\nnative-tls = true\nallow-insecure-host = ["idx.corp"]\n\n[[tool.uv.index]]\nurl = "https://idx.corp/simple"\n'
    'default = true\n\n[tool.other]\nx = """\n"""\n')


def test_fallback_reader_reads_only_tool_uv_of_a_pyproject(home, monkeypatch):
    """Python 3.9/3.10 (no tomllib): the [tool.uv] tables are read even when the rest of the file
    holds TOML the minimal reader does not know; with tomllib the same answer (control)."""
    h, proj = home
    (proj / "pyproject.toml").write_text(PYPROJECT_WITH_MULTILINE)
    with_tomllib = res(NEW, env_for(h), proj)
    monkeypatch.setitem(sys.modules, "tomllib", None)  # `import tomllib` raises ImportError, as on 3.10
    without = res(NEW, env_for(h), proj)
    for r in (with_tomllib, without):
        assert r.index_url == "https://idx.corp/simple" and kinds(r) == [TrustKind.OFF, TrustKind.OS], r
        assert r.warnings == ()
    # a uv.toml the minimal reader cannot read is said to be tlsdoctor's limit, not uv's error
    (h / ".config" / "uv" / "uv.toml").write_text('x = """\nmulti\n"""\n')
    r = res(NEW, env_for(h), proj)
    assert any("tlsdoctor's own TOML reader" in w for w in r.warnings), r.warnings


@pytest.mark.skipif(not os.path.exists(os.path.expanduser("~/.pyenv/versions/3.9.18/bin/python3")),
                    reason="no Python 3.9 here")
def test_resolution_on_a_real_python_3_9(home):
    h, proj = home
    (proj / "pyproject.toml").write_text(PYPROJECT_WITH_MULTILINE)
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "src")
    code = ("import json, time, sys; from tlsdoctor.tools import uv, Found; "
            "r = uv.resolve(Found('uv', '/x', '0.13.9'), json.loads(sys.argv[1]), sys.argv[2], time.monotonic() + 20); "
            "print(json.dumps([r.index_url, [t.kind.value for t in r.trust], list(r.warnings)]))")
    proc = subprocess.run([os.path.expanduser("~/.pyenv/versions/3.9.18/bin/python3"), "-c", code,
                           json.dumps(env_for(h)), str(proj)], env={"PYTHONPATH": src, "PATH": os.defpath},
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert json.loads(proc.stdout) == ["https://idx.corp/simple", ["off", "os"], []]
