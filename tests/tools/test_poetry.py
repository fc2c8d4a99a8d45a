"""Poetry: resolution by Poetry's rules over real files, and its own Authenticator against the lab.

Resolution reads real ``pyproject.toml``/``poetry.toml``/``config.toml`` files
and environments. The decisive request runs the real Poetry 2.5.1 (and 1.8.5,
``matrix``) against a lab scenario, paired with the real ``poetry lock`` of the
lab (its own run, same scenario, same environment) as the control.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from tlsdoctor.tools import Found, RequestStatus, TrustKind, poetry

SECRET = "s3cr3t-pa55"
P2 = Found("poetry", "/x/poetry", "2.5.1", None)
P18 = Found("poetry", "/x/poetry", "1.8.5", None)


def _deadline(s: float = 30) -> float:
    return time.monotonic() + s


def _project(d, sources: str = "", poetry_toml: str = "") -> str:
    d.mkdir(parents=True, exist_ok=True)
    (d / "pyproject.toml").write_text('[tool.poetry]\nname = "p"\nversion = "0"\n\n' + sources)
    if poetry_toml:
        (d / "poetry.toml").write_text(poetry_toml)
    return str(d)


def _config(tmp_path, text: str) -> dict:
    cfg = tmp_path / "cfg"
    cfg.mkdir(exist_ok=True)
    (cfg / "config.toml").write_text(text)
    return {"POETRY_CONFIG_DIR": str(cfg), "HOME": str(tmp_path)}


SOURCES = """
[[tool.poetry.source]]
name = "extra"
url = "https://extra.example/simple/"
priority = "supplemental"

