"""Pure, byte-preserving edits: ``old bytes -> new bytes``. No file I/O happens here.

Three kinds of file:

- **pip configuration** (INI, read by pip with ``configparser.RawConfigParser`` —
  ``pip._internal.configuration.Configuration._construct_parser``): set or unset one
  ``section.key``; every other byte (comments, blank lines, CRLF endings, a missing
  final newline, unicode) is kept. The result is re-read with configparser itself and
  must differ from the original only in that key, or the edit is refused.
- **shell start-up files** (bash/zsh/``~/.profile``; fish ``config.fish``): the line
  that exports a variable is commented out, or replaced, inside a marked block
  ``# >>> tlsdoctor fix <id> >>>`` … ``# <<< tlsdoctor fix <id> <<<``; a new export is
  added in such a block. Lines tlsdoctor cannot safely reason about (indented, inside
  a compound command, continued with ``\\``, several assignments) are refused with
  the exact line, as a manual step.
- **the tlsdoctor-owned CA bundle** (``$XDG_DATA_HOME/tlsdoctor/ca-bundle.pem``):
  the public roots pip would otherwise use **plus** the confirmed CA(s); a sidecar
  JSON records the inputs' sha256 so a later check can say when it is stale.
"""

from __future__ import annotations

import base64
import configparser
import functools
import hashlib
import json
import locale
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from tlsdoctor.messages import M


class EditError(Exception):
    """The edit cannot be made safely; the message says what to do by hand."""


# --------------------------------------------------------------------------- lines

# Python's text mode ("universal newlines", which configparser's file iteration
# uses) breaks lines on \r\n, \r and \n only — not on the extra separators
# str.splitlines() knows (\x0b, \x0c, \x1c-\x1e, \x85, \u2028, \u2029).
_EOL = re.compile(rb"\r\n|\r|\n")


def split_lines(data: bytes) -> List[Tuple[bytes, bytes]]:
    """``[(content, ending), ...]``; ``b"".join(c + e ...) == data`` always."""
    out = []
    pos = 0
    for m in _EOL.finditer(data):
        out.append((data[pos:m.start()], m.group()))
        pos = m.end()
    if pos < len(data):
        out.append((data[pos:], b""))
    return out


def _join(lines: Sequence[Tuple[bytes, bytes]]) -> bytes:
    return b"".join(c + e for c, e in lines)


def _dominant_eol(lines: Sequence[Tuple[bytes, bytes]]) -> bytes:
    for _, e in lines:
        if e:
            return e
    return b"\r\n" if os.name == "nt" else b"\n"


# ----------------------------------------------------------------- pip configuration

# configparser's own patterns (RawConfigParser.SECTCRE and _OPT_TMPL with the
# default delimiters "=" and ":"); SECTCRE is used with .match, so "[global] junk"
# is section "global", exactly as pip would read it.
_SECTCRE = re.compile(r"\[(?P<header>.+)\]")
_OPTCRE = re.compile(r"(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$")
_NONSPACE = re.compile(r"\S")
_DEFAULT_SECTION = "DEFAULT"


def pip_key_name(name: str) -> str:
    """pip's ``_normalize_name``: case-insensitive, ``_`` == ``-``, no leading ``--``."""
    name = name.lower().replace("_", "-")
    return name[2:] if name.startswith("--") else name


@dataclass
class _Option:
    section: str
    raw_name: str
    name: str  # pip-normalized
    first: int  # line index of "name = value"
    last: int  # last continuation line index (== first when single-line)
    indent: str
    lines: List[int]  # the option line and its continuation lines (not comments/blanks between)


@dataclass
class _Section:
    name: str
    header: int
    end: int  # index of its last header/option/continuation line


def _encoding() -> str:
    # pip: parser.read(fname, encoding=locale.getpreferredencoding(False))
    return locale.getpreferredencoding(False) or "utf-8"


