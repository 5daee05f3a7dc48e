"""No form of a secret gets out, even from a server that reflects the whole request.

A real (loopback, threaded) HTTP server answers the OAuth step, the M2M login or a FOTA call
with a 400/401 whose body holds the request's headers and body: the Basic header (base64 of
``client_id:secret``), the JSON login body (the password JSON-escaped), both tokens. The
secrets contain ``"``, ``\\``, ``:``, ``/``, ``+``, ``%``, spaces and non-ASCII, so each encoding
differs from the verbatim text. Checked: the exception's message, repr, traceback and fields,
and the stderr of ``fota status`` and ``fota plan``."""

from __future__ import annotations

import base64
import json
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.cli import main
from reconciler.model import Kind
from reconciler.redaction import Redactor
from reconciler.thingspace import Credentials, RetryPolicy, ThingSpaceClient, ThingSpaceError
from tests.thingspace.fake_thingspace import ACC, FakeThingSpace, error

CLIENT_ID = "my-client"
CLIENT_SECRET = 'cl"ie\\nt:se/cr+et %&= ∆é'
USERNAME = "ops-user"
PASSWORD = 'pa"ss\\wörd:/+ x%2F=&'
ACCESS = 'acc"\\/+:-Zx81q tok'  # tokens are header values: printable ASCII
SESSION = 'ses"\\:/+-Qw73k tok'
CREDS = Credentials(CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD)

STAGES = ("oauth", "m2m", "fota")
SHAPES = ("fota", "oauth", "code", "text")


def _forms(secret: str, user: str | None = None) -> set[str]:
    """Written independently of the client's Redactor: what an echo could contain."""
    forms = {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret, safe=""),
        quote_plus(secret),
    }
    forms |= {json.dumps(f)[1:-1] for f in list(forms)}
    if user is not None:
        raw = f"{user}:{secret}".encode()
        for enc in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            forms |= {enc.decode(), enc.decode().rstrip("=")}
    # Half-redacted pieces would be a leak too: every 8-character slice of the secret.
    forms |= {secret[i : i + 8] for i in range(len(secret) - 7)}
    return forms


LEAKS = (_forms(CLIENT_SECRET, CLIENT_ID) | _forms(PASSWORD) | _forms(ACCESS) | _forms(SESSION)) - {
    ""
}


def _assert_clean(text: str) -> None:
    leaked = sorted(form for form in LEAKS if form in text)
    assert not leaked, f"{leaked!r} leaked into: {text}"


@dataclass
class Echo:
    """Which step fails (``stage``) and how its error body carries the reflection (``shape``)."""

    stage: str
    shape: str
    url: str = ""


