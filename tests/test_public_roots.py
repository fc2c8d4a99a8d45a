"""The shipped public root list, its refresh tool, and the questions rules ask it.

Real certificates throughout: the roots come from the certifi bundle pip
vendors in the test interpreter (not hard-coded), the non-public CAs are made
here with trustme / cryptography. Every "is public" is paired with a "not
public" that uses the same code path.
"""

from __future__ import annotations

import datetime
import glob
import hashlib
import json
import os
import ssl
import subprocess
import sys
import zipfile
from types import SimpleNamespace

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tlsdoctor import public_roots as pr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join(ROOT, "tools", "refresh_public_roots.py")
SHIPPED = os.path.join(ROOT, "src", "tlsdoctor", "data", "public_roots.json")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import refresh_public_roots as refresh  # noqa: E402


def _certifi_bundle() -> str:
    from pip._vendor import certifi

    return certifi.where()


def _bundle_ders(path):
    with open(path, "rb") as fh:
        return refresh.ders_from_pem(fh.read())


@pytest.fixture(scope="module")
def isrg_x1():
    """ISRG Root X1 (Let's Encrypt, pypi.org's CA for years) as the certifi bundle carries it."""
    for der in _bundle_ders(_certifi_bundle()):
        facts = pr.cert_facts(der)
        if "commonName=ISRG Root X1" in facts.subject:
            return der, facts
    pytest.fail("the certifi bundle has no ISRG Root X1")


def _trustme_chain():
    ca = trustme.CA()
    leaf = ca.issue_cert("files.pythonhosted.org", "pypi.org", "example.com")
    return ca, [pr.cert_facts(ssl.PEM_cert_to_DER_cert(b.bytes().decode()))
                for b in leaf.cert_chain_pems]


# --- the shipped file ----------------------------------------------------------------------------

def test_shipped_list_parses_and_is_substantial():
    rl = pr.load()
    assert len(rl.roots) > 100
    assert [r.sha256 for r in rl.roots] == sorted(r.sha256 for r in rl.roots)
    assert all(len(r.sha256) == 64 and len(r.spki_sha256) == 64 for r in rl.roots)
    src = rl.sources[0]
    assert src["name"] == "certifi" and src["version"]
    assert pr.generated_on() <= datetime.datetime.now(datetime.timezone.utc).date()
    assert "certifi %s" % src["version"] in rl.describe()


def test_parse_refuses_other_formats_and_wrong_counts():
    good = json.loads(open(SHIPPED, "rb").read())
    for bad in ({**good, "format": 99}, {**good, "count": good["count"] + 1}, [1, 2]):
        with pytest.raises(ValueError):
            pr.parse(json.dumps(bad).encode())
    assert len(pr.parse(json.dumps(good).encode()).roots) == good["count"]


def test_age_days():
    day = pr.generated_on()
    assert pr.age_days(day) == 0
    assert pr.age_days(day + datetime.timedelta(days=400)) == 400


# --- public or not -------------------------------------------------------------------------------

def test_a_public_root_is_public(isrg_x1):
    der, facts = isrg_x1
    assert pr.is_public_root(der)
    assert pr.is_public_root(facts.sha256)
    assert pr.is_public_root(":".join(facts.sha256[i:i + 2] for i in range(0, 64, 2)).upper())
    assert pr.is_public_root(SimpleNamespace(sha256=facts.sha256))  # facts.Cert-like
    assert pr.is_public_spki(facts.spki_sha256)
    assert pr.public_root_for(facts.subject).sha256 == facts.sha256
    assert pr.public_root_for(facts.subject.upper()).sha256 == facts.sha256  # case-insensitive
    assert pr.public_root_for(facts.subject, key_id=facts.ski).sha256 == facts.sha256


