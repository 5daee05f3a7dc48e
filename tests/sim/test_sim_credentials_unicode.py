"""Credentials are bytes on the wire: any Unicode secret, password or username works end to
end through the CLI, on the embedded emulator and on a served one, and a wrong one is a
credentials error, never an emulator crash (``secrets.compare_digest`` refuses non-ASCII str)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from reconciler.cli import main
from reconciler.sim.testing import running_sim

TOKEN_PATH = "/api/ts/v1/oauth2/token"
LOGIN_PATH = "/api/m2m/v1/session/login"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "campaigns"
UNICODE = {
    "client_id": "clïent",
    "client_secret": "sécret-密码-🔑",
    "username": "ûser",
    "password": "pässwörd",
}
SIM_VARIABLES = {
    "FOTA_SIM_CLIENT_ID": UNICODE["client_id"],
    "FOTA_SIM_CLIENT_SECRET": UNICODE["client_secret"],
    "FOTA_SIM_USERNAME": UNICODE["username"],
    "FOTA_SIM_PASSWORD": UNICODE["password"],
}
CLIENT_VARIABLES = {
    "FOTA_CLIENT_ID": UNICODE["client_id"],
    "FOTA_CLIENT_SECRET": UNICODE["client_secret"],
    "FOTA_USERNAME": UNICODE["username"],
    "FOTA_PASSWORD": UNICODE["password"],
}


def _plan(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["plan", str(EXAMPLES), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_non_ascii_credentials_on_the_embedded_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FOTA_API_URL", raising=False)
    for name, value in SIM_VARIABLES.items():
        monkeypatch.setenv(name, value)
    code, out, err = _plan([], capsys)
    assert code == 0, err
    assert "Traceback" not in err and "create" in out
    assert UNICODE["client_secret"] not in out + err


def test_non_ascii_credentials_on_a_served_emulator(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_sim(**UNICODE) as sim:
        for name, value in CLIENT_VARIABLES.items():
            monkeypatch.setenv(name, value)
        code, out, err = _plan(["--api-url", sim.url], capsys)
        assert code == 0, err
        assert "create" in out
        monkeypatch.setenv("FOTA_CLIENT_SECRET", "sécret-but-wrong")
        code, out, err = _plan(["--api-url", sim.url], capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert lines[-1].startswith("error: ") and "FOTA_CLIENT_SECRET" in lines[-1], lines
    assert "Traceback" not in err and "sécret" not in err


@pytest.mark.parametrize("secret", ["sécret", "\udcff-undecodable", "é" * 300, "", ":"], ids=repr)
def test_any_basic_credential_is_answered_401_or_200_never_500(secret: str) -> None:
    with running_sim(**UNICODE) as sim, httpx.Client(base_url=sim.url) as http:
        raw = (UNICODE["client_id"].encode(), secret.encode("utf-8", "surrogatepass"))
        wrong = http.post(TOKEN_PATH, auth=raw, data={"grant_type": "client_credentials"})
        assert wrong.status_code == 401, wrong.text
        token = http.post(
            TOKEN_PATH,
            auth=(UNICODE["client_id"], UNICODE["client_secret"]),
            data={"grant_type": "client_credentials"},
        )
        assert token.status_code == 200, token.text
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        # A JSON lone-surrogate escape decodes to a str that cannot be encoded as UTF-8.
        body = '{"username": "\\udcff", "password": "x"}'
        odd = http.post(
            LOGIN_PATH,
            headers={**bearer, "Content-Type": "application/json"},
            content=body.encode(),
        )
        assert odd.status_code == 400 and odd.json()["errorCode"] == "InvalidCredentials"
        good = http.post(
            LOGIN_PATH,
            headers=bearer,
            json={"username": UNICODE["username"], "password": UNICODE["password"]},
        )
        assert good.status_code == 200, good.text
