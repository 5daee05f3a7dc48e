"""Validation of hostile input stays linear and bounded: prints figures, asserts nothing.

Run: python bench/bench_crosscheck.py [--copies 4128] [--bad-imeis 1900000] [--baseline REF]

1. One spec file at the 1 MiB limit holding ``--copies`` copies of a minimal spec, all with
   one name and one device: every copy clashes with every other by name and by device.
2. One spec whose devices file holds ``--bad-imeis`` IMEIs that all fail the Luhn check
   (about 30 MB, under the 32 MiB limit).

Each case runs ``fota validate`` in a child process and prints its wall time, its peak memory
(the child's maximum resident set) and how many lines it printed. With ``--baseline REF`` the
same cases run first on the ``reconciler`` package of that git revision (extracted to a
temporary directory), and a ratio is printed: a before/after comparison in one run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

from reconciler.specs import MAX_SPEC_FILE_BYTES
from reconciler.specs.devices import luhn_complete

MINIMAL = """\
---
apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "0402196254-00001"
name: x
firmware: {{name: SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657, from: \
SR1.2.0.0-10512, to: SR1.2.0.0-10657, protocol: LWM2M}}
schedule: {{start: 2027-03-01, end: 2027-03-14}}
devices: ["{device}"]
"""

DEVICES_SPEC = """\
apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "0402196254-00001"
name: fleet
firmware: {name: SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657, from: \
SR1.2.0.0-10512, to: SR1.2.0.0-10657, protocol: LWM2M}
schedule: {start: 2027-03-01, end: 2027-03-14}
devicesFile: {path: devices.txt}
"""

ROOT = Path(__file__).resolve().parent.parent


def copies_case(root: Path, copies: int) -> Path:
    one = MINIMAL.format(device=luhn_complete("35465809035397"))
    text = one * min(copies, MAX_SPEC_FILE_BYTES // len(one.encode()))  # under the size limit
    path = root / "copies.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def bad_imeis_case(root: Path, count: int) -> Path:
    good = [luhn_complete(f"35{n:012d}") for n in range(count)]
    bad = (imei[:14] + str((int(imei[14]) + 1) % 10) for imei in good)
    (root / "devices.txt").write_text("\n".join(bad) + "\n", encoding="utf-8")
    path = root / "fleet.yaml"
    path.write_text(DEVICES_SPEC, encoding="utf-8")
    return path


def measure(code: Path, spec: Path) -> tuple[float, float, int]:
    """(seconds, peak MiB, output lines) of ``fota validate spec`` run on ``code``."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "reconciler", "validate", str(spec)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=spec.parent,
        )
        _, _, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        out.seek(0)
        lines = sum(1 for _ in out)
    return elapsed, usage.ru_maxrss / 1024, lines


def extract(ref: str, into: Path) -> Path:
    """The ``reconciler`` package of git revision ``ref``, extracted under ``into``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "reconciler"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--copies", type=int, default=4128)
    parser.add_argument("--bad-imeis", type=int, default=1_900_000)
    parser.add_argument("--baseline", metavar="REF", help="also run git revision REF, first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "a").mkdir()
        (root / "b").mkdir()
        cases = [
            (
                "copies of one spec (one name, one device) in one file",
                copies_case(root / "a", args.copies),
            ),
            (
                f"{args.bad_imeis:,} bad IMEIs in a devices file",
                bad_imeis_case(root / "b", args.bad_imeis),
            ),
        ]
        for label, spec in cases:
            size = sum(p.stat().st_size for p in spec.parent.iterdir()) / 2**20
            docs = (
                spec.read_text(encoding="utf-8").count("---\n") if spec.name == "copies.yaml" else 0
            )
            print(f"{label} ({size:.2f} MiB of input" + (f", {docs:,} copies):" if docs else "):"))
            before = None
            if args.baseline:
                code = extract(args.baseline, root / "baseline")
                before = measure(code, spec)
                print(
                    f"  before ({args.baseline}): {before[0]:7.2f} s, {before[1]:7.0f} MiB peak, "
                    f"{before[2]:,} lines"
                )
            after = measure(ROOT, spec)
            print(f"  now: {after[0]:7.2f} s, {after[1]:7.0f} MiB peak, {after[2]:,} lines")
            if before is not None:
                faster, leaner = before[0] / after[0], before[1] / after[1]
                print(f"  ratio: {faster:.1f}x faster, {leaner:.1f}x less memory")


if __name__ == "__main__":
    main()
