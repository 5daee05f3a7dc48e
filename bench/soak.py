"""Opt-in soak of ``fota apply``: random SIGKILLs, 10% faults before and after processing, and
concurrent applies from two working directories, against one emulator on loopback. Prints
counts of duplicates, lost changes, stuck locks and tracebacks; asserts nothing.

Run: python bench/soak.py [--kills 100] [--faulty 1000] [--races 20] [--campaigns 6] [--seed 1]
     [--minutes 40]

Every loop is bounded in count and in time (``--minutes`` for the whole soak); traffic goes
only to the emulator this script starts on 127.0.0.1.

- kills: ``fota apply`` in a child process, SIGKILLed after a random delay, then applies
  until nothing is left to do (at most 6). The spec set alternates between two versions
  (creates, schedule changes, device additions and removals, replacements), so a kill lands
  in every kind of write.
- faulty: applies in process with 429/500/503/drop faults at 10% before and 10% after the
  server processed the request (the client's retry waits are shortened to keep the run
  short); every 10 applies the specs switch version and the soak converges and checks.
- races: two applies of new campaigns at once from two working directories (no shared lock).

Counted: duplicates (two live campaigns of one name), lost changes (specs and live still
differ after converging without faults), stuck locks (an apply refused by a lock nobody
holds), tracebacks (any in an apply's output, or an exception escaping ``main``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

from _support import imei, served_emulator

from reconciler.cli import main as fota
from reconciler.sim.fleet import DEFAULT_ACCOUNT

NOW = "2026-03-02T09:00:00+00:00"
ENV = {
    "FOTA_CLIENT_ID": "demo-client",
    "FOTA_CLIENT_SECRET": "demo-secret",
    "FOTA_USERNAME": "demo",
    "FOTA_PASSWORD": "demo-password",
}
FW = "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657"
LIVE = ("CampaignRequestPending", "CampaignRequestQueued", "CampaignScheduled")
LIVE += ("CampaignRequestFailed", "CampaignFailed")


def spec_text(name: str, version: int, index: int) -> str:
    """Version 0 and 1 of campaign ``name`` differ by kind of change, by index."""
    devices = [imei(1000 * index + d) for d in range(3)]
    end, windows, to = "2026-03-20", "[{start: 18, end: 22}]", "SR1.2.0.0-10657"
    replace = "replace" if index % 4 == 3 else "refuse"  # both versions: replacing back too
    if version:
        change = index % 4
        if change == 0:
            end, windows = "2026-03-25", "[{start: 6, end: 10}]"
        elif change == 1:
            devices.append(imei(1000 * index + 7))
        elif change == 2:
            devices = devices[:2]
        else:
            to = "SR1.2.0.0-10700"
    listed = "".join(f'\n  - "{d}"' for d in devices)
    return f"""apiVersion: fota.reconciler/v1
