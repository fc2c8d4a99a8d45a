"""Set or unset one key of a tool's TOML configuration, keeping every other byte.

Used for uv's ``uv.toml`` (``system-certs = true``) and Poetry's ``config.toml``
(``[certificates.<source>] cert = "..."``, what ``poetry config
certificates.<source>.cert PATH`` writes). The edit is line based, like
``edits.edit_pip_config``: the key's one line is replaced or removed, or one line
(and, when the table does not exist, a ``[table]`` header) is added; comments,
blank lines, CRLF endings, a missing final newline and key order stay as they are.

It refuses (``edits.EditError``) every file it cannot read *safely* line by line:
multi-line strings or arrays, an inline table or dotted key that already defines
the target table (a new ``[table]`` header would then be invalid TOML), array-of-
tables targets, a key defined twice, non-UTF-8 bytes. Where the interpreter has
``tomllib`` (Python >= 3.11) the result is parsed again and must equal the old
document with only that key changed; on 3.9/3.10 the conservative scanner is the
only check (stdlib-only: no TOML library to lean on).

Values: tlsdoctor writes strings (paths) and the booleans uv's switches take. A
step's value ``"true"``/``"false"`` is written as a TOML boolean, anything else as
a TOML basic string (``literal``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from tlsdoctor.fix.edits import EditError, _dominant_eol, _join, split_lines

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_WS = " \t"


def literal(value: str) -> str:
    """The TOML text for a step's value: booleans for "true"/"false", else a basic string."""
    if value in ("true", "false"):
        return value
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def python_value(value: str):
    """The value ``literal(value)`` stands for, as tomllib would read it."""
    return {"true": True, "false": False}.get(value, value)


# ---------------------------------------------------------------- dotted keys

def _parse_key(text: str, pos: int) -> Tuple[Tuple[str, ...], int]:
    """A (dotted) TOML key at ``pos``: (parts, end). Raises EditError when it is not one."""
    parts: List[str] = []
    n = len(text)
    while True:
        while pos < n and text[pos] in _WS:
            pos += 1
        if pos < n and text[pos] == '"':
            end = pos + 1
            buf = []
            while end < n and text[end] != '"':
                if text[end] == "\\":
                    if end + 1 >= n:
                        raise EditError("unterminated key")
                    esc = text[end + 1]
                    if esc in '"\\':
                        buf.append(esc)
                        end += 2
                        continue
                    raise EditError("a quoted key with escapes other than \\\" and \\\\")
                buf.append(text[end])
                end += 1
            if end >= n:
                raise EditError("unterminated quoted key")
            parts.append("".join(buf))
            pos = end + 1
        elif pos < n and text[pos] == "'":
            end = text.find("'", pos + 1)
            if end < 0:
                raise EditError("unterminated quoted key")
            parts.append(text[pos + 1:end])
            pos = end + 1
        else:
            m = _BARE.match(text, pos)
            if not m:
                raise EditError("not a TOML key")
            parts.append(m.group())
            pos = m.end()
        while pos < n and text[pos] in _WS:
            pos += 1
        if pos < n and text[pos] == ".":
            pos += 1
            continue
        return tuple(parts), pos


def split_path(dotted: str) -> Tuple[str, ...]:
    """``certificates."my.source".cert`` -> ("certificates", "my.source", "cert")."""
    parts, end = _parse_key(dotted, 0)
    if end != len(dotted):
        raise EditError("not a dotted TOML key: %r" % dotted)
    return parts


def format_path(parts: Sequence[str]) -> str:
    return ".".join(p if _BARE.fullmatch(p) else literal(p) for p in parts)


# ---------------------------------------------------------------- the line scanner

@dataclass
class _Line:
    index: int
    kind: str  # "blank" | "comment" | "table" | "array_table" | "key"
    table: Tuple[str, ...]  # the table this line belongs to (for a header: the header's own)
    path: Tuple[str, ...] = ()  # "key": the full path (table + dotted key)
    value_start: int = 0  # "key": offsets of the value in the decoded line
    value_end: int = 0


