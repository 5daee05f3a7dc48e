"""Properties: normalised specs round-trip through YAML; garbage never produces a traceback;
the digest depends on content only."""

from __future__ import annotations

import dataclasses
import random
import re
import string
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.errors import ProblemsFound
from reconciler.model import (
    CampaignSpec,
    Kind,
    Lifecycle,
    OnImmutableChange,
    Package,
    Schedule,
    Source,
    TimeWindow,
    windows,
)
from reconciler.specs import digest, dump_spec, load_specs, parse_spec_text
from reconciler.specs.devices import luhn_complete
from reconciler.specs.schema import _validator, fast_check, schema
from tests.specs.spec_helpers import VALID_FIRMWARE, VALID_SOFTWARE

_TEXT_RE = re.compile(schema()["$defs"]["firmware"]["properties"]["name"]["pattern"])

texts = (
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)
    .map(str.strip)
    .filter(lambda s: bool(s) and "\n" not in s and _TEXT_RE.search(s) is not None)
)
imeis = st.text("0123456789", min_size=14, max_size=14).map(luhn_complete)
accounts = st.from_regex(r"[0-9]{10}-[0-9]{5}", fullmatch=True)
days = st.dates(min_value=date(2025, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def firmware_windows(draw: st.DrawFn) -> tuple[TimeWindow, ...]:
    items = draw(st.lists(st.integers(0, 20), max_size=4))
    return windows([TimeWindow(s, draw(st.integers(s + 4, 24))) for s in items])


@st.composite
def any_windows(draw: st.DrawFn) -> tuple[TimeWindow, ...]:
    items = draw(st.lists(st.integers(0, 23), max_size=4))
    return windows([TimeWindow(s, draw(st.integers(s + 1, 24))) for s in items])


@st.composite
def specs(draw: st.DrawFn) -> CampaignSpec:
    kind = draw(st.sampled_from(Kind))
    start = draw(days)
    end = start + timedelta(days=draw(st.integers(0, 400)))
    if kind is Kind.FIRMWARE:
        schedule = Schedule(start, end, windows=draw(firmware_windows()))
        protocol = draw(st.sampled_from(["LWM2M", "OMA", "HTTP"]))
    elif kind is Kind.UPGRADE:  # v1: dates only, no from-version, no protocol, no abort
        schedule = Schedule(start, end)
        protocol = ""
    else:
        download = draw(st.none() | st.integers(0, (end - start).days))
        install = draw(st.none() | st.integers(download or 0, (end - start).days))
        schedule = Schedule(
            start,
            end,
            download_after=None if download is None else start + timedelta(days=download),
            download_windows=draw(any_windows()),
            install_after=None if install is None else start + timedelta(days=install),
            install_windows=draw(any_windows()),
        )
        protocol = draw(st.sampled_from(["OMA", "HTTP"]))
    firmware = kind is Kind.FIRMWARE
    upgrade = kind is Kind.UPGRADE
    return CampaignSpec(
        account=draw(accounts),
        name=draw(texts),
        kind=kind,
        package=Package(draw(texts), "" if upgrade else draw(texts), draw(texts), protocol),
        schedule=schedule,
        devices=frozenset(draw(st.lists(imeis, min_size=1, max_size=20))),
        auto_assign_license=firmware and draw(st.booleans()),
        auto_add_devices=firmware and draw(st.booleans()),
        campaign_id=draw(st.none() | texts),
        lifecycle=Lifecycle(
            draw(st.sampled_from(OnImmutableChange)),
            not upgrade and draw(st.booleans()),
            draw(st.booleans()),
        ),
    )


def _unsourced(spec: CampaignSpec) -> CampaignSpec:
    return dataclasses.replace(spec, source=Source("<memory>", 1, 1))


@settings(max_examples=100, deadline=None)
@given(specs())
def test_dump_then_load_round_trips(spec: CampaignSpec) -> None:
    text = dump_spec(spec)
    (loaded,) = parse_spec_text(text, "roundtrip.yaml")
    assert _unsourced(loaded) == spec
    assert dump_spec(loaded) == text


@settings(max_examples=60, deadline=None)
@given(st.lists(specs(), min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_digest_ignores_order_and_formatting(items: list[CampaignSpec], rnd: random.Random) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert digest(items) == digest(shuffled)
    reformatted = [
        dataclasses.replace(
            s, devices=frozenset(sorted(s.devices, reverse=True)), source=Source("x", 9)
        )
        for s in shuffled
    ]
    assert digest(reformatted) == digest(items)


def test_digest_changes_with_content() -> None:
    (spec,) = parse_spec_text(VALID_FIRMWARE, "a.yaml")
    moved = dataclasses.replace(
        spec, schedule=dataclasses.replace(spec.schedule, end=date(2027, 3, 15))
    )
    fewer = dataclasses.replace(spec, devices=frozenset({"356938035643809"}))
    assert len({digest([spec]), digest([moved]), digest([fewer])}) == 3


def test_digest_is_stable_across_yaml_formatting(tmp_path: Path) -> None:
    flow = (
        "{apiVersion: fota.reconciler/v1, kind: FirmwareCampaign, account: '0402196254-00001',"
        " name: pilot, devices: ['354658090353977'], schedule: {end: 2027-03-14,"
        " windows: [{end: 22, start: 18}, {end: 22, start: 18}], start: 2027-03-01},"
        " firmware: {protocol: LWM2M, to: SR1.2.0.0-10657, from: SR1.2.0.0-10512,"
        " name: SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657}}\n"
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "x.yaml").write_text(VALID_FIRMWARE, encoding="utf-8")
    (tmp_path / "b" / "y.yaml").write_text("# same spec\n" + flow, encoding="utf-8")
    assert load_specs([str(tmp_path / "a")]).digest == load_specs([str(tmp_path / "b")]).digest


# --- garbage in, problems out ---------------------------------------------------------------


def _no_traceback(text: str) -> None:
    try:
        parse_spec_text(text, "garbage.yaml")
    except ProblemsFound as found:
        assert found.problems
        for problem in found.problems:
            assert problem.line >= 1 and problem.col >= 1
            assert "\n" not in problem.message


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_give_problems_not_tracebacks(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "garbage.yaml"
        path.write_bytes(data)
        try:
            load_specs([str(path)])
        except ProblemsFound as found:
            assert found.problems


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=string.printable + "&*!|>-:{}[]'\"\u00e9\u2028", max_size=200))
def test_random_text_gives_problems_not_tracebacks(text: str) -> None:
    _no_traceback(text)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["yes", "2027-02-30", "LWM2M", "354658090353977"])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
KEYS = list(schema()["properties"])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*KEYS, "schedule", "extra"]), values, max_size=12))
def test_random_structures_with_real_keys_give_problems(data: dict[str, Any]) -> None:
    data.setdefault("apiVersion", "fota.reconciler/v1")
    _no_traceback(yaml.safe_dump(data))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*KEYS, "extra"]), values, max_size=12))
