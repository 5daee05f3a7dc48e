"""Two ``fota apply`` runs that do not share a lock directory (two working directories, or a
laptop and CI) against one server: every campaign ends up created once, and the race that
slips past the look-up before each POST is healed and reported in both the output and the
journal. The race is set up with an emulator hold, not timing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from reconciler.applier import read_journal
from reconciler.cli import main
from tests.cli.support import served, writes
from tests.reliability.support import CREATE, live_names, write_specs


def test_two_applies_without_a_shared_lock_end_with_one_campaign_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_specs(tmp_path, 3)
    with served(tmp_path, monkeypatch) as sim:
        hold = sim.emulator.hold("POST", "/api/fota/*")
        codes: dict[str, int] = {}

        def apply(tag: str) -> None:
            codes[tag] = main(
                [
                    "apply",
                    "specs",
                    "--auto-approve",
                    "--lock-dir",
                    f"{tag}/locks",
                    "--journal",
                    f"{tag}/journal.jsonl",
                ]
            )

        threads = [threading.Thread(target=apply, args=(tag,)) for tag in ("laptop", "ci")]
        for thread in threads:
            thread.start()
        try:
            assert hold.wait_reached(timeout=60, count=6), "both applies should create all 3"
        finally:
            hold.release()
            for thread in threads:
                thread.join(timeout=60)
        out, err = capsys.readouterr()
        assert codes == {"laptop": 0, "ci": 0}, err
        assert writes(sim)[CREATE] == 6  # the race happened ...
        assert live_names(sim) == ["camp-00", "camp-01", "camp-02"]  # ... and was healed
        assert "were created by racing applies: kept id" in out
        races = [
            e
            for tag in ("laptop", "ci")
            for e in read_journal(Path(tag) / "journal.jsonl")
            if e["event"] == "race" and "cancelled" in e
        ]
        assert {e["campaign"].split("/")[1] for e in races} == {"camp-00", "camp-01", "camp-02"}
        assert main(["apply", "specs", "--auto-approve"]) == 0
        assert "Nothing to apply." in capsys.readouterr().out
