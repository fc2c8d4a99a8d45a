"""Which interpreter check inspects by default: the one behind `pip` on PATH."""

from __future__ import annotations

import os
import sys

from tlsdoctor import probe


def write(path, text, mode=0o755):
    path.write_text(text)
    path.chmod(mode)
    return str(path)


def test_pip_script_shebang(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    write(bindir / "pip", "#!%s\nimport sys\n" % sys.executable)
    choice = probe.find_target({"PATH": str(bindir)})
    assert choice.python == sys.executable and "#!" in choice.how


def test_shim_is_resolved_with_pip_version(tmp_path):
    """pyenv/asdf shims are shell scripts: ask pip where it lives."""
    prefix = tmp_path / "prefix"
    site = prefix / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (prefix / "bin").mkdir()
    py = write(prefix / "bin" / "python3.11", "#!/bin/sh\n")
    bindir = tmp_path / "shims"
    bindir.mkdir()
    write(bindir / "pip", "#!/bin/sh\necho 'pip 23.2.1 from %s/pip (python 3.11)'\n" % site)
    choice = probe.find_target({"PATH": str(bindir) + os.pathsep + "/bin:/usr/bin"})
    assert choice.python == py and "pip --version" in choice.how


def test_no_pip_falls_back_to_python_on_path(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    py = write(bindir / "python3", "#!/bin/sh\n")
    choice = probe.find_target({"PATH": str(bindir)})
    assert choice.python == py and "no usable `pip`" in choice.how


def test_python2_gets_flags_it_understands(tmp_path):
    assert probe.interpreter_command("/x/python2.7", {}, 1)[1:4] == ["-E", "-s", "-B"]
    assert probe.interpreter_command(sys.executable, {}, 1)[1:3] == ["-I", "-B"]
