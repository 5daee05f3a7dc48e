"""Refused changes as ``::error`` annotations on the spec line that asks for them.

A refusal in the PR comment says what and why; an annotation puts the same words on the line of
the pull request's diff that caused it (``schedule.start:`` for R-START-LOCKED, ``firmware.to:``
for R-IMMUTABLE), where the author fixes it. The plan names the spec document (``path:line:col``
of its start) and the field in the model's spelling; ``views.fields.spec_path`` gives the key
path in the spec, and the document's node graph its line. A field the spec does not hold (a
take-down's ``status``) or a file no longer there (a spec deleted since the baseline) falls back
to the document's own line; a campaign no spec describes (``--prune``) gets an annotation with
no file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from reconciler.github.workflow import command, workspace_path
from reconciler.plans.types import CampaignPlan, Plan, Refusal
from reconciler.specs.yamlcore import Document, load_documents
from reconciler.views.fields import spec_field, spec_path
from reconciler.views.plan_parts import fmt


def _source(source: str) -> tuple[str, int] | None:
    """(path, line) of a ``path:line:col`` source; None for ``--prune ...`` and the like."""
    parts = source.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or source.startswith("--"):
        return None
    return parts[0], int(parts[1])


def _document(path: str, line: int) -> Document | None:
    """The YAML document of ``path`` that starts at ``line`` (or the last one before it)."""
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found: Document | None = None
    for doc in load_documents(text):
        if not isinstance(doc, Document) or doc.start.line > line:
            break
        found = doc
    return found


def refusal_line(campaign: CampaignPlan, refusal: Refusal) -> tuple[str, int] | None:
    """(path, line) of the spec key that asks for the refused change, or None (no file)."""
    where = _source(campaign.source)
    if where is None:
        return None
    path, line = where
    doc = _document(path, line)
    if doc is None:
        return path, line
    return path, doc.key_mark(spec_path(refusal.field, campaign.kind)).line


def refusal_annotations(plan: Plan, environ: Mapping[str, str] | None = None) -> list[str]:
    """One ``::error file=,line=,title=::`` workflow command per refusal of ``plan``."""
    out = []
    for campaign in plan.campaigns:
        for refusal in campaign.refusals:
            name = spec_field(refusal.field, campaign.kind)
            message = (
                f"{campaign.account}/{campaign.name}: {name} {fmt(refusal.live)} -> "
                f"{fmt(refusal.desired)} refused. {refusal.reason} Instead: {refusal.instead}"
            )
            at = refusal_line(campaign, refusal)
            out.append(
                command(
                    "error",
                    " ".join(message.split()),
                    file=workspace_path(at[0], environ) if at else None,
                    line=at[1] if at else None,
                    title=f"fota plan: {refusal.rule}",
                )
            )
    return out
