"""The persisted emulator (SQLite): a change writes only its own rows, in one durable
transaction; emulators sharing one file see one store; JSON states of earlier versions are
imported once; bad files and disk faults are one-line errors and leave nothing half-written."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from reconciler.cli import main
from reconciler.sim import sqlstore
from reconciler.sim.app import Emulator, SimOptions
from reconciler.sim.embedded import open_embedded
from reconciler.sim.fleet import Device, luhn_digit
from reconciler.sim.store import StateError
from reconciler.sim.testing import DEFAULT_NOW, running_sim

from .helpers import ACC, IMEI_A, IMEI_B, PKG, V3, Api, firmware_body

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "campaigns"


def _imeis(first: int, count: int) -> list[str]:
    return [f"35{n:012d}" + luhn_digit(f"35{n:012d}") for n in range(first, first + count)]


class InProcess:
    """An emulator on a state file, spoken to in process (as the CLI's embedded default)."""

    def __init__(self, path: Path, **options: Any) -> None:
        options.setdefault("now", DEFAULT_NOW)
        options.setdefault("frozen", True)
        self.emulator = Emulator(SimOptions(state_path=path, **options))
        transport = httpx.WSGITransport(app=self.emulator.wsgi_app)
        self.http = httpx.Client(transport=transport, base_url="http://sim")
        bearer, session = self.emulator.issue_tokens()
        self.headers = {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session}

    def relogin(self) -> None:
        bearer, session = self.emulator.issue_tokens()
        self.headers = {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, path, headers=self.headers, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def create(self, **overrides: Any) -> str:
        body = firmware_body(**overrides)
        return str(self.call("POST", f"{V3}/campaigns/firmware/{ACC}", json=body)["id"])

    def report(self, cid: str) -> Any:
        return self.call("GET", f"{V3}/reports/{ACC}/campaigns/{cid}/devices")

    def close(self) -> None:
        self.http.close()
        self.emulator.close()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "sim.db"


def _rows(path: Path, sql: str, *args: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, args).fetchall()


def _last_write(path: Path) -> dict[str, int]:
    """How many rows of each table the most recent write transaction wrote."""
    (gen,) = _rows(path, "SELECT gen FROM meta WHERE key = 'gen'")[0]
    return {
        table: _rows(path, f"SELECT COUNT(*) FROM {table} WHERE gen = ?", gen)[0][0]
        for table in ("campaigns", "members", "devices", "meta")
    }


def _gen(path: Path) -> int:
    return int(_rows(path, "SELECT value FROM meta WHERE key = 'gen'")[0][0])


# --- a change writes only its own rows -------------------------------------------------------


def test_each_change_writes_only_its_own_rows(db: Path) -> None:
    sim = InProcess(db, devices=0)
    cids = [sim.create(campaignName=f"c{n}", deviceList=_imeis(n * 100, 50)) for n in range(3)]
    # A create: its campaign, its 50 members (flagged as enrolling their devices, which need
    # no rows of their own), nextSeq + gen.
    assert _last_write(db) == {"campaigns": 1, "members": 50, "devices": 0, "meta": 2}
    assert _rows(db, "SELECT COUNT(*) FROM members WHERE enrolled = 1") == [(150,)]
    extra = _imeis(900, 1)
    sim.call(
        "PUT",
        f"{V3}/campaigns/firmware/{ACC}/{cids[1]}",
        json={"Type": "append", "deviceList": extra},
    )
    assert _last_write(db) == {"campaigns": 1, "members": 1, "devices": 0, "meta": 1}
    sim.call(
        "PUT",
        f"{V3}/campaigns/firmware/{ACC}/{cids[1]}",
        json={"Type": "remove", "deviceList": extra},
    )
    assert _last_write(db) == {"campaigns": 1, "members": 1, "devices": 0, "meta": 1}
    dates = {"startDate": "2026-03-04", "endDate": "2026-03-09", "campaignTimeWindowList": []}
    sim.call("PUT", f"{V3}/campaigns/firmware/{ACC}/{cids[2]}/dates", json=dates)
    assert _last_write(db) == {"campaigns": 1, "members": 0, "devices": 0, "meta": 1}
    # A GET that moves the status (Pending -> Queued) writes that campaign's row only.
    assert sim.call("GET", f"{V3}/campaigns/{ACC}/{cids[0]}")["status"] == "CampaignRequestQueued"
    assert _last_write(db) == {"campaigns": 1, "members": 0, "devices": 0, "meta": 1}
    # Reads that change nothing write nothing.
    before = _gen(db)
    sim.report(cids[0])
    sim.call(
        "GET",
        f"{V3}/reports/{ACC}/firmware/campaigns",
        params={"campaignStatus": "CampaignRequestPending"},
    )
    assert _gen(db) == before
    sim.close()


def _record_fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every fsync from now on, by the path of the file synced."""
    synced: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return synced


def test_an_answered_write_is_on_disk_before_the_answer(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = InProcess(db, devices=0)
    store = sim.emulator._store
    assert store is not None
    # WAL; each COMMIT writes the log, and the emulator fsyncs it before answering.
    assert store._conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert store._conn.execute("PRAGMA synchronous").fetchone() == (1,)  # NORMAL + own fsync
    synced = _record_fsyncs(monkeypatch)
    cid = sim.create(deviceList=[IMEI_A])
    assert synced == [f"{db}-wal"]  # the create was synced before the call returned
    synced.clear()
    sim.report(cid)
    sim.call(
        "GET",
        f"{V3}/reports/{ACC}/firmware/campaigns",
        params={"campaignStatus": "CampaignRequestPending"},
    )
    assert synced == []  # reads that change nothing sync nothing
    sim.call("GET", f"{V3}/campaigns/{ACC}/{cid}")  # a status move is a write
    assert synced == [f"{db}-wal"]
    synced.clear()
    other = InProcess(db)  # another process's commit, read here, is synced before answering
    other.create(deviceList=[IMEI_B])
    synced.clear()
    assert sim.report(cid)["totalDevice"] == 1
    assert synced == [f"{db}-wal"]
    other.close()
    sim.close()


def test_requests_committed_during_an_fsync_share_the_next_one(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Group commit: eight creates, the first one's fsync held until the seven others have
    committed and are waiting to be synced; they then need one fsync between them."""
    followers = 7
    with running_sim(state_path=db, devices=0) as sim:
        store = sim.emulator._store
        assert store is not None
        headers = sim.auth_headers()
        leading = threading.Event()
        everyone = threading.Barrier(followers + 1, timeout=30)
        synced = _record_fsyncs(monkeypatch)
        recorded_fsync = os.fsync

        def held_fsync(fd: int) -> None:
            if not leading.is_set():
                leading.set()
                everyone.wait()  # until the followers have committed
            recorded_fsync(fd)

        monkeypatch.setattr(os, "fsync", held_fsync)
        durable = store.durable

        def arriving() -> None:
            if leading.is_set():  # a follower (the leader is inside its fsync already)
                everyone.wait()
            durable()

        monkeypatch.setattr(store, "durable", arriving)

        def create(n: int) -> str:
            body = firmware_body(campaignName=f"c{n}", deviceList=[_imeis(n, 1)[0]])
            with httpx.Client(base_url=sim.url, timeout=60) as http:
                answer = http.post(f"{V3}/campaigns/firmware/{ACC}", json=body, headers=headers)
            assert answer.status_code == 200, answer.text
            return str(answer.json()["id"])

        ids: list[str] = []
        leader = threading.Thread(target=lambda: ids.append(create(0)))
        leader.start()
        assert leading.wait(timeout=30)
        threads = [
            threading.Thread(target=lambda n=n: ids.append(create(n)))
            for n in range(1, followers + 1)
        ]
        for thread in threads:
            thread.start()
        for thread in [leader, *threads]:
            thread.join(timeout=60)
    assert len(set(ids)) == followers + 1
    assert synced == [f"{db}-wal", f"{db}-wal"]  # eight answered writes, two fsyncs


def test_enrolled_devices_and_licences_survive_a_restart(db: Path) -> None:
    """Devices enrolled on the fly are rebuilt from the campaign that enrolled them (also
    after they left it); a device changed since (a licence assigned) keeps its own row."""
    sim = InProcess(db, devices=0)
    unlicensed = _imeis(500, 1)[0]
    sim.emulator.add_device(
        Device(unlicensed, ACC, PKG.make, PKG.model, PKG.firmwareFrom, licensed=False)
    )
    first = sim.create(deviceList=_imeis(0, 5))
    sim.call(
        "PUT",
        f"{V3}/campaigns/firmware/{ACC}/{first}",
        json={"Type": "remove", "deviceList": _imeis(0, 2)},
    )
    sim.create(deviceList=[unlicensed, *_imeis(10, 2)], autoAssignLicenseFlag=True)
    before = sim.call("GET", f"{V3}/devices/{ACC}")
    sim.close()
    again = InProcess(db)
    assert again.call("GET", f"{V3}/devices/{ACC}") == before
    assert again.emulator.state.fleet.devices[unlicensed].licensed
    assert len(before["deviceList"]) == 8
    again.close()


@pytest.mark.parametrize("bulk", [True, False])
def test_member_rows_are_the_same_written_in_bulk_or_row_by_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    """A create's members go as one JSON array per statement where SQLite has ``json_each``,
    row by row where it has not: the rows on disk (and so a restart) are the same."""
    monkeypatch.setattr(sqlstore, "_json_each_available", lambda: bulk)
    rows = {}
    for name in ("bulk", "rows"):
        db = tmp_path / f"{name}.db"
        sim = InProcess(db, devices=0)
        licensed = _imeis(900, 1)[0]
        sim.emulator.add_device(Device(licensed, ACC, PKG.make, PKG.model, PKG.firmwareFrom))
        first = sim.create(deviceList=[licensed, *_imeis(0, 30)])
        sim.create(deviceList=_imeis(20, 20))  # ten devices the first campaign enrolled
        sim.call(
            "PUT",
            f"{V3}/campaigns/firmware/{ACC}/{first}",
            json={"Type": "remove", "deviceList": _imeis(0, 3)},
        )
        sim.close()
        with sqlite3.connect(db) as conn:
            got = conn.execute(
                "SELECT c.seq, m.imei, m.joined, m.left, m.enrolled FROM members m"
                " JOIN campaigns c ON c.id = m.campaign ORDER BY c.seq, m.imei"
            ).fetchall()
        rows[name] = got
        monkeypatch.setattr(sqlstore, "_json_each_available", lambda: not bulk)
    assert rows["bulk"] == rows["rows"]
    assert len(rows["bulk"]) == 31 + 20
    enrolled = {imei for seq, imei, _, _, flag in rows["bulk"] if flag}
    assert licensed not in enrolled and len(enrolled) == 30 + 10


def test_a_restart_answers_exactly_as_before(db: Path) -> None:
    sim = InProcess(db, failure_rate=0.3)
    cid = sim.create(deviceList=_imeis(0, 40))
    sim.call(
        "PUT",
        f"{V3}/campaigns/firmware/{ACC}/{cid}",
        json={"Type": "remove", "deviceList": _imeis(5, 3)},
    )
    sim.emulator.advance("3d")
    sim.relogin()
    before = sim.report(cid)
    sim.close()
    again = InProcess(db)
    assert again.report(cid) == before
    again.close()


# --- one store for several emulators (processes) --------------------------------------------


def test_emulators_sharing_a_file_see_one_store(db: Path) -> None:
    """Two emulators opened on one file (as two ``fota`` processes would be): each sees
    what the other wrote, and a status move in one never rewrites the other's campaigns."""
    one, two = InProcess(db, devices=0), InProcess(db, devices=0)
    first = one.create(campaignName="first", deviceList=[IMEI_A])
    # two opened before the create: it reads it at its next request, then steps it.
    assert two.call("GET", f"{V3}/campaigns/{ACC}/{first}")["status"] == "CampaignRequestQueued"
    second = two.create(campaignName="second", deviceList=[IMEI_B])
    assert first != second
    one.call(
        "PUT",
        f"{V3}/campaigns/firmware/{ACC}/{second}",
        json={"Type": "append", "deviceList": [IMEI_A]},
    )
    assert [d["deviceId"] for d in two.report(second)["deviceList"]] == sorted([IMEI_A, IMEI_B])
    assert one.call("GET", f"{V3}/campaigns/{ACC}/{first}")["status"] == "CampaignScheduled"
    one.emulator.advance("1h")  # the clock is shared too
    two.relogin()
    listing = two.call(
        "GET",
        f"{V3}/reports/{ACC}/firmware/campaigns",
        params={"campaignStatus": "CampaignScheduled"},
    )
    assert [c["id"] for c in listing["campaignList"]] == [first, second]
    one.close()
    two.close()
    reopened = Emulator(SimOptions(state_path=db))
    assert sorted(reopened.state.campaigns) == sorted([first, second])
    assert reopened.state.next_seq == 3


def test_devices_enrolled_by_another_emulator_are_seen_by_both(db: Path) -> None:
    """The fleet is read when a create first needs it (``Fleet.defer``); one already read
    takes the devices another emulator enrolled since, at its next request."""
    one = InProcess(db, devices=0, strict=False)
    reader = InProcess(db)  # its fleet is not read yet
    writer = InProcess(db)
    writer.create(deviceList=[IMEI_A])  # enrols IMEI_A on the fly
    assert one.emulator.state.fleet.get(IMEI_A) is None  # not asked anything since
    one.call("GET", f"{V3}/devices/{ACC}")
    assert one.emulator.state.fleet.get(IMEI_A) is not None
    assert reader.emulator.state.fleet.deferred
    listed = reader.call("GET", f"{V3}/devices/{ACC}")["deviceList"]
    assert [d["deviceId"] for d in listed] == [IMEI_A]
    for sim in (one, reader, writer):
        sim.close()


def test_interleaved_creates_from_two_emulators_are_all_kept(db: Path) -> None:
    one, two = InProcess(db, devices=0), InProcess(db, devices=0)
    ids = []
    for n in range(10):
        sim = (one, two)[n % 2]
        ids.append(sim.create(campaignName=f"c{n}", deviceList=_imeis(n, 1)))
    assert len(set(ids)) == 10
    for sim in (one, two):
        listing = sim.call(
            "GET",
            f"{V3}/reports/{ACC}/firmware/campaigns",
            params={"campaignStatus": "CampaignRequestPending"},
        )
        assert [c["id"] for c in listing["campaignList"]] == ids
        sim.close()


# --- JSON states of earlier versions ---------------------------------------------------------


def _json_state(path: Path) -> tuple[str, Any]:
    """A JSON state as earlier versions wrote it, with one campaign; (its id, its report)."""
    with running_sim(devices=5, failure_rate=0.5) as sim:
        api = Api(sim)
        cid = str(api.create(deviceList=_imeis(0, 20))["id"])
        api.settle(cid)
        sim.emulator.advance("3d")
        api.relogin()
        report = api.get(f"{V3}/reports/{ACC}/campaigns/{cid}/devices").json()
        path.write_text(json.dumps(sim.emulator.state.to_json()))
    return cid, report


def test_a_json_state_file_is_imported_once_in_place(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    cid, report = _json_state(path)
    original = path.read_text()
    sim = InProcess(path)
    sim.relogin()
    assert path.read_bytes().startswith(sqlstore.SQLITE_MAGIC)
    assert (tmp_path / "state.json.imported").read_text() == original
    assert sim.report(cid) == report
    assert sim.emulator.clock.frozen
    sim.close()
    again = InProcess(path)
    assert again.report(cid) == report  # not imported a second time
    again.close()


def test_the_embedded_default_imports_its_old_json_state(tmp_path: Path) -> None:
    old = tmp_path / ".fota" / "sim-state.json"
    old.parent.mkdir()
    cid, report = _json_state(old)
    emulator = open_embedded(tmp_path / ".fota" / "sim-state.db")
    assert not old.exists() and (tmp_path / ".fota" / "sim-state.json.imported").exists()
    bearer, session = emulator.issue_tokens()
    headers = {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session}
    transport = httpx.WSGITransport(app=emulator.wsgi_app)
    with httpx.Client(transport=transport, base_url="http://sim", headers=headers) as http:
        assert http.get(f"{V3}/reports/{ACC}/campaigns/{cid}/devices").json() == report
    emulator.close()


BAD_STATES = {
    "list": "[]",
    "null": "null",
    "text": "this is not a state",
    "truncated": '{"version": 1, "clock": ',
    "object": '{"version": 1}',
    "binary": "\udcff\udcfe\x00",
}


@pytest.mark.parametrize("content", BAD_STATES.values(), ids=BAD_STATES.keys())
def test_a_bad_state_file_is_a_one_line_error_and_is_left_alone(
    content: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert main(["sim", "serve", "--port", "0", "--state", str(state)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(state) in err[0] and "delete the file" in err[0], err
    assert state.read_bytes() == content.encode("utf-8", "surrogateescape")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


@pytest.mark.parametrize("content", ["[]", "null", "garbage"])
def test_a_bad_embedded_state_is_a_one_line_error_from_any_command(
    content: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOTA_API_URL", raising=False)
    (tmp_path / ".fota").mkdir()
    (tmp_path / ".fota" / "sim-state.json").write_text(content)
    for argv in (["plan", str(EXAMPLES)], ["status", str(EXAMPLES)], ["sim", "clock", "show"]):
        assert main(argv) == 1
        err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
        assert len(err) == 1, err
        assert ".fota/sim-state.json" in err[0] and "delete the file" in err[0], err
    assert not (tmp_path / ".fota" / "sim-state.db").exists()


def test_a_corrupt_database_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "state.db"
    state.write_bytes(sqlstore.SQLITE_MAGIC + b"\x00" * 200)
    assert main(["sim", "serve", "--port", "0", "--state", str(state)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(state) in err[0] and "to start afresh" in err[0], err


# --- disk faults: one line, nothing half-written, converges once the fault is gone -----------


def _faulty_connections(monkeypatch: pytest.MonkeyPatch, pragma: str) -> None:
    """Every store connection opened from now on behaves as a full disk (``max_page_count``
    pinned to the current size) or a read-only file (``query_only``)."""
    connect = sqlstore._connect

    def faulty(path: Path) -> sqlite3.Connection:
        conn = connect(path)
        conn.execute(pragma)
        return conn

    monkeypatch.setattr(sqlstore, "_connect", faulty)


def _campaign_count(path: Path) -> int:
    return int(_rows(path, "SELECT COUNT(*) FROM campaigns")[0][0])


def _big_specs(folder: Path, count: int, devices: int) -> Path:
    """``count`` firmware specs of ``devices`` devices each (writes that need new pages)."""
    folder.mkdir()
    for n in range(count):
        listed = "".join(f'  - "{imei}"\n' for imei in _imeis(n * devices, devices))
        (folder / f"big-{n}.yaml").write_text(
            f'apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\naccount: "{ACC}"\n'
            f"name: big-{n}\nfirmware:\n  name: {firmware_body()['firmwareName']}\n"
            f"  from: {firmware_body()['firmwareFrom']}\n  to: {firmware_body()['firmwareTo']}\n"
            "  protocol: LWM2M\nschedule:\n  start: 2027-03-10\n  end: 2027-03-30\n"
            f"devices:\n{listed}"
        )
    return folder


def test_a_full_disk_fails_the_apply_in_one_line_and_the_next_apply_converges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOTA_API_URL", raising=False)
    specs = _big_specs(tmp_path / "specs", 3, 400)
    db = tmp_path / ".fota" / "sim-state.db"
    assert main(["sim", "clock", "show"]) == 0  # the store exists, empty of campaigns
    capsys.readouterr()
    with monkeypatch.context() as patch:
        _faulty_connections(patch, "PRAGMA max_page_count = 1")
        assert main(["apply", str(specs), "--auto-approve"]) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    failures = [line for line in (out + err).splitlines() if "database or disk is full" in line]
    assert failures, out + err
    assert all(str(db) in line and "free some disk space" in line for line in failures)
    assert _campaign_count(db) == 0
    assert main(["apply", str(specs), "--auto-approve"]) == 0
    assert _campaign_count(db) == 3
    assert main(["apply", str(specs), "--auto-approve"]) == 0
    assert _campaign_count(db) == 3


def test_a_read_only_state_is_one_line_never_a_credentials_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOTA_API_URL", raising=False)
    assert main(["sim", "clock", "show"]) == 0
    capsys.readouterr()
    _faulty_connections(monkeypatch, "PRAGMA query_only = 1")
    for argv in (["plan", str(EXAMPLES)], ["status", str(EXAMPLES)], ["sim", "clock", "freeze"]):
        assert main(argv) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert err[-1].startswith("error: ") and "readonly" in err[-1], err
        assert ".fota/sim-state.db" in err[-1] and "writable" in err[-1], err
        assert "credential" not in err[-1].lower() and "FOTA_CLIENT" not in err[-1]


def test_a_failed_write_is_rolled_back_in_memory_too(db: Path) -> None:
    sim = InProcess(db, devices=0)
    kept = sim.create(campaignName="kept", deviceList=[IMEI_A])
    store = sim.emulator._store
    assert store is not None
    store._conn.execute("PRAGMA query_only = 1")
    with pytest.raises(StateError, match="readonly"):
        sim.create(campaignName="lost", deviceList=_imeis(0, 5))
    store._conn.execute("PRAGMA query_only = 0")
    assert sorted(sim.emulator.state.campaigns) == [kept]  # read again at the next request
    assert sim.report(kept)["totalDevice"] == 1
    again = sim.create(campaignName="again", deviceList=_imeis(0, 5))
    assert sorted(sim.emulator.state.campaigns) == sorted([kept, again])
    sim.close()


def test_a_served_emulator_answers_503_on_a_failed_write_and_keeps_serving(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_sim(state_path=db) as sim:
        api = Api(sim)
        store = sim.emulator._store
        assert store is not None
        store._conn.execute("PRAGMA query_only = 1")
        response = api.post(f"{V3}/campaigns/firmware/{ACC}", json=firmware_body())
        assert response.status_code == 503
        assert response.json()["errorCode"] == "EmulatorStateError"
        store._conn.execute("PRAGMA query_only = 0")
        assert api.create()["id"]
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(db) in err[0] and "Traceback" not in err[0], err
