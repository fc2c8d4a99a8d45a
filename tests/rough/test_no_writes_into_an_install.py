"""kb verify / lab record never write into an installed package: they refuse (exit 2) unless told where.

A real copy of the package is laid out the way pip installs it (``site-packages/tlsdoctor``, no
pyproject.toml above it) and run as a separate interpreter; the control is the same copy under a
source layout (``checkout/src/tlsdoctor`` with tlsdoctor's pyproject.toml).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tlsdoctor import exitcodes
from tlsdoctor.checkout import checkout_root

# The source tree of this test run (CI tests an installed copy: tlsdoctor.__file__ is then in
# site-packages, which is exactly what must be refused, so the layouts are built from the source).
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.join(ROOT, "src", "tlsdoctor")
SRC_PYPROJECT = os.path.join(ROOT, "pyproject.toml")


def _copy(root):
    shutil.copytree(PKG, os.path.join(root, "tlsdoctor"), ignore=shutil.ignore_patterns("__pycache__"))
    return root


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return _copy(str(tmp_path_factory.mktemp("venv") / "lib" / "site-packages"))


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkout")
    shutil.copy(SRC_PYPROJECT, str(root / "pyproject.toml"))
    return _copy(str(root / "src"))


def _run(path, *argv):
    env = dict(os.environ, PYTHONPATH=path)
    p = subprocess.run([sys.executable, "-m", "tlsdoctor"] + list(argv), env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120, cwd=path)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def _entries(path):
    d = os.path.join(path, "tlsdoctor", "kb", "entries")
    return {n: os.path.getmtime(os.path.join(d, n)) for n in os.listdir(d)}


def test_kb_verify_refuses_an_installed_package(installed, tmp_path):
    before = _entries(installed)
    code, out, err = _run(installed, "kb", "verify")
    assert code == exitcodes.USAGE, (out, err)
    assert "installed" in err and "--entries" in err
    assert _entries(installed) == before


def test_kb_verify_in_a_checkout_is_not_refused(checkout):
    # Control: the same code in a source layout goes ahead (its outcome is kb verify's business).
    code, out, err = _run(checkout, "kb", "verify", "--dry-run")
    assert "installed tlsdoctor" not in err
    code, out, err = _run(checkout, "kb", "verify", "--recordings", os.path.join(checkout, "nowhere"))
    assert "installed tlsdoctor" not in err and code == exitcodes.INCOMPLETE  # no recordings there


def test_kb_verify_with_entries_dir_or_dry_run_is_allowed_from_an_install(installed, tmp_path):
    code, out, err = _run(installed, "kb", "verify", "--dry-run", "--recordings", str(tmp_path))
    assert "installed tlsdoctor" not in err
    code, out, err = _run(installed, "kb", "verify", "--entries", str(tmp_path), "--recordings", str(tmp_path))
    assert "installed tlsdoctor" not in err


def test_lab_record_refuses_an_installed_package(installed):
    code, out, err = _run(installed, "lab", "record", "--scenario", "no-such-scenario")
    assert code == exitcodes.USAGE
    assert "installed tlsdoctor" in err and "--out" in err


def test_lab_record_with_out_is_not_refused(installed, tmp_path):
    # Control: with --out the refusal does not apply (the unknown scenario is then the only complaint).
    code, out, err = _run(installed, "lab", "record", "--scenario", "no-such-scenario", "--out", str(tmp_path))
    assert code == exitcodes.USAGE
    assert "installed tlsdoctor" not in err and "no-such-scenario" in err


def test_checkout_root_needs_tlsdoctors_own_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "someone-else"\n')
    (tmp_path / "pkg").mkdir()
    assert checkout_root(str(tmp_path / "pkg")) is None
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "tlsdoctor"\n[tool.x]\nname = "y"\n')
    assert checkout_root(str(tmp_path / "pkg")) == str(tmp_path)
    assert checkout_root(PKG) == ROOT  # the source tree this test runs from
