"""``rollout:`` in a spec: the format version, the model it maps to, every mistake at its
place (file:line:col) with the fix."""

from __future__ import annotations

from pathlib import Path

from reconciler.model import Gate, OnFailure, Threshold, WaveSize
from reconciler.specs import load_specs
from tests.specs.spec_helpers import VALID_FIRMWARE, VALID_SOFTWARE, problems_of, replace, write

ROLLOUT = """rollout:
  waves:
    - {name: canary, devices: 50}
    - {name: early, devices: "10%", gate: {soak: 2d, minVerified: 45}}
    - {name: fleet, devices: rest}
  gate: {minVerified: "98%", maxFailed: "1%", minSample: 20, soak: 24h}
  onFailure: halt-and-cancel
  resume: [canary]
"""
V2 = replace(VALID_FIRMWARE, "fota.reconciler/v1", "fota.reconciler/v2")


def _messages(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    return [(p.line, p.col, p.message) for p in problems_of(write(tmp_path, "r.yaml", text))]


def test_a_rollout_maps_to_waves_with_their_gates(tmp_path: Path) -> None:
    (spec,) = load_specs([str(write(tmp_path, "r.yaml", V2 + ROLLOUT))]).specs
    rollout = spec.rollout
    assert rollout is not None
    assert [(w.name, w.size, w.amount) for w in rollout.waves] == [
        ("canary", WaveSize.COUNT, 50),
        ("early", WaveSize.PERCENT, 10),
        ("fleet", WaveSize.REST, 0),
    ]
    default = Gate(Threshold(98, True), Threshold(1, True), 20, 24 * 3600)
    assert rollout.waves[0].gate == default
    assert rollout.waves[1].gate == Gate(Threshold(45, False), Threshold(1, True), 20, 2 * 86400)
    assert rollout.on_failure is OnFailure.HALT_AND_CANCEL
    assert rollout.resume == frozenset({"canary"})


def test_specs_without_a_rollout_read_the_same_in_both_versions(tmp_path: Path) -> None:
    (v1,) = load_specs([str(write(tmp_path, "a.yaml", VALID_FIRMWARE))]).specs
    (v2,) = load_specs([str(write(tmp_path / "..", "b.yaml", V2))]).specs
    assert v1.rollout is None and v1 == v2.__class__(**{**v2.__dict__, "source": v1.source})


def test_a_rollout_needs_format_v2(tmp_path: Path) -> None:
    assert _messages(tmp_path, VALID_FIRMWARE + ROLLOUT) == [
        (
            17,
            1,
            "rollout needs the spec format that has it: set 'apiVersion: fota.reconciler/v2'",
        )
    ]


def test_rollout_mistakes_each_at_their_place(tmp_path: Path) -> None:
    text = V2 + (
        "rollout:\n"
        "  waves:\n"
        "    - {name: canary, devices: 60%}\n"
        "    - {name: canary, devices: 50%}\n"
        "    - {name: fleet, devices: 10}\n"
        "  resume: [canry]\n"
    )
    assert _messages(tmp_path, text) == [
        (18, 3, "the waves' percentages add up to 110%, more than 100%; lower them"),
        (20, 14, "wave name 'canary' is used twice; rename one"),
        (
            21,
            30,
            'the last wave must be "rest" so every device is in a wave; write devices: rest',
        ),
        (22, 12, "resume names 'canry', which is not a wave; use one of canary, fleet"),
    ]


def test_schema_mistakes_in_a_rollout(tmp_path: Path) -> None:
    text = V2 + (
        "rollout:\n"
        "  waves:\n"
        "    - {name: canary, devices: 10 percent}\n"
        "    - {name: fleet, devices: rest}\n"
        "  gate: {soak: 1 week}\n"
    )
    messages = [m for _, _, m in _messages(tmp_path, text)]
    assert messages == [
        "rollout.waves[0].devices: '10 percent' is not a wave size: write a count (50), a "
        'percentage ("10%") or "rest"',
        "rollout.gate.soak: '1 week' is not a duration: write minutes, hours or days, e.g. 30m, "
        "24h or 2d",
    ]


def test_no_rollout_in_software_campaigns_nor_with_a_pinned_id(tmp_path: Path) -> None:
    software = replace(VALID_SOFTWARE, "fota.reconciler/v1", "fota.reconciler/v2")
    assert any(
        "rollout is not allowed in a SoftwareCampaign" in m
        for _, _, m in _messages(tmp_path, software + ROLLOUT)
    )
    pinned = V2 + "campaignId: f858b8c4\n" + ROLLOUT
    assert [m for _, _, m in _messages(tmp_path, pinned)] == [
        "campaignId cannot pin a rollout: each wave is its own campaign, found by its name; "
        "remove campaignId"
    ]


def test_fmt_writes_a_rollout_in_the_canonical_layout() -> None:
    from reconciler.specs.fmt import format_text

    messy = V2 + (
        "rollout:\n"
        "  onFailure: halt\n"
        "  gate:\n"
        "    soak: 24h\n"
        "    minVerified: 98%\n"
        "  waves:\n"
        "    - devices: 50\n"
        "      name: canary   # first\n"
        "    - {gate: {soak: 2d, maxFailed: 0}, name: early, devices: 10%}\n"
        "    - {name: fleet, devices: rest}\n"
    )
    assert format_text(messy).endswith(
        "rollout:\n"
        "  waves:\n"
        "    - {name: canary, devices: 50}  # first\n"
        "    - {name: early, devices: 10%, gate: {maxFailed: 0, soak: 2d}}\n"
        "    - {name: fleet, devices: rest}\n"
        "  gate:\n"
        "    minVerified: 98%\n"
        "    soak: 24h\n"
        "  onFailure: halt\n"
        "devices:\n"
        '  - "354658090353977"\n'
    )
