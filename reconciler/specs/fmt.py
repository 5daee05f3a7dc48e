"""``fota fmt``'s library half: a valid spec file's text -> its canonical text, comments kept.

Why our own code rather than a round-trip YAML library: the spec loader reads YAML 1.2 core
with its own resolver (``yamlcore``), and a second reader with other rules (timestamps, 1.1
booleans, octal) is exactly how a formatter changes a value's meaning; the canonical layout is
re-emitted from the values anyway (key order, quoting, window order); and the format is closed
(the schema allows no unknown key), so the emitter is small (``layout``). Comments are found in
the text by position (``comments``).

Safety: only files that validate are formatted (``collect``, the same checks as ``fota
validate``); the output is read back with the same loader and must give the same values (window
lists compared in sorted order, the only reordering the layout makes), otherwise nothing is
written and the user is told.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from reconciler.errors import UserError
from reconciler.specs.comments import extract
from reconciler.specs.layout import WINDOW_LISTS, DocComments, emit
from reconciler.specs.loader import MAX_SPEC_FILE_BYTES, collect
from reconciler.specs.yamlcore import Document, YamlProblem, decode, load_documents

_ODD_BREAKS = ("\x85", "\u2028", "\u2029")


@dataclass(frozen=True)
class Formatted:
    """One file: the text as read and as it should be."""

    path: str
    old: bytes
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new.encode("utf-8")


def _documents(text: str, where: str) -> list[Document]:
    docs: list[Document] = []
    for doc in load_documents(text):
        if isinstance(doc, YamlProblem):
            raise UserError(
                f"{where}:{doc.mark.line}:{doc.mark.col}: {doc.message}; fota fmt left the file "
                "untouched"
            )
        docs.append(doc)
    return docs


def format_text(text: str, where: str = "<text>") -> str:
    """The canonical text of the specs in ``text`` (assumed valid: see :func:`format_file`)."""
    if any(ch in text for ch in _ODD_BREAKS) or "\r" in text.replace("\r\n", ""):
        raise UserError(
            f"{where}: contains a line break other than \\n or \\r\\n (a lone \\r, U+0085, "
            "U+2028 or U+2029); fota fmt left the file untouched: replace it with \\n"
        )
    text = text.replace("\r\n", "\n")
    docs = _documents(text, where)
    notes = extract(text, docs)
    out = "---\n".join(emit(d.data, n) for d, n in zip(docs, notes, strict=True))
    if not docs:
        return text
    _same_meaning(docs, out, where)
    return out


def emit_spec(data: dict[str, Any], header: list[str] | None = None) -> str:
    """A new spec's text (``fota import``): the same layout, with ``header`` comment lines."""
    return emit(data, DocComments(header=list(header or [])))


def _sorted_windows(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _sorted_windows(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [_sorted_windows(v) for v in value]
        if key in WINDOW_LISTS:
            items.sort(key=lambda w: (w.get("start"), w.get("end")) if isinstance(w, dict) else ())
        return items
    return value


def _same_meaning(before: list[Document], text: str, where: str) -> None:
    after = _documents(text, where)
    old = [_sorted_windows(d.data) for d in before]
    new = [d.data for d in after]
    if old != new or any(_types(a) != _types(b) for a, b in zip(old, new, strict=True)):
        raise UserError(
            f"{where}: formatting would change a value (a bug in fota fmt); the file was left "
            "untouched: please report it with the file"
        )


def _types(value: Any) -> Any:
    """``1 == True`` and ``1 == 1.0`` in Python: compare the types too."""
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_types(v) for v in value]
    return type(value).__name__


def format_file(path: str) -> Formatted:
    """Read, validate and format one spec file; ``UserError`` (one line) if it cannot be."""
    try:
        size = os.path.getsize(path)
        if size > MAX_SPEC_FILE_BYTES:
            raise UserError(
                f"{path}: {size:,} bytes, over the {MAX_SPEC_FILE_BYTES:,}-byte spec limit; "
                "fota fmt left it untouched: move the devices to a devicesFile"
            )
        with open(path, "rb") as handle:
            data = handle.read(MAX_SPEC_FILE_BYTES + 1)
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {exc.strerror or exc}") from None
    report = collect([path])
    if report.problems:
        problems = sorted(report.problems)
        more = len(problems) - 1
        also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise UserError(
            f"{problems[0]}{also}; fota fmt formats only specs that validate and left {path} "
            f"untouched: fix it first (fota validate {path} lists every problem)"
        )
    text = decode(data, path)
    assert isinstance(text, str)  # collect() already refused a file that is not UTF-8
    return Formatted(path, data, format_text(text, path))
