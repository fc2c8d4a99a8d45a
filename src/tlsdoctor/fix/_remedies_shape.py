"""A local copy of the remedies contract (PLAN.md, "Remedies (rules <-> fix)").

``tlsdoctor.remedies`` is owned by the rules stream and lands in parallel; until it
is merged, the planner imports these stand-ins of exactly the same shape. The
planner only reads attributes, so either works; once the real module exists,
``plan.py`` uses it and this file can be deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Optional, Tuple


class StepKind(str, Enum):
    RUN = "run"
    SET_CONFIG = "set_config"
    UNSET_CONFIG = "unset_config"
    SET_ENV = "set_env"
    UNSET_ENV = "unset_env"
    ADD_CA = "add_ca"
    SERVER = "server"
    MANUAL = "manual"


class Scope(str, Enum):
    INTERPRETER = "interpreter"
    USER = "user"
    SYSTEM = "system"
    SERVER = "server"


@dataclass(frozen=True)
class Step:
    kind: StepKind
    explanation: str
    scope: Scope
    argv: Tuple[str, ...] = ()
    file: Optional[str] = None
    key: Optional[str] = None
    value: Optional[str] = None
    source: Optional[str] = None
    needs_root: bool = False
    automatic: bool = False
    weakens_security: bool = False
    ca_sha256: Optional[str] = None

    def text(self) -> str:
        if self.argv:
            return " ".join(self.argv)
        return self.explanation
