"""Re-planning a saved plan from what is true now, for the staleness check.

Why here and not in the CLI: "is this saved plan still exactly right?" is the applier's safety
question, and keeping it in the library lets tests and other front ends (the GitHub Action) ask
it the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from reconciler import planner
from reconciler.applier.from_plan import StalePlanError
from reconciler.client import ThingSpaceClient, read_live
from reconciler.model import CampaignSpec
from reconciler.planner import Plan
from reconciler.spec import load_specs

Key = tuple[str, str]


def _source_path(source: str) -> str:
    """``path:line:col`` -> ``path`` (paths may contain colons; line and col never do)."""
    parts = source.rsplit(":", 2)
    return parts[0] if len(parts) == 3 and parts[1].isdigit() else source


def spec_paths(plan: Plan) -> list[str]:
    """The spec files a plan was made from (recorded paths, else each campaign's source)."""
    recorded: Sequence[str] | None = getattr(plan, "spec_paths", None)
    if recorded:
        return list(recorded)
    return sorted({_source_path(c.source) for c in plan.campaigns})


def replan(
    saved: Plan,
    client: ThingSpaceClient,
    *,
    plan_file: str,
    baseline: Mapping[Key, CampaignSpec] | None = None,
) -> Plan:
    """The plan ``fota plan`` would make now for the campaigns of ``saved``."""
    paths = spec_paths(saved)
    missing = [p for p in paths if not os.path.exists(p)]
    if missing and baseline is None:
        raise StalePlanError(
            f"{plan_file} is stale: its spec file(s) {', '.join(missing)} no longer exist "
            "(run apply from the directory fota plan ran in); nothing was applied"
        )
    present = [p for p in paths if p not in missing]
    specset = load_specs([Path(p) for p in present]) if present else None
    keys = {c.key for c in saved.campaigns}
    specs = [s for s in (specset.specs if specset else ()) if s.key in keys]
    desired = {s.key for s in specs}
    deleted = [s for k, s in (baseline or {}).items() if k in keys and k not in desired]
    live = read_live(client, [*specs, *deleted])
    return planner.plan(
        specs,
        live.matches,
        live.now,
        specs_digest=specset.digest if specset else "",
        baseline=baseline,
        baseline_ref=saved.baseline_ref,
    )
