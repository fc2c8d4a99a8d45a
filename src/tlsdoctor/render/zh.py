"""Chinese for the lines ``tlsdoctor check`` prints (``--lang zh``).

Two mechanisms, one per kind of text:

- **The rules' text** (verdicts, evidence, fix explanations, what will not help) is made of
  messages with an id (``tlsdoctor.messages.M``). ``tr()`` prints the Chinese template of the
  same id (``zh_messages.MESSAGES``) with the message's own values inserted unchanged — host
  names, paths, versions, cause ids, commands, pip's and OpenSSL's error text — so nothing is
  parsed back out of English and a value can never be half-translated.
- **The renderer's own lines** (checklist, host lines, pip config, trust, footer) are built in
  English by ``render.check`` and pass through ``line()``: the ``RULES`` pattern rows below.

``--json`` stays English (stable for programs): only the text and Markdown renderers call this.
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
    # ---- the rules' most common evidence phrases (the rest of a rule's text stays English)
    (r"pip's own request to (\S+) failed: ", r"pip 自己对 \1 的请求失败: "),
    (r"^(\s+- )no proxy is used for (\S+)$", r"\1\2 没有使用代理"),
    (r"^(\s+- )that path does not exist$", r"\1这个路径不存在"),
    (r"^(\s+- )error: ", r"\1错误: "),
    (r"^(\s+- )the same chain without the name check: verifies$", r"\1同一证书链不检查主机名时：验证通过"),
    (r"^(\s+- )verification with the name check: ", r"\1检查主机名的验证: "),
    (r"^(\s+- )verification with pip's cert: succeeds$", r"\1用 pip 的 cert 验证：成功"),
    (r"^(\s+- )TCP to (\S+) connects$", r"\1到 \2 的 TCP 连接成功"),
    (r"^(\s+- )without a client certificate: ", r"\1不带客户端证书: "),
    (r"^(\s+- )offering a throwaway certificate: ", r"\1提供一个临时证书: "),
    (r"^(\s+- )local time \(inside the target interpreter\): ", r"\1本地时间（目标解释器内）: "),
    (r"^(\s+- )server time \(HTTP Date from (\S+)\): ", r"\1服务器时间（来自 \2 的 HTTP Date）: "),
    (r"^(\s+- )pip's client-cert: not set$", r"\1pip 的 client-cert: 未设置"),
    (r"^(\s+- )the proxy presents a certificate the server never sent$", r"\1代理出示了服务器从未发送过的证书"),
    (r"^(\s+- )if the index is on a VPN, connect it first$", r"\1如果索引在 VPN 内，请先连接 VPN"),
    (r"^(\s+- )handshake variants that also failed the same way: ", r"\1同样失败的握手变体: "),
    (r"^(\s+- )the issuer is in no trust store here: ", r"\1签发者不在这里的任何信任库中: "),
    (r"^(\s+- )certificate subject ", r"\1证书主体 "),
    (r"^(\s+- )presented: ", r"\1出示的证书: "),
    (r"^(\s+- )verification against every store present \((.*)\): fails$", r"\1对现有的每个信任库（\2）验证：失败"),
    (r"^(\s+- )it verifies the leaf, and with it the chain verifies against: ",
     r"\1它能验证叶证书，加上它后证书链可通过这些信任库验证: "),
    (r"^(\s+- )pip's session verifies with (\S+), set by (\S+)$", r"\1pip 的会话用 \2 验证，由 \3 设置"),
    (r"^(\s+- )in a VM or container restored from a snapshot: resync the guest clock$",
     r"\1在从快照恢复的虚拟机或容器中：重新同步客户机时钟"),
    (r"^(\s+- )check for a faked or frozen clock: ", r"\1检查时钟是否被伪造或冻结: "),
    (r"^(\s+- )ask the (\S+) team to allow TLS to (\S+)$", r"\1请 \2 团队允许到 \3 的 TLS"),
    (r"^(\s+- )the server's operator must renew the certificate \(and reload the server\)$",
     r"\1服务器的运维方必须续期证书（并重新加载服务器）"),
    (r"^(\s+- )local time (.*); server time (.*): the clocks agree$", r"\1本地时间 \2；服务器时间 \3：两者一致"),
    (r"^(\s+- )through (\S+): certificate ", r"\1经 \2: 证书 "),
    (r"^(\s+- )directly: certificate ", r"\1直连: 证书 "),
    (r"^(\s+- )default handshake: ", r"\1默认握手: "),
    (r"^(\s+- )TLS handshake: ", r"\1TLS 握手: "),
    (r"^(\s+- )the same interpreter without OPENSSL_CONF: succeeds", r"\1同一解释器不用 OPENSSL_CONF：成功"),
    (r"^(\s+- )plain HTTP request to the same port answered: ", r"\1对同一端口的明文 HTTP 请求得到回应: "),
    (r"^(\s+- )use the index's HTTPS port \(often (\d+)\) in the URL$", r"\1在 URL 中使用索引的 HTTPS 端口（通常是 \2）"),
    (r"^(\s+- )presented chain: ", r"\1出示的证书链: "),
    (r"^(\s+- )ask the proxy's administrators to allow CONNECT to (\S+)$", r"\1请代理的管理员允许 CONNECT 到 \2"),
    (r"^(\s+- )the proxy asks for: ", r"\1代理要求的认证方式: "),
    (r"^(\s+- )credentials in the proxy URL: none$", r"\1代理 URL 中的凭据：无"),
    (r"^(\s+- )or point REQUESTS_CA_BUNDLE at a bundle that also has this index's CA$",
     r"\1或让 REQUESTS_CA_BUNDLE 指向一个也含有这个索引的 CA 的证书包"),
    (r"^(\s+- )or remove or widen MaxProtocol in (.*)$", r"\1或在 \2 中删除或放宽 MaxProtocol"),
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
_JOIN_ZH = {"; ": "；"}  # a joined list's separator, in Chinese punctuation

FACT_PHRASE_ID = "facts.bundle_problem"
_FACT_PHRASES = [(re.compile(p + r"\Z"), r) for p, r in FACT_PHRASES]


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


def tr(text: Any) -> str:
    """A rule's text in Chinese: a message by its id, else the pattern rows (``line``)."""
    if not isinstance(text, Msg):
        return line(str(text))
    if text.id == JOIN:
        return _JOIN_ZH.get(text.template, text.template).join(tr(a) for a in text.args)
    if text.id == FACT_PHRASE_ID:
        return _fact_phrase(str(text))
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
