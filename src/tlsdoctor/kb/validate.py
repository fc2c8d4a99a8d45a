"""A small JSON-Schema validator for the subset the KB schema uses.

The core must run with nothing but the standard library (people need tlsdoctor
exactly when pip cannot install anything), so ``jsonschema`` is not an option.
Supported keywords: type (string or list), enum, const, properties, required,
additionalProperties (bool or schema), items, minItems, uniqueItems, pattern,
minLength, minimum, maximum and local ``$ref`` (``#/$defs/...``). Anything else
in the schema is a mistake here, so it is reported instead of silently ignored.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Iterator, List, Optional, Tuple

_KNOWN = {
    "$schema", "$id", "$defs", "title", "description", "type", "enum", "const",
    "properties", "required", "additionalProperties", "items", "minItems",
    "uniqueItems", "pattern", "minLength", "minimum", "maximum", "$ref",
}

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    # bool is an int subclass in Python; JSON Schema keeps them apart.
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaError(ValueError):
    """The schema itself uses a keyword this validator does not implement."""


def _resolve(root: dict, ref: str) -> dict:
    if not ref.startswith("#/"):
        raise SchemaError("only local $ref is supported: %r" % ref)
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _type_error(instance: Any, expected: Any, path: str) -> Optional[str]:
    types = expected if isinstance(expected, list) else [expected]
    if any(_TYPES[t](instance) for t in types):
        return None
    return "%s: expected %s, got %s" % (path, " or ".join(types), type(instance).__name__)


# One handler per keyword: (instance, the keyword's value, schema, root, path)
# -> messages. Each runs only on the instance kinds its keyword constrains
# (JSON Schema: "minLength" says nothing about a number).
def _enum(instance: Any, allowed: Any, schema: dict, root: dict, path: str) -> Iterator[str]:
    if instance not in allowed:
        yield "%s: %r is not one of %r" % (path, instance, allowed)


def _const(instance: Any, value: Any, schema: dict, root: dict, path: str) -> Iterator[str]:
    if instance != value:
        yield "%s: expected %r" % (path, value)


def _min_length(instance: str, n: int, schema: dict, root: dict, path: str) -> Iterator[str]:
    if len(instance) < n:
        yield "%s: shorter than %d" % (path, n)


def _pattern(instance: str, pattern: str, schema: dict, root: dict, path: str) -> Iterator[str]:
    if not re.search(pattern, instance):
        yield "%s: %r does not match %r" % (path, instance, pattern)


def _minimum(instance: Any, bound: Any, schema: dict, root: dict, path: str) -> Iterator[str]:
    if instance < bound:
        yield "%s: %r < minimum %r" % (path, instance, bound)


def _maximum(instance: Any, bound: Any, schema: dict, root: dict, path: str) -> Iterator[str]:
    if instance > bound:
        yield "%s: %r > maximum %r" % (path, instance, bound)


def _min_items(instance: list, n: int, schema: dict, root: dict, path: str) -> Iterator[str]:
    if len(instance) < n:
        yield "%s: fewer than %d items" % (path, n)


def _unique_items(instance: list, unique: bool, schema: dict, root: dict, path: str) -> Iterator[str]:
    if unique:
        seen = [json.dumps(i, sort_keys=True) for i in instance]
        if len(seen) != len(set(seen)):
            yield "%s: items are not unique" % path


def _items(instance: list, sub: dict, schema: dict, root: dict, path: str) -> Iterator[str]:
    for i, item in enumerate(instance):
        yield from iter_errors(item, sub, root, "%s[%d]" % (path, i))


def _required(instance: dict, names: List[str], schema: dict, root: dict, path: str) -> Iterator[str]:
    for name in names:
        if name not in instance:
            yield "%s: missing required property %r" % (path, name)


def _members(instance: dict, _: Any, schema: dict, root: dict, path: str) -> Iterator[str]:
    # properties and additionalProperties together: one pass over the keys,
    # so messages come in the instance's key order.
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, value in instance.items():
        sub = "%s.%s" % (path, key)
        if key in props:
            yield from iter_errors(value, props[key], root, sub)
        elif extra is False:
            yield "%s: unexpected property" % sub
        elif isinstance(extra, dict):
            yield from iter_errors(value, extra, root, sub)


def _any(_: Any) -> bool:
    return True


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


def _is_dict(v: Any) -> bool:
    return isinstance(v, dict)


_Handler = Callable[[Any, Any, dict, dict, str], Iterator[str]]

# (keywords that trigger it, which instances it applies to, handler), in the
# order their messages are reported. "$ref" and "type" come before these (a
# wrong type stops the rest: its other messages would only be noise).
_CHECKS: Tuple[Tuple[Tuple[str, ...], Callable[[Any], bool], _Handler], ...] = (
    (("enum",), _any, _enum),
    (("const",), _any, _const),
    (("minLength",), _is_str, _min_length),
    (("pattern",), _is_str, _pattern),
    (("minimum",), _TYPES["number"], _minimum),
    (("maximum",), _TYPES["number"], _maximum),
    (("minItems",), _is_list, _min_items),
    (("uniqueItems",), _is_list, _unique_items),
    (("items",), _is_list, _items),
    (("required",), _is_dict, _required),
    (("properties", "additionalProperties"), _is_dict, _members),
)


def iter_errors(instance: Any, schema: dict, root: Optional[dict] = None, path: str = "$") -> Iterator[str]:
    """Yield one human-readable message per violation (path: message)."""
    root = schema if root is None else root
    unknown = set(schema) - _KNOWN
    if unknown:
        raise SchemaError("unsupported keyword(s) %s at %s" % (sorted(unknown), path))
    if "$ref" in schema:
        yield from iter_errors(instance, _resolve(root, schema["$ref"]), root, path)
    if "type" in schema:
        wrong = _type_error(instance, schema["type"], path)
        if wrong:
            yield wrong
            return
    for keywords, applies, check in _CHECKS:
        present = [k for k in keywords if k in schema]
        if present and applies(instance):
            yield from check(instance, schema[present[0]], schema, root, path)


def validate(instance: Any, schema: dict) -> List[str]:
    """All violations of ``schema`` by ``instance`` (an empty list when valid)."""
    return list(iter_errors(instance, schema))
