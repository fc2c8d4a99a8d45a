"""Record what the probe measures in every lab scenario (run by hand, not a test).

    python tests/rules/record_facts.py [scenario ...]

Writes ``recordings/<scenario>__<client>.json``: the scenario, its causes,
the client, real pip's expected outcome for it, and the probe's raw JSON
(plus the OPENSSL_CONF-less second look, when there is one). The rule tests
replay these real measurements; ports and temp paths change on every run.
"""

from __future__ import annotations

import json
import os
import sys

from tlsdoctor import check
from tlsdoctor.lab import clients, scenarios

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recordings")
CLIENTS = [("3.11", "23.2.1"), ("3.13", "26.3"), ("2.7", "19.2.3"), ("3.13", "24.2"), ("3.9", "21.1.3")]


def main(names):
    os.makedirs(HERE, exist_ok=True)
    for py, pip in CLIENTS:
        client = clients.ensure(py, pip)
        for sc in scenarios.all():
            if names and sc.name not in names:
                continue
            expect = sc.expect(client)
            if expect is None:
                continue
            try:
                with sc.start() as running:
                    env = clients.client_environ(client, running.env)
                    report = check.collect(python=client.python, env=env, timeout=10.0)
            except scenarios.ScenarioUnavailable:
                continue
            rec = {"scenario": sc.name, "causes": list(sc.causes), "client": client.id, "expect": expect,
                   "status": report.status, "diagnoses": [d.cause for d in report.diagnoses], "raw": report.raw}
            path = os.path.join(HERE, "%s__%s.json" % (sc.name, client.id))
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(rec, fh, sort_keys=True, separators=(",", ":"))
            print("%-28s %-22s %s %s" % (sc.name, client.id, report.status, rec["diagnoses"]))


if __name__ == "__main__":
    main(sys.argv[1:])
