"""Safe, bounded YAML reading that keeps every node's position.

Why not ``yaml.safe_load``: it resolves scalars with YAML 1.1 rules (``yes``/``no``/``on``/``off``
become booleans, ``2027-03-01`` becomes a ``datetime.date``, ``0402196254`` loses its zero
silently), it accepts duplicate keys (the last one wins without a word), it throws away line
numbers, and it will happily expand a "billion laughs" alias bomb into memory.

So this module composes the node graph (with libyaml when available) using a YAML 1.2
core-schema resolver, then converts nodes to plain Python values itself:

- scalars: ``null``/``~``/empty -> None; ``true``/``false`` (three spellings each) -> bool;
  decimal, ``0o`` and ``0x`` integers -> int; decimal floats, ``.inf``, ``.nan`` -> float;
  everything else, including dates and ``yes``/``no``, stays a string;
- explicit tags are limited to the core schema (``!!str``, ``!!int``, ``!!float``, ``!!bool``,
  ``!!null``, ``!!map``, ``!!seq``); any other tag is a problem, never code execution;
- mapping keys must be unique strings;
- aliases are allowed, but the *expanded* size of each document is counted on the composed graph
  with memoisation (shared nodes are counted once per reference, without traversing them
  again) before anything is constructed, so an alias bomb is refused in time and memory
  proportional to the file, and recursive aliases are refused;
- the composed node graph is kept, so every value and every mapping key can be found by its
  path from the document root (a tuple of keys and indexes, the same path jsonschema
  reports) for ``path:line:col``.

Why one module of ~700 lines: the bounds (size, depth, alias expansion) and the fast path for
long IMEI lists must see the same composed graph and the same positions; they are one reader,
in sections.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import yaml
from yaml.composer import Composer
from yaml.error import Mark as YamlMark
from yaml.events import MappingEndEvent, MappingStartEvent, SequenceEndEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from reconciler.errors import Problem
from reconciler.specs.yamlhints import explain

MAX_DEPTH = 100
"""Deepest nesting read (a spec needs 4 levels); deeper input is refused before composing."""
_SCAN_ABOVE = 1000

MAX_EXPANDED_NODES = 10_000
"""How many nodes aliases may add to a document beyond the nodes written out in the file.

A legitimate spec uses an alias or two (the same windows for download and install); an alias
bomb multiplies. Anything beyond this is refused before it is expanded."""

Path = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)

# The same rules, as a lookup first: most scalars are words that cannot be numbers.
_WORDS = {
    **dict.fromkeys(("~", "null", "Null", "NULL", ""), _NULL),
    **dict.fromkeys(("true", "True", "TRUE", "false", "False", "FALSE"), _BOOL),
}
_NUMERIC_START = frozenset("-+.0123456789")


class _CoreResolver(BaseResolver):
    """Implicit tags per the YAML 1.2 core schema, nothing else."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                word = _WORDS.get(value)
                if word is not None:
                    return word
                if value[:1] in _NUMERIC_START:
                    if _INT_RE.match(value):
                        return _INT
                    if _FLOAT_RE.match(value):
                        return _FLOAT
            return _STR
        if kind is SequenceNode:
            return _SEQ
        return _MAP


class _PyLoader(Reader, Scanner, Parser, Composer, _CoreResolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)


_Loader: Any = _PyLoader
if yaml.__with_libyaml__:  # the C parser composes ~10x faster; resolution stays ours
    _CParser: Any = getattr(yaml.cyaml, "CParser")  # noqa: B009 - not in the type stubs

    class _CLoader(_CParser, _CoreResolver):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            _CoreResolver.__init__(self)

    _Loader = _CLoader


@dataclass(frozen=True)
class Mark:
    """1-based line and column, as editors and ``path:line:col`` count them."""

    line: int
    col: int


