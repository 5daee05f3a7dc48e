"""Checks across specs: a name (or adopted campaign id) once per account, and no device in two
campaigns of one account whose dates overlap. v1 upgrades (FirmwareUpgrade) have no name on
the API side: two unpinned ones with the same firmware and dates would find the same upgrade,
so that is refused too.

The device check must stay fast for 10 specs of 100,000 devices and for 10,000 small specs, and
linear for thousands of specs sharing one device, so it never compares specs pairwise: per
account, each spec's devices are intersected (in C) with the set of devices seen so far; only
the devices that collide are looked at in Python, each swept once by date. It must also stay
small: the devices are taken as integers, one range of IMEIs at a time, so its sets never hold
a whole account's devices. The loader caps the problems shown per file and per run
(:mod:`reconciler.spec.caps`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import pairwise

from reconciler.errors import Problem
from reconciler.imeiset import imei_set
from reconciler.model import CampaignSpec, Kind
from reconciler.specs.build import Places


def cross_check(items: Sequence[tuple[CampaignSpec, Places]]) -> list[Problem]:
    """Problems between specs; ``items`` in load order (the later one gets the problem)."""
    problems: list[Problem] = []
    names: dict[tuple[str, str], Places] = {}
    ids: dict[tuple[str, str], Places] = {}
    upgrades: dict[tuple[str, str, str, str, str], tuple[CampaignSpec, Places]] = {}
    by_account: dict[str, list[int]] = defaultdict(list)
    for index, (spec, places) in enumerate(items):
        by_account[spec.account].append(index)
        first = names.setdefault(spec.key, places)
        if first is not places:
            problems.append(
                Problem(
                    places.path,
                    places.name.line,
                    places.name.col,
                    f"campaign name {spec.name!r} is already used on account {spec.account} "
                    f"({first.path}:{first.name.line}); names must be unique per account: "
                    "rename one",
                )
            )
        if spec.campaign_id is not None:
            key = (spec.account, spec.campaign_id)
            first = ids.setdefault(key, places)
            if first is not places:
                word = "campaignId" if spec.kind.is_campaign else "upgradeId"
                problems.append(
                    Problem(
                        places.path,
                        places.campaign_id.line,
                        places.campaign_id.col,
                        f"{word} {spec.campaign_id} is already adopted by another spec "
                        f"({first.path}:{first.campaign_id.line}); one spec per campaign",
                    )
                )
        elif spec.kind is Kind.UPGRADE:
            fields = (
                spec.account,
                spec.package.name,
                spec.package.to_version,
                spec.schedule.start.isoformat(),
                spec.schedule.end.isoformat(),
            )
            other, other_places = upgrades.setdefault(fields, (spec, places))
            if other_places is not places:
                problems.append(
                    Problem(
                        places.path,
                        places.name.line,
                        places.name.col,
                        f"v1 upgrade spec {spec.name!r} has the same firmware and dates as "
                        f"{other.name!r} ({other_places.path}:{other_places.name.line}) on "
                        f"account {spec.account}; v1 upgrades are found by those fields, so "
                        "merge the two specs, change the dates of one, or pin each with "
                        "upgradeId",
                    )
                )
    for indexes in by_account.values():
        problems.extend(_overlapping_devices(items, indexes))
    return problems


def _overlap(a: CampaignSpec, b: CampaignSpec) -> bool:
    """End dates are inclusive: campaigns that share any calendar day overlap."""
    return a.schedule.start <= b.schedule.end and b.schedule.start <= a.schedule.end


def _overlapping_devices(
    items: Sequence[tuple[CampaignSpec, Places]], indexes: list[int]
) -> list[Problem]:
    """Specs (of one account) sharing a device while their dates overlap, in linear time.

    Pass 1 finds the shared devices in C (each spec's devices intersected with those seen so
    far) and keeps, for each shared device only, the specs holding it. Pass 2 sweeps each
    shared device's holders by start date, keeping the one that ends last: a holder starting
    before that end overlaps it. That is one pair per holder, never every pair (4,000 copies
    of one spec used to make 8 million problems): every spec in an overlap is in at least one
    reported pair, and the next validation shows what fixing those leaves. The later-loaded
    spec of a pair gets the problem, naming the earlier one.
    """
    pairs: set[tuple[int, int]] = set()
    swept: set[tuple[int, ...]] = set()  # devices held by the same specs sweep alike: once
    for held in _shared_holders(items, indexes):
        signature = tuple(held)
        if signature in swept:
            continue
        swept.add(signature)
        ordered = sorted(held, key=lambda k: (items[k][0].schedule.start, k))
        best = ordered[0]
        for k in ordered[1:]:
            if items[k][0].schedule.start <= items[best][0].schedule.end:
                pairs.add((max(k, best), min(k, best)))
            if items[k][0].schedule.end > items[best][0].schedule.end:
                best = k
    return [_shared_device(items, i, j) for i, j in sorted(pairs)]


def _shared_holders(
    items: Sequence[tuple[CampaignSpec, Places]], indexes: list[int]
) -> Iterator[list[int]]:
    """For each device held by more than one of the specs ``indexes``: its holders, in order.

    The devices are IMEIs as sorted integers (``ImeiSet.ints``), taken range by range: each
    range holds about ``_PARTITION`` devices, so the sets of pass 1 stay a few MB however many
    devices the account has (a set of a million strings was ~100 MB on top of the specs).
    """
    devices = [(i, imei_set(items[i][0].devices).ints) for i in indexes]
    for low, high in _ranges([ints for _, ints in devices]):
        first_owner: dict[int, int] = {}
        holders: dict[int, list[int]] = {}  # only devices held by more than one spec
        for i, ints in devices:
            part = ints[bisect_left(ints, low) : bisect_left(ints, high)]
            shared = first_owner.keys() & part
            if shared:
                for device in shared:
                    held = holders.get(device)
                    if held is None:
                        holders[device] = [first_owner[device], i]
                    else:
                        held.append(i)
                first_owner.update(dict.fromkeys(set(part).difference(shared), i))
            else:
                first_owner.update(dict.fromkeys(part, i))
        yield from holders.values()


_PARTITION = 1 << 16
"""Devices per range in ``_shared_holders``, about: bounds its sets to a few MB."""


def _ranges(arrays: list[memoryview]) -> list[tuple[int, int]]:
    """[low, high) ranges covering every IMEI, each holding about ``_PARTITION`` of them.

    The bounds are quantiles of a sample (every n-th IMEI of each spec), so ranges stay even
    when the IMEIs cluster (one manufacturer's prefix, consecutive serials).
    """
    total = sum(len(ints) for ints in arrays)
    count = total // _PARTITION + 1
    if count == 1:
        return [(0, _END)]
    step = max(1, total // (count * 64))
    sample = sorted(n for ints in arrays for n in ints[::step])
    bounds = sorted({sample[k * len(sample) // count] for k in range(1, count)})
    edges = [0, *bounds, _END]
    return list(pairwise(edges))


_END = 10**15
"""Above every 15-digit IMEI."""


def _shared_device(items: Sequence[tuple[CampaignSpec, Places]], i: int, j: int) -> Problem:
    """Spec ``i`` (loaded after ``j``) shares devices with ``j`` while their dates overlap."""
    (spec, places), (other, other_places) = items[i], items[j]
    common = spec.devices & other.devices
    example = min(common)
    path, line, col = places.locate(example)
    more = f" and {len(common) - 1:,} more" if len(common) > 1 else ""
    return Problem(
        path,
        line,
        col,
        f"device {example}{more} also in campaign {other.name!r} "
        f"({other_places.path}:{other.source.line}) of account {spec.account}, "
        f"whose dates overlap ({other.schedule.start}..{other.schedule.end} and "
        f"{spec.schedule.start}..{spec.schedule.end}); a device may be in one "
        "campaign at a time: remove it from one spec or separate the dates",
    )
