"""The comment step refuses a missing or unreadable body file with one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.errors import UserError
from reconciler.github.posting import post_plan_comment
from reconciler.github.workflow import Runner


class _NoAPI:
    def upsert_comment(self, *args: object) -> object:  # pragma: no cover - must not be reached
        raise AssertionError("nothing may be posted without a body")


@pytest.mark.parametrize("content", [None, b"\xff\xfe not utf-8"])
def test_a_missing_or_unreadable_body_is_one_line(tmp_path: Path, content: bytes | None) -> None:
    body = tmp_path / "comment.md"
    if content is not None:
        body.write_bytes(content)
    with pytest.raises(UserError) as info:
        post_plan_comment(Runner(), _NoAPI(), "acme/fleet", 7, "prod", body)  # type: ignore[arg-type]
    message = info.value.message
    assert "\n" not in message and str(body) in message and "plan step" in message
