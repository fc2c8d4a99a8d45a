"""The lab's package index: a PEP 503 simple index serving one tiny wheel.

The wheel is pure Python (``py2.py3-none-any``) so every pip from 9 to 26 on
Python 2.7 to 3.14 will take it. It is built in memory; nothing is downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile

from tlsdoctor.lab.net import Response

PACKAGE = "tlsdoctor-lab-pkg"
VERSION = "1.0"
_DIST = "tlsdoctor_lab_pkg"
WHEEL_NAME = "%s-%s-py2.py3-none-any.whl" % (_DIST, VERSION)


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (name, digest, len(data))


def build_wheel() -> bytes:
    dist_info = "%s-%s.dist-info" % (_DIST, VERSION)
    files = {
        _DIST + "/__init__.py": b'"""A package that exists so that pip has something to fetch."""\n',
        dist_info + "/METADATA": (
            "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: tlsdoctor lab package\n" % (PACKAGE, VERSION)
        ).encode(),
        dist_info + "/WHEEL": b"Wheel-Version: 1.0\nGenerator: tlsdoctor-lab\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\n",
    }
    record = [_record_line(n, d) for n, d in files.items()] + [dist_info + "/RECORD,,"]
    files[dist_info + "/RECORD"] = ("\n".join(record) + "\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


_WHEEL = build_wheel()
_SHA256 = hashlib.sha256(_WHEEL).hexdigest()


def app(method: str, path: str) -> Response:
    """Answer a request the way a PEP 503 index (and its file host) would."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    path = path.split("?", 1)[0]
    if path in ("/simple", "/simple/"):
        body = '<!DOCTYPE html><html><body><a href="/simple/%s/">%s</a></body></html>\n' % (PACKAGE, PACKAGE)
        return 200, "OK", html, body.encode()
    if path.rstrip("/") == "/simple/" + PACKAGE:
        body = (
            '<!DOCTYPE html><html><body><a href="/packages/%s#sha256=%s">%s</a></body></html>\n'
            % (WHEEL_NAME, _SHA256, WHEEL_NAME)
        )
        return 200, "OK", html, body.encode()
    if path == "/packages/" + WHEEL_NAME:
        return 200, "OK", {"Content-Type": "application/octet-stream"}, _WHEEL if method != "HEAD" else b""
    return 404, "Not Found", html, b"<html><body>not found</body></html>\n"
