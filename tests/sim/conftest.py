"""Fixtures: a real emulator on a free loopback port (frozen clock) and a client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.sim.testing import RunningSim, running_sim
from tests.sim.helpers import Api


@pytest.fixture
def sim() -> Iterator[RunningSim]:
    with running_sim(devices=20, seed=7, failure_rate=0.0) as running:
        yield running


@pytest.fixture
def api(sim: RunningSim) -> Iterator[Api]:
    client = Api(sim)
    yield client
    client.http.close()
