"""The rule registry: every cause id has a rule; a crashing rule is reported, not fatal."""

from __future__ import annotations

import pytest
from recorded_facts import facts_of, ids, mutated, positives

from tlsdoctor import rules
from tlsdoctor.causes import CAUSES


def test_every_cause_has_exactly_one_rule():
    assert sorted(m.CAUSE for m in rules.load_rules()) == sorted(CAUSES)


def test_a_crashing_rule_is_reported_and_the_others_still_run(monkeypatch):
    from tlsdoctor.rules import cert_expired

    def boom(facts):
        raise RuntimeError("bug in a rule")

    monkeypatch.setattr(cert_expired, "diagnose", boom)
    rec = positives("proxy-auth-required")[0]
    outcome = rules.run(facts_of(rec))
    assert [e.rule for e in outcome.rule_errors] == ["cert-expired"]
    assert "bug in a rule" in outcome.rule_errors[0].error
    assert outcome.diagnoses[0].cause == "proxy-auth-required"


def test_rules_are_pure_functions_of_the_facts():
    """Same facts in, same diagnoses out (no I/O, no hidden state)."""
    rec = positives("untrusted-private-ca")[0]
    a = rules.run(facts_of(rec))
    b = rules.run(facts_of(rec))
    assert a == b


# ---------------------------------------------------------------- declared gate and evidence

def test_every_rule_declares_its_gate_and_evidence():
    from tlsdoctor.rules import GATES

    for mod in rules.load_rules():
        spec = mod.diagnose.spec
        assert spec.cause == mod.CAUSE and spec.on in GATES and spec.reads, mod.CAUSE


def test_every_declared_attempt_is_measured_by_the_probe():
    from test_attempt_vocabulary import probe_table

    measured = {row[0] for row in probe_table()}
    for mod in rules.load_rules():
        spec = mod.diagnose.spec
        assert set(spec.reads) <= measured, (mod.CAUSE, set(spec.reads) - measured)
        assert set(spec.deciding) <= set(spec.reads), mod.CAUSE
        assert set(spec.separates) <= set(CAUSES), mod.CAUSE


class _Spy:
    """HostAttempts that records which fields a rule touches."""

    def __init__(self, real, log):
        self._real, self._log = real, log

    def __getattr__(self, name):
        from tlsdoctor.facts import TLS_VERSION_ATTEMPTS, VARIANT_NAMES, HostAttempts

        real = self._real
        if name in HostAttempts.__dataclass_fields__:
            self._log.add(name)
        elif name in ("store", "effective"):
            self._log.add("verify")
        elif name == "variants":
            def variants(exclude=()):
                self._log.update(n for n in VARIANT_NAMES if n not in exclude)
                return real.variants(exclude)
            return variants
        elif name == "tls_versions":
            self._log.update(n for _, n in TLS_VERSION_ATTEMPTS)
        elif name == "named":
            self._log.update(HostAttempts.__dataclass_fields__)
        return getattr(real, name)


class _WireSpy(dict):
    def values(self):
        self.log.add("*")  # every attempt: only rules that declare EVERY_ATTEMPT may do this
        return super().values()


def _spied(f, log):
    import dataclasses

    def host(h):
        wire = _WireSpy(h.wire)
        wire.log = log
        return dataclasses.replace(h, attempts=_Spy(h.attempts, log), wire=wire)

    return dataclasses.replace(f, hosts=tuple(host(h) for h in f.hosts), without_openssl_conf=tuple(
        host(h) for h in f.without_openssl_conf) if f.without_openssl_conf else None)


def test_rules_read_only_the_attempts_they_declare():
    """Run every rule over every recording with spying attempts: what it touched is what it declared."""
    from recorded_facts import recordings

    from tlsdoctor.rules._common import EVERY_ATTEMPT

    for mod in rules.load_rules():
        spec = mod.diagnose.spec
        log = set()
        for rec in recordings():
            mod.diagnose(_spied(facts_of(rec), log))
        if "*" in log:
            assert set(EVERY_ATTEMPT) <= set(spec.reads), mod.CAUSE
            log.discard("*")
        assert log <= set(spec.reads), (mod.CAUSE, log - set(spec.reads))


def test_the_spy_sees_reads():
    """Negative control: the spy does record, so the test above can fail."""
    from tlsdoctor.rules import tls_interception

    log = set()
    tls_interception.diagnose(_spied(facts_of(positives("tls-interception")[0]), log))
    assert {"pip_request", "tls", "direct"} <= log


# ---------------------------------------------------------------- rule load failures

def test_a_rule_that_cannot_be_imported_is_a_rule_error(monkeypatch):
    real = rules.importlib.import_module

    def broken(name, *a, **kw):
        if name == "tlsdoctor.rules.weak_dh_key":
            raise SyntaxError("invalid syntax (weak_dh_key.py, line 3)")
        return real(name, *a, **kw)

    monkeypatch.setattr(rules.importlib, "import_module", broken)
    outcome = rules.run(facts_of(positives("cert-expired")[0]))
    assert [(e.rule, "cannot load" in e.error) for e in outcome.rule_errors] == [("weak-dh-key", True)]
    assert "weak-dh-key" not in outcome.ran and outcome.diagnoses[0].cause == "cert-expired"


def test_a_cause_without_any_rule_module_is_not_an_error(monkeypatch):
    """Negative control: only a module that exists but fails is an error."""
    real = rules.importlib.util.find_spec
    monkeypatch.setattr(rules.importlib.util, "find_spec",
                        lambda name, *a: None if name == "tlsdoctor.rules.weak_dh_key" else real(name, *a))
    outcome = rules.run(facts_of(positives("cert-expired")[0]))
    assert not outcome.rule_errors and "weak-dh-key" not in outcome.ran


# ---------------------------------------------------------------- a deciding attempt that did not finish

def _direct_deadline(raw):
    for k in list(raw["main"]["probes"]):
        if k.endswith(":variant:direct"):
            raw["main"]["probes"][k] = {"status": "deadline", "started": 1.0}


# Through a proxy (transparent interception has no direct handshake to miss).
_VIA_PROXY = [r for r in positives("tls-interception") if any(h.proxy for h in facts_of(r).hosts)]


@pytest.mark.parametrize("rec", _VIA_PROXY, ids=ids(_VIA_PROXY))
def test_a_direct_handshake_that_missed_the_deadline_is_could_not_tell(rec):
    """Interception vs a private CA is decided by going direct: without it, no other cause may be named."""
    outcome = rules.run(mutated(rec, _direct_deadline))
    assert not outcome.diagnoses
    assert outcome.undecided and all("tls-interception" in u.candidates for u in outcome.undecided)
    assert all("deadline" in u.why and "direct" in u.why for u in outcome.undecided)


@pytest.mark.parametrize("rec", positives("tls-interception"), ids=ids(positives("tls-interception")))
def test_with_the_direct_handshake_it_decides(rec):
    """Negative control: the same recording, unmutated, names interception and is not undecided."""
    outcome = rules.run(facts_of(rec))
    assert outcome.diagnoses[0].cause == "tls-interception" and not outcome.undecided
