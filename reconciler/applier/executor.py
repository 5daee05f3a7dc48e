"""Executes campaign work: campaigns concurrently (bounded), each campaign's steps in order.

Why each rule here exists:

- A campaign's steps stop at the first step that did not succeed: a replacement must never
  create the new campaign when cancelling the old one failed (two live campaigns of one name),
  and a half-applied campaign is simply re-planned next time.
- One campaign's failure never stops another's: each runs in its own task and every outcome is
  reported.
- No duplicates, ever: a create is sent once per run. When its outcome is unknown
  (``AmbiguousWriteError``: timeout, reset, 5xx after the request may have been processed) the
  campaign is looked up by name a few times with backoff (the API creates asynchronously, so
  the listing may lag); one found is adopted as the one we created, and otherwise the action
  fails as "outcome unknown": the next run plans against the listing again, by then current.
- An ambiguous DELETE is resolved by reading the campaign back.
- A device change is judged by the campaign's device list whenever its answer is not a clean
  success: a PUT whose answer was lost and whose retry is told "Device is already in / not in
  the campaign" took effect, and so did an unanswered one whose devices are where they should be.
- Another apply creating the same campaign at the same time (:mod:`reconciler.applier.race`):
  the name is looked up right before each POST (a namesake created since the plan is adopted)
  and once more after the run's creates (of several, every apply keeps the lowest id and
  cancels the others).
- A journal that cannot be written stops the writes: nothing is sent that it did not record.
- A cancel is re-checked against the API's clock right before it is sent: a DELETE after the
  start date aborts instead of cancelling, so a cancel planned before midnight and executed
  after it would abort a running campaign without ``--allow-abort``.

Why one module of ~650 lines: one runner whose steps share the writer, the options and the
journal; each step kind is a method, and the answers are decoded by ``thingspace.wire``.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from reconciler.applier import race
from reconciler.applier.journal import Journal, JournalError
from reconciler.applier.steps import (
    CampaignResult,
    CampaignWork,
    Step,
    StepOutcome,
    StepResult,
)
from reconciler.errors import UserError
from reconciler.lifecycle.statuses import (
    awaits_schedule,
    campaign_status,
    cancelled_status,
    is_failed,
    is_terminal,
    live_listing_order,
)
from reconciler.model import Kind
from reconciler.plans.types import ActionType
from reconciler.thingspace import AmbiguousWriteError, ThingSpaceError
from reconciler.thingspace.wire import (
    decode_answer,
    decode_device_change,
    decode_device_page,
    device_change_imeis,
    listed_as_created,
)

UNKNOWN_CREATE = (
    "outcome unknown: re-run fota apply; it will find the campaign by name if it was created"
)
"""The end of a create's report when neither its answer nor a lookup told what happened."""

CANCEL_MARGIN = timedelta(minutes=10)
"""A cancel is refused this close to the start instant: the DELETE could land after it."""


class Writer(Protocol):
    """The client methods the applier calls (``reconciler.thingspace.ThingSpaceClient``)."""

    def create_campaign(self, account: str, kind: Kind, body: dict[str, Any]) -> Any: ...

    def update_schedule(
        self, account: str, kind: Kind, campaign_id: str, body: dict[str, Any]
    ) -> Any: ...

    def change_devices(
        self,
        account: str,
        kind: Kind,
        campaign_id: str,
        op: Literal["append", "remove"],
        imeis: list[str],
    ) -> Any: ...

    def delete_campaign(self, account: str, kind: Kind, campaign_id: str) -> Any: ...

    def get_campaign(self, account: str, kind: Kind, campaign_id: str) -> Any: ...

    def iter_campaign_device_pages(
        self, account: str, kind: Kind, campaign_id: str
    ) -> Iterator[Any]: ...

    def list_campaigns(self, account: str, kind: Kind, status: str) -> Iterator[Any]: ...

    def server_now(self) -> datetime: ...


