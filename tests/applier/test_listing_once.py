"""A plan reads each (account, kind) campaign listing once, however many questions it answers.

Identity (which campaign a spec names), prune (which campaigns a prefix covers) and the
replacement check all need the same 8 paged status queries; before they shared one
``Listings``, a ``--prune`` plan listed its account twice.
"""

from __future__ import annotations

from reconciler.lifecycle.statuses import LISTING_ORDER
from reconciler.plans import reading
from reconciler.plans.prune import make_prune
from reconciler.sim.testing import running_sim
from tests.applier.support import ACCOUNT, apply_once, client_for, make_plan, spec


def _listing_queries(counts: dict[str, int], path: str) -> int:
    return sum(n for key, n in counts.items() if key == f"GET {path}")


def test_a_prune_plan_lists_each_account_and_kind_once() -> None:
    with running_sim(failure_rate=0.0) as sim, client_for(sim) as client:
        specs = [spec("fw-kept"), spec("fw-dropped")]
        apply_once(client, specs)  # both exist now; the next plan prunes fw-dropped
        sim.emulator.advance("1m")  # past the pending states: a cancel can be planned
        sim.emulator.reset_counts()

        plan = reading.make_plan(
            client,
            specs[:1],
            specs_digest="test",
            spec_paths=(),
            prune=make_prune([f"{ACCOUNT}:fw-"], allow_abort=False),
        )

        counts = sim.emulator.request_counts()
        v3 = "/api/fota/v3/reports/<acc>/firmware/campaigns"  # the emulator counts by template
        v2 = "/api/fota/v2/reports/<acc>/campaigns"
        # one (single-page) query per status: identity and prune shared the v3 listing
        assert _listing_queries(counts, v3) == len(LISTING_ORDER)
        assert _listing_queries(counts, v2) == len(LISTING_ORDER)  # prune covers both kinds
        outcomes = {(c.name, c.outcome.value) for c in plan.campaigns}
        assert outcomes == {("fw-kept", "no-op"), ("fw-dropped", "cancel")}
        assert make_plan(client, specs).summary.line  # the ordinary path still plans
