"""YAML syntax errors a person can act on: the line where the problem starts, and the fix.

Why: the parser reports where it *noticed* a problem, which is often far below the mistake.
An unclosed quote swallows lines until the next quote, so the error lands on a devices line
twenty lines down; a key indented one space too far is reported on the key after it. The
text is still here, so the few mistakes people really make (a tab, an unclosed quote, an
indentation that matches no enclosing key) are looked for between the top of the file and the
place the parser stopped, and named at their own line.

Pure: ``explain(text, noticed, problem)`` reads only its arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_BLOCK_SCALAR = re.compile(r"[|>][+-]?[0-9]?\s*(#.*)?$")
_KEY = re.compile(r"""^(?:-\s+)*(?:"[^"]*"|'[^']*'|[^\s#'"][^:#]*?)\s*:(?:\s|$)""")

_GENERIC_FIXES = (
    (
        "mapping values are not allowed",
        "a value that contains ': ' must be quoted, or this line is indented differently "
        "from the keys beside it",
    ),
    (
        "did not find expected key",
        "keys of one mapping must start in the same column, and every quote must be closed",
    ),
    (
        "could not find expected ':'",
        "write 'key: value' with a space after the colon, and close every quote",
    ),
    (
        "did not find expected '-' indicator",
        "the items of a list must start with '- ' in the same column",
    ),
    (
        "found unexpected end of stream",
        "close the quote or bracket this value opened",
    ),
)


@dataclass(frozen=True)
class _Suspect:
    """A line that may be where the mistake starts, and the repairs that would show it is."""

    line: int
    col: int
    what: str
    repairs: tuple[str, ...]  # the line as it would be if this were the mistake


def _stops_at(text: str) -> int | None:
    """The line (1-based) where the YAML parser stops, or None when the text parses."""
    try:
        for _event in yaml.parse(text, Loader=_LOADER):
            pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return mark.line + 1 if mark else 1
    except yaml.YAMLError:
        return 1
    return None


def _confirmed(lines: list[str], noticed: int, suspect: _Suspect) -> bool:
    """Blame the suspect line only if repairing it moves the parser past where it stopped: a
    valid construct the heuristics misread (a multi-line plain scalar) is never blamed."""
    for repaired in suspect.repairs:
        trial = [*lines[: suspect.line - 1], repaired, *lines[suspect.line :]]
        stop = _stops_at("\n".join(trial) + "\n")
        if stop is None or stop > noticed:
            return True
    return False


@dataclass(frozen=True)
class Hint:
    line: int  # 1-based: where the problem starts
    col: int
    message: str  # the whole message, "invalid YAML: ..."


def explain(text: str, line: int, col: int, problem: str) -> Hint:
    """The hinted message for a parser error ``problem`` noticed at ``line``:``col`` (1-based)."""
    lines = text.splitlines()
    noticed = f"the parser stopped at line {line}: {problem}"
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "\t" in here[: max(col, 1)] and here[: col - 1].strip(" \t") == "":
        return Hint(
            line,
            here.index("\t") + 1,
            "invalid YAML: a tab in the indentation; YAML indents with spaces only: replace "
            "the tab with spaces",
        )
    for finder in (_unclosed_quote, _bad_indentation):
        found = finder(lines, line)
        if found is not None and _confirmed(lines, line, found):
            return Hint(found.line, found.col, f"invalid YAML: {found.what} ({noticed})")
    for pattern, fix in _GENERIC_FIXES:
        if pattern in problem:
            return Hint(line, col, f"invalid YAML: {problem}; {fix}")
    return Hint(line, col, f"invalid YAML: {problem}")


def _content(raw: str) -> str:
    """The line without a trailing comment (a '#' after a space, outside quotes)."""
    quote = ""
    for index, char in enumerate(raw):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'" and (index == 0 or raw[index - 1] in " :-[{,"):
            quote = char
        elif char == "#" and (index == 0 or raw[index - 1] in " \t"):
            return raw[:index].rstrip()
    return raw.rstrip()


def _value_start(raw: str) -> int | None:
    """Index where a scalar value starts on this line (after 'key: ' or '- '), if any."""
    match = _KEY.match(raw.lstrip(" "))
    offset = len(raw) - len(raw.lstrip(" "))
    if match:
        rest = raw[offset + match.end() :]
        return offset + match.end() + (len(rest) - len(rest.lstrip(" ")))
    stripped = raw.lstrip(" ")
    if stripped.startswith("- "):
        rest = stripped[2:]
        return offset + 2 + (len(rest) - len(rest.lstrip(" ")))
    return None


def _closes(value: str, quote: str) -> bool:
    """Whether a scalar starting with ``quote`` ends on the same line."""
    index = 1
    while index < len(value):
        char = value[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and value[index + 1 : index + 2] == "'":
                index += 2  # '' is an escaped quote inside single quotes
                continue
            return True
        index += 1
    return False


def _unclosed_quote(lines: list[str], upto: int) -> _Suspect | None:
    """The first quoted value before ``upto`` that does not close on its own line.

    Specs never need a quoted value across lines, so one that does is the mistake, even when
    the parser only noticed much later (at the next quote, which closed it).
    """
    for number, raw in enumerate(lines[: max(upto - 1, 0)], start=1):
        if raw.lstrip(" ").startswith("#"):
            continue
        start = _value_start(raw)
        if start is None or start >= len(raw) or raw[start] not in "\"'":
            continue
        if not _closes(raw[start:], raw[start]):
            quote = raw[start]
            return _Suspect(
                number,
                start + 1,
                f"the {quote} opened here is not closed on this line; add the closing {quote}",
                (raw.rstrip() + quote,),
            )
    return None


def _bad_indentation(lines: list[str], upto: int) -> _Suspect | None:
    """The first line up to ``upto`` whose indentation no YAML block can have.

    Tracks the columns of the open blocks: a line may go deeper only after a line that opens
    a block ('key:' with no value, or a list item), and may only come back to a column some
    enclosing block started at.
    """
    stack = [0]
    opens = False
    block_scalar_at: int | None = None
    flow = 0  # open [ and { brackets: a flow collection's lines may be indented freely
    for number, raw in enumerate(lines[:upto], start=1):
        content = _content(raw)
        if not content.strip() or content.lstrip().startswith("#"):
            continue
        if content.strip() in ("---", "..."):
            stack, opens, block_scalar_at, flow = [0], False, None, 0
            continue
        if flow > 0:
            flow = max(flow + _brackets(content), 0)
            continue
        indent = len(content) - len(content.lstrip(" "))
        body = content.lstrip(" ")
        if block_scalar_at is not None:
            if indent > block_scalar_at:
                continue
            block_scalar_at = None
        if indent > stack[-1]:
            if not opens:
                return _Suspect(
                    number,
                    indent + 1,
                    f"this line is indented {indent - stack[-1]} space(s) more than the line "
                    "above, which opens no block; align it with the keys above it",
                    (" " * stack[-1] + body,),
                )
            stack.append(indent)
        elif indent < stack[-1]:
            popped = stack[-1]
            while stack and stack[-1] > indent:
                popped = stack.pop()
            if not stack or stack[-1] != indent:
                below = stack[-1] if stack else 0
                return _Suspect(
                    number,
                    indent + 1,
                    f"this line's indentation ({indent} space(s)) matches no key above it; "
                    "indent it like the key it belongs with",
                    (" " * popped + body, " " * below + body),
                )
        stripped = content.strip()
        flow = max(_brackets(content), 0)
        item = stripped.startswith("- ") or stripped == "-"
        if item:
            inner = stripped[1:].lstrip(" ")
            if inner and _KEY.match(inner):  # "- key: value": the item is a mapping
                stack.append(indent + len(stripped) - len(inner))
        opens = stripped.endswith(":") or (item and not stripped[1:].strip())
        if _BLOCK_SCALAR.search(stripped) and ":" in stripped:
            block_scalar_at = indent
            opens = False
    return None


def _brackets(content: str) -> int:
    """Open minus closed flow brackets on a line, outside quotes."""
    depth = 0
    quote = ""
    for char in content:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth
