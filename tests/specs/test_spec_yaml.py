"""Bad YAML input: every class gets one clear problem naming file and line, never a traceback."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from reconciler.specs import MAX_DEVICES_FILE_BYTES, MAX_SPEC_FILE_BYTES, load_specs
from reconciler.specs.yamlcore import Document, load_documents
from tests.specs.spec_helpers import VALID_FIRMWARE, problems_of, replace, write


def _doc(text: str) -> Document:
    (doc,) = list(load_documents(text))
    assert isinstance(doc, Document), doc
    return doc


def test_core_schema_resolution_keeps_yes_no_and_dates_as_strings() -> None:
    doc = _doc(
        "a: yes\nb: no\nc: on\nd: off\ne: 2027-03-01\nf: true\ng: FALSE\nh: ~\ni:\n"
        "j: 0o17\nk: 0x1F\nl: 012\nm: 1.5e3\nn: .inf\no: 0402196254-00001\np: '5'\n"
    )
    assert doc.data == {
        "a": "yes",
        "b": "no",
        "c": "on",
        "d": "off",
        "e": "2027-03-01",
        "f": True,
        "g": False,
        "h": None,
        "i": None,
        "j": 15,
        "k": 31,
        "l": 12,
        "m": 1500.0,
        "n": float("inf"),
        "o": "0402196254-00001",
        "p": "5",
    }


def test_marks_point_at_values_and_keys() -> None:
    doc = _doc("top:\n  list:\n    - x\n    -   y\n")
    assert (doc.mark(("top", "list", 1)).line, doc.mark(("top", "list", 1)).col) == (4, 9)
    assert (doc.key_mark(("top", "list")).line, doc.key_mark(("top", "list")).col) == (2, 3)


def test_malformed_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", "apiVersion: fota.reconciler/v1\nname: [unclosed\n")
    (problem,) = problems_of(path)
    assert problem.path == str(path)
    assert problem.line == 3
    assert problem.message.startswith("invalid YAML:")


def test_tab_indentation_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "tab.yaml", "apiVersion: fota.reconciler/v1\nschedule:\n\tstart: x\n")
    (problem,) = problems_of(path)
    assert (problem.line, problem.message.startswith("invalid YAML")) == (3, True)


def test_control_characters_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "ctl.yaml", "apiVersion: fota.reconciler/v1\nname: a\x07b\n")
    (problem,) = problems_of(path)
    assert problem.line == 2
    assert "invalid YAML" in problem.message


def test_non_utf8_file_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "latin1.yaml", b"apiVersion: fota.reconciler/v1\nname: caf\xe9\n")
    (problem,) = problems_of(path)
    assert (problem.line, problem.col) == (2, 10)
    assert "not UTF-8" in problem.message


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.yaml", b"\xef\xbb\xbf" + VALID_FIRMWARE.encode())
    assert len(load_specs([str(path)]).specs) == 1


def test_empty_and_comment_only_files(tmp_path: Path) -> None:
    empty = write(tmp_path, "a.yaml", "")
    comments = write(tmp_path, "b.yaml", "# nothing here yet\n---\n")
    problems = problems_of(empty, comments)
    assert [(p.path, p.line) for p in problems] == [(str(empty), 1), (str(comments), 1)]
    assert all("file is empty" in p.message for p in problems)


def test_document_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", "- apiVersion\n- kind\n")
    (problem,) = problems_of(path)
    assert "must be a mapping" in problem.message


def test_unsupported_tags_are_refused_not_constructed(tmp_path: Path) -> None:
    text = replace(VALID_FIRMWARE, "name: pilot", "name: !!python/object/apply:os.system [id]")
    path = write(tmp_path, "tag.yaml", text)
    (problem,) = problems_of(path)
    assert problem.line == 4
    assert "YAML tag !!python/object/apply:os.system is not supported" in problem.message


def test_local_tags_timestamps_and_sets_are_refused(tmp_path: Path) -> None:
    for index, value in enumerate(["!custom x", "!!timestamp 2027-01-01", "!!set {a: null}"]):
        path = write(tmp_path, f"t{index}.yaml", replace(VALID_FIRMWARE, "pilot", value))
        (problem,) = problems_of(path)
        assert "is not supported" in problem.message, value


def test_core_tags_are_honoured(tmp_path: Path) -> None:
    text = replace(VALID_FIRMWARE, '  - "354658090353977"', "  - !!str 354658090353977")
    text = replace(text, "start: 18", "start: !!int '18'")
    spec = load_specs([str(write(tmp_path, "ok.yaml", text))]).specs[0]
    assert spec.devices == frozenset({"354658090353977"})
    assert spec.schedule.windows[0].start == 18


def test_bad_core_tag_value(tmp_path: Path) -> None:
    path = write(tmp_path, "t.yaml", replace(VALID_FIRMWARE, "start: 18", "start: !!int abc"))
    (problem,) = problems_of(path)
    assert "'abc' is not a valid int" in problem.message


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.yaml", VALID_FIRMWARE + "name: other\n")
    (problem,) = problems_of(path)
    assert (problem.line, problem.message) == (
        17,
        "duplicate key 'name' (first at line 4); keep only one",
    )


def test_non_string_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "key.yaml", VALID_FIRMWARE + "1: one\n")
    (problem,) = problems_of(path)
    assert problem.line == 17
    assert "must be a plain string" in problem.message


def test_alias_bomb_is_refused_with_flat_memory(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 12):  # 10**12 nodes if expanded
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    path = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    tracemalloc.start()
    try:
        (problem,) = problems_of(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "alias bomb" in problem.message
    assert problem.line <= 12
    assert peak < 20 * 1024 * 1024, peak


def test_small_aliases_are_fine(tmp_path: Path) -> None:
    text = replace(VALID_FIRMWARE, "  windows:\n", "  windows: &w\n")
    text += "lifecycle: {allowAbort: false}\n"
    spec = load_specs([str(write(tmp_path, "alias.yaml", text))]).specs[0]
    assert spec.schedule.windows[0].end == 22


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "rec.yaml", "a: &a [1, *a]\n")
    (problem,) = problems_of(path)
    assert "recursive alias" in problem.message


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 200_000 + "]" * 200_000 + "\n",  # crashed libyaml's composer (C stack)
        "a: " + "[" * 200_000 + "\n",  # and unclosed
        "a: " + "{a: " * 100_000 + "\n",
        "- " * 200_000 + "x\n",
        "".join(" " * i + "-\n" for i in range(1200)),  # block nesting, 720 kB
    ],
    ids=["flow", "unclosed", "mappings", "compact", "block"],
)
def test_deep_nesting_is_refused_before_composing(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "deep.yaml", text)
    (problem,) = problems_of(path)
    assert "nested more than 100 levels deep" in problem.message


def test_moderate_nesting_is_an_ordinary_problem(tmp_path: Path) -> None:
    path = write(tmp_path, "deep.yaml", "a: " + "[" * 90 + "]" * 90 + "\n" + "- x\n" * 1000)
    (problem,) = problems_of(path)
    assert problem.message.startswith("invalid YAML")


def test_spec_file_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.yaml", VALID_FIRMWARE)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write("#" * MAX_SPEC_FILE_BYTES + "\n")
    (problem,) = problems_of(path)
    assert "over the 1,048,576-byte limit" in problem.message


def test_devices_file_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with open(big, "wb") as handle:
        handle.truncate(MAX_DEVICES_FILE_BYTES + 1)  # sparse: costs no disk
    text = replace(
        VALID_FIRMWARE, 'devices:\n  - "354658090353977"\n', "devicesFile: {path: big.txt}\n"
    )
    (problem,) = problems_of(write(tmp_path, "s.yaml", text))
    assert "over the 33,554,432-byte limit" in problem.message
    assert problem.line == 15


def test_missing_paths_and_empty_directories(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    problems = problems_of(tmp_path / "nope.yaml", tmp_path / "empty")
    messages = sorted(p.message for p in problems)
    assert messages == [
        "directory has no *.yaml or *.yml spec files",
        "no such file or directory; check the path",
    ]


def test_directories_are_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    def on_account(number: int) -> str:  # one account each: the same device, no overlap
        return replace(VALID_FIRMWARE, "-00001", f"-0000{number}")

    write(tmp_path, "b/one.yml", on_account(1))
    write(tmp_path, "a/z.yaml", on_account(2))
    write(tmp_path, "a/notes.txt", "not a spec")
    write(tmp_path, ".hidden/x.yaml", "garbage: [")
    write(tmp_path, "a/deeper/c.yaml", on_account(3))
    loaded = load_specs([str(tmp_path), str(tmp_path / "a" / "z.yaml")])
    assert loaded.files == 3
    assert [s.source.path for s in sorted(loaded.specs, key=lambda s: s.source.path)] == [
        os.path.join(str(tmp_path), "a", "deeper", "c.yaml"),
        os.path.join(str(tmp_path), "a", "z.yaml"),
        os.path.join(str(tmp_path), "b", "one.yml"),
    ]


def test_syntax_error_after_good_documents_keeps_earlier_problems(tmp_path: Path) -> None:
    bad_first = replace(VALID_FIRMWARE, "protocol: LWM2M", "protocol: LWM3M")
    path = write(tmp_path, "multi.yaml", bad_first + "---\nname: [\n")
    problems = problems_of(path)
    assert [p.line for p in problems] == [9, 19]


def test_messages_stay_one_short_line_whatever_the_input(tmp_path: Path) -> None:
    long = "k" * 10_000
    text = VALID_FIRMWARE + f"{long}: 1\n" + f"campaignId: !!int {long}\n"
    text = replace(text, "name: pilot", f"name: {long}")
    problems = problems_of(write(tmp_path, "long.yaml", text))
    assert problems
    assert all(len(p.message) < 300 and "\n" not in p.message for p in problems)


def test_fifos_are_refused_not_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    os.mkfifo(tmp_path / "pipe.txt")
    text = replace(
        VALID_FIRMWARE, 'devices:\n  - "354658090353977"\n', "devicesFile: {path: pipe.txt}\n"
    )
    spec = write(tmp_path, "spec.yaml", text)
    problems = problems_of(tmp_path / "pipe.yaml", spec)
    assert [p.message for p in problems] == [
        "not a regular file; name a spec file",
        f"devices file {tmp_path / 'pipe.txt'} is not a regular file",
    ]
