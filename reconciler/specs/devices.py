"""IMEIs: the Luhn check and devices files (one IMEI per line, or a CSV column).

Devices files exist so that a 100,000-device campaign stays reviewable in git: the spec says
*which* file, the diff of the file says *which devices*. Every bad line is reported at its own
``file:line`` so a fleet engineer can fix a list exported from another system in one pass.
"""

from __future__ import annotations

import csv
import difflib
import io
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.errors import Problem

MAX_DEVICES_FILE_BYTES = 32 * 1024 * 1024
"""Devices files larger than this are refused: 32 MiB is ~2 million IMEI lines, more than any
one campaign should carry, and it bounds the memory ``fota validate`` can be made to use."""

_PLAIN = bytes.maketrans(b"0123456789", bytes(range(10)))
_DOUBLED = bytes.maketrans(b"0123456789", bytes((2 * d) // 10 + (2 * d) % 10 for d in range(10)))


_FIFTEEN_ONES = int.from_bytes(b"\x01" * 15, "little")
_NOT_MULTIPLE_OF_10 = bytes(0 if value % 10 == 0 else 1 for value in range(256))


def imei_problem(value: str) -> str | None:
    """Why ``value`` is not a valid IMEI (15 digits, Luhn check digit), or None if it is.

    The Luhn sum runs in C (``bytes.translate`` + ``sum``): a million IMEIs take well under
    a second, which is what 10 specs of 100,000 devices need.
    """
    if len(value) != 15 or not value.isascii() or not value.isdigit():
        shown = value if len(value) <= 24 else value[:21] + "..."
        return f"{shown!r} is not an IMEI: an IMEI is exactly 15 digits"
    raw = value.encode("ascii")
    total = sum(raw[0::2].translate(_PLAIN)) + sum(raw[1::2].translate(_DOUBLED))
    if total % 10:
        expected = (10 - (total - (raw[14] - 48)) % 10) % 10
        return (
            f"IMEI {value} has an invalid check digit (Luhn): the last digit should be "
            f"{expected}; check for a typo"
        )
    return None


def invalid_indexes(imeis: Sequence[str]) -> list[int]:
    """Indexes of the values in ``imeis`` that are not valid IMEIs.

    The common case (all valid) runs as a few passes in C: one join and ``isdigit`` for the
    shape, then the Luhn digits of all IMEIs are laid out in one buffer (15 strided slice
    copies) and summed per IMEI by one big-integer multiplication. Only when something is
    wrong are values looked at one by one.
    """
    if not imeis:
        return []
    blob = "".join(imeis)
    if set(map(len, imeis)) != {15} or not blob.isascii() or not blob.isdigit():
        return [k for k, value in enumerate(imeis) if imei_problem(value) is not None]
    raw = blob.encode("ascii")
    plain, doubled = raw.translate(_PLAIN), raw.translate(_DOUBLED)
    mixed = bytearray(len(raw))
    for offset in range(15):
        mixed[offset::15] = (doubled if offset % 2 else plain)[offset::15]
    # Per-IMEI sums in one multiplication: byte p of mixed * 0x0101...01 (15 ones) is the sum
    # of bytes p-14..p (at most 15 * 9 = 135, so no carries), and byte 15k+14 is IMEI k's sum.
    product = int.from_bytes(mixed, "little") * _FIFTEEN_ONES
    sums = product.to_bytes(len(mixed) + 16, "little")[14::15][: len(imeis)]
    flags = sums.translate(_NOT_MULTIPLE_OF_10)
    if flags.count(0) == len(imeis):
        return []
    return [k for k, flag in enumerate(flags) if flag]


def luhn_complete(first14: str) -> str:
    """The 15-digit IMEI whose first 14 digits are ``first14`` (for generators and tests)."""
    raw = (first14 + "0").encode("ascii")
    total = sum(raw[0::2].translate(_PLAIN)) + sum(raw[1::2].translate(_DOUBLED))
    return first14 + str((10 - total % 10) % 10)


@dataclass(frozen=True)
class DevicesFile:
    """What a devices file yielded.

    ``imeis[i]`` was read from line ``lines[i]``. ``error`` is set when the file as a whole
    could not be used (missing, unreadable, too large, no such CSV column): it is reported at
    the spec's ``devicesFile`` entry. ``problems`` point at lines inside the devices file.
    """

    imeis: Sequence[str] = ()
    lines: Sequence[int] = ()
    problems: tuple[Problem, ...] = ()
    error: str | None = None


def read_devices_file(path: str, shown: str, column: str | None) -> DevicesFile:
    """Read ``path`` (reported as ``shown``): plain IMEI lines, or a CSV with ``column``.

    Plain files: one IMEI per line; blank lines and lines starting with ``#`` are ignored;
    surrounding whitespace is stripped. CSV files: the first row is the header; ``column``
    names the IMEI column.
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            return DevicesFile(error=f"devices file {shown} is a directory; name a file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
            return DevicesFile(error=f"devices file {shown} is not a regular file")
        size = info.st_size
        if size > MAX_DEVICES_FILE_BYTES:
            return DevicesFile(
                error=f"devices file {shown} is {size:,} bytes, over the "
                f"{MAX_DEVICES_FILE_BYTES:,}-byte limit; split the campaign into several specs"
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_DEVICES_FILE_BYTES + 1)
    except FileNotFoundError:
        return DevicesFile(error=f"devices file {shown} does not exist; check the path")
    except IsADirectoryError:
        return DevicesFile(error=f"devices file {shown} is a directory; name a file")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return DevicesFile(error=f"cannot read devices file {shown}: {reason}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"devices file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        return DevicesFile(problems=(Problem(shown, line, col, message),))
    if column is None:
        return _plain(text)
    return _csv(text, shown, column)


def _plain(text: str) -> DevicesFile:
    stripped = list(map(str.strip, text.splitlines()))
    keep = [k for k, value in enumerate(stripped) if value and value[0] != "#"]
    if len(keep) == len(stripped):  # no blank or comment line: line numbers are positions
        return DevicesFile(tuple(stripped), range(1, len(stripped) + 1))
    return DevicesFile(tuple(stripped[k] for k in keep), tuple(k + 1 for k in keep))


def _csv(text: str, shown: str, column: str) -> DevicesFile:
    # CSV rows can span lines (quoted newlines), so the reader's own line counter is used.
    reader = csv.reader(io.StringIO(text, newline=""))
    imeis: list[str] = []
    lines: list[int] = []
    problems: list[Problem] = []
    try:
        header = next(reader, None)
        if header is None:
            return DevicesFile(error=f"devices file {shown} is empty; expected a CSV header")
        names = [name.strip() for name in header]
        if column not in names:
            folded = [name for name in names if name.lower() == column.lower()]
            close = folded or difflib.get_close_matches(column, names, n=1)
            listed = ", ".join(names)
            listed = listed if len(listed) <= 80 else listed[:80] + "..."
            hint = f"did you mean {close[0]!r}?" if close else f"columns are {listed}"
            return DevicesFile(error=f"devices file {shown} has no column {column!r}; {hint}")
        index = names.index(column)
        line = reader.line_num + 1
        for row in reader:
            here, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if index >= len(row) or not row[index].strip():
                problems.append(Problem(shown, here, 1, f"row has no {column!r} value"))
                continue
            imeis.append(row[index].strip())
            lines.append(here)
    except csv.Error as exc:
        problems.append(Problem(shown, reader.line_num, 1, f"invalid CSV: {exc}"))
    return DevicesFile(tuple(imeis), tuple(lines), tuple(problems))


__all__ = [
    "MAX_DEVICES_FILE_BYTES",
    "DevicesFile",
    "imei_problem",
    "invalid_indexes",
    "luhn_complete",
    "read_devices_file",
]