def test_a_trustme_ca_is_not_public():
    ca, chain = _trustme_chain()
    ca_der = ssl.PEM_cert_to_DER_cert(ca.cert_pem.bytes().decode())
    ca_facts = pr.cert_facts(ca_der)
    assert not pr.is_public_root(ca_der)
    assert not pr.is_public_root(ca_facts.sha256)
    assert not pr.is_public_spki(ca_facts.spki_sha256)
    assert pr.public_root_for(ca_facts.subject) is None
    assert pr.anchor_of(chain) is None
    assert pr.anchor_of(chain + [ca_facts]) is None  # even with the CA presented
    assert not pr.is_public_root("") and not pr.is_public_spki("")


def test_anchor_of_a_chain(isrg_x1):
    der, root = isrg_x1
    leaf = SimpleNamespace(sha256="00" * 32, issuer="commonName=R11, organizationName=Let's Encrypt")
    inter = SimpleNamespace(sha256="11" * 32, issuer=root.subject)
    # The usual case: the server does not send the root; the top cert names it.
    a = pr.anchor_of([leaf, inter])
    assert (a.root.sha256, a.how, a.cert_index, a.proof) == (root.sha256, "issuer-name", 1, False)
    # The probe reporting the Authority Key Identifier turns the name into proof ...
    inter_kid = SimpleNamespace(sha256="11" * 32, issuer=root.subject, authority_key_id=root.ski.upper())
    assert pr.anchor_of([leaf, inter_kid]).how == "issuer-key-id"
    assert pr.anchor_of([leaf, inter_kid]).proof
    # ... and a forged name with another key into no anchor at all.
    forged = SimpleNamespace(sha256="11" * 32, issuer=root.subject, authority_key_id="ab" * 20)
    assert pr.anchor_of([leaf, forged]) is None
    # The root itself presented, or a cert carrying its key (re-issued / cross-signed).
    assert pr.anchor_of([leaf, inter, SimpleNamespace(sha256=root.sha256, issuer=root.subject)]).how == "fingerprint"
    cross = SimpleNamespace(sha256="22" * 32, issuer="commonName=DST Root CA X3", spki_sha256=root.spki_sha256)
    assert pr.anchor_of([leaf, cross]).how == "spki"
    assert pr.anchor_of([]) is None


def test_an_impostor_root_with_a_public_name_is_caught_by_its_key_id(isrg_x1):
    """A middlebox CA may copy a public root's name; its key (and so its key id) it cannot copy."""
    _, root = isrg_x1
    real = x509.load_der_x509_certificate(isrg_x1[0])
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    impostor = (x509.CertificateBuilder().subject_name(real.subject).issuer_name(real.subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(ski, critical=False)
                .sign(key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "pypi.org")]))
            .issuer_name(real.subject).public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
            .sign(key, hashes.SHA256()))
    leaf_facts = pr.cert_facts(leaf.public_bytes(serialization.Encoding.DER))
    imp_facts = pr.cert_facts(impostor.public_bytes(serialization.Encoding.DER))
    assert leaf_facts.issuer == root.subject
    assert leaf_facts.authority_key_id == ski.digest.hex() != root.ski
    assert pr.anchor_of([leaf_facts]) is None
    # Presented without key ids: the impostor itself is the anchor, and it is not public.
    no_kid = SimpleNamespace(sha256=leaf_facts.sha256, issuer=leaf_facts.issuer, subject=leaf_facts.subject)
    assert pr.anchor_of([no_kid, imp_facts]) is None
    assert pr.anchor_of([leaf_facts, imp_facts]) is None
    assert not pr.is_public_root(imp_facts.sha256)
    # Without the key id only the (forgeable) name is left: an anchor, but not proof.
    name_only = SimpleNamespace(sha256=leaf_facts.sha256, issuer=leaf_facts.issuer)
    assert pr.anchor_of([name_only]).proof is False


# --- the DER reader agrees with CPython's decoder and with cryptography --------------------------

