"""Plans: the typed file changes a ``fix`` would make, built from remedies Steps.

A ``Plan`` is data — nothing is touched until ``apply.apply`` runs it. Each ``Change``
says which file, what (one pip-config key, one shell variable, the CA bundle), the
scope, and why; its new bytes are computed from the file's bytes *at apply time*
(``Change.compute``), so a plan shown a minute earlier cannot clobber an edit made
in between.

``refusals(plan)`` is the one safety gate. It runs when the plan is built and again
inside ``apply`` before the first write, and refuses anything that weakens
verification: ``trusted-host``, any ``verify``-style switch, an ``http://`` index,
mirror or find-links URL, a ``cert``/CA-bundle setting whose file holds fewer than
two certificates (pip's ``cert`` and ``REQUESTS_CA_BUNDLE`` *replace* the roots, so a
one-CA bundle breaks every other host), system scope without an explicit request.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Tuple

from tlsdoctor.fix import edits, fsutil
from tlsdoctor.fix._redact import redact_text
from tlsdoctor.messages import M, Msg

# Steps (``tlsdoctor.remedies.Step``) are read by attribute and their kind by *value*
# ("set_config", ...), so a step whose value the front end replaced (``_Replaced``,
# a presented CA written to a temp file) reads the same.
RUN, SET_CONFIG, UNSET_CONFIG, SET_ENV, UNSET_ENV, ADD_CA, SERVER, MANUAL = (
    "run", "set_config", "unset_config", "set_env", "unset_env", "add_ca", "server", "manual")
SET_TOOL_CONFIG, UNSET_TOOL_CONFIG = "set_tool_config", "unset_tool_config"

PIP_CONFIG = "pip_config"
SHELL = "shell"
CA_BUNDLE = "ca_bundle"
SIDECAR = "ca_bundle_sidecar"
TOOL_CONFIG = "tool_config"  # one key of uv.toml / Poetry's config.toml (fix.toml_edit)
TOOL_CONFIG_NAMES = ("uv.toml", "config.toml")

# Variables whose value is a CA bundle that *replaces* the default roots.
CA_BUNDLE_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "PIP_CERT")
# pip options that name package sources: a plain-HTTP one is readable and forgeable.
URL_KEYS = ("index-url", "extra-index-url", "find-links", "index")
FALSY = ("", "0", "false", "no", "off", "n", "f")


def _kind(step: object) -> str:
    kind = getattr(step, "kind", None)
    return str(getattr(kind, "value", kind))


def _scope(value: object) -> str:
    return str(getattr(value, "value", value) or "user")


@dataclass(frozen=True)
class Change:
    kind: str  # PIP_CONFIG | SHELL | CA_BUNDLE | SIDECAR
    path: str
    scope: str  # "interpreter" | "user" | "system"
    why: str
    key: Optional[str] = None  # PIP_CONFIG: "section.key"; SHELL: the variable
    value: Optional[str] = None  # None: unset / comment out
    content: Optional[bytes] = None  # CA_BUNDLE / SIDECAR: the whole new file

    def compute(self, current: Optional[bytes], fix_id: str) -> bytes:
        """The file's new bytes from its bytes now (pure; raises ``edits.EditError``)."""
        if self.kind == PIP_CONFIG:
            return edits.edit_pip_config(current, self.key or "", self.value)
        if self.kind == TOOL_CONFIG:
            from tlsdoctor.fix import toml_edit

            return toml_edit.edit_toml(current, self.key or "", self.value)
        if self.kind == SHELL:
            return edits.edit_shell_file(current, self.key or "", self.value,
                                         kind=edits.shell_kind(self.path), fix_id=fix_id,
                                         reason=redact_text(self.why)[:200])
        if self.content is None:
            raise edits.EditError("no content for %s" % self.path)
        return self.content

    def summary(self, lang: str = "en") -> str:
        """One line, redacted: what changes where (``lang`` "zh": in Chinese, the path and values as they are)."""
        where = self.path
        if self.kind == PIP_CONFIG:
            what = M("plan.set", "set %s = %s", self.key, self.value) if self.value is not None else \
                M("plan.remove", "remove %s", self.key)
        elif self.kind == SHELL:
            what = (M("plan.set_shell", "set %s=%s (the line that sets it is kept, commented out)", self.key,
                      self.value) if self.value is not None else
                    M("plan.comment_out", "comment out the line(s) that set %s", self.key))
        elif self.kind == TOOL_CONFIG:
            from tlsdoctor.fix.toml_edit import literal

            what = M("plan.set", "set %s = %s", self.key, literal(self.value)) if self.value is not None else \
                M("plan.remove", "remove %s", self.key)
        elif self.kind == CA_BUNDLE:
            n = len(edits.pem_certificates(self.content or b""))
            what = M("plan.write_bundle", "write the tlsdoctor CA bundle (%d certificates: the usual public roots + "
                                          "the confirmed CA)", n)
        else:
            what = M("plan.record_inputs", "record the bundle's inputs (sha256) to notice when it goes stale")
        return redact_text(_say(M("plan.summary", "%s: %s", where, what), lang))

    def to_json(self) -> dict:
        return {"kind": self.kind, "path": self.path, "scope": self.scope, "key": self.key,
                "value": redact_text(self.value) if self.value is not None else None,
                "why": redact_text(self.why), "summary": self.summary()}


