"""The persisted emulator: its state as rows of a SQLite database, one transaction per request.

Why SQLite (the standard library's ``sqlite3``) rather than one JSON document rewritten on every
change: a create, a device change, a dates change or a status move writes only its own rows
(the campaign's row, its changed member rows, the devices enrolled on the fly, the meta values
and tokens that changed), so a write costs what changed, not the size of the fleet.

- **Durable, with group commit.** WAL journal. An answered write must survive a crash of the
  emulator or a power loss, which is what ``synchronous=FULL`` gives (an fsync of the
  write-ahead log at every COMMIT; ``NORMAL`` alone syncs only at checkpoints, so a power loss
  could roll back answered transactions). Here the connection runs ``synchronous=NORMAL`` and
  the emulator fsyncs the write-ahead log itself (``durable``) after the request's transaction
  and before its answer, outside the emulator's lock: the same guarantee as ``FULL`` for every
  answered request, but requests that committed meanwhile share one fsync instead of paying
  one each (a disk fsync costs milliseconds; an apply sends eight requests at once). A request
  that read another process's commit syncs too, so nothing is answered from a write that is
  not on disk. Where WAL is unavailable the connection falls back to ``FULL``. A failed write
  (full disk, read-only file) rolls the whole request back: nothing is half-written.
- **One store for many processes.** Every request runs inside ``BEGIN IMMEDIATE`` (the
  database's write lock; another process waits for it, up to ``BUSY_TIMEOUT_SECONDS``). The
  in-memory ``State`` is a cache brought up to date at the start of each transaction: every row
  carries the generation (``gen``) of the transaction that wrote it, and a process that sees a
  newer generation than its own reads only the rows written since. Two terminals, a test and a
  shell, or an embedded ``fota apply`` beside a ``fota plan`` see one consistent store; there
  is no last-writer-wins.
- **Reads write nothing.** A request that changed nothing commits an empty transaction.

Earlier versions kept a JSON document; ``SqlStore.open`` imports one once (see
``_import_json``): a JSON file at the database path is converted in place and kept as
``<name>.imported``; the embedded default's old ``.fota/sim-state.json`` is imported into the
new database and renamed ``sim-state.json.imported``.
Why one module of ~650 lines: the schema, the row-level writes, the refresh of rows other
processes wrote, group commit and the one-time JSON import share one connection and one
notion of "which transaction wrote this row"; split, each part would reach into the others.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import compress, repeat
from operator import eq
from pathlib import Path

from reconciler.sim.clock import SimClock, parse_instant, rfc3339
from reconciler.sim.fleet import Device, Fleet, generated_devices
from reconciler.sim.outcomes import OutcomeError, PackageOutcomes
from reconciler.sim.store import (
    Campaign,
    Member,
    State,
    StateError,
    enrolled_device,
    load_state,
)

SCHEMA_VERSION = "2"
BUSY_TIMEOUT_SECONDS = 60.0
"""How long a request waits for another process's transaction on the same database."""
SQLITE_MAGIC = b"SQLite format 3\x00"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta ("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL, gen INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS campaigns ("
    " id TEXT PRIMARY KEY, seq INTEGER NOT NULL, header TEXT NOT NULL, gen INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS campaigns_gen ON campaigns (gen)",
    # enrolled: this campaign enrolled the device on the fly (it is the campaign's make, model,
    # protocol and from-version: ``store.enrolled_device``), so it needs no devices row.
    "CREATE TABLE IF NOT EXISTS members ("
    " campaign TEXT NOT NULL, imei TEXT NOT NULL, joined TEXT NOT NULL, left TEXT,"
    " gen INTEGER NOT NULL, enrolled INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (campaign, imei)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS devices ("
    " imei TEXT PRIMARY KEY, account TEXT NOT NULL, make TEXT NOT NULL, model TEXT NOT NULL,"
    " firmware TEXT NOT NULL, protocol TEXT NOT NULL, mdn TEXT NOT NULL,"
    " licensed INTEGER NOT NULL, gen INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS devices_gen ON devices (gen)",
    "CREATE TABLE IF NOT EXISTS tokens ("
    " digest TEXT PRIMARY KEY, kind TEXT NOT NULL, expiry TEXT NOT NULL) WITHOUT ROWID",
)
_ACCESS, _SESSION = "access", "session"

