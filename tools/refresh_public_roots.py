#!/usr/bin/env python3
"""Regenerate src/tlsdoctor/data/public_roots.json from certifi's cacert.pem.

    python tools/refresh_public_roots.py [--date YYYY-MM-DD] [--out FILE] [CACERT_PEM ...]

Without a bundle it reads the certifi that the running interpreter's pip
vendors (``pip._vendor.certifi.where()``), else ``certifi.where()``: run it
with an interpreter whose pip is current (certifi is Mozilla's root program,
repackaged). Stdlib only. Same bundles and same ``--date`` give the same bytes
(``--date`` defaults to $SOURCE_DATE_EPOCH, else today in UTC).

Why a list at all: ``outdated-ca-bundle`` must prove the root pip's bundle
lacks is a public one, or a company's inspection CA gets the advice
"upgrade certifi", which can never work (issue 8, item 1).
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import json
import os
import re
import sys
from typing import Dict, List, Optional, Tuple

_HERE = os.path.dirname(os.path.abspath(__file__))
_SRC = os.path.join(os.path.dirname(_HERE), "src")
if os.path.isdir(os.path.join(_SRC, "tlsdoctor")):
    sys.path.insert(0, _SRC)  # the DER reader lives in the package: one implementation for both

from tlsdoctor.public_roots import FORMAT, cert_facts  # noqa: E402

DEFAULT_OUT = os.path.join(_SRC, "tlsdoctor", "data", "public_roots.json")
_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\r?\n(.*?)-----END CERTIFICATE-----", re.S)
_VERSION = re.compile(r"""^__version__\s*=\s*["']([^"']+)["']""", re.M)


def _read_version(init_py: str) -> Optional[str]:
    try:
        with open(init_py, encoding="utf-8") as fh:
            m = _VERSION.search(fh.read())
    except OSError:
        return None
    return m.group(1) if m else None


def describe_source(path: str, data: bytes) -> Dict[str, object]:
    """Provenance of one bundle, without the machine's paths: which certifi
    (from the ``__init__.py`` next to a certifi cacert.pem), which pip vendored it."""
    src: Dict[str, object] = {"name": os.path.basename(path), "sha256": hashlib.sha256(data).hexdigest()}
    pkg = os.path.dirname(os.path.abspath(path))
    if os.path.basename(pkg) == "certifi":
        src["name"] = "certifi"
        src["version"] = _read_version(os.path.join(pkg, "__init__.py"))
        vendor = os.path.dirname(pkg)
        if os.path.basename(vendor) == "_vendor" and os.path.basename(os.path.dirname(vendor)) == "pip":
            pip_version = _read_version(os.path.join(os.path.dirname(vendor), "__init__.py"))
            src["vendored_in"] = "pip %s" % pip_version if pip_version else "pip"
    return src


def default_bundle() -> str:
    try:
        from pip._vendor import certifi  # type: ignore[attr-defined]
    except ImportError:
        import certifi  # type: ignore[import-not-found, no-redef]
    return certifi.where()


def ders_from_pem(data: bytes) -> List[bytes]:
    return [base64.b64decode(b"".join(m.group(1).split())) for m in _PEM.finditer(data)]


def build(bundles: List[Tuple[str, bytes]], day: datetime.date) -> bytes:
    roots: Dict[str, Dict[str, str]] = {}
    sources = []
    for path, data in bundles:
        ders = ders_from_pem(data)
        if not ders:
            raise SystemExit("%s: no PEM certificates" % path)
        src = describe_source(path, data)
        src["certificates"] = len(ders)
        sources.append(src)
        for der in ders:
            c = cert_facts(der)
            roots[c.sha256] = {"sha256": c.sha256, "spki_sha256": c.spki_sha256, "ski": c.ski,
                               "subject": c.subject, "not_after": c.not_after}
    doc = {
        "format": FORMAT,
        "about": "Public (Mozilla root program, via certifi) root CAs: SHA-256 of the DER, of the "
                 "SubjectPublicKeyInfo, the Subject Key Identifier. Regenerate with tools/refresh_public_roots.py.",
        "generated_on": day.isoformat(),
        "sources": sources,
        "count": len(roots),
        "roots": [roots[k] for k in sorted(roots)],
    }
    return (json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _today() -> datetime.date:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.datetime.now(datetime.timezone.utc).date()


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bundles", nargs="*", metavar="CACERT_PEM")
    p.add_argument("--out", default=DEFAULT_OUT, help="default: %(default)s")
    p.add_argument("--date", type=datetime.date.fromisoformat, help="generated_on (default: today, UTC)")
    args = p.parse_args(argv)
    paths = args.bundles or [default_bundle()]
    bundles = []
    for path in paths:
        with open(path, "rb") as fh:
            bundles.append((path, fh.read()))
    out = build(bundles, args.date or _today())
    tmp = args.out + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(out)
    os.replace(tmp, args.out)
    doc = json.loads(out)
    print("%s: %d roots from %s" % (args.out, doc["count"], ", ".join(
        "%s %s%s" % (s["name"], s.get("version") or "", " (vendored in %s)" % s["vendored_in"]
                     if s.get("vendored_in") else "") for s in doc["sources"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