def _say(text: object, lang: str) -> str:
    """A message in ``lang`` ("zh": by its id, ``render.zh``); English and plain strings as they are."""
    if lang == "zh" and isinstance(text, Msg):
        from tlsdoctor.render import zh

        return zh.tr(text)
    return text  # type: ignore[return-value]


def _redacted(text: object) -> object:
    """``redact_text`` that keeps a message's id: its values are redacted one by one."""
    if isinstance(text, Msg):
        return Msg(text.id, text.template, *[_redacted(a) if isinstance(a, str) else a for a in text.args])
    return redact_text(text)  # type: ignore[arg-type]


# The plan's own words (``render``): English, and Chinese for ``fix --lang zh``.
LABELS = {
    "en": {"interpreter": "this interpreter", "user": "this user", "system": "system", "why": "   why: %s",
           "nothing": "nothing to change automatically", "manual": "manual: %s", "refused": "refused: %s"},
    "zh": {"interpreter": "这个解释器", "user": "这个用户", "system": "系统", "why": "   原因：%s",
           "nothing": "没有可以自动更改的内容", "manual": "手动：%s", "refused": "已拒绝：%s"},
}


@dataclass
class Plan:
    changes: List[Change] = field(default_factory=list)
    manual: List[str] = field(default_factory=list)  # steps a person must do (redacted text)
    refused: List[str] = field(default_factory=list)  # steps refused as unsafe, with why
    lang: str = "en"  # the language render() speaks (PlanContext.lang); to_json is always English

    def render(self) -> str:
        t = LABELS.get(self.lang, LABELS["en"])
        lines = []
        for n, ch in enumerate(self.changes, 1):
            lines.append("%d. [%s] %s" % (n, t.get(ch.scope, ch.scope), ch.summary(self.lang)))
            lines.append(t["why"] % redact_text(_say(ch.why, self.lang)))
        if not self.changes:
            lines.append(t["nothing"])
        for m in self.manual:
            lines.append(t["manual"] % redact_text(_say(m, self.lang)))
        for r in self.refused:
            lines.append(t["refused"] % redact_text(_say(r, self.lang)))
        return "\n".join(lines)

    def to_json(self) -> dict:
        return {"changes": [c.to_json() for c in self.changes],
                "manual": [redact_text(m) for m in self.manual],
                "refused": [redact_text(r) for r in self.refused]}


# ---------------------------------------------------------------- the safety gate

def _pip_name(key: str) -> str:
    return edits.pip_key_name(key.split(".", 1)[1] if "." in key else key)


