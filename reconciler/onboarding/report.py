"""``fota import``'s report: what was (or would be) written, skipped, not importable, clashing.

Text for people (file lines on stdout; what needs a decision, and the v1 note, on stderr) and
one JSON document for tools. Pure: takes the ``Outcome`` and returns lines.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from reconciler.onboarding.run import V1_NOTE, Outcome


def import_json(outcome: Outcome, account: str, out: Path, dry_run: bool) -> str:
    document = {
        "account": account,
        "out": str(out),
        "dryRun": dry_run,
        "files": outcome.files,
        "skipped": outcome.skipped,
        "unimportable": [
            {
                "campaignId": u.live.id,
                "name": u.live.name,
                "kind": u.live.kind.value,
                "status": u.live.status,
                "reason": u.reason,
            }
            for u in outcome.unimportable
        ],
        "clashes": [
            {
                "account": c.account,
                "name": c.name,
                "campaigns": [{"campaignId": cid, "path": str(out / p)} for cid, p in c.files],
            }
            for c in outcome.clashes
        ],
        "problems": [str(p) for p in outcome.problems],
        "notes": [V1_NOTE],
    }
    return json.dumps(document, indent=2)


def import_text(
    outcome: Outcome, out: Path, dry_run: bool, force: bool
) -> tuple[list[str], list[str]]:
    """(stdout lines, stderr lines)."""
    lines: list[str] = []
    errors: list[str] = []
    verbs = {
        "create": "would write" if dry_run else "wrote",
        "overwrite": ("would overwrite" if force else "differs, needs --force:")
        if dry_run
        else "overwrote",
        "unchanged": "unchanged",
    }
    by_path = {str(out / s.spec_path): s for s in outcome.specs}
    for info in outcome.files:
        if info["type"] == "devices":
            continue
        line = f"{verbs[info['action']]} {info['path']}"
        spec = by_path.get(info["path"])
        if spec is not None:
            extra = f" + {out / spec.devices_path}" if spec.devices_path else ""
            line += (
                f"{extra}  ({spec.live.kind.value} campaign {spec.live.id}, {spec.live.status}, "
                f"{spec.devices:,} device{'s' if spec.devices != 1 else ''})"
            )
        lines.append(line)
        if dry_run and spec is not None and info["action"] != "unchanged":
            lines.extend(spec.spec_text.splitlines())
    for item in outcome.skipped:
        lines.append(f"skipped {item['campaignId']} {item['name']!r}: {item['reason']}")
    for u in outcome.unimportable:
        errors.append(
            f"not imported: {u.live.kind.value} campaign {u.live.id} {u.live.name!r} "
            f"({u.live.status}): {u.reason}"
        )
    for c in outcome.clashes:
        listed = ", ".join(f"{cid} -> {out / p}" for cid, p in c.files)
        errors.append(
            f"name clash: {len(c.files)} campaigns of account {c.account} are named {c.name!r} "
            f"({listed}); all are written, but a name may have one spec per account: keep the "
            "spec of the campaign git should manage and delete the other file(s)"
        )
    errors.extend(str(problem) for problem in outcome.problems)
    errors.append(f"note: {V1_NOTE}")
    counts = Counter(info["action"] for info in outcome.files if info["type"] == "spec")
    written = counts["create"] + counts["overwrite"]
    lines.append(
        f"Import: {written} spec(s) {'to write' if dry_run else 'written'}, "
        f"{counts['unchanged']} unchanged, {len(outcome.skipped)} skipped, "
        f"{len(outcome.unimportable)} not importable, {len(outcome.clashes)} name clash(es)."
    )
    return lines, errors
