"""Property tests of the pure half of ``fota import``: live campaign -> spec files.

Whatever ThingSpace reports (names that look like YAML specials, protocol spellings, software
after-dates, windows in any order, device lists either side of the devices-file threshold),
the files written either load back as a spec whose diff against the campaign is empty (the
first plan has nothing to do) or the campaign is reported as not importable, with a reason.
Rendering twice gives the same bytes, and the spec is already in ``fota fmt``'s layout.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.model import Kind, LiveCampaign, Package, Schedule, TimeWindow, windows
from reconciler.onboarding.read import Imported
from reconciler.onboarding.specs import INLINE_DEVICES_MAX, render
from reconciler.plans.diff import diff_campaign
from reconciler.specs import load_specs
from reconciler.specs.devices import luhn_complete
from reconciler.specs.fmt import format_text

NAMES = st.one_of(
    st.sampled_from(["no", "on", "1.0", "0o17", "a: b", "x #y", "2027-03-01", "Ünï", "pilot"]),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 _.()-]{0,30}[A-Za-z0-9]", fullmatch=True),
)


@st.composite
def window_sets(draw: st.DrawFn, min_hours: int) -> tuple[TimeWindow, ...]:
    pairs = draw(
        st.lists(
            st.integers(0, 24 - min_hours).flatmap(
                lambda s: st.tuples(st.just(s), st.integers(s + min_hours, 24))
            ),
            max_size=3,
        )
    )
    return windows([TimeWindow(s, e) for s, e in pairs])


@st.composite
def campaigns(draw: st.DrawFn) -> Imported:
    firmware = draw(st.booleans())
    start = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 700)))
    end = start + timedelta(days=draw(st.integers(0, 60)))
    if firmware:
        schedule = Schedule(start, end, windows=draw(window_sets(4)))
        protocol = draw(st.sampled_from(["LWM2M", "OMA", "OMADM", "OMD-DM", "HTTP", "lwm2m"]))
    else:
        after = st.one_of(st.none(), st.just(start), st.just(end))
        schedule = Schedule(
            start,
            end,
            download_after=draw(after),
            download_windows=draw(window_sets(1)),
            install_after=None,
            install_windows=draw(window_sets(1)),
        )
        protocol = draw(st.sampled_from(["OMA", "HTTP", "OMD-DM"]))
    count = draw(st.sampled_from([1, 2, INLINE_DEVICES_MAX, INLINE_DEVICES_MAX + 1, 120]))
    first = draw(st.integers(0, 10**6))
    devices = tuple(
        sorted(luhn_complete(f"35465809{(first + n) % 10**6:06d}") for n in range(count))
    )
    live = LiveCampaign(
        id=draw(st.uuids()).hex,
        account="0402196254-00001",
        name=draw(NAMES),
        kind=Kind.FIRMWARE if firmware else Kind.SOFTWARE,
        status=draw(st.sampled_from(["CampaignScheduled", "CampaignRequestQueued"])),
        package=Package(draw(NAMES), draw(NAMES), draw(NAMES), protocol),
        schedule=schedule,
        devices=dict.fromkeys(devices, "UpgradePending"),
        auto_assign_license=draw(st.booleans()) if firmware else None,
        auto_add_devices=draw(st.booleans()) if firmware else None,
    )
    return Imported(live, tuple(sorted(set(devices))))


def write(root: Path, item: Imported) -> Path | None:
    files, skipped, _ = render([item], schema_ref="schema.json")
    if skipped:
        return None
    (spec,) = files
    if spec.devices_path and spec.devices_text is not None:
        (root / spec.devices_path).parent.mkdir(parents=True, exist_ok=True)
        (root / spec.devices_path).write_text(spec.devices_text)
    (root / spec.spec_path).write_text(spec.spec_text)
    return root / spec.spec_path


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(campaigns())
def test_imported_spec_describes_the_campaign_exactly(
    tmp_path_factory: pytest.TempPathFactory, item: Imported
) -> None:
    root = tmp_path_factory.mktemp("import")
    path = write(root, item)
    assert path is not None  # every generated campaign is importable
    text = path.read_text()
    assert format_text(text) == text  # written in fmt's layout
    assert render([item], schema_ref="schema.json")[0][0].spec_text == text  # same bytes
    (spec,) = load_specs([path]).specs
    assert spec.campaign_id == item.live.id
    assert diff_campaign(spec, item.live).empty
    inline = "devicesFile:" not in text
    assert inline == (len(item.devices) <= INLINE_DEVICES_MAX)


def test_a_campaign_without_devices_or_with_an_unknown_protocol_is_not_importable() -> None:
    base = LiveCampaign(
        id="c1",
        account="0402196254-00001",
        name="x",
        kind=Kind.SOFTWARE,
        status="CampaignScheduled",
        package=Package("p", "1", "2", "LWM2M"),
        schedule=Schedule(date(2027, 1, 1), date(2027, 1, 2)),
        devices={},
    )
    files, skipped, _ = render([Imported(base, ("354658090353977",))], schema_ref="s")
    assert not files and "distributionType 'LWM2M' is not one a spec declares" in skipped[0].reason
    http = LiveCampaign(**{**base.__dict__, "package": Package("p", "1", "2", "HTTP")})
    files, skipped, _ = render([Imported(http, ())], schema_ref="s")
    assert not files and "no devices" in skipped[0].reason
