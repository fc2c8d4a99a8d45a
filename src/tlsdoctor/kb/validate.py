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
from typing import Any, Iterator, List

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


def iter_errors(instance: Any, schema: dict, root: dict | None = None, path: str = "$") -> Iterator[str]:
    """Yield one human-readable message per violation (path: message)."""
    root = schema if root is None else root
    unknown = set(schema) - _KNOWN
    if unknown:
        raise SchemaError("unsupported keyword(s) %s at %s" % (sorted(unknown), path))
    if "$ref" in schema:
        yield from iter_errors(instance, _resolve(root, schema["$ref"]), root, path)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_TYPES[t](instance) for t in types):
            yield "%s: expected %s, got %s" % (path, " or ".join(types), type(instance).__name__)
            return
    if "enum" in schema and instance not in schema["enum"]:
        yield "%s: %r is not one of %r" % (path, instance, schema["enum"])
    if "const" in schema and instance != schema["const"]:
        yield "%s: expected %r" % (path, schema["const"])
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            yield "%s: shorter than %d" % (path, schema["minLength"])
        if "pattern" in schema and not re.search(schema["pattern"], instance):
            yield "%s: %r does not match %r" % (path, instance, schema["pattern"])
    if _TYPES["number"](instance):
        if "minimum" in schema and instance < schema["minimum"]:
            yield "%s: %r < minimum %r" % (path, instance, schema["minimum"])
        if "maximum" in schema and instance > schema["maximum"]:
            yield "%s: %r > maximum %r" % (path, instance, schema["maximum"])
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            yield "%s: fewer than %d items" % (path, schema["minItems"])
        if schema.get("uniqueItems"):
            seen = [json.dumps(i, sort_keys=True) for i in instance]
            if len(seen) != len(set(seen)):
                yield "%s: items are not unique" % path
        if "items" in schema:
            for i, item in enumerate(instance):
                yield from iter_errors(item, schema["items"], root, "%s[%d]" % (path, i))
    if isinstance(instance, dict):
        for name in schema.get("required", []):
            if name not in instance:
                yield "%s: missing required property %r" % (path, name)
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


def validate(instance: Any, schema: dict) -> List[str]:
    """All violations of ``schema`` by ``instance`` (an empty list when valid)."""
    return list(iter_errors(instance, schema))
