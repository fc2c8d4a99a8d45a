"""Where each of pip's network settings came from (``pip config debug`` style).

The *values* come from the target pip itself (the probe calls its own option
parser, so they are exactly what that pip uses). This module only explains
their provenance, replaying pip's own merge order
(``ConfigOptionParser._get_ordered_configuration_items``):

- files load global -> user -> site -> PIP_CONFIG_FILE, a later file wins
  for the same ``section.key``;
- then, across all files, ``[global]`` < ``[install]`` (the command's own
  section) < ``PIP_*`` environment variables;
- empty values are ignored; ``PIP_CONFIG_FILE=os.devnull`` loads no file.
- the command line (``--cert``...) beats all of them (check passes none,
  except ``--index-url`` when asked).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from tlsdoctor.facts import Facts

KEYS = ("index-url", "extra-index-url", "cert", "client-cert", "trusted-host", "proxy", "timeout",
        "retries", "no-index", "use-deprecated", "use-feature")
COMMAND = "install"


@dataclass(frozen=True)
class Provenance:
    key: str
    value: str
    source: str  # "PIP_CERT", "/etc/pip.conf [global]", ...
    overridden: Tuple[str, ...] = ()  # lower-priority places that also set it


def provenance(f: Facts) -> Dict[str, Provenance]:
    merged: Dict[str, Tuple[str, str]] = {}  # "section.key" -> (value, source)
    shadowed: Dict[str, List[str]] = {}
    for level in f.pip_config.get("levels") or []:
        for entry in level.get("files") or []:
            for skey, value in (entry.get("values") or {}).items():
                if skey in merged:
                    shadowed.setdefault(skey, []).append(merged[skey][1])
                section = skey.split(".", 1)[0]
                merged[skey] = (str(value), "%s [%s] (%s level)" % (entry.get("path"), section, level.get("level")))
    for name, value in (f.pip_env or {}).items():
        if name.upper() == "PIP_CONFIG_FILE":
            continue
        key = name[4:].lower().replace("_", "-")
        merged[":env:." + key] = (str(value), name)
    out: Dict[str, Provenance] = {}
    for key in KEYS:
        chosen = None
        losers: List[str] = []
        for section in ("global", COMMAND, ":env:"):
            skey = section + "." + key
            if skey in merged and merged[skey][0] != "":
                if chosen:
                    losers.append(chosen[1])
                chosen = merged[skey]
                losers.extend(shadowed.get(skey, []))
        if chosen:
            out[key] = Provenance(key, chosen[0], chosen[1], tuple(losers))
    return out


@dataclass(frozen=True)
class Trust:
    """What pip's session really verifies one index host with (from measured facts)."""

    host: str  # the index URL
    store: str  # "off" | "bundle" | "certifi" | "os+certifi"
    effect: str  # "off": nothing verified; "replaces": the bundle replaces certifi; "adds": added to OS + certifi;
    #              "default": pip's own default (certifi, or the OS store + certifi)
    path: Optional[str] = None  # the bundle file (certifi's for "certifi")
    source: Optional[str] = None  # where the bundle comes from: REQUESTS_CA_BUNDLE, "cert (PIP_CERT)"...
    trusted_hosts: Tuple[str, ...] = ()  # the trusted-host prefixes that turn verification off
    cert_ignored: Optional[str] = None  # pip's cert= that a variable beats
    trust_env: Optional[bool] = None

    def to_json(self) -> Dict[str, object]:
        return {"host": self.host, "store": self.store, "effect": self.effect, "path": self.path,
                "source": self.source, "trusted_hosts": list(self.trusted_hosts), "cert_ignored": self.cert_ignored,
                "trust_env": self.trust_env, "text": _trust_lines(self)}


def trust_records(f: Facts) -> List[Trust]:
    """Per index host: which trust store pip really uses, where it comes from, what it replaces or adds to."""
    out: List[Trust] = []
    for h in f.hosts:
        s = h.session
        if s is None:
            continue
        eff = s.effective_verify
        # pip mounts an adapter that forces verify=False for trusted hosts
        # (InsecureHTTPAdapter); "http://" itself is always mounted so.
        off = tuple(p for p in s.insecure_prefixes if p != "http://" and h.url.startswith(p.rstrip("/")))
        if eff is False or off:
            out.append(Trust(h.url, "off", "off", trusted_hosts=off or (h.host,), trust_env=s.trust_env))
            continue
        if isinstance(eff, str):
            src = _bundle_source(f, eff, s.trust_env)
            cert = f.pip_options.get("cert")
            out.append(Trust(h.url, "bundle", "adds" if s.uses_truststore else "replaces", eff, src,
                             cert_ignored=cert if cert and cert != eff else None, trust_env=s.trust_env))
        elif s.uses_truststore:
            out.append(Trust(h.url, "os+certifi", "default", trust_env=s.trust_env))
        else:
            out.append(Trust(h.url, "certifi", "default", f.certifi.path if f.certifi else None,
                             trust_env=s.trust_env))
    return out


def _bundle_source(f: Facts, bundle: str, trust_env: Optional[bool]) -> str:
    """Which setting put ``bundle`` into pip's session (requests' merge: the variables beat pip's cert)."""
    for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        if var in f.ca_env and f.ca_env[var][0] == bundle and trust_env:
            return var
    if f.pip_options.get("cert") == bundle:
        p = provenance(f).get("cert")
        return "cert (%s)" % (p.source if p else "pip option")
    return "?"


def _trust_lines(t: Trust) -> List[str]:
    if t.store == "off":
        return ["%s: certificate verification is OFF (trusted-host %s): any certificate is accepted"
                % (t.host, ", ".join(t.trusted_hosts))]
    if t.store == "bundle":
        how = "added to the OS store + certifi (truststore context)" if t.effect == "adds" else "replaces certifi"
        lines = ["%s: CA bundle %s from %s, %s" % (t.host, t.path, t.source, how)]
        if t.cert_ignored:
            lines.append("  pip's cert=%s is NOT used: %s wins (requests' merge_environment_settings)"
                         % (t.cert_ignored, t.source))
    elif t.store == "os+certifi":
        lines = ["%s: OS trust store + certifi (truststore)" % t.host]
    else:
        lines = ["%s: certifi (%s)" % (t.host, t.path or "?")]
    if t.trust_env is False:
        lines.append("  trust_env is off (a pip proxy option): REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and proxy variables are ignored")
    return lines


def trust_explanation(f: Facts) -> List[str]:
    """The trust precedence that really applies for this pip, in words, from measured facts."""
    return [line for t in trust_records(f) for line in _trust_lines(t)]
