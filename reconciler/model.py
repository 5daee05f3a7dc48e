"""The shared vocabulary of the reconciler: desired campaigns (from specs) and live campaigns
(from the API) in one normalised shape, so that diffing them is a comparison of like with like.

Everything here is an immutable value. Normalisation happens once, at the edges (the spec
loader and the client's decoders); the core never has to wonder whether windows are sorted,
devices are de-duplicated or dates are strings.

Naming: fields use the reconciler's own words. The API's names for them (``firmwareName`` vs
``softwareName``, ``protocol`` vs ``distributionType``) are known only to
``reconciler.thingspace``, so one mechanism serves v3 firmware and v2 software campaigns.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date

SPEC_API_VERSION = "fota.reconciler/v1"
"""The only spec format version this release reads (the ``apiVersion`` field)."""


class Kind(enum.Enum):
    """The three upgrade families the API offers: two campaign kinds and the legacy upgrade.

    ``UPGRADE`` is the v1 firmware upgrade (``/api/fota/v1/upgrades``): firmware name and
    target version, start and end dates and devices, but no name, no windows, no protocol and
    no from-version. Specs of that kind share ``CampaignSpec``/``LiveCampaign`` (the unused
    fields stay empty) so one planner, plan file, applier and set of views serve all three.
    """

    FIRMWARE = "firmware"  # v3 /campaigns/firmware: one campaignTimeWindowList
    SOFTWARE = "software"  # v2 /campaigns: download + install windows and after-dates
    UPGRADE = "upgrade"  # v1 /upgrades: the legacy firmware upgrade, found by its fields

    @property
    def api_version(self) -> str:
        return {"firmware": "v3", "software": "v2", "upgrade": "v1"}[self.value]

    @property
    def is_campaign(self) -> bool:
        """A named v2/v3 campaign (found by name), as opposed to a v1 upgrade."""
        return self is not Kind.UPGRADE


@dataclass(frozen=True, order=True)
class TimeWindow:
    """Hours of the day during which devices may upgrade: ``start <= hour < end``.

    Hours are UTC (the API does not state a zone; the reconciler documents UTC as its reading
    and the emulator uses UTC).
    """

    start: int  # 0..23
    end: int  # 1..24


Windows = tuple[TimeWindow, ...]
"""Always sorted and free of duplicates, so equal sets of windows compare equal."""


def windows(items: object) -> Windows:
    """Normalise an iterable of windows (order-insensitive, as the API treats them)."""
    if not items:
        return ()
    assert isinstance(items, (list, tuple, set, frozenset))
    return tuple(sorted(set(items)))


@dataclass(frozen=True)
class Package:
    """What a campaign installs. Immutable on a live campaign: changing it means replacement."""

    name: str
    from_version: str
    to_version: str
    protocol: str  # LWM2M | OMA | HTTP (firmware: protocol; software: distributionType)


@dataclass(frozen=True)
class Schedule:
    """The mutable part of a campaign: the fields of the dates PUT.

    Firmware campaigns use ``windows``; software campaigns use the download/install pairs.
    The unused fields stay empty (``()``/``None``) so that one diff covers both kinds.
    """

    start: date
    end: date
    windows: Windows = ()
    download_after: date | None = None
    download_windows: Windows = ()
    install_after: date | None = None
    install_windows: Windows = ()


class OnImmutableChange(enum.Enum):
    """What the planner may do when a spec changes a field the API cannot change."""

    REFUSE = "refuse"  # safe default: report a refusal naming the rule
    REPLACE = "replace"  # cancel (or, with allow_abort, abort) the old campaign, create anew


@dataclass(frozen=True)
class Lifecycle:
    """Per-spec permissions for destructive steps. Every default is the safe choice."""

    on_immutable_change: OnImmutableChange = OnImmutableChange.REFUSE
    allow_abort: bool = False  # may a *started* campaign be aborted (DELETE after start)?
    allow_device_removal: bool = True  # may devices dropped from the spec leave the campaign?


@dataclass(frozen=True)
class Source:
    """Where a spec came from, for error messages and plan output (``path:line:col``)."""

    path: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class CampaignSpec:
    """A desired campaign, as declared in git. Identity: (account, name), or ``campaign_id``.

    For a v1 upgrade (``Kind.UPGRADE``) ``name`` is the spec's own label (never sent: v1
    upgrades carry no name), ``campaign_id`` is the ``upgradeId`` pin, ``package`` has only
    ``name`` and ``to_version``, and the live upgrade is found by its fields (see
    ``reconciler.thingspace.live``).
    """

    account: str  # ##########-#####, a string with its leading zeros
    name: str  # becomes campaignName; unique per account
    kind: Kind
    package: Package
    schedule: Schedule
    devices: AbstractSet[str]  # 15-digit IMEIs; the loader stores an ``imeiset.ImeiSet``
    auto_assign_license: bool = False  # firmware only
    auto_add_devices: bool = False  # firmware only
    campaign_id: str | None = None  # adopt an existing campaign instead of finding it by name
    lifecycle: Lifecycle = field(default_factory=Lifecycle)
    source: Source = field(default_factory=lambda: Source("<memory>", 1, 1))

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, self.name)


@dataclass(frozen=True)
class LiveCampaign:
    """A campaign as the API reports it, normalised into the same shape as a spec.

    ``devices`` maps IMEI -> device status from the device-status report (``UpgradePending``,
    ``UpgradeSuccess``, ``upgradeFailure``, ...). Status strings are kept verbatim: the API's
    set is open and unknown values must not crash anything.
    """

    id: str
    account: str
    name: str
    kind: Kind
    status: str
    package: Package
    schedule: Schedule
    devices: Mapping[str, str]
    auto_assign_license: bool | None = None  # None where the API did not report it
    auto_add_devices: bool | None = None
    make: str | None = None
    model: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.account, self.name)