def _parse_ini(texts: Sequence[str]) -> Tuple[List[_Section], List[_Option]]:
    """Walk the lines the way ``RawConfigParser._read`` does and remember where things are."""
    sections: List[_Section] = []
    options: List[_Option] = []
    cursect: Optional[_Section] = None
    curopt: Optional[_Option] = None
    indent_level = 0
    for i, text in enumerate(texts):
        stripped = text.strip()
        if stripped.startswith(("#", ";")):
            continue  # full-line comment: skipped, does not end a multi-line value
        if not stripped:
            continue  # empty line: may still be inside a multi-line value (empty_lines_in_values)
        m = _NONSPACE.search(text)
        cur_indent = m.start() if m else 0
        if cursect is not None and curopt is not None and cur_indent > indent_level:
            curopt.last = i
            curopt.lines.append(i)
            cursect.end = i
            continue
        indent_level = cur_indent
        mo = _SECTCRE.match(stripped)
        if mo:
            cursect = _Section(mo.group("header"), i, i)
            sections.append(cursect)
            curopt = None
            continue
        if cursect is None:
            raise EditError("line %d is outside any [section]; pip cannot read this file" % (i + 1))
        mo = _OPTCRE.match(stripped)
        if not mo or not mo.group("option"):
            raise EditError("line %d is not 'key = value'; pip cannot read this file" % (i + 1))
        raw = mo.group("option").rstrip()
        curopt = _Option(cursect.name, raw, pip_key_name(raw), i, i, text[:cur_indent], [i])
        options.append(curopt)
        cursect.end = i
    return sections, options


def _pip_view(text: str) -> Dict[str, str]:
    """What pip reads from this text: ``{"section.key": value}`` (configparser itself)."""
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error as exc:
        raise EditError("pip cannot read this file: %s" % str(exc).splitlines()[0])
    out: Dict[str, str] = {}
    for section in parser.sections():
        for name, value in parser.items(section):
            out[section + "." + pip_key_name(name)] = value
    return out


def _split_key(key: str) -> Tuple[str, str]:
    if "." not in key:
        raise EditError("pip config key must be 'section.key', got %r" % key)
    section, name = key.split(".", 1)
    if not section or not name or "]" in section or "\n" in section:
        raise EditError("bad pip config key %r" % key)
    return section, pip_key_name(name)


def _check_value(key: str, value: Optional[str]) -> None:
    if value is None:
        return
    if not value or value != value.strip() or any(c in value for c in "\r\n\x00"):
        raise EditError("refusing to write %s = %r: pip strips or cannot hold such a value" % (key, value))


def _decode(lines: Sequence[Tuple[bytes, bytes]], enc: str) -> List[str]:
    try:
        return [c.decode(enc) for c, _ in lines]
    except UnicodeDecodeError:
        raise EditError("pip cannot read this file: it contains invalid %s characters" % enc)


def _refuse_default_key(sections: Sequence[_Section], options: Sequence[_Option], name: str) -> None:
    if any(s.name == _DEFAULT_SECTION for s in sections) and any(
            o.section == _DEFAULT_SECTION and o.name == name for o in options):
        raise EditError("%s is set in [DEFAULT], which configparser copies into every section; "
                        "edit that line by hand" % name)


def _replace_option(new_lines: List[Tuple[bytes, bytes]], lines: Sequence[Tuple[bytes, bytes]],
                    o: _Option, value: str, enc: str, drop: set) -> set:
    """Rewrite the first occurrence in place (same indent, spelling and line ending)."""
    new_lines[o.first] = (("%s%s = %s" % (o.indent, o.raw_name, value)).encode(enc), lines[o.first][1])
    drop.update(o.lines[1:])
    return drop


def _insert_into_section(new_lines: List[Tuple[bytes, bytes]], lines: Sequence[Tuple[bytes, bytes]],
                         target: _Section, entry_text: bytes, drop: set) -> set:
    """Add the key after the section's last line; returns ``drop`` renumbered past the insert."""
    at = target.end
    insert_at = at + 1
    nl = lines[at][1] or _dominant_eol(lines)
    if not lines[at][1]:  # inserting after a final line without newline
        new_lines[at] = (lines[at][0], nl)
    new_lines.insert(insert_at, (entry_text, lines[at][1]))
    return {d + 1 if d >= insert_at else d for d in drop}


