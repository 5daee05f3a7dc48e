"""The emulator's state in memory: campaigns, fleet, tokens, clock; and the JSON form earlier
versions persisted (still read, to import it once: ``sqlstore``).

One ``State`` per emulator, guarded by the emulator's single lock (handlers run under it), so
the store itself has no locking. Per-campaign member IMEIs are kept sorted: a report page is a
bisect and a slice. What a request changes is tracked (``State.touched``, ``Campaign.changed``,
``Fleet.changed``) so that the persisted store writes only those rows (``sqlstore``). Token
values are never stored, only their SHA-256 digests, so a state file holds no secret.
Why one module of ~430 lines: the state's shape and its change tracking are one thing; the
persisted form lives in ``sqlstore``.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from reconciler.sim import lifecycle, progress
from reconciler.sim.clock import SimClock, parse_instant, rfc3339
from reconciler.sim.fleet import Device, Fleet
from reconciler.sim.lifecycle import Window
from reconciler.sim.outcomes import PackageOutcomes

STATE_VERSION = 1
FIRMWARE = "firmware"
SOFTWARE = "software"


class StateError(ValueError):
    """A state file the emulator cannot load (message names the file and the fix)."""


@dataclass(frozen=True)
class Member:
    """Immutable, so that members who joined (and left) together can share one object."""

    joined: datetime
    left: datetime | None = None


@dataclass
class Campaign:
    id: str
    seq: int
    account: str
    kind: str  # FIRMWARE (v3) | SOFTWARE (v2)
    name: str | None
    package: str
    from_version: str
    to_version: str
    protocol: str
    make: str
    model: str
    start: date
    end: date
    created: datetime
    failure_rate: float
    windows: tuple[Window, ...] = ()  # v3 campaignTimeWindowList / v2 downloadTimeWindowList
    install_windows: tuple[Window, ...] = ()  # v2 only
    download_after: date | None = None
    install_after: date | None = None
    auto_assign: bool = False
    auto_add: bool = False
    reads: int = 0
    failure: str | None = None
    closed: str | None = None
    closed_at: datetime | None = None
    regimes: list[progress.Regime] = field(default_factory=list)
    members: dict[str, Member] = field(default_factory=dict)
    # Sorted current members, brought up to date lazily by ``imeis``: joins and leaves are
    # buffered and merged in bulk when a reader needs the order, so appending a 10,000-device
    # chunk to a 1,000,000-device campaign costs one merge, not 10,000 list insertions.
    sorted_imeis: list[str] = field(default_factory=list, repr=False)
    _joining: set[str] = field(default_factory=set, repr=False, compare=False)
    _leaving: set[str] = field(default_factory=set, repr=False, compare=False)
    # Members whose row changed since the store last wrote this campaign (see ``sqlstore``).
    changed: set[str] = field(default_factory=set, repr=False, compare=False)

    @property
    def imeis(self) -> list[str]:
        """The current members in IMEI order (a report page is a bisect and a slice)."""
        if self._leaving:
            leaving = self._leaving
            self.sorted_imeis = [i for i in self.sorted_imeis if i not in leaving]
            leaving.clear()
        if self._joining:
            fresh = sorted(self._joining)
            self._joining.clear()
            current = self.sorted_imeis
            if current and fresh[0] < current[-1]:
                self.sorted_imeis = _merge(current, fresh)
            else:
                current.extend(fresh)
        return self.sorted_imeis

    def add_member(self, imei: str, now: datetime) -> None:
        self.add_members([imei], now)

    def add_members(self, imeis: list[str], now: datetime) -> None:
        """``add_member`` of each of ``imeis`` (distinct), in bulk: the devices that join at
        ``now`` share one ``Member`` and the sets are updated in C. Why: a create names up to
        a million devices, and per-device steps were most of an embedded apply's time."""
        members = self.members
        before = [i for i in imeis if i in members]  # members now, or members that left
        was = {i for i in before if members[i].left is None}
        members.update(dict.fromkeys(imeis, Member(now)))
        self.changed.update(imeis)
        if not before:  # the usual case: every device is new to this campaign
            self._joining.update(imeis)
            return
        for imei in imeis:
            if imei in was:
                continue
            if imei in self._leaving:  # left and rejoined before anyone read the order
                self._leaving.discard(imei)
            else:
                self._joining.add(imei)

    def remove_member(self, imei: str, now: datetime) -> None:
        was_member = self.is_member(imei)
        self.members[imei] = Member(self.members[imei].joined, now)
        self.changed.add(imei)
        if not was_member:
            return
        if imei in self._joining:
            self._joining.discard(imei)
        else:
            self._leaving.add(imei)

    def load_member(self, imei: str, member: Member) -> None:
        """Put a member row another process wrote into this campaign (not a change to write
        back): the sorted order is brought up to date as for ``add_member``/``remove_member``."""
        was_member = self.is_member(imei)
        self.members[imei] = member
        now_member = member.left is None
        if was_member == now_member:
            return
        if now_member:
            if imei in self._leaving:
                self._leaving.discard(imei)
            else:
                self._joining.add(imei)
        elif imei in self._joining:
            self._joining.discard(imei)
        else:
            self._leaving.add(imei)

    def is_member(self, imei: str) -> bool:
        member = self.members.get(imei)
        return member is not None and member.left is None

    def status(self, now: datetime, settle: timedelta) -> str:
        return lifecycle.status(
            closed=self.closed,
            failure=self.failure,
            reads=self.reads,
            created=self.created,
            end=self.end,
            now=now,
            settle=settle,
        )

    def timeline(self, settle: timedelta) -> progress.Timeline:
        runnable = self.failure is None and self.closed != lifecycle.CANCELLED
        until = lifecycle.end_instant(self.end)
        reason = ""
        if self.closed == lifecycle.ABORTED and self.closed_at is not None:
            until = min(until, self.closed_at)
            reason = "Campaign aborted before the device was upgraded"
        elif self.closed == lifecycle.CANCELLED:
            reason = "Campaign cancelled before its start"
        elif self.failure is not None:
            reason = f"Campaign request failed: {self.failure}"
        return progress.Timeline(
            campaign_id=self.id,
            active_from=max(lifecycle.start_instant(self.start), self.created + settle),
            active_until=until,
            regimes=self.regimes,
            failure_rate=self.failure_rate,
            runnable=runnable,
            closed_reason=reason,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **self.header_json(),
            # Grouped by join instant: a 100,000-device create writes one timestamp, not 100,000.
            "members": _group_members(self.members),
            "left": {i: rfc3339(m.left) for i, m in self.members.items() if m.left is not None},
        }

    def header_json(self) -> dict[str, Any]:
        """Everything but the members (the store keeps those in rows of their own)."""
        return {
            "id": self.id,
            "seq": self.seq,
            "account": self.account,
            "kind": self.kind,
            "name": self.name,
            "package": self.package,
            "from": self.from_version,
            "to": self.to_version,
            "protocol": self.protocol,
            "make": self.make,
            "model": self.model,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "created": rfc3339(self.created),
            "failureRate": self.failure_rate,
            "windows": [list(w) for w in self.windows],
            "installWindows": [list(w) for w in self.install_windows],
            "downloadAfter": self.download_after.isoformat() if self.download_after else None,
            "installAfter": self.install_after.isoformat() if self.install_after else None,
            "autoAssign": self.auto_assign,
            "autoAdd": self.auto_add,
            "reads": self.reads,
            "failure": self.failure,
            "closed": self.closed,
            "closedAt": rfc3339(self.closed_at) if self.closed_at else None,
            "regimes": [[rfc3339(r.since), [list(w) for w in r.windows]] for r in self.regimes],
        }

    def update_header(self, other: Campaign) -> None:
        """Take ``other``'s header fields (a newer version of this campaign's row), keeping
        this object: the listing and device indexes hold it."""
        for name in HEADER_FIELDS:
            setattr(self, name, getattr(other, name))

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Campaign:
        def opt_date(v: str | None) -> date | None:
            return date.fromisoformat(v) if v else None

        members: dict[str, Member] = {}
        for joined_text, imeis in d.get("members", {}).items():
            joined = parse_instant(joined_text)
            for imei in imeis:
                members[imei] = Member(joined)
        for imei, left in d.get("left", {}).items():
            members[imei] = Member(members[imei].joined, parse_instant(left))
        return cls(
            id=d["id"],
            seq=d["seq"],
            account=d["account"],
            kind=d["kind"],
            name=d["name"],
            package=d["package"],
            from_version=d["from"],
            to_version=d["to"],
            protocol=d["protocol"],
            make=d["make"],
            model=d["model"],
            start=date.fromisoformat(d["start"]),
            end=date.fromisoformat(d["end"]),
            created=parse_instant(d["created"]),
            failure_rate=d["failureRate"],
            windows=tuple((s, e) for s, e in d["windows"]),
            install_windows=tuple((s, e) for s, e in d["installWindows"]),
            download_after=opt_date(d["downloadAfter"]),
            install_after=opt_date(d["installAfter"]),
            auto_assign=d["autoAssign"],
            auto_add=d["autoAdd"],
            reads=d["reads"],
            failure=d["failure"],
            closed=d["closed"],
            closed_at=parse_instant(d["closedAt"]) if d["closedAt"] else None,
            regimes=[
                progress.Regime(parse_instant(since), tuple((s, e) for s, e in ws))
                for since, ws in d["regimes"]
            ],
            members=members,
            sorted_imeis=sorted(i for i, m in members.items() if m.left is None),
        )


