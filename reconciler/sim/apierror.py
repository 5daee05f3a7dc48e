"""The one error type handlers raise: it becomes ThingSpace's error body on the wire.

``errorCode`` values are stable and greppable (tests and the reconciler match on them); the
message says which rule was broken and with which values.
"""

from __future__ import annotations


class ApiError(Exception):
    """An HTTP error response: 400 ``{errorCode, errorMessage}`` unless told otherwise."""

    def __init__(self, code: str, message: str, *, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, str]:
        return {"errorCode": self.code, "errorMessage": self.message}


def not_found(what: str) -> ApiError:
    return ApiError("NotFound", what, status=404)
