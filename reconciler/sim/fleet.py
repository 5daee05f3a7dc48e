"""The synthetic fleet and firmware catalog the emulator serves.

A generated fleet is stored as its recipe (count + seed), not as a million records, so a state
file stays small and a restart regenerates the same IMEIs. Devices enrolled on the fly (lenient
mode) or loaded from a file are kept explicitly. Firmware a device *currently* reports is not
stored here: it is derived from campaign outcomes (see ``progress``), so it changes only when
an upgrade succeeds in simulated time.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_ACCOUNT = "0000123456-00001"
_TEMPLATE_FIELDS = ("account", "make", "model", "firmware", "protocol", "mdn", "licensed")


class FleetError(ValueError):
    """A fleet file the emulator cannot read (message names the file and the fix)."""


@dataclass(frozen=True)
class Device:
    imei: str
    account: str
    make: str
    model: str
    firmware: str  # the firmware the device had when it joined the fleet
    protocol: str = "LWM2M"
    mdn: str = ""
    licensed: bool = True


@dataclass(frozen=True)
class FirmwarePackage:
    firmwareName: str
    firmwareFrom: str
    firmwareTo: str
    make: str
    model: str
    protocol: str = "LWM2M"
    launchDate: str = "2026-01-05T00:00:00.000Z"
    releaseNote: str = ""

    def to_api(self) -> dict[str, str]:
        return asdict(self)


DEFAULT_CATALOG: tuple[FirmwarePackage, ...] = (
    FirmwarePackage(
        "SEQUANSCommunications_GM01Q_SR1.2.0.0-10512_SR1.2.0.0-10657",
        "SR1.2.0.0-10512",
        "SR1.2.0.0-10657",
        "SEQUANS Communications",
        "GM01Q",
        releaseNote="Security fixes and power-saving improvements",
    ),
    FirmwarePackage(
        "SEQUANSCommunications_GM01Q_SR1.2.0.0-10657_SR1.2.1.0-11020",
        "SR1.2.0.0-10657",
        "SR1.2.1.0-11020",
        "SEQUANS Communications",
        "GM01Q",
        releaseNote="LTE-M band support",
    ),
    FirmwarePackage(
        "Telit_ME910C1_M0B.020004_M0B.020008",
        "M0B.020004",
        "M0B.020008",
        "Telit",
        "ME910C1",
        releaseNote="Stability fixes",
    ),
    FirmwarePackage(
        "Quectel_BG96_BG96MAR02A07M1G_BG96MAR02A08M1G",
        "BG96MAR02A07M1G",
        "BG96MAR02A08M1G",
        "Quectel",
        "BG96",
        protocol="OMD-DM",
        releaseNote="Modem firmware maintenance release",
    ),
)


_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # digit * 2, digits summed


def luhn_digit(body: str) -> str:
    """The Luhn check digit that makes ``body + digit`` valid (IMEIs use it)."""
    reverse = body[::-1]
    total = sum(_DOUBLED[ord(c) - 48] for c in reverse[0::2]) + sum(
        ord(c) - 48 for c in reverse[1::2]
    )
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return number.isdigit() and len(number) > 1 and luhn_digit(number[:-1]) == number[-1]


def generated_devices(count: int, seed: int, account: str) -> Iterator[Device]:
    """``count`` distinct devices with valid Luhn IMEIs (TAC prefix 35), reproducible per seed.

    Two draws per device (IMEI serial, MDN) keep a million-device fleet to seconds.
    """
    rng = random.Random(f"fleet:{seed}")
    packages = DEFAULT_CATALOG
    seen: set[str] = set()
    while len(seen) < count:
        draw = rng.getrandbits(64)
        package = packages[draw % len(packages)]
        body = f"35{(draw >> 8) % 10**12:012d}"
        imei = body + luhn_digit(body)
        if imei in seen:
            continue
        seen.add(imei)
        yield Device(
            imei=imei,
            account=account,
            make=package.make,
            model=package.model,
            firmware=package.firmwareFrom,
            protocol=package.protocol,
            mdn=f"1{rng.getrandbits(32) % 10**9:09d}",
        )


@dataclass
class Fleet:
    """Devices by IMEI; ``recipe`` regenerates the generated part on load."""

    _devices: dict[str, Device]
    generated_count: int = 0
    generated_seed: int = 0
    generated_account: str = DEFAULT_ACCOUNT
    explicit: set[str] | None = None  # IMEIs that are not from the recipe
    _by_account: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)
    # IMEIs added or changed since the store last wrote them (see ``sqlstore``).
    changed: set[str] = field(default_factory=set, repr=False, compare=False)
    # Devices enrolled on the fly since the store last wrote, by the campaign that enrolled
    # them: the store keeps such a device as a flag on that membership (see ``enrol``).
    enrolled: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    # Devices not read yet (see ``defer``): (generated, explicit) when first needed.
    _pending: Callable[[], tuple[Iterable[Device], Iterable[Device]]] | None = field(
        default=None, repr=False, compare=False
    )

    @property
    def devices(self) -> dict[str, Device]:
        """Devices by IMEI (read now if their reading was deferred)."""
        pending = self._pending
        if pending is not None:
            self._pending = None
            generated, explicit = pending()
            known = self._devices
            for device in generated:
                known.setdefault(device.imei, device)
            marked = self.explicit if self.explicit is not None else set()
            for device in explicit:
                known[device.imei] = device
                marked.add(device.imei)
            self.explicit = marked
            self._by_account.clear()
        return self._devices

    @property
    def deferred(self) -> bool:
        """The devices have not been read yet (``defer``)."""
        return self._pending is not None

    def defer(self, read: Callable[[], tuple[Iterable[Device], Iterable[Device]]]) -> None:
        """Read the devices only when first needed (a plan never needs them): ``read`` gives
        (generated, explicit) devices; devices added meanwhile win over generated ones."""
        self._pending = read

    @classmethod
    def generate(cls, count: int, seed: int, account: str = DEFAULT_ACCOUNT) -> Fleet:
        devices = {d.imei: d for d in generated_devices(count, seed, account)}
        return cls(devices, count, seed, account, set())

    def add(self, device: Device) -> None:
        devices = self.devices
        before = devices.get(device.imei)
        if before is None or device.account != before.account:
            self._by_account.pop(device.account, None)
            if before is not None:
                self._by_account.pop(before.account, None)
        devices[device.imei] = device
        if self.explicit is None:
            self.explicit = set()
        self.explicit.add(device.imei)
        self.changed.add(device.imei)

    def enrol(self, device: Device, campaign_id: str) -> None:
        """A device met for the first time in a campaign's device list (lenient mode). It is
        that campaign's make, model, protocol and from-version, so the store keeps it as a
        flag on the membership row it writes anyway, not as a row of its own."""
        self.add(device)
        self.changed.discard(device.imei)
        self.enrolled[device.imei] = campaign_id

    def enrol_many(self, devices: list[Device], campaign_id: str) -> None:
        """``enrol`` of each of ``devices`` (IMEIs the fleet does not have yet), in bulk."""
        known = self.devices
        imeis = [d.imei for d in devices]
        known.update(zip(imeis, devices, strict=True))
        for account in {d.account for d in devices}:
            self._by_account.pop(account, None)
        if self.explicit is None:
            self.explicit = set()
        self.explicit.update(imeis)
        self.changed.difference_update(imeis)
        self.enrolled.update(dict.fromkeys(imeis, campaign_id))

    def account_imeis(self, account: str) -> list[str]:
        """The account's IMEIs in order (cached: the device listing pages by bisecting it)."""
        cached = self._by_account.get(account)
        if cached is None:
            cached = sorted(i for i, d in self.devices.items() if d.account == account)
            self._by_account[account] = cached
        return cached

    def get(self, imei: str) -> Device | None:
        return self.devices.get(imei)

    def to_json(self) -> dict[str, object]:
        """Explicit devices are grouped by everything but the IMEI: devices enrolled on the fly
        share one record, so 100,000 of them cost 100,000 IMEIs, not 100,000 objects."""
        groups: dict[tuple[str, str, str, str, str, str, bool], list[str]] = {}
        devices = self.devices  # read first: a deferred fleet completes ``explicit``
        for imei in sorted(self.explicit or ()):
            d = devices[imei]
            key = (d.account, d.make, d.model, d.firmware, d.protocol, d.mdn, d.licensed)
            groups.setdefault(key, []).append(imei)
        return {
            "generated": {
                "count": self.generated_count,
                "seed": self.generated_seed,
                "account": self.generated_account,
            },
            "deviceGroups": [
                {"device": dict(zip(_TEMPLATE_FIELDS, key, strict=True)), "imeis": imeis}
                for key, imeis in groups.items()
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Fleet:
        gen = data.get("generated") or {}
        assert isinstance(gen, dict)
        fleet = cls.generate(
            int(gen.get("count", 0)),
            int(gen.get("seed", 0)),
            str(gen.get("account", DEFAULT_ACCOUNT)),
        )
        groups = data.get("deviceGroups") or []
        assert isinstance(groups, list)
        for group in groups:
            template = group["device"]
            for imei in group["imeis"]:
                fleet.add(Device(imei=imei, **template))
        return fleet


def _device_from_row(row: dict[str, object], where: str) -> Device:
    imei = str(row.get("imei") or row.get("deviceId") or "").strip()
    if len(imei) != 15 or not imei.isdigit():
        raise FleetError(f"{where}: device id {imei!r} is not a 15-digit IMEI; fix the fleet file")
    firmware = str(row.get("firmware") or "").strip()
    if not firmware:
        raise FleetError(f"{where}: device {imei} has no firmware; add a firmware column/field")
    licensed = row.get("licensed", True)
    if isinstance(licensed, str):
        licensed = licensed.strip().lower() not in ("false", "0", "no", "")
    return Device(
        imei=imei,
        account=str(row.get("account") or DEFAULT_ACCOUNT),
        make=str(row.get("make") or "Generic"),
        model=str(row.get("model") or "Generic-1"),
        firmware=firmware,
        protocol=str(row.get("protocol") or "LWM2M"),
        mdn=str(row.get("mdn") or ""),
        licensed=bool(licensed),
    )


CSV_COLUMNS = ("imei", "account", "make", "model", "firmware", "protocol", "mdn", "licensed")
"""The header a fleet CSV may use (``deviceId`` is accepted for ``imei``)."""


def _check_csv_header(path: Path, header: Sequence[str] | None) -> None:
    """A misspelt or missing header would otherwise drop columns (or a first device) silently:
    refuse any column the loader would not read and insist on ``imei`` and ``firmware``."""
    expected = ",".join(CSV_COLUMNS)
    if not header:
        raise FleetError(f"{path}:1: empty fleet CSV; use a header row of {expected}")
    names = [name.strip() for name in header]
    unknown = [name for name in names if name not in (*CSV_COLUMNS, "deviceId")]
    missing = [
        column
        for column, aliases in (("imei", ("imei", "deviceId")), ("firmware", ("firmware",)))
        if not any(alias in names for alias in aliases)
    ]
    if unknown or missing:
        what = (
            f"unknown column(s) {', '.join(repr(n) for n in unknown)}"
            if unknown
            else f"missing column(s) {', '.join(missing)}"
        )
        raise FleetError(
            f"{path}:1: {what} in the CSV header; use a header row of {expected} "
            "(imei and firmware are required)"
        )


def load_fleet_file(path: Path) -> list[Device]:
    """Devices from JSON (a list of objects, or ``{"devices": [...]}``) or CSV with a header
    row using the field names ``imei,account,make,model,firmware,protocol,mdn,licensed``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FleetError(f"{path}: cannot read the fleet file ({exc.strerror})") from exc
    rows: list[dict[str, object]]
    first = 1
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        _check_csv_header(path, reader.fieldnames)
        rows = [{k.strip(): v for k, v in r.items() if k is not None} for r in reader]
        first = 2  # line 1 is the header
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FleetError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc
        if isinstance(data, dict):
            data = data.get("devices")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise FleetError(f"{path}: expected a list of device objects (or {{'devices': [...]}})")
        rows = data
    return [_device_from_row(row, f"{path}:{n}") for n, row in enumerate(rows, start=first)]
