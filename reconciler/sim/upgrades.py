"""The emulator's v1 upgrades: their statuses and when each device really upgrades.

A v1 upgrade (``/api/fota/v1/upgrades``) is stored as a ``Campaign`` of kind ``upgrade`` (no
name, no windows, no from-version, no protocol), so it is persisted, indexed and listed like
the campaigns; this module owns what differs. It is the emulator's own reading of the public
page "Get Information about an Upgrade", independent of the reconciler:

- **Statuses** (the UpgradeStatus vocabulary): ``RequestPending`` until the request settles
  (the same settling as campaigns: two GETs or ``settle`` of simulated time), then ``Queued``
  before the start date, ``InProgress`` from the start date, ``Finished`` after the end date;
  ``RequestFailed`` when the create's asynchronous checks failed; ``Cancelled`` after a DELETE
  (no page names it: the emulator's reading, and it is in no listing).
- **Devices** upgrade when they check in. OMA-DM devices check in at a deterministic instant
  spread over twice the upgrade's length, so about half of them check in *after* the end date:
  "ThingSpace queues OMA-DM upgrades in the network indefinitely so the upgrade may actually be
  successful after the end date". Other devices (LWM2M) check in before the end or never.
- **What the upgrade reports** per device is frozen at its end date ("As long as the campaign
  is still active (before the end date), ThingSpace will return device level status daily"),
  while the firmware a device reports in the device list follows the real check-in, so the
  two disagree after the end date exactly as the page warns.

Device statuses use the v1 vocabulary with spaces: ``Request Pending``, ``Device Accepted``,
``Upgrade Success``, ``Upgrade Failed``, ``Cancelled``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from reconciler.sim import lifecycle, progress
from reconciler.sim.store import Campaign, Member, State

UPGRADE = "upgrade"

REQUEST_PENDING = "RequestPending"
QUEUED = "Queued"
IN_PROGRESS = "InProgress"
FINISHED = "Finished"
REQUEST_FAILED = "RequestFailed"
UPGRADE_FAILED = "UpgradeFailed"
CANCELLED = "Cancelled"
LISTED = (REQUEST_PENDING, QUEUED, REQUEST_FAILED, IN_PROGRESS, FINISHED, UPGRADE_FAILED)
"""The UpgradeStatus enum: the values the v1 listing accepts in its path."""

DEVICE_PENDING = "Request Pending"
DEVICE_ACCEPTED = "Device Accepted"
DEVICE_SUCCESS = "Upgrade Success"
DEVICE_FAILED = "Upgrade Failed"
DEVICE_CANCELLED = "Cancelled"

OMA_DM = frozenset({"OMA", "OMADM", "OMD-DM", "OMA-DM"})
UNREPORTED = "unreported"
"""The firmware an enrolled device reports before any upgrade (v1 creates name no from-version)."""


def status(c: Campaign, now: datetime, settle: timedelta) -> str:
    """The upgrade-level status now (observing: never steps the upgrade)."""
    base = c.status(now, settle)
    if base == lifecycle.CANCELLED:
        return CANCELLED
    if base == lifecycle.PENDING:
        return REQUEST_PENDING
    if base == lifecycle.REQUEST_FAILED:
        return REQUEST_FAILED
    if base == lifecycle.QUEUED:
        return QUEUED
    if base == lifecycle.ENDED:
        return FINISHED
    return IN_PROGRESS if lifecycle.started(c.start, now) else QUEUED


class Outcome(NamedTuple):
    """When a device checks in for an upgrade, and whether its upgrade succeeds then."""

    at: datetime | None  # None: never (removed first, cancelled, failed request, LWM2M late)
    success: bool
    reason: str


def outcome(state: State, c: Campaign, imei: str, member: Member, settle: timedelta) -> Outcome:
    if c.failure is not None or c.closed == lifecycle.CANCELLED:
        return Outcome(None, False, "upgrade cancelled" if c.failure is None else c.failure)
    begin = max(lifecycle.start_instant(c.start), c.created + settle, member.joined)
    length = lifecycle.end_instant(c.end) - lifecycle.start_instant(c.start)
    device = state.fleet.get(imei)
    oma_dm = device is None or device.protocol.upper() in OMA_DM
    spread = 2 * length if oma_dm else length
    at = begin + spread * progress.unit(state.seed, c.id, imei, "v1-checkin")
    if (member.left is not None and at >= member.left) or (
        not oma_dm and at >= lifecycle.end_instant(c.end)
    ):
        return Outcome(None, False, "not upgraded")
    fails = progress.unit(state.seed, c.id, imei, "v1-fail") < c.failure_rate
    return Outcome(at, not fails, "DeviceNotResponding" if fails else "success")


def device_status(
    state: State, c: Campaign, imei: str, now: datetime, settle: timedelta
) -> tuple[str, str]:
    """(status, resultReason) the upgrade reports for one member, frozen at its end date."""
    if c.closed == lifecycle.CANCELLED:
        return DEVICE_CANCELLED, "upgrade cancelled before its start"
    if status(c, now, settle) in (REQUEST_PENDING, REQUEST_FAILED):
        return DEVICE_PENDING, c.failure or "request pending"
    seen = min(now, lifecycle.end_instant(c.end))
    result = outcome(state, c, imei, c.members[imei], settle)
    if result.at is None or result.at > seen:
        return DEVICE_ACCEPTED, "success"  # accepted and queued (the page's example reason)
    if result.success:
        return DEVICE_SUCCESS, "success"
    return DEVICE_FAILED, result.reason


def upgraded_at(state: State, c: Campaign, imei: str, settle: timedelta) -> datetime | None:
    """When the device really runs the upgrade's firmware (None: never)."""
    result = outcome(state, c, imei, c.members[imei], settle)
    return result.at if result.success else None
