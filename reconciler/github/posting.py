"""The comment step: post the plan comment the plan step wrote, creating or updating it.

One comment per (pull request, label), found again by its marker line; the body was written
to a file by the plan step (whose job has the ThingSpace secrets), so this step needs only the
GitHub token.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.errors import UserError
from reconciler.github.api import GitHubAPI
from reconciler.github.comment import plan_marker
from reconciler.github.workflow import Runner


def post_plan_comment(
    runner: Runner,
    api: GitHubAPI,
    repository: str,
    number: int,
    label: str,
    body_file: Path,
    authors: frozenset[str] | None = None,
) -> None:
    """Create or update the one plan comment of ``label``; set the ``comment-url`` output."""
    try:
        body = body_file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(
            f"cannot read the plan comment {body_file}: {reason}; the plan step writes it, so "
            "check that the plan step ran in this job and nothing removed the file"
        ) from None
    result = api.upsert_comment(repository, number, plan_marker(label), body, authors)
    runner.set_output("comment-url", result.url)
    runner.log(f"{'created' if result.created else 'updated'} the plan comment: {result.url}")
