"""Hiding secrets in every form a server or a library may echo them back in.

A server that reflects the request into its error body does not give the secret back verbatim:
the client secret arrives inside ``Basic base64(client_id:secret)``, the password inside the
JSON body with ``"`` and ``\\`` escaped (and non-ASCII as is or as ``\\uXXXX``), either of them
URL-encoded by a gateway or HTML-escaped by an error page. So each secret is expanded once into
all those forms, and text is scrubbed of every form, longest first (so a longer form is never
left half-replaced by a shorter one it contains).

Tokens change with every login; the ones of earlier logins can still be echoed (a proxy's cached
error, a log line), so the last ``MAX_TOKENS`` are remembered, not just the current pair.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections import deque
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-f]{4})")
MAX_TOKENS = 32


def _text_forms(secret: str) -> set[str]:
    """The secret as JSON, URL and HTML encoders write it (one level of each, and JSON+URL)."""
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
    return forms


def _upper(match: re.Match[str]) -> str:
    return "\\u" + match.group(1).upper()


def _basic_forms(user: str, secret: str) -> set[str]:
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


class Redactor:
    """Scrubs the credentials' and the remembered tokens' every known form from text.

    Thread-safe: logins (which ``remember`` tokens) and error reports happen on any thread.
    """

    def __init__(self, client_id: str, secrets: Iterable[str], *, max_tokens: int = MAX_TOKENS):
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms |= _text_forms(secret)
                forms |= _basic_forms(client_id, secret)
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
                    forms |= _text_forms(token)
                self._forms = self._sorted(forms)

    def __call__(self, text: str) -> str:
        forms = self._forms  # one consistent snapshot, no lock on the read path
        for form in forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    @staticmethod
    def _sorted(forms: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted((f for f in forms if f), key=lambda f: (-len(f), f)))
