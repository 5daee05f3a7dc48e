"""The server URL is checked once: only scheme://host[:port][/path] is kept, and anything that
would leak (a password), corrupt every API path (a query) or crash (a bad host or port) is a
one-line UserError that does not repeat the URL."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import UserError
from reconciler.model import Kind
from reconciler.thingspace import ThingSpaceClient, api_base_url
from tests.thingspace.fake_thingspace import ACC, CREDS, FakeThingSpace


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://thingspace.verizon.com", "https://thingspace.verizon.com"),
        ("https://thingspace.verizon.com/", "https://thingspace.verizon.com"),
        ("HTTP://Example.COM:8900/prefix/", "http://example.com:8900/prefix"),
        ("http://127.0.0.1:8900", "http://127.0.0.1:8900"),
        ("http://[::1]:8900/", "http://[::1]:8900"),
        ("  http://h  ", "http://h"),
    ],
)
def test_a_good_url_is_kept_as_scheme_host_port_path(raw: str, expected: str) -> None:
    assert api_base_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("http://demo:hunter2pw@127.0.0.1:8900", "must not contain a user name or password"),
        ("http://hunter2pw@h/", "must not contain a user name or password"),
        ("http://h/?token=x", "must not have a query"),
        ("http://h?", "must not have a query"),
        ("http://h/#frag", "or fragment"),
        ("http://[::1", "invalid host or port"),
        ("http://h:abc", "invalid host or port"),
        ("http://h:99999", "invalid host or port"),
        ("http://h:0", "port 0"),
        ("http:///path", "no host"),
        ("ftp://h", "is not an http:// or https:// URL"),
        ("thingspace.verizon.com", "is not an http:// or https:// URL"),
        ("http://h/a b", "spaces or control characters"),
        ("", "is empty"),
    ],
)
def test_a_bad_url_is_a_one_line_user_error(raw: str, says: str) -> None:
    with pytest.raises(UserError) as caught:
        api_base_url(raw)
    message = caught.value.message
    assert says in message and "\n" not in message
    assert message.startswith("--api-url/FOTA_API_URL ")
    for secret in ("hunter2pw", "token=x", "#frag"):
        assert secret not in message


def test_the_client_refuses_a_bad_url_instead_of_an_httpx_traceback() -> None:
    for raw in ("http://[::1", "http://h:abc", "http://u:p@h"):
        with pytest.raises(UserError):
            ThingSpaceClient(raw, CREDS)


def test_a_path_prefix_is_kept_in_front_of_every_api_path(fake: FakeThingSpace) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        request.url = request.url.copy_with(path=request.url.path.removeprefix("/gw"))
        return fake(request)

    fake.add("c-1", "spring", "CampaignScheduled")
    with ThingSpaceClient("http://ts.test/gw/", CREDS, transport=httpx.MockTransport(handler)) as c:
        assert c.base_url == "http://ts.test/gw"
        assert c.get_campaign(ACC, Kind.FIRMWARE, "c-1")["id"] == "c-1"
    assert seen[0] == "/gw/api/ts/v1/oauth2/token"
    assert all(path.startswith("/gw/api/") and "?" not in path.split("/api/")[0] for path in seen)


_host = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,2}", fullmatch=True)
_path = st.lists(st.from_regex(r"[a-zA-Z0-9._~-]{1,8}", fullmatch=True), max_size=3)


@given(
    scheme=st.sampled_from(["http", "https"]),
    host=_host,
    port=st.none() | st.integers(1, 65535),
    path=_path,
    user=st.text(min_size=1, max_size=12)
    .filter(lambda s: "@" not in s and "/" not in s)
    .map(lambda s: f"Zq9:{s}"),
)
def test_userinfo_never_survives_and_good_parts_round_trip(
    scheme: str, host: str, port: int | None, path: list[str], user: str
) -> None:
    netloc = host if port is None else f"{host}:{port}"
    tail = "".join(f"/{p}" for p in path)
    assert api_base_url(f"{scheme}://{netloc}{tail}/") == f"{scheme}://{netloc}{tail}"
    with pytest.raises(UserError) as caught:
        api_base_url(f"{scheme}://{user}@{netloc}{tail}")
    # The message is fixed text: it never repeats what came before the @.
    assert user not in caught.value.message
