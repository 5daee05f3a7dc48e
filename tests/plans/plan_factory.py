"""Hand-made specs and live campaigns, and the scenario set the golden files are rendered from.

One scenario per behaviour a user relies on: create, no-op, each allowed change, each refusal,
replacement, drift, finished, and the take-down of a deleted spec.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from reconciler.model import (
    CampaignSpec,
    Kind,
    Lifecycle,
    LiveCampaign,
    OnImmutableChange,
    Package,
    Schedule,
    Source,
    TimeWindow,
)
from reconciler.plans.planner import plan
from reconciler.plans.prune import Prune, PruneRule
from reconciler.plans.types import Plan

ACC = "0402196254-00001"
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)  # a Sunday morning, mid-day
PKG = Package("FOTA_Model-A_01To02", "SR1.0", "SR2.0", "LWM2M")
SW_PKG = Package("FOTA_Model-B_sw", "1.0", "2.0", "HTTP")


def imei(n: int) -> str:
    return f"35465809{n:07d}"


DEVICES = frozenset(imei(i) for i in range(1, 6))


def fw_spec(name: str, **kw: object) -> CampaignSpec:
    base = CampaignSpec(
        account=ACC,
        name=name,
        kind=Kind.FIRMWARE,
        package=PKG,
        schedule=Schedule(date(2026, 12, 1), date(2026, 12, 10), windows=(TimeWindow(18, 22),)),
        devices=DEVICES,
        source=Source(f"campaigns/{name}.yaml", 1, 1),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def sw_spec(name: str, **kw: object) -> CampaignSpec:
    base = CampaignSpec(
        account=ACC,
        name=name,
        kind=Kind.SOFTWARE,
        package=SW_PKG,
        schedule=Schedule(
            date(2026, 12, 1),
            date(2026, 12, 10),
            download_after=date(2026, 12, 1),
            download_windows=(TimeWindow(1, 5),),
            install_after=date(2026, 12, 2),
            install_windows=(TimeWindow(2, 6),),
        ),
        devices=DEVICES,
        source=Source(f"campaigns/{name}.yaml", 3, 1),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def live_of(
    spec: CampaignSpec,
    status: str = "CampaignScheduled",
    *,
    cid: str | None = None,
    device_status: str = "UpgradePending",
    **kw: object,
) -> LiveCampaign:
    """The live campaign that exactly matches ``spec``, then ``kw`` overrides."""
    base = LiveCampaign(
        id=cid or f"c-{spec.name}",
        account=spec.account,
        name=spec.name,
        kind=spec.kind,
        status=status,
        package=spec.package,
        schedule=spec.schedule,
        devices=dict.fromkeys(sorted(spec.devices), device_status),
        auto_assign_license=spec.auto_assign_license if spec.kind is Kind.FIRMWARE else None,
        auto_add_devices=spec.auto_add_devices if spec.kind is Kind.FIRMWARE else None,
        make="Verizon",
        model="Model-A",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


STARTED = Schedule(date(2026, 11, 20), date(2026, 12, 10), windows=(TimeWindow(18, 22),))
SW_STARTED = replace(sw_spec("x").schedule, start=date(2026, 11, 20))
REPLACE = Lifecycle(on_immutable_change=OnImmutableChange.REPLACE)
REPLACE_ABORT = Lifecycle(on_immutable_change=OnImmutableChange.REPLACE, allow_abort=True)


NEW_PKG = replace(PKG, to_version="SR3.0")


def extra_namesakes() -> dict[tuple[str, str], list[LiveCampaign]]:
    """Campaigns named like a scenario's spec besides its live match (its history)."""
    made = fw_spec("g05-replacement-already-made", package=NEW_PKG)
    return {made.key: [live_of(made, "CampaignCancelled", cid="c-g05-new", devices={})]}


