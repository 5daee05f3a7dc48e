"""A yes/no validator compiled from a JSON Schema, for the common case: a valid document.

Why: jsonschema spends close to a millisecond per small document (it builds an error object
for every keyword it descends into), so validating 10,000 specs, or loading a 10,000-campaign
plan, took seconds. Valid documents are the common case: ``compile_schema`` turns a schema into
plain closures that only answer "valid or not", and callers run jsonschema only on a document
that fails, to say why. One compiler serves both schemas this package ships (the campaign spec
and the plan); only the keywords they use are implemented, any other raises
:class:`Unsupported` and the caller uses jsonschema for everything. Property tests check that
both agree (tests/spec and tests/render).

Semantics follow JSON Schema 2020-12 as jsonschema implements it: a keyword constrains only
values of its type (``pattern`` ignores numbers), booleans are not numbers (``const: 1`` does
not accept ``true``), ``3.0`` is an integer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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
        "markdownDescription",
        "defaultSnippets",
        "patternErrorMessage",
        "examples",
        "default",
    }
)


class Unsupported(Exception):
    """The schema uses a keyword (or a form of one) this compiler does not implement."""


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


_TYPES: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "null": lambda v: v is None,
}


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema means it: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _unique(items: list[Any]) -> bool:
    return not any(
        json_equal(items[i], items[j]) for i in range(len(items)) for j in range(i + 1, len(items))
    )


def _string_items(schema: Any) -> Check | None:
    """For ``items: {type: string[, pattern]}`` (device lists): one C-speed pass per condition
    over the whole list instead of closure calls per item."""
    if not isinstance(schema, dict):
        return None
    keywords = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
    if keywords.get("type") != "string" or not set(keywords) <= {"type", "pattern"}:
        return None
    search = re.compile(keywords["pattern"]).search if "pattern" in keywords else None

    def check(value: list[Any]) -> bool:
        if not all(map(isinstance, value, repeat(str))):
            return False
        return search is None or all(map(search, value))

    return check


def compile_schema(root: Mapping[str, Any]) -> Check:
    """A function telling whether a document is valid against ``root`` (a 2020-12 schema)."""
    defs: dict[str, Check] = {}

    def ref(target: str) -> Check:
        prefix = "#/$defs/"
        if not target.startswith(prefix) or target[len(prefix) :] not in root.get("$defs", {}):
            raise Unsupported(f"$ref {target}")
        name = target[len(prefix) :]
        return lambda v: defs[name](v)  # late-bound: definitions may be recursive

    def build(schema: Any) -> Check:
        if schema is True:
            return lambda v: True
        if schema is False:
            return lambda v: False
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        checks = [keyword(schema, k, a) for k, a in schema.items() if k not in _ANNOTATIONS]
        real = tuple(c for c in checks if c is not None)
        if not real:
            return lambda v: True
        if len(real) == 1:
            return real[0]

        def every(v: Any) -> bool:
            # A plain loop: all() over a generator costs a frame per item, and this is the
            # innermost call of the check.
            for check in real:  # noqa: SIM110
                if not check(v):
                    return False
            return True

        return every

    def on(kind: str, test: Check) -> Check:
        is_kind = _TYPES[kind]
        return lambda v: not is_kind(v) or test(v)

    def keyword(schema: dict[str, Any], name: str, arg: Any) -> Check | None:
        if name in ("then", "else"):
            return None  # compiled with "if"
        if name == "type":
            names = [arg] if isinstance(arg, str) else list(arg)
            if any(n not in _TYPES for n in names):
                raise Unsupported(f"type {arg!r}")
            tests = [_TYPES[n] for n in names]
            if len(tests) == 1:
                return tests[0]
            return lambda v: any(t(v) for t in tests)
        if name == "const":
            if isinstance(arg, str):
                return lambda v: isinstance(v, str) and v == arg
            return lambda v: json_equal(v, arg)
        if name == "enum":
            if all(e is None or isinstance(e, str) for e in arg):
                strings = frozenset(e for e in arg if e is not None)
                null = None in arg
                return lambda v: (v is None and null) or (isinstance(v, str) and v in strings)
            return lambda v: any(json_equal(v, e) for e in arg)
        if name == "pattern":
            search = re.compile(arg).search
            return on("string", lambda v: search(v) is not None)
        if name == "minLength":
            return on("string", lambda v: len(v) >= arg)
        if name == "maxLength":
            return on("string", lambda v: len(v) <= arg)
        if name == "minimum":
            return on("number", lambda v: v >= arg)
        if name == "maximum":
            return on("number", lambda v: v <= arg)
        if name == "minItems":
            return on("array", lambda v: len(v) >= arg)
        if name == "maxItems":
            return on("array", lambda v: len(v) <= arg)
        if name == "uniqueItems":
            return on("array", _unique) if arg else None
        if name == "required":
            return on("object", lambda v: all(k in v for k in arg))
        if name == "properties":
            props = tuple((k, build(s)) for k, s in arg.items())

            def each_property(v: Any) -> bool:
                if not isinstance(v, dict):
                    return True
                for k, check in props:  # noqa: SIM110 (see ``every``)
                    if k in v and not check(v[k]):
                        return False
                return True

            return each_property
        if name == "additionalProperties":
            if arg is not False or "patternProperties" in schema:
                raise Unsupported("additionalProperties other than false")
            known = frozenset(schema.get("properties", {}))
            return on("object", lambda v: known.issuperset(v))
        if name == "prefixItems":
            firsts = [build(s) for s in arg]
            return on("array", lambda v: all(c(x) for c, x in zip(firsts, v, strict=False)))
        if name == "items":
            skip = len(schema.get("prefixItems", ()))
            string_items = _string_items(arg)
            if string_items is not None:
                return on("array", lambda v: string_items(v[skip:] if skip else v))
            each = build(arg)
            return on("array", lambda v: all(each(x) for x in v[skip:]))
        if name == "$ref":
            return ref(arg)
        if name == "allOf":
            parts = [build(s) for s in arg]
            return lambda v: all(p(v) for p in parts)
        if name == "not":
            inner = build(arg)
            return lambda v: not inner(v)
        if name == "anyOf":
            options = [build(s) for s in arg]
            return lambda v: any(o(v) for o in options)
        if name == "if":
            cond = build(arg)
            then = build(schema.get("then", True))
            otherwise = build(schema.get("else", True))
            return lambda v: then(v) if cond(v) else otherwise(v)
        raise Unsupported(f"keyword {name}")

    for def_name, sub in root.get("$defs", {}).items():
        defs[def_name] = build(sub)
    return build(root)