def _env_as_pip(var: str) -> Optional[str]:
    # pip reads PIP_<OPTION> (``_normalize_name`` over the rest, "_" -> "-")
    return edits.pip_key_name(var[4:]) if var.upper().startswith("PIP_") else None


def _bundle_bytes(path: str, plan: Plan) -> Optional[bytes]:
    target = fsutil.real_path(path)
    for ch in plan.changes:
        if ch.kind == CA_BUNDLE and fsutil.real_path(ch.path) == target:
            return ch.content
    if os.path.isdir(os.path.expanduser(path)):
        return None  # a hashed CA directory: not something tlsdoctor writes or can count for certain
    try:
        data, _ = fsutil.read_state(path)
    except OSError:
        return None
    return data


def _setting_refusal(name: str, value: Optional[str], plan: Plan, label: str) -> Optional[str]:
    """Rules shared by pip keys and PIP_* variables (``name`` pip-normalized)."""
    if value is None:
        return None  # removing a setting never weakens verification by itself
    v = value.strip().lower()
    if name == "trusted-host":
        return M("plan.trusted_host", "%s: trusted-host switches certificate verification off for that host", label)
    if "verify" in name or "insecure" in name:
        return M("plan.verify_switch", "%s: a verification switch is never written", label)
    if name in URL_KEYS and any(tok.lower().startswith("http://") for tok in value.split()):
        return M("plan.plain_http", "%s: a plain-HTTP package source can be read and forged by anyone on the path",
                 label)
    if name == "cert":
        if v in FALSY:
            return M("plan.cert_falsy", "%s: cert = %s would not point at a CA bundle", label, value)
        return _bundle_refusal(value, plan, label)
    return None


def _bundle_refusal(path: str, plan: Plan, label: str) -> Optional[str]:
    data = _bundle_bytes(path, plan)
    if data is None:
        return M("plan.unreadable_bundle", "%s: %s is not a readable CA bundle file", label, path)
    n = len(edits.pem_certificates(data))
    if n < 2:
        return M("plan.too_few_certs", "%s: %s holds %d certificate(s); it would replace every public root and break "
                                       "all other hosts", label, path, n)
    return None


def _config_file_refusal(path: str, plan: Plan, label: str) -> Optional[str]:
    """PIP_CONFIG_FILE may only point at a file that passes the same rules, key by key."""
    try:
        data, _ = fsutil.read_state(path)
    except OSError as exc:
        return M("plan.cannot_read", "%s: cannot read %s (%s)", label, path, exc.strerror)
    if data is None:
        return None  # pip ignores a missing PIP_CONFIG_FILE
    try:
        text = "\n".join(c.decode("utf-8", "replace") for c, _ in edits.split_lines(data)) + "\n"
        values = edits._pip_view(text)
    except edits.EditError as exc:
        return "%s: %s" % (label, exc)
    for key, value in sorted(values.items()):
        why = _setting_refusal(_pip_name(key), value, plan, "%s -> %s [%s]" % (label, path, key))
        if why:
            return why
    return None


SHELL_FILE_NAMES = (".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshenv", ".zprofile", ".zshrc",
                    "config.fish")


def _file_kind_refusal(ch: Change) -> Optional[str]:
    """A change may only touch the kind of file it is for (a hostile or buggy plan must
    not append an export block to ~/.ssh/authorized_keys)."""
    name = os.path.basename(ch.path)
    if ch.kind == SHELL and name not in SHELL_FILE_NAMES:
        return M("plan.not_shell_file", "%s is not a shell start-up file (%s)", ch.path, ", ".join(SHELL_FILE_NAMES))
    if ch.kind == TOOL_CONFIG and name not in TOOL_CONFIG_NAMES:
        return M("plan.not_tool_file", "%s is not a tool configuration file tlsdoctor edits (%s)", ch.path,
                 ", ".join(TOOL_CONFIG_NAMES))
    if ch.kind == PIP_CONFIG and name not in ("pip.conf", "pip.ini"):
        named = os.environ.get("PIP_CONFIG_FILE")
        if not named or fsutil.real_path(named) != fsutil.real_path(ch.path):
            return M("plan.not_pip_file", "%s is neither pip.conf/pip.ini nor the file PIP_CONFIG_FILE names", ch.path)
    return None