def _append_section(new_lines: List[Tuple[bytes, bytes]], lines: Sequence[Tuple[bytes, bytes]],
                    header: bytes, entry_text: bytes, drop: set) -> set:
    """Add ``[section]`` and the key at the end of the file, separated by a blank line."""
    nl = _dominant_eol(lines)
    last_c, last_e = new_lines[-1]
    had_final = bool(last_e)
    if not last_e:
        new_lines[-1] = (last_c, nl)
    block = [(b"", nl)] if last_c.strip() else []
    block += [(header, nl), (entry_text, nl if had_final else b"")]
    new_lines.extend(block)
    return drop


def _set_lines(lines: Sequence[Tuple[bytes, bytes]], sections: Sequence[_Section], hits: Sequence[_Option],
               section: str, name: str, value: Optional[str], enc: str) -> List[Tuple[bytes, bytes]]:
    """The new lines: every occurrence dropped (unset), or the first one set and the rest dropped."""
    new_lines = list(lines)
    drop: set = set()
    # Only the key's own lines go: comment and blank lines between continuation
    # lines are skipped by configparser anyway, so they stay.
    for o in hits[1:] if value is not None else hits:
        drop.update(o.lines)
    if value is not None:
        entry_text = ("%s = %s" % (name, value)).encode(enc)
        target = [s for s in sections if s.name == section]
        if hits:
            drop = _replace_option(new_lines, lines, hits[0], value, enc, drop)
        elif target:
            # configparser merges repeated sections; the last one ends latest
            drop = _insert_into_section(new_lines, lines, target[-1], entry_text, drop)
        else:
            drop = _append_section(new_lines, lines, ("[%s]" % section).encode(enc), entry_text, drop)
    result_lines = [ln for i, ln in enumerate(new_lines) if i not in drop]
    if result_lines and lines[-1][1] == b"" and result_lines[-1][1] != b"":
        # the original had no final newline: keep it that way
        result_lines[-1] = (result_lines[-1][0], b"")
    return result_lines


def _check_only_key_changed(before: Dict[str, str], result: bytes, key: str, full: str,
                            value: Optional[str], enc: str) -> None:
    """Post-condition, checked by configparser itself: pip reads exactly the same
    settings as before except this one key."""
    after = _pip_view("\n".join(c.decode(enc) for c, _ in split_lines(result)) + "\n")
    expect = dict(before)
    expect.pop(full, None)
    if value is not None:
        expect[full] = value
    if after != expect:
        raise EditError("internal check failed: editing %s would change other settings; nothing written" % key)


def edit_pip_config(data: Optional[bytes], key: str, value: Optional[str]) -> bytes:
    """Set (``value`` given) or unset (``value`` None) one ``section.key`` in a pip config file.

    ``data`` is the file's bytes, or None when it does not exist (it is then created).
    """
    section, name = _split_key(key)
    _check_value(key, value)
    enc = _encoding()
    if data is None or data == b"":
        if value is None:
            return data if data is not None else b""
        nl = _dominant_eol([])
        return ("[%s]" % section).encode(enc) + nl + ("%s = %s" % (name, value)).encode(enc) + nl
    lines = split_lines(data)
    texts = _decode(lines, enc)
    before = _pip_view("\n".join(texts) + "\n")
    sections, options = _parse_ini(texts)
    _refuse_default_key(sections, options, name)
    hits = [o for o in options if o.section == section and o.name == name]
    result = _join(_set_lines(lines, sections, hits, section, name, value, enc))
    _check_only_key_changed(before, result, key, section + "." + name, value, enc)
    return result


def read_pip_value(data: Optional[bytes], key: str) -> Optional[str]:
    """The value pip reads for ``section.key`` from these bytes (None when unset)."""
    if not data:
        return None
    section, name = _split_key(key)
    text = "\n".join(c.decode(_encoding(), "replace") for c, _ in split_lines(data)) + "\n"
    return _pip_view(text).get(section + "." + name)


# ------------------------------------------------------------------- shell files

BEGIN = "# >>> tlsdoctor fix %s >>>"
END = "# <<< tlsdoctor fix %s <<<"

_VAR = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def shell_kind(path: str) -> str:
    """``fish`` for fish config files, ``sh`` for bash/zsh/profile files."""
    return "fish" if path.endswith(".fish") else "sh"


