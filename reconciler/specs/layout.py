"""The canonical layout of a spec document: one way to write every spec, comments included.

``fota fmt`` and ``fota import`` both write specs through :func:`emit`, so a spec that was
imported, or formatted once, only ever shows real changes in a pull request's diff. The layout
is the one the examples use:

- keys in a fixed order (``apiVersion, kind, account, name, campaignId``, the package, the
  schedule, the firmware flags, ``lifecycle``, ``devices``, ``devicesFile``); inside the package
  ``name, from, to, protocol``; inside the schedule ``start, end`` then the windows and
  after-dates in the order the API pairs them; windows sorted by (start, end) and written as
  ``- {start: S, end: E}``;
- block style everywhere else, two spaces per level, sequences indented under their key;
- ``account`` and every IMEI double-quoted (digits with meaning in their zeros); other strings
  plain where no YAML reader could take them for anything else (YAML 1.2 core *and* 1.1, so
  ``no``/``on``/``1.0`` strings are quoted), otherwise double-quoted; dates plain, as written.

Comments travel with the entry they precede (or end the line of); comments above the first key
stay at the top of the document, those after the last entry at its bottom. Runs of blank lines
become one. The emitter works on the plain values ``yamlcore`` read (the schema is closed: every
key is known), so it cannot produce anything the loader would read differently; ``fmt`` checks
that by reading its output back anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from reconciler.specs.dump import quote
from reconciler.specs.yamlcore import Path

TOP_KEYS = (
    "apiVersion",
    "kind",
    "account",
    "name",
    "campaignId",
    "upgradeId",
    "firmware",
    "software",
    "schedule",
    "autoAssignLicense",
    "autoAddDevices",
    "lifecycle",
    "devices",
    "devicesFile",
)
_ORDER: dict[str, tuple[str, ...]] = {
    "firmware": ("name", "from", "to", "protocol"),
    "software": ("name", "from", "to", "distributionType"),
    "schedule": (
        "start",
        "end",
        "windows",
        "downloadAfter",
        "downloadWindows",
        "installAfter",
        "installWindows",
    ),
    "lifecycle": ("onImmutableChange", "allowAbort", "allowDeviceRemoval"),
    "devicesFile": ("path", "column"),
}
WINDOW_LISTS = frozenset({"windows", "downloadWindows", "installWindows"})
_DATES = frozenset({"start", "end", "downloadAfter", "installAfter"})
INDENT = "  "


@dataclass
class Notes:
    """The comments of one entry: lines above it (``""`` for a blank line) and the comment at
    the end of its line (``# ...``), as written."""

    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)


@dataclass
class DocComments:
    """Every comment of one document, by the path of the entry it belongs to."""

    header: list[str] = field(default_factory=list)
    entries: dict[Path, Notes] = field(default_factory=dict)
    footer: list[str] = field(default_factory=list)

    def note(self, path: Path) -> Notes:
        return self.entries.setdefault(path, Notes())


# --- scalars ---------------------------------------------------------------------------------

_CORE_SPECIAL = re.compile(
    r"^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE"
    r"|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_PLAIN_SAFE = re.compile(
    r"^[A-Za-z0-9_./(\u00a0-\ud7ff\ue000-\ufefe\uff00-\ufffd][^\x00-\x1f\x7f]*$"
)
_YAML11 = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def plain_ok(text: str, *, date: bool = False) -> bool:
    """Can ``text`` be written unquoted and read back as the same string by any YAML reader?

    ``date``: the value of a date field, where ``2027-03-01`` stays plain (YAML 1.1 readers
    would see a date; the spec's own reader, 1.2 core, a string, and the examples write it so).
    """
    if date and _DATE.match(text):
        return True
    if not _PLAIN_SAFE.match(text) or text != text.strip():
        return False
    if ": " in text or " #" in text or text.endswith(":") or "\t" in text:
        return False
    if quote(text) != '"' + text + '"':  # anything that needs an escape is quoted
        return False
    if _CORE_SPECIAL.match(text):
        return False
    tag: str = _YAML11.resolve(ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]
    return tag == _STR_TAG


