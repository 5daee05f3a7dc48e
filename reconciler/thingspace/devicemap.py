"""A live campaign's device statuses (IMEI -> status), stored in a tenth of a dict's memory.

Why: ``fota plan`` holds the device report of every campaign it plans until the planner runs
(the plan's "now" is the API's clock after the last read, so no campaign can be planned
earlier). As a ``dict[str, str]`` a device costs ~150 bytes (a 15-character ``str``, a status
``str`` per device, the hash table); a million devices were ~150 MB. Here an IMEI is an 8-byte
integer in a sorted ``array`` and its status a 1-byte index into the few distinct status
strings of the campaign: 9 bytes a device.

The report pages in IMEI order (``lastSeenDeviceId``), so the compact form is built by
appending. Anything it cannot hold exactly (an IMEI that is not 15 ASCII digits, IMEIs out of
order or repeated, more than 256 distinct statuses) turns the map into a plain ``dict`` with
the same contents, so the reading is always exact. Iteration order is insertion order in both
forms, as with a dict.
"""

from __future__ import annotations

import sys
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from itertools import compress

from reconciler.imeiset import ImeiSet

_WIDTH = 15


def _ascending_ints(imeis: Sequence[str]) -> list[int] | None:
    """The IMEIs as integers when all are 15 ASCII digits and strictly ascending."""
    # Each step runs in C: a page of 1,000 devices is checked in well under a millisecond.
    if set(map(len, imeis)) != {_WIDTH}:
        return None
    joined = "".join(imeis)
    if not (joined.isascii() and joined.isdigit()):
        return None
    ints = list(map(int, imeis))
    if ints != sorted(ints) or len(set(ints)) != len(ints):
        return None
    return ints


def _as_int(imei: object) -> int | None:
    if isinstance(imei, str) and len(imei) == _WIDTH and imei.isascii() and imei.isdigit():
        return int(imei)
    return None


class DeviceMap(Mapping[str, str]):
    """Read-only IMEI -> status mapping; build it with :class:`DeviceMapBuilder`."""

    __slots__ = ("_codes", "_imeis", "_plain", "_statuses")

    def __init__(
        self,
        imeis: array[int],
        codes: bytes,
        statuses: tuple[str, ...],
        plain: dict[str, str] | None = None,
    ) -> None:
        self._imeis = imeis
        self._codes = codes
        self._statuses = statuses
        self._plain = plain

    def __getitem__(self, imei: str) -> str:
        if self._plain is not None:
            return self._plain[imei]
        n = _as_int(imei)
        if n is not None:
            i = bisect_left(self._imeis, n)
            if i < len(self._imeis) and self._imeis[i] == n:
                return self._statuses[self._codes[i]]
        raise KeyError(imei)

    def __contains__(self, imei: object) -> bool:
        if self._plain is not None:
            return imei in self._plain
        n = _as_int(imei)
        if n is None:
            return False
        i = bisect_left(self._imeis, n)
        return i < len(self._imeis) and self._imeis[i] == n

    def __iter__(self) -> Iterator[str]:
        if self._plain is not None:
            return iter(self._plain)
        return map("{:015d}".format, self._imeis)

    def __len__(self) -> int:
        return len(self._plain) if self._plain is not None else len(self._imeis)

    def items(self) -> ItemsView[str, str]:
        """(IMEI, status) pairs decoded in bulk: ``Mapping``'s own view would look each IMEI up
        again (a bisect per device), a rollout's gate walks every device of its waves."""
        return _Items(self)

    def imei_set(self) -> AbstractSet[str]:
        """The IMEIs as a set: when compact, an :class:`ImeiSet` over the map's own integers,
        so comparing a campaign's devices with a spec's (an ``ImeiSet`` too) is an array
        comparison rather than 100,000 strings made and hashed."""
        if self._plain is not None:
            return self._plain.keys()
        return ImeiSet.from_sorted(self._imeis)

    def status_counts(self) -> Counter[str]:
        """How many devices report each status, counted on the 1-byte codes."""
        if self._plain is not None:
            return status_counts(self._plain)
        counts = {s: self._codes.count(code) for code, s in enumerate(self._statuses)}
        return Counter({s: n for s, n in counts.items() if n})

    def imeis_with(self, statuses: AbstractSet[str]) -> list[str]:
        """The IMEIs (in map order) of the devices whose status is in ``statuses``: selected
        on the codes in C, and only the selected integers made into strings."""
        if self._plain is not None:
            return imeis_with(self._plain, statuses)
        mask = bytes(int(s in statuses) for s in self._statuses)
        if not any(mask):
            return []
        if all(mask):
            return list(self)
        table = mask + bytes(256 - len(mask))  # code -> 1 when its status is wanted
        return list(map("{:015d}".format, compress(self._imeis, self._codes.translate(table))))

    def __repr__(self) -> str:
        return f"DeviceMap({dict(self)!r})"


