"""The ``--account`` filter's checks, shared by ``fota plan``/``fota apply`` and the Action.

Why refuse rather than plan nothing: an account no spec uses is a typo or a stale matrix entry,
and a silently empty plan would pass a CI check that checked nothing. A ``--prune`` rule of
another account is refused too: a shard must never take down another shard's campaigns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.errors import UserError
from reconciler.model import CampaignSpec
from reconciler.plans.prune import ACCOUNT_PATTERN, Prune

Key = tuple[str, str]


def parse_accounts(values: Iterable[str], where: str = "--account") -> tuple[str, ...]:
    """Account names, checked, sorted and each once."""
    given = [v.strip() for v in values if v.strip()]
    bad = [v for v in given if not ACCOUNT_PATTERN.match(v)]
    if bad:
        raise UserError(
            f"{where} {', '.join(repr(b) for b in bad)} is not an account name: write 10 digits, "
            'a hyphen and 5 digits, e.g. "0402196254-00001"'
        )
    return tuple(sorted(set(given)))


def check_accounts(
    accounts: Iterable[str],
    specs: Iterable[CampaignSpec],
    baseline: Mapping[Key, CampaignSpec] | None,
    prune: Prune | None,
    where: str,
) -> None:
    """Refuse an account no spec (now, or at the baseline) uses, and other accounts' prune rules."""
    chosen = set(accounts)
    if not chosen:
        return
    known = {s.account for s in specs} | {s.account for s in (baseline or {}).values()}
    unknown = sorted(chosen - known)
    if unknown:
        raise UserError(
            f"--account {', '.join(unknown)}: no spec in {where} is on that account; "
            "`fota accounts` lists the accounts the specs use"
        )
    foreign = [str(r) for r in (prune.rules if prune else ()) if r.account not in chosen]
    if foreign:
        raise UserError(
            f"--prune {', '.join(foreign)} is outside --account {', '.join(sorted(chosen))}: "
            "a shard prunes only its own account; drop the rule or add its account"
        )