Tokens = tuple[dict[str, datetime], dict[str, datetime]]


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _meta(state: State) -> dict[str, str]:
    """The state's scalar values as the meta table keeps them (compared to find what changed)."""
    fleet = state.fleet
    recipe = {
        "count": fleet.generated_count,
        "seed": fleet.generated_seed,
        "account": fleet.generated_account,
    }
    return {
        "schema": SCHEMA_VERSION,
        "clock": _dumps(state.clock.persisted()),
        "seed": _dumps(state.seed),
        "failureRate": _dumps(state.failure_rate),
        "strict": _dumps(state.strict),
        "outcomes": _dumps(state.outcomes.to_json()),
        "nextSeq": _dumps(state.next_seq),
        "fleet": _dumps(recipe),
    }


def _outcomes(value: str | None) -> PackageOutcomes:
    """The misbehaving packages a meta value keeps (none in files from before they were kept)."""
    try:
        return PackageOutcomes.from_json(json.loads(value)) if value else PackageOutcomes()
    except (OutcomeError, ValueError) as exc:
        raise StateError(
            f"emulator state: unreadable misbehaving packages ({exc}); delete the file to start "
            "afresh"
        ) from None


def _tokens(state: State) -> Tokens:
    return dict(state.access_tokens), dict(state.session_tokens)


