"""ThingSpace's URL paths, built in one place for the client and for the journal.

The v3/v2 quirks live here: which version a kind of campaign uses, and that v3's GET and
DELETE drop the ``/firmware`` segment its POST and PUTs carry. Every segment is quoted, so an
account name or an id can never change a path's shape.
"""

from __future__ import annotations

from urllib.parse import quote

from reconciler.model import Kind


def _seg(value: str) -> str:
    return quote(str(value), safe="")


def base(kind: Kind) -> str:
    return f"/api/fota/{kind.api_version}"


def create(account: str, kind: Kind) -> str:
    """Create a campaign (POST)."""
    if kind is Kind.FIRMWARE:
        return f"{base(kind)}/campaigns/firmware/{_seg(account)}"
    return f"{base(kind)}/campaigns/{_seg(account)}"


def modify(account: str, kind: Kind, campaign_id: str) -> str:
    """Add or remove devices (PUT)."""
    return f"{create(account, kind)}/{_seg(campaign_id)}"


def dates(account: str, kind: Kind, campaign_id: str) -> str:
    """Change dates and windows (PUT)."""
    return f"{modify(account, kind, campaign_id)}/dates"


def one(account: str, kind: Kind, campaign_id: str) -> str:
    """Read (GET) or cancel/abort (DELETE) one campaign."""
    return f"{base(kind)}/campaigns/{_seg(account)}/{_seg(campaign_id)}"


def listing(account: str, kind: Kind) -> str:
    """The account's campaigns in one status (GET, paged by ``lastSeenCampaignId``)."""
    if kind is Kind.FIRMWARE:
        return f"{base(kind)}/reports/{_seg(account)}/firmware/campaigns"
    return f"{base(kind)}/reports/{_seg(account)}/campaigns"


def device_report(account: str, kind: Kind, campaign_id: str) -> str:
    """Every device of a campaign with its status (GET, paged by ``lastSeenDeviceId``)."""
    return f"{base(kind)}/reports/{_seg(account)}/campaigns/{_seg(campaign_id)}/devices"
