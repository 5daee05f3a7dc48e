"""``fota status`` end to end against the emulator: by campaign id and by specs, text and JSON
(golden files, regenerate with UPDATE_GOLDEN=1), the embedded default, clear refusals, no
secrets in output."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.cli import main
from reconciler.cli.progress import progress
from reconciler.cli.target import TargetOptions, open_target
from reconciler.model import CampaignSpec, Kind, Package, Schedule, TimeWindow
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.fleet import luhn_digit
from reconciler.sim.testing import RunningSim, running_sim
from reconciler.thingspace import Credentials, ThingSpaceClient
from reconciler.thingspace.wire import encode_create
from tests.golden import assert_golden

GOLDEN = Path(__file__).resolve().parent / "golden"
FW = "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657"
SECRET, PASSWORD = "status-test-secret", "status-test-password"
DEVICES = [f"3597{i:010d}" for i in range(40)]
DEVICES = [d + luhn_digit(d) for d in DEVICES]
OTHER_DEVICES = [d + luhn_digit(d) for d in ("35960000000001", "35960000000002")]
SPEC_YAML = """\
apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "{acc}"
name: {name}
firmware:
  name: {fw}
  from: SR1.2.0.0-10512
  to: SR1.2.0.0-10657
  protocol: LWM2M
schedule:
  start: 2026-03-03
  end: 2026-03-20
  windows:
    - {{start: 0, end: 24}}