def explain(path: Path, exc: BaseException) -> str:
    """One line naming the file, what went wrong and the fix (never a traceback)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    lower = text.lower()
    code = getattr(exc, "errno", None)
    if "full" in lower or code == errno.ENOSPC:
        fix = "free some disk space and retry (the request was not applied)"
    elif code in (errno.EACCES, errno.EPERM, errno.EROFS) or any(
        w in lower for w in ("readonly", "read-only", "permission", "unable to open")
    ):
        fix = f"make {path} and its directory writable, or choose another state path"
    elif "locked" in lower or "busy" in lower:
        fix = "another fota process held the state too long; retry"
    elif any(w in lower for w in ("not a database", "malformed", "corrupt")):
        fix = f"delete {path} (and {path.name}-wal, {path.name}-shm) to start afresh"
    else:
        fix = f"check {path} and its directory, or delete it to start afresh"
    return f"{path}: cannot use the emulator state ({text}); {fix}"


class SqlStore:
    """The state of one emulator, persisted at ``path``; ``state`` is the up-to-date cache.

    Use ``transaction()`` around every request (the emulator's lock already serialises its
    own threads; the transaction serialises processes)."""

    def __init__(self, path: Path, real: Callable[[], float] = time.time) -> None:
        self.path = path
        self._real = real
        self._conn = _connect(path)
        self.state: State
        self._gen = 0
        self._meta: dict[str, str] = {}
        self._tokens: Tokens | None = None
        self._stale = True  # memory may disagree with the database: read it all
        # Group commit (``durable``): transactions written or read, and how many are on disk.
        self._written = 0
        self._synced = 0
        self._sync_lock = threading.Lock()
        self._wal_fd: int | None = None
        wal = self._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        self._group = wal
        self._conn.execute(f"PRAGMA synchronous={'NORMAL' if wal else 'FULL'}")

    @classmethod
    def open(
        cls,
        path: Path,
        fresh: Callable[[], State],
        *,
        real: Callable[[], float] = time.time,
        import_from: Path | None = None,
    ) -> SqlStore:
        """The store at ``path``: created with ``fresh()`` if new, imported once from a JSON
        state (at ``path`` itself, or at ``import_from`` when ``path`` does not exist yet)."""
        _import_json(path, import_from, real)
        store = cls(path, real)
        with store._failing_as_state_error():
            store._conn.execute("BEGIN IMMEDIATE")
            try:
                if store._initialised():
                    store._load_all()
                else:
                    for statement in _SCHEMA:
                        store._conn.execute(statement)
                    store.state = fresh()
                    store._write_all()
                store._conn.execute("COMMIT")
            except BaseException:
                store._conn.execute("ROLLBACK")
                raise
            store._written += 1
            store.durable()
            _sync_directory(path.parent)  # the database and its log exist for good
        return store

    def close(self) -> None:
        self._conn.close()
        if self._wal_fd is not None:
            os.close(self._wal_fd)
            self._wal_fd = None

    def durable(self) -> None:
        """Return once every transaction this process committed, or read from another
        process, is on disk. Call after the transaction, before answering, without holding
        the emulator's lock: a caller finding an fsync under way waits for it and, if that
        fsync started after its own commit, needs none of its own (group commit)."""
        if not self._group:
            return  # synchronous=FULL already synced each commit
        ticket = self._written
        if self._synced >= ticket:
            return
        with self._sync_lock:
            if self._synced >= ticket:
                return
            target = self._written  # every commit counted here has been written to the log
            try:
                if self._wal_fd is None:
                    self._wal_fd = os.open(f"{self.path}-wal", os.O_RDONLY)
                os.fsync(self._wal_fd)
            except OSError as exc:  # committed, but maybe not on disk: say so, never "not applied"
                raise StateError(
                    f"{self.path}: cannot sync the emulator state to disk ({exc.strerror}); "
                    "check the disk, and the state (the last change may or may not be on disk) "
                    "before retrying"
                ) from exc
            self._synced = target

    # --- transactions --------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[State]:
        """Take the write lock, bring ``state`` up to date, run the block, write what it
        changed and commit. An exception in the block rolls everything back (memory is read
        again at the next transaction); a write that fails raises ``StateError``."""
        with self._failing_as_state_error():
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._refresh()
            except BaseException:
                self._abandon()
                raise
        try:
            yield self.state
        except BaseException:
            self._abandon()
            raise
        try:
            with self._failing_as_state_error():
                gen = self._flush()
                self._conn.execute("COMMIT")
        except BaseException:
            self._abandon()
            raise
        if gen is not None:
            self._gen = gen
            self._written += 1

    def _abandon(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        self._stale = True

    @contextlib.contextmanager
    def _failing_as_state_error(self) -> Iterator[None]:
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise StateError(explain(self.path, exc)) from exc

    def _initialised(self) -> bool:
        row = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
        ).fetchone()
        return row is not None

    # --- reading -------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Read what other processes wrote since this one last looked (or everything)."""
        if self._stale:
            self._load_all()
            self._written += 1  # what was read may be another process's unsynced commit
            return
        row = self._conn.execute("SELECT gen FROM meta WHERE key = 'gen'").fetchone()
        current = int(row[0]) if row else 0
        if current == self._gen:
            return
        self._written += 1  # another process's commit, maybe not on disk yet: sync it too
        if current < self._gen:  # the database was replaced underneath: start over
            self._load_all()
            return
        since, state, conn = self._gen, self.state, self._conn
        changed = dict(conn.execute("SELECT key, value FROM meta WHERE gen > ?", (since,)))
        if "fleet" in changed or changed.get("schema", SCHEMA_VERSION) != SCHEMA_VERSION:
            self._load_all()
            return
        if "clock" in changed:
            state.clock = SimClock.from_json(json.loads(changed["clock"]), real=self._real)
        if "seed" in changed:
            state.seed = int(json.loads(changed["seed"]))
        if "failureRate" in changed:
            state.failure_rate = float(json.loads(changed["failureRate"]))
        if "strict" in changed:
            state.strict = bool(json.loads(changed["strict"]))
        if "outcomes" in changed:
            state.outcomes = _outcomes(changed["outcomes"])
        if "nextSeq" in changed:
            state.next_seq = int(json.loads(changed["nextSeq"]))
        if "tokens" in changed:
            state.access_tokens, state.session_tokens = self._read_tokens()
        member = _members()
        rows = conn.execute(
            "SELECT id, header FROM campaigns WHERE gen > ? ORDER BY seq", (since,)
        ).fetchall()
        enrolled: list[Device] = []
        for cid, header in rows:
            fresh = Campaign.from_json(json.loads(header))
            existing = state.campaigns.get(cid)
            if existing is None:
                found = _fill_members(fresh, conn.execute(_MEMBERS_OF, (cid,)), member)
                enrolled.extend(enrolled_device(fresh, imei) for imei in found)
                state.add_campaign(fresh)
                continue
            existing.update_header(fresh)
            for imei, joined, left, enrolled_here in conn.execute(_MEMBERS_SINCE, (cid, since)):
                existing.load_member(imei, member(joined, left))
                state.index_member(imei, cid)
                if enrolled_here:
                    enrolled.append(enrolled_device(existing, imei))
        fleet = state.fleet
        if not fleet.deferred:  # else the deferred reading will see them
            for device in enrolled:
                if fleet.get(device.imei) is None:
                    fleet.add(device)
            for device in _devices(conn.execute(_DEVICES + " WHERE gen > ?", (since,))):
                fleet.add(device)
            fleet.changed.clear()
        self._gen = current
        self._meta = _meta(state)
        self._tokens = _tokens(state)

    def _load_all(self) -> None:
        conn = self._conn
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("schema") != SCHEMA_VERSION:
            raise StateError(
                f"{self.path}: unsupported emulator state schema {meta.get('schema')!r}; "
                "delete the file to start afresh"
            )
        recipe = json.loads(meta["fleet"])
        count, seed, account = int(recipe["count"]), int(recipe["seed"]), str(recipe["account"])
        fleet = Fleet({}, count, seed, account, set())

        def read_fleet() -> tuple[Iterator[Device], list[Device]]:
            """Generated devices; then those enrolled by a campaign; then the devices rows,
            which win (a device changed after its enrolment, a licence assigned)."""
            campaigns = state.campaigns
            explicit = [
                enrolled_device(campaigns[cid], imei)
                for cid, imei in conn.execute(
                    "SELECT campaign, imei FROM members WHERE enrolled = 1"
                )
            ]
            explicit.extend(_devices(conn.execute(_DEVICES)))
            return generated_devices(count, seed, account), explicit

        fleet.defer(read_fleet)  # creates need the fleet; plans and reports never do
        state = State(
            clock=SimClock.from_json(json.loads(meta["clock"]), real=self._real),
            fleet=fleet,
            seed=int(json.loads(meta["seed"])),
            failure_rate=float(json.loads(meta["failureRate"])),
            strict=bool(json.loads(meta["strict"])),
            outcomes=_outcomes(meta.get("outcomes")),
            next_seq=int(json.loads(meta["nextSeq"])),
        )
        state.access_tokens, state.session_tokens = self._read_tokens()
        member = _members()
        campaigns = [
            Campaign.from_json(json.loads(header))
            for (header,) in conn.execute("SELECT header FROM campaigns ORDER BY seq")
        ]
        by_id = {c.id: c for c in campaigns}
        rows = conn.execute(
            "SELECT campaign, imei, joined, left FROM members ORDER BY campaign, imei"
        )
        current: Campaign | None = None
        for cid, imei, joined, left in rows:
            if current is None or current.id != cid:
                current = by_id[cid]
            current.members[imei] = member(joined, left)
        for campaign in campaigns:
            # Rows come in (campaign, imei) order: the member order needs no sort.
            campaign.sorted_imeis = [i for i, m in campaign.members.items() if m.left is None]
            state.add_campaign(campaign)
        self.state = state
        self._gen = int(meta.get("gen", "0"))
        self._meta = _meta(state)
        self._tokens = _tokens(state)
        self._stale = False

    def _read_tokens(self) -> Tokens:
        access: dict[str, datetime] = {}
        session: dict[str, datetime] = {}
        for digest, kind, expiry in self._conn.execute("SELECT digest, kind, expiry FROM tokens"):
            (access if kind == _ACCESS else session)[digest] = parse_instant(expiry)
        return access, session

    # --- writing -------------------------------------------------------------------------

    def _write_all(self) -> None:
        """Everything in ``state`` as rows (a new database, or a JSON import)."""
        state = self.state
        state.touched.update(state.campaigns)
        for campaign in state.campaigns.values():
            campaign.changed.update(campaign.members)
        fleet = state.fleet
        if fleet.devices:  # reading a deferred fleet completes ``explicit``
            fleet.changed.update(fleet.explicit or ())
        self._meta, self._tokens = {}, None
        self._gen = self._flush() or 0
        self._stale = False

    def _flush(self) -> int | None:
        """Write what changed since the last transaction; the new generation, or None when
        nothing changed (then nothing is written)."""
        state, conn = self.state, self._conn
        gen = self._gen + 1
        meta = _meta(state)
        changed = [(k, v, gen) for k, v in meta.items() if self._meta.get(k) != v]
        tokens = _tokens(state)
        if tokens != self._tokens:
            conn.execute("DELETE FROM tokens")
            conn.executemany(
                "INSERT INTO tokens VALUES (?, ?, ?)",
                [
                    (digest, kind, rfc3339(expiry))
                    for kind, table in ((_ACCESS, tokens[0]), (_SESSION, tokens[1]))
                    for digest, expiry in table.items()
                ],
            )
            changed.append(("tokens", str(gen), gen))
        wrote = bool(changed)
        fleet = state.fleet
        enrolled = fleet.enrolled
        # Formatted once per instant: a create's members share one join instant.
        stamp = functools.lru_cache(maxsize=256)(rfc3339)
        for cid in sorted(state.touched, key=lambda c: state.campaigns[c].seq):
            campaign = state.campaigns[cid]
            conn.execute(
                "INSERT OR REPLACE INTO campaigns VALUES (?, ?, ?, ?)",
                (cid, campaign.seq, _dumps(campaign.header_json()), gen),
            )
            if campaign.changed:
                _write_members(conn, campaign, enrolled, gen, stamp)
                campaign.changed.clear()
            wrote = True
        state.touched.clear()
        fleet.changed.update(enrolled)  # enrolled without joining (never expected): own rows
        enrolled.clear()
        if fleet.changed:
            conn.executemany(
                "INSERT OR REPLACE INTO devices VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        d.imei,
                        d.account,
                        d.make,
                        d.model,
                        d.firmware,
                        d.protocol,
                        d.mdn,
                        int(d.licensed),
                        gen,
                    )
                    for d in (fleet.devices[imei] for imei in fleet.changed)
                ],
            )
            fleet.changed.clear()
            wrote = True
        if not wrote:
            return None
        changed.append(("gen", str(gen), gen))
        conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?, ?)", changed)
        self._meta, self._tokens = meta, tokens
        return gen


