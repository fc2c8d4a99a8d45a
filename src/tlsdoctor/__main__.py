# /!\ This file must parse on Python 2.7 and 3.6+ (no f-strings, no annotations). /!\
"""``python -m tlsdoctor`` and the root ``__main__.py`` of ``tlsdoctor.pyz``.

tlsdoctor runs on Python >= 3.9, but the user who starts it with an older
one is often exactly the one it can help: their old interpreter is the one
that cannot connect. Instead of the bare ``SyntaxError`` the first f-string or
annotation would give, this gate (like pip's ``__pip-runner__.py``, kept in
Python 2 syntax) says what to do: run tlsdoctor with a newer Python and point
``--python`` at this one — ``check`` probes the target with a file that runs
on Python 2.7 and 3.6+.

``tools/build_pyz.py`` puts this same file at the root of the pyz.
"""

import sys

MIN_PYTHON = (3, 9)


def _too_old_message():
    here = sys.executable or "/path/to/this/python"
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if argv0.endswith(".pyz") or argv0.endswith(".zip"):
        how = "python3 %s" % argv0
    else:
        how = "python3 -m tlsdoctor"
    # ASCII only: Python 2's stderr may have no encoding that can print "≥".
    return (
        "tlsdoctor needs Python >= %d.%d; this is Python %s (%s).\n"
        "Run it with a newer Python and `--python %s` to check this one:\n"
        "    %s check --python %s\n"
        % (MIN_PYTHON[0], MIN_PYTHON[1], sys.version.split()[0], here, here, how, here)
    )


def _lab_missing_message():
    return (
        "tlsdoctor lab is not in this copy of tlsdoctor (the one-file tlsdoctor.pyz carries every\n"
        "command but the lab). The lab runs real pip versions and issues certificates with trustme:\n"
        "install the package with its [lab] extra, e.g. from a source checkout:\n"
        "    python3 -m pip install '.[lab]'\n"
    )


def _main():
    if sys.version_info[:2] < MIN_PYTHON:
        sys.stderr.write(_too_old_message())
        return 2  # a usage error: the same command works with another interpreter
    import importlib.util

    from tlsdoctor import exitcodes
    from tlsdoctor.cli import main

    argv = sys.argv[1:]
    command = next((a for a in argv if not a.startswith("-")), None)
    # tools/build_pyz.py leaves the lab out of the pyz (it needs trustme and
    # real pip venvs): say so instead of "No module named tlsdoctor.lab".
    if command == "lab" and importlib.util.find_spec("tlsdoctor.lab") is None:
        sys.stderr.write(_lab_missing_message())
        return exitcodes.INCOMPLETE
    return main(argv)


if __name__ == "__main__":
    sys.exit(_main())
