"""Firmware packages that misbehave on purpose, so rollout gates can be tested against them.

- **reverted after boot**: a device reports ``UpgradeSuccess`` for the campaign, but comes
  back up on its old firmware, so the firmware it reports (device list, device information,
  firmware sync) stays ``firmwareFrom``. Configured per package name (or ``*``: every
  package) with the fraction of devices it happens to; which devices is a hash of the seed,
  the campaign and the IMEI, so a run is reproducible.
- **failing**: every device of a campaign of that package fails (``upgradeFailure`` after
  its attempts), whatever the emulator's failure rate.

Set by ``fota sim serve --revert-package/--fail-package`` (``SimOptions.outcomes``), by
``fota sim outcomes`` and ``/_sim/outcomes`` at any time, and kept in the state file with the
seed and the failure rate, so a restart with the same ``--state`` (and the embedded default
under ``.fota/``) keeps them. Why persisted: a gate test that restarts the emulator half-way
must not find a bad image turned good.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reconciler.sim.progress import unit

EVERY_PACKAGE = "*"


class OutcomeError(ValueError):
    """An option the emulator cannot read (message names the option and the fix)."""


@dataclass(frozen=True)
class PackageOutcomes:
    reverted: Mapping[str, float] = field(default_factory=dict)  # package (or *) -> fraction
    failing: frozenset[str] = frozenset()

    def reverts(self, seed: int, campaign_id: str, package: str, imei: str) -> bool:
        """Does this device come back on its old firmware after this campaign's upgrade?"""
        fraction = self.reverted.get(package, self.reverted.get(EVERY_PACKAGE, 0.0))
        return fraction > 0 and unit(seed, campaign_id, imei, "revert") < fraction

    def fails(self, package: str) -> bool:
        return package in self.failing

    def to_json(self) -> dict[str, object]:
        return {"reverted": dict(sorted(self.reverted.items())), "failing": sorted(self.failing)}

    @classmethod
    def from_json(cls, data: object) -> PackageOutcomes:
        """The JSON form (state file, ``/_sim/outcomes``); :class:`OutcomeError` if malformed."""
        if not isinstance(data, dict):
            raise OutcomeError("outcomes must be {reverted: {PACKAGE: FRACTION}, failing: [...]}")
        reverted, failing = data.get("reverted") or {}, data.get("failing") or []
        if not isinstance(reverted, dict) or not isinstance(failing, list):
            raise OutcomeError("outcomes must be {reverted: {PACKAGE: FRACTION}, failing: [...]}")
        fractions = parse_revert([f"{name}={fraction}" for name, fraction in reverted.items()])
        return cls(fractions, frozenset(str(name) for name in failing))

    def describe(self) -> list[str]:
        """One line per misbehaving package, for people (empty: every package behaves)."""
        lines = [
            f"reverts after boot: {name} ({fraction:g} of devices)"
            for name, fraction in sorted(self.reverted.items())
        ]
        return lines + [f"fails: {name}" for name in sorted(self.failing)]


def parse_revert(values: list[str]) -> dict[str, float]:
    """``PACKAGE`` (every device) or ``PACKAGE=FRACTION``, ``*`` for every package."""
    out: dict[str, float] = {}
    for value in values:
        name, sep, raw = value.partition("=")
        fraction = 1.0
        if sep:
            try:
                fraction = float(raw)
            except ValueError:
                fraction = -1.0
        if not name or not 0.0 <= fraction <= 1.0:
            raise OutcomeError(
                f"--revert-package {value!r}: write PACKAGE or PACKAGE=FRACTION with a fraction "
                "between 0 and 1 (PACKAGE may be * for every package)"
            )
        out[name] = fraction
    return out
