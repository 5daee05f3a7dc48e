"""The test harness's expression evaluator: GitHub's documented semantics, for the subset
action.yml uses (so the end-to-end test evaluates action.yml the way GitHub would)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.github.expressions import (
    ExpressionError,
    Status,
    condition,
    evaluate,
    substitute,
    to_string,
    truthy,
)

CTX = {
    "inputs": {"command": "plan", "comment": "true", "path": "campaigns"},
    "steps": {
        "prepare": {"outputs": {"command": "plan", "pr-number": "7"}},
        "plan": {"outputs": {"exitcode": "0", "refused": "0"}},
        "skipped": {"outputs": {}},
    },
    "github": {"action_path": "/a", "token": "t"},
}


def test_property_access_with_dashes_and_missing_values() -> None:
    assert evaluate("steps.prepare.outputs.pr-number", CTX) == "7"
    assert evaluate("steps.skipped.outputs.exitcode", CTX) is None
    assert evaluate("steps.nope.outputs.x", CTX) is None
    assert evaluate("steps['prepare'].outputs['command']", CTX) == "plan"


def test_or_returns_the_first_truthy_operand_and_zero_string_is_truthy() -> None:
    expr = "steps.skipped.outputs.exitcode || steps.plan.outputs.exitcode"
    assert evaluate(expr, CTX) == "0"  # "0" is a non-empty string: truthy
    assert substitute("${{ steps.skipped.outputs.x || steps.skipped.outputs.y }}", CTX) == ""


def test_and_returns_an_operand() -> None:
    assert evaluate("inputs.comment && inputs.path", CTX) == "campaigns"
    assert evaluate("'' && inputs.path", CTX) == ""


def test_string_equality_is_case_insensitive() -> None:
    assert evaluate("inputs.command == 'PLAN'", CTX) is True
    assert evaluate("inputs.command != 'plan'", CTX) is False


def test_mixed_types_compare_as_numbers() -> None:
    assert evaluate("steps.plan.outputs.exitcode == 0", CTX) is True
    assert evaluate("'abc' == 0", CTX) is False
    assert evaluate("null == 0", CTX) is True
    assert evaluate("true == 1", CTX) is True


def test_functions() -> None:
    assert evaluate("contains('Hello', 'ELL')", CTX) is True
    assert evaluate("startsWith(inputs.path, 'camp')", CTX) is True
    assert evaluate("format('{0}-{1}', 'a', 2)", CTX) == "a-2"
    with pytest.raises(ExpressionError):
        evaluate("hashFiles('x')", CTX)


def test_unknown_context_and_syntax_errors_raise() -> None:
    with pytest.raises(ExpressionError):
        evaluate("secrets.TOKEN", CTX)
    with pytest.raises(ExpressionError):
        evaluate("inputs.command ==", CTX)


def test_if_is_implicitly_success_unless_a_status_function_is_called() -> None:
    failed = Status(failed=True)
    assert condition("inputs.command == 'plan'", CTX, Status()) is True
    assert condition("inputs.command == 'plan'", CTX, failed) is False
    assert condition("always() && inputs.command == 'plan'", CTX, failed) is True
    assert condition("${{ failure() }}", CTX, failed) is True
    assert condition(None, CTX, failed) is False


def test_substitute_leaves_plain_text_alone() -> None:
    assert substitute("fota github plan", CTX) == "fota github plan"
    assert substitute("${{ github.action_path }}/pyproject.toml", CTX) == "/a/pyproject.toml"


@given(st.text(alphabet=st.characters(blacklist_characters="'"), max_size=20))
def test_string_literals_round_trip(text: str) -> None:
    assert evaluate(f"'{text}'", CTX) == text


@given(st.text(max_size=20))
def test_quotes_escape_by_doubling(text: str) -> None:
    literal = "'" + text.replace("'", "''") + "'"
    assert evaluate(literal, CTX) == text


@given(st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5)))
def test_not_is_the_negation_of_truthiness(value: object) -> None:
    ctx = {"v": {"x": value}}
    assert evaluate("!v.x", ctx) is (not truthy(value))
    assert to_string(evaluate("v.x || 'fallback'", ctx)) == (
        to_string(value) if truthy(value) else "fallback"
    )
