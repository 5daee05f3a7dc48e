"""A ThingSpace Software Management (FOTA) emulator: the same paths, payloads, quirks and
lifecycle rules as the real API, with a controllable clock, a synthetic fleet, device progress,
fault injection and optional persistence.

Why this stack: the app is one WSGI callable built on werkzeug (Pallets: routing and
Request/Response, well kept and already a dependency). WSGI lets the same app run as a loopback
server (``werkzeug.serving.make_server(..., threaded=True)``, ``fota sim serve`` and
``reconciler.sim.testing.running_sim``) and in process with no server at all
(``httpx.WSGITransport(app=emulator.wsgi_app)``, the CLI's embedded default). One lock guards
the store.

Independence: this package imports nothing from the rest of ``reconciler`` (an import-linter
contract); it enforces the lifecycle with its own code (``lifecycle``), so testing the planner
against it means something.

Entry points: ``Emulator``/``SimOptions`` (``app``), ``open_embedded`` (``embedded``),
``running_sim`` (``testing``), ``make_sim_server`` (``server``), ``FaultRule``/``parse_fault``
(``faults``). Admin API (no auth, loopback): ``GET|POST /_sim/clock``, ``POST
/_sim/tokens/revoke``, ``GET|DELETE /_sim/requests``, ``GET|POST|DELETE /_sim/faults``, ``POST
/_sim/fleet``, ``GET /_sim/health``.
"""

from __future__ import annotations

from reconciler.sim.app import ConnectionDropped, Emulator, SimOptions
from reconciler.sim.faults import FaultRule, parse_fault, parse_latency

__all__ = [
    "ConnectionDropped",
    "Emulator",
    "FaultRule",
    "SimOptions",
    "parse_fault",
    "parse_latency",
]
