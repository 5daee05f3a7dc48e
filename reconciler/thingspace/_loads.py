"""Reading campaigns (GET + device report) in one pool of requests, each as early as it is known.

Why: a plan's reading is a few hundred to a few thousand requests of one round trip each. To
stay near the floor (latency x requests / concurrency) no request may wait for another that
it does not need:

- a campaign's GET and its device-report page chain are independent: both start at once;
- a campaign named in an identity listing can be read before the listing of its group has
  finished (the other statuses are still to come): :meth:`CampaignLoads.start` is called as
  soon as a listing page names it, and :meth:`CampaignLoads.take` picks the load up once
  identity has confirmed it. The GET decides the campaign's status, as before; only when a
  later listing says the campaign has finished since (a load started for a live status) is
  it read again, so a plan never acts on a campaign the listing already saw finished. (Not
  on every move: a GET may itself move a campaign on, and reading it twice would too.)

The pool has more threads than ``--concurrency``; the client's request gate keeps the requests
in flight within it. What the campaign's status says is read exactly as one GET followed by the
report would read it: a report read beside a GET that turns out terminal is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from reconciler.lifecycle.statuses import is_terminal
from reconciler.model import Kind
from reconciler.thingspace._client import ThingSpaceClient
from reconciler.thingspace.devicemap import DeviceMap, DeviceMapBuilder
from reconciler.thingspace.wire import device_statuses

JsonObject = dict[str, Any]
Progress = Callable[[int], None]
LoadKey = tuple[str, str, str]  # account, kind, campaign id


class _Stopped(Exception):
    """The pool closed while a report was being read (its result is not wanted)."""


@dataclass
class _Load:
    status: str  # the status the campaign was listed in when the load started
    get: Future[JsonObject] | None  # None when the caller already has the GET's answer
    devices: Future[DeviceMap] | None  # None when the campaign was listed as finished


class CampaignLoads:
    """Campaign reads of one plan; use as a context manager (the pool is shut down on exit)."""

    def __init__(self, client: ThingSpaceClient, progress: Progress | None = None) -> None:
        self._client = client
        self._progress = progress
        self._pool = ThreadPoolExecutor(
            max_workers=2 * client.concurrency + 2, thread_name_prefix="fota-read"
        )
        self._loads: dict[LoadKey, _Load] = {}
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> CampaignLoads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=True)

    def start(
        self,
        account: str,
        kind: Kind,
        campaign_id: str,
        status: str,
        body: JsonObject | None = None,
    ) -> None:
        """Begin reading the campaign (no-op when already begun, unless it finished since)."""
        key = (account, kind.value, campaign_id)
        with self._lock:
            if self._closed:
                return
            began = self._loads.get(key)
            if began is not None and (is_terminal(began.status) or not is_terminal(status)):
                return
            get = None
            if body is None:
                get = self._pool.submit(self._client.get_campaign, account, kind, campaign_id)
            devices = None
            if not is_terminal(status) and kind.is_campaign:  # a v1 GET lists its devices
                devices = self._pool.submit(self._read_devices, account, kind, campaign_id)
            self._loads[key] = _Load(status, get, devices)

    def take(
        self,
        account: str,
        kind: Kind,
        campaign_id: str,
        status: str,
        body: JsonObject | None = None,
    ) -> tuple[JsonObject, DeviceMap | None]:
        """The campaign's GET answer and, unless it is finished, its devices (waits for them).

        ``status`` is the one identity chose it in; the GET's own status decides (a finished
        campaign has no devices, as when a GET is read first).
        """
        self.start(account, kind, campaign_id, status, body)
        with self._lock:
            load = self._loads.pop((account, kind.value, campaign_id))
        if body is None:
            assert load.get is not None
            body = load.get.result()
        if is_terminal(str(body.get("status") or status)):
            if load.devices is not None:
                load.devices.cancel()
            return body, None
        if not kind.is_campaign:  # v1: the devices are in the GET's answer
            return body, None
        if load.devices is None:  # listed as finished, but the GET says it is not
            return body, self._read_devices(account, kind, campaign_id)
        return body, load.devices.result()

    def _read_devices(self, account: str, kind: Kind, campaign_id: str) -> DeviceMap:
        builder = DeviceMapBuilder()
        for raw in self._client.iter_campaign_device_pages(account, kind, campaign_id):
            if self._closed:
                raise _Stopped
            imeis, statuses = device_statuses(raw)
            builder.add_page(imeis, statuses)
            if self._progress is not None:
                self._progress(len(imeis))
        return builder.build()
