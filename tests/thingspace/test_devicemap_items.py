"""DeviceMap.items() in bulk gives exactly what a dict's items() gives, compact or plain."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reconciler.thingspace.devicemap import device_map

IMEIS = st.one_of(st.integers(min_value=0, max_value=10**15 - 1).map("{:015d}".format), st.text())
STATUSES = st.sampled_from(["UpgradePending", "UpgradeSuccess", "upgradeFailure", "x"])


@given(st.dictionaries(IMEIS, STATUSES, max_size=60), st.booleans())
def test_items_in_bulk_are_the_dict_items(devices: dict[str, str], ordered: bool) -> None:
    source = dict(sorted(devices.items())) if ordered else devices
    mapped = device_map(source)
    assert list(mapped.items()) == [(k, mapped[k]) for k in mapped]
    assert dict(mapped.items()) == source
    assert len(mapped.items()) == len(source)
