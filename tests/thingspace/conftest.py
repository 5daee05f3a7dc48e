"""Fixtures for the client tests: a fake ThingSpace, a hand-moved clock, recorded sleeps."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from reconciler.thingspace import RetryPolicy, ThingSpaceClient
from tests.thingspace.fake_thingspace import CREDS, Clock, FakeThingSpace


@pytest.fixture
def fake() -> FakeThingSpace:
    return FakeThingSpace()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(fake: FakeThingSpace, sleeps: list[float], clock: Clock) -> Iterator[ThingSpaceClient]:
    retry = RetryPolicy(max_attempts=4, base=1.0, cap=8.0, jitter=0.0, sleep=sleeps.append)
    with ThingSpaceClient(
        "http://ts.test", CREDS, transport=httpx.MockTransport(fake), retry=retry, clock=clock
    ) as c:
        yield c