def _decode_with_ssl(der, tmp_path):
    path = tmp_path / "c.pem"
    path.write_text(ssl.DER_cert_to_PEM_cert(der))
    d = ssl._ssl._test_decode_cert(str(path))

    def name(rdns):  # exactly as probe/target.py _name() joins them
        return ", ".join("%s=%s" % (k, v) for rdn in rdns for (k, v) in rdn)
    return name(d["subject"]), name(d["issuer"])


def _ders_to_check():
    ders = _bundle_ders(_certifi_bundle())
    ca, _ = _trustme_chain()
    leaf = ca.issue_cert("pypi.org")
    ders += [ssl.PEM_cert_to_DER_cert(b.bytes().decode()) for b in [ca.cert_pem] + leaf.cert_chain_pems]
    return ders


# certifi still carries roots with a negative serial number, which cryptography warns about.
@pytest.mark.filterwarnings("ignore:Parsed a serial number")
def test_der_reader_matches_the_probe_and_cryptography(tmp_path):
    ders = _ders_to_check()
    assert len(ders) > 100
    for der in ders:
        f = pr.cert_facts(der)
        assert (f.subject, f.issuer) == _decode_with_ssl(der, tmp_path)
        x = x509.load_der_x509_certificate(der)
        spki = x.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        assert f.spki_sha256 == hashlib.sha256(spki).hexdigest()
        assert f.sha256 == x.fingerprint(hashes.SHA256()).hex()
        try:
            ski = x.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()
        except x509.ExtensionNotFound:
            ski = ""
        try:
            aki = x.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        except x509.ExtensionNotFound:
            aki = None
        assert (f.ski, f.authority_key_id) == (ski, aki.hex() if aki else "")
        assert f.not_after == x.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("blob", [b"", b"\x30", b"\x30\x82\xff\xff\x00", b"\x04\x01\x00", b"not a cert"])
def test_der_reader_refuses_what_is_not_a_certificate(blob):
    with pytest.raises(ValueError):
        pr.cert_facts(blob)


def test_der_reader_refuses_a_truncated_certificate(isrg_x1):
    with pytest.raises(ValueError):
        pr.cert_facts(isrg_x1[0][:-10])


# --- the refresh tool ----------------------------------------------------------------------------

def _run_tool(*args):
    return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, timeout=120, check=True)


def test_refresh_is_deterministic(tmp_path):
    bundle = _certifi_bundle()
    a, b, c = (tmp_path / n for n in ("a.json", "b.json", "c.json"))
    _run_tool("--date", "2026-01-02", "--out", str(a), bundle)
    _run_tool("--date", "2026-01-02", "--out", str(b), bundle)
    assert a.read_bytes() == b.read_bytes()
    doc = json.loads(a.read_bytes())
    assert doc["sources"][0]["name"] == "certifi"
    from pip._vendor import certifi
    assert doc["sources"][0]["version"] == certifi.__version__
    assert not any(ROOT in s or "/" in s for src in doc["sources"] for s in map(str, src.values()))  # no paths
    assert pr.parse(a.read_bytes()).roots  # the module reads what the tool writes
    # Negative control: the date is part of the output, so "same bytes" above means something.
    _run_tool("--date", "2026-01-03", "--out", str(c), bundle)
    assert a.read_bytes() != c.read_bytes()


def test_refresh_merges_bundles_without_duplicates(tmp_path):
    bundle = _certifi_bundle()
    ca, _ = _trustme_chain()
    extra = tmp_path / "extra.pem"
    extra.write_bytes(ca.cert_pem.bytes())
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    _run_tool("--date", "2026-01-02", "--out", str(one), bundle)
    _run_tool("--date", "2026-01-02", "--out", str(two), bundle, bundle, str(extra))
    n1, n2 = json.loads(one.read_bytes())["count"], json.loads(two.read_bytes())["count"]
    assert n2 == n1 + 1


