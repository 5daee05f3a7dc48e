"""Auth: both tokens on every FOTA call, one login shared by all threads, renewal before expiry,
one re-login on a 401."""

from __future__ import annotations

import base64
import json
import threading

import httpx
import pytest

from reconciler.model import Kind
from reconciler.thingspace import AuthError, Credentials, RetryPolicy, ThingSpaceClient
from reconciler.thingspace._auth import Authenticator, Tokens
from tests.thingspace.fake_thingspace import ACC, CREDS, Clock, FakeThingSpace, error


@pytest.fixture(autouse=True)
def one_campaign(fake: FakeThingSpace) -> None:
    fake.add("c-1", "spring", "CampaignScheduled")


def test_login_is_client_credentials_then_session_and_both_headers_go_on_fota_calls(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    token, login, call = fake.requests
    basic = base64.b64encode(b"cid:s3cr3t-client").decode()
    assert (token.method, token.url.path) == ("POST", "/api/ts/v1/oauth2/token")
    assert token.headers["Authorization"] == f"Basic {basic}"
    assert token.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert token.content == b"grant_type=client_credentials"
    assert (login.method, login.url.path) == ("POST", "/api/m2m/v1/session/login")
    assert login.headers["Authorization"] == "Bearer access-1"
    assert json.loads(login.content) == {"username": "user", "password": "pa55word"}
    assert call.headers["Authorization"] == "Bearer access-1"
    assert call.headers["VZ-M2M-Token"] == "session-1"
    assert call.headers["accept"] == "application/json"


def test_tokens_are_reused_until_shortly_before_expiry(
    client: ThingSpaceClient, fake: FakeThingSpace, clock: Clock
) -> None:
    for _ in range(3):
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert client.logins == 1
    clock.now += 3600 - 31  # still inside the lifetime minus the 30 s skew
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert client.logins == 1
    clock.now += 2  # now within the skew: renew before the server would refuse
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert client.logins == 2
    assert fake.count("GET") == 5
    assert fake.requests[-1].headers["Authorization"] == "Bearer access-2"


def test_a_401_triggers_one_relogin_and_one_retry(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    fake.expire_tokens()  # the server forgot us early (restart, revocation)
    assert client.get_campaign(ACC, Kind.FIRMWARE, "c-1")["id"] == "c-1"
    assert client.logins == 2
    assert fake.count("GET") == 3


def test_a_401_after_relogin_is_an_auth_error_not_a_loop(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    fake.script("GET", "/api/fota", error(401, "UnAuthorized", "nope"), error(401, "X", "no"))
    with pytest.raises(AuthError, match="check FOTA_CLIENT_ID") as caught:
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert caught.value.status == 401
    assert client.logins == 2
    assert fake.count("GET") == 2


def test_a_401_on_post_is_resent_after_relogin(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    """A 401 is refused before any processing, so re-sending the create is safe."""
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    fake.expire_tokens()
    client.create_campaign(ACC, Kind.FIRMWARE, {"campaignName": "new"})
    assert fake.count("POST", "/api/fota") == 2
    assert len(fake.campaigns) == 2


def test_wrong_client_secret_is_an_auth_error_naming_the_variables(fake: FakeThingSpace) -> None:
    bad = Credentials("cid", "wrong-secret", "user", "pa55word")
    with (
        ThingSpaceClient("http://ts.test", bad, transport=httpx.MockTransport(fake)) as c,
        pytest.raises(AuthError) as caught,
    ):
        c.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert caught.value.message == (
        "ThingSpace refused the OAuth token (check FOTA_CLIENT_ID and FOTA_CLIENT_SECRET): "
        "401 invalid_client: bad client"
    )
    assert caught.value.error_code == "invalid_client"


def test_wrong_password_is_an_auth_error_naming_the_variables(fake: FakeThingSpace) -> None:
    bad = Credentials("cid", "s3cr3t-client", "user", "wrong-password")
    with (
        ThingSpaceClient("http://ts.test", bad, transport=httpx.MockTransport(fake)) as c,
        pytest.raises(AuthError, match=r"check FOTA_USERNAME and FOTA_PASSWORD\): 400 LoginFailed"),
    ):
        c.get_campaign(ACC, Kind.FIRMWARE, "c-1")


def test_login_is_retried_on_server_errors(
    client: ThingSpaceClient, fake: FakeThingSpace, sleeps: list[float]
) -> None:
    fake.script("POST", "/api/ts/v1/oauth2/token", error(503))
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert client.logins == 1
    assert sleeps == [1.0]


def test_a_wrong_base_url_says_so(fake: FakeThingSpace) -> None:
    def not_here(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="Not Found")

    with (
        ThingSpaceClient("http://ts.test/api", CREDS, transport=httpx.MockTransport(not_here)) as c,
        pytest.raises(Exception, match=r"no ThingSpace login endpoint .* check --api-url"),
    ):
        c.get_campaign(ACC, Kind.FIRMWARE, "c-1")


def test_concurrent_first_calls_log_in_once(fake: FakeThingSpace) -> None:
    barrier = threading.Barrier(12)
    with ThingSpaceClient(
        "http://ts.test",
        CREDS,
        transport=httpx.MockTransport(fake),
        concurrency=12,
        retry=RetryPolicy(sleep=lambda s: None),
    ) as c:

        def call(_: int) -> str:
            barrier.wait()
            return str(c.get_campaign(ACC, Kind.FIRMWARE, "c-1")["id"])

        assert c.map_concurrently(call, range(12)) == ["c-1"] * 12
    assert c.logins == 1
    assert fake.count("POST", "/api/ts/v1/oauth2/token") == 1


def test_invalidating_a_stale_generation_keeps_the_newer_session() -> None:
    """Thread A saw a 401 with login #1; thread B already replaced it with login #2. A must not
    throw #2 away (that would cost every thread another login)."""
    logins: list[int] = []

    def login() -> Tokens:
        logins.append(1)
        return Tokens(f"a{len(logins)}", f"s{len(logins)}", None)

    auth = Authenticator(login, clock=Clock())
    first = auth.current()
    auth.invalidate(first.generation)
    second = auth.current()
    auth.invalidate(first.generation)  # late report about the old session
    assert auth.current() is second
    assert len(logins) == 2


def test_short_token_lifetimes_are_still_reused() -> None:
    clock = Clock()
    auth = Authenticator(lambda: Tokens("a", "s", 10), clock=clock, skew=30)
    first = auth.current()
    clock.now += 4.9
    assert auth.current() is first
    clock.now += 0.2
    assert auth.current() is not first


@pytest.mark.parametrize(("lifetime", "renewed"), [("600", True), (None, False)])
def test_expires_in_as_a_string_or_absent(
    client: ThingSpaceClient,
    fake: FakeThingSpace,
    clock: Clock,
    lifetime: str | None,
    renewed: bool,
) -> None:
    fake.token_lifetime = lifetime  # type: ignore[assignment]
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    clock.now += 3600  # past a 600 s lifetime; an unknown lifetime lasts until a 401
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert client.logins == (2 if renewed else 1)
