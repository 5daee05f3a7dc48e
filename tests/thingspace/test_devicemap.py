"""The compact device map reads exactly as the dict it replaces: same pairs, same order, same
lookups, whatever the report pages hold (IMEIs out of order, repeated, not 15 digits, many
statuses)."""

from __future__ import annotations

import sys
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.thingspace.devicemap import (
    DeviceMap,
    DeviceMapBuilder,
    device_map,
    device_set,
    imeis_with,
    status_counts,
)
from reconciler.thingspace.wire import device_statuses

IMEIS = st.one_of(
    st.integers(0, 10**15 - 1).map(lambda n: f"{n:015d}"),
    st.sampled_from(["", "12", "0" * 16, "３" * 15, " 12345678901234", "x" * 15]),
)
STATUS = st.one_of(st.sampled_from(["UpgradePending", "UpgradeSuccess", ""]), st.text(max_size=3))
PAGES = st.lists(st.lists(st.tuples(IMEIS, STATUS), max_size=30), max_size=5)


def _sorted_pages(draw_pages: list[list[tuple[str, str]]]) -> list[list[tuple[str, str]]]:
    """Pages as a report sends them: ascending IMEIs across pages (the usual case)."""
    flat = sorted({imei: s for page in draw_pages for imei, s in page}.items())
    size = max(1, len(flat) // max(1, len(draw_pages)))
    return [flat[i : i + size] for i in range(0, len(flat), size)]


def _check(pages: list[list[tuple[str, str]]], bulk: bool) -> None:
    expected: dict[str, str] = {}
    builder = DeviceMapBuilder()
    for page in pages:
        expected.update(page)
        if bulk:
            builder.add_page([i for i, _ in page], [s for _, s in page])
        else:
            builder.update(page)
    built = builder.build()
    assert list(built.items()) == list(expected.items())
    assert built == expected and expected == built and len(built) == len(expected)
    for imei, status in expected.items():
        assert imei in built and built[imei] == status
    assert "999999999999999x" not in built and built.get("1" * 15, "?") == expected.get(
        "1" * 15, "?"
    )
    # The bulk readings a rollout's gate and a plan's diff use agree with the dict's.
    assert status_counts(built) == Counter(expected.values())
    for wanted in ({"UpgradeSuccess"}, {"", "UpgradePending"}, set(), set(expected.values())):
        assert imeis_with(built, wanted) == [i for i, s in expected.items() if s in wanted]
    keys = device_set(built)
    assert keys == expected.keys() and frozenset(keys) == frozenset(expected)
    assert builder.build() == {}  # the builder handed its devices over


@settings(max_examples=200, deadline=None)
@given(PAGES, st.booleans())
def test_same_as_a_dict_whatever_the_pages(pages: list[list[tuple[str, str]]], bulk: bool) -> None:
    _check(pages, bulk)


@settings(max_examples=100, deadline=None)
@given(PAGES, st.booleans())
def test_same_as_a_dict_for_ordered_pages(pages: list[list[tuple[str, str]]], bulk: bool) -> None:
    _check(_sorted_pages(pages), bulk)


def test_a_report_of_15_digit_imeis_costs_about_9_bytes_a_device() -> None:
    builder = DeviceMapBuilder()
    for start in range(0, 10_000, 1000):
        builder.add_page(
            [f"35{n:013d}" for n in range(start, start + 1000)], ["UpgradePending"] * 1000
        )
    built = builder.build()
    assert isinstance(built, DeviceMap) and len(built) == 10_000
    size = sys.getsizeof(built._imeis) + sys.getsizeof(built._codes)
    assert size < 10 * 10_000
    assert device_map(built) is built


def test_device_statuses_reads_odd_pages_like_the_full_decoder() -> None:
    page = {"deviceList": [{"deviceId": 1, "status": None}, {"x": 1}, "bad", {"deviceId": "2"}]}
    assert device_statuses(page) == (["1", "2"], ["", ""])
    assert device_statuses({"deviceList": None}) == ([], [])
