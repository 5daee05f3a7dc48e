"""Making a plan from its inputs, the one way ``fota plan``, ``fota apply PATH`` and the
staleness check of ``fota apply plan.json`` all do it.

Why one function: a saved plan is re-checked by planning again and comparing. That comparison
means something only if the second plan is made exactly like the first: the same spec paths,
the same ``--campaign`` filter, the same baseline, the same ``--prune`` rules. plan.json
records these inputs and :func:`replan` feeds them back through :func:`make_plan`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from reconciler.lifecycle.statuses import is_terminal
from reconciler.model import CampaignSpec, Kind, LiveCampaign, wave_campaign_name
from reconciler.plans import planner
from reconciler.plans.prune import Prune
from reconciler.plans.rollout import retired_specs
from reconciler.plans.staleness import StalePlanError
from reconciler.plans.types import Plan
from reconciler.specs import load_specs
from reconciler.thingspace import Listings, ThingSpaceClient, list_account_campaigns, read_live
from reconciler.thingspace.ahead import ReadAhead
from reconciler.thingspace.live import Progress
from reconciler.thingspace.waves import read_waves

Key = tuple[str, str]


def make_plan(
    client: ThingSpaceClient,
    specs: Sequence[CampaignSpec],
    *,
    specs_digest: str,
    spec_paths: Sequence[str],
    campaign_filter: Sequence[str] = (),
    account_filter: Sequence[str] = (),
    baseline: Mapping[Key, CampaignSpec] | None = None,
    baseline_ref: str | None = None,
    prune: Prune | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    ahead: ReadAhead | None = None,
) -> Plan:
    """Read the live state the plan needs and plan (``now``: the API's clock unless given).

    ``specs`` are all the specs loaded from ``spec_paths``; the planner applies the filter.
    With ``prune``, its accounts' campaign listings (every status, both kinds) are read too.
    ``progress`` is told of every device read; ``ahead`` holds listings and campaign reads
    started while the spec files were read (``thingspace.ahead``; it reports to its own
    progress).
    """
    chosen = planner.selected(specs, campaign_filter, account_filter)
    desired = {s.key for s in chosen}
    before = planner.selected((baseline or {}).values(), campaign_filter, account_filter)
    deleted = list(retired_specs({s.key: s for s in before}, desired).values())
    # Each (account, kind) listed once for all three questions.
    listings = ahead.listings if ahead is not None else Listings(client)
    loads = ahead.loads if ahead is not None else None
    single = [s for s in [*chosen, *deleted] if s.rollout is None]
    live = read_live(client, single, listings=listings, progress=progress, loads=loads)
    waves = read_waves(client, [s for s in chosen if s.rollout is not None], listings=listings)
    matches = dict(live.matches)
    moved = moved_upgrades(chosen, baseline or {})
    if moved:
        matches = with_baseline_matches(
            matches, read_live(client, moved, listings=listings).matches
        )
    listing = read_prune_listing(client, prune, listings) if prune is not None else []
    namesakes = read_namesakes(
        client, [s for s in chosen if s.rollout is None], live.matches, listings
    )
    unmanaged = (
        read_unmanaged(client, specs, chosen, listings)
        if baseline is None and prune is None
        else ()
    )
    made = planner.plan(
        specs,
        matches,
        now or live.now,
        specs_digest=specs_digest,
        baseline=baseline,
        baseline_ref=baseline_ref,
        spec_paths=spec_paths,
        campaign_filter=campaign_filter,
        account_filter=account_filter,
        prune=prune,
        prune_live=listing,
        namesakes=namesakes,
        waves=waves,
    )
    return replace(made, unmanaged=unmanaged) if unmanaged else made


def read_unmanaged(
    client: ThingSpaceClient,
    specs: Sequence[CampaignSpec],
    chosen: Sequence[CampaignSpec],
    listings: Listings,
) -> tuple[str, ...]:
    """Active live campaigns no spec describes, in the (account, kind) groups the chosen specs
    found by name: those listings were just read, so this costs no request.

    Why: without ``--baseline-ref`` a deleted spec's campaign is simply not in the plan; saying
    so ("1 live campaign has no spec") is what tells the user the plan is not taking it down.
    """
    names = {(s.account, s.name) for s in specs if s.kind.is_campaign}
    upgrades = {_live_fields(s) for s in specs if s.kind is Kind.UPGRADE}  # v1: no names
    names |= {  # a rollout's waves are its campaigns
        (s.account, wave_campaign_name(s.name, w.name))
        for s in specs
        if s.rollout is not None
        for w in s.rollout.waves
    }
    pinned = {(s.account, s.campaign_id) for s in specs if s.campaign_id}
    groups = sorted({(s.account, s.kind) for s in chosen if not s.campaign_id}, key=str)
    found = [
        _label(live)
        for account, kind in groups
        for live in list_account_campaigns(client, account, kind, listings=listings)
        if not is_terminal(live.status)
        and (live.account, live.id) not in pinned
        and (
            (live.account, live.name) not in names
            if kind.is_campaign
            else _live_fields(live) not in upgrades
        )
    ]
    return tuple(sorted(found))


def _live_fields(item: CampaignSpec | LiveCampaign) -> tuple[object, ...]:
    """What identifies a v1 upgrade (it has no name): account, firmware, target, dates."""
    return (
        item.account,
        item.package.name,
        item.package.to_version,
        item.schedule.start,
        item.schedule.end,
    )


def _label(live: LiveCampaign) -> str:
    if live.kind.is_campaign:
        return f"{live.account}/{live.name} ({live.id})"
    pkg, sch = live.package, live.schedule
    return (
        f"{live.account}/v1 upgrade {pkg.name} -> {pkg.to_version} {sch.start}..{sch.end} "
        f"({live.id})"
    )


def moved_upgrades(
    chosen: Sequence[CampaignSpec], baseline: Mapping[Key, CampaignSpec]
) -> list[CampaignSpec]:
    """The baseline versions of unpinned v1 upgrade specs whose firmware or dates changed.

    A v1 upgrade is found by those fields, so such a spec no longer finds its upgrade; the
    baseline spec (same name, the fields as they were) still does, and that upgrade is the
    spec's: the change is then judged as a change (R-V1-IMMUTABLE, or a replacement), not
    planned as a second upgrade.
    """
    out = []
    for spec in chosen:
        old = baseline.get(spec.key)
        if (
            old is not None
            and spec.kind is Kind.UPGRADE
            and old.kind is Kind.UPGRADE
            and spec.campaign_id is None
            and old.campaign_id is None
            and _upgrade_fields(old) != _upgrade_fields(spec)
        ):
            out.append(old)
    return out


def _upgrade_fields(spec: CampaignSpec) -> tuple[object, ...]:
    return _live_fields(spec)


def with_baseline_matches(
    matches: Mapping[Key, LiveCampaign | None], moved: Mapping[Key, LiveCampaign | None]
) -> dict[Key, LiveCampaign | None]:
    """``matches`` with each spec that found nothing given its baseline's upgrade, unless
    another spec already found that upgrade by its own fields (one upgrade, one spec)."""
    taken = {m.id for m in matches.values() if m is not None}
    out = dict(matches)
    for key, found in moved.items():
        if out.get(key) is None and found is not None and found.id not in taken:
            out[key] = found
            taken.add(found.id)
    return out


def read_namesakes(
    client: ThingSpaceClient,
    specs: Sequence[CampaignSpec],
    matches: Mapping[Key, LiveCampaign | None],
    listings: Listings | None = None,
) -> dict[Key, list[LiveCampaign]]:
    """Every campaign named like a spec whose live match may be a cut replacement.

    Read only for those specs (``planner.may_resume``: rare), one listing per account and kind.
    """
    wanted = [
        s for s in specs if (m := matches.get(s.key)) is not None and planner.may_resume(s, m)
    ]
    by_group: dict[tuple[str, Kind], list[LiveCampaign]] = {}
    for group in sorted({(s.account, s.kind) for s in wanted}, key=lambda g: (g[0], g[1].value)):
        by_group[group] = list_account_campaigns(client, *group, listings=listings)
    return {s.key: [c for c in by_group[(s.account, s.kind)] if c.name == s.name] for s in wanted}


def read_prune_listing(
    client: ThingSpaceClient, prune: Prune, listings: Listings | None = None
) -> list[LiveCampaign]:
    """Every listed campaign of the prune rules' accounts (metadata only: no devices).

    One (account, kind) at a time: each listing already fans out over the statuses. v1
    upgrades carry no name, so no name prefix can cover one: they are never pruned.
    """
    return [
        live
        for account in prune.accounts
        for kind in Kind
        if kind.is_campaign
        for live in list_account_campaigns(client, account, kind, listings=listings)
    ]


def spec_paths(plan: Plan) -> list[str]:
    """The paths the plan was made from (as given to ``fota plan``)."""
    return list(plan.spec_paths)


def replan(
    saved: Plan,
    client: ThingSpaceClient,
    *,
    plan_file: str,
    baseline: Mapping[Key, CampaignSpec] | None = None,
    progress: Progress | None = None,
) -> Plan:
    """The plan ``fota plan`` would make now from the inputs ``saved`` records."""
    paths = spec_paths(saved)
    missing = [p for p in paths if not os.path.exists(p)]
    if missing and baseline is None:
        raise StalePlanError(
            f"{plan_file} is stale: its spec path(s) {', '.join(missing)} no longer exist "
            "(run apply from the directory fota plan ran in); nothing was applied"
        )
    present = [p for p in paths if p not in missing]
    specset = load_specs([Path(p) for p in present]) if present else None
    return make_plan(
        client,
        specset.specs if specset else [],
        specs_digest=specset.digest if specset else "",
        spec_paths=paths,
        campaign_filter=saved.campaign_filter,
        account_filter=saved.account_filter,
        baseline=baseline,
        baseline_ref=saved.baseline_ref,
        prune=saved.prune,
        progress=progress,
    )
