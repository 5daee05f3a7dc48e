"""A campaign's report: the live campaign and its device statuses folded into counts.

What ``fota status`` shows. Pure data and the fold; :func:`reconciler.thingspace.live.
report_by_id` and ``reports_by_specs`` stream the device report into it page by page, so a
million-device campaign costs constant memory (only the first ``keep`` failed devices are
kept, with a count of the rest).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from reconciler.lifecycle.statuses import DeviceOutcome, device_outcome
from reconciler.model import CampaignSpec, LiveCampaign
from reconciler.thingspace.wire import DeviceStatus


@dataclass
class DeviceSummary:
    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    failures: list[DeviceStatus] = field(default_factory=list)  # the first ``keep``
    failure_count: int = 0

    def add(self, device: DeviceStatus, keep: int) -> None:
        status = device.status or "unknown"
        self.total += 1
        self.by_status[status] += 1
        if device_outcome(status) is DeviceOutcome.FAILED:
            self.failure_count += 1
            if len(self.failures) < keep:
                self.failures.append(DeviceStatus(device.imei, status, device.reason))


@dataclass
class CampaignReport:
    spec: CampaignSpec | None
    live: LiveCampaign | None  # None: the spec has no live campaign
    devices: DeviceSummary
    rows: tuple[DeviceStatus, ...] = ()  # v1 upgrades: every device, as the upgrade lists it
    reported: dict[str, str] = field(default_factory=dict)  # v1: IMEI -> firmware it reports