def scenarios() -> list[tuple[CampaignSpec | None, LiveCampaign | None, CampaignSpec | None]]:
    """(desired spec, live campaign, baseline spec) per scenario; None where absent."""
    out: list[tuple[CampaignSpec | None, LiveCampaign | None, CampaignSpec | None]] = []

    def add(
        spec: CampaignSpec | None,
        live: LiveCampaign | None,
        baseline: CampaignSpec | None = None,
    ) -> None:
        out.append((spec, live, baseline))

    # create, no-op
    add(fw_spec("a01-create"), None)
    add(sw_spec("a02-create-software"), None)
    s = fw_spec("a03-no-op")
    add(s, live_of(s))
    # allowed changes before start
    s = fw_spec("b01-move-dates-before-start")
    add(s, live_of(s, schedule=replace(s.schedule, start=date(2026, 11, 28))))
    s = fw_spec("b02-remove-window-before-start")
    add(s, live_of(s, schedule=replace(s.schedule, windows=(TimeWindow(2, 6), TimeWindow(18, 22)))))
    s = fw_spec("b03-add-devices")
    add(s, live_of(s, devices=dict.fromkeys(sorted(DEVICES)[:3], "UpgradePending")))
    s = fw_spec("b04-remove-devices")
    add(s, live_of(s, devices=dict.fromkeys([*DEVICES, imei(99)], "UpgradePending")))
    # allowed changes after start
    s = fw_spec("c01-extend-end-running", schedule=replace(STARTED, end=date(2026, 12, 20)))
    add(s, live_of(s, schedule=STARTED))
    s = fw_spec(
        "c02-add-window-running",
        schedule=replace(STARTED, windows=(TimeWindow(2, 6), TimeWindow(18, 22))),
    )
    add(s, live_of(s, schedule=STARTED))
    s = sw_spec(
        "c03-software-add-install-window",
        schedule=replace(SW_STARTED, install_windows=(TimeWindow(2, 6), TimeWindow(20, 24))),
    )
    add(s, live_of(s, schedule=SW_STARTED))
    # refusals
    s = fw_spec("d01-start-locked", schedule=replace(STARTED, start=date(2026, 11, 25)))
    add(s, live_of(s, schedule=STARTED))
    s = fw_spec("d02-end-too-soon", schedule=replace(STARTED, end=date(2026, 11, 23)))
    add(s, live_of(s, schedule=STARTED))
    s = fw_spec("d03-window-removed-running", schedule=replace(STARTED, windows=()))
    add(s, live_of(s, schedule=STARTED))
    s = sw_spec(
        "d04-after-date-locked", schedule=replace(SW_STARTED, install_after=date(2026, 12, 5))
    )
    add(s, live_of(s, schedule=SW_STARTED))
    s = fw_spec("d05-ended", schedule=replace(STARTED, end=date(2026, 11, 22)))
    add(s, live_of(s, schedule=replace(STARTED, end=date(2026, 11, 22)), devices={}))
    s = fw_spec("d06-pending-change")
    add(
        s, live_of(s, "CampaignRequestPending", schedule=replace(s.schedule, end=date(2026, 12, 9)))
    )
    s = fw_spec("d07-unknown-status")
    add(s, live_of(s, "CampaignMystery", devices={}))
    add(fw_spec("d08-create-in-past", schedule=STARTED), None)
    s = fw_spec("d09-immutable-refused", package=replace(PKG, to_version="SR3.0"))
    add(s, live_of(s, package=PKG))
    s = fw_spec(
        "d10-replace-needs-abort",
        package=replace(PKG, to_version="SR3.0"),
        lifecycle=REPLACE,
        schedule=replace(STARTED, start=date(2026, 11, 25)),
    )
    add(s, live_of(s, package=PKG, schedule=STARTED))
    s = fw_spec(
        "d11-remove-devices-opted-out",
        lifecycle=Lifecycle(allow_device_removal=False),
    )
    add(s, live_of(s, devices=dict.fromkeys([*DEVICES, imei(98)], "UpgradePending")))
    s = fw_spec("d12-remove-upgraded", schedule=STARTED)
    add(
        s,
        live_of(
            s,
            devices={**dict.fromkeys(DEVICES, "UpgradePending"), imei(97): "UpgradeSuccess"},
        ),
    )
    add(fw_spec("d13-pinned-missing", campaign_id="9f1c-missing"), None)
    s = fw_spec(
        "d14-replace-pinned",
        campaign_id="c-d14",
        package=replace(PKG, to_version="SR3.0"),
        lifecycle=REPLACE,
    )
    add(s, live_of(s, cid="c-d14", package=PKG))
    # replacement
    s = fw_spec(
        "e01-replace-before-start", package=replace(PKG, to_version="SR3.0"), lifecycle=REPLACE
    )
    add(s, live_of(s, package=PKG))
    s = fw_spec(
        "e02-replace-running-abort",
        package=replace(PKG, protocol="OMA"),
        lifecycle=REPLACE_ABORT,
    )
    add(s, live_of(s, package=PKG, schedule=STARTED, cid="c-e02-old"))
    s = fw_spec("e03-protocol-alias-no-op", package=replace(PKG, protocol="OMA"))
    add(s, live_of(s, package=replace(PKG, protocol="OMD-DM")))
    # drift: git did not change the end date, the portal did
    s = fw_spec("f01-drift-end-date")
    add(s, live_of(s, schedule=replace(s.schedule, end=date(2026, 12, 6))), s)
    s = fw_spec("f02-drift-window-removed-running", schedule=STARTED)
    add(
        s,
        live_of(s, schedule=replace(STARTED, windows=(TimeWindow(0, 4), TimeWindow(18, 22)))),
        s,
    )
    # finished
    s = fw_spec("g01-finished-cancelled")
    add(s, live_of(s, "CampaignCancelled", devices={}))
    s = fw_spec("g02-finished-ended", schedule=replace(STARTED, end=date(2026, 11, 21)))
    add(s, live_of(s, "CampaignEnded", schedule=replace(STARTED, end=date(2026, 11, 21))))
    # a replacement cut after its cancel: resumed; after a failure or a completed create: not
    s = fw_spec("g03-resume-cut-replacement", package=NEW_PKG, lifecycle=REPLACE)
    add(s, live_of(s, "CampaignCancelled", package=PKG, devices={}))
    s = fw_spec("g04-failed-not-resumed", package=NEW_PKG, lifecycle=REPLACE)
    add(s, live_of(s, "CampaignFailed", package=PKG, devices={}))
    s = fw_spec("g05-replacement-already-made", package=NEW_PKG, lifecycle=REPLACE)
    add(s, live_of(s, "CampaignCancelled", package=PKG, devices={}))
    # deleted specs (baseline only)
    s = fw_spec("h01-deleted-cancel")
    add(None, live_of(s), s)
    s = fw_spec("h02-deleted-abort", schedule=STARTED, lifecycle=Lifecycle(allow_abort=True))
    add(None, live_of(s), s)
    s = fw_spec("h03-deleted-running-refused", schedule=STARTED)
    add(None, live_of(s), s)
    return out