def _shell_refusal(ch: Change, plan: Plan) -> Optional[str]:
    var = (ch.key or "").upper()
    label = "%s (%s)" % (ch.path, ch.key)
    if ch.value is None:
        return None
    if var == "PYTHONHTTPSVERIFY" and ch.value.strip() != "1":
        return M("plan.pythonhttpsverify", "%s: PYTHONHTTPSVERIFY=%s switches verification off", label, ch.value)
    if "VERIFY" in var or "INSECURE" in var:
        return M("plan.verify_switch", "%s: a verification switch is never written", label)
    if var == "PIP_CONFIG_FILE":
        return _config_file_refusal(ch.value, plan, label)
    pip = _env_as_pip(var)
    why = _setting_refusal(pip, ch.value, plan, label) if pip else None
    if why:
        return why
    if var in CA_BUNDLE_VARS or var.endswith("_CA_BUNDLE"):
        return _bundle_refusal(ch.value, plan, label)
    return None


def _pip_config_refusal(ch: Change, plan: Plan) -> Optional[str]:
    return _setting_refusal(_pip_name(ch.key or ""), ch.value, plan, "%s [%s]" % (ch.path, ch.key))


def _ca_bundle_refusal(ch: Change, plan: Plan) -> Optional[str]:
    n = len(edits.pem_certificates(ch.content or b""))
    if n < 2:
        return M("plan.only_that_ca", "%s: a bundle with %d certificate(s) would trust only that CA", ch.path, n)
    return None


def _tool_config_refusal(ch: Change, plan: Plan) -> Optional[str]:
    """uv's ``allow-insecure-host``, Poetry's ``cert = false``, conda's ``ssl_verify false``:
    every switch that turns verification off; a ``cert`` must be a full bundle."""
    label = "%s [%s]" % (ch.path, ch.key)
    name = (ch.key or "").rsplit(".", 1)[-1].strip('"').lower().replace("_", "-")
    if ch.value is None:
        return None
    if "insecure" in name or "verify" in name or name in ("trusted-host", "no-verify"):
        return M("plan.verify_switch", "%s: a verification switch is never written", label)
    if name in ("cert", "ca-cert", "cafile", "ca-bundle", "ssl-cert-file"):
        if ch.value.strip().lower() in FALSY:
            return M("plan.switches_off", "%s: %s = %s switches verification off", label, name, ch.value)
        return _bundle_refusal(ch.value, plan, label)
    if name in URL_KEYS and ch.value.lower().startswith("http://"):
        return M("plan.plain_http", "%s: a plain-HTTP package source can be read and forged by anyone on the path",
                 label)
    return None


# What each kind of change is checked for, once it passed the checks common to all kinds.
_KIND_REFUSALS = {
    PIP_CONFIG: _pip_config_refusal,
    SHELL: _shell_refusal,
    CA_BUNDLE: _ca_bundle_refusal,
    TOOL_CONFIG: _tool_config_refusal,
}


def change_refusal(ch: Change, plan: Plan, allow_system: bool = False) -> Optional[str]:
    if ch.value is not None and "***" in ch.value:
        # A value rebuilt from a redacted one (the probe masks credentials): writing it
        # would replace the user's real credentials with the mask.
        return M("plan.redaction_mask", "%s (%s): the new value holds a redaction mask (***), not the real "
                                        "credentials", ch.path, ch.key)
    if ch.scope == "system" and not allow_system:
        return M("plan.system_file", "%s: a system-wide file, changed only with root and --scope system", ch.path)
    why = _file_kind_refusal(ch)
    if why:
        return why
    check = _KIND_REFUSALS.get(ch.kind)
    return check(ch, plan) if check else None


