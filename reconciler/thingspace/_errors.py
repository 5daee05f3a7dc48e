"""Typed errors of the ThingSpace client.

Every error is a ``UserError`` (the CLI prints one line, no traceback) and carries what the API
said (HTTP status, ``errorCode``, ``errorMessage``) so callers can branch on it: the planner and
the applier treat "not found", "refused by a lifecycle rule" and "the write may or may not have
happened" very differently. Messages never carry credentials or tokens; the client redacts
every known secret from anything the server or a transport exception says before it gets here.
"""

from __future__ import annotations

from reconciler.errors import UserError


class ThingSpaceError(UserError):
    """Base of every client error: the request (method, path) and what the API answered."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        error_code: str | None = None,
        error_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        self.error_message = error_message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ApiError(ThingSpaceError):
    """The API answered and refused the request (4xx, or 5xx after retries on a safe method)."""


class NotFoundError(ApiError):
    """404: the campaign (or account, or device) does not exist on the server."""


class AuthError(ApiError):
    """The credentials were refused, or a fresh login was refused again on the retried call."""


class TransportError(ThingSpaceError):
    """No usable answer: connection refused, timeout, broken connection, unreadable body."""


class AmbiguousWriteError(ThingSpaceError):
    """A POST or DELETE failed after it may have reached the server.

    The write may or may not have taken effect, so it is never re-sent blindly: the caller (the
    applier) looks the campaign up before deciding whether to send it again.
    """


class PagingError(ApiError):
    """The server repeated a paging cursor; following it would loop forever."""