PRUNE = Prune((PruneRule(ACC, "p0"),))


def prune_listing() -> list[LiveCampaign]:
    """The account's listed campaigns (metadata only) that ``PRUNE`` looks at."""
    return [
        live_of(fw_spec("p01-pruned-cancel"), devices={}),
        live_of(fw_spec("p02-pruned-running-refused", schedule=STARTED), devices={}),
        live_of(fw_spec("p03-pruned-finished"), "CampaignCancelled", devices={}),
        live_of(fw_spec("x01-outside-the-prefix", schedule=STARTED), devices={}),
        live_of(fw_spec("a03-no-op"), devices={}),  # described by a spec
    ]


def scenario_plan(now: datetime = NOW) -> Plan:
    specs = []
    live: dict[tuple[str, str], LiveCampaign | None] = {}
    baseline: dict[tuple[str, str], CampaignSpec] = {}
    for spec, lv, base in scenarios():
        key = (spec or base or lv).key  # type: ignore[union-attr]
        if spec is not None:
            specs.append(spec)
        live[key] = lv
        if base is not None:
            baseline[key] = base
    return plan(
        specs,
        live,
        now,
        specs_digest="sha256:" + "ab" * 32,
        baseline=baseline,
        baseline_ref="origin/main",
        spec_paths=("campaigns",),
        prune=PRUNE,
        prune_live=prune_listing(),
        namesakes={
            key: [lv, *extra_namesakes().get(key, [])] for key, lv in live.items() if lv is not None
        },
    )
