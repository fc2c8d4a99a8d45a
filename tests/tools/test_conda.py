"""conda: ``.condarc`` resolution by conda's rules over real files (no conda client can run here).

Every file is a real ``.condarc`` in a temporary HOME / ``$CONDARC`` /
``condarc.d``; the order and merge rules under test are conda's own
(conda/base/constants.py SEARCH_PATH, common/configuration.py merges), cited
in ``tlsdoctor.tools.conda``.
"""

from __future__ import annotations

import os
import time

import pytest

from tlsdoctor.tools import Found, RequestStatus, TrustKind, conda

SECRET = "s3cr3t-pa55"
FOUND = Found("conda", None, None)

pytestmark = pytest.mark.skipif(any(os.path.exists(p) for p in conda._SYSTEM),
                                reason="this machine has a system-wide .condarc, which conda would read too")


def _deadline() -> float:
    return time.monotonic() + 10


def _home(tmp_path, condarc: str = "", **files: str) -> dict:
    home = tmp_path / "home"
    home.mkdir(parents=True, exist_ok=True)
    if condarc:
        (home / ".condarc").write_text(condarc)
    for rel, text in files.items():
        p = home / rel.replace("__", "/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return {"HOME": str(home), "PATH": str(tmp_path / "nobin")}


def _resolve(env):
    return conda.resolve(FOUND, env, "/", _deadline())


def _trust(r):
    return [(t.kind, t.path, t.source) for t in r.trust]


def test_ssl_verify_values(tmp_path):
    ca = tmp_path / "corp.pem"
    ca.write_text("x")
    env = _home(tmp_path, "ssl_verify: %s\n" % ca)
    assert _trust(_resolve(env)) == [(TrustKind.FILE, str(ca), "ssl_verify")]
    env = _home(tmp_path, "ssl_verify: truststore\n")
    assert _trust(_resolve(env)) == [(TrustKind.OS, None, "ssl_verify")]
    for off in ("false", "no", "'off'"):  # conda's boolify(return_string=True)
        env = _home(tmp_path, "verify_ssl: %s\n" % off)  # the alias
        assert [t.kind for t in _resolve(env).trust] == [TrustKind.OFF], off
    env = _home(tmp_path, "ssl_verify: %s\n" % (tmp_path / "gone.pem"))
    assert any("conda rejects the setting" in w for w in _resolve(env).warnings)
    # control: no file at all -> conda's default (requests' certifi)
    env = _home(tmp_path)
    os.remove(os.path.join(env["HOME"], ".condarc"))
    assert [t.kind for t in _resolve(env).trust] == [TrustKind.CERTIFI]


def test_later_files_and_the_environment_win_unless_final(tmp_path):
    a, b = tmp_path / "a.pem", tmp_path / "b.pem"
    a.write_text("x")
    b.write_text("x")
    condarc_env = tmp_path / "explicit.yml"
    condarc_env.write_text("ssl_verify: %s\n" % b)
    env = _home(tmp_path, "ssl_verify: %s\n" % a)
    env["CONDARC"] = str(condarc_env)  # $CONDARC is the last file of the search path
    r = _resolve(env)
    assert _trust(r)[0][1] == str(b)
    assert [(s.value, s.effective) for s in r.settings if s.name == "ssl_verify"] == [(str(a), False), (str(b), True)]
    # CONDA_SSL_VERIFY comes after every file
    assert [t.kind for t in _resolve(dict(env, CONDA_SSL_VERIFY="truststore")).trust] == [TrustKind.OS]
    # ...unless an earlier file marks its value #!final (the first final one wins)
    env = _home(tmp_path, "ssl_verify: %s  #!final\n" % a, **{".config__conda__.condarc": "ssl_verify: false\n"})
    env["CONDARC"] = str(condarc_env)
    r = _resolve(dict(env, CONDA_SSL_VERIFY="truststore"))
    assert _trust(r)[0][1] == str(a)
    # control: without the flag the same files end with $CONDARC's value
    env = _home(tmp_path, "ssl_verify: %s\n" % a)
    env["CONDARC"] = str(condarc_env)
    assert _trust(_resolve(env))[0][1] == str(b)


def test_search_path_order_and_condarc_d(tmp_path):
    env = _home(tmp_path, "ssl_verify: truststore\n",
                **{".conda__condarc.d__20-off.yml": "ssl_verify: false\n",
                   ".conda__condarc.d__10-on.yaml": "ssl_verify: true\n",
                   ".conda__condarc.d__ignored.txt": "ssl_verify: false\n"})
    files = conda.search_files(env)
    names = [os.path.relpath(p, env["HOME"]) for p in files]
    assert names == [".conda/condarc.d/10-on.yaml", ".conda/condarc.d/20-off.yml", ".condarc"]
    # ~/.condarc is after ~/.conda/: it wins
    assert [t.kind for t in _resolve(env).trust] == [TrustKind.OS]
    # $CONDA_ROOT and $XDG_CONFIG_HOME entries count only when the variable is set
    root = tmp_path / "root"
    root.mkdir()
    (root / ".condarc").write_text("channels: [root-only]\n")
    assert str(root / ".condarc") not in conda.search_files(env)
    assert conda.search_files(dict(env, CONDA_ROOT=str(root)))[0] == str(root / ".condarc")


def test_channels_index_and_proxies(tmp_path):
    env = _home(tmp_path, (
        "channel_alias: https://mirror.corp.example/conda\n"
        "channels:\n  - conda-forge\n  - defaults\n"
        "proxy_servers:\n  http: http://me:%s@proxy:3128\n  https: 'http://me:%s@proxy:3128'\n"
        "client_ssl_cert: /me.pem\n" % (SECRET, SECRET)))
    extra = tmp_path / "extra.yml"
    extra.write_text("channels: [https://other.example/chan]\n")
    r = _resolve(env)
    assert r.index_url == "https://mirror.corp.example/conda/conda-forge"
    assert r.proxy == "http://me:%s@proxy:3128" % SECRET and r.client_cert == "/me.pem"
    assert SECRET not in repr(r.settings) and SECRET not in repr(r.warnings)
    # sequences: the later file's entries come first
    env["CONDARC"] = str(extra)
    assert _resolve(env).index_url == "https://other.example/chan"
    # ...if conda reads it at all: a file named neither .condarc/condarc nor *.yml/*.yaml is skipped
    misnamed = tmp_path / "extra.condarc"
    extra.rename(misnamed)
    assert _resolve(dict(env, CONDARC=str(misnamed))).index_url == "https://mirror.corp.example/conda/conda-forge"
    # an https_proxy variable beats proxy_servers (requests: request-level over session)
    assert _resolve(dict(env, https_proxy="http://envproxy:8080")).proxy == "http://envproxy:8080"
    # control: nothing configured -> defaults -> repo.anaconda.com
    plain = _home(tmp_path / "x")
    assert _resolve(plain).index_url == conda.DEFAULT_CHANNELS[0] and _resolve(plain).proxy is None


def test_requests_ca_bundle_overrides_ssl_verify(tmp_path):
    ca = tmp_path / "b.pem"
    ca.write_text("x")
    env = _home(tmp_path, "ssl_verify: false\n")
    r = _resolve(dict(env, REQUESTS_CA_BUNDLE=str(ca)))
    assert _trust(r) == [(TrustKind.FILE, str(ca), "REQUESTS_CA_BUNDLE")]
    assert any("overrides ssl_verify" in w for w in r.warnings)
    # with truststore the OS store stays and the bundle is loaded as well
    env = _home(tmp_path, "ssl_verify: truststore\n")
    r = _resolve(dict(env, REQUESTS_CA_BUNDLE=str(ca)))
    assert [t.kind for t in r.trust] == [TrustKind.OS, TrustKind.FILE]
    # control: without the variable, only ssl_verify counts
    assert _trust(_resolve(env)) == [(TrustKind.OS, None, "ssl_verify")]


def test_yaml_reader_reports_what_it_cannot_read(tmp_path):
    data, problems = conda.load_condarc(
        "# comment\nchannels:\n  - a  #!top\n  - 'b'\nssl_verify: \"/p q.pem\"\n"
        "custom_channels: {x: 'https://h/c', y: z}\n&anchor weird\n")
    assert data["channels"].value == ["a", "b"] and data["channels"].item_flags == ("top", None)
    assert data["ssl_verify"].value == "/p q.pem"
    assert data["custom_channels"].value == {"x": "https://h/c", "y": "z"}
    assert problems == ["line 7: &anchor weird"]


def test_find_and_request(tmp_path):
    env = _home(tmp_path)
    assert conda.find(env, None, _deadline()) is None  # control: no conda, no .condarc
    env = _home(tmp_path, "ssl_verify: true\n")
    found = conda.find(env, None, _deadline())
    assert found == Found("conda", None, None, None)
    req = conda.request(_resolve(env), env, _deadline(), str(tmp_path))
    assert req.status == RequestStatus.COULD_NOT_RUN and req.detail == "could not confirm with conda itself"
