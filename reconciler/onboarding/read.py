"""Reading what ``fota import`` writes specs for: an account's campaigns, with every device.

Built on the calls ``fota plan`` uses to read live state (``reconciler.thingspace``, the only
place that knows ThingSpace's JSON): one paged listing per (kind, status) through ``Listings``,
GET of each chosen campaign through ``load_campaign`` (the auto flags are only in the GET), and
the paged device-status report for the device list (``campaign_device_ids``: unlike plan,
devices are read for finished campaigns too, since their specs need them). Campaigns are read
concurrently, bounded by the client's ``concurrency``.

Only v3 firmware and v2 software campaigns are read: v1 "upgrades" have no spec kind yet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reconciler.errors import UserError
from reconciler.lifecycle.statuses import is_terminal
from reconciler.model import Kind, LiveCampaign
from reconciler.thingspace import (
    CampaignRef,
    Listings,
    NotFoundError,
    ThingSpaceClient,
    campaign_device_ids,
    list_account_campaigns,
    load_campaign,
)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Listed:
    """A campaign as the listing (or a GET by id) shows it: enough to choose it or skip it."""

    kind: Kind
    id: str
    name: str
    status: str
    asked: bool = False  # named with --campaign: imported whatever its status

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)


@dataclass(frozen=True)
class Imported:
    """A chosen campaign, read in full: ``devices`` sorted."""

    live: LiveCampaign
    devices: tuple[str, ...]


CAMPAIGN_KINDS = tuple(k for k in Kind if k.is_campaign)
"""What ``fota import`` reads: v2/v3 campaigns. v1 upgrades are not imported (yet)."""


def list_account(client: ThingSpaceClient, account: str) -> list[Listed]:
    """Every listed campaign of ``account``, both kinds, sorted by (name, id)."""
    listings = Listings(client)  # both kinds listed at once, concurrently
    listings.groups({(account, kind) for kind in CAMPAIGN_KINDS})
    out = [
        Listed(kind, live.id, live.name, live.status)
        for kind in CAMPAIGN_KINDS
        for live in list_account_campaigns(client, account, kind, listings=listings)
    ]
    return sorted(out, key=lambda c: (c.name, c.id, c.kind.value))


def find_ids(client: ThingSpaceClient, account: str, ids: Sequence[str]) -> list[Listed]:
    """The campaigns named by id (``--campaign``), firmware or software, each asked for.

    A GET by id finds campaigns that no listing shows (a status outside the listing enum).
    """

    def one(campaign_id: str) -> Listed | None:
        for kind in CAMPAIGN_KINDS:
            try:
                live = load_campaign(
                    client, CampaignRef(account, kind, campaign_id, ""), devices=False
                )
            except NotFoundError:
                continue
            return Listed(kind, campaign_id, live.name, live.status, asked=True)
        return None

    found = client.map_concurrently(one, list(dict.fromkeys(ids)))
    missing = [i for i, f in zip(dict.fromkeys(ids), found, strict=True) if f is None]
    if missing:
        raise UserError(
            f"--campaign {', '.join(missing)}: no firmware (v3) or software (v2) campaign with "
            f"that id in account {account}; check the id (fota status --account {account} ID "
            "shows one campaign), nothing was written"
        )
    return [f for f in found if f is not None]


def read_campaigns(
    client: ThingSpaceClient,
    account: str,
    chosen: Sequence[Listed],
    *,
    progress: Progress | None = None,
) -> list[Imported]:
    """GET each chosen campaign and read its whole device list (in ``chosen``'s order)."""

    def one(item: Listed) -> Imported:
        ref = CampaignRef(account, item.kind, item.id, item.status)
        live = load_campaign(client, ref, devices=False)
        imeis = campaign_device_ids(client, ref, progress=progress)
        return Imported(live, tuple(sorted(set(imeis))))

    return client.map_concurrently(one, list(chosen))
