"""``--prune ACCOUNT:PREFIX``: which live campaigns a plan takes down because no spec describes
them.

Why a prefix and never "everything": an account is shared with people and tools that do not
use git; only campaigns whose names the team reserved (``fw-rollout-``...) are the reconciler's
to remove. A campaign outside every prefix is never even considered.

Pure: the caller (the CLI or applier edge) reads the accounts' campaign listings; this module
chooses, and :func:`reconciler.plans.planner.plan` turns the choice into plan entries with the same
rules as every other take-down, so what the plan says is exactly what apply does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reconciler.errors import UserError
from reconciler.lifecycle.statuses import is_terminal
from reconciler.model import CampaignSpec, LiveCampaign

ACCOUNT_PATTERN = re.compile(r"^\d{10}-\d{5}$")


@dataclass(frozen=True, order=True)
class PruneRule:
    """Campaigns of ``account`` whose name starts with ``prefix`` (never empty)."""

    account: str
    prefix: str

    def __str__(self) -> str:
        return f"{self.account}:{self.prefix}"

    def covers(self, live: LiveCampaign) -> bool:
        return live.account == self.account and live.name.startswith(self.prefix)


@dataclass(frozen=True)
class Prune:
    """The prune rules of one plan, and whether it may abort campaigns that already started.

    ``allow_abort`` stands in for the spec's ``lifecycle.allow_abort``, which a campaign that
    no spec describes does not have: it is the command line's ``--allow-abort``.
    """

    rules: tuple[PruneRule, ...]
    allow_abort: bool = False

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted({r.account for r in self.rules}))

    def rule_for(self, live: LiveCampaign) -> PruneRule | None:
        """The first rule (in sorted order) whose account and prefix cover ``live``."""
        return next((r for r in sorted(self.rules) if r.covers(live)), None)


def parse_prune(text: str) -> PruneRule:
    """``ACCOUNT:PREFIX`` -> :class:`PruneRule`, or a ``UserError`` saying what is wrong."""
    account, sep, prefix = text.partition(":")
    if not sep or not ACCOUNT_PATTERN.match(account):
        raise UserError(
            f"--prune {text!r}: expected ACCOUNT:PREFIX with an account like "
            "0402196254-00001, e.g. --prune 0402196254-00001:fw-rollout-"
        )
    if not prefix.strip():
        raise UserError(
            f"--prune {text!r}: the name prefix is empty, which would take down every campaign "
            "of the account; give the prefix your specs' campaign names share"
        )
    return PruneRule(account, prefix)


def make_prune(texts: Iterable[str], allow_abort: bool) -> Prune | None:
    """The ``--prune`` options of a command (None when there are none)."""
    rules = tuple(sorted({parse_prune(t) for t in texts}))
    return Prune(rules, allow_abort) if rules else None


def candidates(
    prune: Prune, specs: Iterable[CampaignSpec], listing: Iterable[LiveCampaign]
) -> list[tuple[LiveCampaign, PruneRule]]:
    """Live, non-terminal campaigns under a prefix that no spec describes (by name or id).

    ``specs`` are all the specs the plan was made from (a ``--campaign`` filter does not make
    the other specs' campaigns prunable). Each campaign once, sorted by (account, name, id).
    """
    specs = list(specs)
    described = {s.key for s in specs}
    pinned = {(s.account, s.campaign_id) for s in specs if s.campaign_id}
    found: dict[tuple[str, str], tuple[LiveCampaign, PruneRule]] = {}
    for live in listing:
        rule = prune.rule_for(live)
        if (
            rule is not None
            and not is_terminal(live.status)
            and live.key not in described
            and (live.account, live.id) not in pinned
        ):
            found[(live.account, live.id)] = (live, rule)
    return sorted(found.values(), key=lambda item: (item[0].account, item[0].name, item[0].id))
