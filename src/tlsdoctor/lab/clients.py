"""Real pip clients for the lab: one interpreter + one pip version each.

A client is a cached virtual environment (``python -m venv`` + ``pip install
pip==X``) under the lab cache (``$TLSDOCTOR_LAB_CACHE``, else
``~/.cache/tlsdoctor/lab``). Python 2.7 has no ``venv``: its client is the
pyenv interpreter itself with the pip it ships (19.2.3 for 2.7.18).

Interpreters are found under ``pyenv root`` (``$PYENV_ROOT``, else ~/.pyenv);
a missing one raises ``ClientUnavailable`` so that callers can skip cleanly.
An interpreter that is there but whose venv or pip cannot be made raises
``ClientBuildError``: that is a broken set-up, never a reason to skip.

Two environments, on purpose:

- ``build_environ`` is for *building* a client (``pip install pip==X`` from
  the package registry). It is the machine's own: its CA variables, its
  global pip.conf, its proxies are how this machine reaches the registry
  (on a fresh CI box, without them the install fails). The test suite scrubs
  ``os.environ`` per test, so it saves the original with
  ``save_build_environ`` when it is imported, before any scrubbing.
- ``client_environ`` is for running a client's pip *against a scenario*, and
  is built from nothing: this machine (and many users' machines) sets
  SSL_CERT_FILE, REQUESTS_CA_BUNDLE, PIP_CERT and a global pip.conf, any of
  which would change the outcome.
"""

from __future__ import annotations

import fcntl
import glob
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

# The pip versions the lab records (issue 2): one client each. The Python each
# runs on is the newest that pip version supports well: pip 21.1 predates 3.10,
# pip 26.1+ requires Python >= 3.10.
DEFAULT_CLIENTS: List[Tuple[str, str]] = [
    ("2.7", "19.2.3"),
    ("3.6", "18.1"),
    ("3.7", "22.0.4"),  # 3.7 and 3.8 show how old Pythons misname OpenSSL 3 errors
    ("3.8", "23.0.1"),
    ("3.9", "21.1.3"),
    ("3.10", "22.0.4"),
    ("3.11", "23.2.1"),
    ("3.12", "24.2"),
    ("3.13", "25.3"),
    ("3.13", "26.1.2"),  # the first pip on urllib3 2.x
    ("3.13", "26.3"),
]

# pip versions that are the interpreter's own (no venv needed: pyenv ships them).
_BUILTIN_PIP = {"2.7": "19.2.3", "3.6": "18.1"}


class ClientUnavailable(Exception):
    """The interpreter is not on this machine (callers may skip)."""


class ClientBuildError(Exception):
    """The interpreter is here, but its venv or pinned pip could not be made.

    Not a ``ClientUnavailable``: a test must fail on it, not skip, or a
    machine that cannot reach the registry silently tests nothing.
    """


@dataclass(frozen=True)
class Client:
    id: str  # e.g. "py3.11-pip23.2.1"
    python: str  # path of the interpreter that runs pip
    python_version: str  # e.g. "3.11.7"
    pip_version: str

    @property
    def bindir(self) -> str:
        return os.path.dirname(self.python)

    @property
    def python_tuple(self) -> Tuple[int, ...]:
        return version_tuple(self.python_version)

    @property
    def pip_tuple(self) -> Tuple[int, ...]:
        return version_tuple(self.pip_version)


def version_tuple(text: str) -> Tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text)[:3])


def client_id(python_minor: str, pip_version: str) -> str:
    return "py%s-pip%s" % (python_minor, pip_version)


def cache_dir() -> str:
    base = os.environ.get("TLSDOCTOR_LAB_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "tlsdoctor", "lab"
    )
    os.makedirs(base, exist_ok=True)
    return base


def pyenv_root() -> str:
    return os.environ.get("PYENV_ROOT") or os.path.join(os.path.expanduser("~"), ".pyenv")


def find_interpreter(python_minor: str) -> Tuple[str, str]:
    """The newest pyenv CPython ``python_minor``.x: (path, full version)."""
    candidates = []
    for d in glob.glob(os.path.join(pyenv_root(), "versions", python_minor + ".*")):
        version = os.path.basename(d)
        exe = os.path.join(d, "bin", "python")
        if re.fullmatch(re.escape(python_minor) + r"\.\d+", version) and os.access(exe, os.X_OK):
            candidates.append((version_tuple(version), exe, version))
    if not candidates:
        raise ClientUnavailable("no CPython %s under %s" % (python_minor, pyenv_root()))
    _, exe, version = max(candidates)
    return exe, version


def ensure(python_minor: str, pip_version: str) -> Client:
    """Return the client, creating its venv the first time (under a file lock)."""
    exe, full = find_interpreter(python_minor)
    cid = client_id(python_minor, pip_version)
    if _BUILTIN_PIP.get(python_minor) == pip_version:
        return Client(cid, exe, full, pip_version)
    venv = os.path.join(cache_dir(), "venvs", cid)
    python = os.path.join(venv, "bin", "python")
    marker = os.path.join(venv, ".tlsdoctor-ready")
    os.makedirs(os.path.dirname(venv), exist_ok=True)
    with open(venv + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers may ask at once
        if not os.path.exists(marker):
            _create_venv(exe, venv, pip_version)
            with open(marker, "w") as f:
                f.write(pip_version + "\n")
    return Client(cid, python, full, pip_version)


# Variables that send an interpreter to other libraries or code: never
# inherited by the build, whatever the saved environment holds (a test that
# set PYTHONPATH for tlsdoctor must not redirect a pyenv python's venv).
_NOT_FOR_BUILD = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV", "__PYVENV_LAUNCHER__",
                  "LD_PRELOAD", "FAKETIME", "OPENSSL_CONF", "OPENSSL_MODULES")