def _serve(echo: Echo) -> Iterator[ThreadingHTTPServer]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            self._answer()

        def do_GET(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode("utf-8", "replace")
            stage = (
                "oauth"
                if self.path.startswith("/api/ts/v1/oauth2/token")
                else "m2m"
                if self.path.startswith("/api/m2m/")
                else "fota"
            )
            if stage != echo.stage:
                ok = {"oauth": {"access_token": ACCESS, "expires_in": 3600}}
                self._send(200, json.dumps(ok.get(stage, {"sessionToken": SESSION})))
                return
            # The body and the credentials first: login errors keep only a short message.
            headers = sorted(self.headers.items(), key=lambda kv: kv[0].lower() != "authorization")
            reflected = body + "\n" + "".join(f"{k}: {v}\n" for k, v in headers)
            status = 401 if stage == "oauth" else 400
            if echo.shape == "fota":
                text = json.dumps({"errorCode": "Echo", "errorMessage": reflected})
            elif echo.shape == "oauth":
                text = json.dumps({"error": "invalid_client", "error_description": reflected})
            elif echo.shape == "code":
                text = json.dumps({"errorCode": reflected, "errorMessage": "bad"})
            else:
                text = reflected
            self._send(status, text)

        def _send(self, status: int, text: str) -> None:
            data = text.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


ALL = [(stage, shape) for stage in STAGES for shape in SHAPES]


@pytest.fixture(ids=str)
def echo(request: pytest.FixtureRequest) -> Iterator[Echo]:
    stage, shape = request.param  # (stage, shape), from indirect parametrization
    found = Echo(stage, shape)
    for server in _serve(found):
        found.url = f"http://127.0.0.1:{server.server_address[1]}"
        yield found


def _everything(exc: ThingSpaceError) -> str:
    return "\n".join(
        [
            "".join(traceback.format_exception(exc)),
            repr(exc),
            str(exc.args),
            str(exc.error_code),
            str(exc.error_message),
        ]
    )


@pytest.mark.parametrize("echo", [("oauth", "text"), ("m2m", "text")], indirect=True, ids=str)
def test_the_echo_really_carries_every_secret(echo: Echo) -> None:
    """Guards the other tests: unredacted, the reflection does contain the encoded secrets."""
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    if echo.stage == "oauth":
        answer = httpx.post(f"{echo.url}/api/ts/v1/oauth2/token", auth=(CLIENT_ID, CLIENT_SECRET))
        assert basic in answer.text
    else:
        answer = httpx.post(
            f"{echo.url}/api/m2m/v1/session/login",
            json={"username": USERNAME, "password": PASSWORD},
        )
        assert json.dumps(PASSWORD, ensure_ascii=False)[1:-1] in answer.text
        assert PASSWORD not in answer.text  # JSON-escaped: verbatim redaction would miss it


@pytest.mark.parametrize("echo", ALL, indirect=True, ids=str)
def test_no_secret_reaches_the_error(echo: Echo) -> None:
    retry = RetryPolicy(max_attempts=1, sleep=lambda _: None)
    with ThingSpaceClient(echo.url, CREDS, retry=retry) as client:
        with pytest.raises(ThingSpaceError) as caught:
            client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
        _assert_clean(repr(client))
    err = caught.value
    assert err.status in (400, 401)
    _assert_clean(_everything(err))
    if echo.stage != "fota":
        # Login failures: status, code and at most a short errorMessage, never the body text.
        assert len(err.message) < 400
        if echo.shape == "text":
            assert err.error_message is None


CLI_CASES = [(stage, shape) for stage, shape in ALL if stage != "fota" or shape == "fota"]


@pytest.mark.parametrize("echo", CLI_CASES, indirect=True, ids=str)
@pytest.mark.parametrize("command", ["status", "plan"])
def test_no_secret_reaches_the_cli_stderr(
    command: str,
    echo: Echo,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in (
        ("FOTA_API_URL", echo.url),
        ("FOTA_CLIENT_ID", CLIENT_ID),
        ("FOTA_CLIENT_SECRET", CLIENT_SECRET),
        ("FOTA_USERNAME", USERNAME),
        ("FOTA_PASSWORD", PASSWORD),
    ):
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "wave.yaml"
    spec.write_text(
        f'apiVersion: fota.reconciler/v1\nkind: FirmwareCampaign\naccount: "{ACC}"\n'
        "name: wave\nfirmware: {name: FW, from: '1.0', to: '2.0', protocol: LWM2M}\n"
        "schedule: {start: 2026-03-03, end: 2026-03-20, windows: [{start: 0, end: 24}]}\n"
        'devices: ["359700000000002"]\n',
        encoding="utf-8",
    )
    argv = ["status", "c-1", "--account", ACC] if command == "status" else ["plan", str(spec)]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code != 0
    assert "error: ThingSpace refused" in err  # the request got to the echo server
    _assert_clean(out + err)


def test_tokens_of_earlier_logins_stay_hidden(
    client: ThingSpaceClient, fake: FakeThingSpace
) -> None:
    """After a re-login, the first login's tokens are still redacted (a stale echo)."""
    fake.add("c-1", "spring", "CampaignScheduled")
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")  # login 1: access-1 / session-1
    fake.expire_tokens()
    client.get_campaign(ACC, Kind.FIRMWARE, "c-1")  # 401, login 2: access-2 / session-2
    assert client.logins == 2
    fake.script("GET", "/api/fota", error(400, "Echo", "old access-1 and session-1 here"))
    with pytest.raises(ThingSpaceError) as caught:
        client.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    text = _everything(caught.value)
    assert "access-1" not in text and "session-1" not in text
    assert "old *** and *** here" in caught.value.message


def test_the_remembered_tokens_are_bounded() -> None:
    redactor = Redactor(["secret-value"], user="id", max_tokens=3)
    redactor.remember("tok-aaaa", "tok-bbbb", "tok-cccc", "tok-dddd")
    assert redactor("tok-aaaa tok-bbbb tok-dddd secret-value") == "tok-aaaa *** *** ***"


def test_a_token_that_is_not_printable_ascii_is_refused_cleanly(fake: FakeThingSpace) -> None:
    fake.script("POST", "/api/ts", httpx.Response(200, json={"access_token": "tökën-1"}))
    with (
        ThingSpaceClient("http://ts.test", CREDS, transport=httpx.MockTransport(fake)) as c,
        pytest.raises(ThingSpaceError, match="access_token is not printable ASCII") as caught,
    ):
        c.get_campaign(ACC, Kind.FIRMWARE, "c-1")
    assert "tökën" not in _everything(caught.value)


_secret = st.text(min_size=4, max_size=24).filter(lambda s: "*" not in s and s.strip() == s)


@given(secret=_secret, user=st.text(max_size=10).filter(lambda s: "*" not in s))
def test_every_encoded_form_of_a_secret_is_masked(secret: str, user: str) -> None:
    redactor = Redactor([secret], user=user)
    full = _forms(secret, user) - {secret[i : i + 8] for i in range(len(secret) - 7)}
    for form in full:
        masked = redactor(f"<{form}>")
        assert form not in masked and "***" in masked


def test_other_json_writers_escapes_are_masked() -> None:
    """ "/" written as "\\/" (PHP) and upper-case \\uXXXX (Java), alone and together."""
    redactor = Redactor(["a/bö-c"], user="id")
    for echoed in ("a\\/bö-c", "a/b\\u00F6-c", "a\\/b\\u00F6-c", "a\\/b\\u00f6-c"):
        assert redactor(f"<{echoed}>") == "<***>", echoed
