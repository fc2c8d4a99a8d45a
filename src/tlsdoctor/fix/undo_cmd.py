"""The ``undo`` subcommand in the shape ``tlsdoctor.cli.COMMANDS`` expects (configure/run)."""

from tlsdoctor.fix.cli import configure_undo as configure
from tlsdoctor.fix.cli import run_undo as run

__all__ = ["configure", "run"]
