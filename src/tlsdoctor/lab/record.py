"""Record what real pip prints in every lab scenario (``tlsdoctor lab record``).

One JSON file per (scenario, client) under ``recordings/<scenario>/<client>.json``
with its provenance: the scenario and its causes, the client's Python, pip and
OpenSSL versions, the date, the command, pip's exit code and its whole output.
These are the real outputs the knowledge base and ``explain`` are tested
against. Re-running this regenerates them (ports and temp paths change).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Tuple

from tlsdoctor import __version__, exitcodes
from tlsdoctor.lab import clients, scenarios

RECORDINGS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recordings")


def openssl_version(client: clients.Client) -> str:
    proc = subprocess.run(
        [client.python, "-c", "import ssl, sys; sys.stdout.write(ssl.OPENSSL_VERSION)"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60,
    )
    return proc.stdout.decode("utf-8", "replace").strip()


def run_one(scenario: scenarios.Scenario, client: clients.Client, fetch: str = "index") -> Dict[str, object]:
    """Serve ``scenario`` and run ``client``'s pip against it once, through the index page
    (``fetch="index"``) or by the wheel's URL (``"direct"``, pip's download path)."""
    with scenario.start() as running:
        env = clients.client_environ(client, running.env)
        target = running.wheel_url if fetch == "direct" else running.package
        argv = clients.pip_download_argv(client, os.path.join(running.workdir, "download"), target)
        code, output = clients.run_pip(client, env, argv)
        events = running.events()
    return {
        "scenario": scenario.name,
        "causes": list(scenario.causes),
        "client": {
            "id": client.id,
            "python": client.python_version,
            "pip": client.pip_version,
        },
        "expected": scenario.expect(client),
        "fetch": fetch,
        "argv": ["python"] + argv[1:],
        "exit_code": code,
        "outcome": "ok" if code == 0 else "fail",
        "output": output,
        "server_events": events,
    }


def save(record: Dict[str, object], out: str) -> str:
    folder = os.path.join(out, str(record["scenario"]))
    os.makedirs(folder, exist_ok=True)
    suffix = ".direct" if record.get("fetch") == "direct" else ""
    path = os.path.join(folder, "%s%s.json" % (record["client"]["id"], suffix))  # type: ignore[index]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    return path


def main(scenario_names: List[str], client_ids: List[str], out: Optional[str], jobs: int,
         fetch: str = "index") -> int:
    out = out or RECORDINGS_DIR
    chosen = [scenarios.get(n) for n in scenario_names] if scenario_names else scenarios.all()
    ids = client_ids or clients.default_clients()
    ready: List[clients.Client] = []
    for cid in ids:
        try:
            ready.append(clients.get(cid))
        except (clients.ClientUnavailable, clients.ClientBuildError) as exc:
            sys.stderr.write("skipping %s: %s\n" % (cid, exc))
    ssl_versions = {c.id: openssl_version(c) for c in ready}
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    pairs: List[Tuple[scenarios.Scenario, clients.Client]] = [
        (s, c) for s in chosen for c in ready if s.expect(c) is not None
    ]
    failures = 0

    def work(pair: Tuple[scenarios.Scenario, clients.Client]) -> Tuple[str, str, str]:
        s, c = pair
        try:
            rec = run_one(s, c, fetch)
        except scenarios.ScenarioUnavailable as exc:
            return s.name, c.id, "unavailable: %s" % exc
        rec["client"]["openssl"] = ssl_versions[c.id]  # type: ignore[index]
        rec["recorded_on"] = today
        rec["tlsdoctor"] = __version__
        save(rec, out)  # type: ignore[arg-type]
        mark = "" if rec["outcome"] == rec["expected"] else "  <-- expected %s" % rec["expected"]
        return s.name, c.id, "%s (exit %s)%s" % (rec["outcome"], rec["exit_code"], mark)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for name, cid, result in pool.map(work, pairs):
            if "<--" in result or result.startswith("unavailable"):
                failures += 1
            print("%-28s %-20s %s" % (name, cid, result), flush=True)
    return exitcodes.OK if failures == 0 else exitcodes.PROBLEM
