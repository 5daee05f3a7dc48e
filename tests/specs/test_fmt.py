"""``fota fmt``: the canonical layout, comments kept, values never changed, refusals.

Runs the command in process (``main``), on files under ``tmp_path``; the property tests at the
end generate specs written in many styles (tests/spec/test_fmt_properties.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.specs import parse_spec_text
from reconciler.specs.dump import canonical
from reconciler.specs.fmt import format_text

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "campaigns"

MESSY = """\
# yaml-language-server: $schema=../schemas/campaign-spec.schema.json
#
# The header stays on top.
kind: FirmwareCampaign   # the kind
apiVersion: fota.reconciler/v1
name: 'no'
account: "0402196254-00001"
# the package, quoted oddly
firmware: {name: "x #not a comment", from: '1.0', to: on,   protocol: LWM2M}

schedule:
  end: 2027-03-14
  start: 2027-03-01   # first day
  windows: [ {start: 18, end: 22},   # evening
     {start: 1, end: 5} ]  # night
lifecycle:
  allowAbort: false
devices: ["354658090353977",   # the first
  '354658090353985']
# the end
"""

CANONICAL = """\
# yaml-language-server: $schema=../schemas/campaign-spec.schema.json
#
# The header stays on top.
apiVersion: fota.reconciler/v1
kind: FirmwareCampaign  # the kind
account: "0402196254-00001"
name: "no"
# the package, quoted oddly
firmware:
  name: "x #not a comment"
  from: "1.0"
  to: "on"
  protocol: LWM2M

schedule:
  start: 2027-03-01  # first day
  end: 2027-03-14
  windows:
    - {start: 1, end: 5}  # night
    - {start: 18, end: 22}  # evening
lifecycle:
  allowAbort: false
devices:
  - "354658090353977"  # the first
  - "354658090353985"
# the end
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["fmt", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def meaning(text: str) -> list[object]:
    return [canonical(spec) for spec in parse_spec_text(text)]


def test_layout_is_canonical_and_every_comment_stays_with_its_entry() -> None:
    out = format_text(MESSY)
    assert out == CANONICAL
    assert format_text(out) == out
    assert meaning(out) == meaning(MESSY)


def test_values_keep_their_meaning_under_yaml_1_2_core() -> None:
    text = CANONICAL.replace('name: "no"', "name: '0o17'").replace('to: "on"', "to: !!str 2027")
    out = format_text(text)
    assert 'name: "0o17"' in out and 'to: "2027"' in out  # strings that look like numbers
    assert 'account: "0402196254-00001"' in out and "start: 2027-03-01" in out
    assert meaning(out) == meaning(text)


def test_aliases_are_written_out_and_mean_the_same() -> None:
    text = """\
apiVersion: fota.reconciler/v1
kind: SoftwareCampaign
account: "0402196254-00001"
name: night
software: {name: s, from: a, to: b, distributionType: HTTP}
schedule:
  start: 2027-04-10
  end: 2027-04-30
  downloadWindows: &nights [{start: 22, end: 24}, {start: 0, end: 4}]
  installWindows: *nights  # same as download
devices: ["356938035643809"]
"""
    out = format_text(text)
    assert "  installWindows:  # same as download\n    - {start: 0, end: 4}\n" in out
    assert meaning(out) == meaning(text)
    assert format_text(out) == out


def test_multi_document_files_and_crlf() -> None:
    doc = CANONICAL.replace(
        "# yaml-language-server: $schema=../schemas/campaign-spec.schema.json\n", ""
    )
    second = doc.replace('name: "no"', "name: second").replace("354658090353977", "356938035643809")
    second = second.replace("354658090353985", "356938035643817")
    text = (doc + "---\n" + second).replace("\n", "\r\n")
    out = format_text(text)
    assert "\r" not in out and out.count("\n---\n") == 1
    assert format_text(out) == out
    assert meaning(out) == meaning(text)


def test_examples_are_canonical(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--check", str(EXAMPLES))
    assert code == 0, out + err
    assert "ok: 4 file(s) already canonical" in out


def test_check_lists_files_that_would_change_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messy = tmp_path / "messy.yaml"
    messy.write_text(MESSY)
    tidy = tmp_path / "tidy.yaml"
    tidy.write_text(
        CANONICAL.replace('name: "no"', "name: tidy")
        .replace("354658090353977", "356938035643809")
        .replace("354658090353985", "356938035643817")
    )
    code, out, err = run(capsys, "--check", str(tmp_path))
    assert code == 1
    assert out.splitlines() == [f"would reformat {messy}"]
    assert "1 of 2 file(s) not in the canonical layout" in err
    assert messy.read_text() == MESSY

    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0 and f"formatted {messy}" in out and "1 file(s) formatted, 1 unchanged" in out
    assert messy.read_text() == CANONICAL
    code, out, _ = run(capsys, "--check", str(messy))
    assert code == 0


def test_diff_shows_the_change(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(EXAMPLES / "gm01q-lwm2m-pilot.yaml", tmp_path / "pilot.yaml")
    spec = tmp_path / "pilot.yaml"
    spec.write_text(
        spec.read_text()
        .replace("    - {start: 1, end: 5}\n", "")
        .replace(
            "    - {start: 18, end: 22}\n", "    - {start: 18, end: 22}\n    - {start: 1, end: 5}\n"
        )
    )
    code, out, _ = run(capsys, "--check", "--diff", str(spec))
    assert code == 1
    assert "-    - {start: 1, end: 5}\n" in out and "+    - {start: 1, end: 5}\n" in out


@pytest.mark.parametrize(
    "text",
    [
        "name: pilot\n",  # no apiVersion
        CANONICAL.replace('account: "0402196254-00001"', "account: 0402196254"),  # a number
        CANONICAL.replace("354658090353977", "354658090353978"),  # bad check digit
        CANONICAL + "  bad: [\n",  # a syntax error
    ],
)
def test_a_spec_that_does_not_validate_is_refused_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    other = tmp_path / "other.yaml"
    other.write_text(MESSY)
    code, out, err = run(capsys, str(tmp_path))
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert (
        line.startswith(f"error: {spec}:") and "fota fmt formats only specs that validate" in line
    )
    assert "Traceback" not in err
    assert spec.read_text() == text and other.read_text() == MESSY  # nothing written


def test_a_missing_path_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.yaml"))
    assert code == 1 and len(err.splitlines()) == 1 and "no such file" in err


def test_file_mode_is_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text(MESSY)
    spec.chmod(0o640)
    assert run(capsys, str(spec))[0] == 0
    assert spec.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["spec.yaml"]  # no temporary file left
