"""Reading a rollout's started waves: each wave's campaign and report, and the firmware its
devices report.

Why a reader of its own: a wave's gate needs what ``read_live`` leaves out: the report of a
finished wave too (its devices decide the gate), each device's ``updatedTime`` (the soak runs
from the last verified upgrade), and the firmware each device reports now.

Cost: the report is read in pages (one campaign's pages in order, the waves concurrently), and
the firmware of the devices that report ``UpgradeSuccess`` (the only ones a read-back can
confirm or contradict) in chunks of ``READBACK_CHUNK`` devices through device information,
all chunks concurrently (bounded by the client's ``concurrency``): never one request per
device.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import MappingProxyType

from reconciler.lifecycle.statuses import is_upgraded
from reconciler.model import CampaignSpec, LiveCampaign, WaveLive, wave_campaign_name
from reconciler.thingspace._client import READBACK_CHUNK, ThingSpaceClient
from reconciler.thingspace.live import CampaignRef, Listings, _decode, find_campaigns
from reconciler.thingspace.wire import decode_account_devices, decode_device_page

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
    wanted = {  # the read-back confirms or contradicts reported successes; nothing else
        (live.account, imei)
        for live, _ in reports
        for imei, status in live.devices.items()
        if is_upgraded(status)
    }
    firmware = read_firmware(client, wanted)
    out: dict[Key, WaveLive | None] = dict.fromkeys(refs)
    for (key, _), (live, updated) in zip(found, reports, strict=True):
        reported = {imei: fw for imei in live.devices if (fw := firmware.get((live.account, imei)))}
        out[key] = WaveLive(live, MappingProxyType(reported), MappingProxyType(updated))
    return out


def _report(client: ThingSpaceClient, ref: CampaignRef) -> tuple[LiveCampaign, dict[str, datetime]]:
    """The wave's campaign with every device's report status (finished waves too), and when
    each device's status last changed."""
    body = ref.body or client.get_campaign(ref.account, ref.kind, ref.id)
    statuses: dict[str, str] = {}
    updated: dict[str, datetime] = {}
    for raw in client.iter_campaign_device_pages(ref.account, ref.kind, ref.id):
        for device in decode_device_page(raw).devices:
            statuses[device.imei] = device.status
            if device.updated is not None:
                updated[device.imei] = device.updated
    live = _decode(ref.kind, {"accountName": ref.account, **body, "id": ref.id}, statuses)
    return live, updated


def read_firmware(
    client: ThingSpaceClient, devices: set[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The firmware each (account, IMEI) reports, asked in chunks, concurrently."""
    by_account: dict[str, list[str]] = {}
    for account, imei in sorted(devices):
        by_account.setdefault(account, []).append(imei)
    chunks = [
        (account, imeis[start : start + READBACK_CHUNK])
        for account, imeis in by_account.items()
        for start in range(0, len(imeis), READBACK_CHUNK)
    ]

    def ask(chunk: tuple[str, list[str]]) -> dict[str, str]:
        return decode_account_devices(client.device_information(*chunk)).firmware

    out: dict[tuple[str, str], str] = {}
    for (account, _), answer in zip(chunks, client.map_concurrently(ask, chunks), strict=True):
        out.update(((account, imei), fw) for imei, fw in answer.items())
    return out


__all__ = ["read_firmware", "read_waves", "wave_probes"]
