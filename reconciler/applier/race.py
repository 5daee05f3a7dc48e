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

What is left (docs/APPLY.md): a listing that lags behind a create can hide a namesake from both
looks; the next plan then reports two live campaigns of one name, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, Protocol

from reconciler.lifecycle.statuses import LIVE_LISTING_ORDER
from reconciler.model import Kind
from reconciler.thingspace.wire import CampaignAnswer, decode_answer


class Lister(Protocol):
    def list_campaigns(self, account: str, kind: Kind, status: str) -> Iterable[Any]: ...


Group = tuple[str, Kind]


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
        self._taken: dict[Group, tuple[float, dict[str, list[CampaignAnswer]]]] = {}

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
        max_age: float | Literal["default"] | None = "default",
    ) -> list[CampaignAnswer]:
        """Campaigns named ``name`` not there at plan time (``known_ids``), in id order, from
        a listing at most ``max_age`` seconds old (default: the instance's; None: any age)."""
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
        return [c for c in taken[1].get(name, []) if c.id not in known]

    def _list(self, account: str, kind: Kind) -> dict[str, list[CampaignAnswer]]:
        """Live campaigns only (``LIVE_LISTING_ORDER``: not cancelled, aborted or ended, which
        a campaign created after the plan cannot be while a replaced predecessor can)."""
        by_id: dict[str, CampaignAnswer] = {}
        for status in LIVE_LISTING_ORDER:
            for item in self._lister.list_campaigns(account, kind, status):
                answer = decode_answer(item)
                if answer.id is not None:
                    by_id.setdefault(answer.id, answer)
        by_name: dict[str, list[CampaignAnswer]] = {}
        for cid in sorted(by_id):
            by_name.setdefault(by_id[cid].name or "", []).append(by_id[cid])
        return by_name


def keeper(ids: Sequence[str]) -> str:
    """The one campaign of several namesakes that every racing apply keeps: the lowest id."""
    return min(ids)
