"""Property tests of ``fota fmt`` over generated specs written in many styles.

Each example is a valid spec (firmware or software) with keys in any order, scalars plain,
single- or double-quoted, windows and devices in block or flow style, and comments above keys
and at the ends of lines. Formatting must be idempotent, keep every comment, and keep every
value (the spec the loader builds is the same before and after).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.specs import parse_spec_text
from reconciler.specs.devices import luhn_complete
from reconciler.specs.dump import canonical
from reconciler.specs.fmt import format_text

# Strings a careless emitter would turn into something else: YAML 1.1 and 1.2 specials,
# indicators, comment-like text, dates, numbers with meaningful zeros.
TRICKY = [
    "no",
    "on",
    "yes",
    "off",
    "y",
    "N",
    "null",
    "~",
    "true",
    "1.0",
    "0o17",
    "0x1F",
    "1e3",
    ".inf",
    "2027-03-01",
    "12:30",
    "007",
    "a: b",
    "x #y",
    "#x",
    "-x",
    "[x]",
    "{x}",
    "*x",
    "&x",
    "!x",
    "%x",
    "@x",
    "`x`",
    "'x'",
    '"x"',
    "x,y",
    "Ünïcødé",
    "a\\b",
]
WORD = st.one_of(
    st.sampled_from(TRICKY),
    st.from_regex(r"[A-Za-z][A-Za-z0-9_.-]{0,20}", fullmatch=True),
)
COMMENT = st.from_regex(r"# [A-Za-z0-9 ,.:#'\"-]{0,30}", fullmatch=True).map(str.rstrip)


def plain_safe(text: str) -> bool:
    """A deliberately simple test of our own: letters first, then word characters only."""
    return (
        text[:1].isalpha()
        and all(c.isalnum() or c in "_.-" for c in text)
        and text.lower() not in {"no", "on", "yes", "off", "y", "n", "null", "true", "false"}
    )


def style(draw: st.DrawFn, text: str, *, force_quote: bool = False) -> str:
    choices = ["double", "single"] + ([] if force_quote or not plain_safe(text) else ["plain"])
    chosen = draw(st.sampled_from(choices))
    if chosen == "plain":
        return text
    if chosen == "single":
        return "'" + text.replace("'", "''") + "'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@st.composite
def windows(draw: st.DrawFn, min_len: int) -> list[tuple[int, int]]:
    items = draw(
        st.lists(
            st.integers(0, 24 - min_len).flatmap(
                lambda s: st.tuples(st.just(s), st.integers(s + min_len, 24))
            ),
            max_size=4,
            unique=True,
        )
    )
    return items


@st.composite
def specs(draw: st.DrawFn) -> tuple[str, list[str]]:
    """(spec text, the comments written into it)."""
    firmware = draw(st.booleans())
    comments: list[str] = []

    def comment_above(indent: str) -> list[str]:
        if draw(st.integers(0, 3)) == 0:
            text = draw(COMMENT)
            comments.append(text)
            return [indent + text]
        return []

    def end_comment() -> str:
        if draw(st.integers(0, 3)) == 0:
            text = draw(COMMENT)
            comments.append(text)
            return "  " + text
        return ""

    def scalar_entry(indent: str, key: str, value: str) -> list[str]:
        return [*comment_above(indent), f"{indent}{key}: {value}{end_comment()}"]

    def window_list(indent: str, key: str, items: list[tuple[int, int]]) -> list[str]:
        if not items:
            return []
        if draw(st.booleans()):
            flow = ", ".join(f"{{start: {s}, end: {e}}}" for s, e in items)
            return [*comment_above(indent), f"{indent}{key}: [{flow}]{end_comment()}"]
        lines = [*comment_above(indent), f"{indent}{key}:{end_comment()}"]
        for s, e in items:
            lines += comment_above(indent + "  ")
            lines.append(f"{indent}  - {{start: {s}, end: {e}}}{end_comment()}")
        return lines

    serials = draw(st.lists(st.integers(0, 10**6 - 1), min_size=1, max_size=6, unique=True))
    devices = [luhn_complete(f"35465809{n:06d}") for n in serials]
    package_key = "firmware" if firmware else "software"
    protocols = ["LWM2M", "OMA", "HTTP"] if firmware else ["OMA", "HTTP"]
    protocol_key = "protocol" if firmware else "distributionType"
    package = [
        f"  name: {style(draw, draw(WORD))}",
        f"  from: {style(draw, draw(WORD))}",
        f"  to: {style(draw, draw(WORD))}",
        f"  {protocol_key}: {draw(st.sampled_from(protocols))}",
    ]
    package = draw(st.permutations(package))
    schedule = ["  start: 2027-03-01", "  end: 2027-03-20"]
    if firmware:
        schedule += window_list("  ", "windows", draw(windows(4)))
    else:
        if draw(st.booleans()):
            schedule.append("  downloadAfter: 2027-03-02")
        schedule += window_list("  ", "downloadWindows", draw(windows(1)))
        if draw(st.booleans()):
            schedule.append("  installAfter: 2027-03-03")
        schedule += window_list("  ", "installWindows", draw(windows(1)))
    quoted = [style(draw, d, force_quote=True) for d in devices]
    if draw(st.booleans()):
        device_lines = [f"devices: [{', '.join(quoted)}]{end_comment()}"]
    else:
        device_lines = [f"devices:{end_comment()}"]
        for d in quoted:
            device_lines += comment_above("  ")
            device_lines.append(f"  - {d}{end_comment()}")
    blocks: list[list[str]] = [
        scalar_entry("", "apiVersion", "fota.reconciler/v1"),
        scalar_entry("", "kind", "FirmwareCampaign" if firmware else "SoftwareCampaign"),
        scalar_entry("", "account", style(draw, "0402196254-00001", force_quote=True)),
        scalar_entry("", "name", style(draw, draw(WORD))),
        [*comment_above(""), f"{package_key}:{end_comment()}", *package],
        [*comment_above(""), f"schedule:{end_comment()}", *schedule],
        [*comment_above(""), f"lifecycle:{end_comment()}", "  allowAbort: false"],
        device_lines,
    ]
    if firmware and draw(st.booleans()):
        blocks.append(scalar_entry("", "autoAddDevices", "true"))
    if draw(st.booleans()):
        blocks.append(scalar_entry("", "campaignId", style(draw, draw(WORD))))
    ordered = draw(st.permutations(blocks))
    header = [draw(COMMENT)] if draw(st.booleans()) else []
    comments += header
    text = "\n".join(header + [line for block in ordered for line in block]) + "\n"
    return text, comments


def _meaning(text: str) -> list[dict[str, Any]]:
    return [canonical(spec) for spec in parse_spec_text(text)]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_fmt_is_idempotent_keeps_comments_and_values(case: tuple[str, list[str]]) -> None:
    text, comments = case
    before = _meaning(text)  # the generated spec is valid
    out = format_text(text)
    assert format_text(out) == out
    assert _meaning(out) == before
    lines = [line.rstrip() for line in out.splitlines()]
    for comment, count in Counter(comments).items():
        assert sum(line.endswith(comment) for line in lines) >= count, (comment, out)