def quote(value: str, kind: str) -> str:
    if value.startswith("~/"):
        # inside quotes "~" stays literal; "$HOME" followed by the quoted rest expands in sh and fish
        return '"$HOME"' + quote(value[1:], kind)
    if kind == "fish":
        # fish single quotes: only \\ and \' are escapes
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return "'" + value.replace("'", "'\\''") + "'"


def _sh_value_end(text: str, pos: int) -> Optional[int]:
    """End of the shell word starting at ``pos`` (quotes honoured), or None if unterminated."""
    i = pos
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t;&|#":
            return i
        if c == "'":
            j = text.find("'", i + 1)
            if j < 0:
                return None
            i = j + 1
            continue
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if j >= n:
                return None
            i = j + 1
            continue
        if c == "\\":
            i += 2
            continue
        if text[i:i + 2] == "$(" or c in "`(":
            return None  # command substitution or an array: may span words, not ours to parse
        i += 1
    return i


@dataclass(frozen=True)
class ShellLine:
    index: int  # 0-based line index
    text: str
    safe: bool  # a plain top-level assignment tlsdoctor can comment out
    why: str = ""  # when not safe: what makes it unsafe


def find_exports(data: bytes, var: str, kind: str) -> List[ShellLine]:
    """Every line of a start-up file that sets ``var`` (for the environment)."""
    if not _VAR.match(var):
        raise EditError("not a variable name: %r" % var)
    texts = [c.decode("utf-8", "surrogateescape") for c, _ in split_lines(data)]
    found = []
    sh_set = re.compile(r"^(\s*)((?:export|declare\s+-x|typeset\s+-x|local\s+-x)\s+)?%s=" % re.escape(var))
    fish_set = re.compile(r"^(\s*)set\s+((?:-[A-Za-z]+\s+|--[a-z]+\s+)*)%s(\s|$)" % re.escape(var))
    for i, text in enumerate(texts):
        prev_cont = i > 0 and texts[i - 1].endswith("\\")
        m = sh_set.match(text)
        if m:
            why = ""
            if m.group(1) or prev_cont:
                why = M("edits.indented", "indented or continued: it may be inside an if/function block")
            elif text.rstrip().endswith("\\"):
                why = M("edits.continues", "continues on the next line")
            else:
                end = _sh_value_end(text, m.end())
                rest = text[end:] if end is not None else None
                tail = re.compile(r"^\s*(;\s*export\s+%s\s*;?\s*)?(#.*)?$" % re.escape(var))
                if rest is None:
                    why = M("edits.quoting", "its value uses quoting or substitutions tlsdoctor does not parse")
                elif not tail.match(rest):
                    why = M("edits.does_more", "it does more than set %s on that line", var)
            found.append(ShellLine(i, text, not why, why))
            continue
        if kind == "fish":
            m = fish_set.match(text)
            if m:
                flags = m.group(2)
                if not re.search(r"(^|\s)(-[A-Za-z]*x[A-Za-z]*|--export)\b", flags):
                    continue  # not exported
                why = ""
                if re.search(r"(^|\s)(-[A-Za-z]*U[A-Za-z]*|--universal)\b", flags):
                    why = M("edits.fish_universal", "a universal variable lives in fish_variables; erase it with: %s",
                            "set -eU %s" % var)
                elif m.group(1) or prev_cont or text.rstrip().endswith("\\"):
                    why = M("edits.indented_fish", "indented or continued: it may be inside a block")
                found.append(ShellLine(i, text, not why, why))
    return found


def _export_line(var: str, value: str, kind: str) -> str:
    if kind == "fish":
        return "set -gx %s %s" % (var, quote(value, kind))
    return "export %s=%s" % (var, quote(value, kind))


