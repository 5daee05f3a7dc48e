"""ThingSpace's URL paths, built in one place for the client and for the journal.

The v3/v2 quirks live here: which version a kind of campaign uses, and that v3's GET and
DELETE drop the ``/firmware`` segment its POST and PUTs carry. Every segment is quoted, so an
account name or an id can never change a path's shape.

v1 upgrades (``Kind.UPGRADE``): POST ``/upgrades`` carries the account in its body; GET, PUT
(devices) and DELETE share ``/upgrades/{acc}/upgrade/{id}``; the listing puts the status and
the paging index in the path; the account's devices are paged the same way. v1 has no dates
change.
"""

from __future__ import annotations

from urllib.parse import quote

from reconciler.model import Kind


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def base(kind: Kind) -> str:
    return f"/api/fota/{kind.api_version}"


def create(account: str, kind: Kind) -> str:
    """Create a campaign (POST); a v1 upgrade's account is in the body, not the path."""
    if kind is Kind.UPGRADE:
        return f"{base(kind)}/upgrades"
    if kind is Kind.FIRMWARE:
        return f"{base(kind)}/campaigns/firmware/{_seg(account)}"
    return f"{base(kind)}/campaigns/{_seg(account)}"


def modify(account: str, kind: Kind, campaign_id: str) -> str:
    """Add or remove devices (PUT)."""
    if kind is Kind.UPGRADE:
        return one(account, kind, campaign_id)
    return f"{create(account, kind)}/{_seg(campaign_id)}"


def dates(account: str, kind: Kind, campaign_id: str) -> str:
    """Change dates and windows (PUT); v1 upgrades have none (R-V1-IMMUTABLE)."""
    if kind is Kind.UPGRADE:
        raise ValueError("a v1 upgrade's dates cannot change: the v1 API has no dates PUT")
    return f"{modify(account, kind, campaign_id)}/dates"


def one(account: str, kind: Kind, campaign_id: str) -> str:
    """Read (GET) or cancel/abort (DELETE) one campaign."""
    if kind is Kind.UPGRADE:
        return f"{base(kind)}/upgrades/{_seg(account)}/upgrade/{_seg(campaign_id)}"
    return f"{base(kind)}/campaigns/{_seg(account)}/{_seg(campaign_id)}"


def listing(account: str, kind: Kind) -> str:
    """The account's campaigns in one status (GET, paged by ``lastSeenCampaignId``).

    v1: see :func:`upgrade_listing` (the status and the index are path segments)."""
    if kind is Kind.FIRMWARE:
        return f"{base(kind)}/reports/{_seg(account)}/firmware/campaigns"
    return f"{base(kind)}/reports/{_seg(account)}/campaigns"


def device_report(account: str, kind: Kind, campaign_id: str) -> str:
    """Every device of a campaign with its status (GET, paged by ``lastSeenDeviceId``)."""
    return f"{base(kind)}/reports/{_seg(account)}/campaigns/{_seg(campaign_id)}/devices"


def account_devices(account: str) -> str:
    """The account's devices with the firmware each reports (GET, paged by ``lastSeenDeviceId``;
    POST with a device list: those devices only)."""
    return f"{base(Kind.FIRMWARE)}/devices/{_seg(account)}"



def upgrade_listing(account: str, status: str, start_index: str) -> str:
    """The account's v1 upgrades in one UpgradeStatus, from ``start_index`` (GET; ``0`` first,
    then the ``lastSeenUpgradeId`` of the previous page)."""
    kind = Kind.UPGRADE
    return f"{base(kind)}/reports/{_seg(account)}/status/{_seg(status)}/index/{_seg(start_index)}"


def upgrade_devices(account: str, start_index: str) -> str:
    """The account's devices with the firmware each reports (v1 GET, paged like the listing,
    by ``lastSeenDeviceId``)."""
    return f"{base(Kind.UPGRADE)}/devices/{_seg(account)}/index/{_seg(start_index)}"
