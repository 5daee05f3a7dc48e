"""Cursor paging shared by the campaign listing, the device report and the account devices.

The API pages with "give me what comes after X" cursors (``lastSeenCampaignId``,
``lastSeenDeviceId``) and a ``hasMoreData`` flag. Pages are streamed one at a time, so memory
stays constant however many devices a campaign has. A server that hands back a cursor it
already gave (or none while claiming more data) would make a naive loop spin forever; that is
reported as an error instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from reconciler.thingspace._errors import PagingError

JsonObject = dict[str, Any]


def walk_pages(
    fetch: Callable[[str | None], JsonObject],
    *,
    cursor_field: str,
    where: str,
) -> Iterator[JsonObject]:
    """Yield each page ``fetch(cursor)`` returns, following ``cursor_field`` while more data.

    ``where`` names the listing in the error message (e.g. ``GET /api/.../devices``).
    """
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        page = fetch(cursor)
        yield page
        if page.get("hasMoreData") is not True:
            return
        raw = page.get(cursor_field)
        nxt = None if raw is None else str(raw)
        if not nxt or nxt in seen or nxt == cursor:
            raise PagingError(
                f"ThingSpace paging is stuck on {where}: hasMoreData is true but {cursor_field} "
                f"is {'missing' if not nxt else 'a repeat of ' + repr(nxt)}; the server's "
                "listing is inconsistent, try again later",
                path=where,
            )
        seen.add(nxt)
        cursor = nxt


def page_items(page: JsonObject, items_field: str) -> list[JsonObject]:
    """The items of one page; a null or missing list is an empty page (the API allows null)."""
    items = page.get(items_field)
    if items is None:
        return []
    if not isinstance(items, list):
        raise PagingError(f"ThingSpace sent a {items_field} that is not a list")
    return [item for item in items if isinstance(item, dict)]
