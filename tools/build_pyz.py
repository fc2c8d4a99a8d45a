#!/usr/bin/env python3
"""Build ``dist/tlsdoctor.pyz``: tlsdoctor as one file that runs where pip cannot install anything.

    python3 tools/build_pyz.py [--output PATH] [--source SRC]

The people who need tlsdoctor most cannot ``pip install`` it (pip must reach
the same broken index, even for the build backend). get-pip.py shows the way:
one file that works where pip does not. This builds a zipapp (PEP 441: a zip
with ``__main__.py`` at its root, after a ``#!`` line) that any Python >= 3.9
runs with no site-packages: ``python3 -I tlsdoctor.pyz check``.

Reproducible: the same source gives the same bytes (with Python 3.7-3.13 as
the builder; only a different zlib could change the deflated data). ``zipapp.create_archive``
stamps each member with its file's mtime and walks the tree in directory
order, so this writes the zip itself with ``zipfile``: sorted member names,
one fixed timestamp (1980-01-01, the earliest a zip can hold), fixed
permissions, deflate at a fixed level, no ``__pycache__``.

What goes in: the ``tlsdoctor`` package (code and its data files: the KB
entries and schema, the probe), without ``tlsdoctor/lab``. The lab needs
trustme (and so cryptography, a compiled package) and real pip venvs, and its
recordings are megabytes; ``tlsdoctor lab`` from the pyz says to install the
package with the ``[lab]`` extra instead (see ``tlsdoctor/__main__.py``).

The root ``__main__.py`` is ``src/tlsdoctor/__main__.py`` itself: it parses
on Python 2.7 and 3.6-3.8 and tells the user what to do there, instead of a
bare SyntaxError from the first f-string or annotation it meets.

Stdlib only, runs on Python >= 3.7 (it is a build tool, not the product).
"""

import argparse
import hashlib
import io
import os
import stat
import sys
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SOURCE = os.path.join(ROOT, "src")
DEFAULT_OUTPUT = os.path.join(ROOT, "dist", "tlsdoctor.pyz")
PACKAGE = "tlsdoctor"

# `env python3`, not a fixed path: the pyz must run with whatever Python >= 3.9
# the machine has. Users on Windows (no #!) run `py tlsdoctor.pyz`.
SHEBANG = b"#!/usr/bin/env python3\n"
# The earliest date a zip entry can carry (DOS time); any fixed value would do.
EPOCH = (1980, 1, 1, 0, 0, 0)
# Left out of the pyz, relative to the package: see the module docstring.
EXCLUDE_DIRS = {"lab", "__pycache__"}
EXCLUDE_SUFFIXES = (".pyc", ".pyo", ".orig", ".rej", ".swp", "~")


def members(source):
    """(arcname, path) of every file that goes into the pyz, sorted by arcname."""
    pkg = os.path.join(source, PACKAGE)
    if not os.path.isfile(os.path.join(pkg, "__init__.py")):
        raise SystemExit("build_pyz: no %s package under %s" % (PACKAGE, source))
    found = []
    for dirpath, dirnames, filenames in os.walk(pkg):
        rel_dir = os.path.relpath(dirpath, pkg)
        top = rel_dir.split(os.sep)[0]
        if top in EXCLUDE_DIRS or os.path.basename(dirpath) in EXCLUDE_DIRS or os.path.basename(dirpath).startswith("."):
            dirnames[:] = []
            continue
        for name in filenames:
            if name.startswith(".") or name.endswith(EXCLUDE_SUFFIXES):
                continue
            path = os.path.join(dirpath, name)
            arc = os.path.relpath(path, source).replace(os.sep, "/")
            found.append((arc, path))
    # The root __main__.py: the package's own, so `python -m tlsdoctor` and the
    # pyz share one version gate.
    found.append(("__main__.py", os.path.join(pkg, "__main__.py")))
    found.sort()
    return found


def _info(arcname):
    info = zipfile.ZipInfo(arcname, date_time=EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    # Regular file, rw-r--r--; "created on" Unix so the mode bits are honoured.
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.create_system = 3
    return info


def build(source=DEFAULT_SOURCE, output=DEFAULT_OUTPUT):
    """Write the pyz to ``output`` and return its sha256."""
    buf = io.BytesIO()
    buf.write(SHEBANG)
    # compresslevel is explicit so a changed zlib default cannot change the bytes.
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for arcname, path in members(source):
            with open(path, "rb") as fh:
                data = fh.read()
            zf.writestr(_info(arcname), data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    data = buf.getvalue()
    out_dir = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(out_dir):
        os.makedirs(out_dir)
    # Write beside the target and rename: a half-written pyz is never left
    # where a user (or the tests) would run it.
    tmp = output + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.chmod(tmp, 0o755)
    os.replace(tmp, output)
    return hashlib.sha256(data).hexdigest()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="build_pyz.py", description="Build the one-file tlsdoctor.pyz.")
    parser.add_argument("--output", "-o", default=DEFAULT_OUTPUT, metavar="PATH",
                        help="where to write the pyz (default: dist/tlsdoctor.pyz)")
    parser.add_argument("--source", default=DEFAULT_SOURCE, metavar="SRC",
                        help="the directory holding the tlsdoctor package (default: src/)")
    args = parser.parse_args(argv)
    digest = build(args.source, args.output)
    size = os.path.getsize(args.output)
    print("%s  %d bytes  sha256 %s" % (args.output, size, digest))
    return 0


if __name__ == "__main__":
    sys.exit(main())