kind: FirmwareCampaign
account: "{DEFAULT_ACCOUNT}"
name: {name}
firmware: {{name: {FW}, from: SR1.2.0.0-10512, to: {to}, protocol: LWM2M}}
schedule: {{start: 2026-03-10, end: {end}, windows: {windows}}}
lifecycle: {{onImmutableChange: {replace}}}
devices:{listed}
"""


def write_specs(root: Path, prefix: str, count: int, version: int) -> None:
    specs = root / "specs"
    specs.mkdir(parents=True, exist_ok=True)
    for old in specs.glob("*.yaml"):
        old.unlink()
    for i in range(count):
        name = f"{prefix}-{i:02d}"
        (specs / f"{name}.yaml").write_text(spec_text(name, version, i), encoding="utf-8")


class Soak:
    def __init__(self, url: str, args: argparse.Namespace) -> None:
        self.url = url
        self.args = args
        self.rng = random.Random(args.seed)
        self.counts: Counter[str] = Counter()
        self.deadline = time.monotonic() + args.minutes * 60
        self.pause = time.sleep  # real time, kept before main() shortens time.sleep

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    # --- the emulator's admin API ---------------------------------------------------------

    def admin(self, method: str, path: str, body: object | None = None) -> object:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read() or b"null")

    def faults(self, on: bool) -> None:
        self.admin("DELETE", "/_sim/faults")
        if on:
            before = [("429", 0.025), ("500", 0.025), ("503", 0.025), ("drop", 0.025)]
            after = [("500", 0.034), ("503", 0.033), ("drop", 0.033)]  # 10% each phase
            rules = [
                {"kind": kind, "rate": rate, "phase": phase, "path": "/api/*"}
                for phase, kinds in (("before", before), ("after", after))
                for kind, rate in kinds
            ]
            self.admin("POST", "/_sim/faults", rules)

    # --- running fota ---------------------------------------------------------------------

    def apply_in_process(self, root: Path, *extra: str) -> tuple[int, str]:
        out, err = io.StringIO(), io.StringIO()
        cwd = os.getcwd()
        os.chdir(root)
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = fota(["apply", "specs", "--auto-approve", *extra])
        except BaseException as exc:  # counted, never hidden
            self.counts["tracebacks"] += 1
            print(f"  exception escaped main: {type(exc).__name__}: {exc}", file=sys.stderr)
            code = 99
        finally:
            os.chdir(cwd)
        text = out.getvalue() + err.getvalue()
        self.note(text)
        return code, text

    def child(self, root: Path, *extra: str) -> subprocess.Popen[str]:
        env = {**os.environ, **ENV, "FOTA_API_URL": self.url}
        return subprocess.Popen(
            [sys.executable, "-m", "reconciler", "apply", "specs", "--auto-approve", *extra],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def note(self, text: str) -> None:
        self.counts["creates adopted from a racer"] += text.count("created meanwhile by another")
        self.counts["heal reports"] += text.count("were created by racing applies")
        if "Traceback" in text:
            self.counts["tracebacks"] += 1
            print("  traceback:\n" + text[-2000:], file=sys.stderr)
        if "is locked by another apply" in text:
            self.counts["lock refusals"] += 1

    def converge(self, root: Path) -> None:
        """Apply (no faults) until nothing is left; count what stays wrong."""
        self.faults(False)
        for _ in range(6):
            code, text = self.apply_in_process(root)
            if "is locked by another apply" in text:
                self.counts["stuck locks"] += 1
                return
            if code == 0 and ("Nothing to apply." in text or "apply: 0 ok" in text):
                break
        else:
            self.counts["lost changes"] += 1
            print("  did not converge:\n" + text[-1500:], file=sys.stderr)
        if (root / ".fota" / "locks").exists() and any((root / ".fota" / "locks").iterdir()):
            leftovers = [p.name for p in (root / ".fota" / "locks").iterdir()]
            if any(not n.startswith(".") for n in leftovers):
                self.counts["stuck locks"] += 1

    def duplicates(self) -> int:
        """Live campaigns beyond the first of each name, over every live status."""
        try:
            from reconciler.thingspace import Credentials, ThingSpaceClient
        except ImportError:  # before the re-layout
            from reconciler.thingspace import Credentials, ThingSpaceClient  # type: ignore[no-redef]
        from reconciler.model import Kind

        names: Counter[str] = Counter()
        with ThingSpaceClient(self.url, Credentials.demo()) as client:
            for status in LIVE:
                for item in client.list_campaigns(DEFAULT_ACCOUNT, Kind.FIRMWARE, status):
                    names[str(item.get("campaignName"))] += 1
        return sum(n - 1 for n in names.values() if n > 1)

    # --- the three parts ------------------------------------------------------------------

    def kills(self, root: Path) -> None:
        write_specs(root, "kill", self.args.campaigns, 0)
        self.converge(root)
        for n in range(self.args.kills):
            if not self.time_left():
                break
            write_specs(root, "kill", self.args.campaigns, (n + 1) % 2)
            proc = self.child(root)
            self.pause(self.rng.uniform(0.1, 1.2))  # the soak's own pacing, not a test's
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                self.counts["kills landed"] += 1
            out, _ = proc.communicate(timeout=60)
            self.note(out or "")
            self.counts["kill runs"] += 1
            self.converge(root)

    def faulty(self, root: Path) -> None:
        version = 0
        write_specs(root, "fault", self.args.campaigns, version)
        for n in range(self.args.faulty):
            if not self.time_left():
                break
            if n and n % 10 == 0:
                self.converge(root)
                version = 1 - version
                write_specs(root, "fault", self.args.campaigns, version)
            self.faults(True)
            code, _ = self.apply_in_process(root, "--allow-abort")
            self.counts["faulty applies"] += 1
            self.counts[f"faulty exit {code}"] += 1
        self.converge(root)

    def races(self, root: Path) -> None:
        for n in range(self.args.races):
            if not self.time_left():
                break
            dirs = [root / f"race-{n}-{side}" for side in "ab"]
            for d in dirs:
                write_specs(d, f"race{n}", self.args.campaigns, 0)
            procs = [self.child(d) for d in dirs]
            for proc in procs:
                out, _ = proc.communicate(timeout=120)
                self.note(out or "")
            self.counts["race pairs"] += 1
            self.converge(dirs[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--faulty", type=int, default=1000)
    parser.add_argument("--races", type=int, default=20)
    parser.add_argument("--campaigns", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=40.0)
    args = parser.parse_args()
    os.environ.update(ENV)
    real_sleep = time.sleep
    with served_emulator(NOW, "--failure-rate", "1.0") as (url, _pid):
        os.environ["FOTA_API_URL"] = url
        soak = Soak(url, args)
        # Shorten the client's retry and look-up waits in this process (not the killed
        # children): the soak counts outcomes, not wall-clock behaviour.
        time.sleep = lambda seconds: real_sleep(min(seconds, 0.02))  # type: ignore[assignment]
        started = time.monotonic()
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for part in ("kills", "faulty", "races"):
                (root / part).mkdir()
                part_started = time.monotonic()
                getattr(soak, part)(root / part)
                print(f"{part}: done in {time.monotonic() - part_started:.0f} s", flush=True)
        time.sleep = real_sleep
        soak.faults(False)
        dupes = soak.duplicates()
        seen = soak.admin("GET", "/_sim/requests")
        assert isinstance(seen, dict)
        received, injected = sum(seen["received"].values()), sum(seen["injected"].values())
        counts = soak.counts
        print(f"soak of {time.monotonic() - started:.0f} s against {url} (seed {args.seed})")
        print(
            f"kill runs {counts['kill runs']} (SIGKILL landed mid-run {counts['kills landed']}), "
            f"faulty applies {counts['faulty applies']}, race pairs {counts['race pairs']}"
        )
        print(f"requests the emulator received {received:,}, faults injected {injected:,}")
        print(
            f"races: creates adopted from a racer {counts['creates adopted from a racer']}, "
            f"heal reports {counts['heal reports']} (each racer that saw a duplicate reports it)"
        )
        exits = {k: v for k, v in sorted(counts.items()) if k.startswith("faulty exit")}
        print(f"faulty apply exit codes: {exits}")
        print(
            f"duplicates {dupes}, lost changes {counts['lost changes']}, stuck locks "
            f"{counts['stuck locks']}, tracebacks {counts['tracebacks']}"
        )


if __name__ == "__main__":
    main()
