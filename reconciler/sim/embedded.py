"""The embedded default: an emulator persisted under ``.fota/``, used in process by the CLI.

When no ``--api-url`` is given, commands talk to this emulator through
``httpx.WSGITransport(app=emulator.wsgi_app)``, so every command works without an account and
state survives between invocations. The state is a SQLite database (``sqlstore``): each
request is one durable transaction, and several ``fota`` processes in one directory share it
safely. The JSON file earlier versions kept (``.fota/sim-state.json``) is imported once and
renamed ``sim-state.json.imported``.
"""

from __future__ import annotations

from pathlib import Path

from reconciler.sim.app import Emulator, SimOptions, env_credentials

EMBEDDED_STATE = Path(".fota") / "sim-state.db"
"""Where the CLI keeps the embedded emulator's state, relative to the working directory."""
LEGACY_SUFFIX = ".json"
"""The JSON state earlier versions kept beside it (``sim-state.json``), imported once."""


def open_embedded(state_path: Path) -> Emulator:
    """The emulator persisted at ``state_path``; created with defaults if missing (ticking
    clock at real time, 100 generated devices, seed 0, lenient enrolment, demo credentials
    unless ``FOTA_SIM_*`` variables say otherwise), its parent directory created; an earlier
    version's JSON state beside it (same name, ``.json``) is imported first."""
    creds = env_credentials()
    return Emulator(
        SimOptions(
            state_path=state_path,
            import_from=state_path.with_suffix(LEGACY_SUFFIX),
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            username=creds["username"],
            password=creds["password"],
        )
    )
