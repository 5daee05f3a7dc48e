"""The fingerprint of a live campaign: what a saved plan was planned against.

Apply re-reads the campaign and recomputes it; a different fingerprint makes the saved plan
stale (see :mod:`reconciler.plans.staleness`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from reconciler.lifecycle.clock import phase
from reconciler.lifecycle.statuses import StatusClass, status_class
from reconciler.model import LiveCampaign
from reconciler.thingspace.wire import encode_every_schedule_field


def fingerprint(live: LiveCampaign, now: datetime) -> str:
    """sha256 of the live fields a plan depends on; apply recomputes it to detect staleness.

    Covers identity, status class and phase, package, schedule, auto flags and the device set
    (ids, not per-device progress, which moves all the time without invalidating a plan).

    The status is hashed as what the rules read from it, not verbatim: a new campaign moves
    from ``CampaignRequestQueued`` to ``CampaignScheduled`` on its own, and the rules treat
    both alike, so a plan saved in between must not go stale. A terminal status is kept
    (folded) because it never moves again and the plan does depend on which one it is
    (a cancelled replacement is resumed, a failed campaign never is).
    """
    cls = status_class(live.status)
    head = {
        "id": live.id,
        "account": live.account,
        "name": live.name,
        "kind": live.kind.value,
        "status": live.status.casefold() if cls is StatusClass.TERMINAL else cls.value,
        "phase": phase(live, now).value,
        "package": [
            live.package.name,
            live.package.from_version,
            live.package.to_version,
            live.package.protocol,
        ],
        "schedule": encode_every_schedule_field(live.schedule),
        "auto": [live.auto_assign_license, live.auto_add_devices],
    }
    digest = hashlib.sha256(json.dumps(head, sort_keys=True, separators=(",", ":")).encode())
    digest.update(b"\ndevices\n")
    digest.update("\n".join(sorted(live.devices)).encode())
    return "sha256:" + digest.hexdigest()


def planned_against(live: LiveCampaign, now: datetime) -> dict[str, Any]:
    """The fields of a plan entry that record the live campaign it was planned against."""
    return {
        "campaign_id": live.id,
        "live_status": live.status,
        "phase": phase(live, now),
        "fingerprint": fingerprint(live, now),
    }