def _value_end(text: str, pos: int) -> int:
    """The end of the one-line value starting at ``pos`` (before spaces and a comment).

    Refuses what could continue on the next line: multi-line strings, unclosed
    arrays or inline tables."""
    n = len(text)
    if text.startswith(('"""', "'''"), pos):
        raise EditError("a multi-line string")
    depth = 0
    i = pos
    while i < n:
        ch = text[i]
        if ch == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            if i >= n:
                raise EditError("an unterminated string")
        elif ch == "'":
            j = text.find("'", i + 1)
            if j < 0:
                raise EditError("an unterminated string")
            i = j
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "#":
            break
        i += 1
    if depth != 0:
        raise EditError("an array or inline table over several lines")
    end = i
    while end > pos and text[end - 1] in _WS:
        end -= 1
    if end == pos:
        raise EditError("a key without a value")
    return end


def _scan(texts: Sequence[str]) -> List[_Line]:
    out: List[_Line] = []
    table: Tuple[str, ...] = ()
    for i, text in enumerate(texts):
        s = text.lstrip(_WS)
        where = "line %d" % (i + 1)
        try:
            if not s:
                out.append(_Line(i, "blank", table))
            elif s.startswith("#"):
                out.append(_Line(i, "comment", table))
            elif s.startswith("[["):
                parts, end = _parse_key(s, 2)
                if not s.startswith("]]", end) or s[end + 2:].strip(_WS)[:1] not in ("", "#"):
                    raise EditError("a malformed [[table]] header")
                table = ("[[",) + parts  # no key of ours lives in an array of tables
                out.append(_Line(i, "array_table", table))
            elif s.startswith("["):
                parts, end = _parse_key(s, 1)
                if not s.startswith("]", end) or s[end + 1:].strip(_WS)[:1] not in ("", "#"):
                    raise EditError("a malformed [table] header")
                table = parts
                out.append(_Line(i, "table", table))
            else:
                lead = len(text) - len(s)
                parts, end = _parse_key(text, lead)
                if end >= len(text) or text[end] != "=":
                    raise EditError("neither a key = value, a [table] nor a comment")
                start = end + 1
                while start < len(text) and text[start] in _WS:
                    start += 1
                vend = _value_end(text, start)
                out.append(_Line(i, "key", table, table + parts, start, vend))
        except EditError as exc:
            raise EditError("cannot edit this TOML safely (%s: %s)" % (where, exc)) from None
    return out


def _decode(data: bytes) -> Tuple[List[Tuple[bytes, bytes]], List[str]]:
    lines = split_lines(data)
    try:
        texts = [c.decode("utf-8") for c, _ in lines]
    except UnicodeDecodeError:
        raise EditError("cannot edit this TOML safely: it is not UTF-8") from None
    if texts and texts[0].startswith("\ufeff"):
        raise EditError("cannot edit this TOML safely: it starts with a byte-order mark")
    if any("\r" in c or "\n" in c for c in texts):
        raise EditError("cannot edit this TOML safely: stray line breaks")
    return lines, texts


def _tomllib():
    try:
        import tomllib  # Python >= 3.11
    except ImportError:
        return None
    return tomllib


def _get(doc: dict, path: Sequence[str]):
    for p in path:
        if not isinstance(doc, dict) or p not in doc:
            return None
        doc = doc[p]
    return doc


def _without(doc: dict, path: Sequence[str]) -> dict:
    """A copy of ``doc`` without ``path``, and without the tables left empty on the way
    (an emptied ``[certificates.lab]`` header stays in the file but means nothing)."""
    import copy

    doc = copy.deepcopy(doc)
    node = doc
    trail = []
    for p in path[:-1]:
        if not isinstance(node.get(p), dict):
            return doc
        trail.append((node, p))
        node = node[p]
    node.pop(path[-1], None)
    for parent, p in reversed(trail):
        if parent[p] == {}:
            del parent[p]
    return doc