def refusals(plan: Plan, allow_system: bool = False) -> List[str]:
    """Every reason this plan must not run (empty: it may)."""
    out = []
    for ch in plan.changes:
        why = change_refusal(ch, plan, allow_system)
        if why:
            out.append(redact_text(why))
    return out


# ---------------------------------------------------------------- building plans

SHELL_FILES = {  # login shell -> the file a new export goes to
    "bash": "~/.bashrc",
    "zsh": "~/.zshrc",
    "fish": "~/.config/fish/config.fish",
}
SEARCHED_SHELL_FILES = ("~/.bashrc", "~/.bash_profile", "~/.bash_login", "~/.profile", "~/.zshenv",
                        "~/.zprofile", "~/.zshrc", "~/.config/fish/config.fish")


def default_user_config() -> str:
    """pip's per-user file (``site_config_dirs``/``user_config_dir`` as pip >= 20 uses)."""
    if os.name == "nt":
        return os.path.join(os.environ.get("APPDATA", os.path.expanduser("~")), "pip", "pip.ini")
    import sys
    if sys.platform == "darwin":
        # pip prefers ~/Library/Application Support/pip/pip.conf, but reads ~/.config/pip
        # too when it exists (pip._internal.utils.appdirs.user_config_dir).
        legacy = os.path.expanduser("~/.config/pip")
        if os.path.isdir(legacy):
            return os.path.join(legacy, "pip.conf")
        return os.path.expanduser("~/Library/Application Support/pip/pip.conf")
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return os.path.join(base, "pip", "pip.conf")


@dataclass
class PlanContext:
    """What the planner needs to know about this machine (filled by ``fix``'s front end)."""
    user_config: str = field(default_factory=default_user_config)
    cert_config: Optional[str] = None  # the pip config file whose cert= wins today (check's provenance)
    shell: str = field(default_factory=lambda: os.path.basename(os.environ.get("SHELL", "")))
    home: str = field(default_factory=lambda: os.path.expanduser("~"))
    allow_system: bool = False  # root and an explicit --scope system
    allow_weaker: bool = False
    confirmed_cas: Dict[str, bytes] = field(default_factory=dict)  # sha256 -> DER, already confirmed
    ca_subjects: Dict[str, str] = field(default_factory=dict)
    base_bundle: Optional[str] = None  # the bundle pip would otherwise use (certifi's cacert.pem)
    bundle_path: str = field(default_factory=edits.bundle_path)
    lang: str = "en"  # the language of the plan's text (``fix --lang zh``; never for --json)

    def expand(self, path: str) -> str:
        if path.startswith("~"):
            path = os.path.join(self.home, path[2:] if path.startswith("~/") else path[1:])
        return os.path.abspath(path)


def _source_file(source: Optional[str], ctx: PlanContext) -> Optional[str]:
    """``"~/.bashrc:12"`` -> the start-up file; None when the source is not such a file."""
    if not source:
        return None
    path = re.sub(r":\d+$", "", source.strip())
    if not (path.startswith(("/", "~")) or os.path.isabs(path)):
        return None
    full = ctx.expand(path)
    known = set(ctx.expand(p) for p in SEARCHED_SHELL_FILES)
    return full if full in known else None