class _Items(ItemsView[str, str]):
    _mapping: DeviceMap

    def __iter__(self) -> Iterator[tuple[str, str]]:
        m = self._mapping
        if m._plain is not None:
            return iter(m._plain.items())
        imeis = map("{:015d}".format, m._imeis)
        return zip(imeis, map(m._statuses.__getitem__, m._codes), strict=True)


class DeviceMapBuilder:
    """Collects (IMEI, status) pairs as a dict ``update`` would, then :meth:`build` s the map."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self._imeis: array[int] = array("Q")
        self._codes = bytearray()
        self._index: dict[str, int] = {}
        self._plain: dict[str, str] | None = None

    def add(self, imei: str, status: str) -> None:
        if self._plain is None:
            n = _as_int(imei)
            if n is not None and (not self._imeis or n > self._imeis[-1]):
                code = self._index.get(status)
                if code is None and len(self._index) < 256:
                    code = self._index[status] = len(self._index)
                if code is not None:
                    self._imeis.append(n)
                    self._codes.append(code)
                    return
            self._plain = dict(self._pairs())
        self._plain[imei] = sys.intern(status)

    def update(self, pairs: Iterable[tuple[str, str]]) -> None:
        for imei, status in pairs:
            self.add(imei, status)

    def add_page(self, imeis: Sequence[str], statuses: Sequence[str]) -> None:
        """One report page (parallel lists), as ``add`` of each pair would, but in bulk: a
        page of 1,000 devices costs a fraction of a millisecond instead of several."""
        if self._plain is None and imeis:
            ints = _ascending_ints(imeis)
            if ints is not None and (not self._imeis or ints[0] > self._imeis[-1]):
                for status in set(statuses).difference(self._index):
                    if len(self._index) == 256:
                        break
                    self._index[status] = len(self._index)
                else:
                    self._imeis.extend(ints)
                    self._codes.extend(map(self._index.__getitem__, statuses))
                    return
        self.update(zip(imeis, statuses, strict=True))

    def build(self) -> DeviceMap:
        """The map; the builder hands its IMEIs over (the map and the sets made from it share
        them), so it starts empty again."""
        statuses = tuple(sys.intern(s) for s in self._index)
        if self._plain is not None:
            built = DeviceMap(array("Q"), b"", (), self._plain)
        else:
            built = DeviceMap(self._imeis, bytes(self._codes), statuses)
        self._reset()
        return built

    def _pairs(self) -> Iterator[tuple[str, str]]:
        statuses = tuple(sys.intern(s) for s in self._index)
        for n, code in zip(self._imeis, self._codes, strict=True):
            yield f"{n:015d}", statuses[code]


def device_map(devices: Mapping[str, str] | None) -> DeviceMap:
    """``devices`` as a :class:`DeviceMap` (itself when it already is one)."""
    if isinstance(devices, DeviceMap):
        return devices
    builder = DeviceMapBuilder()
    if devices:
        builder.update(devices.items())
    return builder.build()


def device_set(devices: Mapping[str, str]) -> AbstractSet[str]:
    """The IMEIs of a live campaign's devices as a set (see :meth:`DeviceMap.imei_set`)."""
    return devices.imei_set() if isinstance(devices, DeviceMap) else devices.keys()


def status_counts(devices: Mapping[str, str]) -> Counter[str]:
    """How many of ``devices`` report each status (see :meth:`DeviceMap.status_counts`)."""
    if isinstance(devices, DeviceMap):
        return devices.status_counts()
    return Counter(devices.values())


def imeis_with(devices: Mapping[str, str], statuses: AbstractSet[str]) -> list[str]:
    """The IMEIs of ``devices`` whose status is in ``statuses``, in the map's order."""
    if isinstance(devices, DeviceMap):
        return devices.imeis_with(statuses)
    return [imei for imei, status in devices.items() if status in statuses]
