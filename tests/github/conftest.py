"""The emulator and the fake GitHub most Action scenarios run against (a module that needs
another set-up defines its own fixture of the same name)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reconciler.sim.testing import RunningSim, running_sim
from tests.github.fake_github import FakeGitHub, running_github
from tests.github.scenario import CLIENT_SECRET, PASSWORD, TOKEN


@pytest.fixture()
def sim() -> Iterator[RunningSim]:
    with running_sim(failure_rate=0.0, client_secret=CLIENT_SECRET, password=PASSWORD) as running:
        yield running


@pytest.fixture()
def github() -> Iterator[FakeGitHub]:
    with running_github(TOKEN) as fake:
        yield fake
