"""Campaign specs: YAML files in git -> validated, normalised ``CampaignSpec`` values.

Steps, each its own module: ``yamlcore`` (safe, bounded YAML 1.2-core reading with positions),
``schema`` (the JSON Schema and plain-words errors), ``devices`` (IMEIs and devices files),
``build`` (checks the schema cannot express, then the model), ``crosscheck`` (names and devices
across specs), ``loader`` (files and directories), ``dump`` (normalised YAML and the digest).
Every problem of every file is collected before anything fails.
"""

from reconciler.specs.devices import MAX_DEVICES_FILE_BYTES
from reconciler.specs.dump import canonical, digest, dump_spec
from reconciler.specs.loader import (
    MAX_SPEC_FILE_BYTES,
    Report,
    SpecSet,
    collect,
    load_specs,
    parse_spec_text,
)

__all__ = [
    "MAX_DEVICES_FILE_BYTES",
    "MAX_SPEC_FILE_BYTES",
    "Report",
    "SpecSet",
    "canonical",
    "collect",
    "digest",
    "dump_spec",
    "load_specs",
    "parse_spec_text",
]
