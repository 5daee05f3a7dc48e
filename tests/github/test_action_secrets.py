"""Secrets never reach a PR comment or the job summary, even when an error quotes them.

GitHub masks registered secrets in the job log only; a comment is posted verbatim. The action
therefore never copies ``fota``'s stderr into a comment (a fixed "plan failed: see the job log"
instead), and redacts it before the job summary. Tested end to end against a ThingSpace that
echoes the credentials it was sent in its error, and in-process against a leak from below.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reconciler.github.masking import redactor
from reconciler.redaction import MASK as REDACTED
from tests.github.actionrun import parse_outputs
from tests.github.fake_github import FakeGitHub
from tests.github.scenario import (
    CLIENT_SECRET,
    MARKER,
    PASSWORD,
    REPO,
    TOKEN,
    marked,
    pr_event,
    run,
    spec_text,
)

CLIENT_ID = "demo-client"


class _EchoingThingSpace(BaseHTTPRequestHandler):
    """Refuses every login and, like some gateways do, quotes what it was sent."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        sent = self.rfile.read(length).decode("utf-8", errors="replace")
        body = json.dumps(
            {
                "error": "invalid_client",
                "error_description": (
                    f"rejected Authorization: {self.headers.get('Authorization')} "
                    f"(client_secret={CLIENT_SECRET}, password={PASSWORD}, body={sent})"
                ),
            }
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def echoing_thingspace() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingThingSpace)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.slow
def test_a_thingspace_error_quoting_the_secrets_reaches_no_comment_and_no_summary(
    github: FakeGitHub, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    (repo / "campaigns").mkdir(parents=True)
    (repo / "campaigns" / "pilot.yaml").write_text(spec_text(), "utf-8")
    with echoing_thingspace() as url:
        # run() itself asserts that no secret is in the log, summary, outputs or comments.
        failed = run(
            "plan",
            repo,
            None,
            github,
            event=pr_event(21, "a" * 40),
            event_name="pull_request",
            sha="1" * 40,
            credentials=False,
            **{
                "api-url": url,
                "client-id": CLIENT_ID,
                "client-secret": CLIENT_SECRET,
                "username": "demo",
                "password": PASSWORD,
            },
        )
    assert failed.failed and failed.step("plan").outcome == "failure"
    assert failed.outputs["exitcode"] == "1"
    (comment,) = marked(github, 21, MARKER)
    assert "plan failed: see the job log" in comment["body"]
    assert "ThingSpace" not in comment["body"] and "Authorization" not in comment["body"]
    # The summary keeps the error, for the people who can read the job, with the secrets out.
    assert "error: ThingSpace refused" in failed.summary
    assert REDACTED in failed.summary
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    assert basic not in failed.summary and basic not in failed.log


def test_plan_step_redacts_whatever_fota_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A leak from below (any layer that forgets to redact) stops at the action."""
    import reconciler.github.planning
    from reconciler.cli import main
    from reconciler.errors import UserError

    def leaky_plan(*args: object, **kwargs: object) -> None:
        raise UserError(f"upstream said: token {TOKEN} / {PASSWORD}")

    event = tmp_path / "event.json"
    event.write_text(json.dumps(pr_event(5, "b" * 40)))
    output, summary = tmp_path / "output", tmp_path / "summary"
    for name, value in {
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path),
        "FOTA_ACTION_PATHS": "campaigns",
        "FOTA_ACTION_COMMAND": "plan",
        "FOTA_GITHUB_TOKEN": TOKEN,
        "FOTA_PASSWORD": PASSWORD,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns" / "pilot.yaml").write_text(spec_text(), "utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(reconciler.github.planning, "make_plan", leaky_plan)
    assert main(["github", "plan"]) == 1
    body = Path(parse_outputs(output.read_text())["comment-file"]).read_text("utf-8")
    assert "plan failed: see the job log" in body and "upstream" not in body
    text = summary.read_text("utf-8")
    assert f"upstream said: token {REDACTED} / {REDACTED}" in text
    assert TOKEN not in text and PASSWORD not in text


def redact(text: str, secrets: list[str]) -> str:
    """The Action's redactor over ``secrets`` (what its steps apply to summaries and comments)."""
    return redactor(secrets)(text)


SECRETS = st.text(min_size=3, max_size=30).filter(lambda s: "*" not in s and s.strip() == s)


@given(st.lists(SECRETS, min_size=1, max_size=3), st.lists(st.text(max_size=20), max_size=4))
def test_no_secret_survives_redaction(secrets: list[str], filler: list[str]) -> None:
    assume(all("\n" not in s and "\r" not in s for s in secrets))
    text = "|".join(filler + secrets + [json.dumps({"s": secrets})] + filler)
    clean = redact(text, secrets)
    for secret in secrets:
        assert secret not in clean
        assert json.dumps(secret)[1:-1] not in clean


def test_redaction_covers_each_line_and_the_base64_form() -> None:
    secret = "line-one\nline-two"
    text = f"a line-two b {base64.b64encode(b'line-one').decode()} c"
    assert redact(text, [secret]) == f"a {REDACTED} b {REDACTED} c"
    assert redact("ab", ["a"]) == "ab"  # too short to mask meaningfully
