"""Checks the schema cannot express, the mapping to the model, and checks across specs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.cli import main
from reconciler.errors import Problem
from reconciler.model import Kind, Lifecycle, OnImmutableChange, TimeWindow
from reconciler.specs import load_specs
from reconciler.specs.devices import imei_problem, invalid_indexes, luhn_complete
from tests.specs.spec_helpers import VALID_FIRMWARE, VALID_SOFTWARE, problems_of, replace, write

INLINE = 'devices:\n  - "354658090353977"\n'


def _one(tmp_path: Path, text: str, name: str = "s.yaml") -> Problem:
    (problem,) = problems_of(write(tmp_path, name, text))
    return problem


def test_valid_specs_map_to_the_model(tmp_path: Path) -> None:
    write(tmp_path, "fw.yaml", VALID_FIRMWARE)
    write(tmp_path, "sw.yaml", VALID_SOFTWARE)
    loaded = load_specs([str(tmp_path)])
    firmware, software = sorted(loaded.specs, key=lambda s: s.kind.value)
    assert firmware.kind is Kind.FIRMWARE
    assert firmware.key == ("0402196254-00001", "pilot")
    assert firmware.package.protocol == "LWM2M"
    assert firmware.schedule.start == date(2027, 3, 1)
    assert firmware.schedule.windows == (TimeWindow(18, 22),)
    assert firmware.lifecycle == Lifecycle()  # safe defaults when not written
    assert (firmware.auto_assign_license, firmware.auto_add_devices) == (False, False)
    assert firmware.source.line == 1
    assert software.kind is Kind.SOFTWARE
    assert software.package.protocol == "HTTP"
    assert software.schedule.download_after == date(2027, 4, 10)
    assert software.schedule.install_windows == (TimeWindow(2, 4),)
    assert (loaded.files, loaded.devices) == (2, 2)


def test_lifecycle_and_flags_are_explicit(tmp_path: Path) -> None:
    text = VALID_FIRMWARE + (
        "autoAssignLicense: true\nautoAddDevices: true\ncampaignId: f858b8c4\n"
        "lifecycle: {onImmutableChange: replace, allowAbort: true, allowDeviceRemoval: false}\n"
    )
    (spec,) = load_specs([str(write(tmp_path, "s.yaml", text))]).specs
    assert spec.lifecycle == Lifecycle(OnImmutableChange.REPLACE, True, False)
    assert (spec.auto_assign_license, spec.auto_add_devices) == (True, True)
    assert spec.campaign_id == "f858b8c4"


def test_end_before_start(tmp_path: Path) -> None:
    problem = _one(tmp_path, replace(VALID_FIRMWARE, "end: 2027-03-14", "end: 2027-02-28"))
    assert (problem.line, problem.col) == (12, 8)
    assert "schedule.end 2027-02-28 is before schedule.start 2027-03-01" in problem.message


def test_same_start_and_end_day_is_fine(tmp_path: Path) -> None:
    text = replace(VALID_FIRMWARE, "end: 2027-03-14", "end: 2027-03-01")
    assert load_specs([str(write(tmp_path, "s.yaml", text))]).specs


def test_impossible_calendar_date(tmp_path: Path) -> None:
    problem = _one(tmp_path, replace(VALID_FIRMWARE, "start: 2027-03-01", "start: 2027-02-29"))
    assert problem.line == 11
    assert "not a real calendar date" in problem.message


def test_date_pattern(tmp_path: Path) -> None:
    problem = _one(tmp_path, replace(VALID_FIRMWARE, "start: 2027-03-01", "start: 1 March"))
    assert problem.message == (
        "schedule.start: '1 March' is not a date: write it as YYYY-MM-DD, e.g. 2027-03-01"
    )


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        ("{start: 18, end: 21}", "is 3 hour(s) long; firmware campaign windows must be at least"),
        ("{start: 20, end: 18}", "ends at hour 18, not after it starts (hour 20)"),
        ("{start: 24, end: 24}", "schedule.windows[0].start must be between 0 and 23, not 24"),
        ("{start: 0, end: 0}", "schedule.windows[0].end must be between 1 and 24, not 0"),
        ("{start: 2}", "schedule.windows[0] is missing required key 'end'"),
    ],
)
def test_firmware_windows(tmp_path: Path, window: str, expected: str) -> None:
    problem = _one(tmp_path, replace(VALID_FIRMWARE, "{start: 18, end: 22}", window))
    assert problem.line == 14
    assert expected in problem.message


def test_software_windows_may_be_short_but_not_inverted(tmp_path: Path) -> None:
    assert load_specs([str(write(tmp_path, "ok.yaml", VALID_SOFTWARE))]).specs  # 2-hour window
    problem = _one(
        tmp_path, replace(VALID_SOFTWARE, "{start: 2, end: 4}", "{start: 4, end: 4}"), "bad.yaml"
    )
    assert (problem.line, "not after it starts" in problem.message) == (18, True)


def test_after_dates_must_fit_the_campaign(tmp_path: Path) -> None:
    text = replace(VALID_SOFTWARE, "installAfter: 2027-04-12", "installAfter: 2027-04-09")
    text = replace(text, "downloadAfter: 2027-04-10", "downloadAfter: 2027-05-01")
    problems = problems_of(write(tmp_path, "s.yaml", text))
    assert [p.line for p in problems] == [13, 16]
    assert "after schedule.end" in problems[0].message
    assert "before schedule.downloadAfter" in problems[1].message


def test_kind_specific_fields(tmp_path: Path) -> None:
    text = VALID_SOFTWARE + "autoAssignLicense: true\n"
    text = replace(text, "  downloadAfter:", "  windows: []\n  downloadAfter:")
    problems = problems_of(write(tmp_path, "s.yaml", text))
    assert [p.message for p in problems] == [
        "schedule.windows is not allowed in a SoftwareCampaign; "
        "use downloadWindows and installWindows",
        "autoAssignLicense is not allowed in a SoftwareCampaign; FirmwareCampaign only; remove it",
    ]


def test_kind_needs_its_package(tmp_path: Path) -> None:
    problem = _one(tmp_path, replace(VALID_FIRMWARE, "kind: FirmwareCampaign", "kind: Software"))
    assert problem.message == (
        "kind must be one of FirmwareCampaign, SoftwareCampaign, FirmwareUpgrade, not the "
        "string 'Software'; "
        "did you mean 'SoftwareCampaign'?"
    )
    text = replace(VALID_SOFTWARE, "kind: SoftwareCampaign", "kind: FirmwareCampaign")
    messages = [p.message for p in problems_of(write(tmp_path, "f.yaml", text))]
    assert "the document is missing required key 'firmware' (its kind needs it)" in messages


def test_account_rules(tmp_path: Path) -> None:
    number = _one(tmp_path, replace(VALID_FIRMWARE, '"0402196254-00001"', "0402196254"))
    assert number.message.startswith("account must be a string, not the number 402196254;")
    assert 'quote it: "0402196254"' in number.message
    assert "dropping leading zeros" in number.message
    short = _one(tmp_path, replace(VALID_FIRMWARE, "0402196254-00001", "402196254-1"), "b.yaml")
    assert "is not an account name" in short.message


def test_unknown_keys_each_reported_at_their_key(tmp_path: Path) -> None:
    text = replace(VALID_FIRMWARE, "  end: 2027-03-14", "  end: 2027-03-14\n  windos: []")
    problems = problems_of(write(tmp_path, "s.yaml", text + "colour: blue\n"))
    assert [(p.line, p.col, p.message) for p in problems] == [
        (13, 3, "unknown key 'windos' in schedule; did you mean 'windows'?"),
        (
            18,
            1,
            "unknown key 'colour'; allowed: account, apiVersion, autoAddDevices, "
            "autoAssignLicense, campaignId, devices, devicesFile, firmware, kind, lifecycle, "
            "name, schedule, software, upgradeId",
        ),
    ]


def test_unknown_api_version(tmp_path: Path) -> None:
    problem = _one(tmp_path, replace(VALID_FIRMWARE, "reconciler/v1", "reconciler/v9"))
    assert problem.message == (
        "unknown apiVersion 'fota.reconciler/v9': this release reads fota.reconciler/v1 only; "
        "set 'apiVersion: fota.reconciler/v1'"
    )


def test_every_problem_of_a_spec_at_once(tmp_path: Path) -> None:
    text = replace(VALID_FIRMWARE, "protocol: LWM2M", "protocol: lwm2m")
    text = replace(text, "end: 2027-03-14", "end: 2027-02-01")
    text = replace(text, '"354658090353977"', '"354658090353978"')
    problems = problems_of(write(tmp_path, "s.yaml", text))
    assert [p.line for p in problems] == [9, 12, 16]


def test_no_devices(tmp_path: Path) -> None:
    problem = _one(tmp_path, replace(VALID_FIRMWARE, INLINE, ""))
    assert problem.message == "the spec has no devices; add 'devices' (IMEIs) or 'devicesFile'"
    empty = _one(tmp_path, replace(VALID_FIRMWARE, INLINE, "devices: []\n"), "e.yaml")
    assert empty.message == "the spec has no devices; list at least one IMEI"


# --- IMEIs --------------------------------------------------------------------------------


@given(st.text(alphabet="0123456789", min_size=14, max_size=14))
def test_luhn_completed_imeis_are_valid(first14: str) -> None:
    imei = luhn_complete(first14)
    assert imei_problem(imei) is None
    wrong = imei[:14] + str((int(imei[14]) + 1) % 10)
    assert "invalid check digit" in str(imei_problem(wrong))


@given(
    st.lists(
        st.text("0123456789", min_size=14, max_size=14).map(luhn_complete)
        | st.text("0123456789", min_size=13, max_size=16)
        | st.text(max_size=16),
        max_size=30,
    )
)
def test_batch_imei_check_agrees_with_the_single_one(values: list[str]) -> None:
    expected = [k for k, value in enumerate(values) if imei_problem(value) is not None]
    assert invalid_indexes(values) == expected


@given(st.text(max_size=20))
def test_imei_problem_never_crashes(value: str) -> None:
    reason = imei_problem(value)
    assert reason is None or isinstance(reason, str)
    if reason is None:
        assert len(value) == 15 and value.isdigit()


def test_imei_check_digit_hint(tmp_path: Path) -> None:
    problem = _one(tmp_path, replace(VALID_FIRMWARE, "354658090353977", "354658090353971"))
    assert (problem.line, problem.col) == (16, 5)
    assert problem.message == (
        "IMEI 354658090353971 has an invalid check digit (Luhn): the last digit should be 7; "
        "check for a typo"
    )


def test_device_listed_twice_inline(tmp_path: Path) -> None:
    text = replace(VALID_FIRMWARE, INLINE, INLINE + '  - "354658090353977"\n')
    problem = _one(tmp_path, text)
    assert problem.line == 17
    assert "listed twice in this spec (first at" in problem.message


# --- devices files ------------------------------------------------------------------------


def _with_file(tmp_path: Path, name: str, content: str | bytes, column: str = "") -> Path:
    write(tmp_path, f"devices/{name}", content)
    ref = f"devicesFile:\n  path: devices/{name}\n" + (f"  column: {column}\n" if column else "")
    return write(tmp_path, "spec.yaml", replace(VALID_FIRMWARE, INLINE, ref))


def test_devices_file_plain(tmp_path: Path) -> None:
    imeis = [luhn_complete(f"35290611{n:06d}") for n in range(50)]
    path = _with_file(tmp_path, "f.txt", "# header\n\n" + "\n".join(f"  {i} " for i in imeis))
    (spec,) = load_specs([str(path)]).specs
    assert spec.devices == frozenset(imeis)


def test_devices_file_problems_point_into_the_file(tmp_path: Path) -> None:
    path = _with_file(
        tmp_path, "f.txt", "354658090353977\n\n12345\n354658090353976\n354658090353977\n"
    )
    problems = problems_of(path)
    shown = str(tmp_path / "devices" / "f.txt")
    assert [(p.path, p.line) for p in problems] == [(shown, 3), (shown, 4), (shown, 5)]


def test_devices_file_csv(tmp_path: Path) -> None:
    csv_text = 'mdn,imei,note\n5551234,354658090353977,"a, b"\n5551235, 354658090353985 ,\n'
    (spec,) = load_specs([str(_with_file(tmp_path, "f.csv", csv_text, "imei"))]).specs
    assert spec.devices == frozenset({"354658090353977", "354658090353985"})


def test_devices_file_csv_bad_row_and_column(tmp_path: Path) -> None:
    bad = problems_of(_with_file(tmp_path, "f.csv", "imei\n354658090353977\n\n12\n", "imei"))
    assert [(p.line, p.message) for p in bad] == [
        (4, "'12' is not an IMEI: an IMEI is exactly 15 digits")
    ]
    (missing,) = problems_of(_with_file(tmp_path, "g.csv", "IMEI,x\n", "imei"))
    assert missing.line == 16  # the spec's devicesFile.path line
    assert "has no column 'imei'; did you mean 'IMEI'?" in missing.message


def test_devices_file_missing_unreadable_and_not_utf8(tmp_path: Path) -> None:
    ref = "devicesFile: {path: devices/none.txt}\n"
    (missing,) = problems_of(write(tmp_path, "a.yaml", replace(VALID_FIRMWARE, INLINE, ref)))
    assert (missing.path, missing.line) == (str(tmp_path / "a.yaml"), 15)
    assert missing.message.endswith("devices/none.txt does not exist; check the path")
    (tmp_path / "devices" / "dir.txt").mkdir(parents=True)
    ref = "devicesFile: {path: devices/dir.txt}\n"
    (directory,) = problems_of(write(tmp_path, "b.yaml", replace(VALID_FIRMWARE, INLINE, ref)))
    assert "is a directory" in directory.message
    (latin,) = problems_of(_with_file(tmp_path, "l.txt", b"354658090353977\n\xff\n"))
    assert (latin.line, "not UTF-8" in latin.message) == (2, True)


def test_inline_and_file_devices_combine_and_collide(tmp_path: Path) -> None:
    write(tmp_path, "devices/f.txt", "354658090353985\n354658090353977\n")
    text = VALID_FIRMWARE + "devicesFile: {path: devices/f.txt}\n"
    (problem,) = problems_of(write(tmp_path, "s.yaml", text))
    assert (problem.path, problem.line) == (str(tmp_path / "devices" / "f.txt"), 2)
    assert "listed twice" in problem.message


# --- across specs -------------------------------------------------------------------------


def _spec(name: str, start: str, end: str, devices: list[str], account: str = "00001") -> str:
    text = replace(VALID_FIRMWARE, "name: pilot", f"name: {name}")
    text = replace(text, "-00001", f"-{account}")
    text = replace(text, "start: 2027-03-01", f"start: {start}")
    text = replace(text, "end: 2027-03-14", f"end: {end}")
    return replace(text, INLINE, "devices:\n" + "".join(f'  - "{d}"\n' for d in devices))


A, B, C = "354658090353977", "354658090353985", "354658090353993"


def test_names_unique_per_account(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", _spec("wave", "2027-01-01", "2027-01-31", [A]))
    write(tmp_path, "2.yaml", _spec("wave", "2027-02-01", "2027-02-28", [B]))
    write(tmp_path, "3.yaml", _spec("wave", "2027-02-01", "2027-02-28", [B], account="00002"))
    (problem,) = problems_of(tmp_path)
    assert (problem.path, problem.line) == (str(tmp_path / "2.yaml"), 4)
    assert "campaign name 'wave' is already used on account 0402196254-00001" in problem.message


def test_device_in_overlapping_campaigns_of_one_account(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", _spec("one", "2027-01-01", "2027-01-31", [A, B]))
    write(tmp_path, "2.yaml", _spec("two", "2027-01-31", "2027-02-28", [C, B, A]))
    write(tmp_path, "3.yaml", _spec("three", "2027-02-01", "2027-02-28", [A]))  # after "one"
    write(tmp_path, "4.yaml", _spec("four", "2027-01-01", "2027-01-31", [A], account="00002"))
    problems = problems_of(tmp_path)
    assert [(Path(p.path).name, p.line) for p in problems] == [("2.yaml", 18), ("3.yaml", 16)]
    assert problems[0].message.startswith("device 354658090353977 and 1 more also in campaign")
    assert "'one'" in problems[0].message and "2027-01-01..2027-01-31" in problems[0].message
    assert "campaign 'two'" in problems[1].message


def test_adopted_campaign_id_once(tmp_path: Path) -> None:
    write(tmp_path, "1.yaml", _spec("one", "2027-01-01", "2027-01-31", [A]) + "campaignId: x1\n")
    write(tmp_path, "2.yaml", _spec("two", "2027-03-01", "2027-03-31", [A]) + "campaignId: x1\n")
    (problem,) = problems_of(tmp_path)
    assert (Path(problem.path).name, problem.line) == ("2.yaml", 17)
    assert "campaignId x1 is already adopted" in problem.message


def test_shared_devices_file_is_read_once_and_checked_across(tmp_path: Path) -> None:
    write(tmp_path, "devices/f.txt", f"{A}\n{B}\n")
    for index, (start, end) in enumerate(
        [("2027-01-01", "2027-01-31"), ("2027-02-01", "2027-02-28")]
    ):
        text = _spec(f"w{index}", start, end, [C])
        write(
            tmp_path,
            f"{index}.yaml",
            replace(text, f'devices:\n  - "{C}"\n', "devicesFile: {path: devices/f.txt}\n"),
        )
    assert load_specs([str(tmp_path)]).devices == 4


def test_devices_file_must_stay_inside_the_spec_directory(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "link.txt").symlink_to(tmp_path / "secret.txt")
    for index, ref in enumerate(["../secret.txt", str(tmp_path / "secret.txt"), "link.txt"]):
        text = replace(VALID_FIRMWARE, INLINE, f"devicesFile: {{path: '{ref}'}}\n")
        (problem,) = problems_of(write(tmp_path, f"specs/{index}.yaml", text))
        assert problem.line == 15
        assert "must be a relative path inside the spec's directory" in problem.message
        assert "/bin/bash" not in problem.message


def test_long_garbage_is_not_echoed_in_full(tmp_path: Path) -> None:
    path = _with_file(tmp_path, "f.txt", "x" * 500 + "\n")
    (problem,) = problems_of(path)
    assert len(problem.message) < 100


def test_broken_yaml_symlink_in_a_spec_directory_is_a_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A dangling link must not let its spec drop out of the plan without a word."""
    write(tmp_path, "specs/a.yaml", VALID_FIRMWARE)
    link = tmp_path / "specs" / "b.yaml"
    link.symlink_to(tmp_path / "specs" / "moved-away.yaml")
    (problem,) = problems_of(tmp_path / "specs")
    assert (problem.path, problem.line, problem.col) == (str(link), 1, 1)
    assert problem.message.startswith("b.yaml is a broken symlink (to ")
    assert "moved-away.yaml" in problem.message and "fix the link or delete it" in problem.message
    assert main(["validate", str(tmp_path / "specs")]) == 1
    err = capsys.readouterr().err
    assert f"{link}:1:1: b.yaml is a broken symlink" in err


def test_only_a_broken_symlink_is_reported_as_such(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "only.yml").symlink_to(tmp_path / "nowhere.yml")
    (problem,) = problems_of(tmp_path / "specs")
    assert "is a broken symlink" in problem.message
