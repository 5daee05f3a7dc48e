"""The scenario the Action's end-to-end tests share: secrets to watch for, a spec, the GitHub
events of a pull request and of its merge, and ``run``, which executes action.yml the way GitHub
would (tests/github/actionrun.py) against the emulator and the fake GitHub on loopback.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import httpx

from reconciler.sim.testing import RunningSim
from reconciler.specs import parse_spec_text
from reconciler.thingspace.wire import encode_create
from tests.github.actionrun import ActionRun, run_action
from tests.github.fake_github import FakeGitHub

TOKEN = "ghs_e2eSECRETtoken0123456789"
CLIENT_SECRET = "e2e-client-SECRET-value"
PASSWORD = "e2e-PASSWORD-value"
REPO = "acme/fleet"
ACCOUNT = "0000123456-00001"
MARKER = "<!-- fota-reconciler:plan:default -->"
APPLY_MARKER = "<!-- fota-reconciler:apply:default -->"
DEVICES = ["354658090353977", "354658090353985", "354658090353993"]


def spec_text(
    *, name: str = "gha pilot", start: str = "2026-03-10", devices: list[str] = DEVICES
) -> str:
    device_lines = "\n".join(f'  - "{d}"' for d in devices)
    return (
        textwrap.dedent(
            f"""\
        apiVersion: fota.reconciler/v1
        kind: FirmwareCampaign
        account: "{ACCOUNT}"
        name: {name}
        firmware:
          name: SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657
          from: SR1.2.0.0-10512
          to: SR1.2.0.0-10657
          protocol: LWM2M
        schedule:
          start: {start}
          end: 2026-03-20
          windows:
            - {{start: 18, end: 22}}
        devices:
        """
        )
        + device_lines
        + "\n"
    )


def pr_event(number: int, head_sha: str, head_repo: str = REPO) -> dict[str, Any]:
    return {
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"sha": head_sha, "repo": {"full_name": head_repo}},
            "base": {"repo": {"full_name": REPO}},
        },
        "repository": {"full_name": REPO, "default_branch": "main"},
    }


def push_event(sha: str) -> dict[str, Any]:
    return {
        "ref": "refs/heads/main",
        "after": sha,
        "repository": {"full_name": REPO, "default_branch": "main"},
    }


def run(
    command: str,
    repo: Path,
    sim: RunningSim | None,
    github: FakeGitHub,
    *,
    event: dict[str, Any],
    event_name: str,
    sha: str,
    credentials: bool = True,
    **inputs: str,
) -> ActionRun:
    values = {"command": command, "path": "campaigns"} | inputs
    if credentials and sim is not None:
        values |= {
            "api-url": sim.url,
            "client-id": "demo-client",
            "client-secret": CLIENT_SECRET,
            "username": "demo",
            "password": PASSWORD,
        }
    result = run_action(
        inputs=values,
        workspace=repo,
        event_name=event_name,
        event=event,
        github_env={
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_SHA": sha,
            "GITHUB_REF": "refs/heads/main" if event_name == "push" else "refs/pull/7/merge",
            "GITHUB_API_URL": github.url,
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_TOKEN_VALUE": TOKEN,
        },
    )
    assert_no_secrets(result, github, repo)
    return result


def assert_no_secrets(result: ActionRun, github: FakeGitHub, repo: Path) -> None:
    """No secret in logs (other than the ::add-mask:: lines that hide it), summaries, outputs,
    comments, plan files or anything written under the working directory."""
    visible = [line for line in result.log.splitlines() if not line.startswith("::add-mask::")]
    texts = [*visible, result.summary, json.dumps(result.outputs)]
    texts += [c["body"] for c in github.comments.values()]
    for step in result.steps:
        texts.append(json.dumps(step.outputs))
        if step.outputs.get("plan-file") and Path(step.outputs["plan-file"]).exists():
            texts.append(Path(step.outputs["plan-file"]).read_text("utf-8"))
    for path in repo.rglob("*"):
        if path.is_file():
            texts.append(path.read_text("utf-8", errors="replace"))
    for secret in (TOKEN, CLIENT_SECRET, PASSWORD):
        assert not any(secret in text for text in texts), f"secret leaked: {secret[:6]}..."


def marked(github: FakeGitHub, number: int, marker: str) -> list[dict[str, Any]]:
    return [c for c in github.issue_comments(REPO, number) if c["body"].startswith(marker)]


def create_live(sim: RunningSim, text: str) -> None:
    """Create a campaign straight on the emulator, as if applied earlier (or in the portal)."""
    (spec,) = parse_spec_text(text, "campaigns/pilot.yaml")
    with httpx.Client(base_url=sim.url, headers=sim.auth_headers()) as http:
        url = f"/api/fota/v3/campaigns/firmware/{ACCOUNT}"
        response = http.post(url, json=encode_create(spec))
        assert response.status_code == 200, response.text


def campaigns(sim: RunningSim) -> list[dict[str, Any]]:
    """Every campaign of the account, straight from the emulator's listing (all statuses)."""
    found: list[dict[str, Any]] = []
    with httpx.Client(base_url=sim.url, headers=sim.auth_headers()) as http:
        for status in ("CampaignRequestPending", "CampaignRequestQueued", "CampaignScheduled"):
            response = http.get(
                f"/api/fota/v3/reports/{ACCOUNT}/firmware/campaigns",
                params={"campaignStatus": status},
            )
            found += response.json().get("campaignList") or []
    return found
