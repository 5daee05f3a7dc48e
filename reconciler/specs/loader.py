"""Files and directories -> ``SpecSet``, collecting every problem of every file before failing.

This is the I/O edge of the spec package: it walks directories, reads files under a size
limit, reads devices files (each once, however many specs share it) and hands text to the
pure steps (YAML -> schema -> build -> cross checks).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from reconciler.errors import Problem, ProblemsFound
from reconciler.model import SPEC_API_VERSION, CampaignSpec
from reconciler.specs import schema as schema_mod
from reconciler.specs.advice import spec_warnings
from reconciler.specs.build import Places, build
from reconciler.specs.caps import cap
from reconciler.specs.crosscheck import cross_check
from reconciler.specs.devices import DevicesFile, read_devices_file
from reconciler.specs.dump import digest
from reconciler.specs.packed import packed_file
from reconciler.specs.yamlcore import Document, YamlProblem, clip, decode, load_documents

MAX_SPEC_FILE_BYTES = 1024 * 1024
"""Spec files larger than 1 MiB are refused: a spec is a page of YAML; big device lists belong
in a devices file (see ``devices.MAX_DEVICES_FILE_BYTES``)."""

SPEC_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class SpecSet:
    """Every spec found, normalised; what ``plan`` and ``apply`` work from."""

    specs: tuple[CampaignSpec, ...]  # sorted by (account, name)
    files: int
    devices: int  # device entries summed over campaigns
    digest: str  # sha256 hex of the normalised specs: detects stale plans
    warnings: tuple[Problem, ...] = ()  # see ``advice``: valid specs, probably not meant


@dataclass
class Report:
    """The outcome of a load, successful or not (``fota validate --output json`` shows both)."""

    specs: list[CampaignSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    warnings: list[Problem] = field(default_factory=list)  # valid, but probably not meant

    @property
    def devices(self) -> int:
        return sum(len(spec.devices) for spec in self.specs)


class _Collector:
    def __init__(self, on_spec: Callable[[CampaignSpec], None] | None = None) -> None:
        self.on_spec = on_spec
        self.report = Report()
        self.items: list[tuple[CampaignSpec, Places]] = []
        self.device_files: dict[tuple[str, str | None], DevicesFile] = {}

    def read_devices(self, path: str, shown: str, column: str | None) -> DevicesFile:
        key = (os.path.realpath(path), column)
        cached = self.device_files.get(key)
        if cached is None:
            cached = self.device_files[key] = packed_file(read_devices_file(path, shown, column))
        return cached

    def add_file(self, path: str) -> None:
        self.report.files += 1
        problems = self.report.problems
        try:
            size = os.path.getsize(path)
            if size > MAX_SPEC_FILE_BYTES:
                problems.append(
                    Problem(
                        path,
                        1,
                        1,
                        f"spec file is {size:,} bytes, over the {MAX_SPEC_FILE_BYTES:,}-byte "
                        "limit; move the devices to a devicesFile",
                    )
                )
                return
            with open(path, "rb") as handle:
                data = handle.read(MAX_SPEC_FILE_BYTES + 1)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            problems.append(Problem(path, 1, 1, f"cannot read spec file: {reason}"))
            return
        text = decode(data, path)
        if isinstance(text, Problem):
            problems.append(text)
            return
        self.add_text(text, path)

    def add_text(self, text: str, path: str) -> None:
        problems = self.report.problems
        documents = 0
        for doc in load_documents(text):
            documents += 1
            if isinstance(doc, YamlProblem):
                problems.append(Problem(path, doc.mark.line, doc.mark.col, doc.message))
                continue
            self._add_document(doc, path)
        if documents == 0:
            problems.append(
                Problem(path, 1, 1, "file is empty: write a campaign spec or delete the file")
            )

    def _add_document(self, doc: Document, path: str) -> None:
        problems = self.report.problems
        if not isinstance(doc.data, dict):
            problems.append(
                Problem(
                    path,
                    doc.start.line,
                    doc.start.col,
                    f"a spec must be a mapping of keys (apiVersion, kind, ...), not "
                    f"{schema_mod.describe(doc.data)}",
                )
            )
            return
        version = doc.data.get("apiVersion")
        if version != SPEC_API_VERSION:
            mark = doc.mark(("apiVersion",)) if "apiVersion" in doc.data else doc.start
            problem = (
                f"unknown apiVersion {clip(version)}"
                if "apiVersion" in doc.data
                else "missing apiVersion"
            )
            problems.append(
                Problem(
                    path,
                    mark.line,
                    mark.col,
                    f"{problem}: this release reads {SPEC_API_VERSION} only; "
                    f"set 'apiVersion: {SPEC_API_VERSION}'",
                )
            )
            return
        built = build(doc, path, schema_mod.check(doc), self.read_devices)
        problems.extend(built.problems)
        if built.spec is not None and built.places is not None:
            self.report.specs.append(built.spec)
            if self.on_spec is not None:
                self.on_spec(built.spec)
            self.items.append((built.spec, built.places))
            self.report.warnings.extend(spec_warnings(doc, path))

    def finish(self) -> Report:
        self.report.problems.extend(cross_check(self.items))
        self.report.problems = cap(self.report.problems)
        self.report.specs.sort(key=lambda spec: spec.key)
        return self.report


def _unreadable_entry(name: str) -> Problem:
    """A ``*.yaml`` entry that is not a readable regular file: skipping it quietly would let
    a spec drop out of the plan (and a plan propose deleting its live campaign)."""
    if os.path.islink(name) and not os.path.exists(name):
        try:
            target = os.readlink(name)
        except OSError:
            target = "?"
        return Problem(
            name,
            1,
            1,
            f"{os.path.basename(name)} is a broken symlink (to {target}); "
            "fix the link or delete it so no spec silently drops out of the plan",
        )
    return Problem(name, 1, 1, "not a regular file; replace it with a spec file or delete it")


def spec_files(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[str], list[Problem]]:
    """The files to read: files as given, directories walked for ``*.yaml``/``*.yml``.

    Deterministic: directories are walked in sorted order (hidden ones skipped), files
    deduplicated by real path, keeping the first spelling.
    """
    files: list[str] = []
    problems: list[Problem] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        real = os.path.realpath(name)
        if real not in seen:
            seen.add(real)
            files.append(name)

    for raw in paths:
        path = os.fspath(raw)
        if os.path.isdir(path):
            found: list[str] = []
            skipped: list[Problem] = []
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for n in sorted(names):
                    if not n.endswith(SPEC_SUFFIXES) or n.startswith("."):
                        continue
                    name = os.path.join(root, n)
                    if os.path.isfile(name):
                        found.append(name)
                    else:
                        skipped.append(_unreadable_entry(os.path.normpath(name)))
            problems.extend(skipped)
            if not found and not skipped:
                problems.append(Problem(path, 1, 1, "directory has no *.yaml or *.yml spec files"))
            for name in sorted(found):
                add(os.path.normpath(name))
        elif os.path.isfile(path):
            add(path)
        elif os.path.exists(path):  # a FIFO or device would block or never end
            problems.append(Problem(path, 1, 1, "not a regular file; name a spec file"))
        else:
            problems.append(Problem(path, 1, 1, "no such file or directory; check the path"))
    return files, problems


def collect(
    paths: Sequence[str | os.PathLike[str]],
    on_spec: Callable[[CampaignSpec], None] | None = None,
) -> Report:
    """Load everything and report; never raises for anything a user can cause.

    Sequential on purpose: worker processes would need an importable ``__main__`` (spawn) or
    a thread-free parent (fork); a library called from plan/apply and tests can promise
    neither, and a crashed worker prints a traceback.
    """
    collector = _Collector(on_spec)
    files, problems = spec_files(paths)
    collector.report.problems.extend(problems)
    for path in files:
        collector.add_file(path)
    return collector.finish()


def _result(report: Report) -> SpecSet:
    if report.problems:
        raise ProblemsFound(report.problems)
    return SpecSet(
        specs=tuple(report.specs),
        files=report.files,
        devices=report.devices,
        digest=digest(report.specs),
        warnings=tuple(sorted(report.warnings)),
    )


def load_specs(
    paths: Sequence[str | os.PathLike[str]],
    *,
    on_spec: Callable[[CampaignSpec], None] | None = None,
) -> SpecSet:
    """Load, validate and normalise every spec under ``paths``.

    Raises ``ProblemsFound`` with every problem of every file (``path:line:col: message``).
    ``on_spec`` sees each spec as soon as it is built (before the cross-file checks), so a
    caller can start work on it while the other files are read (``fota plan`` starts reading
    the live campaign).
    """
    if not paths:
        raise ProblemsFound([Problem(".", 1, 1, "no spec paths given; name files or dirs")])
    return _result(collect(paths, on_spec))


def parse_spec_text(text: str, path: str = "<text>") -> list[CampaignSpec]:
    """The specs in ``text`` as if read from ``path`` (devices files resolve next to it)."""
    collector = _Collector()
    collector.add_text(text, path)
    return list(_result(collector.finish()).specs)
