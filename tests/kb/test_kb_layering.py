"""The knowledge base is one layer: entries, matcher, ranking; no command front ends.

issue 7 item 6: ``kb`` must not import ``explain`` (a front end) or ``lab``;
``tlsdoctor kb …`` lives in ``kb_cli`` beside the other front ends, and the
ranking (``rank``, ``kb_link``) lives next to the matcher.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import tlsdoctor

PKG = Path(tlsdoctor.__file__).parent
FORBIDDEN = ("tlsdoctor.explain", "tlsdoctor.lab", "tlsdoctor.kb_cli", "tlsdoctor.check", "tlsdoctor.rules",
             "tlsdoctor.render", "tlsdoctor.cli")


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_kb_imports_no_front_end():
    bad = [(p.name, mod) for p in sorted((PKG / "kb").glob("*.py")) for mod in _imports(p)
           if any(mod == f or mod.startswith(f + ".") for f in FORBIDDEN)]
    assert bad == []


def test_the_check_catches_a_forbidden_import(tmp_path):
    # Negative control: the same scan flags kb_cli, which does import explain.
    assert any(m.startswith("tlsdoctor.explain") for m in _imports(PKG / "kb_cli.py"))


def test_ranking_lives_next_to_the_matcher():
    from tlsdoctor import explain, rules
    from tlsdoctor.kb import rank

    assert explain.rank is rank.rank
    assert rules.kb_link is rank.kb_link
    assert not (PKG / "kb" / "cli.py").exists()


def test_kb_command_still_works():
    proc = subprocess.run([sys.executable, "-m", "tlsdoctor", "kb", "list", "--json"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "curl/ssl-certificate-problem" in proc.stdout
