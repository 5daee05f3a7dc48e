"""Reading live state: which live campaign is each spec's, and what does it look like now.

This is the I/O edge the planner stands on, so identity is decided here, without local state:

- a spec that pins ``campaignId`` is that campaign (a missing one is an error, never a
  reason to create a new campaign);
- otherwise the spec's name is looked up in the campaign listing. The API lists by status
  only, so each (account, kind) is listed once per status, however many specs share it, the
  statuses one after another in lifecycle order (so a campaign moving on is not missed);
- two live, non-terminal campaigns with the spec's name cannot be told apart: that is an
  error asking to pin ``campaignId``;
- if only finished (terminal) campaigns carry the name, the most recent is returned, so the
  planner sees the spec as done and never re-creates it.

Campaign fields come from GET campaign (listing items lack the auto flags); devices come from
the paged device-status report, and only for campaigns that are still alive. Campaigns are read
concurrently, bounded by the client's ``concurrency``.

Limitation (from the API): a campaign whose status is outside the formal enum (e.g. an
example's ``CampaignPreScheduled``) appears in no listing, so it can only be found by pinning
its ``campaignId``.

v1 upgrades carry no name. A v1 spec pinned by ``upgradeId`` is that upgrade; otherwise its
upgrade is the one whose firmware name, target version, start and end dates equal the spec's,
found in the v1 listing (every UpgradeStatus, ``startIndex`` paging). Two live upgrades with
those fields cannot be told apart: an error asking to pin ``upgradeId``. A cancelled upgrade is
in no v1 listing, so an unpinned spec whose upgrade was cancelled plans it anew.

Why one module of ~540 lines: identity (listings in lifecycle order, pinned ids, namesakes),
loading and the status reports share the listing snapshot and the campaign references; the
request pool, read-ahead and device maps are in ``_loads``, ``ahead`` and ``devicemap``.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from reconciler.errors import Problem, ProblemsFound, UserError
from reconciler.lifecycle.statuses import is_terminal, listing_order
from reconciler.model import (
    CampaignSpec,
    Kind,
    LiveCampaign,
)
from reconciler.thingspace._client import ThingSpaceClient
from reconciler.thingspace._errors import NotFoundError, TransportError
from reconciler.thingspace._loads import CampaignLoads
from reconciler.thingspace.report import CampaignReport, DeviceSummary
from reconciler.thingspace.wire import (
    WireError,
    decode_answer,
    decode_campaign,
    decode_device_page,
    same_upgrade,
    spec_upgrade_fields,
    upgrade_fields,
)

JsonObject = dict[str, Any]
Progress = Callable[[int], None]
"""Called with the number of devices just read (one call per report page, from any thread)."""
Watcher = Callable[[Sequence[JsonObject]], None]
"""Called with listing items as they arrive (see ``Listings.watch``)."""


@dataclass(frozen=True)
class LiveState:
    """What the planner plans against: the server's clock and each spec's live campaign."""

    now: datetime
    matches: Mapping[tuple[str, str], LiveCampaign | None]


@dataclass(frozen=True)
class CampaignRef:
    """Where a spec's live campaign is; ``body`` is its GET answer when already fetched."""

    account: str
    kind: Kind
    id: str
    status: str
    body: JsonObject | None = None

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)


