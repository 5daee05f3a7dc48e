"""Field names as the user writes them in a spec, for every view of a plan.

The planner names fields by the model (``package.to_version``, ``schedule.download_windows``,
``auto_assign_license``): one spelling for both kinds, which is what plan.json records and what
its SHA-256 covers. People read the spec's spelling (``firmware.to``, ``software.to``,
``schedule.downloadWindows``, ``autoAssignLicense``), so every renderer passes a FieldChange's or
Refusal's field through ``spec_field`` at render time, and the Action finds the line a refusal
belongs to with ``spec_path``. This is the one mapping; a field it does not know (``status``,
``devices``) is shown as it is.

Why plan.json keeps the model's names: they are the machine contract between ``fota plan`` and
``fota apply`` (and the hash a reviewed pull request pins). Renaming them would change every
plan's SHA-256 and refuse every plan reviewed before an upgrade, for no gain to a program, which
reads one spelling whatever the kind.
"""

from __future__ import annotations

from reconciler.model import Kind

_PACKAGE = {
    Kind.FIRMWARE: {
        "name": "firmware.name",
        "from_version": "firmware.from",
        "to_version": "firmware.to",
        "protocol": "firmware.protocol",
    },
    Kind.UPGRADE: {  # a v1 upgrade: firmware name and target only
        "name": "firmware.name",
        "to_version": "firmware.to",
    },
    Kind.SOFTWARE: {
        "name": "software.name",
        "from_version": "software.from",
        "to_version": "software.to",
        "protocol": "software.distributionType",
    },
}

_SAME_FOR_BOTH = {
    "auto_assign_license": "autoAssignLicense",
    "auto_add_devices": "autoAddDevices",
    "campaign_id": "campaignId",
}


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.capitalize() for part in rest)


def spec_field(field: str, kind: Kind) -> str:
    """The spec key a model field name stands for (``package.to_version`` -> ``firmware.to``)."""
    if field.startswith("package."):
        return _PACKAGE[kind].get(field.removeprefix("package."), field)
    if field.startswith("schedule."):
        return "schedule." + _camel(field.removeprefix("schedule."))
    if field == "campaign_id" and kind is Kind.UPGRADE:
        return "upgradeId"
    return _SAME_FOR_BOTH.get(field, field)


def short_field(field: str, kind: Kind) -> str:
    """The last part of the spec key, for one-line summaries (``schedule.end`` -> ``end``)."""
    name = spec_field(field, kind)
    if name.startswith("schedule."):
        return name.removeprefix("schedule.")
    return name


def spec_path(field: str, kind: Kind) -> tuple[str, ...]:
    """The key path in the spec document (for finding its line), e.g. ``("firmware", "to")``."""
    return tuple(spec_field(field, kind).split("."))
