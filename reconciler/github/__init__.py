"""GitHub Action support: the pieces the composite action in ``action.yml`` calls.

Kept apart from the reconciler's core so the core never learns about pull requests:
``workflow`` writes the runner's files and commands (outputs, step summary, annotations,
masks), ``event`` reads the triggering event, ``api`` talks to the GitHub REST API (PR
comments, the PR of a merge commit), ``comment`` builds the single marked PR comment and the
plan digest it carries. Orchestration lives in ``reconciler.cli.github``.
"""

from __future__ import annotations

from reconciler.github.api import GitHubAPI, GitHubError, GitHubRetry, UpsertResult
from reconciler.github.comment import (
    PlanDigest,
    apply_marker,
    extract_plan_sha256,
    plan_marker,
    plan_sha256,
)
from reconciler.github.event import Event, read_event

__all__ = [
    "Event",
    "GitHubAPI",
    "GitHubError",
    "GitHubRetry",
    "PlanDigest",
    "UpsertResult",
    "apply_marker",
    "extract_plan_sha256",
    "plan_marker",
    "plan_sha256",
    "read_event",
]
