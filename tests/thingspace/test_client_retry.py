"""Retries: safe methods come back after backoff; writes are never re-sent once they may have
landed; errors carry what the API said."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import httpx
import pytest

from reconciler.errors import UserError
from reconciler.model import Kind
from reconciler.thingspace import (
    AmbiguousWriteError,
    ApiError,
    NotFoundError,
    ThingSpaceClient,
    TransportError,
)
from tests.thingspace.fake_thingspace import ACC, CREDS, NOW, FakeThingSpace, error, raiser

CAMPAIGN = f"/api/fota/v3/campaigns/{ACC}/c-1"
CREATE = f"/api/fota/v3/campaigns/firmware/{ACC}"


@pytest.fixture(autouse=True)
def one_campaign(fake: FakeThingSpace) -> None:
    fake.add("c-1", "spring", "CampaignScheduled")


def test_get_is_retried_on_5xx_with_exponential_backoff(
    client: ThingSpaceClient, fake: FakeThingSpace, sleeps: list[float]
) -> None:
    fake.script("GET", CAMPAIGN, error(503), error(502), error(500))
    assert client.get_campaign(ACC, Kind.FIRMWARE, "c-1")["id"] == "c-1"
    assert fake.count("GET", CAMPAIGN) == 4
    assert sleeps == [1.0, 2.0, 4.0]


def test_retry_after_seconds_wins_over_a_shorter_backoff(
    client: ThingSpaceClient, fake: FakeThingSpace, sleeps: list[float]
) -> None:
    fake.script("GET", CAMPAIGN, error(429, **{"Retry-After": "7"}))
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert sleeps == [7.0]


def test_retry_after_http_date_is_measured_on_the_servers_clock(
    client: ThingSpaceClient, fake: FakeThingSpace, sleeps: list[float]
) -> None:
    later = format_datetime(NOW + timedelta(seconds=12), usegmt=True)
    fake.script("GET", CAMPAIGN, error(503, **{"Retry-After": later}))
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert sleeps == [12.0]


def test_a_retry_after_beyond_the_limit_fails_instead_of_hanging(
    client: ThingSpaceClient, fake: FakeThingSpace, sleeps: list[float]
) -> None:
    fake.script(
        "GET", CAMPAIGN, error(503, "Busy", "come back tomorrow", **{"Retry-After": "86400"})
    )
    with pytest.raises(ApiError) as caught:
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert caught.value.status == 503
    assert sleeps == []


def test_giving_up_on_a_get_reports_status_code_and_attempts(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.script("GET", CAMPAIGN, *[error(503, "Unavailable", "maintenance")] * 4)
    with pytest.raises(ApiError) as caught:
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert caught.value.message == (
        f"ThingSpace refused GET {CAMPAIGN}: 503 Unavailable: maintenance (after 4 attempts)"
    )
    assert fake.count("GET", CAMPAIGN) == 4


@pytest.mark.parametrize("exc", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ConnectError])
def test_get_is_retried_on_transport_failures(
    client: ThingSpaceClient, fake: FakeThingSpace, exc: type[Exception]
) -> None:
    fake.script("GET", CAMPAIGN, raiser(exc), raiser(exc))
    assert client.get_campaign(ACC, Kind.FIRMWARE, "c-1")["status"] == "CampaignScheduled"
    assert fake.count("GET", CAMPAIGN) == 3


def test_transport_failure_that_persists_is_a_transport_error(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.script("GET", CAMPAIGN, *[raiser(httpx.ConnectError, "connection refused")] * 4)
    with pytest.raises(TransportError, match=r"could not reach ThingSpace at http://ts.test"):
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")


def test_put_is_retried_like_a_get(client: ThingSpaceClient, fake: FakeThingSpace) -> None:
    dates = f"/api/fota/v3/campaigns/firmware/{ACC}/c-1/dates"
    fake.script("PUT", dates, error(502), raiser(httpx.ReadTimeout))
    client.update_schedule(ACC, Kind.FIRMWARE, "c-1", {"startDate": "2026-05-10"})
    assert fake.count("PUT", dates) == 3


@pytest.mark.parametrize(
    "answer", [error(500), error(503), raiser(httpx.ReadTimeout), raiser(httpx.RemoteProtocolError)]
)
def test_a_post_that_may_have_landed_is_never_resent(
    client: ThingSpaceClient, fake: FakeThingSpace, answer: httpx.Response
) -> None:
    fake.script("POST", CREATE, answer)
    with pytest.raises(AmbiguousWriteError, match=r"may or may not have applied POST"):
        client.create_campaign(ACC, Kind.FIRMWARE, {"campaignName": "x"})
    assert fake.count("POST", CREATE) == 1


def test_a_delete_that_may_have_landed_is_never_resent(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.script("DELETE", CAMPAIGN, error(504))
    with pytest.raises(AmbiguousWriteError) as caught:
        client.delete_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert caught.value.status == 504
    assert isinstance(caught.value, UserError)
    assert fake.count("DELETE", CAMPAIGN) == 1


def test_a_rate_limited_post_is_retried_after_retry_after(
    client: ThingSpaceClient, fake: FakeThingSpace, sleeps: list[float]
) -> None:
    """429 means the request was refused before processing, so sending it again is safe."""
    fake.script("POST", CREATE, error(429, **{"Retry-After": "3"}))
    created = client.create_campaign(ACC, Kind.FIRMWARE, {"campaignName": "x"})
    assert created["status"] == "CampaignRequestPending"
    assert fake.count("POST", CREATE) == 2
    assert sleeps == [3.0]


def test_a_post_that_could_not_connect_is_retried(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.script("POST", CREATE, raiser(httpx.ConnectError))
    client.create_campaign(ACC, Kind.FIRMWARE, {"campaignName": "x"})
    assert fake.count("POST", CREATE) == 2
    assert len(fake.campaigns) == 2  # c-1 and exactly one new one


def test_a_post_with_an_unreadable_success_answer_is_ambiguous(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.script("POST", CREATE, httpx.Response(200, content=b"<html>ok</html>"))
    with pytest.raises(AmbiguousWriteError, match="answer is unreadable"):
        client.create_campaign(ACC, Kind.FIRMWARE, {"campaignName": "x"})


def test_a_lifecycle_refusal_carries_error_code_and_message(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    dates = f"/api/fota/v3/campaigns/firmware/{ACC}/c-1/dates"
    fake.script("PUT", dates, error(400, "EndDateTooSoon", "end date must be >= now+24h"))
    with pytest.raises(ApiError) as caught:
        client.update_schedule(ACC, Kind.FIRMWARE, "c-1", {"endDate": "2026-05-01"})
    err = caught.value
    assert (err.status, err.error_code, err.error_message) == (
        400,
        "EndDateTooSoon",
        "end date must be >= now+24h",
    )
    assert err.message == (
        f"ThingSpace refused PUT {dates}: 400 EndDateTooSoon: end date must be >= now+24h"
    )
    assert fake.count("PUT", dates) == 1  # a 400 is final


def test_missing_campaign_is_not_found(client: ThingSpaceClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.get_campaign(ACC, Kind.FIRMWARE, "nope")
    assert caught.value.status == 404
    assert caught.value.error_code == "CampaignNotFound"


def test_non_json_error_body_is_quoted_briefly(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.script("GET", CAMPAIGN, httpx.Response(418, text="I'm a\nteapot " + "x" * 500))
    with pytest.raises(ApiError) as caught:
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert "\n" not in caught.value.message
    assert caught.value.message.startswith(f"ThingSpace refused GET {CAMPAIGN}: 418: I'm a teapot")
    assert len(caught.value.message) < 300


def test_a_bad_url_scheme_is_a_user_error() -> None:
    # Refused when the client is made, before any request (see test_client_url.py).
    with pytest.raises(UserError, match="is not an http:// or https:// URL"):
        ThingSpaceClient("ftp://x", CREDS)
