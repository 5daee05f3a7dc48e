"""Reading a rollout's started waves: each wave's campaign and report, and the firmware its
devices report.

Why a reader of its own: a wave's gate needs what ``read_live`` leaves out: the report of a
finished wave too (its devices decide the gate), each device's ``updatedTime`` (the soak runs
from the last verified upgrade), and the firmware each device reports now.

Cost: the report is read in pages (one campaign's pages in order, the waves concurrently), and
the firmware of the devices that report ``UpgradeSuccess`` (the only ones a read-back can
confirm or contradict) in chunks of ``READBACK_CHUNK`` devices through device information:
each chunk is asked for as soon as the report's pages have named its devices, on one
read-back thread per wave, so the read-back overlaps the report (the client bounds the
requests in flight to ``concurrency``). Never one request per device.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from types import MappingProxyType

from reconciler.lifecycle.statuses import is_upgraded
from reconciler.model import CampaignSpec, LiveCampaign, WaveLive, wave_campaign_name
from reconciler.thingspace._client import READBACK_CHUNK, ThingSpaceClient
from reconciler.thingspace.devicemap import DeviceMapBuilder
from reconciler.thingspace.live import CampaignRef, Listings, _decode, find_campaigns
from reconciler.thingspace.wire import decode_account_devices, device_statuses, success_times

Key = tuple[str, str]


def wave_probes(specs: Sequence[CampaignSpec]) -> list[CampaignSpec]:
    """One stand-in spec per wave of every rollout spec, named as the wave's campaign: what
    identity (``find_campaigns``) looks up."""
    out: list[CampaignSpec] = []
    for spec in specs:
        if spec.rollout is None:
            continue
        for wave in spec.rollout.waves:
            out.append(
                CampaignSpec(
                    account=spec.account,
                    name=wave_campaign_name(spec.name, wave.name),
                    kind=spec.kind,
                    package=spec.package,
                    schedule=spec.schedule,
                    devices=frozenset(),
                    source=spec.source,
                )
            )
    return out


def read_waves(
    client: ThingSpaceClient,
    specs: Sequence[CampaignSpec],
    *,
    listings: Listings | None = None,
) -> dict[Key, WaveLive | None]:
    """Every wave of every rollout spec in ``specs``: its live state, or None (not created)."""
    probes = wave_probes(specs)
    if not probes:
        return {}
    refs = find_campaigns(client, probes, listings=listings)
    found = [(key, ref) for key, ref in refs.items() if ref is not None]
    reports = client.map_concurrently(lambda item: _report(client, item[1]), found)
    out: dict[Key, WaveLive | None] = dict.fromkeys(refs)
    for (key, _), (live, updated, reported) in zip(found, reports, strict=True):
        out[key] = WaveLive(live, MappingProxyType(reported), MappingProxyType(updated))
    return out


def _report(
    client: ThingSpaceClient, ref: CampaignRef
) -> tuple[LiveCampaign, dict[str, datetime], dict[str, str]]:
    """The wave's campaign with every device's report status (finished waves too), when each
    device that reports success last changed, and the read-back of those devices' firmware.

    Each chunk of ``READBACK_CHUNK`` successes is asked for as soon as the report pages name
    them, on one read-back thread of the wave's own: a chunk of 1,000 devices per page of
    1,000, so the read-back keeps pace with the wave's page chain (which it cannot outrun)
    without competing with it. Measured against the emulator, a shared pool of
    ``concurrency`` read-back threads made the server slower on the report pages that decide
    the plan's time.
    """
    body = ref.body or client.get_campaign(ref.account, ref.kind, ref.id)
    statuses = DeviceMapBuilder()
    updated: dict[str, datetime] = {}
    chunks: list[Future[dict[str, str]]] = []
    waiting: list[str] = []

    def ask(imeis: list[str]) -> dict[str, str]:
        return decode_account_devices(client.device_information(ref.account, imeis)).firmware

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fota-readback") as pool:
        for raw in client.iter_campaign_device_pages(ref.account, ref.kind, ref.id):
            imeis, page_statuses = device_statuses(raw)
            statuses.add_page(imeis, page_statuses)  # as ``read_live`` builds its device map
            # A page reports a handful of distinct statuses: each is judged once, not per
            # device.
            upgraded = {s for s in set(page_statuses) if is_upgraded(s)}
            if upgraded:
                named = [i for i, s in zip(imeis, page_statuses, strict=True) if s in upgraded]
                updated.update(success_times(raw, set(named)))
                waiting += named
            while len(waiting) >= READBACK_CHUNK:
                chunks.append(pool.submit(ask, waiting[:READBACK_CHUNK]))
                waiting = waiting[READBACK_CHUNK:]
        if waiting:
            chunks.append(pool.submit(ask, waiting))
        reported: dict[str, str] = {}
        for chunk in chunks:
            reported.update(chunk.result())
    body = {"accountName": ref.account, **body, "id": ref.id}
    live = _decode(ref.kind, body, statuses.build())
    return live, updated, reported


__all__ = ["read_waves", "wave_probes"]