class Listings:
    """The campaign listings of (account, kind) groups, each read at most once.

    One plan needs the same listings for several questions (which campaign a spec names, which
    campaigns a prune prefix covers, whether a cut replacement already has a successor); sharing
    one ``Listings`` between them reads each group's 8 paged status queries once, and answers
    all three from one snapshot.

    A group's listing runs in the background from :meth:`start` (e.g. while spec files are
    still being read); :meth:`watch` sees its items status by status as they arrive, so a
    campaign can be read before the whole listing is done; :meth:`groups` waits for it.
    """

    def __init__(self, client: ThingSpaceClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._groups: dict[tuple[str, Kind], _GroupListing] = {}

    def start(self, wanted: Iterable[tuple[str, Kind]]) -> None:
        """Begin listing the groups not begun yet (in the background; errors wait for
        :meth:`groups`)."""
        for group in sorted(set(wanted), key=lambda g: (g[0], g[1].value)):
            with self._lock:
                if group in self._groups:
                    continue
                listing = self._groups[group] = _GroupListing()
            listing.begin(self._client, *group)

    def watch(self, group: tuple[str, Kind], watcher: Watcher) -> None:
        """Call ``watcher`` with the group's items listed so far and then with each listing
        page's items as they arrive (from the listing's thread). Items may be seen more than
        once."""
        self.start([group])
        self._groups[group].watch(watcher)

    def groups(
        self, wanted: set[tuple[str, Kind]]
    ) -> dict[tuple[str, Kind], dict[str, list[JsonObject]]]:
        """Items by campaign name, for each wanted group (listing those not read yet)."""
        self.start(wanted)
        return {g: self._groups[g].by_name() for g in wanted}


def read_live(
    client: ThingSpaceClient,
    specs: Sequence[CampaignSpec],
    *,
    progress: Progress | None = None,
    listings: Listings | None = None,
    loads: CampaignLoads | None = None,
) -> LiveState:
    """The live campaign (or ``None``) of every spec, plus the server's "now".

    Raises ``ProblemsFound`` naming every spec whose identity is unclear (ambiguous name,
    pinned id that does not exist), all at once.

    Requests overlap as far as identity allows (see :mod:`reconciler.thingspace._loads`): a
    live campaign carrying a spec's name starts loading as soon as a listing page names it.
    ``listings`` and ``loads`` may have been started early (``thingspace.ahead``); given
    ``loads`` report to their own progress and stay open (their owner closes them).
    """
    listings = listings or Listings(client)
    with ExitStack() as stack:
        if loads is None:
            loads = stack.enter_context(CampaignLoads(client, progress))
        names: dict[tuple[str, Kind], set[str]] = defaultdict(set)
        for spec in specs:
            if not spec.campaign_id:
                names[(spec.account, spec.kind)].add(spec.name)
        listings.start(names)
        for group, wanted in names.items():
            listings.watch(group, _early_loader(loads, group, wanted))
        refs = find_campaigns(client, specs, listings=listings)
        found = [(key, ref) for key, ref in refs.items() if ref is not None]
        for _, ref in found:
            loads.start(ref.account, ref.kind, ref.id, ref.status, ref.body or None)
        matches: dict[tuple[str, str], LiveCampaign | None] = dict.fromkeys(refs)
        for key, ref in found:
            body, devices = loads.take(ref.account, ref.kind, ref.id, ref.status, ref.body or None)
            matches[key] = _decode(
                ref.kind, {"accountName": ref.account, **body, "id": ref.id}, devices or {}
            )
    # Taken last: a later "now" is the conservative one (things have started, windows closed).
    return LiveState(now=client.server_now(), matches=MappingProxyType(matches))


def _early_loader(loads: CampaignLoads, group: tuple[str, Kind], names: set[str]) -> Watcher:
    """Start reading the live campaigns of a listing page that carry a wanted name."""
    account, kind = group

    def seen(items: Sequence[JsonObject]) -> None:
        for item in items:
            status = str(item.get("status") or "")
            if str(item.get("campaignName") or "") in names and not is_terminal(status):
                loads.start(account, kind, str(item["id"]), status)

    return seen


def find_campaigns(
    client: ThingSpaceClient,
    specs: Sequence[CampaignSpec],
    *,
    listings: Listings | None = None,
) -> dict[tuple[str, str], CampaignRef | None]:
    """Identity only: which live campaign each spec refers to (see the module docstring)."""
    pinned = [spec for spec in specs if spec.campaign_id]
    by_name = [spec for spec in specs if not spec.campaign_id]
    problems: list[Problem] = []
    refs: dict[tuple[str, str], CampaignRef | None] = {}
    listings = listings or Listings(client)
    listings.start({(s.account, s.kind) for s in by_name})  # beside the pinned GETs

    def get_pinned(spec: CampaignSpec) -> JsonObject | None:
        assert spec.campaign_id is not None
        try:
            return client.get_campaign(spec.account, spec.kind, spec.campaign_id)
        except NotFoundError:
            return None

    for spec, body in zip(pinned, client.map_concurrently(get_pinned, pinned), strict=True):
        assert spec.campaign_id is not None
        if body is None:
            problems.append(
                _problem(
                    spec,
                    f"campaignId {spec.campaign_id} does not exist in account {spec.account} "
                    f"({spec.kind.value} campaigns); fix the id, or remove campaignId to find "
                    "or create the campaign by name"
                    if spec.kind.is_campaign
                    else f"upgradeId {spec.campaign_id} does not exist in account "
                    f"{spec.account} (v1 upgrades); fix the id, or remove upgradeId to find or "
                    "create the upgrade by its firmware and dates",
                )
            )
            continue
        refs[spec.key] = CampaignRef(
            spec.account, spec.kind, spec.campaign_id, str(body.get("status") or ""), body
        )

    by_group = listings.groups({(s.account, s.kind) for s in by_name})
    pinned_by = {(s.account, s.kind, s.campaign_id): s for s in pinned}
    for spec in by_name:
        candidates = _candidates(spec, by_group[(spec.account, spec.kind)])
        claimed = [
            pinned_by[k]
            for c in candidates
            if (k := (spec.account, spec.kind, c["id"])) in pinned_by
        ]
        if claimed:
            # Two specs must never steer one live campaign.
            other = claimed[0]
            problems.append(
                _problem(
                    spec,
                    f"the live campaign named {spec.name!r} ({other.campaign_id}) is pinned by "
                    f"spec {other.name!r} at {other.source}; rename this spec or pin it to "
                    "another campaignId"
                    if spec.kind.is_campaign
                    else f"the live v1 upgrade with this spec's firmware and dates "
                    f"({other.campaign_id}) is pinned by spec {other.name!r} at "
                    f"{other.source}; change this spec's dates or pin it to another upgradeId",
                )
            )
            continue
        ref, problem = _choose(spec, candidates)
        if problem is not None:
            problems.append(problem)
        refs[spec.key] = ref
    if problems:
        raise ProblemsFound(problems)
    return {spec.key: refs.get(spec.key) for spec in specs}


def load_campaign(
    client: ThingSpaceClient,
    ref: CampaignRef,
    *,
    progress: Progress | None = None,
    devices: bool = True,
) -> LiveCampaign:
    """GET the campaign (unless already fetched) and, if it is alive, its device report.

    ``devices=False`` skips the report (``devices`` stays empty): for callers such as ``fota
    status`` that stream the report themselves rather than hold a million devices in memory.
    """
    body = ref.body or client.get_campaign(ref.account, ref.kind, ref.id)
    status = str(body.get("status") or ref.status)
    if ref.kind is Kind.UPGRADE:  # the GET lists the devices: there is no device report
        return _decode(ref.kind, {"accountName": ref.account, **body, "id": ref.id}, None)
    found: dict[str, str] = {}
    if devices and not is_terminal(status):
        for raw in client.iter_campaign_device_pages(ref.account, ref.kind, ref.id):
            page = decode_device_page(raw)
            found.update((d.imei, d.status) for d in page.devices)
            if progress is not None:
                progress(len(page.devices))
    return _decode(ref.kind, {"accountName": ref.account, **body, "id": ref.id}, found)


def campaign_device_ids(
    client: ThingSpaceClient, ref: CampaignRef, *, progress: Progress | None = None
) -> list[str]:
    """Every device id in the campaign's device report, finished campaigns too (``fota
    import`` writes their specs), in report order."""
    ids: list[str] = []
    for raw in client.iter_campaign_device_pages(ref.account, ref.kind, ref.id):
        page = decode_device_page(raw)
        ids.extend(d.imei for d in page.devices)
        if progress is not None:
            progress(len(page.devices))
    return ids


def list_account_campaigns(
    client: ThingSpaceClient, account: str, kind: Kind, *, listings: Listings | None = None
) -> list[LiveCampaign]:
    """Every campaign of the account (all listed statuses), metadata only: devices are empty.

    For prune: finding live campaigns that no spec declares. Sorted by (name, id).
    """
    names = (listings or Listings(client)).groups({(account, kind)})[(account, kind)]
    out = [
        _decode(kind, {"accountName": account, **item}, None)
        for items in names.values()
        for item in items
    ]
    return sorted(out, key=lambda c: (c.name, c.id))


# --- helpers ----------------------------------------------------------------------------------


class _GroupListing:
    """One (account, kind) listed in a thread of its own: every status, one after another.

    The statuses are read in ``listing_order(kind)`` (the status table's lifecycle order; v1
    upgrades have their own UpgradeStatus values), one query
    finished before the next is sent: a campaign that moves forward (Pending -> Queued) while
    the group is being listed has left a status already queried for one not queried yet, so
    the later query sees it. Queried concurrently, both queries could miss it and the planner
    would create a second campaign. The cost is one round trip per status, on the critical
    path of every plan, so these requests are urgent (they go first at the client's gate)
    and the campaigns they name are read meanwhile (:meth:`watch`). A campaign listed twice
    (it moved after being seen) is de-duplicated by id, keeping the later-listed, more
    advanced, one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_id: dict[str, JsonObject] = {}
        self._watchers: list[Watcher] = []
        self._done: Future[None] = Future()

    def begin(self, client: ThingSpaceClient, account: str, kind: Kind) -> None:
        thread = threading.Thread(
            target=self._run, args=(client, account, kind), name="fota-listing", daemon=True
        )
        thread.start()

    def watch(self, watcher: Watcher) -> None:
        with self._lock:
            self._watchers.append(watcher)
            seen = list(self._by_id.values())
        if seen:
            watcher(seen)

    def by_name(self) -> dict[str, list[JsonObject]]:
        self._done.result()
        names: dict[str, list[JsonObject]] = defaultdict(list)
        for item in self._by_id.values():
            names[str(item.get("campaignName") or "")].append(item)
        return dict(names)

    def _run(self, client: ThingSpaceClient, account: str, kind: Kind) -> None:
        try:
            with client.urgent():
                for status in listing_order(kind):
                    # Watchers hear of each page as it arrives: a status may list a thousand
                    # campaigns over twenty pages, and their reads can start a page at a time.
                    for page in client.list_campaign_pages(account, kind, status):
                        batch = [
                            {**item, "status": item.get("status") or status}
                            for item in page
                            if item.get("id") is not None
                        ]
                        with self._lock:
                            self._by_id.update((str(item["id"]), item) for item in batch)
                            watchers = list(self._watchers)
                        for watcher in watchers:
                            watcher(batch)
        except BaseException as exc:  # handed to whoever waits in by_name()
            self._done.set_exception(exc)
        else:
            self._done.set_result(None)


def _candidates(spec: CampaignSpec, names: dict[str, list[JsonObject]]) -> list[JsonObject]:
    """The listed campaigns that may be the spec's: its name, or a v1 upgrade's fields."""
    if spec.kind.is_campaign:
        return names.get(spec.name, [])
    wanted = spec_upgrade_fields(spec)
    return [
        item
        for items in names.values()
        for item in items
        if same_upgrade(upgrade_fields(item), wanted)
    ]


def _choose(
    spec: CampaignSpec, candidates: list[JsonObject]
) -> tuple[CampaignRef | None, Problem | None]:
    alive = [c for c in candidates if not is_terminal(str(c.get("status") or ""))]
    if len(alive) > 1 and not spec.kind.is_campaign:
        listed = ", ".join(f"{c['id']} ({c.get('status')})" for c in alive)
        return None, _problem(
            spec,
            f"{len(alive)} live v1 upgrades in account {spec.account} have this spec's firmware "
            f"{spec.package.name} -> {spec.package.to_version} and dates "
            f"{spec.schedule.start}..{spec.schedule.end}: {listed}; pin the right one with "
            "upgradeId",
        )
    if len(alive) > 1:
        listed = ", ".join(
            f"{c['id']} ({c.get('status')}, {c.get('startDate')}..{c.get('endDate')})"
            for c in sorted(alive, key=lambda c: str(c["id"]))
        )
        return None, _problem(
            spec,
            f"{len(alive)} live {spec.kind.value} campaigns in account {spec.account} are named "
            f"{spec.name!r}: {listed}; pin the right one with campaignId",
        )
    if alive:
        chosen = alive[0]
    elif candidates:
        # Only finished campaigns: the most recent one says "this spec is done"; one of the
        # spec's firmware first (a rollout restarted with a new firmware retired a namesake of
        # the old one, maybe on the same day: R-ROLLOUT-RESTART must not see it as current).
        chosen = max(
            candidates,
            key=lambda c: (
                str(c.get("firmwareTo") or "") == spec.package.to_version,
                str(c.get("startDate") or ""),
                str(c.get("endDate") or ""),
                str(c["id"]),
            ),
        )
    else:
        return None, None
    ref = CampaignRef(spec.account, spec.kind, str(chosen["id"]), str(chosen.get("status")))
    return ref, None


def _problem(spec: CampaignSpec, message: str) -> Problem:
    return Problem(spec.source.path, spec.source.line, spec.source.col, message)


def _decode(kind: Kind, body: JsonObject, devices: Mapping[str, str] | None) -> LiveCampaign:
    try:
        return decode_campaign(kind, body, devices)
    except WireError as exc:
        raise TransportError(
            f"ThingSpace sent an unreadable campaign {body.get('id')} in account "
            f"{body.get('accountName')}: {exc}"
        ) from None


# --- campaign reports (fota status) -------------------------------------------------------

PageProgress = Callable[[int, int], None]
"""Called per report page with (devices on the page, the report's total from its first page)."""


def report_by_id(
    client: ThingSpaceClient,
    account: str,
    kind: Kind,
    campaign_id: str,
    keep: int,
    progress: PageProgress,
) -> CampaignReport:
    try:
        body = client.get_campaign(account, kind, campaign_id)
    except NotFoundError:
        raise UserError(
            f"campaign {campaign_id} was not found in account {account} ({kind.value} "
            "campaigns); check the id, --account and --kind"
        ) from None
    ref = CampaignRef(account, kind, campaign_id, decode_answer(body).status or "", body)
    return _read_report(client, None, ref, keep, progress)


def reports_by_specs(
    client: ThingSpaceClient, specs: list[CampaignSpec], keep: int, progress: PageProgress
) -> list[CampaignReport]:
    refs = find_campaigns(client, specs)

    def one(spec: CampaignSpec) -> CampaignReport:
        ref = refs.get(spec.key)
        if ref is None:
            return CampaignReport(spec, None, DeviceSummary())
        return _read_report(client, spec, ref, keep, progress)

    return client.map_concurrently(one, specs)


def _read_report(
    client: ThingSpaceClient,
    spec: CampaignSpec | None,
    ref: CampaignRef,
    keep: int,
    progress: PageProgress,
) -> CampaignReport:
    if ref.kind is Kind.UPGRADE:
        return _read_upgrade_report(client, spec, ref, keep, progress)
    # The campaign's fields as the planner reads them; the report is streamed into counts here.
    live = load_campaign(client, ref, devices=False)
    summary = DeviceSummary()
    first = True
    for raw in client.iter_campaign_device_pages(ref.account, ref.kind, ref.id):
        page = decode_device_page(raw)
        progress(len(page.devices), (page.total or 0) if first else 0)
        first = False
        for device in page.devices:
            summary.add(device, keep)
    return CampaignReport(spec, live, summary)


def _read_upgrade_report(
    client: ThingSpaceClient,
    spec: CampaignSpec | None,
    ref: CampaignRef,
    keep: int,
    progress: PageProgress,
) -> CampaignReport:
    """A v1 upgrade: its GET lists every device with its status, and the account's device
    list says which firmware each one reports now (OMA-DM upgrades may complete after the end
    date, when the upgrade's own device statuses are no longer updated)."""
    body = ref.body or client.get_campaign(ref.account, ref.kind, ref.id)
    live = _decode(ref.kind, {"accountName": ref.account, **body, "id": ref.id}, None)
    page = decode_device_page(body)
    progress(len(page.devices), len(page.devices))
    summary = DeviceSummary()
    for device in page.devices:
        summary.add(device, keep)
    members = {d.imei for d in page.devices}
    reported: dict[str, str] = {}
    for found in client.iter_reported_firmware(ref.account):
        if found.imei in members:
            reported[found.imei] = found.firmware
    return CampaignReport(spec, live, summary, rows=page.devices, reported=reported)
