"""The JSON Schema serves editors (descriptions, modelines) and validates every example."""

from __future__ import annotations

import json
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.model import SPEC_API_VERSION
from reconciler.specs import load_specs
from reconciler.specs.schema import schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "campaigns"
SCHEMA_PATH = ROOT / "reconciler" / "schemas" / "campaign-spec.schema.json"


def _properties(node: Any, where: str = "#") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        for name, sub in node.get("properties", {}).items():
            yield f"{where}/properties/{name}", sub
        for key, value in node.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _properties(item, f"{where}/{index}")


def test_schema_is_valid_draft_2020_12() -> None:
    loaded = schema()
    assert loaded["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(loaded)
    assert loaded["properties"]["apiVersion"]["const"] == SPEC_API_VERSION


def test_every_property_has_a_description() -> None:
    found = list(_properties(schema()))
    assert len(found) > 30
    missing = [
        where for where, sub in found if not (isinstance(sub, dict) and sub.get("description"))
    ]
    assert missing == []


def test_runtime_schema_is_the_file_editors_see() -> None:
    assert schema() == json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert (ROOT / "schemas" / "campaign-spec.schema.json").resolve() == SCHEMA_PATH.resolve()


def _examples() -> list[Path]:
    return sorted(EXAMPLES.rglob("*.yaml"))


def test_there_are_examples_of_each_kind() -> None:
    kinds = {spec.kind.value for spec in load_specs([str(EXAMPLES)]).specs}
    assert kinds == {"firmware", "software", "upgrade"}


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_every_example_validates_and_has_a_working_modeline(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    target = (path.parent / first[len(prefix) :]).resolve()
    assert target == SCHEMA_PATH.resolve()
    loaded = load_specs([str(path)])
    assert len(loaded.specs) == 1
    assert all(spec.schedule.start.year >= 2027 for spec in loaded.specs)


def test_large_example_has_10000_devices() -> None:
    loaded = load_specs([str(EXAMPLES)])
    assert max(len(spec.devices) for spec in loaded.specs) == 10_000
    assert loaded.files == 4


def test_large_example_devices_file_is_what_the_generator_writes() -> None:
    namespace = runpy.run_path(str(EXAMPLES / "devices" / "generate_imeis.py"))
    committed = (EXAMPLES / "devices" / "gm01q-fleet.txt").read_text(encoding="utf-8")
    assert committed == namespace["text"]()
