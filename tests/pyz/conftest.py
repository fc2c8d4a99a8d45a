"""Build ``tlsdoctor.pyz`` once per session, into a temp dir, with the real build command.

The tests never depend on ``dist/`` existing: they run ``tools/build_pyz.py``
as a user (or CI) would and use what it wrote.
"""

from __future__ import annotations

import pytest
from pyz_helpers import build


@pytest.fixture(scope="session")
def pyz(tmp_path_factory) -> str:
    return build(str(tmp_path_factory.mktemp("pyz") / "tlsdoctor.pyz"))
