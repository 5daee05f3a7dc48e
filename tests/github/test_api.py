"""The GitHub REST client against the fake GitHub on loopback: paging, upsert without
duplicates, retries that never re-send an ambiguous POST blindly, and a token that never leaks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.github.api import GitHubAPI, GitHubError
from reconciler.retry import RetryPolicy
from tests.github.fake_github import BOT, FakeGitHub, Fault, running_github

TOKEN = "ghs_secretTOKENvalue123"
REPO = "acme/fleet"
MARKER = "<!-- fota-reconciler:plan:default -->"


@pytest.fixture()
def fake() -> Iterator[FakeGitHub]:
    with running_github(TOKEN) as server:
        yield server


def _api(fake: FakeGitHub, token: str = TOKEN, attempts: int = 4) -> GitHubAPI:
    sleeps: list[float] = []
    retry = RetryPolicy(max_attempts=attempts, sleep=sleeps.append)
    return GitHubAPI(token, api_url=fake.url, retry=retry)


def test_lists_every_comment_across_pages_via_the_link_header(fake: FakeGitHub) -> None:
    for i in range(250):
        fake.add_comment(REPO, 7, f"comment {i}")
    with _api(fake) as api:
        bodies = [c["body"] for c in api.iter_issue_comments(REPO, 7)]
    assert bodies == [f"comment {i}" for i in range(250)]
    assert len(fake.calls("GET", r"/issues/7/comments")) == 3  # per_page=100


def test_upsert_creates_once_then_updates_the_same_comment(fake: FakeGitHub) -> None:
    for i in range(120):  # the marked comment is found beyond the first page
        fake.add_comment(REPO, 7, f"chatter {i}")
    with _api(fake) as api:
        first = api.upsert_comment(REPO, 7, MARKER, MARKER + "\nv1", frozenset({BOT}))
        second = api.upsert_comment(REPO, 7, MARKER, MARKER + "\nv2", frozenset({BOT}))
    assert first.created and not second.created and first.comment_id == second.comment_id
    marked = [c for c in fake.issue_comments(REPO, 7) if c["body"].startswith(MARKER)]
    assert [c["body"] for c in marked] == [MARKER + "\nv2"]
    assert len(fake.calls("POST")) == 1 and len(fake.calls("PATCH")) == 1


def test_markers_of_other_labels_quotes_and_other_authors_are_ignored(fake: FakeGitHub) -> None:
    fake.add_comment(REPO, 7, "<!-- fota-reconciler:plan:prod -->\nprod plan", login=BOT)
    fake.add_comment(REPO, 7, "> " + MARKER + "\n> quoted", login=BOT)
    fake.add_comment(REPO, 7, MARKER + "\nplanted by a stranger", login="mallory")
    with _api(fake) as api:
        result = api.upsert_comment(REPO, 7, MARKER, MARKER + "\nmine", frozenset({BOT}))
    assert result.created
    assert len(fake.issue_comments(REPO, 7)) == 4


def test_gets_and_patches_are_retried_on_5xx_and_secondary_rate_limits(fake: FakeGitHub) -> None:
    fake.faults += [
        Fault("GET", r"/comments$", 502),
        Fault(
            "GET",
            r"/comments$",
            403,
            {"Retry-After": "3"},
            '{"message": "You have exceeded a secondary rate limit"}',
        ),
    ]
    cid = fake.add_comment(REPO, 7, MARKER + "\nold", login=BOT)
    fake.faults.append(Fault("PATCH", rf"/comments/{cid}$", 503))
    with _api(fake) as api:
        result = api.upsert_comment(REPO, 7, MARKER, MARKER + "\nnew", frozenset({BOT}))
    assert result.comment_id == cid
    assert fake.issue_comments(REPO, 7)[0]["body"] == MARKER + "\nnew"


def test_an_ambiguous_post_is_looked_up_before_any_second_post(fake: FakeGitHub) -> None:
    # GitHub stores the comment but answers 502: a blind retry would post a duplicate.
    fake.faults.append(Fault("POST", r"/comments$", 502, after=True))
    with _api(fake) as api:
        result = api.upsert_comment(REPO, 7, MARKER, MARKER + "\nbody", frozenset({BOT}))
    assert not result.created  # found on the second look and updated
    assert len(fake.issue_comments(REPO, 7)) == 1
    assert len(fake.calls("POST")) == 1


def test_a_rate_limited_post_was_not_processed_and_is_resent(fake: FakeGitHub) -> None:
    fake.faults.append(Fault("POST", r"/comments$", 429, {"Retry-After": "1"}))
    with _api(fake) as api:
        result = api.upsert_comment(REPO, 7, MARKER, MARKER + "\nbody", frozenset({BOT}))
    assert result.created and len(fake.issue_comments(REPO, 7)) == 1


def test_refusals_name_the_call_and_the_fix_but_never_the_token(fake: FakeGitHub) -> None:
    with _api(fake, token="ghs_wrongTOKEN999") as api, pytest.raises(GitHubError) as info:
        list(api.iter_issue_comments(REPO, 7))
    message = str(info.value)
    assert "401" in message and "/repos/acme/fleet/issues/7/comments" in message
    assert "ghs_wrongTOKEN999" not in message and "ghs_wrongTOKEN999" not in repr(api)


def test_persistent_5xx_gives_up_with_a_clear_error(fake: FakeGitHub) -> None:
    fake.faults += [Fault("GET", r"/pulls$", 500) for _ in range(4)]
    with _api(fake, attempts=4) as api, pytest.raises(GitHubError, match="500"):
        api.pulls_for_commit(REPO, "abc123")


def test_unreachable_github_is_a_user_error_without_the_token() -> None:
    api = GitHubAPI(TOKEN, api_url="http://127.0.0.1:9", retry=RetryPolicy(2, sleep=lambda _: None))
    with api, pytest.raises(GitHubError, match="cannot reach GitHub") as info:
        api.pulls_for_commit(REPO, "abc")
    assert TOKEN not in str(info.value)


def test_missing_token_is_a_user_error_naming_the_input() -> None:
    with pytest.raises(GitHubError.__mro__[1], match="github-token"):
        GitHubAPI("")


def test_pulls_for_commit(fake: FakeGitHub) -> None:
    fake.pulls_by_commit["abc123"] = [{"number": 7, "merged_at": "x", "merge_commit_sha": "abc123"}]
    with _api(fake) as api:
        assert [p["number"] for p in api.pulls_for_commit(REPO, "abc123")] == [7]
        assert api.pulls_for_commit(REPO, "def456") == []


def test_waits_follow_the_shared_policy_and_a_far_reset_fails_at_once(fake: FakeGitHub) -> None:
    """Retry-After is a floor; a rate limit lifting later than the policy waits is an error
    naming the wait, not minutes of sleeping first."""
    sleeps: list[float] = []
    retry = RetryPolicy(max_attempts=4, base=1.0, jitter=0, sleep=sleeps.append)
    fake.faults += [
        Fault("GET", r"/pulls$", 502),
        Fault("GET", r"/pulls$", 429, {"Retry-After": "7"}),
    ]
    with GitHubAPI(TOKEN, api_url=fake.url, retry=retry) as api:
        api.pulls_for_commit(REPO, "abc123")
        assert sleeps == [1.0, 7.0]
        fake.faults.append(Fault("GET", r"/pulls$", 429, {"Retry-After": "3600"}))
        with pytest.raises(GitHubError, match="for another 3600 s") as info:
            api.pulls_for_commit(REPO, "abc123")
    assert info.value.status == 429 and sleeps == [1.0, 7.0]
