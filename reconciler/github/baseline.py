"""Which commit's specs are the plan's baseline in a workflow run, and whether it is there.

With a baseline, a spec deleted by the change takes its live campaign down, and a live value
that differs from a baseline equal to the spec is labelled drift (``reconciler.plans.baseline``
reads the specs at that commit). Here: which commit the event names, and a one-line fix when
the checkout does not have it (a shallow clone, the usual case on Actions).
"""

from __future__ import annotations

import subprocess

from reconciler.github.event import Event


def baseline_ref(mode: str, event: Event, override: str = "") -> str | None:
    """The commit whose specs are the plan's baseline: what git said before this change.

    Pull request: its base commit; push (apply on merge): the branch tip before the push;
    drift: none, because every difference from git is what it reports. ``override`` (the
    ``baseline-ref`` input) is for runs with no such commit in the event, e.g. apply from
    workflow_dispatch.
    """
    if mode == "drift":
        return None
    return override.strip() or event.base_sha or event.before


def missing_baseline(ref: str) -> str | None:
    """Why ``ref`` cannot be read from this checkout (a one-line fix), or None if it can."""
    if ref.startswith("-"):  # git would read it as an option
        return f"action input baseline-ref {ref[:40]!r} is not a commit: name a sha or a branch"
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
            capture_output=True,
            check=False,
        )
    except OSError:
        return f"the baseline commit {ref[:12]} needs git, which could not be run"
    if done.returncode == 0:
        return None
    return (
        f"the baseline commit {ref[:12]} is not in this checkout: check the repository out "
        "with actions/checkout and `fetch-depth: 0` (a shallow clone has only the last commit)"
    )


def baseline_note(baseline: str | None) -> str:
    """How the job summary names the baseline a plan was made with."""
    if baseline is None:
        return "no baseline (every difference from git counts)"
    return f"baseline `{baseline}` (action input baseline-ref to re-run with it)"
