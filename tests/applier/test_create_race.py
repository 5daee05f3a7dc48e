"""Two applies that do not share a lock create the same campaign: the name is looked up right
before each POST (a namesake created since the plan is adopted), and after the run's creates
every racer keeps the lowest id and cancels the others. Races are set up with emulator holds,
never with timing."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from reconciler.applier import CampaignResult, ExecOptions, StepOutcome, execute, works_from_plan
from reconciler.applier.race import keeper
from reconciler.lifecycle.statuses import UPGRADE_LISTING_ORDER
from reconciler.model import Kind
from reconciler.sim.testing import running_sim
from reconciler.thingspace import ThingSpaceClient
from tests.applier.support import (
    ACCOUNT,
    campaigns_named,
    client_for,
    make_plan,
    no_sleep,
    spec,
    upgrade_spec,
    writes,
)

CREATE = "POST /api/fota/v3/campaigns/firmware/<acc>"
DELETE = "DELETE /api/fota/v3/campaigns/<acc>/<cid>"


def _live(campaigns: list[Any]) -> list[str]:
    return sorted(
        str(c["id"])
        for c in campaigns
        if c["status"] not in ("CampaignCancelled", "CampaignAborted", "CampaignEnded")
    )


def test_a_namesake_created_since_the_plan_is_adopted_not_created_again() -> None:
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as a, client_for(sim) as b:
        plan_a = make_plan(a, [spec("shared")])
        plan_b = make_plan(b, [spec("shared")])  # both planned "missing"
        (first,) = execute(works_from_plan(plan_a), a, ExecOptions(sleep=no_sleep))
        (second,) = execute(works_from_plan(plan_b), b, ExecOptions(sleep=no_sleep))
        (made,), (adopted,) = first.results, second.results
        assert made.outcome is StepOutcome.OK and adopted.outcome is StepOutcome.OK
        assert adopted.detail.startswith(
            f"created meanwhile by another apply: id {made.campaign_id} ("
        )
        assert adopted.campaign_id == made.campaign_id
        assert writes(sim) == {CREATE: 1}


def test_two_creates_that_both_slip_through_are_healed_to_one() -> None:
    names = [f"race-{i}" for i in range(3)]
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as a, client_for(sim) as b:
        plans = [make_plan(c, [spec(n) for n in names]) for c in (a, b)]
        # Hold every create before it is processed until both applies have sent all of theirs:
        # each one's look-up before its POSTs saw nothing, so both create every campaign.
        hold = sim.emulator.hold("POST", "/api/fota/*")
        out: dict[str, list[CampaignResult]] = {}

        def run(tag: str, plan_index: int) -> None:
            client = (a, b)[plan_index]
            options = ExecOptions(sleep=no_sleep, concurrency=3)
            out[tag] = execute(works_from_plan(plans[plan_index]), client, options)

        threads = [threading.Thread(target=run, args=(t, i)) for i, t in enumerate("ab")]
        for thread in threads:
            thread.start()
        after = None
        try:
            assert hold.wait_reached(timeout=60, count=6), "the creates never reached the API"
            # The look after the run must see both applies' creates: each apply's first listing
            # after its creates waits until both have come that far (all six creates done).
            after = sim.emulator.hold("GET", "/api/fota/v3/reports/*", times=2)
            hold.release()
            assert after.wait_reached(timeout=60, count=2), "no look after the creates"
        finally:
            hold.release()
            if after is not None:
                after.release()
            for thread in threads:
                thread.join(timeout=60)
        assert writes(sim)[CREATE] == 6  # the race happened: two of each
        for name in names:
            every = campaigns_named(a, name)
            assert len(every) == 2
            kept = keeper([str(c["id"]) for c in every])
            assert _live(every) == [kept]  # healed: one live campaign, the lowest id
        details = [r.detail for tag in "ab" for c in out[tag] for r in c.results]
        assert all(r.outcome is StepOutcome.OK for t in "ab" for c in out[t] for r in c.results)
        assert sum("created by racing applies: kept id" in d for d in details) >= 3
        assert all(
            r.campaign_id == keeper([str(x["id"]) for x in campaigns_named(a, r.step.name)])
            for t in "ab"
            for c in out[t]
            for r in c.results
        )
        assert 3 <= writes(sim)[DELETE] <= 6  # each duplicate cancelled (by one racer or both)
        assert not make_plan(a, [spec(n) for n in names]).has_changes


def test_a_duplicate_that_has_started_is_reported_not_aborted() -> None:
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as a, client_for(sim) as b:
        plans = [make_plan(c, [spec("late")]) for c in (a, b)]
        hold = sim.emulator.hold("POST", "/api/fota/*")
        out: dict[int, list[CampaignResult]] = {}

        def run(i: int) -> None:
            # The look after the run happens on the API clock just before the start: a cancel
            # then could land as an abort, so it is refused and reported.
            out[i] = execute(works_from_plan(plans[i]), (a, b)[i], ExecOptions(sleep=no_sleep))

        threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        try:
            assert hold.wait_reached(timeout=60, count=2)
            from datetime import UTC, datetime

            sim.emulator.set_time(datetime(2026, 3, 9, 23, 55, tzinfo=UTC))
        finally:
            hold.release()
            for thread in threads:
                thread.join(timeout=60)
        results = [r for i in (0, 1) for c in out[i] for r in c.results]
        assert any(r.outcome is StepOutcome.FAILED for r in results)
        failed = next(r for r in results if r.outcome is StepOutcome.FAILED)
        assert "could not cancel id" in failed.detail and "campaignId" in failed.detail
        assert DELETE not in writes(sim)  # nothing was aborted


V1_CREATE = "POST /api/fota/v1/upgrades"
V1_DELETE = "DELETE /api/fota/v1/upgrades/<acc>/upgrade/<cid>"


def _upgrades(client: ThingSpaceClient) -> list[Any]:
    return [
        item
        for status in UPGRADE_LISTING_ORDER
        for item in client.list_campaigns(ACCOUNT, Kind.UPGRADE, status)
    ]


def test_a_v1_upgrade_created_since_the_plan_is_adopted_by_its_fields() -> None:
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as a, client_for(sim) as b:
        specs = [upgrade_spec("mine", date(2026, 3, 10)), upgrade_spec("other", date(2026, 3, 11))]
        plan_a = make_plan(a, specs[:1])
        plan_b = make_plan(b, specs)  # both planned "missing"
        (first,) = execute(works_from_plan(plan_a), a, ExecOptions(sleep=no_sleep))
        same, other = execute(works_from_plan(plan_b), b, ExecOptions(sleep=no_sleep))
        (made,), (adopted,), (created,) = first.results, same.results, other.results
        assert adopted.detail.startswith(
            f"created meanwhile by another apply: id {made.campaign_id} ("
        )
        assert adopted.campaign_id == made.campaign_id != created.campaign_id
        assert created.outcome is StepOutcome.OK and created.detail.startswith("created")
        assert writes(sim) == {V1_CREATE: 2}


def test_two_v1_creates_that_both_slip_through_are_healed_to_one() -> None:
    with running_sim(failure_rate=1.0) as sim, client_for(sim) as a, client_for(sim) as b:
        plans = [make_plan(c, [upgrade_spec("wave", date(2026, 3, 10))]) for c in (a, b)]
        hold = sim.emulator.hold("POST", "/api/fota/*")
        out: dict[int, list[CampaignResult]] = {}

        def run(i: int) -> None:
            out[i] = execute(works_from_plan(plans[i]), (a, b)[i], ExecOptions(sleep=no_sleep))

        threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        try:
            assert hold.wait_reached(timeout=60, count=2), "the creates never reached the API"
        finally:
            hold.release()
            for thread in threads:
                thread.join(timeout=60)
        assert writes(sim)[V1_CREATE] == 2  # the race happened
        ids = [r.campaign_id for i in (0, 1) for c in out[i] for r in c.results]
        every = sorted(sim.emulator.state.campaigns)  # a cancelled upgrade is in no listing
        assert len(every) == 2
        kept = keeper(every)
        # The apply that listed after both creates heals (the other may not have seen both).
        assert kept in ids
        assert [str(u["id"]) for u in _upgrades(a)] == [kept]
        (gone,) = set(every) - {kept}
        assert a.get_campaign(ACCOUNT, Kind.UPGRADE, gone)["status"] == "Cancelled"
        assert writes(sim)[V1_DELETE] >= 1
