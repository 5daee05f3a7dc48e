"""Rollouts as a reviewer reads them: one line per wave with its numbers and its gate, and the
devices that reported success on the old firmware, by IMEI (first 20, then a count).

Shared by the text and Markdown plans and by ``fota status`` (bars), so all say the same.
"""

from __future__ import annotations

from collections.abc import Callable

from reconciler.plans.types import Plan, WaveReport

BAR_WIDTH = 20
STARTED = ("passed", "waiting", "failed", "resumed")
"""The states of a wave whose campaign exists (the others: not started)."""


def rollouts(plan: Plan) -> list[tuple[str, str, list[WaveReport]]]:
    """(account, rollout name, its waves in order) for every rollout in the plan."""
    groups: dict[tuple[str, str], list[WaveReport]] = {}
    for c in plan.campaigns:
        if c.wave is not None:
            groups.setdefault((c.account, c.wave.rollout), []).append(c.wave)
    return [
        (account, name, sorted(waves, key=lambda w: w.index))
        for (account, name), waves in sorted(groups.items())
    ]


def bar(verified: int, failed: int, pending: int, width: int = BAR_WIDTH) -> str:
    """``[#####xx.......]``: verified (#), failed (x) and pending (.) devices, to scale."""
    total = verified + failed + pending
    if total == 0:
        return "[" + " " * width + "]"
    cells_failed = -(-failed * width // total) if failed else 0  # never hide a failure
    cells_verified = min(verified * width // total, width - cells_failed)
    return (
        "["
        + "#" * cells_verified
        + "x" * cells_failed
        + "." * (width - cells_verified - cells_failed)
        + "]"
    )


def wave_line(w: WaveReport) -> str:
    """``wave canary  50 devices  [####]  passed: 49/50 verified (98.0% >= 98%), ...``."""
    if w.state in STARTED:
        shown = bar(w.verified, w.failed, w.devices - w.verified - w.failed)
        return f"wave {w.wave}: {w.devices} devices {shown} {w.state}: {w.verdict}"
    return f"wave {w.wave}: {w.devices} devices, {w.state}: {w.verdict}"


def contradicted_line(w: WaveReport) -> str | None:
    """The devices of a wave that reported success on the old firmware, or None."""
    if not w.contradicted:
        return None
    more = w.contradicted - len(w.contradicted_imeis)
    listed = ", ".join(w.contradicted_imeis) + (f" and {more} more" if more > 0 else "")
    return f"{w.contradicted} reported UpgradeSuccess but run the old firmware: {listed}"


def text_lines(plan: Plan) -> list[str]:
    """The rollouts section of the text plan (empty without rollouts)."""
    out: list[str] = []
    for account, name, waves in rollouts(plan):
        out.append(f"Rollout {account}/{name}:")
        for w in waves:
            out.append(f"    {wave_line(w)}")
            extra = contradicted_line(w)
            if extra:
                out.append(f"      {extra}")
        out.append("")
    return out


def markdown_lines(plan: Plan, esc: Callable[[str], str]) -> list[str]:
    """The rollouts section of the Markdown plan (empty without rollouts)."""
    out: list[str] = []
    for account, name, waves in rollouts(plan):
        out += [
            f"#### Rollout {esc(account)}/{esc(name)}",
            "",
            "| wave | devices | verified | failed | pending | gate |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for w in waves:
            numbers = (
                f"{w.verified} | {w.failed} | {w.pending}" if w.state in STARTED else "- | - | -"
            )
            out.append(
                f"| {esc(w.wave)} | {w.devices} | {numbers} | **{w.state}**: {esc(w.verdict)} |"
            )
        out.append("")
        for w in waves:
            extra = contradicted_line(w)
            if extra:
                out.append(f"- wave {esc(w.wave)}: {esc(extra)}")
        if any(w.contradicted for w in waves):
            out.append("")
    return out
