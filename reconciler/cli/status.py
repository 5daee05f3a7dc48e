"""``fota status``: where live campaigns stand, device counts by status, and why devices failed.

Reads only. The device report is streamed and folded into counts as pages arrive, so a
million-device campaign costs constant memory here (only the first ``--failures`` failed
devices are kept, with a count of the rest).
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click

from reconciler.cli.target import TargetOptions, open_target, target_options
from reconciler.errors import UserError
from reconciler.model import CampaignSpec, Kind, LiveCampaign, Windows
from reconciler.thingspace import (
    CampaignRef,
    NotFoundError,
    ThingSpaceClient,
    find_campaigns,
    load_campaign,
)

DEFAULT_FAILURES = 10


@dataclass
class DeviceSummary:
    total: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # first N
    failure_count: int = 0

    def add(self, item: dict[str, Any], keep: int) -> None:
        status = str(item.get("status") or "unknown")
        self.total += 1
        self.by_status[status] += 1
        if "fail" in status.lower():
            self.failure_count += 1
            if len(self.failures) < keep:
                reason = " ".join(str(item.get("resultReason") or "").split())
                self.failures.append((str(item.get("deviceId")), status, reason))


@dataclass
class CampaignStatus:
    spec: CampaignSpec | None
    live: LiveCampaign | None
    devices: DeviceSummary


class _Progress:
    """``reading devices: done/total`` on one stderr line, only on a terminal, thread-safe."""

    def __init__(self, stream: TextIO) -> None:
        self.enabled = stream.isatty()
        self._stream = stream
        self._lock = threading.Lock()
        self._done = 0
        self._total = 0

    def page(self, count: int, new_total: int = 0) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._done += count
            self._total += new_total
            self._stream.write(f"\rreading device status: {self._done}/{self._total} devices")
            self._stream.flush()

    def close(self) -> None:
        if self.enabled and (self._done or self._total):
            self._stream.write("\r\033[K")
            self._stream.flush()


@click.command("status")
@click.argument("items", nargs=-1, metavar="[CAMPAIGN_ID | PATH...]")
@click.option("--account", metavar="ACCOUNT", help="Billing account (needed with a campaign id).")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in Kind]),
    default=None,
    help="Campaign kind of a campaign id (default firmware); with specs, only this kind.",
)
@click.option("--output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--failures",
    "max_failures",
    type=click.IntRange(min=0),
    default=DEFAULT_FAILURES,
    show_default=True,
    help="Failed devices listed per campaign (the rest are counted).",
)
@target_options
def status(
    items: tuple[str, ...],
    account: str | None,
    kind: str | None,
    output: str,
    max_failures: int,
    target: TargetOptions,
) -> None:
    """Show live campaigns: state, device counts by status and failed devices with reasons.

    Give one CAMPAIGN_ID (with --account), or spec files/directories to show the live
    campaign of every spec in them.
    """
    chosen_kind = Kind(kind) if kind else None
    campaign_id, specs = _what(items, account, chosen_kind)
    progress = _Progress(sys.stderr)
    with open_target(target) as t:
        try:
            if campaign_id is not None:
                assert account is not None
                results = [
                    _by_id(
                        t.client,
                        account,
                        chosen_kind or Kind.FIRMWARE,
                        campaign_id,
                        max_failures,
                        progress,
                    )
                ]
            else:
                results = _by_specs(t.client, specs, max_failures, progress)
        finally:
            progress.close()
    if output == "json":
        click.echo(json.dumps({"campaigns": [_json(r) for r in results]}, indent=2))
    else:
        click.echo("\n".join(_text(r) for r in results), nl=False)  # a blank line between


# --- what to show --------------------------------------------------------------------------


def _what(
    items: Sequence[str], account: str | None, kind: Kind | None
) -> tuple[str | None, list[CampaignSpec]]:
    if not items:
        raise UserError(
            "fota status needs a campaign id (with --account) or spec files/directories; "
            "e.g. fota status campaigns/"
        )
    missing = [item for item in items if not Path(item).exists()]
    if len(items) == 1 and missing:
        if not account:
            raise UserError(
                f"fota status {items[0]}: a campaign id needs --account ACCOUNT (no file or "
                f"directory is named {items[0]!r})"
            )
        return items[0], []
    if missing:
        raise UserError(
            f"fota status: no such file or directory: {', '.join(missing)} (a campaign id is "
            "given alone, with --account)"
        )
    from reconciler.specs import load_specs

    specs = [
        spec
        for spec in load_specs(list(items)).specs
        if (account is None or spec.account == account) and (kind is None or spec.kind is kind)
    ]
    if not specs:
        raise UserError(
            f"fota status: no specs in {', '.join(items)} match"
            + (f" --account {account}" if account else "")
            + (f" --kind {kind.value}" if kind else "")
        )
    return None, specs


def _by_id(
    client: ThingSpaceClient,
    account: str,
    kind: Kind,
    campaign_id: str,
    keep: int,
    progress: _Progress,
) -> CampaignStatus:
    try:
        body = client.get_campaign(account, kind, campaign_id)
    except NotFoundError:
        raise UserError(
            f"campaign {campaign_id} was not found in account {account} ({kind.value} "
            "campaigns); check the id, --account and --kind"
        ) from None
    ref = CampaignRef(account, kind, campaign_id, str(body.get("status") or ""), body)
    return _read(client, None, ref, keep, progress)


def _by_specs(
    client: ThingSpaceClient, specs: list[CampaignSpec], keep: int, progress: _Progress
) -> list[CampaignStatus]:
    refs = find_campaigns(client, specs)

    def one(spec: CampaignSpec) -> CampaignStatus:
        ref = refs.get(spec.key)
        if ref is None:
            return CampaignStatus(spec, None, DeviceSummary())
        return _read(client, spec, ref, keep, progress)

    return client.map_concurrently(one, specs)


def _read(
    client: ThingSpaceClient,
    spec: CampaignSpec | None,
    ref: CampaignRef,
    keep: int,
    progress: _Progress,
) -> CampaignStatus:
    # The campaign's fields as the planner reads them; the report is streamed into counts here.
    live = load_campaign(client, ref, devices=False)
    summary = DeviceSummary()
    first = True
    for page in client.iter_campaign_device_pages(ref.account, ref.kind, ref.id):
        devices = page.get("deviceList") or []
        total = str(page.get("totalDevice")) if first else ""
        progress.page(len(devices), int(total) if total.isascii() and total.isdigit() else 0)
        first = False
        for item in devices:
            if isinstance(item, dict):
                summary.add(item, keep)
    return CampaignStatus(spec, live, summary)


# --- rendering -------------------------------------------------------------------------------


def _windows(items: Windows) -> str:
    return ", ".join(f"{w.start:02d}-{w.end:02d}" for w in items) or "any time"


def _text(result: CampaignStatus) -> str:
    spec, live, dev = result.spec, result.live, result.devices
    if live is None:
        assert spec is not None
        return (
            f"spec {spec.name!r} (account {spec.account}, {spec.source}): no live campaign; "
            "fota plan shows what would be created\n"
        )
    lines = [f"campaign {live.id} {live.name!r} ({live.kind.value}, account {live.account})"]
    if spec is not None:
        lines.append(f"  spec      {spec.source}")
    pkg, sch = live.package, live.schedule
    lines.append(f"  status    {live.status}")
    lines.append(f"  package   {pkg.name} {pkg.from_version} -> {pkg.to_version} ({pkg.protocol})")
    lines.append(f"  schedule  {sch.start} .. {sch.end}")
    if live.kind is Kind.FIRMWARE:
        lines.append(f"  windows   {_windows(sch.windows)} UTC")
    else:
        after = f", after {sch.download_after}" if sch.download_after else ""
        lines.append(f"  download  {_windows(sch.download_windows)} UTC{after}")
        after = f", after {sch.install_after}" if sch.install_after else ""
        lines.append(f"  install   {_windows(sch.install_windows)} UTC{after}")
    lines.append(f"  devices   {dev.total}")
    width = max((len(s) for s in dev.by_status), default=0)
    for name, count in sorted(dev.by_status.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {name:<{width}}  {count:>{len(str(dev.total))}}")
    if dev.failure_count:
        shown = len(dev.failures)
        lines.append(
            f"  failures  {dev.failure_count}"
            + (f" (first {shown})" if shown < dev.failure_count else "")
        )
        for imei, status_, reason in dev.failures:
            lines.append(f"    {imei}  {status_}  {reason}".rstrip())
        if dev.failure_count > shown:
            lines.append(f"    ... and {dev.failure_count - shown} more")
    return "\n".join(lines) + "\n"


def _json(result: CampaignStatus) -> dict[str, Any]:
    spec, live, dev = result.spec, result.live, result.devices
    out: dict[str, Any] = {}
    if spec is not None:
        out["spec"] = {"account": spec.account, "name": spec.name, "source": str(spec.source)}
    if live is None:
        out["found"] = False
        return out
    pkg, sch = live.package, live.schedule
    out.update(
        {
            "found": True,
            "id": live.id,
            "account": live.account,
            "name": live.name,
            "kind": live.kind.value,
            "status": live.status,
            "terminal": live.terminal,
            "package": {
                "name": pkg.name,
                "from": pkg.from_version,
                "to": pkg.to_version,
                "protocol": pkg.protocol,
            },
            "schedule": {
                "startDate": sch.start.isoformat(),
                "endDate": sch.end.isoformat(),
                **_json_windows(live.kind, live),
            },
            "devices": {"total": dev.total, "byStatus": dict(sorted(dev.by_status.items()))},
            "failures": {
                "count": dev.failure_count,
                "shown": [
                    {"deviceId": imei, "status": st, "reason": reason}
                    for imei, st, reason in dev.failures
                ],
            },
        }
    )
    return out


def _json_windows(kind: Kind, live: LiveCampaign) -> dict[str, Any]:
    sch = live.schedule

    def win(items: Windows) -> list[dict[str, int]]:
        return [w.to_api() for w in items]

    if kind is Kind.FIRMWARE:
        return {"windows": win(sch.windows)}
    return {
        "downloadAfterDate": sch.download_after.isoformat() if sch.download_after else None,
        "downloadWindows": win(sch.download_windows),
        "installAfterDate": sch.install_after.isoformat() if sch.install_after else None,
        "installWindows": win(sch.install_windows),
    }
