"""Only reconciler.thingspace knows ThingSpace's JSON keys (and sim/, which must not share them).

The keys are read from the wire layer itself: every camelCase string constant in
reconciler/thingspace/ (``campaignTimeWindowList``, ``lastSeenDeviceId``, ...) plus the
capitalised ``Type``/``Reason`` quirks. Any other module that names one as a string constant is
building or parsing ThingSpace JSON outside the layer that owns it. Keys that are also words of
the spec format (its schema's property names) are the spec's own and allowed.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "reconciler"
WIRE = PACKAGE / "thingspace"
EXEMPT = (WIRE, PACKAGE / "sim")
CAMEL = re.compile(r"[a-z]+(?:[A-Z][a-z0-9]*)+")


def _strings(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def _spec_words() -> set[str]:
    words: set[str] = set()
    for schema in (PACKAGE / "schemas").glob("campaign-spec*.json"):
        text = schema.read_text(encoding="utf-8")
        words.update(re.findall(r'"([A-Za-z]+)"\s*:', text))
        json.loads(text)  # a schema that does not parse would hide keys
    return words


KNOWN = {
    # Keys of the public API pages, whether or not today's wire layer names them: a module
    # that starts using one must do it inside the wire layer.
    *("firmwareName", "firmwareFrom", "firmwareTo", "softwareName", "softwareFrom"),
    *("softwareTo", "distributionType", "campaignName", "campaignTimeWindowList"),
    *("downloadTimeWindowList", "installTimeWindowList", "downloadAfterDate"),
    *("installAfterDate", "startDate", "endDate", "startTime", "endTime", "deviceList"),
    *("deviceId", "autoAssignLicenseFlag", "autoAddDevicesFlag", "accountName"),
    *("campaignStatus", "lastSeenCampaignId", "lastSeenDeviceId", "hasMoreData"),
    *("totalDevice", "resultReason", "errorCode", "errorMessage", "upgradeId", "hasMoreFlag"),
}


def wire_keys() -> set[str]:
    keys = {"Type", "Reason", *KNOWN}
    for path in WIRE.rglob("*.py"):
        keys.update(value for _, value in _strings(path) if CAMEL.fullmatch(value))
    return keys - _spec_words()


def test_the_wire_layer_names_the_keys_this_test_looks_for() -> None:
    keys = wire_keys()
    for key in ("campaignTimeWindowList", "firmwareName", "deviceList", "lastSeenCampaignId"):
        assert key in keys


def test_no_module_outside_the_wire_layer_names_a_thingspace_key() -> None:
    keys = wire_keys()
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if not any(path.is_relative_to(place) for place in EXEMPT)
        for line, value in _strings(path)
        if value in keys
    ]
    assert not found, "ThingSpace JSON keys outside reconciler/thingspace:\n" + "\n".join(found)