def _write_members(
    conn: sqlite3.Connection,
    campaign: Campaign,
    enrolled: dict[str, str],
    gen: int,
    stamp: Callable[[datetime], str],
) -> None:
    """Write the rows of ``campaign``'s changed members; each device the campaign enrolled
    leaves ``enrolled`` (its row carries the flag).

    Why not a row at a time: a create writes up to a million rows whose members share one
    ``Member``. Those go as one statement per enrolment flag, the IMEIs as one JSON array
    that SQLite unpacks itself (``json_each``): about half the time of ``executemany``, and
    inside one step that runs without the interpreter lock, so an embedded emulator's writes
    no longer stall the client threads of the same process (``executemany`` takes the lock
    back for every row). Members that differ (removals, rejoins) are written row by row.
    """
    cid, members = campaign.id, campaign.members
    imeis = sorted(campaign.changed)  # in key order: the B-tree appends rather than inserts
    owners = list(map(enrolled.pop, imeis, repeat(None)))
    here = list(map(eq, owners, repeat(cid)))
    if not all(here):  # put back the devices other campaigns enrolled
        for imei, owner in zip(imeis, owners, strict=True):
            if owner is not None and owner != cid:
                enrolled[imei] = owner
    held = list(map(members.__getitem__, imeis))
    if len(set(map(id, held))) == 1 and _json_each_available():  # joined together
        member = held[0]
        left = stamp(member.left) if member.left else None
        for flag in (True, False):
            group = list(compress(imeis, map(eq, here, repeat(flag))))
            if group:
                row = (cid, stamp(member.joined), left, gen, flag, json.dumps(group))
                conn.execute(_UPSERT_MEMBERS_JSON, row)
        return
    conn.executemany(
        _UPSERT_MEMBER,
        [
            (cid, imei, stamp(m.joined), stamp(m.left) if m.left else None, gen, h)
            for imei, m, h in zip(imeis, held, here, strict=True)
        ],
    )


