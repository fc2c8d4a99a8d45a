"""`tlsdoctor lab reproduce` makes real pip fail for real, and succeed when healthy.

Every scenario runs against Python 2.7's pip 19.2.3, pip 23.2.1 and pip 26.3,
plus whichever other recorded pip versions it takes for the scenario to fail
with at least two. A failing run must show the scenario's own mechanism in
pip's output (``Scenario.evidence``), so a scenario that fails for another
reason fails the test. Clients whose expectation is "ok" are the negative
controls: the same peers, a pip that copes.
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import List, Tuple

import pytest

from tlsdoctor.lab import clients, scenarios

pytestmark = pytest.mark.lab

CORE_CLIENTS = ["py2.7-pip19.2.3", "py3.11-pip23.2.1", "py3.13-pip26.3"]


def matrix() -> List[Tuple[str, str]]:
    pairs = []
    for sc in scenarios.all():
        chosen = [c for c in CORE_CLIENTS if sc.expect(clients.spec(c)) is not None]
        if sc.causes:
            failing = [c for c in chosen if sc.expect(clients.spec(c)) == "fail"]
            for cid in reversed(clients.default_clients()):
                if len(failing) >= 2:
                    break
                if cid not in chosen and sc.expect(clients.spec(cid)) == "fail":
                    chosen.append(cid)
                    failing.append(cid)
        pairs += [(sc.name, c) for c in chosen]
    return pairs


def test_every_failing_scenario_fails_with_two_pip_versions():
    by_scenario = {}
    for name, cid in matrix():
        if scenarios.get(name).expect(clients.spec(cid)) == "fail":
            by_scenario.setdefault(name, set()).add(clients.spec(cid).pip_version)
    for sc in scenarios.all():
        if sc.causes:
            assert len(by_scenario.get(sc.name, ())) >= 2, sc.name


@pytest.mark.parametrize("name,cid", matrix(), ids=["%s@%s" % p for p in matrix()])
def test_reproduce(name: str, cid: str) -> None:
    sc = scenarios.get(name)
    try:
        client = clients.get(cid)
    except clients.ClientUnavailable as exc:
        pytest.skip(str(exc))
    expected = sc.expect(client)
    py, pip = clients.parse_id(cid)
    proc = subprocess.run(
        [sys.executable, "-m", "tlsdoctor", "lab", "reproduce", name, "--python", py, "--pip", pip],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=240,
    )
    if proc.returncode == 3 and "cannot run here" in proc.stderr:
        pytest.skip(proc.stderr.strip())
    output = proc.stdout
    if expected == "ok":
        assert proc.returncode == 0, output[-3000:]
        assert "Successfully downloaded" in output or "Saved " in output
    else:
        assert proc.returncode != 0, output[-3000:]
        assert re.search(sc.evidence, output), "pip failed, but not for this scenario's reason:\n" + output[-3000:]
