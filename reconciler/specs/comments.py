"""Where the comments of a spec file are, and which entry each belongs to.

YAML parsers drop comments, so ``fota fmt`` finds them in the text itself, using the node graph
``yamlcore`` composed (every key and item knows its line and column) to tell a comment from a
``#`` inside a value: a comment starts at a ``#`` at the start of a line or after a space, outside
every scalar of that line; lines inside a multi-line scalar hold no comments at all.

Each comment is attached by position (see ``layout.DocComments``):

- full-line comments and blank lines go with the next entry (a mapping key or a sequence item)
  that starts on a later line, so a comment above a key moves with the key when keys are put
  in order; those above the first entry of a document are its header, those after its last
  entry its footer;
- a comment at the end of a line goes with the outermost entry that starts on that line (the
  item of ``- {start: 1, end: 5}  # night``), or, on a line where none starts (the ``]`` of a
  flow list), with the last entry that started before it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.specs.layout import DocComments
from reconciler.specs.yamlcore import Document, Path

_MARKERS = ("---", "...")


@dataclass(frozen=True)
class _Entry:
    col: int
    path: Path
    doc: int
    end_line: int  # the line where its value (or the item) ends


@dataclass
class _Scan:
    """What the node graph says about the lines of the text."""

    entries: dict[int, list[_Entry]] = field(default_factory=lambda: defaultdict(list))
    spans: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    inside: set[int] = field(default_factory=set)  # lines wholly inside a multi-line scalar

    def add_entry(self, node: Node, value: Node, path: Path, doc: int) -> None:
        line = node.start_mark.line
        end = value.end_mark.line
        if value.end_mark.column == 0 and end > line:  # block values end at the next line
            end -= 1
        self.entries[line].append(_Entry(node.start_mark.column, path, doc, end))

    def first(self, line: int) -> _Entry | None:
        """The outermost entry starting on ``line`` (comments above it belong to it)."""
        found = self.entries.get(line)
        return min(found, key=lambda e: e.col) if found else None

    def owner(self, line: int) -> _Entry | None:
        """The entry a comment at the end of ``line`` belongs to: the outermost entry that
        starts and ends on the line (``- {start: 1, end: 5}``), else the outermost starting on
        it (``schedule:``)."""
        found = self.entries.get(line)
        if not found:
            return None
        whole = [e for e in found if e.end_line == line]
        return min(whole or found, key=lambda e: e.col)

    def add_scalar(self, node: ScalarNode) -> None:
        start, end = node.start_mark, node.end_mark
        if start.line == end.line:
            self.spans[start.line].append((start.column, end.column))
            return
        self.spans[start.line].append((start.column, 1 << 30))
        self.inside.update(range(start.line + 1, end.line))
        if end.column:
            self.spans[end.line].append((0, end.column))


def _scan(documents: Sequence[Document]) -> _Scan:
    scan = _Scan()
    for index, doc in enumerate(documents):
        if doc.root is None:
            continue
        seen: set[int] = set()
        stack: list[tuple[Node, Path]] = [(doc.root, ())]
        while stack:
            node, path = stack.pop()
            if id(node) in seen:  # an alias: its entries were found where the anchor is
                continue
            seen.add(id(node))
            if isinstance(node, ScalarNode):
                scan.add_scalar(node)
            elif isinstance(node, MappingNode):
                for key, value in node.value:
                    child = (*path, str(key.value))
                    scan.add_entry(key, value, child, index)
                    if isinstance(key, ScalarNode):
                        scan.add_scalar(key)
                    stack.append((value, child))
            elif isinstance(node, SequenceNode):
                for position, item in enumerate(node.value):
                    child = (*path, position)
                    scan.add_entry(item, item, child, index)
                    stack.append((item, child))
    return scan


def _comment_at(line: str, spans: list[tuple[int, int]]) -> int:
    """The column where a comment starts on ``line``, or -1."""
    at = line.find("#")
    while at >= 0:
        if (at == 0 or line[at - 1] in " \t") and not any(a <= at < b for a, b in spans):
            return at
        at = line.find("#", at + 1)
    return -1


def extract(text: str, documents: Sequence[Document]) -> list[DocComments]:
    """The comments of each document of ``text`` (lines separated by ``\\n`` only)."""
    scan = _scan(documents)
    out = [DocComments() for _ in documents]
    if not out:
        return out
    current = 0  # the document whose lines are being read
    started = False  # has its first entry been seen?
    pending: list[str] = []
    last: Path | None = None
    for number, line in enumerate(text.split("\n")):
        if number in scan.inside:
            continue
        at = _comment_at(line, scan.spans.get(number, []))
        comment = line[at:].rstrip() if at >= 0 else None
        code = (line[:at] if at >= 0 else line).strip()
        if code in _MARKERS and line.startswith(code):
            if started:
                out[current].footer += pending
                pending = []
                current = min(current + 1, len(out) - 1)
                started, last = False, None
            if comment is not None:
                pending.append(comment)
            continue
        if not code:
            pending.append(comment if comment is not None else "")
            continue
        entry = scan.first(number)
        if entry is not None:
            path, doc = entry.path, entry.doc
            if doc != current:  # defensive: documents always start after a marker
                out[current].footer += pending
                pending, current, started = [], doc, False
            notes = out[current]
            if not started:
                notes.header += pending
                started = True
            elif pending:
                notes.note(path).before += pending
            pending = []
            last = max(scan.entries[number], key=lambda e: e.col).path
            if comment is not None:
                owner = scan.owner(number)
                notes.note(owner.path if owner else path).after.append(comment)
        elif comment is not None:
            if last is not None:
                out[current].note(last).after.append(comment)
            else:
                pending.append(comment)
    out[current].footer += pending
    return out