def _env_changes(step, ctx: PlanContext, plan: Plan) -> None:
    var = step.key or ""
    value = step.value if _kind(step) == SET_ENV else None
    if value and value.startswith("~/"):
        # A quoted "~" is not expanded by the shell (nor by requests for REQUESTS_CA_BUNDLE).
        value = ctx.expand(value)
    scope = _scope(step.scope)
    candidates: List[str] = []
    named = _source_file(step.source, ctx)
    if named:
        candidates = [named]
    else:
        candidates = [ctx.expand(p) for p in SEARCHED_SHELL_FILES]
    setting: List[str] = []
    for path in candidates:
        data, _ = fsutil.read_state(path)
        if not data:
            continue
        try:
            found = edits.find_exports(data, var, edits.shell_kind(path))
        except edits.EditError as exc:
            plan.manual.append(str(exc))
            return
        bad = [f for f in found if not f.safe]
        if bad:
            plan.manual.append(M("plan.by_hand", "%s line %d sets %s and %s; change it by hand", path,
                                 bad[0].index + 1, var, bad[0].why))
            return
        if found:
            setting.append(path)
    if value is None:
        if not setting:
            plan.manual.append(M(
                "plan.not_in_startup_file", "%s is not set in any start-up file tlsdoctor can edit (%s); unset it "
                "where it is set (CI or IDE settings, /etc/environment, a wrapper script)%s", var,
                ", ".join(SEARCHED_SHELL_FILES), M("plan.comes_from", " — it comes from %s", step.source)
                if step.source else ""))
            return
        for path in setting:
            plan.changes.append(Change(SHELL, path, scope, step.explanation, var, None))
        return
    if setting:
        for path in setting:
            plan.changes.append(Change(SHELL, path, scope, step.explanation, var, value))
        return
    target = ctx.expand(SHELL_FILES.get(ctx.shell, "~/.profile"))
    plan.changes.append(Change(SHELL, target, scope, step.explanation, var, value))


def ca_candidates(steps: Iterable[object]) -> List[object]:
    """The certificates ADD_CA steps ask to trust, parsed, for the front end to show and
    confirm (``trust.confirm``) before ``build_plan``: ``[(step, CertInfo | error text)]``.

    A step names its CA by file (``value``) and, when known, by ``ca_sha256``; only the
    certificate with that fingerprint is offered from a file holding several.
    """
    from tlsdoctor.fix.trust import CertError, load_certificates, normalize_fingerprint

    out: List[object] = []
    for step in steps:
        if _kind(step) != ADD_CA:
            continue
        if not getattr(step, "automatic", False) or _scope(step.scope) == "system" or \
                getattr(step, "needs_root", False):
            continue  # the OS store: a manual step, never trusted by tlsdoctor (nothing to confirm)
        path = getattr(step, "value", None)
        want = normalize_fingerprint(getattr(step, "ca_sha256", None) or "")
        data, _ = fsutil.read_state(path) if path else (None, None)
        if data is None:
            out.append((step, M("plan.ca_file_missing", "the CA file %s does not exist", path)))
            continue
        try:
            certs = load_certificates(data)
        except CertError as exc:
            out.append((step, "%s: %s" % (path, exc)))
            continue
        if want:
            certs = [c for c in certs if c.sha256 == want]
            if not certs:
                out.append((step, M("plan.no_such_certificate", "%s holds no certificate with SHA-256 %s", path, want)))
                continue
        for c in certs:
            out.append((step, c))
    return out


@dataclass
class _Bundles:
    """Where the rules' CA bundle paths stand once the ADD_CA steps are planned."""
    built: Dict[str, str] = field(default_factory=dict)  # the rules' bundle path -> the bundle tlsdoctor writes
    failed: set = field(default_factory=set)  # bundle paths that were not built
    pointed: set = field(default_factory=set)  # tlsdoctor bundles a later step already points pip at


def _step_text(step: object) -> str:
    """``Step.text()`` ("command   (why)"), kept a message so the plan can say it in Chinese."""
    command = getattr(step, "command", None)
    if callable(command):
        cmd, why = command(), getattr(step, "explanation", "")
        return (M("plan.step", "%s   (%s)", cmd, why) if why else cmd) if cmd else why
    return step.text() if hasattr(step, "text") else str(getattr(step, "explanation", ""))


def _plan_add_ca(step: object, text: str, ctx: PlanContext, plan: Plan, bundles: _Bundles) -> None:
    target = ctx.expand(step.file) if getattr(step, "file", None) else ctx.bundle_path
    if not getattr(step, "automatic", False) or _scope(step.scope) == "system" or \
            getattr(step, "needs_root", False):
        # The OS trust store is never edited automatically (issue #10: "Never ...
        # edits to the OS trust store").
        plan.manual.append(text)
        bundles.failed.add(target)
    elif _ca_changes(step, ctx, plan):
        bundles.built[target] = ctx.bundle_path
        bundles.built[ctx.bundle_path] = ctx.bundle_path
    else:
        bundles.failed.add(target)


