"""Lab scenarios for situations seen on real machines (issue 8, items 1 and 2).

Kept apart from ``scenarios.py`` (which other work edits) and registered
there by one line; they use its ``Bench`` and ``Scenario`` as every other
scenario does.

- ``transparent-interception``: no proxy to bypass. The network's egress
  re-signs TLS to *every* host with one company CA (a firewall, an antivirus,
  a VPN client); the OS store trusts that CA, certifi does not. Two indexes of
  unrelated names (pip's index-url and extra-index-url) present leaves from
  that one CA.
- ``pythonpath-shadows-ssl``: PYTHONPATH (as another Python's libraries put
  there) holds an ``ssl.py`` that is imported before the stdlib's, so pip's
  ``import ssl`` fails.
"""

from __future__ import annotations

import os
import ssl
from typing import Optional

from tlsdoctor.lab import index, net
from tlsdoctor.lab.clients import Client
from tlsdoctor.lab.pki import RSA

# Imported by scenarios.py after it defines these (the registration line sits
# at its end), so this import is not circular at run time.
from tlsdoctor.lab.scenarios import Bench, Scenario, _pip, uses_truststore


def _transparent_interception(b: Bench) -> None:
    inspection = b.pki.ca("inspection")

    def serve(host: str, name: str) -> int:
        # One fresh leaf per host, as a re-signing middlebox mints them, sent
        # with its root (most inspection products send the whole chain).
        leaf = inspection.issue_cert(host, key_type=RSA)
        stem = "inspect-" + name
        ctx = net_ctx(b.pki.write(stem + ".pem", leaf.cert_chain_pems[0].bytes(), inspection.cert_pem.bytes()),
                      b.pki.write(stem + ".key", leaf.private_key_pem.bytes()))
        return b.listen(net.tls_handler(ctx, index.app), name).port

    # Two hosts of unrelated names, both on loopback without /etc/hosts: the
    # name "localhost" and the address 127.0.0.1 (the rule compares the
    # hosts' domains; pypi.org and files.pythonhosted.org in the field).
    b.set_index(serve("localhost", "index-localhost"))
    extra = "https://127.0.0.1:%d/simple/" % serve("127.0.0.1", "index-127.0.0.1")
    b.env["PIP_EXTRA_INDEX_URL"] = extra
    # The OS store: OpenSSL's default verify paths, what truststore reads on
    # Linux (ssl.create_default_context() -> load_default_certs()).
    # SSL_CERT_FILE stands for /etc/ssl/certs/ca-certificates.crt after
    # update-ca-certificates added the company CA.
    os_store = b.pki.write("os-store.pem", inspection.cert_pem.bytes())
    b.env["SSL_CERT_FILE"] = os_store
    # pip < 24.2 (or Python < 3.10) trusts only certifi, or only --cert: giving
    # it the company CA works. (In the field: certifi's roots plus that CA;
    # the lab's hosts are all re-signed, so the CA alone is enough here.)
    b.fix("cert-with-inspection-ca", PIP_CERT=os_store)
    # No --trusted-host dead end here: pip's skipping verification for
    # "localhost" does let it install from that one index (in the field it is
    # still no fix: every other host, files.pythonhosted.org too, fails).


def net_ctx(certfile: str, keyfile: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile)
    return ctx


def _transparent_interception_expect(client: Client) -> Optional[str]:
    if not uses_truststore(client):
        return "fail"  # certifi (or --cert) only: the company CA is in neither
    if _pip(client) < (26, 1):
        # pip 24.2-26.0 cannot use an https:// index given as an IP address
        # with truststore (see ip-address-index): the 127.0.0.1 extra index
        # fails for that reason, not this one. A lab artefact of naming the
        # second host by address; the scenario does not measure these pips.
        return None
    return "ok"  # truststore reads the OS store, which has the company CA


def _pythonpath_shadows_ssl(b: Bench) -> None:
    b.healthy_index()
    # What another Python's libraries on PYTHONPATH do (a Python 2 tree, an
    # embedded runtime's site-packages, a project dir with a stray ssl.py):
    # the first ``ssl`` on sys.path wins, before the stdlib's. Written to fail
    # as a foreign ssl.py does when its _ssl does not match this interpreter.
    shadow = os.path.join(b.workdir, "other-python-lib")
    os.makedirs(shadow, exist_ok=True)
    b.file(os.path.join("other-python-lib", "ssl.py"),
           'raise ImportError("ssl.py of another Python: its _ssl does not load in this interpreter")\n')
    b.env["PYTHONPATH"] = shadow
    b.fix("unset-pythonpath", PYTHONPATH=None)
    b.trusted_host_is_no_help()


FIELD_SCENARIOS = [
    Scenario("transparent-interception",
             "no proxy: the network re-signs TLS to every host (index and extra index, unrelated names) with a "
             "company CA the OS store trusts and certifi does not",
             ("tls-interception",), _transparent_interception, _transparent_interception_expect,
             evidence=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    Scenario("pythonpath-shadows-ssl",
             "PYTHONPATH puts another Python's ssl.py before the stdlib's: pip's import ssl fails",
             ("ssl-module-missing",), _pythonpath_shadows_ssl,
             # pip 26.3 quotes it: "The 'ssl' module is unavailable but required for HTTPS URLs".
             evidence=r"[Ss][Ss][Ll]'? module|ssl-missing"),
]