def edit_shell_file(data: Optional[bytes], var: str, value: Optional[str], *, kind: str,
                    fix_id: str, reason: str) -> bytes:
    """Unset (``value`` None: comment out every line that sets it) or set ``var``.

    Setting replaces the last line that sets it (the one that wins), or appends a block.
    """
    if not re.match(r"^[A-Za-z0-9_.:\-]+$", fix_id):
        raise EditError("bad fix id %r" % fix_id)
    if value is not None and any(c in value for c in "\r\n\x00"):
        raise EditError("refusing a value with a line break for %s" % var)
    data = data or b""
    lines = split_lines(data)
    nl = _dominant_eol(lines)
    found = find_exports(data, var, kind)
    unsafe = [f for f in found if not f.safe]
    if unsafe:
        f = unsafe[0]
        raise EditError("line %d sets %s and %s; change it by hand" % (f.index + 1, var, f.why))
    comment = ("# %s" % reason.replace("\r", " ").replace("\n", " ")).encode("utf-8") if reason else None
    begin = (BEGIN % fix_id).encode("utf-8")
    end = (END % fix_id).encode("utf-8")

    def block(orig: Optional[Tuple[bytes, bytes]], new: Optional[str], ending: bytes) -> List[Tuple[bytes, bytes]]:
        out = [(begin, nl)]
        if comment:
            out.append((comment, nl))
        if orig is not None:
            out.append((b"# " + orig[0], nl))
        if new is not None:
            out.append((new.encode("utf-8"), nl))
        out.append((end, ending or b""))
        return out

    new_lines = list(lines)
    if value is None:
        if not found:
            return data
        for f in reversed(found):
            c, e = lines[f.index]
            new_lines[f.index:f.index + 1] = block((c, e), None, e)
    elif found:
        f = found[-1]
        c, e = lines[f.index]
        if f.text == _export_line(var, value, kind):
            return data  # the line that wins already says exactly this (a second fix is a no-op)
        new_lines[f.index:f.index + 1] = block((c, e), _export_line(var, value, kind), e)
    else:
        if new_lines and not new_lines[-1][1]:
            new_lines[-1] = (new_lines[-1][0], nl)
        new_lines.extend(block(None, _export_line(var, value, kind), nl))
    result = _join(new_lines)
    _syntax_check(data, result, kind)
    return result


def _syntax_check(old: bytes, new: bytes, kind: str) -> None:
    """When the shell is installed, refuse an edit after which it no longer parses the file."""
    shells = ["fish"] if kind == "fish" else ["bash"]
    for sh in shells:
        exe = shutil.which(sh)
        if not exe:
            continue
        ok = []
        for data in (old, new):
            with tempfile.NamedTemporaryFile(suffix=".sh", delete=False) as fh:
                fh.write(data)
            try:
                r = subprocess.run([exe, "-n", fh.name], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)
                ok.append(r.returncode == 0)
            except (OSError, subprocess.TimeoutExpired):
                ok.append(None)
            finally:
                os.unlink(fh.name)
        if ok[0] and ok[1] is False:
            raise EditError("%s -n rejects the edited file; nothing written" % sh)


# ------------------------------------------------------------------ CA bundle

_PEM = re.compile(rb"-----BEGIN CERTIFICATE-----\s*(.+?)\s*-----END CERTIFICATE-----", re.S)


def pem_certificates(data: bytes) -> List[bytes]:
    """The DER bytes of every PEM certificate in ``data`` (OpenSSL's PEM reader skips other text)."""
    return list(_pem_certificates(bytes(data or b"")))


@functools.lru_cache(maxsize=8)
def _pem_certificates(data: bytes) -> Tuple[bytes, ...]:
    # Cached: one fix asks about the same ~140-certificate bundle a dozen times (the plan's
    # summary, JSON, rendering and both runs of the safety gate); decoding it each time cost
    # about 0.3 s of a fix under load (bench_fix, untrusted-ca). Keyed by the bytes
    # themselves, so a changed file is decoded anew.
    out = []
    for m in _PEM.finditer(data):
        try:
            out.append(base64.b64decode(re.sub(rb"\s+", b"", m.group(1)), validate=True))
        except ValueError:
            continue
    return tuple(out)


def der_to_pem(der: bytes) -> bytes:
    b64 = base64.b64encode(der)
    body = b"\n".join(b64[i:i + 64] for i in range(0, len(b64), 64))
    return b"-----BEGIN CERTIFICATE-----\n" + body + b"\n-----END CERTIFICATE-----\n"


def data_dir() -> str:
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return os.path.join(base, "tlsdoctor")