@dataclass(frozen=True)
class ExecOptions:
    allow_abort: bool = False
    wait: bool = False
    concurrency: int = 8
    sleep: Callable[[float], None] | None = None  # None: the module's ``_sleep`` (real time)
    wait_polls: int = 20
    wait_base: float = 1.0
    wait_cap: float = 30.0
    create_lookups: int = 4  # lookups by name after an unanswered create (never a re-send)
    create_lookup_base: float = 2.0  # seconds before the 2nd lookup, doubling, capped at wait_cap
    delete_attempts: int = 3
    shown_device_failures: int = 10
    done: Callable[[], None] | None = None  # told when each campaign's steps are over (progress)
    race_checks: bool = True  # look the name up before each create and after the run (race.py)
    race_max_age: float = 1.0  # seconds a listing serves the creates' look-ups before re-listing


def _sleep(seconds: float) -> None:
    """Real-time wait between --wait polls (looked up at call time so tests can replace it)."""
    time.sleep(seconds)


def execute(
    works: Sequence[CampaignWork],
    writer: Writer,
    options: ExecOptions,
    journal: Journal | None = None,
) -> list[CampaignResult]:
    """Run every campaign's steps; results in the order of ``works``."""
    if not works:
        return []
    runner = _Runner(writer, options, journal)
    workers = max(1, min(options.concurrency, len(works)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fota-apply") as pool:
        results = list(pool.map(runner.run_campaign, works))
    if runner.namesakes is not None and any(
        r.step.kind is ActionType.CREATE and r.campaign_id for c in results for r in c.results
    ):
        results = runner.heal(results)
    return results


class _Runner:
    def __init__(self, writer: Writer, options: ExecOptions, journal: Journal | None) -> None:
        self.writer = writer
        self.options = options
        self.journal = journal
        self.namesakes = (
            race.Namesakes(writer, max_age=options.race_max_age) if options.race_checks else None
        )

    def _log(self, event: str, **fields: Any) -> None:
        """Record an event; a journal that failed is remembered (``run_campaign`` stops
        starting steps), not raised here, so the outcomes so far are still reported."""
        if self.journal is not None:
            with contextlib.suppress(JournalError):
                self.journal.record(event, **fields)

    def run_campaign(self, work: CampaignWork) -> CampaignResult:
        results: list[StepResult] = []
        blocker: str | None = None
        for step in work.steps:
            if blocker is None and self.journal is not None and self.journal.error is not None:
                blocker = self.journal.error.message  # no write that the journal cannot record
            if blocker is not None:
                results.append(StepResult(step, StepOutcome.SKIPPED, f"not attempted: {blocker}"))
                continue
            result = self._run_step(work, step)
            results.append(result)
            self._log(
                "outcome",
                campaign=work.label,
                action=step.kind.value,
                outcome=result.outcome.value,
                detail=result.detail,
                campaign_id=result.campaign_id,
            )
            if result.outcome in (StepOutcome.FAILED, StepOutcome.REFUSED):
                blocker = f"the {step.kind.value} before it did not succeed"
        if self.options.done is not None:
            self.options.done()
        return CampaignResult(work, tuple(results))

    def _run_step(self, work: CampaignWork, step: Step) -> StepResult:
        try:
            if step.kind is ActionType.CREATE:
                return self._create(work, step)
            if step.kind in (ActionType.CANCEL, ActionType.ABORT):
                return self._delete(step)
            if step.kind is ActionType.UPDATE_SCHEDULE:
                return self._update(step)
            return self._devices(step)
        except UserError as exc:
            self._log("error", campaign=work.label, action=step.kind.value, error=exc.message)
            return StepResult(step, StepOutcome.FAILED, exc.message, step.campaign_id)
        except Exception as exc:  # a bug must not hide the other campaigns' outcomes
            message = f"internal error ({type(exc).__name__}): {exc}"
            self._log("error", campaign=work.label, action=step.kind.value, error=message)
            return StepResult(step, StepOutcome.FAILED, message, step.campaign_id)

    def _request(self, step: Step, **extra: Any) -> None:
        """Record the write about to be sent; raises ``JournalError`` (a ``UserError``: the
        step fails unsent) when the journal cannot record it."""
        method, path = step.request_line()
        if self.journal is None:
            return
        self.journal.record(
            "request",
            campaign=f"{step.account}/{step.name}",
            action=step.kind.value,
            method=method,
            path=path,
            body=step.body,
            **extra,
        )

    def _response(self, step: Step, response: Any, **extra: Any) -> None:
        self._log(
            "response",
            campaign=f"{step.account}/{step.name}",
            action=step.kind.value,
            response=response,
            **extra,
        )

    # --- create ---------------------------------------------------------------------------

    def _create(self, work: CampaignWork, step: Step) -> StepResult:
        assert step.body is not None
        if self.namesakes is not None:
            try:
                meanwhile = self.namesakes.find(
                    step.account, step.campaign_kind, step.name, work.known_ids, body=step.body
                )
            except UserError as exc:  # best effort: the look after the run still heals
                self._log("race", campaign=work.label, error=exc.message)
                meanwhile = []
            if meanwhile:  # another apply created it since our plan: adopt, never POST again
                kept = race.keeper([c.id for c in meanwhile if c.id is not None])
                status = meanwhile[0].status or "?"
                self._log("race", campaign=work.label, adopted=kept)
                return StepResult(
                    step,
                    StepOutcome.OK,
                    f"created meanwhile by another apply: id {kept} ({status}), adopted",
                    kept,
                    status,
                )
        self._request(step)
        adopted = False
        try:
            response: Any = self.writer.create_campaign(
                step.account, step.campaign_kind, dict(step.body)
            )
        except AmbiguousWriteError as exc:
            self._log("ambiguous", campaign=work.label, action="create", error=str(exc))
            try:
                found = self._await_by_name(work, step)
            except UserError as lookup:
                return StepResult(
                    step,
                    StepOutcome.FAILED,
                    f"create: no answer ({exc.message}) and looking the campaign up by name "
                    f"failed ({lookup.message}); {UNKNOWN_CREATE}",
                )
            if found is None:
                return StepResult(
                    step,
                    StepOutcome.FAILED,
                    f"create: no answer ({exc.message}) and not listed by name after "
                    f"{self.options.create_lookups} lookups; {UNKNOWN_CREATE}",
                )
            response, adopted = found, True
        else:
            self._response(step, response)
        answer = decode_answer(response)
        campaign_id, status = answer.id, answer.status or "?"
        how = "found after an unanswered create" if adopted else "created"
        if campaign_id is None:
            return StepResult(step, StepOutcome.FAILED, "create: the API answered without an id")
        if not self.options.wait and not is_failed(status):
            return StepResult(
                step, StepOutcome.OK, f"{how}: id {campaign_id} ({status})", campaign_id, status
            )
        return self._wait(step, campaign_id, status, how, response)

    def heal(self, results: list[CampaignResult]) -> list[CampaignResult]:
        """After every create of the run: where racing applies made several campaigns of a
        created name, keep the one each of them keeps and cancel the others (race.py)."""
        assert self.namesakes is not None
        created = [
            (r.step.account, r.step.campaign_kind)
            for c in results
            for r in c.results
            if r.step.kind is ActionType.CREATE and r.campaign_id is not None
        ]
        try:
            self.namesakes.refresh(sorted(set(created), key=lambda g: (g[0], g[1].value)))
        except UserError as exc:
            self._log("race", error=exc.message)
            return results
        healed: list[CampaignResult] = []
        for result in results:
            steps = list(result.results)
            for n, done in enumerate(steps):
                if done.step.kind is ActionType.CREATE and done.campaign_id is not None:
                    steps[n] = self._settle(result.work, done)
            healed.append(CampaignResult(result.work, tuple(steps)))
        return healed

    def _settle(self, work: CampaignWork, done: StepResult) -> StepResult:
        step, mine = done.step, done.campaign_id
        assert self.namesakes is not None and mine is not None
        found = self.namesakes.find(
            step.account,
            step.campaign_kind,
            step.name,
            work.known_ids,
            body=step.body,
            max_age=None,
        )
        ids = sorted({mine, *(c.id for c in found if c.id is not None)})
        if len(ids) == 1:
            return done
        kept = race.keeper(ids)
        detail = (
            f"{done.detail}; {len(ids)} campaigns of this name were created by racing applies: "
            f"kept id {kept} (the lowest id, the rule every apply follows)"
        )
        cancelled: list[str] = []
        failed: list[str] = []
        for other in (i for i in ids if i != kept):
            cancel = replace(step, kind=ActionType.CANCEL, campaign_id=other)
            try:
                outcome = self._delete(cancel)
            except UserError as exc:  # e.g. the other racer cancelled it a moment before us
                outcome = self._gone(cancel, exc)
            self._log(
                "race",
                campaign=work.label,
                kept=kept,
                cancelled=other,
                outcome=outcome.outcome.value,
                detail=outcome.detail,
            )
            if outcome.outcome is StepOutcome.OK:
                cancelled.append(f"id {other}")
            else:
                failed.append(f"id {other}: {outcome.detail}")
        if cancelled:
            detail += ", cancelled " + ", ".join(cancelled)
        if failed:
            pin = "upgradeId" if step.campaign_kind is Kind.UPGRADE else "campaignId"
            detail += (
                "; could not cancel " + "; ".join(failed) + " (cancel it in ThingSpace, or pin "
                f"the one to keep with {pin})"
            )
        kept_status = next((c.status for c in found if c.id == kept), None)
        return StepResult(
            step,
            StepOutcome.FAILED if failed else done.outcome,
            detail,
            kept,
            kept_status or done.status,
        )

    def _gone(self, cancel: Step, error: UserError) -> StepResult:
        """A cancel that failed: ok when the campaign is finished anyway, else the error."""
        assert cancel.campaign_id is not None
        with contextlib.suppress(UserError):
            current = self.writer.get_campaign(
                cancel.account, cancel.campaign_kind, cancel.campaign_id
            )
            status = decode_answer(current).status or "?"
            if is_terminal(status):
                return _delete_result(cancel, status, "already")
        return StepResult(cancel, StepOutcome.FAILED, error.message, cancel.campaign_id)

    def _await_by_name(self, work: CampaignWork, step: Step) -> Mapping[str, Any] | None:
        """Look an unanswered create's campaign up by name, a few times with backoff.

        ThingSpace creates campaigns asynchronously, so the listing may lag behind the create;
        an empty listing does not prove the create was lost, and the POST is never sent again
        in this run (a second campaign of the name is worse than a re-run).
        """
        delay = self.options.create_lookup_base
        for lookup in range(1, self.options.create_lookups + 1):
            if lookup > 1:
                (self.options.sleep or _sleep)(delay)
                delay = min(self.options.wait_cap, delay * 2)
            found = self._find_by_name(work, step)
            self._log("lookup", campaign=work.label, found=decode_answer(found).id, attempt=lookup)
            if found is not None:
                return found
        return None

    def _find_by_name(self, work: CampaignWork, step: Step) -> Mapping[str, Any] | None:
        """A campaign of this name that was not there at plan time: the one we created.

        Cancelled, aborted and ended campaigns are not looked at: a campaign just created
        cannot be in those states, while older campaigns of the name (a replacement's
        predecessors) can, and adopting one of them would skip the create. A v1 upgrade has
        no name: the one listed with the create's firmware and dates is ours.
        """
        kind = step.campaign_kind
        assert step.body is not None
        for status in live_listing_order(kind):
            for item in self.writer.list_campaigns(step.account, kind, status):
                listed = decode_answer(item)
                if (
                    listed_as_created(kind, item, step.name, step.body)
                    and listed.id not in work.known_ids
                ):
                    return item  # type: ignore[no-any-return]
        return None

    def _wait(
        self, step: Step, campaign_id: str, status: str, how: str, payload: Any
    ) -> StepResult:
        delay = self.options.wait_base
        for _ in range(self.options.wait_polls if self.options.wait else 0):
            if not awaits_schedule(status, step.campaign_kind):
                break
            (self.options.sleep or _sleep)(delay)
            delay = min(self.options.wait_cap, delay * 2)
            payload = self.writer.get_campaign(step.account, step.campaign_kind, campaign_id)
            status = decode_answer(payload).status or "?"
        if is_failed(status):
            reason = decode_answer(payload).reason
            return StepResult(
                step,
                StepOutcome.FAILED,
                f"{how}: id {campaign_id}, then {status}" + (f": {reason}" if reason else ""),
                campaign_id,
                status,
            )
        if awaits_schedule(status, step.campaign_kind):
            return StepResult(
                step,
                StepOutcome.FAILED,
                f"{how}: id {campaign_id}, still {status} after {self.options.wait_polls} "
                "polls; follow it with `fota status`",
                campaign_id,
                status,
            )
        return StepResult(
            step, StepOutcome.OK, f"{how}: id {campaign_id} ({status})", campaign_id, status
        )

    # --- cancel / abort ---------------------------------------------------------------------

    def _delete(self, step: Step) -> StepResult:
        assert step.campaign_id is not None
        if step.kind is ActionType.ABORT and not self.options.allow_abort:
            return StepResult(
                step,
                StepOutcome.REFUSED,
                "abort needs --allow-abort: the campaign has started and some devices may "
                "already be upgrading; not executed",
                step.campaign_id,
            )
        current = self.writer.get_campaign(step.account, step.campaign_kind, step.campaign_id)
        status = decode_answer(current).status or "?"
        if is_terminal(status):
            return _delete_result(step, status, "already")
        for attempt in range(1, self.options.delete_attempts + 1):
            # Before every attempt, a retry too: the retry of a cancel sent at 23:59Z would
            # otherwise land after 00:00Z and abort the campaign.
            late = self._cancel_too_late(step, current, status)
            if late is not None:
                return late
            self._request(step, attempt=attempt)
            try:
                response = self.writer.delete_campaign(
                    step.account, step.campaign_kind, step.campaign_id
                )
            except AmbiguousWriteError as exc:
                self._log("ambiguous", action=step.kind.value, error=str(exc), attempt=attempt)
                current = self.writer.get_campaign(
                    step.account, step.campaign_kind, step.campaign_id
                )
                status = decode_answer(current).status or "?"
                self._log("lookup", action=step.kind.value, status=status)
                if is_terminal(status):
                    return _delete_result(step, status, "confirmed")
                continue
            self._response(step, response)
            with contextlib.suppress(Exception):
                current = self.writer.get_campaign(
                    step.account, step.campaign_kind, step.campaign_id
                )
                status = decode_answer(current).status or status
            return _delete_result(step, status, "done")
        return StepResult(
            step,
            StepOutcome.FAILED,
            f"{step.kind.value}: the outcome of {self.options.delete_attempts} attempts is "
            "unknown and the campaign is still live; run apply again",
            step.campaign_id,
            status,
        )

    def _cancel_too_late(self, step: Step, current: Any, status: str) -> StepResult | None:
        """A refusal when a cancel's DELETE could land after the start (as an abort)."""
        if step.kind is not ActionType.CANCEL:
            return None
        start = decode_answer(current).start
        if start is None:
            return None
        started = datetime(start.year, start.month, start.day, tzinfo=UTC)
        now = self.writer.server_now()
        if now < started - CANCEL_MARGIN:
            return None
        return StepResult(
            step,
            StepOutcome.REFUSED,
            f"cancel: the campaign starts at {started.isoformat()} and the API's clock "
            f"says {now.isoformat(timespec='seconds')}; a DELETE now could abort it. "
            "Plan again (aborting needs the spec's lifecycle.allowAbort: true and "
            "--allow-abort)",
            step.campaign_id,
            status,
        )

    # --- schedule and devices ---------------------------------------------------------------

    def _update(self, step: Step) -> StepResult:
        assert step.campaign_id is not None and step.body is not None
        self._request(step)
        response = self.writer.update_schedule(
            step.account, step.campaign_kind, step.campaign_id, dict(step.body)
        )
        self._response(step, response)
        status = decode_answer(response).status
        return StepResult(
            step,
            StepOutcome.OK,
            "schedule updated" + (f" ({status})" if status else ""),
            step.campaign_id,
            status,
        )

    def _devices(self, step: Step) -> StepResult:
        assert step.campaign_id is not None and step.body is not None
        op: Literal["append", "remove"] = (
            "append" if step.kind is ActionType.ADD_DEVICES else "remove"
        )
        imeis = device_change_imeis(step.body)
        self._request(step)
        verb = "added" if op == "append" else "removed"
        try:
            response = self.writer.change_devices(
                step.account, step.campaign_kind, step.campaign_id, op, imeis
            )
        except ThingSpaceError as exc:  # no usable answer (retries spent): look, then decide
            self._log("ambiguous", action=step.kind.value, error=exc.message)
            unsettled, _ = self._judge_by_devices(step, op, [(i, exc.message) for i in imeis])
            if unsettled:
                raise
            return StepResult(
                step,
                StepOutcome.OK,
                f"{len(imeis)} {verb} (no usable answer from the API; the campaign's device "
                "list shows the change made)",
                step.campaign_id,
            )
        self._response(step, response)
        answer = decode_device_change(response)
        failures, settled = self._judge_by_devices(step, op, list(answer.failures))
        if settled and not failures:
            where = "already in" if op == "append" else "not in"
            return StepResult(
                step,
                StepOutcome.OK,
                f"{len(imeis)} {verb} ({settled} reported {where} the campaign, as after a retry "
                "whose first answer was lost; confirmed by the campaign's device list)",
                step.campaign_id,
            )
        if not failures:
            if answer.per_device:
                return StepResult(step, StepOutcome.OK, f"{len(imeis)} {verb}", step.campaign_id)
            request_id = answer.request_id
            note = f" (request {request_id}; the API reports no per-device results)"
            return StepResult(
                step,
                StepOutcome.OK,
                f"{len(imeis)} {verb}" + (note if request_id else ""),
                step.campaign_id,
            )
        shown = tuple(failures[: self.options.shown_device_failures])
        listed = ", ".join(f"{imei} ({reason})" for imei, reason in shown)
        more = len(failures) - len(shown)
        return StepResult(
            step,
            StepOutcome.PARTIAL,
            f"{len(imeis) - len(failures)} {verb}, {len(failures)} failed: {listed}"
            + (f" and {more} more" if more else "")
            + "; the failed ones are planned again next time",
            step.campaign_id,
            failed_devices=shown,
            failed_device_count=len(failures),
        )

    def _judge_by_devices(
        self, step: Step, op: Literal["append", "remove"], failures: list[tuple[str, str]]
    ) -> tuple[list[tuple[str, str]], int]:
        """(failures still failed, how many turned out done) by the campaign's device list.

        A device reported failed whose state is what the step wanted (in the campaign after an
        append, out of it after a remove) is done: the usual cause is a retried PUT whose first
        attempt was processed and its answer lost. Unread (the report failed): unchanged.
        """
        if not failures:
            return failures, 0
        assert step.campaign_id is not None
        try:
            members = {
                device.imei
                for page in self.writer.iter_campaign_device_pages(
                    step.account, step.campaign_kind, step.campaign_id
                )
                for device in decode_device_page(page).devices
            }
        except UserError as exc:
            self._log("lookup", action=step.kind.value, error=exc.message)
            return failures, 0
        wanted_in = op == "append"
        left = [(imei, why) for imei, why in failures if (imei in members) != wanted_in]
        self._log("lookup", action=step.kind.value, confirmed=len(failures) - len(left))
        return left, len(failures) - len(left)


def _delete_result(step: Step, status: str, how: str) -> StepResult:
    kind = step.campaign_kind
    expected = cancelled_status(kind) if step.kind is ActionType.CANCEL else "CampaignAborted"
    row = campaign_status(status, kind)
    if (row is not None and row.name == expected) or (how == "already" and is_terminal(status)):
        word = "cancelled" if step.kind is ActionType.CANCEL else "aborted"
        prefix = {"already": "already finished", "confirmed": f"{word} (confirmed by lookup)"}
        return StepResult(
            step, StepOutcome.OK, f"{prefix.get(how, word)} ({status})", step.campaign_id, status
        )
    return StepResult(
        step,
        StepOutcome.FAILED,
        f"{step.kind.value}: the API accepted the DELETE but the campaign is {status}, "
        f"not {expected}",
        step.campaign_id,
        status,
    )
