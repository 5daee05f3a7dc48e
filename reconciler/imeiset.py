"""A set of IMEIs in 8 bytes a device: what a loaded spec keeps of its devices.

Why: ``fota plan`` holds every spec's devices for its whole run. As a ``frozenset[str]`` an
IMEI costs ~95 bytes (a 15-character ``str`` and its slot in the hash table); a million
devices were ~95 MB, most of a plan's peak memory. Here the IMEIs are integers in one sorted
``array('Q')``: 8 bytes a device, and the set behaves as the ``frozenset`` it replaces:

- it holds exactly the 15-ASCII-digit strings it was given (``int`` and ``{:015d}`` round-trip
  them exactly, leading zeros included); anything else is refused with ``ValueError``, since a
  spec's devices are checked IMEIs by the time a set is built;
- it iterates the strings in ascending order (a ``frozenset`` iterates in an arbitrary order,
  so nothing may rely on its order; sorting what this yields is cheap);
- it compares equal to, and hashes like, a ``frozenset`` of the same strings;
- ``&``, ``-`` and ``==`` against another ``ImeiSet`` work on the integers; against any other
  set of strings they give the same answers as a ``frozenset`` would.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from itertools import filterfalse
from typing import Any, TypeVar

_WIDTH = 15
_T = TypeVar("_T")


def imei_ints(values: Iterable[object]) -> list[int] | None:
    """``values`` as integers when every one is a string of 15 ASCII digits, else None."""
    strings: Sequence[Any] = values if isinstance(values, (list, tuple)) else list(values)
    if not strings:
        return []
    # The common case runs in C: a length check, one join, one digit check, one int pass.
    try:
        joined = "".join(strings)
    except TypeError:  # not all strings
        return None
    if set(map(len, strings)) != {_WIDTH} or not (joined.isascii() and joined.isdigit()):
        return None
    return list(map(int, strings))


def imei_int(value: object) -> int | None:
    if isinstance(value, str) and len(value) == _WIDTH and value.isascii() and value.isdigit():
        return int(value)
    return None


class ImeiSet(AbstractSet[str]):
    """An immutable set of 15-digit IMEIs stored as sorted 8-byte integers."""

    __slots__ = ("_hashed", "_ints")

    def __init__(self, imeis: Iterable[str] = ()) -> None:
        if isinstance(imeis, ImeiSet):
            self._ints: array[int] = imeis._ints
        else:
            strings = list(imeis)
            ints = imei_ints(strings)
            if ints is None:
                bad = next(s for s in strings if imei_int(s) is None)
                raise ValueError(f"{bad!r} is not 15 ASCII digits: an ImeiSet holds IMEIs only")
            self._ints = array("Q", sorted(set(ints)))
        self._hashed: int | None = None

    @classmethod
    def from_sorted(cls, ints: Iterable[int]) -> ImeiSet:
        """A set over integers already known to be IMEIs (below 10**15), unique and ascending:
        no check and no strings (a live campaign's compact device map holds such integers).
        An ``array('Q')`` is shared, not copied: neither side ever changes it."""
        made = cls.__new__(cls)
        made._ints = ints if isinstance(ints, array) and ints.typecode == "Q" else array("Q", ints)
        made._hashed = None
        return made

    @property
    def ints(self) -> memoryview:
        """The IMEIs as ascending integers, read-only (for bulk work such as cross-checks)."""
        return memoryview(self._ints).toreadonly()

    def __contains__(self, value: object) -> bool:
        n = imei_int(value)
        if n is None:
            return False
        i = bisect_left(self._ints, n)
        return i < len(self._ints) and self._ints[i] == n

    def __iter__(self) -> Iterator[str]:
        return map("{:015d}".format, self._ints)

    def __len__(self) -> int:
        return len(self._ints)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AbstractSet):
            return NotImplemented
        if len(other) != len(self):
            return False
        if isinstance(other, ImeiSet):
            return self._ints == other._ints
        ints = imei_ints(other)
        return ints is not None and self._ints == array("Q", sorted(ints))

    def __hash__(self) -> int:
        if self._hashed is None:  # frozenset's hash of the same strings: equal sets hash alike
            self._hashed = hash(frozenset(self))
        return self._hashed

    def __and__(self, other: AbstractSet[object]) -> ImeiSet:
        if not isinstance(other, AbstractSet):
            return NotImplemented
        if isinstance(other, ImeiSet) and len(other) < len(self):
            return other & self  # hash the smaller side
        # Filtering our sorted integers keeps them sorted: no sort afterwards.
        keep = set(_members(other)).__contains__
        return ImeiSet.from_sorted(filter(keep, self._ints))

    def __sub__(self, other: AbstractSet[object]) -> ImeiSet:
        if not isinstance(other, AbstractSet):
            return NotImplemented
        if isinstance(other, ImeiSet) and other._ints == self._ints:
            return ImeiSet.from_sorted(())
        drop = set(_members(other)).__contains__
        return ImeiSet.from_sorted(filterfalse(drop, self._ints))

    @classmethod
    def _from_iterable(cls, it: Iterable[_T]) -> frozenset[_T]:
        """What the other ``Set`` operations (``|``, ``^``, reflected ones) build: exactly
        what a ``frozenset`` would, since their results may hold non-IMEIs."""
        return frozenset(it)

    def __reduce__(self) -> tuple[type[ImeiSet], tuple[list[str]]]:
        return (ImeiSet, (list(self),))

    def __repr__(self) -> str:
        return f"ImeiSet({list(self)!r})"


def _members(other: AbstractSet[object]) -> Iterable[int]:
    """The members of ``other`` that are IMEIs, as integers (the others match no IMEI)."""
    if isinstance(other, ImeiSet):
        return other._ints
    ints = imei_ints(other)  # all IMEIs: a few passes in C
    if ints is not None:
        return ints
    return [n for n in map(imei_int, other) if n is not None]


def imei_set(devices: AbstractSet[str]) -> ImeiSet:
    """``devices`` as an ``ImeiSet`` (itself when it already is one)."""
    return devices if isinstance(devices, ImeiSet) else ImeiSet(devices)


__all__ = ["ImeiSet", "imei_int", "imei_ints", "imei_set"]