def bundle_path() -> str:
    return os.path.join(data_dir(), "ca-bundle.pem")


def sidecar_path(bundle: str) -> str:
    return bundle + ".json"


def _printable(s: str) -> str:
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in s)[:200]


def read_inputs(paths: Sequence[str]) -> bytes:
    """The base of a bundle: the input files concatenated, each ending in a newline
    (``cat`` of what pip trusts now and the public roots). Raises OSError when one is missing."""
    out = b""
    for p in paths:
        with open(os.path.expanduser(p), "rb") as fh:
            data = fh.read()
        out += data if data.endswith(b"\n") or not data else data + b"\n"
    return out


def build_bundle(base: bytes, base_path, added: Sequence[Tuple[bytes, str]]) -> Tuple[bytes, bytes, List[str]]:
    """``(bundle bytes, sidecar JSON bytes, sha256 of the certificates really added)``.

    ``base`` is the bundle pip would otherwise use (certifi's ``cacert.pem`` or the OS
    bundle) and ``added`` the confirmed CA(s) as ``(DER, subject)``. A bundle with only
    the company CA would break every other host (pip's ``cert=`` *replaces* its roots),
    so a base with fewer than two certificates is refused.
    """
    paths = [base_path] if isinstance(base_path, str) else list(base_path)
    label = ", ".join(paths)
    base_certs = pem_certificates(base)
    if len(base_certs) < 2:
        raise EditError("%s holds %d certificate(s); a bundle built on it would trust only the added CA "
                        "and break every other host" % (label, len(base_certs)))
    if not added:
        raise EditError("no certificate to add")
    present = set(hashlib.sha256(d).hexdigest() for d in base_certs)
    out = base if base.endswith(b"\n") else base + b"\n"
    really = []
    for der, subject in added:
        fp = hashlib.sha256(der).hexdigest()
        if fp in present or fp in really:
            continue
        out += ("\n# Added by tlsdoctor fix: %s\n# SHA-256 %s\n" % (_printable(subject), fp)).encode("ascii")
        out += der_to_pem(der)
        really.append(fp)
    sidecar = {
        "version": 1,
        "base": {"paths": paths, "sha256": hashlib.sha256(base).hexdigest(), "certificates": len(base_certs)},
        "added": [{"sha256": fp} for fp in really],
        "bundle_sha256": hashlib.sha256(out).hexdigest(),
    }
    return out, (json.dumps(sidecar, indent=1, sort_keys=True) + "\n").encode("utf-8"), really


def bundle_status(bundle: Optional[str] = None) -> Tuple[str, str]:
    """``(state, detail)`` of a tlsdoctor bundle: ``missing``, ``fresh``, ``stale`` (its base
    changed since, e.g. certifi was upgraded: rebuild it), or ``modified`` (edited by hand)."""
    bundle = bundle or bundle_path()
    try:
        with open(bundle, "rb") as fh:
            data = fh.read()
        with open(sidecar_path(bundle), "rb") as fh:
            meta = json.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        return "missing", "%s or its sidecar does not exist" % bundle
    except ValueError:
        return "modified", "the sidecar of %s is not valid JSON" % bundle
    if hashlib.sha256(data).hexdigest() != meta.get("bundle_sha256"):
        return "modified", "%s was changed since tlsdoctor built it" % bundle
    base = meta.get("base") or {}
    paths = base.get("paths") or []
    label = ", ".join(paths)
    try:
        base_now = hashlib.sha256(read_inputs(paths)).hexdigest()
    except OSError:
        return "stale", "its base bundle %s is gone" % label
    if base_now != base.get("sha256"):
        return "stale", "its base bundle %s changed since (e.g. a certifi upgrade); re-run tlsdoctor fix" % label
    return "fresh", "built from %s plus %d added certificate(s)" % (label, len(meta.get("added", [])))


__all__ = [
    "EditError", "split_lines", "edit_pip_config", "read_pip_value", "pip_key_name",
    "find_exports", "edit_shell_file", "shell_kind", "quote", "ShellLine",
    "pem_certificates", "der_to_pem", "read_inputs", "build_bundle", "bundle_status", "bundle_path", "sidecar_path",
    "data_dir", "BEGIN", "END",
]
