"""The embedded default: an emulator persisted in a file, used in process by the CLI.

When no ``--api-url`` is given, commands talk to this emulator through
``httpx.WSGITransport(app=emulator.wsgi_app)``, so every command works without an account and
state survives between invocations (each mutating request rewrites the state file atomically).
"""

from __future__ import annotations

from pathlib import Path

from reconciler.sim.app import Emulator, SimOptions, env_credentials

EMBEDDED_STATE = Path(".fota") / "sim-state.json"
"""Where the CLI keeps the embedded emulator's state, relative to the working directory."""


def open_embedded(state_path: Path) -> Emulator:
    """The emulator persisted at ``state_path``; created with defaults if missing (ticking
    clock at real time, 100 generated devices, seed 0, lenient enrolment, demo credentials
    unless ``FOTA_SIM_*`` variables say otherwise), its parent directory created."""
    state_path.parent.mkdir(parents=True, exist_ok=True)
    creds = env_credentials()
    return Emulator(
        SimOptions(
            state_path=state_path,
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            username=creds["username"],
            password=creds["password"],
        )
    )
