"""read_live identity rules against the fake API (the emulator-backed run is in
test_client_sim.py): pinned id, by name, ambiguous name, finished campaign; one listing per
(account, kind) whatever the number of specs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reconciler.errors import ProblemsFound
from reconciler.lifecycle.statuses import LISTING_ORDER, is_terminal
from reconciler.model import (
    Kind,
    TimeWindow,
)
from reconciler.thingspace import (
    CampaignRef,
    ThingSpaceClient,
    list_account_campaigns,
    load_campaign,
    read_live,
)
from tests.thingspace.fake_thingspace import ACC, NOW, FakeThingSpace, spec


def test_by_name_reads_the_campaign_and_its_devices(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-7", "spring", "CampaignScheduled", autoAddDevicesFlag=True)
    fake.devices["c-7"] = {"350000000000001": "UpgradePending", "350000000000002": "UpgradeSuccess"}
    state = read_live(client, [spec("spring"), spec("absent")])
    assert state.now == NOW
    live = state.matches[(ACC, "spring")]
    assert live is not None
    assert (live.id, live.status, live.name, live.account) == (
        "c-7",
        "CampaignScheduled",
        "spring",
        ACC,
    )
    assert live.auto_add_devices is True  # from GET campaign: listing items lack the flags
    assert live.schedule.windows == (TimeWindow(18, 22),)
    assert dict(live.devices) == {
        "350000000000001": "UpgradePending",
        "350000000000002": "UpgradeSuccess",
    }
    assert state.matches[(ACC, "absent")] is None


def test_listing_is_done_once_per_account_and_kind(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    for i in range(6):
        fake.add(f"c-{i}", f"n{i}", "CampaignScheduled")
    read_live(client, [spec(f"n{i}") for i in range(6)])
    listing = [r for r in fake.requests if r.url.path.endswith("/firmware/campaigns")]
    statuses = [r.url.params["campaignStatus"] for r in listing]
    # one query per status, plus the follow-up pages of the 6 scheduled ones (pages of 2)
    assert sorted(set(statuses)) == sorted(LISTING_ORDER)
    assert statuses.count("CampaignScheduled") == 3
    assert len(statuses) == len(LISTING_ORDER) + 2


def test_pinned_id_wins_over_names(client: ThingSpaceClient, fake: FakeThingSpace) -> None:
    fake.add("c-1", "spring", "CampaignScheduled")
    fake.add("c-2", "spring", "CampaignRequestQueued")
    state = read_live(client, [spec("spring", campaign_id="c-2")])
    live = state.matches[(ACC, "spring")]
    assert live is not None and live.id == "c-2"
    assert not [r for r in fake.requests if r.url.path.endswith("/firmware/campaigns")]


def test_a_pinned_id_that_does_not_exist_is_a_problem_at_the_spec(
    client: ThingSpaceClient,
) -> None:
    with pytest.raises(ProblemsFound) as caught:
        read_live(client, [spec("spring", campaign_id="c-404", line=4)])
    (problem,) = caught.value.problems
    assert str(problem) == (
        f"campaigns/a.yaml:4:3: campaignId c-404 does not exist in account {ACC} (firmware "
        "campaigns); fix the id, or remove campaignId to find or create the campaign by name"
    )


def test_two_live_campaigns_with_the_name_ask_to_pin(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-1", "spring", "CampaignScheduled")
    fake.add("c-2", "spring", "CampaignRequestPending")
    fake.add("c-3", "spring", "CampaignCancelled")
    fake.add("c-4", "summer", "CampaignScheduled")
    fake.add("c-5", "summer", "CampaignRequestQueued")
    with pytest.raises(ProblemsFound) as caught:
        read_live(client, [spec("spring", line=2), spec("summer", line=9)])
    messages = [str(p) for p in caught.value.problems]
    assert messages[0] == (
        f"campaigns/a.yaml:2:3: 2 live firmware campaigns in account {ACC} are named 'spring': "
        "c-1 (CampaignScheduled, 2026-05-10..2026-05-20), "
        "c-2 (CampaignRequestPending, 2026-05-10..2026-05-20); pin the right one with campaignId"
    )
    assert messages[1].startswith("campaigns/a.yaml:9:3: 2 live firmware campaigns")


def test_one_live_and_finished_namesakes_pick_the_live_one(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-1", "spring", "CampaignEnded", startDate="2026-06-01", endDate="2026-06-05")
    fake.add("c-2", "spring", "CampaignScheduled")
    live = read_live(client, [spec("spring")]).matches[(ACC, "spring")]
    assert live is not None and live.id == "c-2"


def test_only_finished_namesakes_return_the_most_recent_without_devices(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-1", "spring", "CampaignEnded", startDate="2026-01-01", endDate="2026-01-05")
    fake.add("c-2", "spring", "CampaignCancelled", startDate="2026-03-01", endDate="2026-03-05")
    fake.add("c-3", "spring", "CampaignAborted", startDate="2026-02-01", endDate="2026-02-05")
    fake.devices["c-2"] = {"350000000000001": "UpgradeSuccess"}
    live = read_live(client, [spec("spring")]).matches[(ACC, "spring")]
    assert live is not None
    assert (live.id, is_terminal(live.status), dict(live.devices)) == ("c-2", True, {})
    assert not [r for r in fake.requests if r.url.path.endswith("/devices")]


def test_progress_reports_each_device_page(client: ThingSpaceClient, fake: FakeThingSpace) -> None:
    fake.page_size = 3
    fake.add("c-1", "spring", "CampaignScheduled")
    fake.devices["c-1"] = {f"35000000000000{i}": "UpgradePending" for i in range(8)}
    seen: list[int] = []
    read_live(client, [spec("spring")], progress=seen.append)
    assert seen == [3, 3, 2]


def test_list_account_campaigns_is_metadata_of_every_status(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-2", "b", "CampaignEnded")
    fake.add("c-1", "a", "CampaignScheduled")
    fake.add("c-3", "a", "CampaignCancelled")
    fake.devices["c-1"] = {"350000000000001": "UpgradePending"}
    got = list_account_campaigns(client, ACC, Kind.FIRMWARE)
    assert [(c.name, c.id, c.status) for c in got] == [
        ("a", "c-1", "CampaignScheduled"),
        ("a", "c-3", "CampaignCancelled"),
        ("b", "c-2", "CampaignEnded"),
    ]
    assert all(not c.devices and c.auto_add_devices is None for c in got)


def test_an_unreadable_campaign_is_a_user_error(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-1", "spring", "CampaignScheduled", startDate="soon")
    with pytest.raises(Exception, match=r"unreadable campaign c-1 .*startDate"):
        read_live(client, [replace(spec("spring"), campaign_id="c-1")])


def test_a_campaign_pinned_by_one_spec_is_not_matched_by_name_for_another(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-1", "summer", "CampaignScheduled")
    specs = [spec("spring", campaign_id="c-1", line=2), spec("summer", line=8)]
    with pytest.raises(ProblemsFound) as caught:
        read_live(client, specs)
    assert [str(p) for p in caught.value.problems] == [
        "campaigns/a.yaml:8:3: the live campaign named 'summer' (c-1) is pinned by spec 'spring' "
        "at campaigns/a.yaml:2:3; rename this spec or pin it to another campaignId"
    ]


def test_load_campaign_without_devices_reads_no_report(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.add("c-7", "spring", "CampaignScheduled", autoAddDevicesFlag=True)
    fake.devices["c-7"] = {"350000000000001": "UpgradePending"}
    ref = CampaignRef(ACC, Kind.FIRMWARE, "c-7", "CampaignScheduled")
    live = load_campaign(client, ref, devices=False)
    assert (live.id, live.status, live.auto_add_devices, dict(live.devices)) == (
        "c-7",
        "CampaignScheduled",
        True,
        {},
    )
    assert not [r for r in fake.requests if r.url.path.endswith("/devices")]
    assert dict(load_campaign(client, ref).devices) == {"350000000000001": "UpgradePending"}
