"""Is a directory inside tlsdoctor's own source checkout (where writing is a contribution), or an install?

``kb verify`` and ``lab record`` update data files that ship inside the package (the KB entries,
the lab recordings). In a source or editable checkout that is the point; in an installed copy
(site-packages, a zipapp) writing there would silently change files pip owns — pip's RECORD no
longer matches, and the next ``pip install --upgrade`` overwrites or leaves them half-updated. So
they write into the package only when one of its parents holds tlsdoctor's own ``pyproject.toml``.
"""

from __future__ import annotations

import os
import re
from typing import Optional

_NAME = re.compile(r'^\s*name\s*=\s*["\']tlsdoctor["\']\s*$', re.M)


def checkout_root(path: str) -> Optional[str]:
    """The source checkout that contains ``path`` (a directory with tlsdoctor's pyproject.toml), or None."""
    here = os.path.abspath(path)
    while True:
        candidate = os.path.join(here, "pyproject.toml")
        if os.path.isfile(candidate):
            try:
                with open(candidate, encoding="utf-8") as fh:
                    text = fh.read(65536)
            except (OSError, UnicodeDecodeError):
                text = ""
            # Only [project]'s name counts: another project's pyproject (a venv inside some repo) does not.
            project = text.split("[project]", 1)[1] if "[project]" in text else ""
            project = re.split(r"^\s*\[", project, maxsplit=1, flags=re.M)[0]
            if _NAME.search(project):
                return here
        parent = os.path.dirname(here)
        if parent == here:
            return None
        here = parent


def refuse_installed(command: str, target: str, option: str) -> Optional[str]:
    """The message to print (exit 2) when ``target`` is inside an installed package, else None."""
    if checkout_root(target) is not None:
        return None
    return ("%s: %s is inside an installed tlsdoctor, not a source checkout: it will not write there "
            "(pip owns those files). Pass %s DIR to write elsewhere." % (command, target, option))
