"""The spec reader's shortcuts read exactly what the plain reading reads.

Long device lists are taken from the text in one regex pass instead of a YAML node per item
(``yamlcore._Run``), and the nesting-depth scan is skipped when a cheap bound proves a text
shallow (``yamlcore._shallow``). These properties compare both shortcuts with the plain
reading on generated texts, including the look-alikes that must not take the shortcut (a
block scalar holding ``- "123"`` lines, plain numbers, comments, aliases, CRLF)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sim.fleet import luhn_digit
from reconciler.specs.yamlcore import (
    MAX_DEPTH,
    Document,
    YamlProblem,
    _documents,
    _shallow,
    load_documents,
)
from tests.specs.spec_helpers import VALID_FIRMWARE, problems_of, write


def _imei(n: int) -> str:
    body = f"35{n:012d}"
    return body + luhn_digit(body)


@st.composite
def item_lists(draw: st.DrawFn, indent: str) -> str:
    """A block sequence of mostly quoted numbers, with the odd irregular line."""
    count = draw(st.integers(0, 80))
    quote = draw(st.sampled_from(['"', "'", ""]))
    gap = draw(st.sampled_from(["", " ", "  "]))
    lines = []
    for n in range(count):
        odd = draw(st.integers(0, 60))
        value = _imei(draw(st.integers(0, 10**6))) if odd else "12"
        if odd == 1:
            lines.append(f"{indent}# a comment")
        elif odd == 2:
            lines.append("")
        elif odd == 3:
            lines.append(f"{indent}- {value}")
            continue
        elif odd == 4:
            lines.append(f"{indent}-  {quote}{value}{quote}  # why")
            continue
        lines.append(f"{indent}- {gap}{quote}{value}{quote}{' ' if n % 7 == 0 else ''}")
    return "\n".join(lines) + "\n" if lines else f"{indent}[]\n"


@st.composite
def documents(draw: st.DrawFn) -> str:
    parts = [f"key{i}: v{i}\n" for i in range(draw(st.integers(0, 2)))]
    shape = draw(st.sampled_from(["top", "indented", "nested", "in-block-scalar", "in-seq"]))
    if shape == "top":
        parts.append("devices:\n" + draw(item_lists("")))
    elif shape == "indented":
        parts.append("devices:\n" + draw(item_lists("  ")))
    elif shape == "nested":
        parts.append("outer:\n  inner:\n" + draw(item_lists("    ")) + "  after: 1\n")
    elif shape == "in-seq":
        parts.append("lists:\n  -\n" + draw(item_lists("    ")) + "  - tail\n")
    else:
        parts.append("note: |\n" + draw(item_lists("  ")) + "devices: []\n")
    if draw(st.booleans()):
        parts.append("windows: &w [1, 2]\nagain: *w\n")
    return "".join(parts)


@st.composite
def yaml_texts(draw: st.DrawFn) -> str:
    docs = draw(st.lists(documents(), min_size=1, max_size=3))
    text = "---\n".join(docs)
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 9)) == 0:  # a syntax error somewhere
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines) - 1))
        lines[at] = lines[at] + ' "unclosed'
        text = "\n".join(lines)
    return text


def _paths(value: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    out = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            out.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.extend(_paths(item, (*path, index)))
    return out


def _seen(results: list[Document | YamlProblem]) -> list[Any]:
    seen: list[Any] = []
    for result in results:
        if isinstance(result, YamlProblem):
            seen.append(("problem", result.mark, result.message))
            continue
        places = [
            (p, result.mark(p), result.key_mark(p), result.raw(p)) for p in _paths(result.data)
        ]
        sequences = [
            p for p in _paths(result.data) if isinstance(result.node(p), yaml.SequenceNode)
        ]
        seen.append(
            (result.data, result.start, places, [result.item_positions(p) for p in sequences])
        )
    return seen


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(yaml_texts())
def test_reading_device_runs_from_the_text_changes_nothing(text: str) -> None:
    plain = list(_documents(text, aliases="*" in text, pending=None))
    assert _seen(list(load_documents(text))) == _seen(plain)


def test_a_long_device_list_takes_the_shortcut_and_keeps_every_place(tmp_path: Path) -> None:
    imeis = [_imei(n) for n in range(1000)]
    imeis[600] = imeis[600][:-1] + str((int(imeis[600][-1]) + 1) % 10)  # bad check digit
    imeis[900] = imeis[3]  # listed twice
    head = VALID_FIRMWARE.split("devices:")[0] + "devices:\n"
    text = head + "".join(f'  - "{i}"\n' for i in imeis)
    first = head.count("\n") + 1  # line of the first device
    (doc,) = list(load_documents(text))
    assert isinstance(doc, Document) and doc.data["devices"] == imeis
    listed = doc.node(("devices",))
    assert listed is not None and not isinstance(listed.value, list)  # the shortcut was taken
    assert doc.mark(("devices", 600)).line == first + 600
    write(tmp_path, "big.yaml", text)
    found = {(p.line, p.col): p.message for p in problems_of(tmp_path)}
    assert set(found) == {(first + 600, 5), (first + 900, 5)}
    assert "check digit" in found[(first + 600, 5)]
    assert found[(first + 900, 5)].startswith(f"device {imeis[3]} is listed twice")
    assert f"big.yaml:{first + 3})" in found[(first + 900, 5)]


# --- depth bound -------------------------------------------------------------------------------


def _real_depth(text: str) -> int:
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
            depth -= 1
    return deepest


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from(["map", "seq"]), min_size=20, max_size=140),
    indent=st.integers(2, 4),
    flow=st.sampled_from([False, None, True]),
)
def test_a_text_judged_shallow_never_nests_deeper_than_the_limit(
    kinds: list[str], indent: int, flow: bool | None
) -> None:
    value: Any = "leaf"
    for kind in reversed(kinds):
        value = {"k": value} if kind == "map" else [value]
    text = yaml.safe_dump(value, indent=indent, default_flow_style=flow, width=10**6)
    assert _real_depth(text) == len(kinds)
    if _shallow(text):
        assert len(kinds) <= MAX_DEPTH


def test_an_ordinary_spec_with_many_devices_is_judged_shallow() -> None:
    text = VALID_FIRMWARE + "".join(f'  - "{_imei(n)}"\n' for n in range(2000))
    assert _shallow(text)
