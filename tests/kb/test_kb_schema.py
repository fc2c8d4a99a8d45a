"""The KB data files: schema, seed-001 fields, bilingual text, cross-entry rules."""

from __future__ import annotations

import copy
import json
import re
from importlib import resources

import pytest

from tlsdoctor.causes import ALL_CAUSES as CAUSES  # pip's and the tools' (issue 12)
from tlsdoctor.kb import entry_filename, load_entries, load_schema, public, validate_entries
from tlsdoctor.kb.validate import SchemaError, validate

ENTRIES = load_entries()
IDS = [e["id"] for e in ENTRIES]

# Every field of the seed-001 entry (shared/seeds/001), which the KB adopts.
SEED_FIELDS = [
    "id", "signature", "signature_zh", "regex", "domain", "category", "subcategory", "root_cause",
    "root_cause_type", "root_cause_zh", "versions", "os_specific", "dead_ends", "workarounds",
    "workarounds_zh", "transition_graph", "official_doc_url", "official_doc_section", "error_code",
    "verification_tier", "confidence", "fix_success_rate", "resolvable", "first_seen", "last_confirmed",
    "last_updated", "evidence_count", "tags", "locale", "aliases",
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_schema_is_package_data_and_json():
    text = resources.files("tlsdoctor.kb").joinpath("schema.json").read_text("utf-8")
    assert json.loads(text)["type"] == "object"


def test_enough_entries_and_the_seed_id():
    assert len(ENTRIES) >= 25
    assert "pip/ssl-sslv3-alert-handshake-failure" in IDS


def test_whole_kb_validates():
    assert validate_entries() == []


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_has_every_seed_field_and_extensions(entry):
    for field in SEED_FIELDS + ["causes", "lab_evidence", "examples", "specificity"]:
        assert field in entry, field
    assert entry["_file"] == entry_filename(entry["id"])
    assert all(c in CAUSES for c in entry["causes"])


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_entry_is_bilingual(entry):
    assert CJK.search(entry["signature_zh"]) and CJK.search(entry["root_cause_zh"])
    assert len(entry["workarounds_zh"]) == len(entry["workarounds"])
    assert all(CJK.search(z) for z in entry["workarounds_zh"])
    assert all(CJK.search(d["why_fails_zh"]) for d in entry["dead_ends"])


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_reproduced_only_with_lab_evidence(entry):
    if entry["verification_tier"] == "reproduced":
        assert entry["lab_evidence"] and entry["evidence_count"] > 0 and entry["last_confirmed"]
        # pip's evidence names pip versions; another tool's names the tools (uv 0.13.9 …) instead
        assert all(ev["pip_versions"] or ev.get("tools") for ev in entry["lab_evidence"])
        assert all(not (ev["pip_versions"] and ev.get("tools")) for ev in entry["lab_evidence"])
    else:
        assert not entry["lab_evidence"]


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_lab_rates_only_with_lab_basis(entry):
    # A rate marked "lab" must come from lab runs; the rest say what they are.
    for item in entry["dead_ends"] + entry["workarounds"]:
        assert item["rate_basis"] in ("lab", "mechanism", "estimate")
        if item["rate_basis"] == "mechanism":
            assert item.get("fail_rate", item.get("success_rate")) in (0.0, 1.0)
        if item["rate_basis"] == "lab":
            # Set only by `kb verify --live`, from real pip runs in the lab.
            assert item.get("lab_runs", 0) > 0 and item.get("lab")
        else:
            assert "lab_runs" not in item


def test_seed_entry_is_corrected():
    seed = next(e for e in ENTRIES if e["id"] == "pip/ssl-sslv3-alert-handshake-failure")
    # The seed matched only the SSL3_ spelling Python never prints; the
    # correction matches Python's own text and the seed's spelling alike.
    rx = re.compile(seed["regex"])
    assert rx.search("[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1006)")
    assert rx.search("[SSL: SSL3_ALERT_HANDSHAKE_FAILURE] sslv3 alert handshake failure (_ssl.c:1129)")
    actions = " ".join(d["action"] for d in seed["dead_ends"])
    assert "--trusted-host" in actions and "CA bundle" in actions
    assert seed["verification_tier"] != "ai_generated"


def _valid():
    return public(copy.deepcopy(ENTRIES[0]))


@pytest.mark.parametrize("mutate, message", [
    (lambda e: e.pop("signature_zh"), "missing required property 'signature_zh'"),
    (lambda e: e.__setitem__("confidence", 1.5), "maximum"),
    (lambda e: e.__setitem__("verification_tier", "trust-me"), "is not one of"),
    (lambda e: e.__setitem__("id", "No Spaces/Allowed"), "does not match"),
    (lambda e: e.__setitem__("evidence_count", True), "expected integer"),
    (lambda e: e["dead_ends"][0].__setitem__("fail_rate", "high"), "expected number"),
    (lambda e: e.__setitem__("surprise", 1), "unexpected property"),
    (lambda e: e.__setitem__("tags", ["a", "a"]), "not unique"),
])
def test_validator_rejects(mutate, message):
    entry = _valid()
    mutate(entry)
    errors = validate(entry, load_schema())
    assert any(message in err for err in errors), errors


def test_validator_refuses_unknown_keywords():
    with pytest.raises(SchemaError):
        validate({}, {"oneOf": []})


def test_cross_entry_rules_catch_broken_examples_and_causes():
    broken = [dict(e) for e in ENTRIES]
    broken[0] = dict(broken[0], examples=["nothing like the regex"], causes=["not-a-cause"])
    errors = validate_entries(broken)
    assert any("example does not match" in e for e in errors)
    assert any("unknown cause id" in e for e in errors)
