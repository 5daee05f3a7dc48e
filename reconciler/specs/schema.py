"""The JSON Schema of a spec, and its errors turned into plain-words ``path:line:col`` problems.

The schema file is the single description of the format: editors use it (completion, hover
docs) through yaml-language-server, and this module validates with it. jsonschema's own
messages ("'x' is a required property", "Additional properties are not allowed") name neither
the place nor the fix, so each error keyword gets its own sentence here, with "did you mean"
for misspelt keys and enum values, and a quoting hint where YAML turned text into a number.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Any

import jsonschema  # type: ignore[import-untyped, unused-ignore]

from reconciler.fastschema import Unsupported, compile_schema
from reconciler.specs.yamlcore import Document, Mark, Path, clip

SCHEMA_FILE = "campaign-spec.schema.json"


@functools.cache
def schema() -> dict[str, Any]:
    """The schema, read once from the package's ``schemas`` data directory."""
    text = resources.files("reconciler").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _validator() -> Any:
    cls = jsonschema.validators.validator_for(schema())
    return cls(schema())


@functools.cache
def fast_check() -> Callable[[Any], bool]:
    """A quick "is it valid?" (see ``fastschema``), or jsonschema's own if unsupported."""
    try:
        return compile_schema(schema())
    except Unsupported:  # pragma: no cover - only if the schema grows a new keyword
        validator = _validator()
        return lambda value: bool(validator.is_valid(value))


@dataclass(frozen=True)
class SchemaProblem:
    """One schema finding: where (a mark), what (a sentence), and which path it concerns."""

    mark: Mark
    message: str
    path: Path
    blocking: bool  # does it leave the value at ``path`` unusable for further checks?


def where(path: Path) -> str:
    """``schedule.windows[0].end``: how a user would point at the place in the file."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "the document"


_TYPE_WORDS = {
    "object": "a mapping (key: value lines)",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


_YAML11_BOOLS = frozenset({"yes", "no", "on", "off", "y", "n"})


def describe(value: Any) -> str:
    """What a value is, in YAML words."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {clip(value)}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def check(doc: Document) -> list[SchemaProblem]:
    """Every schema problem of one document, deduplicated, in document order."""
    if fast_check()(doc.data):
        return []
    found: dict[tuple[Mark, str], SchemaProblem] = {}
    for error in _validator().iter_errors(doc.data):
        for problem in _translate(error, doc):
            found.setdefault((problem.mark, problem.message), problem)
    return sorted(found.values(), key=lambda p: (p.mark.line, p.mark.col, p.message))


def _translate(error: Any, doc: Document) -> Iterator[SchemaProblem]:
    path: Path = tuple(error.absolute_path)
    keyword = error.validator
    value = error.instance
    sub: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    place = where(path)
    if keyword == "required":
        for name in sub.get("required", ()):
            if isinstance(value, dict) and name not in value:
                container = "the document" if not path else place
                yield SchemaProblem(
                    doc.mark(path),
                    f"{container} is missing required key {name!r}{_required_hint(path, name)}",
                    (*path, name),
                    True,
                )
        return
    if keyword == "additionalProperties":
        allowed = sorted(sub.get("properties", {}))
        for key in value if isinstance(value, dict) else ():
            if key in allowed:
                continue
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(allowed)
            inside = f" in {place}" if path else ""
            yield SchemaProblem(
                doc.key_mark((*path, key)),
                f"unknown key {clip(key)}{inside}; {hint}",
                (*path, key),
                False,
            )
        return
    if keyword == "not":  # the kind-specific "forbidden here" properties
        kind = str(doc.data.get("kind")) if isinstance(doc.data, dict) else "spec"
        hint = str(sub.get("description", "")).split(kind, 1)[-1].strip(" .:()")
        hint = hint if hint.startswith("use ") else f"{hint}; remove it" if hint else "remove it"
        yield SchemaProblem(
            doc.key_mark(path), f"{place} is not allowed in a {kind}; {hint}", path, False
        )
        return
    yield SchemaProblem(doc.mark(path), _sentence(keyword, value, sub, path, doc), path, True)


def _required_hint(path: Path, name: str) -> str:
    if not path and name in ("firmware", "software"):
        return " (its kind needs it)"
    if not path and name == "apiVersion":
        return ": add 'apiVersion: fota.reconciler/v1'"
    return ""


def _sentence(keyword: Any, value: Any, sub: dict[str, Any], path: Path, doc: Document) -> str:
    place = where(path)
    if keyword == "type":
        wanted = sub.get("type")
        words = _TYPE_WORDS.get(str(wanted), str(wanted))
        message = f"{place} must be {words}, not {describe(value)}"
        raw = doc.raw(path)
        if wanted == "string" and raw is not None and value is not None:
            kind = "boolean" if isinstance(value, bool) else "number"
            message += f'; quote it: "{raw}" (YAML reads unquoted {raw} as a {kind}'
            message += ", dropping leading zeros)" if raw[:1] == "0" else ")"
        elif wanted == "integer" and isinstance(value, str) and value.strip().isdigit():
            message += f"; remove the quotes: {value.strip()}"
        elif wanted == "boolean" and isinstance(value, str) and value.lower() in _YAML11_BOOLS:
            message += " (YAML 1.2 reads yes/no/on/off as strings); write true or false"
        return message
    if keyword == "enum":
        options = [str(o) for o in sub.get("enum", ())]
        message = f"{place} must be one of {', '.join(options)}, not {describe(value)}"
        if isinstance(value, str):
            folded = {o.lower(): o for o in options}
            guess = folded.get(value.lower()) or next(
                iter(difflib.get_close_matches(value, options, n=1, cutoff=0.6)), None
            )
            if guess:
                message += f"; did you mean {guess!r}?"
        return message
    if keyword == "const":
        if path == ("apiVersion",):
            return (
                f"unknown apiVersion {describe(value)}: this release reads "
                f"{sub.get('const')!r} only; set 'apiVersion: {sub.get('const')}'"
            )
        return f"{place} must be {sub.get('const')!r}, not {describe(value)}"
    if keyword == "pattern":
        reason = sub.get("patternErrorMessage", f"does not match {sub.get('pattern')}")
        return f"{place}: {clip(value)} {reason}"
    if keyword in ("minimum", "maximum"):
        low, high = sub.get("minimum"), sub.get("maximum")
        return f"{place} must be between {low} and {high}, not {value}"
    if keyword == "minLength":
        return f"{place} must not be empty"
    if keyword == "maxLength":
        return f"{place} is too long ({len(value)} characters, at most {sub.get('maxLength')})"
    if keyword == "maxItems":
        return f"{place} has {len(value)} items, at most {sub.get('maxItems')} are allowed"
    return f"{place}: {describe(value)} is not valid ({keyword})"  # pragma: no cover
