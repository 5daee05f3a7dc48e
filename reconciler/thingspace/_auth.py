"""The two-step ThingSpace login, done once and shared by every thread.

Both tokens (OAuth bearer and M2M session) are obtained together and dropped together: the API
documents no session expiry, so a 401 on a FOTA call is answered by re-doing both steps. Each
login gets a generation number; a thread that saw a 401 only invalidates the generation it
used, so twenty threads hitting an expired token at once cause one login, not twenty. Likewise
a login that fails (after its own retries) fails every thread that was waiting for it: they
get its error instead of each trying again, one after another.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tokens:
    """What a login returns; ``expires_in`` is the OAuth token's lifetime, if the API said."""

    access_token: str = field(repr=False)
    session_token: str = field(repr=False)
    expires_in: float | None = None

    def __repr__(self) -> str:
        return f"Tokens(access_token='***', session_token='***', expires_in={self.expires_in})"


@dataclass(frozen=True)
class Session:
    tokens: Tokens = field(repr=False)
    generation: int
    expires_at: float | None  # on the authenticator's (monotonic) clock; None: until a 401

    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.tokens.access_token}",
            "VZ-M2M-Token": self.tokens.session_token,
        }


class Authenticator:
    """Caches a ``Session`` until shortly before it expires, or until it is refused."""

    def __init__(
        self,
        login: Callable[[], Tokens],
        *,
        clock: Callable[[], float],
        skew: float = 30.0,
    ) -> None:
        self._login = login
        self._clock = clock
        self._skew = skew
        self._lock = threading.Lock()
        self._session: Session | None = None
        self._generation = 0
        self._attempts = 0  # logins tried (finished), successful or not
        self._failure: Exception | None = None  # the last login's error, if it failed
        self.logins = 0  # how many logins this client did (for tests and diagnostics)

    def __repr__(self) -> str:
        return f"Authenticator(generation={self._generation}, logins={self.logins})"

    def current(self) -> Session:
        attempts = self._attempts  # read before waiting: a login may finish meanwhile
        with self._lock:
            session = self._session
            if session is None or (
                session.expires_at is not None and self._clock() >= session.expires_at
            ):
                if self._failure is not None and self._attempts != attempts:
                    raise self._failure  # the login this thread waited for failed
                try:
                    session = self._new_session()
                except Exception as exc:
                    self._failure = exc
                    raise
                finally:
                    self._attempts += 1
            return session

    def invalidate(self, generation: int) -> None:
        """Forget the session of ``generation`` (a newer one, made by another thread, stays)."""
        with self._lock:
            if self._session is not None and self._session.generation == generation:
                self._session = None

    def secrets(self) -> tuple[str, ...]:
        session = self._session
        if session is None:
            return ()
        return (session.tokens.access_token, session.tokens.session_token)

    def _new_session(self) -> Session:
        started = self._clock()
        tokens = self._login()
        self.logins += 1
        self._generation += 1
        expires_at: float | None = None
        if tokens.expires_in is not None:
            # Renew a little early: a skew of at most half the lifetime, so that short-lived
            # tokens (an emulator's 60 s) are still reused.
            skew = min(self._skew, tokens.expires_in / 2)
            expires_at = started + tokens.expires_in - skew
        self._session = Session(tokens, self._generation, expires_at)
        self._failure = None
        return self._session
