"""Real clients beyond pip for the lab: uv, Poetry, and plain requests / httpx scripts.

Issue 12: a developer's pip may work while uv, Poetry or a requests script fails
on the same machine, because each tool has its own trust path. This module
builds those tools for real (each in a cached venv made from a pyenv Python and
the tool's own release from the package registry, like ``clients.ensure`` does
for pip), runs them against the lab's scenarios, and records what they print.

    python -m tlsdoctor.lab.tools build [--tool ID ...]
    python -m tlsdoctor.lab.tools record [--scenario NAME ...] [--tool ID|all ...] [--jobs N] [--out DIR]

Tool ids: ``uv0.13.9`` (the uv wheel ships the static binary; it runs on
Python 3.13 only to have an interpreter to install for), ``poetry2.5.1-py3.13``,
``requests2.34.2-py3.11``, ``httpx0.28.1-py3.13``.

How each tool meets a scenario. The scenarios speak pip's language
(``PIP_INDEX_URL``, ``PIP_CERT`` ...). Everything in the scenario's environment
is passed on as it is (uv ignores ``PIP_*`` and pip.conf: that is a fact the
recordings show), and the *intent* of the pip-only settings is translated to
each tool's own switch, the way a user of that tool would say it:

=================  ======================  ==============================  ========================
pip (scenario)     uv                      Poetry (source ``lab``)         requests / httpx script
=================  ======================  ==============================  ========================
PIP_INDEX_URL      ``--index-url URL``     ``[[tool.poetry.source]]`` url  the URL it GETs
PIP_CERT           SSL_CERT_FILE           POETRY_CERTIFICATES_LAB_CERT    REQUESTS_CA_BUNDLE /
                                                                           SSL_CERT_FILE (httpx)
PIP_CLIENT_CERT    SSL_CLIENT_CERT         POETRY_CERTIFICATES_LAB_        (none)
                                           CLIENT_CERT
PIP_TRUSTED_HOST   UV_INSECURE_HOST        POETRY_CERTIFICATES_LAB_CERT=   (none)
                                           false
=================  ======================  ==============================  ========================

A translated variable never overrides one the scenario sets itself (e.g.
bundle-path-missing's REQUESTS_CA_BUNDLE is the breakage under test).

Building a tool is the one step that reaches the registry, with this machine's
own pip settings; every run against a scenario uses ``tool_environ``: nothing
inherited, an isolated HOME and XDG directories (no user uv.toml, Poetry
config or keyring leaks in), and each tool's cache off or fresh.

A tool that cannot be built raises ``ToolBuildFailed`` (a failure, never a
skip); only a missing base interpreter raises ``clients.ClientUnavailable``.
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from tlsdoctor.lab import clients, index

KINDS = ("uv", "poetry", "requests", "httpx")
# Clients this machine already has, recorded only to reproduce their KB entries
# (explain's advice for curl, git, npm and Python's urllib): not in the default
# matrix, never built. curl, git and npm are the system's binaries (their
# versions are whatever --version reports); urllib is a bare venv of a lab
# Python running urllib.request.urlopen, as a script using only the stdlib would.
SYSTEM_KINDS = ("curl", "git", "npm")
EXTRA_KINDS = ("urllib",) + SYSTEM_KINDS
EXTRA_TOOLS = ["urllib-py3.13", "curl", "git", "npm"]

# The tool versions the lab records. uv spans its trust changes: 0.4 (webpki
# roots, --native-tls), 0.10.12 (the last before 0.11 renamed --native-tls to
# --system-certs and moved to rustls-platform-verifier), and the newest (0.12+
# treats a set-but-unloadable SSL_CERT_FILE as "trust nothing").
DEFAULT_TOOLS: List[Tuple[str, str, str]] = [
    ("uv", "0.4.30", "3.13"),
    ("uv", "0.10.12", "3.13"),
    ("uv", "0.13.9", "3.13"),
    ("poetry", "1.8.5", "3.11"),
    ("poetry", "2.5.1", "3.13"),
    ("requests", "2.34.2", "3.11"),
    ("requests", "2.34.2", "3.13"),  # urllib3 2 on 3.13 adds VERIFY_X509_STRICT
    ("httpx", "0.28.1", "3.11"),
    ("httpx", "0.28.1", "3.13"),
]

# The source name the lab's Poetry projects use: POETRY_CERTIFICATES_LAB_CERT.
POETRY_SOURCE = "lab"

TOOL_RECORDINGS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tool_recordings")

# One GET of the index page with the library's defaults, as a user's script
# would do it; an exception propagates, so the output is the user's traceback.
_SCRIPTS = {
    "requests": (
        "import sys\n"
        "import requests\n"
        "r = requests.get(sys.argv[1], timeout=30)\n"
        "print(r.status_code, r.reason)\n"
        "r.raise_for_status()\n"
    ),
    "httpx": (
        "import sys\n"
        "import httpx\n"
        "r = httpx.get(sys.argv[1], timeout=30)\n"
        "print(r.status_code, r.reason_phrase)\n"
        "r.raise_for_status()\n"
    ),
    "urllib": (
        "import sys\n"
        "import urllib.request\n"
        "r = urllib.request.urlopen(sys.argv[1], timeout=30)\n"
        "print(r.status, r.reason)\n"
    ),
}
SCRIPT_NAME = "lab_get.py"


class ToolBuildFailed(RuntimeError):
    """The tool's venv could not be made (the registry, a wheel, pip): a failure, not a skip."""