def _candidate_bundles():
    """Where a certifi bundle may be on this machine: this interpreter's pip and
    certifi, the lab's cached pip clients, the pyenv interpreters."""
    yield _certifi_bundle()
    try:
        import certifi
        yield certifi.where()
    except ImportError:
        pass
    home = os.path.expanduser("~")
    for pattern in (".cache/tlsdoctor/lab/venvs/*/lib/python*/site-packages/pip/_vendor/certifi/cacert.pem",
                    ".cache/tlsdoctor/lab/venvs/*/lib/python*/site-packages/certifi/cacert.pem",
                    ".pyenv/versions/*/lib/python*/site-packages/pip/_vendor/certifi/cacert.pem"):
        yield from sorted(glob.glob(os.path.join(home, pattern)))


def test_refresh_reproduces_the_shipped_file(tmp_path):
    shipped = open(SHIPPED, "rb").read()
    doc = json.loads(shipped)
    wanted = [s["sha256"] for s in doc["sources"]]
    found = {}
    for path in _candidate_bundles():
        with open(path, "rb") as fh:
            h = hashlib.sha256(fh.read()).hexdigest()
        if h in wanted and h not in found:
            found[h] = path
    if len(found) != len(wanted):
        pytest.skip("the certifi bundle the shipped list came from (%s) is not on this machine"
                    % ", ".join("%s %s" % (s["name"], s.get("version")) for s in doc["sources"]))
    out = tmp_path / "again.json"
    _run_tool("--date", doc["generated_on"], "--out", str(out), *[found[h] for h in wanted])
    assert out.read_bytes() == shipped


# --- lazy loading, and loading from a zip (the .pyz build) --------------------------------------

def _python(code, **env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True,
                          env={**os.environ, **env}).stdout.strip()


def test_explain_does_not_import_the_root_list():
    out = _python("import sys, tlsdoctor.explain, tlsdoctor.cli; print('tlsdoctor.public_roots' in sys.modules)")
    assert out == "False"
    # Negative control: the same probe sees the module once something imports it.
    out = _python("import sys, tlsdoctor.explain, tlsdoctor.public_roots; print('tlsdoctor.public_roots' in sys.modules)")
    assert out == "True"


def test_importing_the_module_does_not_read_the_list():
    out = _python("from tlsdoctor import public_roots as p; a = p.shipped.cache_info().currsize; p.load(); "
                  "print(a, p.shipped.cache_info().currsize)")
    assert out == "0 1"


def test_the_list_loads_from_a_zipapp(tmp_path):
    pkg = os.path.join(ROOT, "src", "tlsdoctor")
    z = tmp_path / "td.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for rel in ("__init__.py", "public_roots.py", "data/public_roots.json"):
            zf.write(os.path.join(pkg, rel), "tlsdoctor/" + rel)
    out = subprocess.run([sys.executable, "-I", "-c",
                          "import sys; sys.path.insert(0, %r); from tlsdoctor import public_roots as p; "
                          "print(p.__file__.startswith(%r), len(p.load().roots))" % (str(z), str(z))],
                         capture_output=True, text=True, timeout=60, check=True).stdout.split()
    assert out == ["True", str(len(pr.load().roots))]


# --- the lab's test switch (public_roots.LAB_ENV) ---------------------------------------------

def _lab_file(tmp_path, name="lab.pem", pid=None, ca=None, key_of=None, mode=0o600, certs=1):
    ca = ca or trustme.CA()
    key = (key_of or ca).private_key_pem.bytes()
    text = pr.lab_file_text(os.getpid() if pid is None else pid, ca.cert_pem.bytes() * certs, key)
    path = tmp_path / name
    path.write_bytes(text)
    os.chmod(str(path), mode)
    return str(path), ca


def _leaf_of(ca):
    leaf = ca.issue_cert("pypi.org")
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    f = pr.cert_facts(der)
    return SimpleNamespace(sha256=f.sha256, issuer=f.issuer, subject=f.subject, authority_key_id=f.authority_key_id)


