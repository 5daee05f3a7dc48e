"""The one check of a ThingSpace server URL, before anything is sent or printed.

A URL given by the user ends up in three places: the requests (httpx joins paths onto it), the
``target:`` line every command prints, and error messages. So it must be just scheme, host,
optional port and optional path prefix. A user or password in it would be printed and sent as
Basic auth (breaking the M2M login); a query or fragment would be glued in front of every API
path; a malformed host or port would surface as an httpx traceback. Error messages here never
repeat the raw URL: it is exactly the text that may hold a password or a token.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from reconciler.errors import UserError

_HINT = "give the server root, e.g. https://thingspace.verizon.com or http://127.0.0.1:8900"


def api_base_url(raw: str, *, option: str = "--api-url/FOTA_API_URL") -> str:
    """``raw`` as ``scheme://host[:port][/path]`` (no trailing slash), or a one-line UserError."""
    text = raw.strip()
    if not text or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise UserError(f"{option} is empty or contains spaces or control characters; {_HINT}")
    scheme, sep, rest = text.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise UserError(f"{option} is not an http:// or https:// URL; {_HINT}")
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if "@" in authority:
        raise UserError(
            f"{option} must not contain a user name or password (user:password@host); the "
            "credentials come from FOTA_CLIENT_ID, FOTA_CLIENT_SECRET, FOTA_USERNAME and "
            f"FOTA_PASSWORD; {_HINT}"
        )
    if "?" in rest or "#" in rest:
        raise UserError(
            f"{option} must not have a query (?...) or fragment (#...): API paths are appended "
            f"to it, and tokens belong in the environment, not the URL; {_HINT}"
        )
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        raise UserError(f"{option} has an invalid host or port ({_reason(exc)}); {_HINT}") from None
    if not host:
        raise UserError(f"{option} has no host; {_HINT}")
    if port == 0:
        raise UserError(f"{option} has port 0; use a port from 1 to 65535; {_HINT}")
    shown_host = f"[{host}]" if ":" in host else host
    netloc = shown_host if port is None else f"{shown_host}:{port}"
    path = parts.path.rstrip("/")
    url = f"{scheme.lower()}://{netloc}{path}"
    try:
        httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UserError(f"{option} is not a valid URL ({_reason(exc)}); {_HINT}") from None
    return url


def _reason(exc: Exception) -> str:
    # urllib's and httpx's messages name the problem, not the URL ("Port could not be cast to
    # integer value as 'abc'"); cut them to one short line all the same.
    return " ".join(str(exc).split())[:80] or type(exc).__name__
