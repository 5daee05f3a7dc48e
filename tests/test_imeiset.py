"""The compact IMEI set behaves as the ``frozenset[str]`` it replaces in ``CampaignSpec.devices``
(membership, equality, hashing, set operations against its own kind and any other set), and
the packed positions read as the tuples they replace."""

from __future__ import annotations

import pickle
from collections.abc import Set as AbstractSet

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.imeiset import ImeiSet, imei_set
from reconciler.plans.diff import diff_devices
from reconciler.specs.packed import WrittenImeis, positions
from reconciler.thingspace.devicemap import device_map

IMEIS = st.integers(0, 10**15 - 1).map(lambda n: f"{n:015d}")
POOL = st.sampled_from(["000000000000000", "000000000000001", "354658090353977", "9" * 15])
DEVICES = st.sets(st.one_of(IMEIS, POOL), max_size=20)
NOT_IMEIS = st.sampled_from(["", "12", "0" * 16, "３" * 15, " 12345678901234", "x" * 15])
OTHERS = st.sets(st.one_of(IMEIS, POOL, NOT_IMEIS), max_size=20)


def _other(values: set[str], kind: str) -> AbstractSet[str]:
    if kind == "imeiset" and all(v.isascii() and v.isdigit() and len(v) == 15 for v in values):
        return ImeiSet(values)
    if kind == "keys":
        return device_map(dict.fromkeys(sorted(values), "UpgradePending")).keys()
    return set(values) if kind == "set" else frozenset(values)


KINDS = st.sampled_from(["imeiset", "frozenset", "set", "keys"])


@settings(max_examples=300, deadline=None)
@given(DEVICES, OTHERS, KINDS)
def test_reads_and_combines_as_a_frozenset(devices: set[str], others: set[str], kind: str) -> None:
    compact, plain = ImeiSet(devices), frozenset(devices)
    other = _other(others, kind)
    assert len(compact) == len(plain) and list(compact) == sorted(plain)
    assert compact == plain and plain == compact and (compact != plain) is False
    assert hash(compact) == hash(plain) and imei_set(compact) is compact
    for value in [*others, "x", 3]:
        assert (value in compact) == (value in plain)
    assert (compact == other) == (plain == other) and (other == compact) == (other == plain)
    assert (compact != other) == (plain != other)
    assert compact & other == plain & frozenset(other) and other & compact == plain & set(other)
    assert compact - other == plain - frozenset(other) and other - compact == set(other) - plain
    assert compact | other == plain | frozenset(other) and compact ^ other == plain ^ set(other)
    assert (compact <= other) == (plain <= frozenset(other))
    assert compact.isdisjoint(other) == plain.isdisjoint(other)
    assert pickle.loads(pickle.dumps(compact)) == plain
    assert isinstance(compact & other, ImeiSet) and isinstance(compact - other, ImeiSet)


@settings(max_examples=200, deadline=None)
@given(DEVICES, OTHERS)
def test_the_plan_diff_is_the_same_as_with_a_frozenset(devices: set[str], live: set[str]) -> None:
    report = device_map(dict.fromkeys(sorted(live), "UpgradePending"))
    assert diff_devices(ImeiSet(devices), report) == diff_devices(frozenset(devices), report)


def test_refuses_what_is_not_an_imei() -> None:
    for bad in ["12", "３" * 15, " 12345678901234", "0" * 16]:
        with pytest.raises(ValueError, match="not 15 ASCII digits"):
            ImeiSet(["354658090353977", bad])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(IMEIS, POOL), max_size=20), st.lists(st.integers(1, 2**31), max_size=20))
def test_packed_positions_read_as_the_tuples(imeis: list[str], lines: list[int]) -> None:
    written = WrittenImeis(imeis)
    assert list(written) == imeis and len(written) == len(imeis)
    assert [written[k] for k in range(len(imeis))] == imeis and written[1:3] == imeis[1:3]
    for imei in [*imeis, "000000000000002", "x"]:
        assert (imei in written) == (imei in imeis)
        if imei in imeis:
            assert written.index(imei) == imeis.index(imei)
    assert list(positions(lines)) == lines and positions(range(1, 4)) == range(1, 4)