def enrolled_device(campaign: Campaign, imei: str) -> Device:
    """The device lenient mode enrols when ``campaign`` names an unknown IMEI: the campaign's
    account, make, model, protocol, and its from-version as the device's firmware."""
    return Device(
        imei=imei,
        account=campaign.account,
        make=campaign.make,
        model=campaign.model,
        firmware=campaign.from_version,
        protocol=campaign.protocol,
    )


HEADER_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(Campaign)
    if f.name not in ("members", "sorted_imeis", "_joining", "_leaving", "changed")
)
"""The fields a campaign row holds (``header_json``): all but the members and their order."""


def _merge(current: list[str], fresh: list[str]) -> list[str]:
    """Merge sorted ``fresh`` into sorted ``current``: a bisect per new IMEI and slice copies
    between them (memory copies, no per-element Python work for the existing members)."""
    out: list[str] = []
    previous = 0
    for imei in fresh:
        index = bisect.bisect_left(current, imei, previous)
        out.extend(current[previous:index])
        out.append(imei)
        previous = index
    out.extend(current[previous:])
    return out


def _group_members(members: dict[str, Member]) -> dict[str, list[str]]:
    groups: dict[datetime, list[str]] = {}
    for imei, member in members.items():
        groups.setdefault(member.joined, []).append(imei)
    return {rfc3339(joined): imeis for joined, imeis in groups.items()}


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class State:
    clock: SimClock
    fleet: Fleet
    seed: int
    failure_rate: float
    strict: bool = False
    outcomes: PackageOutcomes = field(default_factory=PackageOutcomes)  # misbehaving packages
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # campaign ids in creation order
    next_seq: int = 1
    access_tokens: dict[str, datetime] = field(default_factory=dict)  # digest -> expiry
    session_tokens: dict[str, datetime] = field(default_factory=dict)
    _by_device: dict[str, list[str]] | None = field(default=None, repr=False)
    # Campaigns whose row changed since the store last wrote them (handlers ``Ctx.touch``).
    touched: set[str] = field(default_factory=set, repr=False)
    # (account, kind) -> (seqs, campaigns) in creation order: a listing page bisects to the
    # campaign after lastSeenCampaignId instead of scanning every campaign of every account.
    by_kind: dict[tuple[str, str], tuple[list[int], list[Campaign]]] = field(
        default_factory=dict, repr=False
    )

    def campaigns_after(self, account: str, kind: str, seq: int) -> Iterator[Campaign]:
        """The account's campaigns of ``kind`` created after the one numbered ``seq``, oldest
        first, without copying the list (a listing stops after one page)."""
        entry = self.by_kind.get((account, kind))
        if entry is None:
            return
        seqs, campaigns = entry
        for index in range(bisect.bisect_right(seqs, seq), len(campaigns)):
            yield campaigns[index]

    @property
    def by_device(self) -> dict[str, list[str]]:
        """IMEI -> ids of the campaigns it ever joined, oldest first. Built on first use: a
        device's firmware matters to creates and device listings, never to a plan's reads, so
        a process that only plans does not pay for indexing a million members."""
        if self._by_device is None:
            index: dict[str, list[str]] = {}
            for cid in self.order:
                for imei in self.campaigns[cid].members:
                    index.setdefault(imei, []).append(cid)
            self._by_device = index
        return self._by_device

    def index_member(self, imei: str, campaign_id: str) -> None:
        if self._by_device is None:
            return  # built from the members when first needed
        ids = self._by_device.setdefault(imei, [])
        if campaign_id not in ids:
            ids.append(campaign_id)

    def add_campaign(self, campaign: Campaign) -> None:
        self.campaigns[campaign.id] = campaign
        self.order.append(campaign.id)
        seqs, campaigns = self.by_kind.setdefault((campaign.account, campaign.kind), ([], []))
        if seqs and campaign.seq <= seqs[-1]:  # not in creation order (a hand-edited file)
            index = bisect.bisect_right(seqs, campaign.seq)
            seqs.insert(index, campaign.seq)
            campaigns.insert(index, campaign)
        else:
            seqs.append(campaign.seq)
            campaigns.append(campaign)
        if self._by_device is not None:
            for imei in campaign.members:
                self.index_member(imei, campaign.id)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "clock": self.clock.to_json(),
            "seed": self.seed,
            "failureRate": self.failure_rate,
            "strict": self.strict,
            "nextSeq": self.next_seq,
            "fleet": self.fleet.to_json(),
            "campaigns": [self.campaigns[i].to_json() for i in self.order],
            "accessTokens": {k: rfc3339(v) for k, v in self.access_tokens.items()},
            "sessionTokens": {k: rfc3339(v) for k, v in self.session_tokens.items()},
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> State:
        if d.get("version") != STATE_VERSION:
            raise StateError(f"unsupported state version {d.get('version')!r}")
        state = cls(
            clock=SimClock.from_json(d["clock"]),
            fleet=Fleet.from_json(d["fleet"]),
            seed=d["seed"],
            failure_rate=d["failureRate"],
            strict=d.get("strict", False),
            next_seq=d["nextSeq"],
            access_tokens={k: parse_instant(v) for k, v in d["accessTokens"].items()},
            session_tokens={k: parse_instant(v) for k, v in d["sessionTokens"].items()},
        )
        for raw in d["campaigns"]:
            state.add_campaign(Campaign.from_json(raw))
        return state


def load_state(path: Path) -> State:
    """A JSON state document (what earlier versions wrote; ``sqlstore`` imports it once)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise StateError(f"expected a JSON object, found {type(data).__name__}")
        return State.from_json(data)
    except UnicodeDecodeError as exc:
        raise StateError(
            f"{path}: not an emulator state (neither a SQLite database nor JSON: {exc.reason}); "
            "delete the file to start afresh, or choose another state path"
        ) from exc
    except (OSError, ValueError, KeyError, TypeError, AttributeError, AssertionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise StateError(
            f"{path}: cannot load the emulator state ({reason or type(exc).__name__}); "
            "delete the file to start afresh, or choose another state path"
        ) from exc