def _verify(old: bytes, new: bytes, path: Tuple[str, ...], value: Optional[str]) -> None:
    """With tomllib: the new document reads as the old one with only ``path`` changed."""
    tl = _tomllib()
    if tl is None:
        return
    try:
        before = tl.loads(old.decode("utf-8")) if old else {}
    except (tl.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EditError("cannot edit this TOML safely: it does not parse (%s)" % exc) from None
    try:
        after = tl.loads(new.decode("utf-8"))
    except tl.TOMLDecodeError as exc:
        raise EditError("the edit would make invalid TOML (%s); refused" % exc) from None
    if value is None:
        ok = _get(after, path) is None and _without(after, path) == _without(before, path)
    else:
        ok = _get(after, path) == python_value(value) and _without(after, path) == _without(before, path)
    if not ok:
        raise EditError("the edit would change more than %s; refused" % format_path(path))


def _tables_defined_by_keys(scanned: Sequence[_Line], table: Tuple[str, ...]) -> bool:
    """True when a key line (dotted key or inline table) already defines ``table`` or
    one of its parents as a value: a ``[table]`` header for it would be invalid."""
    for ln in scanned:
        if ln.kind != "key":
            continue
        full = ln.path
        key_part = full[len(ln.table):]
        if len(key_part) > 1 and full[:len(table)] == table and len(full) > len(table):
            return True  # [x] ... a.b = 1 / top-level "certificates.lab.cert = ..."
        if full == table[:len(full)]:
            return True  # certificates = { lab = { cert = ... } }
    return False


def edit_toml(data: Optional[bytes], key: str, value: Optional[str]) -> bytes:
    """``data`` with the dotted ``key`` set to ``value`` (None: removed); see the module
    docstring. ``data`` None means the file does not exist (it is created)."""
    path = split_path(key)
    old = data or b""
    lines, texts = _decode(old)
    scanned = _scan(texts)
    _parses(old)
    hit = _target_line(scanned, path)
    eol = _dominant_eol(lines)
    if hit is not None:
        new_lines = _replaced(lines, texts, hit, value)
    elif value is None:
        return old
    else:
        line = ("%s = %s" % (format_path((path[-1],)), literal(value))).encode("utf-8")
        new_lines = _insert(lines, scanned, path[:-1], line, eol)
    new = _join(new_lines)
    _verify(old, new, path, value)
    _came_out_as_planned(new, path, value)
    return new


def _target_line(scanned: Sequence[_Line], path: Tuple[str, ...]) -> Optional[_Line]:
    """The one line that sets ``path`` (None: not set), after refusing every target a line
    edit cannot change safely: a key set twice, a key that is a table or lies inside an
    inline table / dotted key, a key inside an array of tables."""
    hits = [ln for ln in scanned if ln.kind == "key" and ln.path == path]
    if len(hits) > 1:
        raise EditError("cannot edit this TOML safely: %s is set twice" % format_path(path))
    if any(ln.kind == "key" and _nested(ln.path, path) for ln in scanned):
        raise EditError("cannot edit this TOML safely: %s is a table or inside an inline table" % format_path(path))
    table = path[:-1]
    if any(ln.kind == "array_table" and ln.table[1:] == table[:len(ln.table) - 1] for ln in scanned):
        raise EditError("cannot edit this TOML safely: %s is inside an array of tables" % format_path(path))
    return hits[0] if hits else None


def _nested(a: Tuple[str, ...], b: Tuple[str, ...]) -> bool:
    """True when one key path lies strictly inside the other (``a.b`` and ``a.b.c``)."""
    return (a[:len(b)] == b and len(a) > len(b)) or (b[:len(a)] == a and len(a) < len(b))


def _replaced(lines: List[Tuple[bytes, bytes]], texts: Sequence[str], hit: _Line,
              value: Optional[str]) -> List[Tuple[bytes, bytes]]:
    """``lines`` with the key's own line rewritten to ``value`` (None: the line removed);
    the bytes before and after the value (key, spacing, comment, line ending) are kept."""
    new_lines = list(lines)
    if value is None:
        del new_lines[hit.index]
    else:
        text = texts[hit.index]
        new_text = text[:hit.value_start] + literal(value) + text[hit.value_end:]
        new_lines[hit.index] = (new_text.encode("utf-8"), lines[hit.index][1])
    return new_lines


def _came_out_as_planned(new: bytes, path: Tuple[str, ...], value: Optional[str]) -> None:
    """Scan the result again: the key is gone (unset) or set on exactly one line."""
    got = [ln for ln in _scan(_decode(new)[1]) if ln.kind == "key" and ln.path == path]
    if (value is None and got) or (value is not None and len(got) != 1):
        raise EditError("the edit did not come out as planned; refused")


def _parses(data: bytes) -> None:
    """With tomllib: refuse a file that is not valid TOML to begin with."""
    tl = _tomllib()
    if tl is None or not data:
        return
    try:
        tl.loads(data.decode("utf-8"))
    except (tl.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EditError("cannot edit this TOML safely: it does not parse (%s)" % exc) from None


def _insert(lines: List[Tuple[bytes, bytes]], scanned: Sequence[_Line], table: Tuple[str, ...], line: bytes,
            eol: bytes) -> List[Tuple[bytes, bytes]]:
    """``lines`` with the new key ``line`` added to ``table`` (() : the top level)."""
    if table:
        return _insert_in_table(list(lines), scanned, table, line, eol)
    return _insert_top_level(list(lines), scanned, line, eol)


def _insert_in_table(out: List[Tuple[bytes, bytes]], scanned: Sequence[_Line], table: Tuple[str, ...], line: bytes,
                     eol: bytes) -> List[Tuple[bytes, bytes]]:
    """After the table's last key (or its header); no header yet: a new ``[table]`` at the end
    of the file, after a blank line -- unless keys already define the table (invalid TOML)."""
    headers = [ln for ln in scanned if ln.kind == "table" and ln.table == table]
    if len(headers) > 1:
        raise EditError("cannot edit this TOML safely: [%s] appears twice" % format_path(table))
    if headers:
        section = [ln for ln in scanned if ln.table == table and ln.kind == "key"]
        after = section[-1].index if section else headers[0].index
        return _insert_after(out, after, line, eol)
    if _tables_defined_by_keys(scanned, table):
        raise EditError("cannot edit this TOML safely: [%s] is already defined by a dotted key or an inline "
                        "table" % format_path(table))
    _end_last_line(out, eol)  # the file had no final newline: the new table goes on its own line
    if out and any(c.strip() for c, _ in out):
        out.append((b"", eol))
    out.append((("[%s]" % format_path(table)).encode("utf-8"), eol))
    out.append((line, eol))
    return out


def _insert_top_level(out: List[Tuple[bytes, bytes]], scanned: Sequence[_Line], line: bytes,
                      eol: bytes) -> List[Tuple[bytes, bytes]]:
    """After the last top-level key; none: before the first table header (a blank line
    between), or at the end of a file without tables."""
    top = [ln for ln in scanned if ln.kind == "key" and ln.table == ()]
    if top:
        return _insert_after(out, top[-1].index, line, eol)
    first = next((ln.index for ln in scanned if ln.kind in ("table", "array_table")), None)
    if first is None:
        _end_last_line(out, eol)
        out.append((line, eol))
        return out
    out.insert(first, (line, eol))
    out.insert(first + 1, (b"", eol))
    return out


def _end_last_line(out: List[Tuple[bytes, bytes]], eol: bytes) -> None:
    """Give a last line without a newline the file's line ending, so a line can follow it."""
    if out and out[-1][1] == b"":
        out[-1] = (out[-1][0], eol)


def _insert_after(out: List[Tuple[bytes, bytes]], index: int, line: bytes, eol: bytes) -> List[Tuple[bytes, bytes]]:
    content, ending = out[index]
    if ending == b"":
        out[index] = (content, eol)  # it was the last line without a newline: keep it so after ours
        out.insert(index + 1, (line, b""))
    else:
        out.insert(index + 1, (line, eol))
    return out


def read_value(data: Optional[bytes], key: str) -> Optional[str]:
    """The raw TOML text of ``key``'s value in ``data`` (None when unset)."""
    if not data:
        return None
    path = split_path(key)
    lines, texts = _decode(data)
    for ln in _scan(texts):
        if ln.kind == "key" and ln.path == path:
            return texts[ln.index][ln.value_start:ln.value_end]
    return None
