"""A yes/no validator compiled from the spec schema, for the common case: a valid spec.

jsonschema takes about a millisecond per small spec (it builds an error object for every
keyword it descends into); 10,000 specs would take ten seconds. Valid documents are the common
case, so ``compile_schema`` turns the schema into plain Python closures that only answer "valid
or not", ~20x faster, and jsonschema runs only on documents that fail, to explain why.

Only the keywords the spec schema uses are supported; any other keyword raises
``Unsupported`` and the caller falls back to jsonschema for everything. A property test checks
that both agree on random documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import repeat
from typing import Any

Check = Callable[[Any], bool]

_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "title",
        "description",
        "patternErrorMessage",
        "examples",
        "default",
    }
)


class Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def _is_type(name: str) -> Check:
    if name == "string":
        return lambda v: isinstance(v, str)
    if name == "integer":  # as jsonschema: 3.0 is an integer, True is not
        return lambda v: (
            (isinstance(v, int) and not isinstance(v, bool))
            or (isinstance(v, float) and v.is_integer())
        )
    if name == "number":
        return lambda v: isinstance(v, int | float) and not isinstance(v, bool)
    if name == "boolean":
        return lambda v: isinstance(v, bool)
    if name == "object":
        return lambda v: isinstance(v, dict)
    if name == "array":
        return lambda v: isinstance(v, list)
    if name == "null":
        return lambda v: v is None
    raise Unsupported(f"type {name}")


def _same(a: Any, b: Any) -> bool:
    """JSON equality for scalars: booleans are not numbers."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Plain loops rather than all(generator): this runs for every node of every spec.
def _all_of(checks: list[Check]) -> Check:
    def check(value: Any) -> bool:
        for one in checks:  # noqa: SIM110 - a loop is faster than all(genexpr) here
            if not one(value):
                return False
        return True

    return check


def _properties(props: dict[str, Check]) -> Check:
    def check(value: Any) -> bool:
        if isinstance(value, dict):
            for key, item in value.items():
                sub = props.get(key)
                if sub is not None and not sub(item):
                    return False
        return True

    return check


def _items(sub: Check) -> Check:
    def check(value: Any) -> bool:
        if isinstance(value, list):
            for item in value:
                if not sub(item):
                    return False
        return True

    return check


def _string_items(schema: Any) -> Check | None:
    """For ``items: {type: string, pattern: ...}`` (a device list): one C-speed pass per
    condition over the whole list instead of two closure calls per item."""
    if not isinstance(schema, dict):
        return None
    keywords = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    if keywords.get("type") != "string" or not set(keywords) <= {"type", "pattern"}:
        return None
    search = re.compile(keywords["pattern"]).search if "pattern" in keywords else None

    def check(value: Any) -> bool:
        if not isinstance(value, list):
            return True
        if not all(map(isinstance, value, repeat(str))):
            return False
        return search is None or all(map(search, value))

    return check


def compile_schema(root: dict[str, Any]) -> Check:
    """A function telling whether a document is valid against ``root``."""
    compiled: dict[str, Check] = {}

    def ref(target: str) -> Check:
        if not target.startswith("#/$defs/"):
            raise Unsupported(f"$ref {target}")
        name = target[len("#/$defs/") :]
        if name not in root.get("$defs", {}):
            raise Unsupported(f"$ref {target}")

        def check(value: Any) -> bool:
            return compiled[name](value)

        return check

    def build(schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        checks: list[Check] = []
        for keyword, arg in schema.items():
            if keyword in _ANNOTATIONS or keyword in ("then", "else"):
                continue
            checks.append(keyword_check(keyword, arg, schema))
        if len(checks) == 1:
            return checks[0]
        return _all_of(checks)

    def keyword_check(keyword: str, arg: Any, schema: dict[str, Any]) -> Check:
        if keyword == "type":
            if isinstance(arg, list):
                options = [_is_type(t) for t in arg]
                return lambda v: any(o(v) for o in options)
            return _is_type(arg)
        if keyword == "properties":
            return _properties({name: build(sub) for name, sub in arg.items()})
        if keyword == "required":
            names = tuple(arg)
            return lambda v: not isinstance(v, dict) or all(n in v for n in names)
        if keyword == "additionalProperties":
            if arg is not False or "patternProperties" in schema:
                raise Unsupported("additionalProperties other than false")
            known = frozenset(schema.get("properties", {}))
            return lambda v: not isinstance(v, dict) or known.issuperset(v)
        if keyword == "enum":
            options = list(arg)
            return lambda v: any(_same(v, o) for o in options)
        if keyword == "const":
            return lambda v: _same(v, arg)
        if keyword == "pattern":
            regex = re.compile(arg)
            return lambda v: not isinstance(v, str) or regex.search(v) is not None
        if keyword == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= arg
        if keyword == "maxLength":
            return lambda v: not isinstance(v, str) or len(v) <= arg
        if keyword == "minimum":
            return lambda v: not _number(v) or v >= arg
        if keyword == "maximum":
            return lambda v: not _number(v) or v <= arg
        if keyword == "maxItems":
            return lambda v: not isinstance(v, list) or len(v) <= arg
        if keyword == "items":
            strings = _string_items(arg)
            return strings if strings is not None else _items(build(arg))
        if keyword == "$ref":
            return ref(arg)
        if keyword == "allOf":
            return _all_of([build(sub) for sub in arg])
        if keyword == "not":
            inner = build(arg)
            return lambda v: not inner(v)
        if keyword == "if":
            condition = build(arg)
            then = build(schema.get("then", True))
            otherwise = build(schema.get("else", True))
            return lambda v: then(v) if condition(v) else otherwise(v)
        raise Unsupported(keyword)

    for name, sub in root.get("$defs", {}).items():
        compiled[name] = build(sub)
    return build(root)
