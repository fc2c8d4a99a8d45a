"""check's second-host variant: where going direct is impossible, another host
through the same proxy tells an intercepting proxy from a server's own CA.

The lab's intercepting-proxy-only-route scenario: the index's name resolves
only at the proxy (as with a corporate DNS), so the direct comparison the
other interception test relies on cannot run. Real pip fails there; check
must still name tls-interception, and must not without the second host
(the negative control that shows the variant is what decides it).
"""

from __future__ import annotations

import pytest
from lab_support import lab_client
from test_check_lab import run_check

from tlsdoctor.lab import clients, scenarios

pytestmark = pytest.mark.lab


@pytest.mark.parametrize("py,pip", [("3.11", "23.2.1"), ("3.13", "26.3"), ("2.7", "19.2.3")])
def test_second_host_through_the_same_proxy_names_interception(py, pip):
    client = lab_client(py, pip)
    with scenarios.get("intercepting-proxy-only-route").start() as running:
        env = clients.client_environ(client, running.env)
        code, data = run_check(client, env)
        assert code == 1 and data["diagnoses"][0]["cause"] == "tls-interception", data["diagnoses"][:2]
        second = running.env["TLSDOCTOR_SECOND_HOST"]
        assert any(second in e for e in data["diagnoses"][0]["evidence"])

        # The same through --second-host instead of the variable.
        env_flag = dict(env)
        del env_flag["TLSDOCTOR_SECOND_HOST"]
        code, data = run_check(client, env_flag, ["--second-host", second])
        assert data["diagnoses"][0]["cause"] == "tls-interception"

        # Negative control: without a second host, nothing shows the proxy re-signs everything.
        code, data = run_check(client, env_flag)
        assert code == 1 and data["diagnoses"]
        assert data["diagnoses"][0]["cause"] != "tls-interception"
