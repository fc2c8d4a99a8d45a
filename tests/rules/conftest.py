"""Every rules test sees the shipped public root list plus the constructed stand-in root (recorded_facts)."""

from __future__ import annotations

import pytest
from recorded_facts import stand_in_roots

from tlsdoctor import public_roots


@pytest.fixture(autouse=True)
def _stand_in_public_root(monkeypatch):
    monkeypatch.setattr(public_roots, "load", lambda: stand_in_roots())
