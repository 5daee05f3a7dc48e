"""The one redactor (``reconciler.redaction``): values in every echoed form, secret-named keys
in records, and the knobs its three users set (Basic user, minimum length, mask)."""

from __future__ import annotations

import base64

from hypothesis import given
from hypothesis import strategies as st

from reconciler.redaction import MASK, Redactor


def test_a_record_loses_secret_named_keys_and_registered_values_alike() -> None:
    redactor = Redactor(["hunter22"], mask="[x]")
    record = {"Session-Token": "abc", "note": "pw hunter22 sent", "list": ({"password": 1},)}
    assert redactor.scrub(record) == {
        "Session-Token": "[x]",
        "note": "pw [x] sent",
        "list": [{"password": "[x]"}],
    }


def test_each_line_of_a_multi_line_secret_is_hidden_but_short_pieces_are_not() -> None:
    redactor = Redactor(["first-line\nxy\nthird-line"], min_length=3)
    text = "first-line / xy / " + base64.b64encode(b"third-line").decode()
    assert redactor(text) == f"{MASK} / xy / {MASK}"


def test_the_basic_credential_of_the_user_is_hidden() -> None:
    basic = base64.b64encode(b"client:s3cret!").decode()
    assert Redactor(["s3cret!"], user="client")(f"Basic {basic}") == f"Basic {MASK}"
    assert Redactor(["s3cret!"])(f"Basic {basic}") == f"Basic {basic}"  # no user: no pair


@given(st.recursive(st.text(max_size=8) | st.integers(), st.lists, max_leaves=10))
def test_with_nothing_registered_only_keys_matter(value: object) -> None:
    assert Redactor().scrub(value) == value
