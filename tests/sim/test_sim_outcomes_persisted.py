"""Misbehaving firmware packages are kept in the emulator's state file: a restart with the same
state keeps them, giving them again replaces them, ``--clear`` (or an empty set) clears them;
``fota sim outcomes`` sets them on a served emulator (``/_sim/outcomes``) and on the embedded
default under ``.fota/``, where a staged rollout then halts on the reverted image end to end."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from reconciler.cli import main
from reconciler.sim.app import Emulator, SimOptions
from reconciler.sim.outcomes import PackageOutcomes
from reconciler.sim.testing import running_sim
from tests.cli.support import FW_NAME
from tests.cli.test_rollout import rollout_yaml

BAD = PackageOutcomes({FW_NAME: 0.5}, frozenset({"other-package"}))


def restart(path: Path, outcomes: PackageOutcomes | None = None) -> PackageOutcomes:
    """The outcomes an emulator started on ``path`` (with ``outcomes``, or none given) has."""
    emulator = Emulator(SimOptions(state_path=path, outcomes=outcomes))
    try:
        return emulator.outcomes
    finally:
        emulator.close()


def test_a_restart_keeps_them_and_giving_them_again_replaces_them(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    assert restart(path, BAD) == BAD
    assert restart(path) == BAD  # same --state, no option: kept
    other = PackageOutcomes(failing=frozenset({FW_NAME}))
    assert restart(path, other) == other  # given again: replaced, not merged
    assert restart(path) == other
    assert restart(path, PackageOutcomes()) == PackageOutcomes()  # an empty set clears
    assert restart(path) == PackageOutcomes()


def test_a_state_from_before_they_were_kept_has_none(tmp_path: Path) -> None:
    path = tmp_path / "sim.db"
    restart(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM meta WHERE key = 'outcomes'")
    assert restart(path) == PackageOutcomes()


def test_the_served_admin_route_and_the_command_set_them_in_the_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "sim.db"
    with running_sim(state_path=path) as sim:
        assert httpx.get(f"{sim.url}/_sim/outcomes").json() == {"reverted": {}, "failing": []}
        bad = httpx.put(f"{sim.url}/_sim/outcomes", json={"reverted": {"p": 2}})
        assert bad.status_code == 400 and "between 0 and 1" in bad.text
        revert = f"{FW_NAME}=0.5"
        assert main(["sim", "outcomes", "--url", sim.url, "--revert-package", revert]) == 0
        assert f"reverts after boot: {FW_NAME} (0.5 of devices)" in capsys.readouterr().out
    assert restart(path) == PackageOutcomes({FW_NAME: 0.5})  # it was written to the state
    with running_sim(state_path=path) as sim:  # started again without the option
        assert main(["sim", "outcomes", "--url", sim.url]) == 0
        assert f"reverts after boot: {FW_NAME}" in capsys.readouterr().out
        assert main(["sim", "outcomes", "--url", sim.url, "--clear"]) == 0
        assert capsys.readouterr().out.strip() == "every package behaves"
    assert restart(path) == PackageOutcomes()
    assert main(["sim", "outcomes", "--clear", "--fail-package", "x"]) == 1
    assert "give --clear alone" in capsys.readouterr().err


def test_the_embedded_default_reverts_a_rollout_canary_and_the_rollout_halts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("FOTA_API_URL", "FOTA_CLIENT_ID", "FOTA_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name in ("FOTA_USERNAME", "FOTA_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert main(["sim", "clock", "set", "2026-03-02T09:00:00Z"]) == 0
    assert main(["sim", "clock", "freeze"]) == 0
    assert main(["sim", "outcomes", "--revert-package", FW_NAME]) == 0
    out = capsys.readouterr().out
    assert f"reverts after boot: {FW_NAME} (1 of devices)" in out
    assert main(["sim", "outcomes"]) == 0  # another process: read back from .fota/
    assert f"reverts after boot: {FW_NAME}" in capsys.readouterr().out

    Path("rollout.yaml").write_text(rollout_yaml())
    assert main(["apply", "rollout.yaml", "--auto-approve"]) == 0
    assert main(["sim", "clock", "advance", "1d1h"]) == 0
    capsys.readouterr()
    assert main(["apply", "rollout.yaml", "--auto-approve"]) == 1
    out = capsys.readouterr().out
    assert "R-ROLLOUT-HALT" in out
    # every device that reports success runs the old firmware (the embedded default's failure
    # rate, 10%, leaves a device retrying)
    assert "of them reported success on the old firmware; 0/10 verified" in out
