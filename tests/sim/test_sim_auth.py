"""Authentication as ThingSpace does it: OAuth client credentials, then an M2M session; every
FOTA call needs both tokens; tokens expire on the *simulated* clock."""

from __future__ import annotations

from datetime import timedelta

import httpx

from reconciler.sim.testing import RunningSim
from tests.sim.helpers import ACC, V3, Api, expect_error

TOKEN = "/api/ts/v1/oauth2/token"
LOGIN = "/api/m2m/v1/session/login"
LISTING = f"{V3}/reports/{ACC}/firmware/campaigns?campaignStatus=CampaignScheduled"


def _login(http: httpx.Client) -> dict[str, str]:
    token = http.post(
        TOKEN, auth=("demo-client", "demo-secret"), data={"grant_type": "client_credentials"}
    )
    assert token.status_code == 200, token.text
    body = token.json()
    assert body["token_type"].lower() == "bearer"
    assert body["expires_in"] == 3600
    bearer = body["access_token"]
    session = http.post(
        LOGIN,
        headers={"Authorization": f"Bearer {bearer}"},
        json={"username": "demo", "password": "demo-password"},
    )
    assert session.status_code == 200, session.text
    return {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session.json()["sessionToken"]}


def test_demo_credentials_give_tokens_that_open_the_fota_api(sim: RunningSim) -> None:
    with httpx.Client(base_url=sim.url) as http:
        headers = _login(http)
        response = http.get(LISTING, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"hasMoreData": False, "lastSeenCampaignId": None, "campaignList": []}


def test_bad_client_credentials_get_oauth_401(sim: RunningSim) -> None:
    with httpx.Client(base_url=sim.url) as http:
        wrong = http.post(
            TOKEN, auth=("demo-client", "nope"), data={"grant_type": "client_credentials"}
        )
        missing = http.post(TOKEN, data={"grant_type": "client_credentials"})
        grant = http.post(TOKEN, auth=("demo-client", "demo-secret"), data={"grant_type": "x"})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    assert "error_description" in wrong.json()
    assert missing.status_code == 401
    assert grant.status_code == 400
    assert grant.json()["error"] == "unsupported_grant_type"


def test_session_login_needs_a_bearer_and_the_right_password(sim: RunningSim) -> None:
    with httpx.Client(base_url=sim.url) as http:
        bearer = http.post(
            TOKEN, auth=("demo-client", "demo-secret"), data={"grant_type": "client_credentials"}
        ).json()["access_token"]
        no_bearer = http.post(LOGIN, json={"username": "demo", "password": "demo-password"})
        wrong = http.post(
            LOGIN,
            headers={"Authorization": f"Bearer {bearer}"},
            json={"username": "demo", "password": "guess"},
        )
    expect_error(no_bearer, "UnAuthorized", 401)
    expect_error(wrong, "InvalidCredentials", 400)


def test_fota_calls_need_both_tokens(sim: RunningSim) -> None:
    with httpx.Client(base_url=sim.url) as http:
        headers = _login(http)
        bearer_only = {"Authorization": headers["Authorization"]}
        session_only = {"VZ-M2M-Token": headers["VZ-M2M-Token"]}
        invalid = {**headers, "Authorization": "Bearer not-a-token"}
        bad_session = {**headers, "VZ-M2M-Token": "not-a-session"}
        for bad in ({}, bearer_only, session_only, invalid, bad_session):
            expect_error(http.get(LISTING, headers=bad), "UnAuthorized", 401)


def test_tokens_expire_on_the_simulated_clock(api: Api) -> None:
    assert api.get(LISTING).status_code == 200
    api.sim.emulator.advance(timedelta(seconds=3599))
    assert api.get(LISTING).status_code == 200
    api.sim.emulator.advance(timedelta(seconds=1))
    message = expect_error(api.get(LISTING), "UnAuthorized", 401)
    assert "expired" in message
    api.relogin()
    assert api.get(LISTING).status_code == 200


def test_advancing_three_days_expires_tokens(api: Api) -> None:
    api.sim.emulator.advance("3d")
    expect_error(api.get(LISTING), "UnAuthorized", 401)


def test_admin_api_revokes_every_token(api: Api) -> None:
    assert api.get(LISTING).status_code == 200
    revoke = api.http.post("/_sim/tokens/revoke")
    assert revoke.status_code == 200
    expect_error(api.get(LISTING), "UnAuthorized", 401)


def test_error_bodies_never_echo_credentials(sim: RunningSim) -> None:
    with httpx.Client(base_url=sim.url) as http:
        headers = _login(http)
        bad = {**headers, "VZ-M2M-Token": "x"}
        response = http.get(LISTING, headers=bad)
    assert headers["Authorization"][7:] not in response.text
    assert "demo-secret" not in response.text