@dataclass(frozen=True)
class Tool:
    id: str  # e.g. "uv0.13.9", "poetry2.5.1-py3.13"
    kind: str  # uv | poetry | requests | httpx (| urllib | curl | git | npm: EXTRA_KINDS)
    version: str
    python_minor: str
    python: str = ""  # the venv's interpreter ("" for a spec, and for curl / git / npm)
    python_version: str = ""
    binary: str = ""  # curl / git / npm: the system's program

    @property
    def bindir(self) -> str:
        return os.path.dirname(self.python or self.binary)

    @property
    def venv(self) -> str:
        return os.path.dirname(self.bindir) if self.python else ""

    @property
    def exe(self) -> str:
        """What the user runs: the uv binary, the poetry script, the system's curl / git / npm,
        or python for a script."""
        if self.kind in SYSTEM_KINDS:
            return self.binary
        if self.kind in ("uv", "poetry"):
            return os.path.join(self.bindir, self.kind)
        return self.python

    @property
    def version_tuple(self) -> Tuple[int, ...]:
        return clients.version_tuple(self.version)

    def as_client(self) -> clients.Client:
        """A pip-style Client (for clients.client_environ and scenario expectations)."""
        return clients.Client(self.id, self.python, self.python_version or self.python_minor + ".0", "0")


def tool_id(kind: str, version: str, python_minor: str) -> str:
    # uv's binary does not depend on the interpreter it was installed with.
    if kind in SYSTEM_KINDS:
        return kind
    return "%s%s" % (kind, version) if kind == "uv" else "%s%s-py%s" % (kind, version, python_minor)


def parse_id(tid: str) -> Tuple[str, str, str]:
    """``poetry2.5.1-py3.13`` -> ("poetry", "2.5.1", "3.13"); ``uv0.4.30`` -> ("uv", "0.4.30", "3.13");
    ``urllib-py3.13`` -> ("urllib", "", "3.13") (the stdlib of that Python); ``curl`` -> ("curl", "", "")."""
    if tid in SYSTEM_KINDS:
        return tid, "", ""
    m = re.fullmatch(r"urllib-py(\d+\.\d+)", tid)
    if m:
        return "urllib", "", m.group(1)
    m = re.fullmatch(r"(uv|poetry|requests|httpx)(\d+(?:\.\d+)*)(?:-py(\d+\.\d+))?", tid)
    if not m:
        raise ValueError("tool ids look like uv0.13.9, poetry2.5.1-py3.13, requests2.34.2-py3.11, urllib-py3.13 "
                         "or curl / git / npm, not %r" % tid)
    kind, version, py = m.groups()
    if py is None:
        if kind != "uv":
            raise ValueError("%s needs its Python: %s-py3.13" % (tid, tid))
        py = "3.13"
    return kind, version, py


def default_tools() -> List[str]:
    return [tool_id(*t) for t in DEFAULT_TOOLS]


def spec(tid: str) -> Tool:
    kind, version, py = parse_id(tid)
    return Tool(tid, kind, version, py)


def _package(kind: str, version: str) -> List[str]:
    if kind == "urllib":
        return []  # the standard library only
    if kind == "uv":
        return ["uv==" + version]
    if kind == "poetry":
        return ["poetry==" + version]
    return [kind + "==" + version]


