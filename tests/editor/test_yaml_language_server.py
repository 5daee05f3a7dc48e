"""Editor support in a user's own repository, checked with a real yaml-language-server over LSP.

The user's repository is a temporary directory outside this one: ``fota schema --out`` writes
the schema there and each spec's modeline points at it, as docs/EDITORS.md says. The server
then gives what an editor shows: diagnostics with our messages, hover with the Markdown
descriptions, and completion whose new-spec snippet expands to a spec ``fota validate`` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from reconciler.cli import main
from tests.editor.lsp import LspClient

ROOT = Path(__file__).resolve().parents[2]
MODELINE = "# yaml-language-server: $schema=campaign-spec.schema.json\n"
SETTINGS = {
    "yaml": {
        "validate": True,
        "hover": True,
        "completion": True,
        "format": {"enable": False},
        "schemaStore": {"enable": False},  # no network: only the modeline's schema
    }
}
PILOT = (ROOT / "examples" / "campaigns" / "gm01q-lwm2m-pilot.yaml").read_text("utf-8")


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A user's repository (not this one) with the schema written by ``fota schema``."""
    campaigns = tmp_path / "user-repo" / "campaigns"
    assert not str(campaigns).startswith(str(ROOT))
    assert main(["schema", "--out", str(campaigns / "campaign-spec.schema.json")]) == 0
    capsys.readouterr()
    return campaigns


@pytest.fixture
def server(yaml_language_server: list[str], repo: Path) -> Iterator[LspClient]:
    client = LspClient(yaml_language_server, repo.parent, SETTINGS)
    try:
        yield client
    finally:
        client.close()


def _user_spec(body: str) -> str:
    """The pilot example as a user's file: our modeline instead of the one into this repo."""
    lines = [line for line in body.splitlines(keepends=True) if "yaml-language-server" not in line]
    return MODELINE + "".join(lines)


def _line_of(text: str, start: str) -> int:
    return next(i for i, line in enumerate(text.splitlines()) if line.startswith(start))


def test_a_valid_spec_has_no_diagnostics(server: LspClient, repo: Path) -> None:
    path = repo / "pilot.yaml"
    text = _user_spec(PILOT)
    path.write_text(text, "utf-8")
    assert server.diagnostics(server.open(path, text)) == []


def test_diagnostics_carry_our_messages_on_the_right_lines(server: LspClient, repo: Path) -> None:
    text = _user_spec(PILOT).replace('account: "0402196254-00001"', 'account: "12345"')
    text = text.replace("  protocol: LWM2M", "  protocl: LWM2M")
    path = repo / "broken.yaml"
    path.write_text(text, "utf-8")
    found = server.diagnostics(server.open(path, text))
    by_line = {d["range"]["start"]["line"]: d["message"] for d in found}
    assert "is not an account name" in by_line.get(_line_of(text, "account:"), ""), found
    assert "protocl" in by_line.get(_line_of(text, "  protocl:"), ""), found
    assert any("protocol" in d["message"] for d in found), found  # the required key is missing


def test_hover_shows_the_markdown_description(server: LspClient, repo: Path) -> None:
    text = _user_spec(PILOT)
    path = repo / "pilot.yaml"
    path.write_text(text, "utf-8")
    uri = server.open(path, text)
    shown = server.hover(uri, _line_of(text, "schedule:"), 2)
    assert "The only part of a live campaign the API can change" in shown, shown
    shown = server.hover(uri, _line_of(text, "  allowAbort:"), 4)
    assert "`--allow-abort`" in shown, shown


def _expand(snippet: str) -> str:
    """What an editor inserts when the user accepts every placeholder's default."""
    text = re.sub(r"\$\{\d+:([^}]*)\}", r"\1", snippet)
    return re.sub(r"\$\d+", "", text)


@pytest.mark.parametrize("kind", ["FirmwareCampaign", "SoftwareCampaign"])
def test_completion_in_a_new_file_writes_a_valid_skeleton(
    server: LspClient, repo: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo / "new.yaml"
    uri = server.open(path, MODELINE)
    items = server.completion(uri, 1, 0)
    snippet = next((item for item in items if item["label"] == kind), None)
    assert snippet is not None, [item["label"] for item in items]
    inserted = snippet.get("textEdit", {}).get("newText") or snippet["insertText"]
    path.write_text(MODELINE + _expand(inserted), "utf-8")
    assert main(["validate", str(path)]) == 0, capsys.readouterr().err
    assert "ok: 1 file, 1 campaign, 1 device" in capsys.readouterr().out


def test_completion_offers_enum_values_with_the_default_first_class(
    server: LspClient, repo: Path
) -> None:
    text = _user_spec(PILOT).replace("  onImmutableChange: refuse\n", "  onImmutableChange: \n")
    path = repo / "pilot.yaml"
    path.write_text(text, "utf-8")
    uri = server.open(path, text)
    line = _line_of(text, "  onImmutableChange:")
    labels = {item["label"] for item in server.completion(uri, line, len("  onImmutableChange: "))}
    assert {"refuse", "replace"} <= labels, labels
