"""Redaction for everything the fix engine prints or stores about itself.

The project's one redaction module is ``tlsdoctor.redact`` (owned by the explain
stream); every text goes through it first. A second, deliberately conservative local
pass follows (URLs with userinfo split on the *last* ``@`` as urllib3's ``parse_url``
does, scheme-less ``user:pass@host``, query values, ``password=``-style assignments,
well-known token shapes): masking twice is harmless, and the journal and the plan
keep this guarantee even if the shared rules change.
"""

from __future__ import annotations

import re

from tlsdoctor.redact import redact_text as _project_redact_text

MASK = "***"

# Bounded, non-nested patterns only: linear over any input (no backtracking blow-up).
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,30}://)([^\s/?#'\"<>]{1,2048})@")
_BARE_USERINFO = re.compile(r"(?<![\w/@])([A-Za-z0-9._~%!$&*+\-]{1,256}):([^\s/@:'\"]{1,256})@(?=[A-Za-z0-9\[])")
_QUERY = re.compile(r"([?&][^=&#\s'\"]{1,256}=)([^&#\s'\"]{1,4096})")
_ASSIGN = re.compile(r"(?i)\b(password|passwd|pwd|token|secret|api[_-]?key)(\s*[=:]\s*)([^\s'\"&]{1,4096})")
_AUTH_HEADER = re.compile(r"(?i)\b((?:proxy-)?authorization\s*:\s*)([^\r\n]{1,4096})")
_TOKENS = re.compile(
    r"\b(ghp_|gho_|ghs_|ghu_|github_pat_|glpat-|pypi-|AKIA)[A-Za-z0-9_\-]{8,4096}"
    r"|\beyJ[A-Za-z0-9_\-]{5,4096}\.[A-Za-z0-9_\-]{5,4096}\.[A-Za-z0-9_\-]{5,4096}"
)


def _local_redact_text(text: str) -> str:
    # userinfo: keep the scheme, mask everything up to the last '@' of the authority.
    text = _URL_USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    text = _BARE_USERINFO.sub(MASK + "@", text)
    text = _QUERY.sub(lambda m: m.group(1) + MASK, text)
    text = _ASSIGN.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    text = _AUTH_HEADER.sub(lambda m: m.group(1) + MASK, text)
    text = _TOKENS.sub(MASK, text)
    return text


def redact_text(text: str) -> str:
    """Mask credentials in free text (the project's rules when available, plus the local ones)."""
    text = _project_redact_text(str(text))
    # The local pass also runs after the project's: masking twice is harmless and
    # keeps this engine's guarantee independent of the other module's coverage.
    return _local_redact_text(text)

