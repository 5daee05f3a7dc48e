"""``fota apply`` end to end: the CLI (``reconciler.cli.main``) against the emulator on a
loopback port, with the demo credentials in the environment and the emulator's clock driven
by the test (never slept on)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from reconciler.applier import read_journal
from reconciler.cli import main
from reconciler.model import Kind
from reconciler.sim.faults import FaultRule
from reconciler.sim.fleet import DEFAULT_ACCOUNT as ACC
from reconciler.sim.testing import RunningSim, running_sim
from reconciler.thingspace import Credentials, ThingSpaceClient
from tests.cli.support import (
    CREATE,
    DATES,
    DELETE,
    DEVICES,
    FW_NAME,
    campaigns,
    run,
    spec_yaml,
    writes,
)


@pytest.fixture
def sim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSim]:
    # failure_rate=1.0: device firmware never moves, so no device becomes ineligible for a
    # replacement because the campaign it replaces already upgraded it.
    with running_sim(failure_rate=1.0) as running:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("FOTA_API_URL", running.url)
        monkeypatch.setenv("FOTA_CLIENT_ID", "demo-client")
        monkeypatch.setenv("FOTA_CLIENT_SECRET", "demo-secret")
        monkeypatch.setenv("FOTA_USERNAME", "demo")
        monkeypatch.setenv("FOTA_PASSWORD", "demo-password")
        monkeypatch.delenv("NO_COLOR", raising=False)
        (tmp_path / "specs").mkdir()
        yield running


def write_spec(name: str, text: str) -> Path:
    path = Path("specs") / f"{name}.yaml"
    path.write_text(text)
    return path




def test_saved_plan_creates_then_the_second_apply_does_nothing(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("wave-a"))
    write_spec("b", spec_yaml("wave-b", devices=DEVICES[3:]))
    code, _, _ = run(capsys, "plan", "specs", "--out", "plan.json")
    assert code == 0
    code, out, err = run(capsys, "apply", "plan.json")
    assert code == 0, err
    assert f"+ {ACC}/wave-a: created: id " in out
    assert "apply: 2 ok, 0 partial, 0 refused, 0 failed, 0 skipped" in out
    assert writes(sim) == {CREATE: 2}
    code, out, _ = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 0 and "Nothing to apply." in out
    assert writes(sim) == {CREATE: 2}
    # Applying the same saved plan again is refused: the campaigns exist now.
    code, _, err = run(capsys, "apply", "plan.json")
    assert code == 1 and "plan.json is stale" in err and f"{ACC}/wave-a" in err
    assert writes(sim) == {CREATE: 2}


def test_a_plan_saved_while_queued_applies_once_the_campaign_is_scheduled(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("settling"))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0  # CampaignRequestPending
    write_spec("a", spec_yaml("settling", end="2026-03-25"))
    assert run(capsys, "plan", "specs", "--out", "plan.json")[0] == 0
    (entry,) = json.loads(Path("plan.json").read_text())["campaigns"]
    assert entry["live_status"] == "CampaignRequestQueued" and entry["outcome"] == "change"
    code, out, err = run(capsys, "apply", "plan.json")  # its re-read sees CampaignScheduled
    assert code == 0, out + err
    assert f"~ {ACC}/settling: schedule updated (CampaignScheduled)" in out
    assert writes(sim) == {CREATE: 1, DATES: 1}


def test_a_plan_made_for_one_campaign_applies_without_a_false_stale(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("wave-a"))
    write_spec("b", spec_yaml("wave-b", devices=DEVICES[3:]))
    assert run(capsys, "plan", "specs", "--campaign", "wave-b", "--out", "plan.json")[0] == 0
    code, out, err = run(capsys, "apply", "plan.json")
    assert code == 0, out + err
    assert f"+ {ACC}/wave-b: created" in out and "wave-a" not in out
    assert writes(sim) == {CREATE: 1}
    assert campaigns(sim, "wave-a") == []
    # The filter is re-checked like the rest: the other spec's edit makes the plan stale.
    assert run(capsys, "plan", "specs", "--campaign", "wave-a", "--out", "plan.json")[0] == 0
    write_spec("b", spec_yaml("wave-b", devices=DEVICES[3:], end="2026-03-22"))
    code, _, err = run(capsys, "apply", "plan.json")
    assert code == 1 and "the specs changed since it was planned" in err
    assert writes(sim) == {CREATE: 1}


def test_stale_plan_is_refused_after_an_out_of_band_change(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("drifty"))
    write_spec("b", spec_yaml("steady", devices=DEVICES[3:]))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    write_spec("a", spec_yaml("drifty", end="2026-03-25"))
    write_spec("b", spec_yaml("steady", devices=DEVICES[3:], end="2026-03-26"))
    assert run(capsys, "plan", "specs", "--out", "plan.json")[0] == 0
    (cid,) = [c["id"] for c in campaigns(sim, "drifty")]
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:  # someone in the portal
        body = {"startDate": "2026-03-10", "endDate": "2026-03-22", "campaignTimeWindowList": []}
        client.update_schedule(ACC, Kind.FIRMWARE, cid, body)
    before = writes(sim)
    code, _out, err = run(capsys, "apply", "plan.json")
    assert code == 1
    assert f"the plan for {ACC}/drifty is no longer" in err and "nothing was applied" in err
    assert "steady" not in err.split("is no longer")[0].split("the plan for")[1]
    assert writes(sim) == before  # not even the unaffected campaign was touched


def test_edited_spec_makes_the_saved_plan_stale(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("edited"))
    assert run(capsys, "plan", "specs", "--out", "plan.json")[0] == 0
    write_spec("a", spec_yaml("edited", end="2026-03-21"))
    code, _, err = run(capsys, "apply", "plan.json")
    assert code == 1 and "the specs changed since it was planned" in err
    assert writes(sim) == {}


def rule_ids(out: str) -> set[str]:
    """Every rule id the output names (an id that merely starts like another does not pass)."""
    return set(re.findall(r"\bR-[A-Z0-9]+(?:-[A-Z0-9]+)*\b", out))


def test_after_start_a_window_add_is_applied_and_a_removal_refused(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("windows", windows=((18, 22),)))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    sim.emulator.set_time(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))  # running
    write_spec("a", spec_yaml("windows", windows=((18, 22), (2, 6))))
    assert run(capsys, "plan", "specs", "--out", "plan.json")[0] == 0
    code, out, err = run(capsys, "apply", "plan.json")
    assert code == 0, err
    assert f"~ {ACC}/windows: schedule updated" in out
    assert writes(sim)[DATES] == 1
    write_spec("a", spec_yaml("windows", windows=((2, 6),)))
    code, out, err = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 1
    assert rule_ids(out) == {"R-WINDOW-NO-REMOVE"}
    assert "refused by" in out and "not executed" in out
    assert writes(sim)[DATES] == 1


def test_end_date_inside_24h_is_refused_and_a_later_one_applied(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("ending"))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    sim.emulator.set_time(datetime(2026, 3, 12, 6, 0, tzinfo=UTC))
    write_spec("a", spec_yaml("ending", end="2026-03-13"))  # 00:00Z 13th < now + 24h
    code, out, _ = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 1 and rule_ids(out) == {"R-END-MIN-24H"}
    assert DATES not in writes(sim)
    write_spec("a", spec_yaml("ending", end="2026-03-14"))
    code, out, err = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 0, out + err
    assert writes(sim)[DATES] == 1


def test_saved_plan_that_time_made_illegal_is_refused(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("clocked"))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    sim.emulator.set_time(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    write_spec("a", spec_yaml("clocked", end="2026-03-13"))  # fine now: 13th >= now + 24h
    assert run(capsys, "plan", "specs", "--out", "plan.json")[0] == 0
    sim.emulator.advance(timedelta(hours=16))  # 12th 01:00: now + 24h passes the 13th
    code, _, err = run(capsys, "apply", "plan.json")
    assert code == 1 and "stale" in err and f"{ACC}/clocked" in err
    assert DATES not in writes(sim)


def test_replacement_needs_the_opt_in_and_abort_needs_the_flag(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("fw"))
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    write_spec("a", spec_yaml("fw", to="SR1.2.0.0-10700"))  # immutable change, no opt-in
    code, out, _ = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 1 and "R-IMMUTABLE" in out
    assert writes(sim) == {CREATE: 1}
    write_spec("a", spec_yaml("fw", to="SR1.2.0.0-10700", on_immutable_change="replace"))
    code, out, err = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 0, out + err
    assert f"- {ACC}/fw: cancelled (CampaignCancelled)" in out
    assert writes(sim) == {CREATE: 2, DELETE: 1}
    statuses = sorted(c["status"] for c in campaigns(sim, "fw"))
    assert statuses == ["CampaignCancelled", "CampaignRequestPending"]
    # After the start, replacing means aborting: the spec allows it, the command line must too.
    sim.emulator.set_time(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    write_spec(
        "a",
        spec_yaml(
            "fw",
            start="2026-03-12",
            to="SR1.2.0.0-10800",
            on_immutable_change="replace",
            allow_abort=True,
        ),
    )
    code, out, _ = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 1
    assert f"! {ACC}/fw: abort refused: abort needs --allow-abort" in out
    assert f"! {ACC}/fw: create skipped" in out
    assert writes(sim) == {CREATE: 2, DELETE: 1}
    code, out, err = run(capsys, "apply", "specs", "--auto-approve", "--allow-abort")
    assert code == 0, out + err
    assert writes(sim) == {CREATE: 3, DELETE: 2}
    statuses = sorted(c["status"] for c in campaigns(sim, "fw"))
    assert statuses == ["CampaignAborted", "CampaignCancelled", "CampaignRequestPending"]


def test_without_a_terminal_or_auto_approve_nothing_is_applied(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("unconfirmed"))
    code, out, err = run(capsys, "apply", "specs")
    assert code == 1 and "--auto-approve" in err and "not a terminal" in err
    assert "1 to create" in out  # the plan was shown
    assert writes(sim) == {}


def test_wait_reports_the_scheduled_state(
    sim: RunningSim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import reconciler.applier.executor as executor

    slept: list[float] = []
    monkeypatch.setattr(executor, "_sleep", slept.append)
    write_spec("a", spec_yaml("waiting"))
    code, out, err = run(capsys, "apply", "specs", "--auto-approve", "--wait")
    assert code == 0, err
    assert "(CampaignScheduled)" in out
    assert slept == [1.0, 2.0]  # backoff between polls, on the injected clock


def test_journal_records_requests_and_responses_without_secrets(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("journaled"))
    code, _, _ = run(capsys, "apply", "specs", "--auto-approve", "--journal", "audit/j.jsonl")
    assert code == 0
    text = Path("audit/j.jsonl").read_text()
    for secret in ("demo-secret", "demo-password", "Bearer", "VZ-M2M-Token"):
        assert secret not in text
    events = read_journal(Path("audit/j.jsonl"))
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "end"
    request = next(e for e in events if e["event"] == "request")
    assert request["method"] == "POST"
    assert request["path"] == f"/api/fota/v3/campaigns/firmware/{ACC}"
    assert request["body"]["campaignName"] == "journaled"
    response = next(e for e in events if e["event"] == "response")
    assert response["response"]["status"] == "CampaignRequestPending"
    assert all(e["ts"].endswith("+00:00") for e in events)


def test_two_racing_applies_the_second_is_refused_naming_the_holder(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("raced"))
    # Hold the first apply inside its create (in the emulator, before it is processed) until
    # the second apply has run: the race is set up on an event, not on timing.
    hold = sim.emulator.hold("POST", "/api/fota/*", times=1)
    first: dict[str, int] = {}
    thread = threading.Thread(
        target=lambda: first.setdefault("code", main(["apply", "specs", "--auto-approve"]))
    )
    thread.start()
    lock = Path(".fota/locks") / f"{ACC}.lock"
    try:
        assert hold.wait_reached(timeout=60), "the first apply never reached its create"
        assert lock.exists()  # the first apply holds the account while its create is in flight
        assert sim.emulator.processed_counts().get(CREATE, 0) == 0
        code = main(["apply", "specs", "--auto-approve"])
    finally:
        hold.release()
        thread.join(timeout=60)
    _, err = capsys.readouterr()
    assert hold.reached == 1  # the second apply made no create of its own
    assert code == 1
    holder = json.loads(lock.read_text()) if lock.exists() else None
    assert holder is None  # released by the first apply when it finished
    assert f"account {ACC} is locked by another apply (pid " in err
    assert "--force-unlock" in err
    assert first["code"] == 0
    assert writes(sim) == {CREATE: 1}


def test_force_unlock_clears_a_leftover_lock(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("unlocked"))
    lock = Path(".fota/locks") / f"{ACC}.lock"
    lock.parent.mkdir(parents=True)
    started = datetime.now(UTC).isoformat()
    lock.write_text(
        json.dumps({"account": ACC, "pid": 1, "host": "elsewhere", "started": started, "run": "x"})
    )
    code, _, err = run(capsys, "apply", "specs", "--auto-approve")
    assert code == 1 and "pid 1 on elsewhere" in err
    code, _, err = run(capsys, "apply", "specs", "--auto-approve", "--force-unlock")
    assert code == 0, err
    assert not lock.exists()


def _create_directly(sim: RunningSim, name: str, start: str, devices: list[str]) -> str:
    body = {
        "campaignName": name,
        "firmwareName": FW_NAME,
        "firmwareFrom": "SR1.2.0.0-10512",
        "firmwareTo": "SR1.2.0.0-10657",
        "protocol": "LWM2M",
        "startDate": start,
        "endDate": "2026-03-20",
        "campaignTimeWindowList": [],
        "autoAssignLicenseFlag": False,
        "autoAddDevicesFlag": False,
        "deviceList": devices,
    }
    with ThingSpaceClient(sim.url, Credentials.demo()) as client:
        cid = str(client.create_campaign(ACC, Kind.FIRMWARE, body)["id"])
        for _ in range(3):  # let it leave the pending states
            client.get_campaign(ACC, Kind.FIRMWARE, cid)
        return cid


def _prune_setup(sim: RunningSim) -> None:
    write_spec("a", spec_yaml("team-keep", devices=DEVICES[:1]))
    _create_directly(sim, "team-old", "2026-03-10", DEVICES[1:2])
    _create_directly(sim, "team-running", "2026-03-03", DEVICES[2:3])
    _create_directly(sim, "other-x", "2026-03-03", DEVICES[3:4])  # running, outside the prefix
    sim.emulator.set_time(datetime(2026, 3, 4, 9, 0, tzinfo=UTC))  # team-running has started


def test_prune_takes_down_only_undescribed_campaigns_under_the_prefix(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    _prune_setup(sim)
    code, out, _ = run(capsys, "apply", "specs", "--auto-approve", "--prune", f"{ACC}:team-")
    assert code == 1  # the abort was refused by the plan, never attempted
    assert f"+ {ACC}/team-keep: created" in out
    assert f"- {ACC}/team-old: cancelled (CampaignCancelled)" in out
    assert f"! {ACC}/team-running: refused by R-ABORT-OPT-IN (status), not executed" in out
    assert f"add --allow-abort to --prune {ACC}:team-" in out
    assert "other-x" not in out
    assert writes(sim) == {CREATE: 3 + 1, DELETE: 1}
    code, out, err = run(
        capsys, "apply", "specs", "--auto-approve", "--prune", f"{ACC}:team-", "--allow-abort"
    )
    assert code == 0, out + err
    assert f"- abort {ACC}/team-running" in out  # shown in the plan first
    assert f"- {ACC}/team-running: aborted (CampaignAborted)" in out
    assert [c["status"] for c in campaigns(sim, "other-x")] == ["CampaignScheduled"]
    assert [c["status"] for c in campaigns(sim, "team-keep")] != ["CampaignCancelled"]
    code, out, _ = run(
        capsys, "apply", "specs", "--auto-approve", "--prune", f"{ACC}:team-", "--allow-abort"
    )
    assert code == 0 and "Nothing to apply." in out


def test_a_saved_plan_carries_its_prune_rules_and_apply_rechecks_them(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    _prune_setup(sim)
    prune = f"{ACC}:team-"
    code, out, _ = run(capsys, "plan", "specs", "--prune", prune, "--out", "plan.json")
    assert code == 1  # team-running's abort is refused without --allow-abort
    assert f"- cancel {ACC}/team-old" in out and f"! refused {ACC}/team-running" in out
    assert "other-x" not in out
    saved = json.loads(Path("plan.json").read_text())
    assert saved["prune_rules"] == [{"account": ACC, "prefix": "team-"}]
    assert saved["prune_allow_abort"] is False
    code, out, err = run(capsys, "apply", "plan.json")
    assert code == 1, out + err  # the refusal is reported, everything else executed
    assert f"- {ACC}/team-old: cancelled (CampaignCancelled)" in out
    assert f"! {ACC}/team-running: refused by R-ABORT-OPT-IN" in out
    assert writes(sim) == {CREATE: 3 + 1, DELETE: 1}

    args = ("plan", "specs", "--prune", prune, "--allow-abort", "--out", "plan.json")
    assert run(capsys, *args)[0] == 0
    # Apply re-checks the prune rules: a new campaign under the prefix makes the plan stale.
    _create_directly(sim, "team-new", "2026-03-10", DEVICES[4:5])
    code, _, err = run(capsys, "apply", "plan.json", "--allow-abort")
    assert code == 1 and "plan.json is stale" in err and f"{ACC}/team-new" in err
    assert writes(sim) == {CREATE: 3 + 1 + 1, DELETE: 1}
    assert run(capsys, *args)[0] == 0
    code, out, _ = run(capsys, "apply", "plan.json")  # the abort still needs the flag here
    assert code == 1 and f"! {ACC}/team-running: abort refused: abort needs --allow-abort" in out
    assert f"- {ACC}/team-new: cancelled (CampaignCancelled)" in out
    assert run(capsys, *args)[0] == 0
    code, out, err = run(capsys, "apply", "plan.json", "--allow-abort")
    assert code == 0, out + err
    assert f"- {ACC}/team-running: aborted (CampaignAborted)" in out
    assert [c["status"] for c in campaigns(sim, "other-x")] == ["CampaignScheduled"]
    assert writes(sim) == {CREATE: 5, DELETE: 3}


def test_plan_allow_abort_without_prune_is_refused(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("lonely"))
    code, _, err = run(capsys, "plan", "specs", "--allow-abort")
    assert code == 1 and "only applies to --prune" in err and "allowAbort" in err


@pytest.mark.parametrize(
    ("value", "message"),
    [("team-", "expected ACCOUNT:PREFIX"), (f"{ACC}:", "prefix is empty"), ("12:x", "account")],
)
def test_prune_rule_must_name_an_account_and_a_prefix(
    sim: RunningSim, capsys: pytest.CaptureFixture[str], value: str, message: str
) -> None:
    write_spec("a", spec_yaml("pruned"))
    code, _, err = run(capsys, "apply", "specs", "--auto-approve", "--prune", value)
    assert code == 1 and message in err
    assert writes(sim) == {}


def test_prune_with_a_saved_plan_is_refused(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    write_spec("a", spec_yaml("saved"))
    assert run(capsys, "plan", "specs", "--out", "plan.json")[0] == 0
    code, _, err = run(capsys, "apply", "plan.json", "--prune", f"{ACC}:team-")
    assert code == 1 and "saved plan, which carries the prune rules" in err
    assert writes(sim) == {}


def test_saved_plan_with_a_baseline_takes_down_a_deleted_spec(
    sim: RunningSim, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess

    def git(*args: str) -> None:
        subprocess.run(["git", *args], check=True, capture_output=True)

    write_spec("a", spec_yaml("stays", devices=DEVICES[:1]))
    write_spec("b", spec_yaml("goes", devices=DEVICES[1:2]))
    git("init", "-q")
    git("add", "specs")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    assert run(capsys, "apply", "specs", "--auto-approve")[0] == 0
    Path("specs/b.yaml").unlink()
    code, out, err = run(capsys, "plan", "specs", "--baseline-ref", "HEAD", "--out", "plan.json")
    assert code == 0, out + err
    code, out, err = run(capsys, "apply", "plan.json")
    assert code == 0, out + err
    assert f"- {ACC}/goes: cancelled (CampaignCancelled)" in out
    assert writes(sim) == {CREATE: 2, DELETE: 1}


@pytest.mark.parametrize(("answer", "applied"), [("yes", True), ("y", False), ("", False)])
def test_on_a_terminal_only_yes_applies(
    sim: RunningSim, monkeypatch: pytest.MonkeyPatch, answer: str, applied: bool
) -> None:
    from click.testing import CliRunner

    import reconciler.cli.apply as apply_cli
    from reconciler.cli import cli

    monkeypatch.setattr(apply_cli, "_stdin_is_tty", lambda: True)
    write_spec("a", spec_yaml("asked"))
    result = CliRunner().invoke(cli, ["apply", "specs"], input=answer + "\n")
    assert "Apply these changes? Only 'yes' is accepted" in result.output
    assert "1 to create" in result.output
    if applied:
        assert result.exit_code == 0 and f"+ {ACC}/asked: created" in result.output
        assert writes(sim) == {CREATE: 1}
    else:
        assert "Apply cancelled; nothing was changed." in result.output
        assert writes(sim) == {}


def test_under_twenty_percent_faults_repeated_applies_converge_without_duplicates(
    sim: RunningSim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import functools

    import reconciler.thingspace._client as client_module
    from reconciler.thingspace import RetryPolicy

    # The client's retry back-off runs on an injected no-op sleep, not on the wall clock.
    monkeypatch.setattr(
        client_module, "RetryPolicy", functools.partial(RetryPolicy, sleep=lambda _: None)
    )
    names = [f"faulty-{i}" for i in range(6)]
    for i, name in enumerate(names):
        write_spec(name, spec_yaml(name, devices=[DEVICES[i]]))
    for fault in (
        FaultRule("drop", phase="after", method="POST", path="/api/fota/*", times=2),
        FaultRule("503", rate=0.07, phase="before", path="/api/fota/*"),
        FaultRule("500", rate=0.07, phase="after", path="/api/fota/*"),
        FaultRule("drop", rate=0.07, phase="after", path="/api/fota/*"),
    ):
        sim.emulator.add_fault(fault)
    outputs = []
    for _ in range(6):
        code, out, err = run(capsys, "apply", "specs", "--auto-approve")
        outputs.append(out + err)
        if code == 0 and "Nothing to apply." in out:
            break
    else:
        raise AssertionError("no convergence:\n" + "\n---\n".join(outputs))
    assert sim.emulator.faults.injected[CREATE] >= 2
    sim.emulator.clear_faults()
    assert writes(sim)[CREATE] == len(names)
    for name in names:
        assert len(campaigns(sim, name)) == 1
