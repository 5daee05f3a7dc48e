"""The four secrets-bearing values a ThingSpace session needs, kept out of every repr."""

from __future__ import annotations

from dataclasses import dataclass, field

DEMO_CLIENT_ID = "demo-client"
DEMO_CLIENT_SECRET = "demo-secret"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class Credentials:
    """OAuth client credentials plus the M2M login.

    ``repr`` (and therefore tracebacks, logs of objects, pytest assertion output) shows the two
    identities but never the client secret or the password.
    """

    client_id: str
    client_secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)

    def __repr__(self) -> str:
        return (
            f"Credentials(client_id={self.client_id!r}, client_secret='***', "
            f"username={self.username!r}, password='***')"
        )

    __str__ = __repr__

    @classmethod
    def demo(cls) -> Credentials:
        """The emulator's default account (see docs/ARCHITECTURE.md)."""
        return cls(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD)

    def secrets(self) -> tuple[str, ...]:
        """Values to redact from any text the client passes on."""
        return tuple(s for s in (self.client_secret, self.password) if s)
