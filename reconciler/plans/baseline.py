"""The specs as they were at a git revision: the baseline that labels drift and deleted specs.

Why a whole-tree extract rather than ``git show`` per file: a spec may name a devices file
anywhere in the repository, and the loader must see the tree exactly as it was.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from reconciler.errors import ProblemsFound, UserError
from reconciler.model import CampaignSpec, Source
from reconciler.specs import load_specs

Key = tuple[str, str]


def _git(args: Sequence[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise UserError(f"--baseline-ref needs git, which could not be run: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise UserError(
            f"git {' '.join(args)} failed: {message[-1] if message else done.returncode}"
        )
    return done.stdout


def load_baseline(ref: str, paths: Sequence[str], cwd: Path) -> dict[Key, CampaignSpec]:
    """The specs under ``paths`` as they were at git revision ``ref``, by key.

    The whole tree at ``ref`` is extracted to a temporary directory (specs may name devices
    files anywhere in the repository); sources are mapped back to the user's paths.
    """
    top = Path(_git(["rev-parse", "--show-toplevel"], cwd).decode().strip())
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except UserError:
        raise UserError(
            f"--baseline-ref {ref!r} is not a commit in {top}; fetch it first "
            "(e.g. git fetch origin main) or name an existing branch, tag or sha"
        ) from None
    archive = _git(["archive", "--format=tar", ref], top)
    with tempfile.TemporaryDirectory(prefix="fota-baseline-") as tmp:
        try:
            with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
                tar.extractall(tmp, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise UserError(
                f"--baseline-ref {ref}: cannot unpack the tree at {ref} ({exc}); plan without "
                "--baseline-ref"
            ) from None
        mapped: list[Path] = []
        for raw in paths:
            try:
                rel = Path(raw).resolve().relative_to(top.resolve())
            except ValueError:
                raise UserError(
                    f"--baseline-ref: {raw} is outside the git repository {top}; plan paths "
                    "inside it, or drop --baseline-ref"
                ) from None
            if (Path(tmp) / rel).exists():
                mapped.append(Path(tmp) / rel)
        if not mapped:
            return {}
        try:
            specset = load_specs(mapped)
        except ProblemsFound as exc:
            first = str(exc.problems[0]).replace(tmp + os.sep, "") if exc.problems else ""
            raise UserError(
                f"--baseline-ref {ref}: the specs at {ref} do not load ({first}; "
                f"{len(exc.problems)} problem(s)); choose another base revision"
            ) from None
        out: dict[Key, CampaignSpec] = {}
        for spec in specset.specs:
            out[spec.key] = replace(spec, source=_unmap(spec.source, Path(tmp), top, cwd))
        return out


def _unmap(source: Source, tmp: Path, top: Path, cwd: Path) -> Source:
    try:
        rel = Path(source.path).resolve().relative_to(tmp.resolve())
    except ValueError:
        return source
    return Source(os.path.relpath(top / rel, cwd), source.line, source.col)
