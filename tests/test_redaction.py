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


ITEMS = ["350000000000006", "350000000000014", "ab", "s3cret-token-value"]


@given(st.lists(st.sampled_from(ITEMS)))
def test_a_list_of_strings_is_scrubbed_item_by_item_wherever_the_secret_is(
    value: list[str],
) -> None:
    """The joined-text shortcut for lists of strings (a create's IMEIs) masks exactly what
    scrubbing each item would, including a secret in any one item and none across two."""
    redactor = Redactor(["s3cret-token-value", "b350"], mask="[masked]")
    assert redactor.scrub(value) == [redactor(item) for item in value]
    assert all("s3cret" not in item for item in redactor.scrub(value))
