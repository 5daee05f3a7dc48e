"""Which devices are in which wave of a rollout: deterministic, stable, and summing to the spec.

Why a hash and not list order: a device's wave must not change when someone sorts the spec's
device list or inserts a device in the middle of it. Each device gets a rank, the first 8 bytes
of sha256(spec name, IMEI), and waves not started yet take devices in rank order.

Why started waves are read, not computed: a started wave's members are whatever its live
campaign holds. Adding devices to the spec changes every percentage, so a recomputed split
would move devices out of a wave that has already upgraded them; instead, devices already in a
started wave stay there, and only the remaining devices are split among the waves not started
(new devices join the first of those, or the last wave once all have started).

Sizes: a count is that many devices; ``n%`` is n% of all the spec's devices rounded half up,
at least one device when n > 0; ``rest`` (always the last wave) takes what is left. A wave
gets fewer devices than its size only when the earlier waves leave too few.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from collections.abc import Set as AbstractSet

from reconciler.imeiset import ImeiSet
from reconciler.model import CampaignSpec, Rollout, Wave, WaveSize


def rank(name: str, imei: str) -> bytes:
    """A device's place in the queue of the rollout ``name``: stable across releases."""
    return hashlib.sha256(f"{name}\x1f{imei}".encode()).digest()[:8]


def target(wave: Wave, total: int) -> int | None:
    """How many devices ``wave`` asks for out of ``total`` (None: the rest)."""
    if wave.size is WaveSize.REST:
        return None
    if wave.size is WaveSize.COUNT:
        return int(wave.amount)
    share = int(wave.amount * total / 100 + 0.5)
    return max(share, 1) if wave.amount > 0 and total > 0 else share


def assign(
    name: str,
    rollout: Rollout,
    devices: AbstractSet[str],
    started: Mapping[str, AbstractSet[str]] | None = None,
) -> dict[str, AbstractSet[str]]:
    """Each wave's devices: ``started`` (wave name -> live members) keep theirs (those still
    in ``devices``); the other devices go to the other waves in rank order."""
    started = started or {}
    out: dict[str, AbstractSet[str]] = {}
    # Set operations on the sets as given: with a spec's ImeiSet and live campaigns' compact
    # device maps they run on integers, with frozensets on strings (the same members either
    # way). Only the devices still to be placed are made into strings and ranked.
    remaining: AbstractSet[str] = devices
    for wave in rollout.waves:
        if wave.name in started:
            members = _frozen(devices) & started[wave.name]
            out[wave.name] = members
            remaining = remaining - members
    pool = sorted(remaining, key=lambda imei: rank(name, imei)) if remaining else []
    total = len(devices)
    waiting = [w for w in rollout.waves if w.name not in started]
    for wave in waiting:
        wanted = target(wave, total)
        count = len(pool) if wanted is None else min(wanted, len(pool))
        out[wave.name] = frozenset(pool[:count])
        pool = pool[count:]
    if pool:  # every wave has started: newcomers join the last one
        last = rollout.waves[-1].name
        out[last] = frozenset(out[last]) | frozenset(pool)
    return out


def _frozen(devices: AbstractSet[str]) -> AbstractSet[str]:
    """``devices`` as a set whose ``&`` runs in C: itself when it is a built-in or an
    ``ImeiSet``, else a frozenset of it."""
    return devices if isinstance(devices, (frozenset, set, ImeiSet)) else frozenset(devices)


def assign_spec(
    spec: CampaignSpec, started: Mapping[str, AbstractSet[str]] | None = None
) -> dict[str, AbstractSet[str]]:
    assert spec.rollout is not None
    return assign(spec.name, spec.rollout, spec.devices, started)
