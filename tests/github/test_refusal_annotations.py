"""Each refusal becomes an ``::error`` annotation on the spec line that asks for the change:
the right document of a multi-document file, the key as the spec spells it (per kind), and a
fallback to the document's line (a field the spec does not hold) or no file (--prune)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from reconciler.github.refusals import refusal_annotations
from reconciler.model import Kind
from reconciler.plans.types import CampaignPlan, Outcome, Plan, Refusal
from tests.plans.plan_factory import NOW, scenario_plan

SPECS = """\
apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
name: first
firmware:
  to: SR2.0
---
# the second document
apiVersion: fota.reconciler/v1
kind: SoftwareCampaign
name: second
software:
  name: pkg
  to: "2.0"
schedule:
  start: 2026-12-01
  installAfter: 2026-12-02
"""


def _refused(name: str, kind: Kind, source: str, field: str) -> CampaignPlan:
    refusal = Refusal("R-TEST", field, "a", "b", "Because.", "Do this.")
    return CampaignPlan("acc", name, kind, source, Outcome.REFUSED, refusals=(refusal,))


def _plan(*campaigns: CampaignPlan) -> Plan:
    return replace(scenario_plan(), campaigns=campaigns, now=NOW)


@pytest.fixture()
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    (tmp_path / "campaigns").mkdir()
    path = tmp_path / "campaigns" / "both.yaml"
    path.write_text(SPECS)
    return path


def test_the_line_of_the_key_in_the_right_document(specs: Path) -> None:
    lines = refusal_annotations(
        _plan(
            _refused("first", Kind.FIRMWARE, "campaigns/both.yaml:1:1", "package.to_version"),
            _refused("second", Kind.SOFTWARE, "campaigns/both.yaml:8:1", "package.to_version"),
            _refused("second", Kind.SOFTWARE, "campaigns/both.yaml:8:1", "schedule.install_after"),
            _refused("second", Kind.SOFTWARE, "campaigns/both.yaml:8:1", "status"),
        )
    )
    assert [line.split("::")[1] for line in lines] == [
        "error file=campaigns/both.yaml,line=5,title=fota plan%3A R-TEST",
        "error file=campaigns/both.yaml,line=13,title=fota plan%3A R-TEST",
        "error file=campaigns/both.yaml,line=16,title=fota plan%3A R-TEST",
        "error file=campaigns/both.yaml,line=8,title=fota plan%3A R-TEST",  # no such key
    ]
    assert lines[1].endswith("::acc/second: software.to a -> b refused. Because. Instead: Do this.")


def test_a_deleted_spec_or_a_prune_rule(specs: Path) -> None:
    gone, pruned = refusal_annotations(
        _plan(
            _refused("gone", Kind.FIRMWARE, "campaigns/gone.yaml:3:1", "status"),
            _refused("old", Kind.FIRMWARE, "--prune acc:old", "status"),
        )
    )
    assert gone.startswith("::error file=campaigns/gone.yaml,line=3,")
    assert pruned.startswith("::error title=fota plan%3A R-TEST::acc/old: status")