def test_lab_switch_is_off_by_default_and_honoured_only_as_the_lab_writes_it(tmp_path, monkeypatch):
    monkeypatch.delenv(pr.LAB_ENV, raising=False)
    path, ca = _lab_file(tmp_path)
    leaf = _leaf_of(ca)
    assert pr.lab_switch() is None and pr.load() is pr.shipped() and pr.anchor_of([leaf]) is None
    monkeypatch.setenv(pr.LAB_ENV, path)
    lab = pr.lab_switch()
    assert lab.honoured and "LAB TEST SWITCH ON" in lab.describe()
    a = pr.anchor_of([leaf])
    assert a is not None and a.proof and a.how == "issuer-key-id"
    assert "PLUS 1 LAB ROOT(S)" in pr.load().describe() and len(pr.load().roots) == len(pr.shipped().roots) + 1


def _unrelated_ca():
    return trustme.CA()


@pytest.mark.parametrize("how,why", [
    ("no key", "private key"),
    ("another CA's key", "private key"),
    ("dead pid", "no longer running"),
    ("no mark", "not a file the lab wrote"),
    ("group readable", "other users"),
    ("symlink", "not a regular file"),
    ("relative", "absolute"),
    ("two certs", "exactly one certificate"),
    ("not a root", "not a root"),
    ("missing", "cannot read"),
    ("garbage DER", "its certificate cannot be read"),
    ("OPENSSL_CONF fifo", "OPENSSL_CONF is not a regular file"),
])
def test_lab_switch_refuses_what_the_lab_did_not_make(tmp_path, monkeypatch, how, why):
    """A CA whose key is not beside it (any real company or public CA), a stale run, a file others
    could have written: ignored, said so, and the shipped list alone answers (negative controls)."""
    ca = trustme.CA()
    path, _ = _lab_file(tmp_path, ca=ca)
    if how == "no key":
        (tmp_path / "lab.pem").write_bytes(pr.lab_file_text(os.getpid(), ca.cert_pem.bytes(), b""))
    elif how == "another CA's key":
        path, _ = _lab_file(tmp_path, ca=ca, key_of=_unrelated_ca())
    elif how == "dead pid":
        proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], stdout=subprocess.PIPE)
        path, _ = _lab_file(tmp_path, ca=ca, pid=int(proc.stdout))
    elif how == "no mark":
        (tmp_path / "lab.pem").write_bytes(ca.cert_pem.bytes() + ca.private_key_pem.bytes())
    elif how == "group readable":
        path, _ = _lab_file(tmp_path, ca=ca, mode=0o640)
    elif how == "symlink":
        os.symlink(path, str(tmp_path / "link.pem"))
        path = str(tmp_path / "link.pem")
    elif how == "relative":
        monkeypatch.chdir(str(tmp_path))
        path = "lab.pem"
    elif how == "two certs":
        path, _ = _lab_file(tmp_path, ca=ca, certs=2)
    elif how == "not a root":
        leaf = ca.issue_cert("lab.invalid")
        (tmp_path / "lab.pem").write_bytes(pr.lab_file_text(
            os.getpid(), leaf.cert_chain_pems[0].bytes(), leaf.private_key_pem.bytes()))
    elif how == "missing":
        path = str(tmp_path / "gone.pem")
    elif how == "OPENSSL_CONF fifo":  # hashing would load OpenSSL, which would block reading it
        os.mkfifo(str(tmp_path / "openssl.cnf"))
        monkeypatch.setenv("OPENSSL_CONF", str(tmp_path / "openssl.cnf"))
    elif how == "garbage DER":  # PEM armour around bytes the strict DER reader rejects: refused, said why
        (tmp_path / "lab.pem").write_bytes(pr.lab_file_text(
            os.getpid(), b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n", ca.private_key_pem.bytes()))
    monkeypatch.setenv(pr.LAB_ENV, path)
    lab = pr.lab_switch()
    assert lab is not None and not lab.honoured and why in lab.refused, lab
    assert "ignored" in lab.describe()
    assert pr.load() is pr.shipped() and pr.anchor_of([_leaf_of(ca)]) is None
