"""load_plan is a parser of files users (and CI artifacts) hand us: any input either yields a
plan or one UserError line, never a traceback."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator  # type: ignore[import-untyped, unused-ignore]

from reconciler.errors import UserError
from reconciler.fastschema import compile_schema
from reconciler.plans.types import Plan
from reconciler.views import load_plan, plan_schema, render_json
from tests.plans.plan_factory import scenario_plan

KEEP = {
    "a02-create-software",
    "b03-add-devices",
    "c03-software-add-install-window",
    "d01-start-locked",
    "e02-replace-running-abort",
    "g01-finished-cancelled",
    "h01-deleted-cancel",
}
_FULL = scenario_plan()
VALID = json.loads(
    render_json(replace(_FULL, campaigns=tuple(c for c in _FULL.campaigns if c.name in KEEP)))
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


PATHS = _paths(VALID)


def _accepts_or_explains(text: str) -> None:
    try:
        result = load_plan(text)
    except UserError as exc:
        assert exc.message and "\n" not in exc.message
    else:
        assert isinstance(result, Plan)


@settings(deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text(text: str) -> None:
    _accepts_or_explains(text)


@settings(deadline=None)
@given(json_values)
def test_arbitrary_json(value: Any) -> None:
    _accepts_or_explains(json.dumps(value))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PATHS), json_values)
def test_one_field_of_a_valid_plan_replaced_by_anything(path: tuple[Any, ...], value: Any) -> None:
    data = json.loads(json.dumps(VALID))
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    _accepts_or_explains(json.dumps(data))


# --- the compiled check agrees with jsonschema ------------------------------------------------

FAST = compile_schema(plan_schema())  # raises Unsupported if the schema outgrew the compiler
VALIDATOR = Draft202012Validator(plan_schema())


def _agrees(data: Any) -> None:
    expected = not any(True for _ in VALIDATOR.iter_errors(data))
    assert FAST(data) is expected


def test_the_compiled_check_accepts_every_rendered_plan() -> None:
    assert FAST(json.loads(render_json(_FULL)))
    assert FAST(VALID)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATHS), json_values, st.sampled_from(["set", "delete", "extra"]))
def test_the_compiled_check_agrees_with_jsonschema(
    path: tuple[Any, ...], value: Any, how: str
) -> None:
    data = json.loads(json.dumps(VALID))
    node = data
    for part in path[:-1]:
        node = node[part]
    if how == "set":
        node[path[-1]] = value
    elif how == "delete":
        del node[path[-1]]
    elif isinstance(node, dict):
        node["unexpected"] = value
    else:
        node.append(value)
    _agrees(data)


@settings(deadline=None)
@given(json_values)
def test_the_compiled_check_agrees_on_arbitrary_json(value: Any) -> None:
    _agrees(value)


@pytest.mark.parametrize(
    ("field", "value", "valid"),
    [
        ("format_version", True, False),  # true is not a number
        ("format_version", 2.0, True),  # 2.0 is 2
        ("format_version", 1, False),  # the format before spec_paths/campaign_filter
        ("campaign_filter", ["a", "a"], False),  # uniqueItems
        ("prune_rules", [{"account": "0000000001-00001", "prefix": "x"}] * 2, False),
        ("prune_rules", [{"account": "0000000001-00001", "prefix": " "}], False),  # \S
        ("spec_paths", [""], False),
    ],
)
def test_json_schema_semantics_that_python_equality_gets_wrong(
    field: str, value: Any, valid: bool
) -> None:
    data = json.loads(json.dumps(VALID))
    data[field] = value
    assert FAST(data) is valid
    _agrees(data)
