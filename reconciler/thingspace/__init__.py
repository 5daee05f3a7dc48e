"""ThingSpace's wire format and the client that speaks it: the only package that knows
ThingSpace's JSON keys, URL paths and answer shapes (tests/test_wire_boundary.py holds every
other module to that).

Public surface (everything else is private and may change)::

    with ThingSpaceClient(base_url, Credentials(...), concurrency=8) as client:
        state = read_live(client, specs)        # LiveState(now, matches)
        client.create_campaign(account, Kind.FIRMWARE, body)

Errors are ``reconciler.errors.UserError`` subclasses: ``ApiError`` (refused; has ``status``,
``error_code``, ``error_message``), ``NotFoundError``, ``AuthError``, ``TransportError`` (no
answer) and ``AmbiguousWriteError`` (a POST/DELETE may or may not have happened).
"""

from reconciler.retry import RetryPolicy
from reconciler.thingspace._client import DEVICE_CHUNK, ThingSpaceClient
from reconciler.thingspace._concurrency import map_concurrently
from reconciler.thingspace._credentials import Credentials
from reconciler.thingspace._errors import (
    AmbiguousWriteError,
    ApiError,
    AuthError,
    NotFoundError,
    PagingError,
    ThingSpaceError,
    TransportError,
)
from reconciler.thingspace._url import api_base_url
from reconciler.thingspace.live import (
    CampaignRef,
    Listings,
    LiveState,
    campaign_device_ids,
    find_campaigns,
    list_account_campaigns,
    load_campaign,
    read_live,
)

__all__ = [
    "DEVICE_CHUNK",
    "AmbiguousWriteError",
    "ApiError",
    "AuthError",
    "CampaignRef",
    "Credentials",
    "Listings",
    "LiveState",
    "NotFoundError",
    "PagingError",
    "RetryPolicy",
    "ThingSpaceClient",
    "ThingSpaceError",
    "TransportError",
    "api_base_url",
    "campaign_device_ids",
    "find_campaigns",
    "list_account_campaigns",
    "load_campaign",
    "map_concurrently",
    "read_live",
]
