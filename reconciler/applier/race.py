"""Two applies creating the same campaign at once (two working directories, two machines).

Why: the lock is a local file, so applies that do not share a directory do not exclude each
other, and the API has no conditional create. Both plan "missing", both POST, and the account
ends up with two campaigns of one name. The executor narrows the window and heals what slips
through:

- right before each POST it looks the name up in a :class:`Namesakes` listing taken at most
  ``max_age`` seconds earlier (shared by the run's creates: one listing per second, not one per
  create, which would make a run of N creates page through N listings); a campaign of the name
  that was not there when the plan was made was created meanwhile by someone else, and is
  adopted instead of created again;
- after the run's last create it lists again (fresh) and, wherever more than one campaign of a
  created name exists, keeps the same one every racing apply keeps (:func:`keeper`: the lowest
  id, since the API reports no creation time and both sides must compute the same answer) and
  cancels the others while they have not started. Whichever racer's POST was processed last
  lists after both campaigns exist, so at least that one heals.

v1 upgrades carry no name: their namesakes are the live upgrades with the create's firmware
and dates (:func:`reconciler.thingspace.wire.listed_as_created`), listed by the v1 statuses.

What is left (docs/APPLY.md): a listing that lags behind a create can hide a namesake from both
looks; the next plan then reports two live campaigns of one name, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol

from reconciler.lifecycle.statuses import live_listing_order
from reconciler.model import Kind
from reconciler.thingspace.wire import (
    CampaignAnswer,
    decode_answer,
    listed_as_created,
    upgrade_fields,
)


class Lister(Protocol):
    def list_campaigns(self, account: str, kind: Kind, status: str) -> Iterable[Any]: ...


Group = tuple[str, Kind]
Listed = tuple[CampaignAnswer, Mapping[str, Any]]


def _key(kind: Kind, name: str, payload: Mapping[str, Any]) -> Hashable:
    """What namesakes share: the name, or a v1 upgrade's firmware, target and start date (its
    end date is compared afterwards: a create's answer omits it)."""
    return upgrade_fields(payload)[:3] if kind is Kind.UPGRADE else name


class Namesakes:
    """Listed campaigns by name per (account, kind), re-listed when older than ``max_age``.

    Thread-safe: concurrent creates of one group wait for one listing instead of each making
    their own.
    """

    def __init__(
        self,
        lister: Lister,
        *,
        max_age: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lister = lister
        self._max_age = max_age
        self._clock = clock
        self._guard = threading.Lock()
        self._locks: dict[Group, threading.Lock] = {}
        self._taken: dict[Group, tuple[float, dict[Hashable, list[Listed]]]] = {}

    def refresh(self, groups: Iterable[Group]) -> None:
        """List these groups now; ``find`` then answers from these listings (``max_age`` None)."""
        for account, kind in groups:
            self.find(account, kind, "", (), max_age=0.0)

    def find(
        self,
        account: str,
        kind: Kind,
        name: str,
        known_ids: Iterable[str],
        *,
        body: Mapping[str, Any] | None = None,
        max_age: float | Literal["default"] | None = "default",
    ) -> list[CampaignAnswer]:
        """Campaigns named ``name`` not there at plan time (``known_ids``), in id order, from
        a listing at most ``max_age`` seconds old (default: the instance's; None: any age).

        A v1 upgrade's namesakes are those listed as its create ``body`` would make them."""
        group = (account, kind)
        limit = self._max_age if max_age == "default" else max_age
        with self._guard:
            lock = self._locks.setdefault(group, threading.Lock())
        with lock:
            taken = self._taken.get(group)
            if taken is None or (limit is not None and self._clock() - taken[0] >= limit):
                taken = (self._clock(), self._list(account, kind))
                self._taken[group] = taken
        known = set(known_ids)
        wanted = body if body is not None else {}
        return [
            answer
            for answer, item in taken[1].get(_key(kind, name, wanted), [])
            if answer.id not in known
            and (body is None or listed_as_created(kind, item, name, body))
        ]

    def _list(self, account: str, kind: Kind) -> dict[Hashable, list[Listed]]:
        """Live campaigns only (``live_listing_order``: not cancelled, aborted or ended, which
        a campaign created after the plan cannot be while a replaced predecessor can)."""
        by_id: dict[str, Listed] = {}
        for status in live_listing_order(kind):
            for item in self._lister.list_campaigns(account, kind, status):
                answer = decode_answer(item)
                if answer.id is not None:
                    by_id.setdefault(answer.id, (answer, item))
        by_key: dict[Hashable, list[Listed]] = {}
        for cid in sorted(by_id):
            answer, item = by_id[cid]
            by_key.setdefault(_key(kind, answer.name or "", item), []).append(by_id[cid])
        return by_key


def keeper(ids: Sequence[str]) -> str:
    """The one campaign of several namesakes that every racing apply keeps: the lowest id."""
    return min(ids)
