"""Helpers for tests everywhere: a real emulator on a free loopback port, frozen in time.

``running_sim`` starts werkzeug's threaded server in a background thread and stops it on exit;
tests drive time through ``.emulator`` (``advance``, ``set_time``) instead of sleeping.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from reconciler.sim.app import Emulator, SimOptions
from reconciler.sim.server import make_sim_server
from reconciler.sim.store import FIRMWARE, Campaign

DEFAULT_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""The frozen instant a ``running_sim`` starts at unless told otherwise (a Monday, 09:00Z)."""


@dataclass
class RunningSim:
    url: str  # e.g. http://127.0.0.1:54321 (no trailing slash)
    emulator: Emulator

    def auth_headers(self) -> dict[str, str]:
        """Valid ``Authorization`` + ``VZ-M2M-Token`` headers, minted in process."""
        bearer, session = self.emulator.issue_tokens()
        return {"Authorization": f"Bearer {bearer}", "VZ-M2M-Token": session}


@contextmanager
def running_sim(**options: Any) -> Iterator[RunningSim]:
    """Serve an emulator built from ``SimOptions(**options)`` (``now`` defaults to
    ``DEFAULT_NOW``, ``frozen`` to True) on 127.0.0.1 at a free port."""
    options.setdefault("now", DEFAULT_NOW)
    options.setdefault("frozen", True)
    emulator = Emulator(SimOptions(**options))
    server = make_sim_server(emulator, "127.0.0.1", 0)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fota-sim", daemon=True
    )
    thread.start()
    try:
        yield RunningSim(f"http://127.0.0.1:{server.server_port}", emulator)
    finally:
        emulator.release_holds()  # a test that failed mid-race leaves no thread held
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        emulator.close()


def bare_campaign(seq: int, account: str = "A", kind: str = FIRMWARE) -> Campaign:
    """A store campaign with no members and placeholder fields, for tests and benches of the
    store's own mechanics (member merges, listing indexes) that need many cheap campaigns."""
    return Campaign(
        id=f"c{seq}",
        seq=seq,
        account=account,
        kind=kind,
        name=None,
        package="p",
        from_version="1",
        to_version="2",
        protocol="LWM2M",
        make="m",
        model="x",
        start=date(2026, 3, 10),
        end=date(2026, 3, 20),
        created=DEFAULT_NOW,
        failure_rate=0.0,
    )
