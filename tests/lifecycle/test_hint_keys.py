"""Every spec key a refusal or a rule tells users to set is a key the spec schema accepts.

A hint naming ``lifecycle.allow_abort`` sends the user to write a key that ``fota validate``
then rejects: rule texts and the prose of every hint (string literals with a space in them, in
the modules that word refusals) are checked against campaign-spec.schema.json.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reconciler.lifecycle import rules

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "reconciler/schemas/campaign-spec.schema.json").read_text())
HINT_MODULES = (
    "reconciler/lifecycle/rules.py",
    "reconciler/plans/planner.py",
    "reconciler/plans/prune.py",
    "reconciler/applier/executor.py",
    "reconciler/cli/plan.py",
    "reconciler/cli/apply.py",
)
SECTIONS = ("lifecycle", "schedule", "firmware", "software", "devicesFile")
DOTTED = re.compile(r"\b(" + "|".join(SECTIONS) + r")\.([A-Za-z_]+)")


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(SCHEMA["$defs"][ref.removeprefix("#/$defs/")])
    return node


def _properties(node: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = dict(_resolve(node).get("properties", {}))
    return props


def _all_keys(node: dict[str, Any]) -> Iterator[str]:
    for key, child in _properties(node).items():
        yield key
        yield from _all_keys(child)


ALL_KEYS = set(_all_keys(SCHEMA))
WRONG_SPELLINGS = {
    re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower(): key
    for key in ALL_KEYS
    if re.search(r"[A-Z]", key)
}


def problems(text: str) -> list[str]:
    """Spec keys ``text`` names that the schema would reject."""
    out = []
    for section, key in DOTTED.findall(text):
        if key not in _properties(SCHEMA["properties"][section]):
            out.append(f"{section}.{key}")
    for wrong, right in WRONG_SPELLINGS.items():
        if re.search(rf"(?<![\w-]){wrong}(?![\w-])", text):
            out.append(f"{wrong} (the spec key is {right})")
    return out


def _prose(path: str) -> Iterator[tuple[int, str]]:
    """String literals with a space (user-facing prose), docstrings left out."""
    tree = ast.parse((ROOT / path).read_text())
    docstrings = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        if isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "{}"
                for v in node.values
            )
            if " " in text:
                yield node.lineno, text
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and " " in node.value:
            yield node.lineno, node.value


def test_the_checker_catches_the_snake_case_spellings() -> None:
    assert problems("set lifecycle.allow_abort: true") != []
    assert problems("remove campaign_id from the spec") != []
    assert problems("set on_immutable_change: replace") != []
    assert problems("set lifecycle.allowDeviceRemoval: true or remove campaignId") == []


def test_rule_texts_name_only_schema_keys() -> None:
    for rule in rules.RULES:
        for text in (rule.sentence, rule.reading):
            assert problems(text) == [], (rule.id, text)


def test_every_hint_names_only_schema_keys() -> None:
    found = [
        (path, line, text, problems(text))
        for path in HINT_MODULES
        for line, text in _prose(path)
        if problems(text)
    ]
    assert found == []


def test_docs_name_only_schema_keys_for_spec_settings() -> None:
    for doc in ("docs/RULES.md", "docs/APPLY.md"):
        text = (ROOT / doc).read_text()
        assert DOTTED.findall(text), doc  # the docs do name spec keys
        wrong = [p for p in problems(text) if not p.startswith("campaign_id")]
        assert wrong == [], doc
