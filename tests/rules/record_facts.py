"""Record what the probe measures in every lab scenario (run by hand, not a test).

    python tests/rules/record_facts.py [scenario ...]
    python tests/rules/record_facts.py --no-candidates   (as root: no-default-ca-store on a machine
                                                          without truststore's candidate files)

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


# A Linux machine where none of truststore's _CA_FILE_CANDIDATES exists and the OS bundle is the
# build's own (OPENSSLDIR /usr/lib/ssl, here Debian's): recorded inside a private mount namespace that
# binds an empty directory over /etc/ssl and a lab directory over /usr/lib/ssl (needs root and
# unshare(1); the machine's own files are never touched). The scenario's root (or, for the negative
# control, another CA) is written into the bound directory's cert.pem once the scenario has made it.
NO_CANDIDATES = 'mount --bind "$0" /etc/ssl && mount --bind "$1" /usr/lib/ssl && shift && exec "$@"'
NO_CANDIDATE_VARIANTS = (("+no-fallback", True, ["no-default-ca-store"]),
                         ("+no-fallback-other-root", False, ["untrusted-private-ca", "no-default-ca-store"]))


def record_no_candidates():
    """Re-run this script in the emulated machine (python tests/rules/record_facts.py --no-candidates)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        empty, openssldir = os.path.join(tmp, "etc-ssl"), os.path.join(tmp, "usr-lib-ssl")
        os.makedirs(empty)
        os.makedirs(openssldir)
        argv = ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", NO_CANDIDATES, empty,
                openssldir, sys.executable, os.path.abspath(__file__), "--inside-no-candidates", openssldir]
        subprocess.run(argv, check=True, timeout=600)


def _inside_no_candidates(openssldir):
    import trustme

    for py, pip in CLIENTS:
        client = clients.ensure(py, pip)
        sc = scenarios.get("no-default-ca-store")
        if sc.expect(client) is None:
            continue
        for suffix, holds_root, causes in NO_CANDIDATE_VARIANTS:
            with sc.start() as running:
                with open(os.path.join(openssldir, "cert.pem"), "wb") as out:
                    if holds_root:
                        with open(os.path.join(running.workdir, "pki", "index-ca.pem"), "rb") as f:
                            out.write(f.read())
                    out.write(trustme.CA(organization_name="Public Root 0").cert_pem.bytes())
                env = clients.client_environ(client, running.env)
                report = check.collect(python=client.python, env=env, timeout=10.0)
            rec = {"scenario": sc.name, "causes": causes, "client": client.id + suffix, "expect": "fail",
                   "status": report.status, "diagnoses": [d.cause for d in report.diagnoses], "raw": report.raw}
            path = os.path.join(HERE, "%s__%s.json" % (sc.name, rec["client"]))
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(rec, fh, sort_keys=True, separators=(",", ":"))
            print("%-28s %-36s %s %s" % (sc.name, rec["client"], report.status, rec["diagnoses"]))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--no-candidates"]:
        record_no_candidates()
    elif sys.argv[1:2] == ["--inside-no-candidates"]:
        _inside_no_candidates(sys.argv[2])
    else:
        main(sys.argv[1:])
