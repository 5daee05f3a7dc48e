"""Hiding secrets: the one redactor of the code base (client errors, the journal, the Action).

Two things give a secret away, and one object handles both:

- **its value, in any form it is echoed in.** A server that reflects the request into its error
  body does not give the secret back verbatim: the client secret arrives inside
  ``Basic base64(client_id:secret)``, the password inside the JSON body with ``"`` and ``\\``
  escaped (and non-ASCII as is or as ``\\uXXXX``), either of them URL-encoded by a gateway,
  HTML-escaped by an error page or base64-encoded by a tool. A multi-line secret may be quoted
  one line at a time. So each secret is expanded once into all those forms, and text is
  scrubbed of every form, longest first (a longer form is never left half-replaced by a
  shorter one it contains). Tokens change with every login; the ones of earlier logins can
  still be echoed (a proxy's cached error, a log line), so the last ``max_tokens`` are
  remembered, not just the current pair.
- **its key, in a JSON-like record** (``scrub``): a value under a key that names a secret
  (``password``, ``sessionToken``, ``Authorization``, ...) is hidden even when the value itself
  was never registered, e.g. a token in an API answer the journal records.

Lowest layer (stdlib only), so the ThingSpace client, the applier's journal and the GitHub
Action share it.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MAX_TOKENS = 32
SECRET_KEY_WORDS = ("password", "secret", "token", "authorization", "credential", "cookie")
"""A key containing one of these words (case, ``_`` and ``-`` ignored) holds a secret."""

_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-f]{4})")


def text_forms(secret: str) -> set[str]:
    """The secret as JSON, URL, HTML and base64 encoders write it (one level of each, and
    JSON+URL)."""
    forms = {secret}
    for escaped in (
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
    ):
        # Other JSON writers: "/" escaped as "\/" (PHP), upper-case \uXXXX hex (Java).
        for slashed in (escaped, escaped.replace("/", "\\/")):
            for variant in (slashed, _UNICODE_ESCAPE.sub(_upper, slashed)):
                forms.add(variant)
                forms.add(json.dumps(variant)[1:-1])  # JSON in a JSON string (reflected body)
    for form in list(forms):
        forms.update((quote(form, safe=""), quote(form), quote_plus(form), html.escape(form)))
    forms.add(base64.b64encode(secret.encode("utf-8")).decode("ascii"))
    return forms


def _upper(match: re.Match[str]) -> str:
    return "\\u" + match.group(1).upper()


def basic_forms(user: str, secret: str) -> set[str]:
    """``user:secret`` as a Basic credential: base64 standard and urlsafe, padded or not."""
    forms: set[str] = set()
    for encoding in ("utf-8", "latin-1"):
        try:
            raw = f"{user}:{secret}".encode(encoding)
        except UnicodeEncodeError:
            continue
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            text = encoded.decode("ascii")
            forms.update((text, text.rstrip("=")))
    # Percent-encoded too (a Basic value reflected in a URL or a form body).
    forms.update({quote(form, safe="") for form in forms})
    return forms


def pieces(secret: str, min_length: int = 1) -> set[str]:
    """The parts of ``secret`` that are hidden on their own: all of it, and (stripped) each
    line of a multi-line value; none shorter than ``min_length``."""
    found = {secret} if len(secret) >= min_length else set()
    for piece in (secret.strip(), *secret.splitlines()):
        piece = piece.strip()
        if piece and len(piece) >= min_length:
            found.add(piece)
    return found


def is_secret_key(key: str) -> bool:
    lowered = key.lower().replace("_", "").replace("-", "")
    return any(word in lowered for word in SECRET_KEY_WORDS)


class Redactor:
    """Scrubs the given secrets' (and remembered tokens') every known form from text.

    ``user``: the client id sent with the secrets as HTTP Basic ``user:secret`` (its base64
    forms are hidden too). ``min_length``: shorter values (or lines of values) are not hidden,
    where masking a one-letter value would shred the text and hide nothing. ``mask``: what
    replaces a secret. Thread-safe: logins (which ``remember`` tokens) and error reports happen
    on any thread.
    """

    def __init__(
        self,
        secrets: Iterable[str] = (),
        *,
        user: str | None = None,
        min_length: int = 1,
        max_tokens: int = MAX_TOKENS,
        mask: str = MASK,
    ) -> None:
        self.mask = mask
        self._min_length = max(min_length, 1)
        forms: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            for piece in pieces(secret, self._min_length):
                forms |= text_forms(piece)
            if user is not None:
                forms |= basic_forms(user, secret)
        self._fixed = frozenset(forms)
        self._tokens: deque[str] = deque(maxlen=max_tokens)
        self._lock = threading.Lock()
        self._forms = self._sorted(self._fixed)

    def __repr__(self) -> str:
        return f"Redactor({len(self._fixed)} forms, {len(self._tokens)} tokens)"

    def remember(self, *tokens: str) -> None:
        """Also hide these tokens (and their forms) from now on, after later logins too."""
        with self._lock:
            changed = False
            for token in tokens:
                if token and token not in self._tokens:
                    self._tokens.append(token)
                    changed = True
            if changed:
                forms = set(self._fixed)
                for token in self._tokens:
                    forms |= text_forms(token)
                self._forms = self._sorted(forms)

    def __call__(self, text: str) -> str:
        forms = self._forms  # one consistent snapshot, no lock on the read path
        for form in forms:
            if form in text:
                text = text.replace(form, self.mask)
        return text

    def scrub(self, value: Any) -> Any:
        """A copy of a JSON-like value: secret-named keys' values masked, strings scrubbed."""
        if isinstance(value, Mapping):
            return {
                str(k): self.mask if is_secret_key(str(k)) else self.scrub(v)
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            if len(value) > 1 and all(type(v) is str for v in value):
                # A list of plain strings (a create's 1,000 IMEIs): one search over the joined
                # text; a secret in no part is in none, only a hit is looked at item by item.
                joined = "\x00".join(value)
                if self(joined) == joined:
                    return list(value)
            return [self.scrub(v) for v in value]
        if isinstance(value, str):
            return self(value)
        return value

    def _sorted(self, forms: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted((f for f in forms if f), key=lambda f: (-len(f), f)))