def ensure(tid: str) -> Tool:
    """The tool, its venv made the first time (under a file lock, like clients.ensure)."""
    kind, version, py = parse_id(tid)
    if kind in SYSTEM_KINDS:
        return _system_tool(kind)
    exe, full = clients.find_interpreter(py)  # ClientUnavailable: the one allowed skip
    if kind == "urllib":
        version = full
    venv = os.path.join(clients.cache_dir(), "venvs", "tool-" + tid)
    python = os.path.join(venv, "bin", "python")
    marker = os.path.join(venv, ".tlsdoctor-ready")
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    with open(venv + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.exists(marker):
            _create(exe, venv, kind, version)
            with open(marker, "w") as f:
                f.write(tid + "\n")
    tool = Tool(tid, kind, version, py, python, full)
    if not os.access(tool.exe, os.X_OK):
        raise ToolBuildFailed("%s: %s is missing from %s" % (tid, tool.exe, venv))
    return tool


def _system_tool(kind: str) -> Tool:
    """curl / git / npm as installed on this machine (a missing one is unavailable, like a missing Python)."""
    binary = shutil.which(kind)
    if not binary:
        raise clients.ClientUnavailable("%s is not installed here" % kind)
    proc = subprocess.run([binary, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    m = re.search(r"(\d+\.\d+(?:\.\d+)?)", proc.stdout.decode("utf-8", "replace"))
    return Tool(kind, kind, m.group(1) if m else "unknown", "", binary=binary)


def _create(exe: str, venv: str, kind: str, version: str) -> None:
    # The machine's own pip settings (its CA bundle, its index) reach the
    # registry; nothing that the lab runs later inherits them. Under the test
    # suite PIP_CONFIG_FILE=os.devnull (tests/conftest.py) would hide the pip.conf
    # that names this machine's registry and CA: building is the one step that
    # must see it, so that value alone is dropped here.
    env = dict(os.environ)
    if env.get("PIP_CONFIG_FILE") == os.devnull:
        del env["PIP_CONFIG_FILE"]
    steps = [[exe, "-m", "venv", "--clear", venv]]
    if _package(kind, version):
        steps.append([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
                     + _package(kind, version))
    for argv in steps:
        try:
            proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
        except subprocess.TimeoutExpired as exc:
            raise ToolBuildFailed("could not make %s: %s timed out" % (venv, " ".join(argv))) from exc
        if proc.returncode != 0:
            raise ToolBuildFailed(
                "could not make %s: %s\n%s" % (venv, " ".join(argv), proc.stdout.decode("utf-8", "replace")[-2000:])
            )
    if kind in _SCRIPTS:
        with open(os.path.join(venv, SCRIPT_NAME), "w") as f:
            f.write(_SCRIPTS[kind])


def get(tid: str) -> Tool:
    return ensure(tid)


# --- the environment a tool runs in --------------------------------------------------


def tool_environ(tool: Tool, scenario_env: Dict[str, str], home: Optional[str] = None,
                 translate: bool = True) -> Tuple[Dict[str, str], Dict[str, str]]:
    """The whole environment for ``tool`` in a scenario, and what was translated.

    Built from ``clients.client_environ`` (nothing inherited; PIP_CONFIG_FILE
    is os.devnull), the scenario's variables as they are, then the tool's own
    spelling of the scenario's pip-only intent (module docstring). Returns
    ``(env, translated)`` where ``translated`` maps pip's variable to the
    tool's (names only).
    """
    env = clients.client_environ(tool.as_client(), scenario_env, home)
    home = env["HOME"]
    env["NO_COLOR"] = "1"
    translated: Dict[str, str] = {}

    def put(pip_name: str, name: str, value: Optional[str]) -> None:
        if value is None or name in scenario_env or not translate:
            return
        env[name] = value
        translated[pip_name] = name

    cert = scenario_env.get("PIP_CERT")
    client_cert = scenario_env.get("PIP_CLIENT_CERT")
    trusted = scenario_env.get("PIP_TRUSTED_HOST")
    if tool.kind == "uv":
        put("PIP_CERT", "SSL_CERT_FILE", cert)
        put("PIP_CLIENT_CERT", "SSL_CLIENT_CERT", client_cert)
        put("PIP_TRUSTED_HOST", "UV_INSECURE_HOST", trusted)
        # Never reach for a managed Python download (no network but loopback),
        # and bound every request: uv's default is 30 s per read.
        env.update({"UV_PYTHON_DOWNLOADS": "never", "UV_NO_CACHE": "1", "UV_HTTP_TIMEOUT": "20",
                    "UV_CACHE_DIR": os.path.join(home, ".cache", "uv")})
    elif tool.kind == "poetry":
        prefix = "POETRY_CERTIFICATES_%s_" % POETRY_SOURCE.upper()
        put("PIP_CERT", prefix + "CERT", cert)
        put("PIP_CLIENT_CERT", prefix + "CLIENT_CERT", client_cert)
        # PIP_TRUSTED_HOST has no environment spelling in Poetry: the variable
        # POETRY_CERTIFICATES_LAB_CERT=false is read as a *path* "false" (real
        # Poetry 1.8.5: "Could not find a suitable TLS CA certificate bundle,
        # invalid path: false"); run_one writes `cert = false` to config.toml.
        env.update({
            "POETRY_CONFIG_DIR": os.path.join(home, ".config", "pypoetry"),
            "POETRY_CACHE_DIR": os.path.join(home, ".cache", "pypoetry"),
            "POETRY_DATA_DIR": os.path.join(home, ".local", "share", "pypoetry"),
            "POETRY_VIRTUALENVS_CREATE": "false",
            "POETRY_NO_INTERACTION": "1",
            # No desktop keyring (D-Bus) prompts or hangs in a headless run.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        })
    elif tool.kind == "requests":
        put("PIP_CERT", "REQUESTS_CA_BUNDLE", cert)
    elif tool.kind in ("httpx", "urllib"):
        put("PIP_CERT", "SSL_CERT_FILE", cert)
    elif tool.kind == "curl":
        put("PIP_CERT", "CURL_CA_BUNDLE", cert)
    elif tool.kind == "git":
        put("PIP_CERT", "GIT_SSL_CAINFO", cert)
        env["GIT_TERMINAL_PROMPT"] = "0"
    elif tool.kind == "npm":
        # npm_config_cafile replaces Node's roots for the registry, as PIP_CERT replaces certifi.
        put("PIP_CERT", "npm_config_cafile", cert)
        env.update({"npm_config_cache": os.path.join(home, ".npm"), "npm_config_update_notifier": "false",
                    "npm_config_fetch_retries": "0"})
    return env, translated


def write_poetry_config(env: Dict[str, str], text: str) -> str:
    """Write Poetry's user config.toml (what `poetry config` would), in the run's POETRY_CONFIG_DIR."""
    folder = env["POETRY_CONFIG_DIR"]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "config.toml")
    with open(path, "w") as f:
        f.write(text)
    return path


def index_url(running_index_url: str, scenario_env: Dict[str, str]) -> str:
    return scenario_env.get("PIP_INDEX_URL") or running_index_url


POETRY_PYPROJECT = """\
[tool.poetry]
name = "tlsdoctor-lab-probe"
version = "0.1.0"
description = "what a Poetry user's project looks like"
authors = ["tlsdoctor lab"]
package-mode = false

[tool.poetry.dependencies]
python = ">=3.8"
{package} = "*"

[[tool.poetry.source]]
name = "{source}"
url = "{url}"
priority = "primary"
"""


def prepare(tool: Tool, workdir: str, url: str, extra_args: Tuple[str, ...] = ()) -> Tuple[List[str], str]:
    """(argv, cwd) of the tool's decisive request against the index at ``url``."""
    run_dir = tempfile.mkdtemp(prefix="tool-%s-" % tool.kind, dir=workdir)
    if tool.kind == "uv":
        # uv has no `pip download`: install into a throwaway --target with the
        # cache off, so the index page and the wheel are both fetched.
        argv = [tool.exe, "pip", "install", *extra_args, "--no-cache", "--index-url", url, "--python", tool.python,
                "--target", os.path.join(run_dir, "target"), index.PACKAGE]
    elif tool.kind == "poetry":
        with open(os.path.join(run_dir, "pyproject.toml"), "w") as f:
            f.write(POETRY_PYPROJECT.format(package=index.PACKAGE, source=POETRY_SOURCE, url=url))
        argv = [tool.exe, "lock", "--no-interaction", *extra_args]
    elif tool.kind == "curl":
        argv = [tool.exe, "-sS", "--fail", "-o", os.devnull, *extra_args, url]
    elif tool.kind == "git":
        # What `pip install git+https://…` and a clone do first: the smart-HTTP ref discovery.
        argv = [tool.exe, "ls-remote", *extra_args, url]
    elif tool.kind == "npm":
        argv = [tool.exe, "view", index.PACKAGE, "--registry", url, *extra_args]
    else:
        argv = [tool.python, os.path.join(tool.venv, SCRIPT_NAME), url, *extra_args]
    return argv, run_dir


def run_tool(argv: List[str], env: Dict[str, str], cwd: str, timeout: float = 300) -> Tuple[int, str]:
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, timeout=timeout)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def reported_version(tool: Tool) -> str:
    """The version the tool itself reports (uv --version, poetry --version, the library's __version__)."""
    if tool.kind in ("uv", "poetry") or tool.kind in SYSTEM_KINDS:
        argv = [tool.exe, "--version"]
    elif tool.kind == "urllib":
        argv = [tool.python, "-c", "import sys; sys.stdout.write('Python ' + sys.version.split()[0])"]
    else:
        argv = [tool.python, "-c", "import %s, sys; sys.stdout.write(%s.__version__)" % (tool.kind, tool.kind)]
    env, _ = tool_environ(tool, {}, tempfile.gettempdir())
    proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    return proc.stdout.decode("utf-8", "replace").strip().splitlines()[0] if proc.stdout.strip() else ""


def _stable(text: str, tool: Tool, workdir: str) -> str:
    """``text`` with this machine's paths replaced by stable names."""
    text = text.replace(workdir, "$WORKDIR")
    if tool.venv:
        text = text.replace(tool.venv, "$VENV")
    return text.replace(clients.pyenv_root(), "$PYENV_ROOT")


def _shown(argv: List[str], tool: Tool, workdir: str) -> List[str]:
    """argv with this machine's paths replaced by stable names."""
    return [_stable(a, tool, workdir) for a in argv]


def os_store_argv(argv: List[str], store_dir: str) -> List[str]:
    """Run ``argv`` with ``store_dir`` as this machine's OS trust store.

    On Linux "the OS store" is what OpenSSL's default locations hold
    (/etc/ssl/certs on Debian; rustls-native-certs and rustls-platform-verifier
    find it through openssl-probe, truststore through
    ssl.get_default_verify_paths). A private mount namespace binds a lab
    directory over /etc/ssl/certs for this one process tree only, so the
    machine's real store is never touched (needs root and unshare(1)).
    """
    return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
            'mount --bind "$0" /etc/ssl/certs && exec "$@"', store_dir] + list(argv)


def make_os_store(directory: str, *pem_files: str) -> str:
    """A Debian-shaped /etc/ssl/certs holding only ``pem_files``: the bundle
    (ca-certificates.crt) and one OpenSSL subject-hash link per CA."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "ca-certificates.crt"), "wb") as out:
        for i, path in enumerate(pem_files):
            with open(path, "rb") as f:
                data = f.read()
            out.write(data)
            name = "lab-%d.pem" % i
            shutil.copyfile(path, os.path.join(directory, name))
            openssl = shutil.which("openssl")
            if openssl:
                h = subprocess.run([openssl, "x509", "-hash", "-noout", "-in", path], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, timeout=30).stdout.decode().strip()
                if h:
                    os.symlink(name, os.path.join(directory, "%s.%d" % (h, i)))
    return directory


Delta = Dict[str, Optional[str]]


def run_one(scenario: object, tool: Tool, delta: "Optional[Delta] | Callable[[object], Delta]" = None, *,
            translate: bool = True, extra_args: Tuple[str, ...] = (),
            os_store: "Optional[Callable[[object], List[str]]]" = None) -> Dict[str, object]:
    """Serve ``scenario`` and run ``tool`` against it once; the recording's dict.

    ``delta`` changes the scenario's environment first (None unsets a name);
    a callable gets the running scenario (for paths of its CA files), as a
    test's positive or negative control does. ``translate=False`` passes the
    scenario's pip variables on untranslated. ``extra_args`` go to the tool's
    subcommand (uv: after ``pip install``). ``os_store`` returns the PEM files
    the emulated OS store holds (``os_store_argv``).
    """
    with scenario.start() as running:  # type: ignore[attr-defined]
        senv = dict(running.env)
        changes = delta(running) if callable(delta) else (delta or {})
        for k, v in changes.items():
            if v is None:
                senv.pop(k, None)
            else:
                senv[k] = v
        env, translated = tool_environ(tool, senv, translate=translate)
        if tool.kind == "poetry" and translate and "PIP_TRUSTED_HOST" in senv:
            write_poetry_config(env, "[certificates.%s]\ncert = false\n" % POETRY_SOURCE)
            translated["PIP_TRUSTED_HOST"] = "config.toml certificates.%s.cert" % POETRY_SOURCE
        argv, cwd = prepare(tool, running.workdir, index_url(running.index_url, senv), extra_args)
        if os_store is not None:
            store = make_os_store(os.path.join(running.workdir, "os-store"), *os_store(running))
            argv = os_store_argv(argv, store)
        code, output = run_tool(argv, env, cwd)
        events = running.events()
        workdir = running.workdir
    return {
        "scenario": scenario.name,  # type: ignore[attr-defined]
        "causes": list(scenario.causes),  # type: ignore[attr-defined]
        "tool": {"id": tool.id, "kind": tool.kind, "version": tool.version, "python": tool.python_version},
        "argv": _shown(argv, tool, workdir),
        # Names only: values can be secrets (proxy credentials) and are temp paths anyway.
        "env_names": sorted(env),
        "translated": translated,
        "exit_code": code,
        "outcome": "ok" if code == 0 else "fail",
        "output": _stable(output, tool, workdir),
        "server_events": events,
    }


def save(rec: Dict[str, object], out: str) -> str:
    folder = os.path.join(out, str(rec["scenario"]))
    os.makedirs(folder, exist_ok=True)
    variant = rec.get("variant") or "plain"
    suffix = "" if variant == "plain" else "." + str(variant)
    path = os.path.join(folder, "%s%s.json" % (rec["tool"]["id"], suffix))  # type: ignore[index]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(rec, f, indent=2, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    return path


def system_certs_flag(tool: Tool) -> str:
    """uv's switch to the OS store: --native-tls before 0.11, --system-certs since."""
    return "--system-certs" if tool.version_tuple[:2] >= (0, 11) else "--native-tls"


def _os_store_has_inspection_ca(running: object) -> List[str]:
    # The company's inspection root (and the index's own CA) are in the OS store.
    return [os.path.join(running.workdir, "pki", "index-and-inspection.pem")]  # type: ignore[attr-defined]


def _garbage_file(running: object) -> str:
    path = os.path.join(running.workdir, "garbage.pem")  # type: ignore[attr-defined]
    with open(path, "w") as f:
        f.write("not a certificate\n")
    return path


def _garbage_bundle(running: object) -> Delta:
    return {"SSL_CERT_FILE": _garbage_file(running)}


def _garbage_requests_bundle(running: object) -> Delta:
    return {"REQUESTS_CA_BUNDLE": _garbage_file(running)}


def _seclevel_3(running: object) -> Delta:
    # A system-wide OpenSSL policy at security level 3 (RHEL's FUTURE crypto
    # policy): RSA keys under 3072 bits are refused; the lab's leaves are RSA-2048.
    path = os.path.join(running.workdir, "openssl-seclevel3.cnf")  # type: ignore[attr-defined]
    with open(path, "w") as f:
        f.write("openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n[ssl_sect]\n"
                "system_default = system_default_sect\n[system_default_sect]\nCipherString = DEFAULT@SECLEVEL=3\n")
    return {"OPENSSL_CONF": path}


def _proxy_without_scheme(running: object) -> Delta:
    # HTTPS_PROXY=host:port, as people often write it.
    url = running.env["HTTPS_PROXY"]  # type: ignore[attr-defined]
    return {"HTTPS_PROXY": url.split("://", 1)[-1]}


def _intermediate_only_bundle(running: object) -> Delta:
    # The issuing CA without its root, as a bundle exported from a browser's
    # "issued by" often is: missing-intermediate's root-and-intermediate.pem
    # holds the root first, then the intermediate.
    pki = os.path.join(running.workdir, "pki")  # type: ignore[attr-defined]
    with open(os.path.join(pki, "root-and-intermediate.pem")) as f:
        blocks = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", f.read(), re.S)
    path = os.path.join(pki, "intermediate-only.pem")
    with open(path, "w") as f:
        f.write(blocks[-1])
    return {"PIP_CERT": path}  # translated to each tool's own CA setting


@dataclass(frozen=True)
class Variant:
    """A tool-specific situation no pip scenario sets up, recorded as
    ``<scenario>/<tool>.<name>.json`` (the KB's uv entries are reproduced from these)."""

    name: str
    scenario: str
    kinds: Tuple[str, ...]
    delta: "Optional[Delta] | Callable[[object], Delta]" = None
    os_store: "Optional[Callable[[object], List[str]]]" = None
    system_certs: bool = False  # pass uv's OS-store switch for its version
    description: str = ""


VARIANTS = [
    Variant("ssl-cert-file-missing", "untrusted-ca", ("uv", "httpx", "requests", "poetry"),
            {"SSL_CERT_FILE": "/nonexistent/tlsdoctor/ca.pem"},
            description="a global SSL_CERT_FILE names a file that is gone"),
    Variant("ssl-cert-file-garbage", "untrusted-ca", ("uv", "httpx", "urllib"), _garbage_bundle,
            description="SSL_CERT_FILE names a file with no certificate in it"),
    Variant("requests-ca-bundle-garbage", "untrusted-ca", ("requests", "poetry"), _garbage_requests_bundle,
            description="REQUESTS_CA_BUNDLE names a file with no certificate in it"),
    Variant("bundle-intermediate-only", "missing-intermediate", ("uv", "requests", "httpx", "urllib", "curl"),
            _intermediate_only_bundle,
            description="the CA setting names the issuing (intermediate) CA alone, without its root"),
    Variant("openssl-seclevel-3", "healthy-direct", ("uv", "requests", "httpx", "urllib", "curl"), _seclevel_3,
            description="OPENSSL_CONF raises OpenSSL's security level to 3 (RHEL FUTURE policy); the index's key is RSA-2048"),
    # The proxy cannot reach the index (nothing listens on loopback's discard
    # port): the lab's proxy answers CONNECT with 502 Bad Gateway, as a real one does.
    Variant("proxy-upstream-unreachable", "healthy-proxy", ("uv", "requests", "httpx", "urllib", "curl", "poetry"),
            {"PIP_INDEX_URL": "https://localhost:9/simple/"},
            description="the proxy works but cannot reach the index: CONNECT gets 502 Bad Gateway"),
    Variant("proxy-no-scheme", "healthy-proxy", ("uv", "requests", "httpx", "urllib", "curl", "poetry"),
            _proxy_without_scheme, description="HTTPS_PROXY=host:port, without http://"),
    # Nothing listens on the discard port of loopback: the point is what the
    # client says before it connects (requests / httpx need an extra package).
    Variant("socks-proxy", "healthy-direct", ("requests", "httpx", "uv"), {"HTTPS_PROXY": "socks5://127.0.0.1:9"},
            description="HTTPS_PROXY is a socks5:// proxy and the SOCKS extra is not installed"),
    Variant("os-store-trusts-proxy", "intercepting-proxy", KINDS, {"PIP_CERT": None},
            os_store=_os_store_has_inspection_ca,
            description="the corporate case: the OS store trusts the inspection root, nothing else is set"),
    Variant("os-store-system-certs", "intercepting-proxy", ("uv",), {"PIP_CERT": None},
            os_store=_os_store_has_inspection_ca, system_certs=True,
            description="the corporate case with uv's OS-store switch (--native-tls / --system-certs)"),
]


def record_variants(names: List[str], tool_ids: List[str], out: Optional[str] = None, jobs: int = 2) -> int:
    """Record the VARIANTS (all, or ``names``) for every tool of their kinds."""
    from tlsdoctor import __version__
    from tlsdoctor.lab import scenarios

    out = out or TOOL_RECORDINGS_DIR
    chosen = [v for v in VARIANTS if not names or "all" in names or v.name in names]
    ready = [ensure(t) for t in (default_tools() if not tool_ids or "all" in tool_ids else tool_ids)]
    versions = {t.id: reported_version(t) for t in ready}
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")

    def work(pair: Tuple[Variant, Tool]) -> str:
        v, t = pair
        extra = (system_certs_flag(t),) if v.system_certs else ()
        rec = run_one(scenarios.get(v.scenario), t, v.delta, extra_args=extra, os_store=v.os_store)
        rec.update({"variant": v.name, "variant_description": v.description, "recorded_on": today,
                    "tlsdoctor": __version__})
        rec["tool"]["reports"] = versions[t.id]  # type: ignore[index]
        save(rec, out)  # type: ignore[arg-type]
        return "%-26s %-24s %s (exit %s)" % (v.name, t.id, rec["outcome"], rec["exit_code"])

    pairs = [(v, t) for v in chosen for t in ready if t.kind in v.kinds]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for line in pool.map(work, pairs):
            print(line, flush=True)
    return 0


def fix_names(scenario: object) -> List[str]:
    """The scenario's named fixes (pip's language; ``tool_environ`` translates them)."""
    with scenario.start() as running:  # type: ignore[attr-defined]
        return sorted(running.fixes)


def _usage_error(ids: List[str]) -> Optional[str]:
    """The first tool id that is not one, as a message (None when all parse)."""
    for tid in ids:
        try:
            parse_id(tid)
        except ValueError as exc:
            return str(exc)
    return None


def _ready_tools(ids: List[str]) -> List[Tool]:
    ready: List[Tool] = []
    for tid in ids:
        try:
            ready.append(ensure(tid))
        except clients.ClientUnavailable as exc:  # only a missing base interpreter
            sys.stderr.write("skipping %s: %s\n" % (tid, exc))
    return ready


def _record_pairs(chosen: List[object], ready: List[Tool], fixes: bool,
                  verbose: bool) -> List[Tuple[object, Tool, str]]:
    """(scenario, tool, fix name or "") to record; ``verbose`` is for Poetry only."""
    from tlsdoctor.lab import scenarios

    pairs: List[Tuple[object, Tool, str]] = []
    for s in chosen:
        try:
            names = fix_names(s) if fixes else [""]
        except scenarios.ScenarioUnavailable:
            names = [""]  # reported by the run itself
        pairs += [(s, t, n) for n in names for t in ready if not verbose or t.kind == "poetry"]
    return pairs


def _variant_name(fix: str, verbose: bool) -> str:
    if fix:
        return "fix-" + fix
    return "verbose" if verbose else "plain"


def record(scenario_names: List[str], tool_ids: List[str], out: Optional[str] = None, jobs: int = 2,
           verbose: bool = False, fixes: bool = False) -> int:
    """Record every (scenario, tool) pair; 0 when all ran, 1 when one could not run.

    ``verbose`` records Poetry with ``-v`` (saved as ``<id>.verbose.json``):
    Poetry 2.x prints only "All attempts to connect to HOST:PORT failed." and
    generic "Probable Causes" without it, the TLS error only with it.

    ``fixes`` records each of the scenario's fixes instead, translated to the
    tool (``<id>.fix-<name>.json``): whether pip's fix is also the tool's.
    """
    from tlsdoctor import __version__, exitcodes
    from tlsdoctor.lab import scenarios

    out = out or TOOL_RECORDINGS_DIR
    chosen = [scenarios.get(n) for n in scenario_names] if scenario_names else scenarios.all()
    ids = default_tools() if not tool_ids or "all" in tool_ids else tool_ids
    if "extra" in ids:
        ids = [i for i in ids if i != "extra"] + EXTRA_TOOLS
    bad = _usage_error(ids)
    if bad:
        sys.stderr.write("tlsdoctor lab: %s\n" % bad)
        return exitcodes.USAGE
    ready = _ready_tools(ids)
    versions = {t.id: reported_version(t) for t in ready}
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    failures = 0

    def work(item: Tuple[object, Tool, str]) -> Tuple[str, str, str]:
        s, t, fix = item
        delta = (lambda r: r.fixes[fix]) if fix else None
        try:
            rec = run_one(s, t, delta, extra_args=("-v",) if verbose else ())
        except scenarios.ScenarioUnavailable as exc:
            return s.name, t.id, "unavailable: %s" % exc  # type: ignore[attr-defined]
        rec["tool"]["reports"] = versions[t.id]  # type: ignore[index]
        rec["variant"] = _variant_name(fix, verbose)
        rec["recorded_on"] = today
        rec["tlsdoctor"] = __version__
        save(rec, out)  # type: ignore[arg-type]
        return s.name, t.id + (" " + fix if fix else ""), "%s (exit %s)" % (  # type: ignore[attr-defined]
            rec["outcome"], rec["exit_code"])

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for name, tid, result in pool.map(work, _record_pairs(chosen, ready, fixes, verbose)):
            if result.startswith("unavailable"):
                failures += 1
            print("%-30s %-24s %s" % (name, tid, result), flush=True)
    return exitcodes.OK if failures == 0 else exitcodes.PROBLEM


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tlsdoctor.lab.tools", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("build", help="make (or find cached) every tool venv")
    p.add_argument("--tool", action="append", default=[], help="a tool id (default: all)")
    p = sub.add_parser("record", help="run real tools in the scenarios and save their output")
    p.add_argument("--scenario", action="append", default=[], help="only this scenario (repeatable)")
    p.add_argument("--tool", action="append", default=[], help="a tool id or 'all' (default: all)")
    p.add_argument("--out", help="directory (default: the package's tool_recordings/)")
    p.add_argument("--jobs", type=int, default=2, help="runs at once (default 2: the machine is shared)")
    p.add_argument("--verbose", action="store_true", help="Poetry only, with -v (saved as <id>.verbose.json)")
    p.add_argument("--fixes", action="store_true",
                   help="record each scenario's fixes, translated to the tool (saved as <id>.fix-<name>.json)")
    p.add_argument("--variant", action="append", default=[],
                   help="record a tool-specific variant instead (a name from tools.VARIANTS, or 'all')")
    args = parser.parse_args(argv)
    if args.action == "build":
        for tid in args.tool or default_tools():
            t = ensure(tid)
            print("%-24s %s  (%s)" % (tid, t.exe, reported_version(t)), flush=True)
        return 0
    if args.variant:
        return record_variants(args.variant, args.tool, args.out, args.jobs)
    return record(args.scenario, args.tool, args.out, args.jobs, args.verbose, args.fixes)


if __name__ == "__main__":
    sys.exit(main())