@functools.cache
def _json_each_available() -> bool:
    """SQLite's JSON functions are built in since 3.38 and compiled into most older builds."""
    try:
        sqlite3.connect(":memory:").execute("SELECT count(*) FROM json_each('[1]')").fetchone()
    except sqlite3.Error:
        return False
    return True


_MEMBERS_OF = "SELECT imei, joined, left, enrolled FROM members WHERE campaign = ? ORDER BY imei"
_MEMBERS_SINCE = "SELECT imei, joined, left, enrolled FROM members WHERE campaign = ? AND gen > ?"
# A membership written again (a removal, a rejoin) keeps the campaign's enrolment of the device.
_ON_CONFLICT = (
    " ON CONFLICT (campaign, imei) DO UPDATE SET"
    " joined = excluded.joined, left = excluded.left, gen = excluded.gen,"
    " enrolled = max(enrolled, excluded.enrolled)"
)
_UPSERT_MEMBER = "INSERT INTO members VALUES (?, ?, ?, ?, ?, ?)" + _ON_CONFLICT
# The same for many IMEIs sharing the other columns ("WHERE true": SQLite's upsert syntax).
_UPSERT_MEMBERS_JSON = (
    "INSERT INTO members SELECT ?, value, ?, ?, ?, ? FROM json_each(?) WHERE true" + _ON_CONFLICT
)
_DEVICES = "SELECT imei, account, make, model, firmware, protocol, mdn, licensed FROM devices"


