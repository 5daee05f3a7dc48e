"""The plan as a reviewer reads it: one status line, what changes in each ``<summary>``,
markers GitHub colours, and fields named as the spec writes them (not as the model does)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from reconciler.applier.report import make_report
from reconciler.model import Kind
from reconciler.plans.planner import plan
from reconciler.views import render_markdown, render_text
from reconciler.views.apply_report import report_lines
from reconciler.views.fields import spec_field, spec_path
from tests.plans.plan_factory import NOW, fw_spec, live_of, scenario_plan

HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
MODEL_NAMES = (
    "package.",
    "to_version",
    "from_version",
    "auto_assign_license",
    "auto_add_devices",
    "download_windows",
    "install_after",
    "campaign_id",
)


def _summaries(md: str) -> dict[str, str]:
    found = re.findall(r"<summary><code>[^<]*</code> <b>[^/]+/([^<]+)</b>: ([^<]*)</summary>", md)
    return dict(found)


def test_one_status_line_and_no_digest_before_the_changes() -> None:
    md = render_markdown(scenario_plan())
    head = md.split("#### Refused")[0]
    assert head.count("Plan:") == 1
    assert "| create |" not in md  # no second (table) status
    assert not HEX64.search(head) and "sha256:" not in head
    assert md.rstrip().splitlines()[-1].startswith("<sub>planned for")
    assert "specs `sha256:abab" in md.rstrip().splitlines()[-1]


def test_each_summary_says_what_changes() -> None:
    summaries = _summaries(render_markdown(scenario_plan()))
    assert summaries["b01-move-dates-before-start"] == "start 11-28 -&gt; 12-01"
    assert summaries["b02-remove-window-before-start"] == "-window 02-06h"
    assert summaries["b03-add-devices"] == "+2 devices"
    assert summaries["b04-remove-devices"] == "-1 device"
    assert summaries["c03-software-add-install-window"] == "+installWindow 20-24h"
    assert summaries["d01-start-locked"] == "refused: start 11-20 -&gt; 11-25 (R-START-LOCKED)"
    assert summaries["d09-immutable-refused"].startswith("refused: firmware.to SR2.0 -&gt; SR3.0")
    assert summaries["a01-create"] == "new, firmware SR1.0 -&gt; SR2.0, 12-01 to 12-10, 5 devices"
    assert summaries["g01-finished-cancelled"] == "finished: left alone"


def test_end_date_and_devices_in_one_summary() -> None:
    spec = fw_spec("wave-1")
    live = live_of(
        spec,
        schedule=replace(spec.schedule, end=spec.schedule.end.replace(day=4)),
        devices=dict.fromkeys(sorted(spec.devices)[:3], "UpgradePending"),
    )
    md = render_markdown(plan([spec], {spec.key: live}, NOW))
    assert _summaries(md)["wave-1"] == "end 12-04 -&gt; 12-10, +2 devices"


def test_change_markers_are_at_column_0_inside_diff_blocks() -> None:
    md = render_markdown(scenario_plan())
    blocks = re.findall(r"```diff\n(.*?)\n```", md, flags=re.S)
    assert blocks
    markers = set()
    for block in blocks:
        for line in block.splitlines():
            assert line[0] in " +-!", line
            markers.add(line[0])
            assert not re.match(r"^\s+[~+!-] ", line), line  # no marker left indented
    assert markers == {" ", "+", "-", "!"}
    assert "\n!      schedule.start: 2026-11-28 -> 2026-12-01" in md
    assert "\n!    R-START-LOCKED on schedule.start" in md


def test_fields_are_named_as_the_spec_writes_them_in_every_view() -> None:
    p = scenario_plan()
    outputs = {"text": render_text(p), "markdown": render_markdown(p)}
    for name, out in outputs.items():
        for model in MODEL_NAMES:
            assert model not in out, (name, model)
    assert "firmware.to: SR2.0" in outputs["text"]
    assert "software.distributionType: HTTP" in outputs["text"]
    assert "schedule.installWindows: 02-06h -> 02-06h, 20-24h" in outputs["text"]
    assert "autoAssignLicense: false" in outputs["text"]


def test_the_apply_report_names_refused_fields_as_the_spec_does() -> None:
    refused = [c for c in scenario_plan().campaigns if c.name == "d09-immutable-refused"]
    lines = report_lines(make_report([], refused))
    assert any("(firmware.to)" in line for line in lines), lines


def test_the_mapping() -> None:
    assert spec_field("package.to_version", Kind.FIRMWARE) == "firmware.to"
    assert spec_field("package.protocol", Kind.SOFTWARE) == "software.distributionType"
    assert spec_field("schedule.download_windows", Kind.SOFTWARE) == "schedule.downloadWindows"
    assert spec_field("auto_assign_license", Kind.FIRMWARE) == "autoAssignLicense"
    assert spec_field("devices", Kind.FIRMWARE) == "devices"
    assert spec_path("package.from_version", Kind.SOFTWARE) == ("software", "from")
    assert spec_field("package.to_version", Kind.UPGRADE) == "firmware.to"
    assert spec_field("campaign_id", Kind.UPGRADE) == "upgradeId"
    assert spec_field("campaign_id", Kind.FIRMWARE) == "campaignId"


SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[2] / "reconciler/schemas/campaign-spec.schema.json"
    ).read_text()
)


def _schema_paths(node: dict[str, Any], prefix: str = "") -> set[str]:
    ref = node.get("$ref")
    if isinstance(ref, str):
        node = SCHEMA["$defs"][ref.rsplit("/", 1)[-1]]
    out = set()
    for branch in node.get("oneOf", []) + node.get("anyOf", []) + node.get("allOf", []):
        out |= _schema_paths(branch, prefix)
    for key, child in node.get("properties", {}).items():
        out.add(prefix + key)
        out |= _schema_paths(child, prefix + key + ".")
    return out


def test_every_field_a_plan_names_is_a_spec_key() -> None:
    """Each field name the planner writes (model spelling) maps to a key the spec accepts."""
    keys = _schema_paths(SCHEMA)
    p = scenario_plan()
    seen = set()
    for c in p.campaigns:
        fields = [r.field for r in c.refusals]
        stack = list(c.actions)
        while stack:
            action = stack.pop()
            fields += [change.field for change in action.changes]
            stack += action.steps
        for field in fields:
            if field == "status":  # the campaign's status: no spec key, shown as it is
                continue
            seen.add(spec_field(field, c.kind))
            assert spec_field(field, c.kind) in keys, (field, c.kind)
    assert {"firmware.to", "software.distributionType", "schedule.installWindows"} <= seen