def _plan_add_cas(steps: Iterable[object], ctx: PlanContext, plan: Plan,
                  bundles: _Bundles) -> List[Tuple[object, str]]:
    """Plan the ADD_CA steps (and refuse the weakening ones); the other steps are returned."""
    todo = []
    for step in steps:
        text = _step_text(step)
        if getattr(step, "weakens_security", False) and not ctx.allow_weaker:
            plan.refused.append(M("plan.weakens", "%s (weakens security: only with --allow-weaker)", text))
            if _kind(step) == ADD_CA and getattr(step, "file", None):
                bundles.failed.add(ctx.expand(step.file))
        elif _kind(step) == ADD_CA:
            _plan_add_ca(step, text, ctx, plan, bundles)
        else:
            todo.append((step, text))
    return todo


def _repoint_at_bundle(step: object, text: str, ctx: PlanContext, plan: Plan,
                       bundles: _Bundles) -> Optional[object]:
    """The step, pointed at the tlsdoctor bundle when it named the rules' bundle; None
    (and refused) when that bundle was not built."""
    value = getattr(step, "value", None)
    if not (value and _kind(step) in (SET_CONFIG, SET_ENV, SET_TOOL_CONFIG)):
        return step
    full = ctx.expand(value) if value.startswith(("~", "/")) else value
    if full in bundles.failed:
        plan.refused.append(M("plan.bundle_not_built", "%s (its CA bundle was not built)", text))
        return None
    if full in bundles.built:
        bundles.pointed.add(bundles.built[full])
        return _replace_value(step, bundles.built[full])
    return step


def _plan_config_change(step: object, ctx: PlanContext, plan: Plan) -> None:
    key = step.key or ""
    if "." not in key:
        key = "global." + key
    path = ctx.expand(step.file or ctx.user_config)
    plan.changes.append(Change(PIP_CONFIG, path, _scope(step.scope), step.explanation, key,
                               step.value if _kind(step) == SET_CONFIG else None))


def _plan_step(step: object, text: str, ctx: PlanContext, plan: Plan, bundles: _Bundles) -> None:
    step = _repoint_at_bundle(step, text, ctx, plan, bundles)
    if step is None:
        return
    kind = _kind(step)
    if not getattr(step, "automatic", False) or kind in (RUN, SERVER, MANUAL):
        plan.manual.append(text)
    elif (getattr(step, "needs_root", False) or _scope(step.scope) == "system") and not ctx.allow_system:
        plan.manual.append(M("plan.needs_root", "%s (system-wide: needs root and --scope system)", text))
    elif kind in (SET_CONFIG, UNSET_CONFIG):
        _plan_config_change(step, ctx, plan)
    elif kind in (SET_ENV, UNSET_ENV):
        _env_changes(step, ctx, plan)
    elif kind in (SET_TOOL_CONFIG, UNSET_TOOL_CONFIG) and getattr(step, "file", None):
        plan.changes.append(Change(TOOL_CONFIG, ctx.expand(step.file), _scope(step.scope), step.explanation,
                                   step.key, step.value if kind == SET_TOOL_CONFIG else None))
    else:
        plan.manual.append(text)


