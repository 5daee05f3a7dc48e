"""Secret hygiene: the client secret, the password and both tokens never show in reprs, error
messages (even when the server or a transport exception echoes them) or logs."""

from __future__ import annotations

import logging
import traceback

import httpx
import pytest

from reconciler.model import Kind
from reconciler.thingspace import (
    AmbiguousWriteError,
    ApiError,
    Credentials,
    ThingSpaceClient,
    ThingSpaceError,
    TransportError,
)
from reconciler.thingspace._auth import Tokens
from tests.thingspace.fake_thingspace import ACC, CREDS, FakeThingSpace, error, raiser

SECRETS = ("s3cr3t-client", "pa55word", "access-1", "session-1")


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked into: {text}"


def _all_text(exc: BaseException) -> str:
    """Everything a traceback, a log line or a debugger's repr of the error would show."""
    parts = ["".join(traceback.format_exception(exc)), repr(exc), str(exc.args)]
    seen = exc
    while seen.__cause__ or seen.__context__:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
        parts.append(repr(seen))
        if isinstance(seen, httpx.RequestError):
            parts.append(str(seen.request.headers))
    return "\n".join(parts)


def test_credentials_repr_hides_secret_and_password() -> None:
    text = f"{CREDS!r} {CREDS} {[CREDS]} {CREDS.__dict__.keys()}"
    _clean(text)
    assert "cid" in text and "user" in text


def test_tokens_and_client_reprs_hide_everything(client: ThingSpaceClient) -> None:
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")  # logged in: tokens exist now
    _clean(repr(Tokens("access-1", "session-1", 5)))
    _clean(repr(client))


@pytest.fixture(autouse=True)
def one_campaign(fake: FakeThingSpace) -> None:
    fake.add("c-1", "spring", "CampaignScheduled")


def test_a_server_echoing_secrets_in_an_error_is_redacted(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    echo = "token access-1 session session-1 secret s3cr3t-client pw pa55word"
    fake.script("GET", "/api/fota", error(400, "Echo access-1", echo))
    with pytest.raises(ApiError) as caught:
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    err = caught.value
    _clean(_all_text(err))
    _clean(f"{err.error_code} {err.error_message}")
    assert "***" in err.message


def test_a_login_error_echoing_the_password_is_redacted(fake: FakeThingSpace) -> None:
    fake.script("POST", "/api/m2m", error(400, "LoginFailed", "password pa55word is wrong"))
    with (
        ThingSpaceClient("http://ts.test", CREDS, transport=httpx.MockTransport(fake)) as c,
        pytest.raises(ThingSpaceError) as caught,
    ):
        c.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    _clean(_all_text(caught.value))


@pytest.mark.parametrize("exc_type", [httpx.ConnectError, httpx.ReadTimeout])
def test_wrapped_transport_exceptions_carry_no_secrets(
    client: ThingSpaceClient, fake: FakeThingSpace, exc_type: type[Exception]
) -> None:
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    leak = "failed with headers Bearer access-1 / session-1"
    fake.script("GET", "/api/fota", *[raiser(exc_type, leak)] * 4)
    with pytest.raises(TransportError) as caught:
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    _clean(_all_text(caught.value))
    assert caught.value.__context__ is None and caught.value.__cause__ is None


def test_ambiguous_write_errors_carry_no_secrets(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    fake.script("POST", "/api/fota", raiser(httpx.ReadTimeout, "timed out; Bearer access-1"))
    with pytest.raises(AmbiguousWriteError) as caught:
        client.create_campaign(ACC, Kind.FIRMWARE, {"campaignName": "x"})
    _clean(_all_text(caught.value))


def test_debug_logs_carry_no_secrets(
    client: ThingSpaceClient, fake: FakeThingSpace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.script("GET", "/api/fota", error(503), raiser(httpx.ReadTimeout, "Bearer access-1"))
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    fake.expire_tokens()
    client.create_campaign(ACC, Kind.FIRMWARE, {"campaignName": "x"})
    assert caplog.records, "expected the client to log its requests at DEBUG"
    text = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records)
    _clean(text)


def test_a_credentials_dataclass_field_listing_does_not_leak() -> None:
    import dataclasses

    shown = [f.name for f in dataclasses.fields(Credentials) if f.repr]
    assert shown == ["client_id", "username"]
