"""Where a built spec's devices were written, kept in 16 bytes a device until the cross checks.

Why: the loader keeps, for every spec, each IMEI with its line (and column) so that a device
found in two overlapping campaigns is reported at ``file:line:col``. As tuples of ``str`` and
``int`` objects that was ~60 bytes a device held across the whole load (60 MB for a million
devices), although only the few devices with a cross-spec problem are ever located. Packed,
the IMEIs are 8-byte integers in written order and the positions 4-byte integers.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from typing import overload

from reconciler.imeiset import imei_int, imei_ints
from reconciler.specs.devices import DevicesFile


class WrittenImeis(Sequence[str]):
    """Checked IMEIs in the order they were written, as 8-byte integers.

    Built only for specs whose devices all passed the IMEI check, so each string round-trips
    exactly (``int`` then ``{:015d}``).
    """

    __slots__ = ("_ints",)

    def __init__(self, imeis: Sequence[str]) -> None:
        ints = imei_ints(imeis)
        if ints is None:
            raise ValueError("WrittenImeis holds checked IMEIs only (15 ASCII digits)")
        self._ints = array("Q", ints)

    @property
    def ints(self) -> array[int]:
        """The IMEIs as integers, in written order (shared, not copied: do not modify)."""
        return self._ints

    def __len__(self) -> int:
        return len(self._ints)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [f"{n:015d}" for n in self._ints[index]]
        return f"{self._ints[index]:015d}"

    def __iter__(self) -> Iterator[str]:
        return map("{:015d}".format, self._ints)

    def __contains__(self, value: object) -> bool:
        n = imei_int(value)
        return n is not None and n in self._ints

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        n = imei_int(value)
        if n is None:
            raise ValueError(f"{value!r} is not in the list")
        return self._ints.index(n, start, len(self._ints) if stop is None else stop)


def written(imeis: Sequence[str]) -> WrittenImeis:
    """``imeis`` packed (itself when it already is)."""
    return imeis if isinstance(imeis, WrittenImeis) else WrittenImeis(imeis)


def positions(values: Sequence[int]) -> Sequence[int]:
    """Line or column numbers in 4 bytes each (a ``range`` or an array is already compact)."""
    return values if isinstance(values, (range, array)) else array("I", values)


def packed_file(read: DevicesFile) -> DevicesFile:
    """A devices file's reading as the loader keeps it for other specs naming the same file:
    packed when every entry is 15 digits (a file with other entries fails its specs anyway,
    and its strings are needed for the messages)."""
    if imei_ints(read.imeis) is None:
        return read
    return DevicesFile(WrittenImeis(read.imeis), positions(read.lines), read.problems, read.error)


__all__ = ["WrittenImeis", "packed_file", "positions", "written"]
