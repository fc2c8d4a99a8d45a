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
from typing import Dict, List, Tuple

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


def trust_explanation(f: Facts) -> List[str]:
    """The trust precedence that really applies for this pip, in words, from measured facts."""
    lines: List[str] = []
    for h in f.hosts:
        s = h.session
        if s is None:
            continue
        eff = s.effective_verify
        # pip mounts an adapter that forces verify=False for trusted hosts
        # (InsecureHTTPAdapter); "http://" itself is always mounted so.
        off = [p for p in s.insecure_prefixes if p != "http://" and h.url.startswith(p.rstrip("/"))]
        if eff is False or off:
            lines.append("%s: certificate verification is OFF (trusted-host %s): any certificate is accepted"
                         % (h.url, ", ".join(off) or h.host))
            continue
        if isinstance(eff, str):
            src = "?"
            for var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
                if var in f.ca_env and f.ca_env[var][0] == eff and s.trust_env:
                    src = var
                    break
            else:
                if f.pip_options.get("cert") == eff:
                    p = provenance(f).get("cert")
                    src = "cert (%s)" % (p.source if p else "pip option")
            base = "replaces certifi"
            if s.uses_truststore:
                base = "added to the OS store + certifi (truststore context)"
            lines.append("%s: CA bundle %s from %s, %s" % (h.url, eff, src, base))
            if f.pip_options.get("cert") and f.pip_options.get("cert") != eff:
                lines.append("  pip's cert=%s is NOT used: %s wins (requests' merge_environment_settings)"
                             % (f.pip_options.get("cert"), src))
        else:
            what = "OS trust store + certifi (truststore)" if s.uses_truststore else "certifi (%s)" % (
                f.certifi.path if f.certifi else "?")
            lines.append("%s: %s" % (h.url, what))
        if s.trust_env is False:
            lines.append("  trust_env is off (a pip proxy option): REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and proxy variables are ignored")
    return lines