_saved_build_environ: Optional[Dict[str, str]] = None


def save_build_environ(environ: Optional[Dict[str, str]] = None) -> None:
    """Remember the machine's own environment for building clients.

    ``tests/conftest.py`` calls it at import, before its per-test scrubbing,
    so that a client first needed inside a (scrubbed) test still installs
    its pip the way this machine reaches the registry.
    """
    global _saved_build_environ
    _saved_build_environ = dict(os.environ if environ is None else environ)


def build_environ() -> Dict[str, str]:
    """The environment ``pip install pip==X`` runs in: the machine's own
    (saved by ``save_build_environ``, else the current one), minus variables
    that redirect the interpreter itself."""
    base = _saved_build_environ if _saved_build_environ is not None else dict(os.environ)
    return {k: v for k, v in base.items() if k.upper() not in _NOT_FOR_BUILD}


def _create_venv(exe: str, venv: str, pip_version: str) -> None:
    # Installing pip itself is the one step that talks to the package
    # registry, with the machine's own configuration (build_environ);
    # everything the lab runs afterwards uses client_environ() and loopback only.
    env = build_environ()
    steps = [
        [exe, "-m", "venv", "--clear", venv],
        [os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q",
         "--disable-pip-version-check", "pip==" + pip_version],
    ]
    for argv in steps:
        try:
            proc = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ClientBuildError("could not make %s: %s: %s" % (venv, " ".join(argv), exc)) from exc
        if proc.returncode != 0:
            raise ClientBuildError(
                "could not make %s: %s\n%s" % (venv, " ".join(argv), proc.stdout.decode("utf-8", "replace")[-2000:])
            )


def parse_id(cid: str) -> Tuple[str, str]:
    """``py3.11-pip23.2.1`` -> ("3.11", "23.2.1")."""
    m = re.fullmatch(r"py(\d+\.\d+)-pip([\w.]+)", cid)
    if not m:
        raise ValueError("client ids look like py3.11-pip23.2.1, not %r" % cid)
    return m.group(1), m.group(2)


def spec(cid: str) -> Client:
    """A Client with only the versions of ``cid`` (no interpreter, nothing made):
    enough to ask a scenario what it expects of that client."""
    py, pip = parse_id(cid)
    return Client(cid, "", py + ".0", pip)


def get(cid: str) -> Client:
    """A client by id (``py3.11-pip23.2.1``), its venv made if need be."""
    return ensure(*parse_id(cid))


def default_clients() -> List[str]:
    return [client_id(py, pip) for py, pip in DEFAULT_CLIENTS]


def client_environ(client: Client, scenario_env: Dict[str, str], home: Optional[str] = None) -> Dict[str, str]:
    """The whole environment for running ``client``'s pip against a scenario.

    Nothing is inherited from this process: no CA variables, no proxies, no
    PIP_* settings, no global pip.conf (PIP_CONFIG_FILE=os.devnull makes pip
    skip every config file, unless the scenario brings its own file).
    """
    home = home or scenario_env.get("HOME") or os.path.join(cache_dir(), "home")
    env = {
        "PATH": os.pathsep.join([client.bindir, "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "XDG_CONFIG_HOME": os.path.join(home, ".config"),
        "XDG_CONFIG_DIRS": os.path.join(home, ".xdg"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
        "PIP_NO_COLOR": "1",
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
    }
    env.update(scenario_env)
    return env


def pip_download_argv(client: Client, dest: str, package: str, extra: Optional[List[str]] = None) -> List[str]:
    """``python -m pip download`` of the lab's package (a name, or its wheel's URL), as a user would run it."""
    return [client.python, "-m", "pip", "download", "--no-deps", "--dest", dest, package] + list(extra or [])


def run_pip(client: Client, env: Dict[str, str], argv: List[str], timeout: float = 300) -> Tuple[int, str]:
    """Run real pip; return (exit code, combined stdout+stderr)."""
    proc = subprocess.run(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, timeout=timeout
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace")



def from_interpreter(python: str) -> Client:
    """A client for any interpreter, with whatever pip it has."""
    code = (
        "import sys\n"
        "try:\n import pip; v = pip.__version__\n"
        "except Exception: v = ''\n"
        "sys.stdout.write('%d.%d.%d %s' % (sys.version_info[0], sys.version_info[1], sys.version_info[2], v))\n"
    )
    try:
        proc = subprocess.run([python, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClientUnavailable("cannot run %s: %s" % (python, exc)) from exc
    parts = proc.stdout.decode("utf-8", "replace").split()
    if proc.returncode != 0 or len(parts) != 2:
        raise ClientUnavailable("%s has no usable pip (%s)" % (python, proc.stderr.decode("utf-8", "replace")[-300:]))
    py_version, pip_version = parts
    minor = ".".join(py_version.split(".")[:2])
    return Client(client_id(minor, pip_version), python, py_version, pip_version)
