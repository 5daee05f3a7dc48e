"""Where ``load_specs`` spends memory: prints figures, asserts nothing.

The spec files are those of ``bench_read.py`` (N campaigns x M inline devices, no device
shared). Two child processes load them, each fresh:

1. without tracing: resident set before and after ``load_specs`` and the process's peak
   (``VmHWM``), the figures ``fota plan``'s own peak is made of;
2. under ``tracemalloc`` (one frame per allocation): the traced peak, and the top allocation
   sites at two moments: just before the cross-file checks (every spec built and its
   ``Places`` still held, the loader's high-water mark) and after ``load_specs`` returned
   (what a plan keeps for its whole run).

With ``--baseline REF`` step 1 runs first on the ``reconciler`` package of git revision REF
(extracted to a temporary directory) and the ratio of the peaks is printed: a before/after
comparison in one run.

``--layout files`` moves each spec's devices to a devices file of its own (``devicesFile``).

Run:  python bench/bench_spec_memory.py [--campaigns 1000] [--devices 1000] [--top 12]
          [--layout inline|files] [--baseline REF]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

from _support import bench_spec
from bench_crosscheck import extract
from bench_plan import write_spec_files

from reconciler.model import CampaignSpec

MB = 1024 * 1024


def _status(field: str) -> float:
    """A memory figure of this process in MB, from Linux ``/proc/self/status``.

    ``VmHWM`` (the peak) rather than ``ru_maxrss``: the latter carries over the parent's peak
    across ``fork``/``exec``, so a child would report this script's generator's memory.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _top(snapshot: tracemalloc.Snapshot, count: int) -> None:
    stats = snapshot.statistics("lineno")
    total = sum(stat.size for stat in stats)
    print(f"      total traced {total / MB:7.1f} MB; top {count} sites:")
    for stat in stats[:count]:
        frame = stat.traceback[0]
        name = frame.filename
        if "/reconciler/" in name:
            name = "reconciler/" + name.rsplit("/reconciler/", 1)[1]
        else:
            name = Path(name).name
        print(f"      {stat.size / MB:7.1f} MB  {stat.count:>9,} blocks  {name}:{frame.lineno}")


def child_rss(folder: str) -> None:
    from reconciler.specs import load_specs

    before = _status("VmRSS")
    specs = load_specs([folder])
    after = _status("VmRSS")
    peak = _status("VmHWM")
    devices = sum(len(s.devices) for s in specs.specs)
    print(f"   (1) {len(specs.specs):,} specs, {devices:,} devices")
    print(
        f"       RSS before load_specs {before:6.1f} MB, after {after:6.1f} MB, peak {peak:6.1f} MB"
    )
    print(f"       peak-MB {peak:.1f}")  # read by the parent for the ratio


def child_traced(folder: str, top: int) -> None:
    import reconciler.specs.loader as loader

    checks = loader.cross_check

    def snapshot_then_check(items: Any) -> Any:
        print("   (2) before the cross-file checks (all specs built, their places held):")
        _top(tracemalloc.take_snapshot(), top)
        return checks(items)

    loader.cross_check = snapshot_then_check
    tracemalloc.start(1)
    specs = loader.load_specs([folder])
    _, peak = tracemalloc.get_traced_memory()
    print(f"   (2) after load_specs (what a plan keeps): traced peak {peak / MB:.1f} MB")
    _top(tracemalloc.take_snapshot(), top)
    del specs


def _to_devices_files(folder: Path, specs: list[CampaignSpec]) -> None:
    """Move each spec's devices to a devices file of its own (``devicesFile``)."""
    for spec in specs:
        path = folder / f"{spec.name}.yaml"
        text = path.read_text()
        path.write_text(
            text[: text.index("devices:\n")] + f"devicesFile: {{path: {spec.name}.txt}}\n"
        )
        (folder / f"{spec.name}.txt").write_text("\n".join(sorted(spec.devices)) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--layout", choices=["inline", "files"], default="inline")
    parser.add_argument("--baseline", metavar="REF", help="also run git revision REF, first")
    parser.add_argument("--child", choices=["rss", "traced"], help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "rss":
        child_rss(args.folder)
        return 0
    if args.child == "traced":
        child_traced(args.folder, args.top)
        return 0
    where = "inline" if args.layout == "inline" else "in a devices file each"
    print(f"== load_specs: {args.campaigns:,} spec files x {args.devices:,} devices {where}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "specs"
        folder.mkdir()
        specs = [bench_spec(i, args.devices) for i in range(args.campaigns)]
        write_spec_files(folder, specs)
        if args.layout == "files":
            _to_devices_files(folder, specs)
        del specs
        peaks: dict[str, float] = {}
        runs = [("rss", None, "this tree"), ("traced", None, "this tree")]
        if args.baseline:
            code = extract(args.baseline, Path(tmp) / "baseline")
            runs = [("rss", str(code), f"baseline {args.baseline}"), *runs]
        for mode, code_path, label in runs:
            env = dict(os.environ)
            if code_path is not None:
                env["PYTHONPATH"] = code_path
            print(f"-- {label}")
            argv = [sys.executable, __file__, "--child", mode, "--folder", str(folder)]
            done = subprocess.run(
                [*argv, "--top", str(args.top)], check=True, env=env, capture_output=True, text=True
            )
            for line in done.stdout.splitlines():
                if line.strip().startswith("peak-MB "):
                    peaks[label] = float(line.split()[1])
                else:
                    print(line)
            sys.stdout.flush()
        if args.baseline:
            before, after = peaks[f"baseline {args.baseline}"], peaks["this tree"]
            ratio = before / after
            print(f"   load_specs peak RSS: {before:.1f} MB -> {after:.1f} MB ({ratio:.2f}x less)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