[[tool.poetry.source]]
name = "corp"
url = "https://corp.example/simple/"
priority = "primary"
"""


def _trust(r):
    return [(t.kind, t.path, t.source) for t in r.trust]


def test_index_is_the_first_primary_source_else_pypi(tmp_path):
    r = poetry.resolve(P2, {"HOME": str(tmp_path)}, _project(tmp_path / "a" / "sub", SOURCES), _deadline())
    assert r.index_url == "https://corp.example/simple/"
    # Factory.locate: a parent directory's pyproject.toml counts
    sub = tmp_path / "a" / "sub" / "deeper"
    sub.mkdir()
    assert poetry.resolve(P2, {"HOME": str(tmp_path)}, str(sub), _deadline()).index_url.startswith("https://corp.")
    # control: only a supplemental source -> PyPI is added as primary
    only_extra = SOURCES.split("[[tool.poetry.source]]\nname = \"corp\"")[0]
    r = poetry.resolve(P2, {"HOME": str(tmp_path)}, _project(tmp_path / "b", only_extra), _deadline())
    assert r.index_url == poetry.PYPI_URL
    # 1.8: `default = true` comes before every primary
    legacy = SOURCES + '\n[[tool.poetry.source]]\nname = "old"\nurl = "https://old.example/simple/"\ndefault = true\n'
    assert poetry.resolve(P18, {"HOME": str(tmp_path)}, _project(tmp_path / "c", legacy),
                          _deadline()).index_url == "https://old.example/simple/"


def test_source_cert_from_env_beats_poetry_toml_beats_config_toml(tmp_path):
    env = _config(tmp_path, '[certificates.corp]\ncert = "/global.pem"\nclient-cert = "/me.pem"\n')
    proj = _project(tmp_path / "p", SOURCES, '[certificates.corp]\ncert = "/local.pem"\n')
    r = poetry.resolve(P2, env, proj, _deadline())
    assert _trust(r) == [(TrustKind.FILE, "/local.pem", "certificates.corp.cert")]
    assert r.client_cert == "/me.pem"
    shown = [(s.source.split(os.sep)[-1], s.value, s.effective) for s in r.settings if s.name == "certificates.corp.cert"]
    assert shown == [("poetry.toml", "/local.pem", True), ("config.toml", "/global.pem", False)]
    r = poetry.resolve(P2, dict(env, POETRY_CERTIFICATES_CORP_CERT="/env.pem"), proj, _deadline())
    assert _trust(r)[0][1] == "/env.pem"
    # the source cert wins over REQUESTS_CA_BUNDLE (verified in the lab); SSL_CERT_FILE is never read
    r = poetry.resolve(P2, dict(env, REQUESTS_CA_BUNDLE="/bundle.pem", SSL_CERT_FILE="/ssl.pem"), proj, _deadline())
    assert _trust(r)[0][1] == "/local.pem" and len(r.trust) == 1
    assert any("REQUESTS_CA_BUNDLE is not used" in w for w in r.warnings)
    assert any("ignores SSL_CERT_FILE" in w for w in r.warnings)
    # control: no source cert -> REQUESTS_CA_BUNDLE applies, else certifi
    bare = _project(tmp_path / "q", SOURCES)
    r = poetry.resolve(P2, {"HOME": str(tmp_path), "REQUESTS_CA_BUNDLE": "/bundle.pem"}, bare, _deadline())
    assert [(t.kind, t.source) for t in r.trust] == [(TrustKind.FILE, "REQUESTS_CA_BUNDLE")]
    r = poetry.resolve(P2, {"HOME": str(tmp_path)}, bare, _deadline())
    assert [t.kind for t in r.trust] == [TrustKind.CERTIFI]


def test_cert_false_in_config_is_off_but_in_the_environment_a_path(tmp_path):
    env = _config(tmp_path, "[certificates.corp]\ncert = false\n")
    proj = _project(tmp_path / "p", SOURCES)
    assert [t.kind for t in poetry.resolve(P2, env, proj, _deadline()).trust] == [TrustKind.OFF]
    r = poetry.resolve(P2, {"HOME": str(tmp_path), "POETRY_CERTIFICATES_CORP_CERT": "false"}, proj, _deadline())
    assert _trust(r) == [(TrustKind.FILE, "false", "certificates.corp.cert")]
    assert any("read by Poetry as a path" in w for w in r.warnings)


def test_certificates_follow_the_repository_matched_by_url(tmp_path):
    # A configured repository on the same host, listed before the source:
    # Poetry's authenticator picks it (equal path match, configuration order).
    env = _config(tmp_path, '[repositories.mirror]\nurl = "https://corp.example/simple/"\n'
                            '[certificates.mirror]\ncert = "/mirror.pem"\n[certificates.corp]\ncert = "/corp.pem"\n')
    r = poetry.resolve(P2, env, _project(tmp_path / "p", SOURCES), _deadline())
    assert _trust(r)[0][1] == "/mirror.pem" and any("'mirror'" in w for w in r.warnings)
    named = {s.name: s.value for s in r.settings}
    assert named[poetry.SOURCE_SETTING] == "corp" and named[poetry.CERTIFICATES_SETTING] == "mirror"
    # control: a repository on another host does not interfere
    env = _config(tmp_path, '[repositories.mirror]\nurl = "https://elsewhere.example/simple/"\n'
                            '[certificates.mirror]\ncert = "/mirror.pem"\n[certificates.corp]\ncert = "/corp.pem"\n')
    r = poetry.resolve(P2, env, _project(tmp_path / "p", SOURCES), _deadline())
    assert _trust(r)[0][1] == "/corp.pem" and not any("mirror" in w for w in r.warnings)


def test_secrets_in_source_urls_and_proxies_are_hidden(tmp_path):
    src = SOURCES.replace("https://corp.example", "https://me:%s@corp.example" % SECRET)
    env = {"HOME": str(tmp_path), "HTTPS_PROXY": "http://u:%s@proxy:3128" % SECRET}
    r = poetry.resolve(P2, env, _project(tmp_path / "p", src), _deadline())
    assert SECRET in r.index_url and r.proxy == env["HTTPS_PROXY"]  # raw for the request itself
    assert SECRET not in repr(r.settings) and SECRET not in repr(r.warnings)


def test_the_fallback_toml_reader_agrees_with_tomllib(tmp_path):
    tomllib = pytest.importorskip("tomllib")
    text = (SOURCES + '\n[tool.poetry.dependencies]\npython = ">=3.8"\nx = {version = "*"}\n'
            '[certificates."my.repo"]\ncert = \'C:\\\\ca.pem\'  # comment\nclient-cert = "/a b.pem"\n'
            "[installer]\nno-binary = [\"a\", 'b']\nparallel = false\nmax-workers = 4\n")
    want = tomllib.loads(text)
    got = poetry._mini_toml(text)
    assert got["tool"]["poetry"]["source"] == want["tool"]["poetry"]["source"]
    assert got["certificates"] == want["certificates"]
    assert got["installer"] == want["installer"]


def test_find_reads_the_interpreter_from_the_script(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    # pip's launcher for a path too long for a shebang
    script = bindir / "poetry"
    script.write_text("#!/bin/sh\n'''exec' \"/very long/venv/bin/python\" \"$0\" \"$@\"\n' '''\nimport sys\n")
    assert poetry._shebang_python(str(script), {}) == "/very long/venv/bin/python"
    script.write_text("#!/opt/pipx/venvs/poetry/bin/python\nimport sys\n")
    assert poetry._shebang_python(str(script), {}) == "/opt/pipx/venvs/poetry/bin/python"
    assert poetry.find({"PATH": str(tmp_path)}, None, _deadline()) is None  # control: not on PATH
    # a shim (pyenv, asdf) is no Python script: the version from `poetry --version`, no interpreter,
    # so the request says it could not run rather than failing on the index
    script.write_text("#!/bin/sh\necho 'Poetry (version 2.1.3)'\n")
    script.chmod(0o755)
    found = poetry.find({"PATH": str(bindir), "HOME": str(tmp_path)}, None, _deadline())
    assert found == Found("poetry", str(script), "2.1.3", None)
    r = poetry.resolve(found, {"HOME": str(tmp_path)}, str(tmp_path), _deadline())
    req = poetry.request(r, {}, _deadline(), str(tmp_path))
    assert req.status == RequestStatus.COULD_NOT_RUN and "interpreter" in req.detail


# --- the real Poetry -----------------------------------------------------------------


def _tool(tid):
    from tlsdoctor.lab import clients, tools

    try:
        return tools.get(tid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.lab
def test_find_through_a_pipx_style_symlink(tmp_path):
    tool = _tool("poetry2.5.1-py3.13")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    os.symlink(tool.exe, str(bindir / "poetry"))
    found = poetry.find({"PATH": str(bindir), "HOME": str(tmp_path)}, None, _deadline())
    assert found.path == str(bindir / "poetry") and found.python == tool.python and found.version == "2.5.1"


@pytest.mark.lab
@pytest.mark.parametrize("tid", [pytest.param("poetry1.8.5-py3.11", marks=pytest.mark.matrix), "poetry2.5.1-py3.13"])
def test_authenticator_request_agrees_with_poetry_lock(tid, tmp_path):
    from tlsdoctor.lab import scenarios, tools

    tool = _tool(tid)
    with scenarios.get("untrusted-ca").start() as running:
        env, _ = tools.tool_environ(tool, dict(running.env), translate=False)
        env["PATH"] = tool.bindir + os.pathsep + os.defpath
        ca = os.path.join(running.workdir, "pki", "index-ca.pem")
        argv, proj = tools.prepare(tool, running.workdir, running.index_url)  # the lab's own project, source "lab"

        def both(e):
            found = poetry.find(e, None, _deadline())
            resolved = poetry.resolve(found, e, proj, _deadline())
            ours = poetry.request(resolved, e, _deadline(60), str(tmp_path))
            code, output = tools.run_tool(argv, e, proj, timeout=180)
            return resolved, ours, code, output

        resolved, ours, code, output = both(env)
        assert resolved.index_url == running.index_url and resolved.trust[0].kind == TrustKind.CERTIFI
        assert code != 0  # the real `poetry lock` fails too
        assert ours.status == RequestStatus.FAILED
        assert "CERTIFICATE_VERIFY_FAILED" in ours.output, ours.output
        if tool.version.startswith("2."):
            # Poetry 2 prints no TLS reason without -v; the request recovers it
            assert "CERTIFICATE_VERIFY_FAILED" not in output and "All attempts to connect" in ours.output
        # the source cert (POETRY_CERTIFICATES_LAB_CERT) wins even over a wrong REQUESTS_CA_BUNDLE
        import trustme

        other = str(tmp_path / "unrelated-ca.pem")
        trustme.CA(organization_unit_name="unrelated CA").cert_pem.write_to_path(other)
        env2 = dict(env, POETRY_CERTIFICATES_LAB_CERT=ca, REQUESTS_CA_BUNDLE=other)
        resolved, ours, code, output = both(env2)
        assert [(t.kind, t.path) for t in resolved.trust] == [(TrustKind.FILE, ca)]
        assert code == 0, output
        assert ours.status == RequestStatus.OK, ours.output


@pytest.mark.lab
def test_healthy_direct_ok_and_poetry_internals_missing(tmp_path):
    from tlsdoctor.lab import scenarios, tools

    tool = _tool("poetry2.5.1-py3.13")
    with scenarios.get("healthy-direct").start() as running:
        env, _ = tools.tool_environ(tool, dict(running.env))  # PIP_CERT -> POETRY_CERTIFICATES_LAB_CERT
        argv, proj = tools.prepare(tool, running.workdir, running.index_url)
        found = poetry.find(dict(env, PATH=tool.bindir), None, _deadline())
        resolved = poetry.resolve(found, env, proj, _deadline())
        ours = poetry.request(resolved, env, _deadline(60), str(tmp_path))
        code, output = tools.run_tool(argv, env, proj, timeout=180)
        assert code == 0 and ours.status == RequestStatus.OK, (output, ours.output)
        # POETRY_CERTIFICATES_LAB_CERT=false: a path, and the reason Poetry 2 hides comes out
        bad = dict(env, POETRY_CERTIFICATES_LAB_CERT="false")
        req = poetry.request(poetry.resolve(found, bad, proj, _deadline()), bad, _deadline(60), str(tmp_path))
        assert req.status == RequestStatus.FAILED and "invalid path: false" in req.output, req.output
        # an interpreter without Poetry: a clear could_not_run, not a failure of the index
        broken = poetry.Resolved(Found("poetry", tool.exe, "2.5.1", sys.executable), resolved.index_url,
                                 resolved.settings, resolved.trust)
        req = poetry.request(broken, env, _deadline(60), str(tmp_path))
        assert req.status == RequestStatus.COULD_NOT_RUN and "not importable" in req.detail, req