def build_plan(steps: Iterable[object], ctx: Optional[PlanContext] = None) -> Plan:
    """Turn remedies Steps into a Plan (no file is written here).

    ADD_CA steps are planned first (bundle, then its sidecar), so that a later step that
    points pip at the bundle (``set_config global.cert`` / ``set_env REQUESTS_CA_BUNDLE``,
    as the rules emit them) is rewritten to the tlsdoctor-owned bundle path, and is
    dropped when its bundle could not be built. An ADD_CA without such a step gets a
    ``global.cert`` in the pip config file that wins.
    """
    ctx = ctx or PlanContext()
    plan = Plan(lang=ctx.lang)
    bundles = _Bundles()
    for step, text in _plan_add_cas(list(steps), ctx, plan, bundles):
        _plan_step(step, text, ctx, plan, bundles)
    if any(ch.kind == CA_BUNDLE for ch in plan.changes) and ctx.bundle_path not in bundles.pointed:
        config = ctx.expand(ctx.cert_config or ctx.user_config)
        plan.changes.append(Change(PIP_CONFIG, config, "user",
                                   M("plan.cert_replaces", "pip's cert= replaces its roots with this bundle (public "
                                                           "roots + the confirmed CA)"),
                                   "global.cert", ctx.bundle_path))
    # Unsafe changes leave the plan (reported under "refused"); the safe ones stay, and
    # verification decides whether they were enough (if not, they are rolled back).
    for ch in plan.changes:  # (refusals(), keeping each reason's message id for render)
        why = change_refusal(ch, plan, ctx.allow_system)
        if why:
            plan.refused.append(_redacted(why))
    plan.changes = [c for c in plan.changes if not change_refusal(c, plan, ctx.allow_system)]
    return plan


class _Replaced:
    """A Step with another value (Steps are frozen dataclasses of another module)."""

    def __init__(self, step: object, value: str) -> None:
        self._step = step
        self.value = value

    def __getattr__(self, name: str) -> object:
        return getattr(self._step, name)


def _replace_value(step: object, value: str) -> object:
    return _Replaced(step, value)


def _ca_changes(step, ctx: PlanContext, plan: Plan) -> bool:
    from tlsdoctor.fix.trust import CertError, load_certificates, normalize_fingerprint

    sha = normalize_fingerprint(getattr(step, "ca_sha256", None) or "")
    der = ctx.confirmed_cas.get(sha) if sha else None
    if der is None and not sha and getattr(step, "value", None):
        # No fingerprint in the step: a certificate from its file that the user confirmed.
        data, _ = fsutil.read_state(step.value)
        try:
            for c in load_certificates(data or b""):
                if c.sha256 in ctx.confirmed_cas:
                    sha, der = c.sha256, ctx.confirmed_cas[c.sha256]
                    break
        except CertError:
            pass
    if der is None:
        plan.refused.append(M("plan.not_confirmed", "add CA %s: not confirmed (type its first 8 hex digits on a "
                                                    "terminal, or pass --trust-ca-sha256 with the whole fingerprint)",
                              sha or getattr(step, "value", "?")))
        return False
    argv = tuple(getattr(step, "argv", ()) or ())
    if ctx.base_bundle:
        inputs = [ctx.base_bundle]
    elif len(argv) >= 3 and argv[0] == "cat":
        inputs = list(argv[1:-1])  # the rules' "cat <what pip trusts now> <public roots> <new CA>"
    else:
        plan.manual.append(M("plan.no_base_bundle", "add CA %s: no base bundle known (certifi's cacert.pem) to build "
                                                    "on", sha))
        return False
    try:
        base = edits.read_inputs(inputs)
        bundle, sidecar, added = edits.build_bundle(base, inputs, [(der, ctx.ca_subjects.get(sha, ""))])
    except OSError as exc:
        plan.refused.append(M("plan.base_unreadable", "add CA %s: cannot read the base bundle: %s", sha, exc))
        return False
    except edits.EditError as exc:
        plan.refused.append(M("plan.add_ca_error", "add CA %s: %s", sha, exc))
        return False
    if not added:
        plan.manual.append(M("plan.already_in", "CA %s is already in %s; adding it again cannot help", sha,
                             ", ".join(inputs)))
        return False
    scope = _scope(step.scope)
    plan.changes.append(Change(CA_BUNDLE, ctx.bundle_path, scope, step.explanation, content=bundle))
    plan.changes.append(Change(SIDECAR, edits.sidecar_path(ctx.bundle_path), scope,
                               M("plan.sidecar_why", "lets check say when the bundle is stale"), content=sidecar))
    return True