@dataclass
class Document:
    """One YAML document of a file, converted to plain values, and its node graph.

    Positions are looked up in the node graph by path only when asked for (for a problem, or
    the few places a built spec remembers): recording a mark per node while converting would
    cost about as much as parsing, and valid documents never need most of them.
    """

    data: Any
    start: Mark
    root: Node | None = None

    def _walk(self, path: Path) -> tuple[list[Node], Node | None]:
        """The nodes along ``path`` as far as it exists, and the key node of the last step."""
        node = self.root
        found: list[Node] = []
        key_node: Node | None = None
        if node is None:
            return found, None
        found.append(node)
        for part in path:
            key_node = None
            if isinstance(node, MappingNode) and isinstance(part, str):
                for k, v in node.value:
                    if isinstance(k, ScalarNode) and k.value == part:
                        key_node, node = k, v
                        break
                else:
                    break
            elif isinstance(node, SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    break
                node = node.value[part]
            else:
                break
            found.append(node)
        return found, key_node

    def node(self, path: Path) -> Node | None:
        """The node at ``path``, if it exists."""
        found, _ = self._walk(path)
        return found[-1] if found and len(found) == len(path) + 1 else None

    def mark(self, path: Path) -> Mark:
        """The mark of the node at ``path``, or of its nearest ancestor that exists."""
        found, _ = self._walk(path)
        return _mark(found[-1]) if found else self.start

    def key_mark(self, path: Path) -> Mark:
        """The mark of the key that holds ``path`` (falls back to the value's mark)."""
        found, key_node = self._walk(path)
        if key_node is not None and len(found) == len(path) + 1:
            return _mark(key_node)
        return _mark(found[-1]) if found else self.start

    def item_positions(self, path: Path) -> tuple[list[int], list[int]]:
        """1-based (lines, columns) of every item of the sequence at ``path`` (empty if there
        is none); runs of simple items are answered from their text positions, without nodes."""
        node = self.node(path)
        if not isinstance(node, SequenceNode):
            return [], []
        items = node.value
        if isinstance(items, _Items):
            return items.positions()
        return (
            [item.start_mark.line + 1 for item in items],
            [item.start_mark.column + 1 for item in items],
        )

    def raw(self, path: Path) -> str | None:
        """The source text of the scalar at ``path`` if YAML read it as a non-string."""
        node = self.node(path)
        if isinstance(node, ScalarNode) and node.tag != _STR:
            return str(node.value)
        return None


def clip(value: object, limit: int = 60) -> str:
    """``repr(value)``, shortened: messages are one line and must not echo a whole file."""
    if isinstance(value, str) and len(value) > limit:
        return repr(value[:limit]) + "..."
    shown = repr(value)
    return shown if len(shown) <= limit else shown[:limit] + "..."


class YamlProblem(Exception):
    """A problem that stops the reading of one document (or the whole file)."""

    def __init__(self, mark: Mark, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def decode(data: bytes, path: str) -> str | Problem:
    """UTF-8 (a BOM is tolerated) or a problem naming the line of the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return Problem(
            path,
            line,
            col,
            f"file is not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8",
        )


def _count(root: Node) -> None:
    """Refuse recursive aliases and documents whose expansion exceeds the bound.

    ``expanded`` counts every reference to a shared node with its whole subtree (what a
    traversal would visit); ``unique`` counts nodes once. Both use memoisation by node id, so
    this costs time proportional to the composed graph, not to its expansion.
    """
    sizes: dict[int, int] = {}
    unique: set[int] = set()
    # Iterative post-order walk: deep nesting must not overflow Python's stack.
    stack: list[tuple[Node, bool]] = [(root, False)]
    active: set[int] = set()
    while stack:
        node, done = stack.pop()
        ident = id(node)
        if done:
            active.discard(ident)
            total = 1
            for child in _children(node):
                total += sizes[id(child)]
            sizes[ident] = total
            if total > len(unique) + MAX_EXPANDED_NODES:
                raise YamlProblem(
                    _mark(node),
                    f"aliases expand this document beyond {MAX_EXPANDED_NODES:,} extra nodes "
                    "(an alias bomb?); write the values out or use fewer aliases",
                )
            continue
        if ident in sizes:
            continue
        if ident in active:
            raise YamlProblem(
                _mark(node), "recursive alias: a node contains itself; remove the alias"
            )
        active.add(ident)
        unique.add(ident)
        stack.append((node, True))
        for child in _children(node):
            cid = id(child)
            if cid in active:
                raise YamlProblem(
                    _mark(child), "recursive alias: a node contains itself; remove the alias"
                )
            if cid not in sizes:
                stack.append((child, False))


def _children(node: Node) -> Iterator[Node]:
    if isinstance(node, SequenceNode):
        yield from node.value
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _scalar(node: ScalarNode) -> Any:
    tag, text = node.tag, node.value
    if tag == _STR:
        return text
    if tag == _NULL and _NULL_RE.match(text):
        return None
    if tag == _BOOL and _BOOL_RE.match(text):
        return text.lower() == "true"
    if tag == _INT and _INT_RE.match(text):
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    if tag == _FLOAT and _FLOAT_RE.match(text):
        lowered = text.lower()
        if lowered.endswith(".inf"):
            return -math.inf if lowered.startswith("-") else math.inf
        if lowered == ".nan":
            return math.nan
        return float(text)
    if tag in (_NULL, _BOOL, _INT, _FLOAT):
        raise YamlProblem(_mark(node), f"{clip(text)} is not a valid {tag.rsplit(':', 1)[1]}")
    raise YamlProblem(_mark(node), _tag_message(tag))


def _tag_message(tag: str) -> str:
    shown = tag.replace("tag:yaml.org,2002:", "!!")
    shown = shown if len(shown) <= 60 else shown[:60] + "..."
    return (
        f"YAML tag {shown} is not supported (only the core schema: !!str, !!int, !!float, "
        "!!bool, !!null, !!map, !!seq); remove the tag"
    )


def _convert(root: Node) -> Any:
    """Nodes -> plain values, iteratively (no recursion limit to hit)."""
    result: dict[str, Any] = {}
    # Work items: (node, container, slot) where container[slot] receives the value.
    work: list[tuple[Node, Any, Any]] = [(root, result, "root")]
    items: list[Any]
    while work:
        node, container, slot = work.pop()
        if isinstance(node, ScalarNode):
            container[slot] = node.value if node.tag == _STR else _scalar(node)
        elif isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise YamlProblem(_mark(node), _tag_message(node.tag))
            if isinstance(node.value, _Items):
                items, nodes = node.value.plain_values()
                container[slot] = items
                work.extend((child, items, index) for index, child in nodes)
                continue
            items = [None] * len(node.value)
            container[slot] = items
            work.extend((child, items, index) for index, child in enumerate(node.value))
        elif isinstance(node, MappingNode):
            if node.tag != _MAP:
                raise YamlProblem(_mark(node), _tag_message(node.tag))
            mapping: dict[str, Any] = {}
            container[slot] = mapping
            for key_node, value_node in node.value:
                if not isinstance(key_node, ScalarNode) or key_node.tag != _STR:
                    shown = key_node.value if isinstance(key_node, ScalarNode) else "a collection"
                    raise YamlProblem(
                        _mark(key_node),
                        f"mapping key {clip(shown)} must be a plain string; quote it or rename it",
                    )
                key = key_node.value
                if key in mapping:
                    first = next(k for k, _ in node.value if k.value == key)
                    raise YamlProblem(
                        _mark(key_node),
                        f"duplicate key {clip(key)} (first at line {_mark(first).line}); "
                        "keep only one",
                    )
                mapping[key] = None
                work.append((value_node, mapping, key))
        else:  # pragma: no cover - the composer makes only these three kinds
            raise YamlProblem(_mark(node), "unsupported YAML node")
    return result["root"]


_TOO_DEEP = (
    f"YAML nested more than {MAX_DEPTH} levels deep; a spec is at most 4 levels deep: flatten it"
)


def _too_deep(text: str) -> YamlProblem | None:
    """Refuse nesting deeper than ``MAX_DEPTH`` before composing.

    PyYAML's composers recurse once per nesting level (libyaml's on the C stack: 200,000
    ``[`` crash the interpreter). The event parser is iterative, so depth is measured on
    events first. Only texts that could be deep are scanned: every level beyond what block
    indentation allows in 1 MiB (~1,450) needs a ``[``, ``{``, ``-`` or ``?``.
    """
    if sum(map(text.count, "[{-?")) < _SCAN_ABOVE or _shallow(text):
        return None
    loader = _Loader(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, SequenceStartEvent | MappingStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    start = event.start_mark
                    return YamlProblem(
                        Mark(start.line + 1, start.column + 1) if start else Mark(1, 1),
                        _TOO_DEEP,
                    )
            elif isinstance(event, SequenceEndEvent | MappingEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as error:
        # libyaml from 0.2.5 as PyYAML 6.0.4 bundles it has a nesting limit of its own, which its
        # scanner can reach before our parser sees level MAX_DEPTH (it scans up to 1,024
        # characters ahead for a simple key): the refusal is the same, and so is its message.
        if "nesting depth" in str(error.problem):
            mark = error.problem_mark
            return YamlProblem(
                Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1), _TOO_DEEP
            )
        return None  # the real parse reports the syntax error at its place
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return None


# --- long lists of quoted numbers, read without a node per item ------------------------------

_RUN_MIN = 32
"""Runs shorter than this go through the composer like everything else."""
_RUN = re.compile(
    r"^( *)- ( *)([\"'])([0-9]{1,32})\3 *\r?\n(?:\1- \2\3[0-9]{1,32}\3 *\r?\n)"
    + f"{{{_RUN_MIN - 1},}}",
    re.MULTILINE,
)
_RUN_VALUES = re.compile(r"([0-9]{1,32})[\"'] *\r?$", re.MULTILINE)


@dataclass(frozen=True)
class _Run:
    """Consecutive block-sequence lines ``- "<digits>"`` at one indentation (a device list).

    The composer reads only the first line; the others are blanked out (line numbers after
    them do not move) and their values are taken from the text with one regex pass."""

    start: int  # character offsets of the run in the text
    first_end: int  # end of the first line (kept for the composer)
    end: int
    line: int  # 0-based line of the first item
    column: int  # 0-based column of the opening quote (the same on every line)
    dash: int  # 0-based column of the dash
    style: str  # the quote
    values: list[str]


def _find_runs(text: str) -> list[_Run]:
    runs: list[_Run] = []
    line, counted = 0, 0
    for match in _RUN.finditer(text):
        start, end = match.span()
        line += text.count("\n", counted, start)
        counted = start
        indent, spaces, quote = match.group(1), match.group(2), match.group(3)
        runs.append(
            _Run(
                start=start,
                first_end=text.index("\n", start) + 1,
                end=end,
                line=line,
                column=len(indent) + 2 + len(spaces),
                dash=len(indent),
                style=quote,
                values=_RUN_VALUES.findall(text, start, end),
            )
        )
    return runs


def _blank_runs(text: str, runs: list[_Run]) -> str:
    """``text`` with every run reduced to its first line (the other lines left empty)."""
    parts: list[str] = []
    at = 0
    for run in runs:
        parts.append(text[at : run.first_end])
        parts.append("\n" * (len(run.values) - 1))
        at = run.end
    parts.append(text[at:])
    return "".join(parts)


class _Items(Sequence[Node]):
    """The items of a block sequence in which runs stand for many scalar items.

    Indexing or iterating makes (and keeps) a ``ScalarNode`` for a run item, so any code that
    walks nodes sees what the composer would have made; ``plain_values`` and ``positions``
    give values and places without making nodes."""

    def __init__(self, segments: list[Node | _Run]) -> None:
        self._segments = segments
        self._starts: list[int] = []
        total = 0
        for segment in segments:
            self._starts.append(total)
            total += len(segment.values) if isinstance(segment, _Run) else 1
        self._length = total
        self._made: dict[int, Node] = {}

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> Node: ...

    @overload
    def __getitem__(self, index: slice) -> list[Node]: ...

    def __getitem__(self, index: int | slice) -> Node | list[Node]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        position = bisect_right(self._starts, index) - 1
        segment = self._segments[position]
        if not isinstance(segment, _Run):
            return segment
        made = self._made.get(index)
        if made is None:
            k = index - self._starts[position]
            line = segment.line + k
            value = segment.values[k]
            start = YamlMark("<text>", 0, line, segment.column, None, 0)
            end = YamlMark("<text>", 0, line, segment.column + len(value) + 2, None, 0)
            made = self._made[index] = ScalarNode(_STR, value, start, end, style=segment.style)
        return made

    def __iter__(self) -> Iterator[Node]:
        for index in range(self._length):
            yield self[index]

    def plain_values(self) -> tuple[list[Any], list[tuple[int, Node]]]:
        """The list of values, with ``None`` where a real node still needs converting (given
        with its index)."""
        values: list[Any] = []
        nodes: list[tuple[int, Node]] = []
        for segment in self._segments:
            if isinstance(segment, _Run):
                values.extend(segment.values)
            else:
                nodes.append((len(values), segment))
                values.append(None)
        return values, nodes

    def positions(self) -> tuple[list[int], list[int]]:
        lines: list[int] = []
        columns: list[int] = []
        for segment in self._segments:
            if isinstance(segment, _Run):
                count = len(segment.values)
                lines.extend(range(segment.line + 1, segment.line + 1 + count))
                columns.extend([segment.column + 1] * count)
            else:
                lines.append(segment.start_mark.line + 1)
                columns.append(segment.start_mark.column + 1)
        return lines, columns


def _expand_runs(root: Node, pending: dict[tuple[int, int], _Run]) -> None:
    """Attach each run whose first item is in this document to its sequence (removing it
    from ``pending``). A first line that is not an item of a block sequence there (inside a
    block scalar, say) is left pending, and the caller reads the original text instead."""
    stack = [root]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
            continue
        if not isinstance(node, SequenceNode):
            continue
        segments: list[Node | _Run] = []
        found = False
        for item in node.value:
            segments.append(item)
            if not isinstance(item, ScalarNode):
                stack.append(item)
                continue
            run = pending.get((item.start_mark.line, item.start_mark.column))
            if (
                run is not None
                and not node.flow_style
                and node.start_mark.column == run.dash
                and item.tag == _STR
                and item.style == run.style
                and item.value == run.values[0]
                and item.end_mark.line == run.line
            ):
                del pending[(run.line, run.column)]
                segments.append(_rest(run))
                found = True
        if found:
            node.value = _Items(segments)


def _rest(run: _Run) -> _Run:
    """The run without its first item (the composer made a node for that one)."""
    return _Run(
        run.start,
        run.first_end,
        run.end,
        run.line + 1,
        run.column,
        run.dash,
        run.style,
        run.values[1:],
    )


# --- depth -------------------------------------------------------------------------------------

_FLOW_BUDGET = 40
_DEEP_PREFIX = re.compile(r"^[ \t?:-]" + f"{{{(MAX_DEPTH - _FLOW_BUDGET) // 2},}}", re.MULTILINE)


def _shallow(text: str) -> bool:
    """A cheap proof that ``text`` nests at most ``MAX_DEPTH`` levels (False: not proven).

    A block collection nested inside another starts at a greater column, except a sequence
    written at its parent key's own column, which cannot hold another such sequence directly;
    so block nesting is at most twice the deepest column at which a node starts, plus one.
    Where a node may start is bounded by the longest run of spaces and indicators (``-``,
    ``?``, ``:``) opening a line. Each flow level needs its own ``[`` or ``{``. So a text with
    few brackets and no long line prefix is shallow without parsing it (a 1,000-item device
    list has 1,000 dashes, but every one at column 3).
    """
    if text.count("[") + text.count("{") > _FLOW_BUDGET:
        return False
    return _DEEP_PREFIX.search(text) is None


def load_documents(text: str) -> Iterator[Document | YamlProblem]:
    """Yield each document of ``text`` (or the problem that stopped it).

    A syntax error ends the file: the parser cannot resynchronise after it, so everything
    before it is reported and everything after it is not read. Completely empty documents
    (a trailing ``---``) are skipped.

    Long device lists (runs of ``- "<digits>"`` lines) are read from the text rather than
    node by node (see ``_Run``); whenever that reading is not provably the same (a problem
    anywhere, aliases, a run that is not a sequence's items), the text is read as written.
    """
    deep = _too_deep(text)
    if deep is not None:
        yield deep
        return
    aliases = "*" in text  # no "*" anywhere: no alias, nothing to expand or to loop
    runs = [] if aliases else _find_runs(text)
    if runs:
        pending = {(run.line, run.column): run for run in runs}
        fast = list(_documents(_blank_runs(text, runs), aliases=False, pending=pending))
        if not pending and not any(isinstance(doc, YamlProblem) for doc in fast):
            yield from fast
            return
    yield from _documents(text, aliases=aliases, pending=None)


def _documents(
    text: str, *, aliases: bool, pending: dict[tuple[int, int], _Run] | None
) -> Iterator[Document | YamlProblem]:
    loader = _Loader(text)
    try:
        while True:
            try:
                if not loader.check_node():
                    return
                node = loader.get_node()
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark or exc.context_mark
                where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
                problem = " ".join(str(exc.problem or exc.context or "syntax error").split())
                context = f" ({exc.context})" if exc.context and exc.problem else ""
                hint = explain(text, where.line, where.col, f"{problem}{context}")
                yield YamlProblem(Mark(hint.line, hint.col), hint.message)
                return
            except yaml.YAMLError as exc:  # ReaderError: control characters and the like
                position = getattr(exc, "position", 0) or 0
                line = text.count("\n", 0, position) + 1
                col = position - (text.rfind("\n", 0, position) + 1) + 1
                reason = getattr(exc, "reason", "unreadable")
                yield YamlProblem(Mark(line, col), f"invalid YAML: {reason}; remove the character")
                return
            if node is None:
                continue
            if isinstance(node, ScalarNode) and node.tag == _NULL and node.value == "":
                continue
            if pending:
                _expand_runs(node, pending)
            try:
                if aliases:
                    _count(node)
                data = _convert(node)
            except YamlProblem as problem:
                yield problem
                continue
            yield Document(data=data, start=_mark(node), root=node)
    finally:
        loader.dispose()
