"""The cross-spec device check takes the IMEIs range by range to bound its memory: how the
range bounds fall must never change what is reported (same problems, same places, same
order), whatever the IMEIs, their clustering and the specs' dates."""

from __future__ import annotations

import tempfile
from array import array
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.errors import ProblemsFound
from reconciler.specs import crosscheck, load_specs
from reconciler.specs.devices import luhn_complete
from tests.specs.spec_helpers import write
from tests.specs.test_crosscheck_bounds import _spec

# Spread over the whole IMEI range and clustered (consecutive serials of one prefix).
POOL = [luhn_complete(f"{n:014d}") for n in (0, 1, 2, 10**13, 35465809035397, 99999999999999)]
POOL += [luhn_complete(f"3546580903{n:04d}") for n in range(8)]
_DAY = date(2027, 3, 1)
SPECS = st.lists(
    st.tuples(
        st.integers(0, 20),
        st.integers(0, 6),
        st.lists(st.sampled_from(POOL), min_size=1, max_size=6, unique=True),
    ),
    min_size=2,
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(SPECS, st.integers(1, 4))
def test_the_problems_do_not_depend_on_the_ranges(
    drawn: list[tuple[int, int, list[str]]], per_range: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for i, (start, length, devices) in enumerate(drawn):
            first, last = _DAY + timedelta(days=start), _DAY + timedelta(days=start + length)
            write(Path(tmp), f"{i}.yaml", _spec(f"c{i}", first, last, devices))
        whole = _problems(Path(tmp))
        with mock.patch.object(crosscheck, "_PARTITION", per_range):
            assert len(crosscheck._ranges([memoryview(array("Q", range(9)))])) > 1
            assert _problems(Path(tmp)) == whole


def _problems(folder: Path) -> list[tuple[str, int, int, str]]:
    try:
        load_specs([str(folder)])
    except ProblemsFound as found:
        return [(p.path, p.line, p.col, p.message) for p in found.problems]
    return []