def scalar(value: Any, path: Path) -> str:
    """One scalar in the canonical style for the place ``path`` it is written at."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value is None:  # the schema has no nullable field; kept for completeness
        return "null"
    if isinstance(value, float):  # likewise: no float field exists
        return repr(value)
    text = str(value)
    if path == ("account",) or (len(path) == 2 and path[0] == "devices"):
        return quote(text)
    key = path[-1] if path else ""
    return text if plain_ok(text, date=key in _DATES and len(path) == 2) else quote(text)


# --- documents -------------------------------------------------------------------------------


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> list[str]:
    known = [key for key in order if key in mapping]
    return known + [key for key in mapping if key not in order]


class _Writer:
    def __init__(self, comments: DocComments) -> None:
        self.lines: list[str] = []
        self.comments = comments
        # Commented paths under each path (a spec is at most 4 levels deep), so that taking an
        # entry's subtree costs its own comments, not a scan of every comment of the file.
        self.below: dict[Path, list[Path]] = {}
        for path in sorted(comments.entries, key=_path_key):
            for depth in range(1, len(path)):
                self.below.setdefault(path[:depth], []).append(path)

    def _take(self, path: Path, *, subtree: bool) -> Notes:
        """Remove and return the notes of ``path`` (and, with ``subtree``, of everything
        under it: an entry written on one line carries its children's comments)."""
        entries = self.comments.entries
        notes = entries.pop(path, None) or Notes()
        if subtree:
            for other in self.below.get(path, ()):
                extra = entries.pop(other, None)
                if extra is not None:
                    notes.before += extra.before
                    notes.after += extra.after
        return notes

    def _line(self, indent: int, text: str, notes: Notes) -> None:
        pad = INDENT * indent
        for comment in notes.before:
            self.lines.append(pad + comment if comment else "")
        for comment in notes.after[1:]:  # more end-of-line comments (a flow collection's) go above
            self.lines.append(pad + comment)
        end = f"  {notes.after[0]}" if notes.after else ""
        self.lines.append(pad + text + end)

    def entry(self, key: str, value: Any, path: Path, indent: int) -> None:
        if isinstance(value, dict):
            self._line(indent, f"{key}:", self._take(path, subtree=False))
            order = _ORDER.get(key, ())
            for child in _ordered(value, order):
                self.entry(child, value[child], (*path, child), indent + 1)
        elif isinstance(value, list):
            if not value:
                self._line(indent, f"{key}: []", self._take(path, subtree=True))
                return
            self._line(indent, f"{key}:", self._take(path, subtree=False))
            items = list(enumerate(value))
            if key in WINDOW_LISTS:
                items.sort(key=lambda item: _window_key(item[1]))
            for index, item in items:
                self.item(item, (*path, index), indent + 1)
        else:
            self._line(indent, f"{key}: {scalar(value, path)}", self._take(path, subtree=True))

    def item(self, value: Any, path: Path, indent: int) -> None:
        notes = self._take(path, subtree=True)
        if isinstance(value, dict):
            inner = ", ".join(
                f"{k}: {scalar(value[k], (*path, k))}" for k in _ordered(value, ("start", "end"))
            )
            self._line(indent, f"- {{{inner}}}", notes)
        else:
            self._line(indent, f"- {scalar(value, path)}", notes)


def _window_key(window: Any) -> tuple[int, int]:
    if isinstance(window, dict):
        return (int(window.get("start", 0)), int(window.get("end", 0)))
    return (0, 0)  # pragma: no cover - a validated window is always a mapping


def _path_key(path: Path) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:012d}") if isinstance(p, int) else (1, p) for p in path)


def emit(data: dict[str, Any], comments: DocComments | None = None) -> str:
    """The canonical text of one spec document (ends with a newline)."""
    comments = comments or DocComments()
    comments.entries = dict(comments.entries)
    writer = _Writer(comments)
    writer.lines.extend(comments.header)
    for key in _ordered(data, TOP_KEYS):
        writer.entry(key, data[key], (key,), 0)
    left = comments.entries  # notes of paths that no longer exist (none for a valid spec)
    for path in sorted(left, key=_path_key):
        writer.lines.extend(left[path].before + left[path].after)
    writer.lines.extend(comments.footer)
    return "\n".join(_squeeze(writer.lines)) + "\n"


def _squeeze(lines: list[str]) -> Iterator[str]:
    """Trailing spaces dropped, runs of blank lines made one, none at the start or end."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return iter(out)
