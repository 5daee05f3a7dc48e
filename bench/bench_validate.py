"""How fast ``load_specs`` is on the two shapes users have: many small specs, few huge ones.

Run: python bench/bench_validate.py [--files 10000] [--inline-specs 1000] [--inline-devices 1000]
     [--big-specs 10] [--big-devices 100000]

1. ``--files`` small spec files (one campaign of 3 inline devices each, one account per 100
   files, distinct devices) in a temp directory: targets "a few seconds" for 10,000.
2. ``--inline-specs`` specs of ``--inline-devices`` devices each, listed inline (the shape
   ``bench_plan.py`` part b loads: 1,000 x 1,000 by default).
3. ``--big-specs`` specs of ``--big-devices`` devices each (devices files) on one account, with
   non-overlapping dates and the same devices re-used by every wave, so the cross-spec device
   index does real work: targets "fast" for 10 x 100,000.
Prints wall-clock figures; it asserts nothing (see tests for behaviour).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from reconciler.specs import load_specs
from reconciler.specs.devices import luhn_complete

SMALL = """\
# yaml-language-server: $schema=../schemas/campaign-spec.schema.json
apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "{account}"
name: campaign {index}
firmware:
  name: SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657
  from: SR1.2.0.0-10512
  to: SR1.2.0.0-10657
  protocol: LWM2M
schedule:
  start: 2027-03-01
  end: 2027-03-14
  windows:
    - {{start: 18, end: 22}}
lifecycle:
  onImmutableChange: refuse
devices:
{devices}
"""

BIG = """\
apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "0402196254-00001"
name: wave {index}
firmware: {{name: fw, from: "1", to: "2", protocol: LWM2M}}
schedule: {{start: {start}, end: {end}, windows: [{{start: 0, end: 6}}]}}
devicesFile: {{path: devices.txt}}
"""


def _time(label: str, paths: list[str]) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    loaded = load_specs(paths)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"{label}: {elapsed:.2f} s wall, {cpu:.2f} s CPU for {loaded.files:,} files, "
        f"{len(loaded.specs):,} campaigns, {loaded.devices:,} devices "
        f"({loaded.files / elapsed:,.0f} files/s; load average {os.getloadavg()[0]:.1f})"
    )


def small(root: Path, files: int) -> None:
    serial = 0
    for index in range(files):
        devices = []
        for _ in range(3):
            devices.append(f'  - "{luhn_complete(f"35290611{serial:06d}")}"')
            serial += 1
        account = f"04021962{index // 100:02d}-00001"
        text = SMALL.format(account=account, index=index, devices="\n".join(devices))
        (root / f"campaign-{index:05d}.yaml").write_text(text, encoding="utf-8")
    _time(f"{files:,} small spec files", [str(root)])


def inline(root: Path, specs: int, devices: int) -> None:
    serial = 0
    for index in range(specs):
        lines = []
        for _ in range(devices):
            lines.append(f'  - "{luhn_complete(f"35{serial:012d}")}"')
            serial += 1
        text = SMALL.format(account="0402196254-00001", index=index, devices="\n".join(lines))
        (root / f"campaign-{index:05d}.yaml").write_text(text, encoding="utf-8")
    _time(f"{specs:,} specs x {devices:,} inline devices", [str(root)])


def big(root: Path, specs: int, devices: int) -> None:
    imeis = "\n".join(luhn_complete(f"35{n:012d}") for n in range(devices))
    (root / "devices.txt").write_text(imeis + "\n", encoding="utf-8")
    for index in range(specs):
        start = date(2027, 1, 1) + timedelta(days=10 * index)
        text = BIG.format(index=index, start=start, end=start + timedelta(days=9))
        # A devices file per spec (read separately), all listing the same devices.
        (root / f"devices-{index}.txt").write_text(imeis + "\n", encoding="utf-8")
        text = text.replace("devices.txt", f"devices-{index}.txt")
        (root / f"wave-{index:02d}.yaml").write_text(text, encoding="utf-8")
    _time(f"{specs} specs x {devices:,} devices", [str(root)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--inline-specs", type=int, default=1000)
    parser.add_argument("--inline-devices", type=int, default=1000)
    parser.add_argument("--big-specs", type=int, default=10)
    parser.add_argument("--big-devices", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "small").mkdir()
        small(Path(tmp) / "small", args.files)
    with tempfile.TemporaryDirectory() as tmp:
        inline(Path(tmp), args.inline_specs, args.inline_devices)
    with tempfile.TemporaryDirectory() as tmp:
        big(Path(tmp), args.big_specs, args.big_devices)


if __name__ == "__main__":
    main()
