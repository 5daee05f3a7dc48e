"""Which values of the Action are secret, and hiding them in what the Action writes.

GitHub masks registered secrets in the job log only; a PR comment or the job summary gets
whatever the action writes. So every text that reaches them from below (an error that quotes
ThingSpace, a plan, an apply report) goes through ``action_redactor`` first, and ``prepare``
registers each secret with the runner for the log.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TextIO

from reconciler.github.workflow import mask
from reconciler.redaction import Redactor

SECRET_VARIABLES = ("FOTA_GITHUB_TOKEN", "FOTA_CLIENT_SECRET", "FOTA_PASSWORD")
MIN_SECRET_LENGTH = 3
"""Shorter values (or lines of values) are not hidden: masking "a" would shred the text and
hide nothing."""


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """The secrets the action was given."""
    env = os.environ if environ is None else environ
    return [value for value in (env.get(name, "") for name in SECRET_VARIABLES) if value]


def redactor(values: Iterable[str], user: str | None = None) -> Redactor:
    """The shared redactor with the Action's settings; ``user``: the ThingSpace client id, whose
    HTTP Basic pair with the client secret an error may echo."""
    return Redactor(values, user=user, min_length=MIN_SECRET_LENGTH)


def action_redactor(environ: Mapping[str, str] | None = None) -> Redactor:
    """Hides every secret input of this run, in every form it may be echoed in."""
    env = os.environ if environ is None else environ
    return redactor(secret_values(env), env.get("FOTA_CLIENT_ID") or None)


def mask_secrets(out: TextIO, environ: Mapping[str, str] | None = None) -> None:
    """Register every secret input with the runner, which then hides it in the log."""
    for value in secret_values(environ):
        mask(value, out)