def test_fast_schema_check_agrees_with_jsonschema(data: dict[str, Any]) -> None:
    assert fast_check()(data) == _validator().is_valid(data)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from([VALID_FIRMWARE, VALID_SOFTWARE]), st.randoms(use_true_random=False))
def test_fast_schema_check_agrees_on_near_valid_documents(base: str, rnd: random.Random) -> None:
    data = yaml.safe_load(base)
    data["schedule"]["start"] = "2027-03-01"  # safe_load makes dates; the spec reader does not
    data["schedule"]["end"] = "2027-03-14"
    for key in ("downloadAfter", "installAfter"):
        if key in data["schedule"]:
            data["schedule"][key] = "2027-04-11"
    assert fast_check()(data) and _validator().is_valid(data)
    target = data
    for _ in range(rnd.randrange(1, 3)):
        if isinstance(target, dict) and target:
            key = rnd.choice(sorted(target))
            if isinstance(target[key], dict | list) and rnd.random() < 0.6:
                target = target[key]
                continue
            target[key] = rnd.choice([None, 1, 18.0, "x", True, [], {}, "HTTP", "LWM2M", 25])
        elif isinstance(target, list) and target:
            index = rnd.randrange(len(target))
            target[index] = rnd.choice([None, 1, "x", {"start": 1}, "354658090353977"])
    assert fast_check()(data) == _validator().is_valid(data)


@settings(max_examples=120, deadline=None)
@given(st.sampled_from([VALID_FIRMWARE, VALID_SOFTWARE]), st.randoms(use_true_random=False), values)
def test_mutated_valid_specs_give_problems(base: str, rnd: random.Random, junk: Any) -> None:
    lines = base.splitlines()
    index = rnd.randrange(len(lines))
    key, sep, _ = lines[index].partition(":")
    choice = rnd.randrange(4)
    if choice == 0:
        del lines[index]
    elif choice == 1 and sep:
        lines[index] = f"{key}: {yaml.safe_dump(junk, default_flow_style=True).strip()}"
    elif choice == 2:
        lines.insert(index, lines[index])
    else:
        lines[index] = lines[index][: rnd.randrange(len(lines[index]) + 1)]
    _no_traceback("\n".join(lines) + "\n")
