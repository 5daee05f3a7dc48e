"""Suite-wide settings.

Hypothesis explores new examples on every local run, where a failure is a bug found. Under
CI (``CI`` set, as ``.ci/run`` runs) it replays a fixed sequence instead, so whether a change
lands never depends on the luck of the draw; failures found locally are kept in the example
database and replayed first.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
