"""The state of building one spec document: its data, the schema problems that block parts of
it, and the problems found so far, each at its file:line:col.

Its own module so that every builder of a part of a spec (``build`` and ``rollout``) checks
with the same object without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.errors import Problem
from reconciler.specs.devices import DevicesFile
from reconciler.specs.schema import SchemaProblem
from reconciler.specs.yamlcore import Document, Path

DevicesReader = Callable[[str, str, str | None], DevicesFile]
"""(filesystem path, path as shown to the user, CSV column or None) -> what the file holds."""


class Checker:
    def __init__(
        self,
        doc: Document,
        path: str,
        schema_problems: list[SchemaProblem],
        read: DevicesReader,
    ) -> None:
        self.doc = doc
        self.read = read
        self.path = path
        self.data: dict[str, Any] = doc.data
        self.problems = [Problem(path, p.mark.line, p.mark.col, p.message) for p in schema_problems]
        self.blocked = [p.path for p in schema_problems if p.blocking]

    def intact(self, section: Path) -> bool:
        """True when no blocking schema problem lies at ``section`` or above it (the value
        exists and has the right shape, though something inside it may be wrong)."""
        return not any(bad == section[: len(bad)] for bad in self.blocked)

    def usable(self, section: Path) -> bool:
        """True when no blocking schema problem lies inside, at or above ``section``."""
        for bad in self.blocked:
            n = min(len(bad), len(section))
            if bad[:n] == section[:n]:
                return False
        return True

    def report(self, path: Path, message: str, *, key: bool = False) -> None:
        mark = self.doc.key_mark(path) if key else self.doc.mark(path)
        self.problems.append(Problem(self.path, mark.line, mark.col, message))

    def get(self, *path: str | int) -> Any:
        node: Any = self.data
        for part in path:
            if isinstance(part, int):
                node = node[part] if isinstance(node, list) and part < len(node) else None
            else:
                node = node.get(part) if isinstance(node, dict) else None
        return node
