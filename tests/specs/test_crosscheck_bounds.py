"""Hostile input stays linear and bounded: cross-spec checks report one pair per holder of a
shared device (never every pair), and problems are capped per file and per run with a
"... and N more" line, so a 1 MiB file of copies or a devices file of millions of bad lines
cannot make validation quadratic or unbounded (figures: bench/bench_crosscheck.py)."""

from __future__ import annotations

import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.specs.caps import PER_FILE, PER_RUN
from reconciler.specs.devices import luhn_complete
from tests.specs.spec_helpers import VALID_FIRMWARE, problems_of, replace, write

INLINE = 'devices:\n  - "354658090353977"\n'
POOL = [luhn_complete(f"3546580903{n:04d}") for n in range(6)]


def _spec(name: str, start: date, end: date, devices: list[str]) -> str:
    text = replace(VALID_FIRMWARE, "name: pilot", f"name: {name}")
    text = replace(text, "start: 2027-03-01", f"start: {start}")
    text = replace(text, "end: 2027-03-14", f"end: {end}")
    return replace(text, INLINE, "devices:\n" + "".join(f'  - "{d}"\n' for d in devices))


def test_copies_of_one_spec_cost_two_problems_each_shown_up_to_the_file_cap(
    tmp_path: Path,
) -> None:
    copies = 500
    one = _spec("same", date(2027, 3, 1), date(2027, 3, 14), POOL[:1])
    path = write(tmp_path, "copies.yaml", ("---\n" + one) * copies)
    problems = problems_of(path)
    assert len(problems) == PER_FILE + 1
    # One name clash and one device clash per later copy: 2 x 499, not 499 + 124,251 pairs.
    more = 2 * (copies - 1) - PER_FILE
    (tail,) = [p for p in problems if p.message.startswith("... and ")]
    assert tail.message == (
        f"... and {more:,} more problem(s) in this file (the first ones are shown); fix these "
        "and validate again"
    )


def test_a_devices_file_of_bad_imeis_shows_the_first_and_counts_the_rest(tmp_path: Path) -> None:
    good = [luhn_complete(f"35{n:012d}") for n in range(5000)]
    bad = [imei[:14] + str((int(imei[14]) + 1) % 10) for imei in good]  # wrong check digit
    write(tmp_path, "devices.txt", "\n".join(bad) + "\n")
    text = replace(VALID_FIRMWARE, INLINE, "devicesFile: {path: devices.txt}")
    problems = problems_of(write(tmp_path, "fleet.yaml", text))
    in_file = [p for p in problems if p.path.endswith("devices.txt")]
    assert len(in_file) == PER_FILE + 1
    assert [p.line for p in in_file[:3]] == [1, 2, 3]
    assert in_file[-1].message.startswith(f"... and {5000 - PER_FILE:,} more invalid IMEI(s)")


def test_problems_past_the_run_cap_are_counted_on_one_line(tmp_path: Path) -> None:
    files = PER_RUN + 20
    for n in range(files):
        write(tmp_path, f"s{n:04d}.yaml", "apiVersion: fota.reconciler/v0\n")
    problems = problems_of(tmp_path)
    assert len(problems) == PER_RUN + 1
    (tail,) = [p for p in problems if p.message.startswith("... and ")]
    assert tail.message.startswith("... and 20 more problem(s) in 20 file(s) not shown")


_DAY = date(2027, 3, 1)
_specs = st.lists(
    st.tuples(
        st.integers(0, 20),
        st.integers(0, 6),
        st.sets(st.sampled_from(POOL), min_size=1, max_size=3),
    ),
    min_size=2,
    max_size=8,
)


@settings(max_examples=40, deadline=None)
@given(_specs)
def test_every_spec_in_an_overlap_is_named_and_every_named_pair_overlaps(
    drawn: list[tuple[int, int, set[str]]],
) -> None:
    spans = [(_DAY + timedelta(days=s), _DAY + timedelta(days=s + n)) for s, n, _ in drawn]
    devices = [sorted(d) for *_, d in drawn]
    clashing = {
        i
        for i in range(len(drawn))
        for j in range(len(drawn))
        if i != j
        and set(devices[i]) & set(devices[j])
        and spans[i][0] <= spans[j][1]
        and spans[j][0] <= spans[i][1]
    }
    with tempfile.TemporaryDirectory() as tmp:
        for i, ((start, end), devs) in enumerate(zip(spans, devices, strict=True)):
            write(Path(tmp), f"{i}.yaml", _spec(f"c{i}", start, end, devs))
        if not clashing:
            return
        problems = problems_of(Path(tmp))
    named: set[int] = set()
    for problem in problems:
        i = int(Path(problem.path).stem)
        match = re.search(r"also in campaign 'c(\d+)'", problem.message)
        assert match is not None, problem.message
        j = int(match.group(1))
        assert j < i and {i, j} <= clashing  # a real clash, on the later-loaded spec
        assert set(devices[i]) & set(devices[j])
        named |= {i, j}
    assert named == clashing