devices:
{devices}
"""


def _golden(name: str, actual: str) -> None:
    assert_golden(GOLDEN / name, actual)


def _spec(name: str, devices: list[str]) -> CampaignSpec:
    return CampaignSpec(
        account=ACC,
        name=name,
        kind=Kind.FIRMWARE,
        package=Package(FW, "SR1.2.0.0-10512", "SR1.2.0.0-10657", "LWM2M"),
        schedule=Schedule(date(2026, 3, 3), date(2026, 3, 20), windows=(TimeWindow(0, 24),)),
        devices=frozenset(devices),
    )


@pytest.fixture
def sim(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    """A sim with one campaign whose devices have all finished (some failed), a week in."""
    with running_sim(client_secret=SECRET, password=PASSWORD, failure_rate=0.25) as running:
        creds = Credentials("demo-client", SECRET, "demo", PASSWORD)
        with ThingSpaceClient(running.url, creds) as c:
            c.create_campaign(ACC, Kind.FIRMWARE, encode_create(_spec("wave 1", DEVICES)))
        running.emulator.set_time(datetime(2026, 3, 10, 12, tzinfo=UTC))
        monkeypatch.setenv("FOTA_API_URL", running.url)
        monkeypatch.setenv("FOTA_CLIENT_ID", "demo-client")
        monkeypatch.setenv("FOTA_CLIENT_SECRET", SECRET)
        monkeypatch.setenv("FOTA_USERNAME", "demo")
        monkeypatch.setenv("FOTA_PASSWORD", PASSWORD)
        yield running


def _campaign_id(sim: RunningSim) -> str:
    (cid,) = sim.emulator.state.campaigns
    return str(cid)


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    for secret in (SECRET, PASSWORD):
        assert secret not in out + err
    return code, out, err


def test_status_by_id_text(sim: RunningSim, capsys: pytest.CaptureFixture[str]) -> None:
    cid = _campaign_id(sim)
    code, out, err = _run(["status", cid, "--account", ACC, "--failures", "3"], capsys)
    assert code == 0
    assert err == f"target: {sim.url}\n"  # no progress bar: stderr is not a terminal
    assert f"campaign {cid} 'wave 1' (firmware, account {ACC})" in out
    assert "  devices   40\n" in out
    _golden("status_by_id.txt", out.replace(sim.url, "URL"))


def test_status_by_id_json(sim: RunningSim, capsys: pytest.CaptureFixture[str]) -> None:
    cid = _campaign_id(sim)
    code, out, _ = _run(["status", cid, "--account", ACC, "--output", "json"], capsys)
    assert code == 0
    body = json.loads(out)
    (campaign,) = body["campaigns"]
    assert campaign["id"] == cid and campaign["devices"]["total"] == 40
    assert sum(campaign["devices"]["by_status"].values()) == 40
    failed = campaign["devices"]["by_status"].get("upgradeFailure", 0)
    assert campaign["failures"]["count"] == failed > 0
    assert len(campaign["failures"]["shown"]) == min(10, failed)
    _golden("status_by_id.json", out)


def test_status_of_a_software_campaign_text(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    creds = Credentials("demo-client", SECRET, "demo", PASSWORD)
    software = CampaignSpec(
        account=ACC,
        name="app 2",
        kind=Kind.SOFTWARE,
        package=Package("App_2", "1.0", "2.0", "HTTP"),
        schedule=Schedule(
            date(2026, 3, 12),
            date(2026, 3, 30),
            download_after=date(2026, 3, 13),
            download_windows=(TimeWindow(1, 3),),
            install_windows=(TimeWindow(4, 6), TimeWindow(20, 22)),
        ),
        devices=frozenset(OTHER_DEVICES),
    )
    with ThingSpaceClient(sim.url, creds) as c:
        cid = c.create_campaign(ACC, Kind.SOFTWARE, encode_create(software))["id"]
    code, out, _ = _run(["status", cid, "--account", ACC, "--kind", "software"], capsys)
    assert code == 0
    assert "  download  01-03 UTC, after 2026-03-13\n" in out
    _golden("status_software.txt", out)


def test_status_by_specs(
    sim: RunningSim, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = tmp_path / "campaigns"
    specs.mkdir()
    for name, devices in (("wave 1", DEVICES), ("wave 2", OTHER_DEVICES)):
        listed = "\n".join(f'  - "{d}"' for d in devices)
        text = SPEC_YAML.format(acc=ACC, name=name, fw=FW, devices=listed)
        (specs / f"{name.replace(' ', '-')}.yaml").write_text(text)
    code, out, err = _run(["status", str(specs), "--failures", "2"], capsys)
    assert code == 0, err
    out = out.replace(str(tmp_path), "TMP")
    assert "spec      TMP/campaigns/wave-1.yaml:" in out
    assert "spec 'wave 2' (account 0000123456-00001, TMP/campaigns/wave-2.yaml:1:1): no live" in out
    _golden("status_by_specs.txt", out)
    code, out, _ = _run(["status", str(specs), "--output", "json"], capsys)
    found = [c["found"] for c in json.loads(out)["campaigns"]]
    assert found == [True, False]


def test_status_in_the_embedded_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("FOTA_API_URL", "FOTA_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with open_target(TargetOptions(), announce=False) as target:
        assert target.embedded and target.description.startswith("embedded emulator")
        today = target.client.server_now().date()  # the embedded clock ticks in real time
        spec = _spec("emb", DEVICES[:3])
        spec = replace(
            spec,
            schedule=replace(
                spec.schedule, start=today + timedelta(days=7), end=today + timedelta(days=9)
            ),
        )
        cid = target.client.create_campaign(ACC, Kind.FIRMWARE, encode_create(spec))["id"]
    assert (tmp_path / ".fota" / "sim-state.db").exists()
    code, out, err = _run(["status", str(cid), "--account", ACC], capsys)
    assert code == 0
    assert err == "target: embedded emulator (.fota/sim-state.db)\n"
    assert f"campaign {cid} 'emb'" in out and "  devices   3\n" in out
    assert "  status    CampaignRequest" in out  # pending or queued: created a moment ago


def test_a_url_without_credentials_names_the_missing_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FOTA_CLIENT_ID", "x")
    monkeypatch.setenv("FOTA_USERNAME", "y")
    for name in ("FOTA_CLIENT_SECRET", "FOTA_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    code, out, err = _run(["status", "c-1", "--account", ACC, "--api-url", "http://x"], capsys)
    assert code == 1 and out == ""
    assert err == (
        "error: --api-url http://x needs the credentials in the environment: set "
        "FOTA_CLIENT_SECRET, FOTA_PASSWORD (or drop --api-url/FOTA_API_URL to use the embedded "
        "emulator)\n"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["status"], "error: fota status needs a campaign id (with --account) or spec files"),
        (["status", "c-1"], "error: fota status c-1: a campaign id needs --account ACCOUNT"),
        (["status", "nope-1", "nope-2"], "error: fota status: no such file or directory: nope-1"),
        (
            ["status", "c-1", "--account", ACC, "--api-url", "ftp://x"],
            "error: --api-url/FOTA_API_URL is not an http:// or https:// URL",
        ),
        (
            ["status", "c-1", "--account", ACC, "--api-url", "http://demo:hunter2pw@h:1"],
            "error: --api-url/FOTA_API_URL must not contain a user name or password",
        ),
        (
            ["status", "c-1", "--account", ACC, "--api-url", "http://h/?token=x"],
            "error: --api-url/FOTA_API_URL must not have a query",
        ),
        (
            ["status", "c-1", "--account", ACC, "--api-url", "http://[::1"],
            "error: --api-url/FOTA_API_URL has an invalid host or port",
        ),
        (
            ["status", "c-1", "--account", ACC, "--api-url", "http://h:abc"],
            "error: --api-url/FOTA_API_URL has an invalid host or port",
        ),
    ],
)
def test_refusals_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(argv, capsys)
    assert code == 1
    assert err.startswith(message) and err.count("\n") == 1
    assert "hunter2pw" not in err and "token=x" not in err


def test_the_target_line_shows_only_scheme_host_port_and_path(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = _campaign_id(sim)
    assert sim.url.startswith("http://")
    url = " HTTP" + sim.url.removeprefix("http") + "/"
    code, _, err = _run(["status", cid, "--account", ACC, "--api-url", url], capsys)
    assert code == 0
    assert err == f"target: {sim.url}\n"


def test_an_unknown_campaign_id_is_a_clear_error(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["status", "c-404", "--account", ACC], capsys)
    assert code == 1
    assert err.splitlines()[-1] == (
        f"error: campaign c-404 was not found in account {ACC} (firmware campaigns); check the "
        "id, --account and --kind"
    )


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The total grows as each report's first page states its size."""
    for stream in (_Tty(), io.StringIO()):
        monkeypatch.setattr(sys, "stderr", stream)
        monkeypatch.setattr(sys, "stdout", _Tty())
        with progress("reading device status", 0, "devices", quiet=False) as bar:
            bar.page(1000, 2500)
            bar.page(1000)
            shown = stream.getvalue().split("\r")[-1]
        if isinstance(stream, _Tty):
            assert "reading device status" in shown and "2000/2500" in shown, shown
            assert "80%" in shown and "devices/s" in shown, shown
        else:
            assert stream.getvalue() == ""


@pytest.mark.slow
def test_status_as_a_process(sim: RunningSim) -> None:
    cid = _campaign_id(sim)
    result = subprocess.run(
        [sys.executable, "-m", "reconciler", "status", cid, "--account", ACC, "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=os.environ.copy(),
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["campaigns"][0]["devices"]["total"] == 40
    assert SECRET not in result.stdout + result.stderr
