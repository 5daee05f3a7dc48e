"""Reading live campaigns while the spec files are still being loaded.

Why: loading a thousand spec files is seconds of CPU, reading their campaigns seconds of
round trips; one after the other they add up, side by side the slower one decides. A spec is
handed to :meth:`ReadAhead.want` as soon as the loader has built it: the first spec of an
(account, kind) starts that group's identity listing (``Listings.start``), and a live,
listed campaign carrying a wanted name starts loading (``CampaignLoads.start``) as soon as
both are known, whichever comes first.

Nothing is decided here: identity (``find_campaigns``) still runs on the complete listing and
the complete spec set, and ``read_live`` takes a load only for the campaign identity chose
(see :mod:`reconciler.thingspace._loads`). A read started for a spec that turns out not to be
planned is wasted, never wrong.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence

from reconciler.lifecycle.statuses import is_terminal
from reconciler.model import CampaignSpec, Kind
from reconciler.thingspace._client import ThingSpaceClient
from reconciler.thingspace._loads import CampaignLoads, Progress
from reconciler.thingspace.live import JsonObject, Listings

Group = tuple[str, Kind]


class ReadAhead:
    """The listings and campaign reads of one plan, started early; a context manager."""

    def __init__(self, client: ThingSpaceClient, progress: Progress | None = None) -> None:
        self.listings = Listings(client)
        self.loads = CampaignLoads(client, progress)
        self._lock = threading.Lock()
        self._wanted: dict[Group, set[str]] = defaultdict(set)
        self._alive: dict[Group, dict[str, list[tuple[str, str]]]] = {}  # name -> (id, status)

    def __enter__(self) -> ReadAhead:
        return self

    def __exit__(self, *exc: object) -> None:
        self.loads.close()

    def want(self, spec: CampaignSpec) -> None:
        """Start what reading ``spec``'s live campaign needs (from any thread)."""
        if spec.campaign_id:  # found by its GET in find_campaigns
            return
        group = (spec.account, spec.kind)
        with self._lock:
            self._wanted[group].add(spec.name)
            seen = self._alive.get(group)
            if seen is None:
                self._alive[group] = {}
                start = True
            else:
                start = False
                for campaign_id, status in seen.get(spec.name, ()):
                    self.loads.start(group[0], group[1], campaign_id, status)
        if start:
            self.listings.watch(group, lambda items: self._listed(group, items))

    def _listed(self, group: Group, items: Sequence[JsonObject]) -> None:
        with self._lock:
            seen = self._alive[group]
            wanted = self._wanted[group]
            for item in items:
                status = str(item.get("status") or "")
                if is_terminal(status):
                    continue
                name = str(item.get("campaignName") or "")
                seen.setdefault(name, []).append((str(item["id"]), status))
                if name in wanted:
                    self.loads.start(group[0], group[1], str(item["id"]), status)