def _members() -> Callable[[str, str | None], Member]:
    """Member rows to ``Member`` objects, one per distinct (joined, left): the members of a
    create (or of a removal) share one instant, so a million rows make a handful of objects."""
    cache: dict[tuple[str, str | None], Member] = {}

    def member(joined: str, left: str | None) -> Member:
        known = cache.get((joined, left))
        if known is None:
            known = cache[(joined, left)] = Member(
                parse_instant(joined), parse_instant(left) if left else None
            )
        return known

    return member


def _fill_members(
    campaign: Campaign,
    rows: Iterator[tuple[str, str, str | None, int]],
    member: Callable[[str, str | None], Member],
) -> list[str]:
    """The campaign's members from its rows; returns the IMEIs it enrolled."""
    members = campaign.members
    enrolled: list[str] = []
    for imei, joined, left, enrolled_here in rows:
        members[imei] = member(joined, left)
        if enrolled_here:
            enrolled.append(imei)
    campaign.sorted_imeis = [i for i, m in members.items() if m.left is None]
    return enrolled


def _devices(rows: Iterator[tuple[str, str, str, str, str, str, str, int]]) -> Iterator[Device]:
    for imei, account, make, model, firmware, protocol, mdn, licensed in rows:
        yield Device(imei, account, make, model, firmware, protocol, mdn, bool(licensed))


def _connect(path: Path) -> sqlite3.Connection:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        where = (
            f" ({exc.filename} exists and is not a directory)"
            if isinstance(exc, (FileExistsError, NotADirectoryError))
            else ""
        )
        raise StateError(
            f"{path}: cannot write the emulator state: {exc.strerror}{where}; "
            "choose a state path in a writable directory"
        ) from exc
    try:
        conn = sqlite3.connect(
            str(path),
            timeout=BUSY_TIMEOUT_SECONDS,
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # used under the emulator's lock, from server threads
        )
        conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.Error as exc:
        raise StateError(explain(path, exc)) from exc
    return conn


def _sync_directory(directory: Path) -> None:
    """Make new files' directory entries durable (the database and its log, once per open).
    Best effort: some file systems cannot fsync a directory."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _holds_json(path: Path) -> bool:
    """A file that is there, not empty and not a SQLite database: an earlier JSON state (or
    something else, which the import then refuses in one line)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except (FileNotFoundError, NotADirectoryError):
        return False  # not there (opening it says why, if it cannot be made)
    except OSError as exc:
        raise StateError(explain(path, exc)) from exc
    return bool(head) and head != SQLITE_MAGIC


def _import_json(path: Path, legacy: Path | None, real: Callable[[], float]) -> None:
    """Import a JSON state once. In place (``path`` holds JSON): the JSON is copied to
    ``<path>.imported`` and the database replaces it atomically. From ``legacy`` (``path``
    not there yet): the database appears at ``path`` atomically and ``legacy`` is renamed
    ``<legacy>.imported``. Under an exclusive lock on the JSON file, re-checked once held, so
    two processes starting together import once."""
    in_place = _holds_json(path)
    source = path if in_place else legacy
    if source is None or (not in_place and (path.exists() or not source.exists())):
        return
    try:
        handle = source.open("rb")
    except FileNotFoundError:
        return  # imported and renamed by another process meanwhile
    except OSError as exc:
        raise StateError(explain(source, exc)) from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if (in_place and not _holds_json(path)) or (not in_place and path.exists()):
            return
        state = load_state(source)
        state.clock = SimClock.from_json(state.clock.to_json(), real=real)
        building = path.with_name(f".{path.name}.importing-{os.getpid()}")
        try:
            _build(building, state, real)
            backup = source.with_name(source.name + ".imported")
            if in_place:
                shutil.copy2(source, backup)
                os.replace(building, path)
            else:
                try:
                    os.link(building, path)  # never over a database made meanwhile
                except FileExistsError:
                    return
                os.replace(source, backup)
        except OSError as exc:
            raise StateError(explain(path, exc)) from exc
        finally:
            building.unlink(missing_ok=True)


def _build(path: Path, state: State, real: Callable[[], float]) -> None:
    """A complete database at ``path`` (not yet visible under its final name)."""
    path.unlink(missing_ok=True)
    store = SqlStore(path, real)
    try:
        with store._failing_as_state_error():
            store._conn.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            store._conn.execute("PRAGMA synchronous=FULL")
            store._conn.execute("BEGIN IMMEDIATE")
            for statement in _SCHEMA:
                store._conn.execute(statement)
            store.state = state
            store._write_all()
            store._conn.execute("COMMIT")
    finally:
        store.close()
