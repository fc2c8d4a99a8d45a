"""Chinese for the lines ``tlsdoctor check`` prints (``--lang zh``).

Two mechanisms, one per kind of text:

- **The rules' text** (verdicts, evidence, fix explanations, what will not help) is made of
  messages with an id (``tlsdoctor.messages.M``). ``tr()`` prints the Chinese template of the
  same id (``zh_messages.MESSAGES``) with the message's own values inserted unchanged — host
  names, paths, versions, cause ids, commands, pip's and OpenSSL's error text — so nothing is
  parsed back out of English and a value can never be half-translated.
- **The renderer's own lines** (checklist, host lines, pip config, trust, footer) are built in
  English by ``render.check`` and pass through ``line()``: the ``RULES`` pattern rows below.

``--json`` stays English (stable for programs): only the text and Markdown renderers call this, and
``fix --lang zh`` for its plan (``translated_steps``).
What is data stays as measured in both: a translated error string could no longer be searched for.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, Tuple, Union

from tlsdoctor.messages import JOIN, Msg
from tlsdoctor.render.zh_messages import MESSAGES

Repl = Union[str, Callable[["re.Match[str]"], str]]

# The leading "  ✓ " of a checklist line (indent, mark, space), kept as it is.
_M = r"^(\s*[✓!✗] )"


def _certifi(m: "re.Match[str]") -> str:
    age = "，已有 %s 天" % m.group(5) if m.group(5) else ""
    return "%scertifi 证书包 %s（%s 个证书，版本 %s%s）" % (m.group(1), m.group(2), m.group(3), m.group(4), age)


def _ssl(m: "re.Match[str]") -> str:
    cap = "，被配置限制为 %s" % m.group(5) if m.group(5) else ""
    return "%sssl: %s；支持 %s；最高 TLS 版本 %s%s；默认最低版本 %s" % (
        m.group(1), m.group(2), m.group(3), m.group(4), cap, m.group(6))


# Ordered: whole-line templates first, then phrases inside lines. Each is (pattern, replacement).
RULES: List[Tuple[str, Repl]] = [
    # ---- the checklist ("This interpreter")
    (_M + r"Python (\S+) \(([^)]*)\) at (.*)$", r"\1Python \2（\3），位于 \4"),
    (_M + r"ssl: (.*?); speaks (.*?); highest TLS version (\S+?)(?:, capped at (\S+) by configuration)?; "
          r"default minimum (.*)$", _ssl),
    (r"ssl: cannot be imported: ", "ssl: 无法导入: "),
    (r"tlsdoctor's own interpreter cannot import ssl either: ", "tlsdoctor 自己的解释器也无法导入 ssl: "),
    (_M + r"pip (\S+) \(urllib3 (\S+), requests (\S+), certifi (\S+)\) at (.*)$",
     r"\1pip \2（urllib3 \3，requests \4，certifi \5），位于 \6"),
    (r"OS trust store: used \(truststore, pip >= 24\.2 on Python >= 3\.10\)",
     "操作系统信任库: 已使用（truststore，pip >= 24.2 且 Python >= 3.10）"),
    (r"OS trust store: not used \(pip < 24\.2, Python < 3\.10 or legacy-certs\): certifi only",
     "操作系统信任库: 未使用（pip < 24.2、Python < 3.10 或 legacy-certs）：只用 certifi"),
    (_M + r"pip: not found$", r"\1pip: 未找到"),
    (_M + r"certifi bundle (.*) \((\S+) certificates, version (\S+?)(?:, (-?\d+) days old)?\)", _certifi),
    (r": over (\d+) years old — it lacks newer roots and still has removed ones; pip vendors certifi, so "
     r"upgrade pip \((.*)\)$", r"：已超过 \1 年 — 缺少较新的根证书，仍含已被移除的根证书；pip 内置 certifi，"
                               r"所以请升级 pip（\2）"),
    (r" \(beats pip's cert=(.*) while trust_env is on\)", r"（trust_env 开启时优先于 pip 的 cert=\1）"),
    (r"other CA variables \(pip does not read them\): ", "其他 CA 变量（pip 不读取它们）: "),
    # Before the verify-paths row: its "capath (.*)$" would otherwise take these tails in.
    (r" — neither exists: urllib and ssl\.create_default_context\(\) see no roots",
     "，两者都不存在：urllib 和 ssl.create_default_context() 看不到任何根证书"),
    (r"; pip's truststore falls back to (\S+)", r"；pip 的 truststore 改用 \1"),
    (r"; pip's truststore finds no CA file either \(pip trusts certifi alone\)",
     "；pip 的 truststore 也找不到 CA 文件（pip 只信任 certifi）"),
    (r"; pip's truststore asks the OS instead", "；pip 的 truststore 改由操作系统验证"),
    (r' \(python\.org Python: run "Install Certificates\.command"\)',
     '（python.org 的 Python：运行 "Install Certificates.command"）'),
    (r"OpenSSL default verify paths: cafile (.*), capath (.*)$", r"OpenSSL 默认验证路径: cafile \1，capath \2"),
    (_M + r"clock: (.*) \(no server time to compare\)$", r"\1时钟: \2（没有服务器时间可比较）"),
    (_M + r"clock: (.*) \(([+-]\d+) s from the index's HTTP Date\)$", r"\1时钟: \2（与索引的 HTTP Date 相差 \3 秒）"),
    (r" \(no effect: the interpreter ran with -I/-E\)$", "（无效：解释器以 -I/-E 运行）"),
    (r" is set: it changes what pip imports$", " 已设置：它会改变 pip 导入的模块"),
    (_M + r"(\w+=.*) is set$", r"\1\2 已设置"),
    (r" is imported from (.*), outside the stdlib", r" 从 \1 导入，不在标准库中"),
    (r" \(put first by (\w+)\)", r"（由 \1 放在前面）"),
    (_M + r"(\w+) loaded from (.*): it runs before pip$", r"\1\2 从 \3 加载：它在 pip 之前运行"),
    (_M + r"user site (.*) is on sys\.path$", r"\1用户 site 目录 \2 在 sys.path 中"),
    (r" is (\S+): OpenSSL reads it when pip imports ssl \(pip blocks or fails there\); measured without it$",
     r" 是 \1：pip 导入 ssl 时 OpenSSL 会读取它（pip 会在那里阻塞或失败）；测量时未使用它"),
    (r" restricts: ", " 限制: "),
    (r" is (\S+): pip reads its config files whole, so it blocks or fails there \(not read\)$",
     r" 是 \1：pip 会整个读取配置文件，因此会在那里阻塞或失败（未读取）"),
    # ---- index hosts
    (r" via proxy ", " 经代理 "),
    (r" — pip's request failed: ", " — pip 的请求失败: "),
    (r" — tlsdoctor could not run pip's request \(a bug in its probe: (.*)\)$",
     r" — tlsdoctor 无法运行 pip 的请求（它的探测程序有缺陷: \1）"),
    (r" — pip's request: ", " — pip 的请求: "),
    (r"tlsdoctor could not run these measurements \(a bug in its probe, not a finding about the network\): ",
     "tlsdoctor 无法运行这些测量（它的探测程序有缺陷，不是关于网络的发现）: "),
    (r"(\S+)'s certificate is issued by (.*), a CA outside the public root list that certifi does not trust: "
     r"TLS to it is re-signed on this network or served by a private CA \(pip works because the bundle it uses "
     r"trusts that CA; another bundle breaks it\)",
     r"\1 的证书由 \2 签发，这个 CA 不在公共根证书列表中，certifi 不信任它：到它的 TLS 在这个网络上被重新签发，"
     r"或由私有 CA 提供（pip 能用是因为它使用的证书包信任这个 CA；换一个证书包就会失败）"),
    (r"^(\s+)TLS: (.*) \(handshake (\S+) ms\)$", r"\1TLS: \2（握手 \3 毫秒）"),
    (r"^(\s+)cert: ", r"\1证书: "),
    (r" \| issuer ", " | 签发者 "),
    (r"^(\s+)TLS handshake \((\w+)\): ", r"\1TLS 握手（\2）: "),
    (r"^(\s+)verifies against: ", r"\1验证结果: "),
    (r"^(\s+)variants: ", r"\1变体: "),
    (r"^(\s+)proxy: TCP (\S+), CONNECT ", r"\1代理: TCP \2，CONNECT "),
    (r" — a local index: no network, no TLS \(not probed\)$", " — 本地索引：无网络、无 TLS（未探测）"),
    (r"no http\(s\) index configured \((.*)\)$", r"未配置 http(s) 索引（\1）"),
    # ---- pip configuration
    (r"   ← pip's default$", "   ← pip 的默认值"),
    (r" \(overrides (.*)\)$", r"（覆盖 \1）"),
    (r"\[(\w+)\] \((\w+) level\)", r"[\1]（\2 级别）"),
    # ---- trust (tlsdoctor.pipconfig's lines)
    (r": certificate verification is OFF \(trusted-host (.*)\): any certificate is accepted$",
     r": 证书验证已关闭（trusted-host \1）：接受任何证书"),
    (r": CA bundle (.*) from (.*), added to the OS store \+ certifi \(truststore context\)$",
     r": CA 证书包 \1，来自 \2，加到操作系统信任库 + certifi 之上（truststore）"),
    (r": CA bundle (.*) from (.*), replaces certifi$", r": CA 证书包 \1，来自 \2，取代 certifi"),
    (r"pip's cert=(.*) is NOT used: (\S+) wins \(requests' merge_environment_settings\)$",
     r"pip 的 cert=\1 没有被使用：\2 优先（requests 的 merge_environment_settings）"),
    (r": OS trust store \+ certifi \(truststore\)$", ": 操作系统信任库 + certifi（truststore）"),
    (r"trust_env is off \(a pip proxy option\): REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and proxy variables are ignored$",
     "trust_env 已关闭（pip 的代理选项）：REQUESTS_CA_BUNDLE、CURL_CA_BUNDLE 和代理变量被忽略"),
    # ---- the report's own lines
    (r"^\((\S+) s of a (\S+) s deadline\)$", r"（用时 \1 秒，时限 \2 秒）"),
    (_M + r"rule (\S+) crashed: ", r"\1规则 \2 崩溃: "),
    (r"\(Python (\S+), pip (\S+)\)$", r"（Python \1，pip \2）"),
]

_COMPILED = [(re.compile(p), r) for p, r in RULES]

# The English %-conversions of a message template, in order (%% is a literal percent sign).
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[-+ #0]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")

# The fixed phrases of ``facts.Bundle.problem``, which a rule passes on as ``M("facts.bundle_problem", "%s", p)``:
# whole-phrase matches, and only under that id (any other value is never touched).
FACT_PHRASES: List[Tuple[str, str]] = [
    (r"does not exist", "不存在"),
    (r"cannot be read \((.*)\)", r"无法读取（\1）"),
    (r"is a directory without OpenSSL hash links \(c_rehash\), so it provides no CA",
     "是一个没有 OpenSSL 哈希链接（c_rehash）的目录，所以它不提供任何 CA"),
    (r"is not a directory", "不是目录"),
    (r"holds no PEM certificate \((.*)\)", r"不含 PEM 证书（\1）"),
    (r"OpenSSL cannot load it \((.*)\)", r"OpenSSL 无法加载它（\1）"),
]
_JOIN_ZH = {"; ": "；", " and ": " 和 ", "; then ": "；然后 "}  # a joined list's separator, in Chinese punctuation

FACT_PHRASE_ID = "facts.bundle_problem"
_FACT_PHRASES = [(re.compile(p + r"\Z"), r) for p, r in FACT_PHRASES]


_BEATS_NOTE = re.compile(r" \(beats pip's cert=.*\)\Z")


def _env_bundle_problem(m: "re.Match") -> str:
    """The checklist's ``NAME=PATH: <Bundle.problem>`` line (render.check._ca_env_checks): the
    variable and its path as they are, the phrase by the same table the rules' messages use; the
    note that may follow ("(beats pip's cert=...)") is left to its own row below. A text after
    ``: `` that is no known phrase is left as it is."""
    rest = m.group("rest")
    note = _BEATS_NOTE.search(rest)
    phrase = rest[:note.start()] if note else rest
    said = _fact_phrase(phrase)
    if said == phrase:
        return m.group(0)
    return "%s：%s%s" % (m.group("var"), said, note.group(0) if note else "")


_COMPILED.insert(0, (re.compile(r"\b(?P<var>[A-Z][A-Z0-9_]*=\S.*?): (?P<rest>(?:%s).*)$"
                                % "|".join(p for p, _ in FACT_PHRASES)), _env_bundle_problem))

# ``public_roots.RootList.describe()``, which a rule passes on as ``M("public_roots.describe", "%s", d)``:
# "certifi 2026.10.23 (vendored in pip 26.3), 145 roots, generated 2026-11-29". The names, versions and
# dates in it stay as they are; only its few words change.
ROOT_LIST_ID = "public_roots.describe"
_ROOT_LIST = re.compile(r"(.*), (\d+) roots, generated (\S+)\Z")
_ROOT_LIST_WORDS = [(re.compile(r" \(vendored in ([^)]*)\)"), r"（内置于 \1）"),
                    (re.compile(r" \(version unknown\)"), "（版本未知）"), (re.compile(r"^unknown source$"), "来源未知")]


def _value(v: Any, spec: str) -> str:
    """One value of a message, printed as the English did (``%.0f``, ``%d``, ``%r``), or a nested
    message in Chinese; never translated otherwise."""
    if isinstance(v, Msg):
        return tr(v)
    return ("%" + spec[1:]) % (v,) if spec != "%s" else str(v)


def _fact_phrase(text: str) -> str:
    for pattern, repl in _FACT_PHRASES:
        if pattern.match(text):
            return pattern.sub(repl, text)
    return text  # a phrase facts.py gained since: English, and test_zh_catalogue says so


def _root_list(text: str) -> str:
    m = _ROOT_LIST.match(text)
    if not m:
        return text  # a shape public_roots gained since: English, and test_zh_catalogue says so
    sources = m.group(1).split("; ")
    for pattern, repl in _ROOT_LIST_WORDS:
        sources = [pattern.sub(repl, s) for s in sources]
    return "%s，%s 个根证书，生成于 %s" % ("；".join(sources), m.group(2), m.group(3))


# ``causes.describe(cause)``, which the tool judge passes on as ``M("causes.describe", "%s", d)``: said by
# the cause's own Chinese description (``causes.describe(cause, "zh")``), found by the English one.
CAUSE_DESCRIPTION_ID = "causes.describe"


def _cause_description(text: str) -> str:
    from tlsdoctor import causes

    for cause, english in causes.ALL_CAUSES.items():
        if english == text:
            return causes.describe(cause, "zh") or text
    return text  # not a cause's description: stays as it is


# Ids whose one value is a fixed English phrase of another module, said in Chinese by its own table.
PHRASE_IDS = {FACT_PHRASE_ID: _fact_phrase, ROOT_LIST_ID: _root_list, CAUSE_DESCRIPTION_ID: _cause_description}


def tr(text: Any) -> str:
    """A rule's text in Chinese: a message by its id, else the pattern rows (``line``)."""
    if not isinstance(text, Msg):
        return line(str(text))
    if text.id == JOIN:
        return _JOIN_ZH.get(text.template, text.template).join(tr(a) for a in text.args)
    if text.id in PHRASE_IDS:
        return PHRASE_IDS[text.id](str(text))
    zh = MESSAGES.get(text.id)
    if zh is None:  # an id without Chinese (tests/rules/test_zh_catalogue.py forbids it): stay English
        return str(text)
    specs = [c for c in _CONVERSION.findall(text.template) if c != "%%"]
    return zh.format(*[_value(v, spec) for v, spec in zip(text.args, specs)])


def translated_steps(steps):
    """The steps with their explanations in Chinese, for ``fix --lang zh``'s plan (kind, argv, file and
    value untouched: the plan applies exactly the same changes)."""
    from dataclasses import is_dataclass, replace

    return [replace(s, explanation=tr(s.explanation)) if is_dataclass(s) and getattr(s, "explanation", None) else s
            for s in steps]


def step_text(step) -> str:
    """``remedies.Step.text()`` with its explanation in Chinese (the command stays as it is)."""
    cmd = step.command()
    why = tr(step.explanation) if step.explanation else ""
    if not cmd:
        return why
    return "%s   （%s）" % (cmd, why) if why else cmd


def line(text: str) -> str:
    for pattern, repl in _COMPILED:
        text = pattern.sub(repl, text)
    return text


def lines(items: List[str]) -> List[str]:
    return [line(x) for x in items]
