"""``fota status`` views: a campaign report as text, and as JSON in the spec's vocabulary."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.lifecycle.statuses import is_ended, is_terminal
from reconciler.model import CampaignSpec, Kind, LiveCampaign, Windows, wave_campaign_name
from reconciler.plans.types import WaveReport
from reconciler.thingspace.report import CampaignReport
from reconciler.views.rollout import STARTED, bar, contradicted_line


def _windows(items: Windows) -> str:
    return ", ".join(f"{w.start:02d}-{w.end:02d}" for w in items) or "any time"


def report_text(result: CampaignReport) -> str:
    spec, live, dev = result.spec, result.live, result.devices
    if live is None:
        assert spec is not None
        return (
            f"spec {spec.name!r} (account {spec.account}, {spec.source}): no live campaign; "
            "fota plan shows what would be created\n"
        )
    if live.kind is Kind.UPGRADE:
        return _upgrade_text(result, live)
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
        for device in dev.failures:
            lines.append(f"    {device.imei}  {device.status}  {device.reason}".rstrip())
        if dev.failure_count > shown:
            lines.append(f"    ... and {dev.failure_count - shown} more")
    return "\n".join(lines) + "\n"


def _upgrade_text(result: CampaignReport, live: LiveCampaign) -> str:
    """A v1 upgrade: no name, no windows; every device with its status in the upgrade and the
    firmware it reports now (the upgrade's own statuses stop at its end date, while OMA-DM
    devices may still upgrade after it)."""
    spec, dev = result.spec, result.devices
    title = f" (spec {spec.name!r})" if spec is not None else ""
    lines = [f"v1 upgrade {live.id}{title} (account {live.account})"]
    if spec is not None:
        lines.append(f"  spec      {spec.source}")
    pkg, sch = live.package, live.schedule
    lines.append(f"  status    {live.status}")
    lines.append(f"  firmware  {pkg.name} -> {pkg.to_version}")
    lines.append(f"  schedule  {sch.start} .. {sch.end}")
    if is_ended(live.status):
        lines.append(
            "  note      past its end date the upgrade's device statuses no longer change, but "
            "OMA-DM devices may still upgrade: 'reports firmware' is what each device runs now"
        )
    lines.append(f"  devices   {dev.total}")
    width = max((len(s) for s in dev.by_status), default=0)
    for name, count in sorted(dev.by_status.items(), key=lambda kv: (-kv[1], kv[0])):
        lines.append(f"    {name:<{width}}  {count:>{len(str(dev.total))}}")
    rows = sorted(result.rows, key=lambda d: d.imei)
    if rows:
        status_w = max(len("status in upgrade"), *(len(d.status) for d in rows))
        reason_w = max(len("reason"), *(len(d.reason) for d in rows))
        lines.append(
            f"  {'device':<15}  {'status in upgrade':<{status_w}}  {'reason':<{reason_w}}  "
            "reports firmware"
        )
        for d in rows:
            firmware = result.reported.get(d.imei, "(not in the device list)")
            done = " (target)" if firmware == pkg.to_version else ""
            lines.append(
                f"  {d.imei:<15}  {d.status:<{status_w}}  {d.reason:<{reason_w}}  {firmware}{done}"
            )
    return "\n".join(lines) + "\n"


def report_json(result: CampaignReport) -> dict[str, Any]:
    """One campaign of ``fota status -o json``; keys in snake_case, as in every JSON document
    fota prints (plan.json, validate, apply, the error document), so one reader handles all."""
    spec, live, dev = result.spec, result.live, result.devices
    out: dict[str, Any] = {}
    if spec is not None:
        out["spec"] = {"account": spec.account, "name": spec.name, "source": str(spec.source)}
    if live is None:
        out["found"] = False
        return out
    pkg = live.package
    out.update(
        {
            "found": True,
            "id": live.id,
            "account": live.account,
            "name": live.name,
            "kind": live.kind.value,
            "status": live.status,
            "terminal": is_terminal(live.status),
            "package": {
                "name": pkg.name,
                "from": pkg.from_version,
                "to": pkg.to_version,
                "protocol": pkg.protocol,
            },
            "schedule": _schedule(live),
            **(
                {
                    "device_statuses": [
                        {
                            "imei": d.imei,
                            "status": d.status,
                            "reason": d.reason,
                            "reported_firmware": result.reported.get(d.imei),
                        }
                        for d in sorted(result.rows, key=lambda d: d.imei)
                    ]
                }
                if live.kind is Kind.UPGRADE
                else {}
            ),
            "devices": {"total": dev.total, "by_status": dict(sorted(dev.by_status.items()))},
            "failures": {
                "count": dev.failure_count,
                "shown": [
                    {"imei": d.imei, "status": d.status, "reason": d.reason} for d in dev.failures
                ],
            },
        }
    )
    return out


def _schedule(live: LiveCampaign) -> dict[str, Any]:
    sch = live.schedule

    def win(items: Windows) -> list[dict[str, int]]:
        return [{"start": w.start, "end": w.end} for w in items]

    out: dict[str, Any] = {"start": sch.start.isoformat(), "end": sch.end.isoformat()}
    if live.kind is Kind.UPGRADE:
        return out
    if live.kind is Kind.FIRMWARE:
        return out | {"windows": win(sch.windows)}
    return out | {
        "download_after": sch.download_after.isoformat() if sch.download_after else None,
        "download_windows": win(sch.download_windows),
        "install_after": sch.install_after.isoformat() if sch.install_after else None,
        "install_windows": win(sch.install_windows),
    }


# --- rollouts -------------------------------------------------------------------------------


def rollout_text(spec: CampaignSpec, waves: Sequence[WaveReport]) -> str:
    """A rollout as its waves, a bar each: verified (#), failed (x), pending (.)."""
    pkg = spec.package
    lines = [
        f"rollout {spec.name!r} ({spec.kind.value}, account {spec.account}): "
        f"{len(waves)} waves, {pkg.from_version} -> {pkg.to_version}",
        f"  spec      {spec.source}",
    ]
    width = max((len(w.wave) for w in waves), default=0)
    size = max((len(str(w.devices)) for w in waves), default=1)
    for w in waves:
        head = f"  wave {w.wave:<{width}}  {w.devices:>{size}} devices"
        if w.state in STARTED:
            counts = f"{w.verified} verified, {w.failed} failed, {w.pending} pending"
            lines.append(
                f"{head} {bar(w.verified, w.failed, w.devices - w.verified - w.failed)} "
                f"{counts}; {w.state}: {w.verdict}"
            )
        else:
            lines.append(f"{head} {bar(0, 0, 0)} not started; {w.state}: {w.verdict}")
        extra = contradicted_line(w)
        if extra:
            lines.append(f"    {extra}")
    return "\n".join(lines) + "\n"


def rollout_json(spec: CampaignSpec, waves: Sequence[WaveReport]) -> dict[str, Any]:
    """One rollout of ``fota status -o json``."""
    return {
        "spec": {"account": spec.account, "name": spec.name, "source": str(spec.source)},
        "firmware": {"from": spec.package.from_version, "to": spec.package.to_version},
        "waves": [
            {
                "name": w.wave,
                "campaign": wave_campaign_name(spec.name, w.wave),
                "started": w.state in STARTED,
                "state": w.state,
                "verdict": w.verdict,
                "until": w.until.isoformat().replace("+00:00", "Z") if w.until else None,
                "devices": w.devices,
                "verified": w.verified,
                "failed": w.failed,
                "pending": w.pending,
                "succeeded": w.succeeded,
                "contradicted": {"count": w.contradicted, "shown": list(w.contradicted_imeis)},
            }
            for w in waves
        ],
    }
