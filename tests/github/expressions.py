"""A small evaluator for the subset of GitHub Actions expressions ``action.yml`` uses.

Semantics follow GitHub's documentation: ``&&``/``||`` return an operand (not a boolean),
``==`` compares strings case-insensitively and coerces mixed types to numbers, missing
properties are null, falsy values are false, 0, -0, "", null. Functions: the status checks
(``success() always() failure() cancelled()``), ``contains``, ``startsWith``, ``endsWith``,
``format``, ``toJSON``. Anything else raises, so an unsupported construct in action.yml fails
the test instead of being silently mis-evaluated.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^']|'')*')
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>==|!=|<=|>=|&&|\|\||[!<>().,\[\]*])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)
STATUS_FUNCTIONS = ("success", "always", "failure", "cancelled")


class ExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Status:
    """The job status the status-check functions look at."""

    failed: bool = False
    cancelled: bool = False


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ExpressionError(f"cannot parse {text!r} at {pos}")
        kind = m.lastgroup
        assert kind is not None
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str, context: Mapping[str, Any], status: Status) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.context = context
        self.status = status
        self.text = text

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None or (value is not None and tok[1] != value):
            raise ExpressionError(f"expected {value!r} in {self.text!r}")
        self.pos += 1
        return tok

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()} in {self.text!r}")
        return value

    def or_(self) -> Any:
        left = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            left = left if truthy(left) else right
        return left

    def and_(self) -> Any:
        left = self.compare()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.compare()
            left = right if truthy(left) else left
        return left

    def compare(self) -> Any:
        left = self.unary()
        tok = self.peek()
        while tok is not None and tok[1] in ("==", "!=", "<", ">", "<=", ">="):
            self.take()
            right = self.unary()
            left = _compare(tok[1], left, right)
            tok = self.peek()
        return left

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        value = self.primary()
        while True:
            tok = self.peek()
            if tok == ("op", "."):
                self.take()
                name = self.take()
                if name[0] != "ident":
                    raise ExpressionError(f"bad property in {self.text!r}")
                value = _prop(value, name[1])
            elif tok == ("op", "["):
                self.take()
                key = self.or_()
                self.take("]")
                value = _prop(value, key)
            else:
                return value

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "number":
            return float(value) if "." in value else int(value)
        if value == "(":
            inner = self.or_()
            self.take(")")
            return inner
        if kind != "ident":
            raise ExpressionError(f"unexpected {value!r} in {self.text!r}")
        if value in ("true", "false"):
            return value == "true"
        if value == "null":
            return None
        if self.peek() == ("op", "("):
            return self.call(value)
        if value not in self.context:
            raise ExpressionError(f"unknown context {value!r} in {self.text!r}")
        return self.context[value]

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        if self.peek() != ("op", ")"):
            args.append(self.or_())
            while self.peek() == ("op", ","):
                self.take()
                args.append(self.or_())
        self.take(")")
        lowered = name.lower()
        if lowered == "success":
            return not self.status.failed and not self.status.cancelled
        if lowered == "always":
            return True
        if lowered == "failure":
            return self.status.failed
        if lowered == "cancelled":
            return self.status.cancelled
        if lowered == "contains":
            hay, needle = args
            if isinstance(hay, list):
                return any(_compare("==", item, needle) for item in hay)
            return to_string(needle).lower() in to_string(hay).lower()
        if lowered == "startswith":
            return to_string(args[0]).lower().startswith(to_string(args[1]).lower())
        if lowered == "endswith":
            return to_string(args[0]).lower().endswith(to_string(args[1]).lower())
        if lowered == "format":
            template, *rest = args
            return re.sub(
                r"\{(\d+)\}", lambda m: to_string(rest[int(m.group(1))]), to_string(template)
            )
        if lowered == "tojson":
            return json.dumps(args[0], indent=2)
        raise ExpressionError(f"unsupported function {name}() in {self.text!r}")


def _prop(value: Any, key: Any) -> Any:
    if isinstance(value, Mapping):
        if isinstance(key, str):
            for k, v in value.items():  # property names are case-insensitive
                if isinstance(k, str) and k.lower() == key.lower():
                    return v
        return None
    if isinstance(value, list) and isinstance(key, (int, float)):
        index = int(key)
        return value[index] if 0 <= index < len(value) else None
    return None


def truthy(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0 and not math.isnan(value)
    if isinstance(value, str):
        return value != ""
    return True


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.lower()
        b: Any = right.lower()
    elif type(left) is type(right) and not isinstance(left, (Mapping, list)):
        a, b = left, right
    elif isinstance(left, (Mapping, list)) or isinstance(right, (Mapping, list)):
        equal = left is right
        return equal if op == "==" else (not equal if op == "!=" else False)
    else:
        a, b = _number(left), _number(right)
        if isinstance(a, float) and isinstance(b, float) and (math.isnan(a) or math.isnan(b)):
            return op == "!="
    return {
        "==": a == b,
        "!=": a != b,
        "<": a < b,
        ">": a > b,
        "<=": a <= b,
        ">=": a >= b,
    }[op]


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (Mapping, list)):
        return json.dumps(value)
    return str(value)


def evaluate(text: str, context: Mapping[str, Any], status: Status = Status()) -> Any:
    """Evaluate one expression (without the ``${{ }}``)."""
    return _Parser(text, context, status).parse()


_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def substitute(text: str, context: Mapping[str, Any], status: Status = Status()) -> str:
    """Replace every ``${{ expr }}`` in ``text`` by its string value."""
    return _TEMPLATE.sub(lambda m: to_string(evaluate(m.group(1), context, status)), text)


def condition(text: str | bool | None, context: Mapping[str, Any], status: Status) -> bool:
    """An ``if:``: implicitly ``success() && (...)`` unless it calls a status function."""
    if text is None:
        return not status.failed and not status.cancelled
    if isinstance(text, bool):
        return text and not status.failed
    raw = text.strip()
    match = re.fullmatch(r"\$\{\{(.*)\}\}", raw, re.DOTALL)
    expression = match.group(1) if match else raw
    uses_status = any(re.search(rf"\b{f}\s*\(", expression) for f in STATUS_FUNCTIONS)
    if not uses_status and (status.failed or status.cancelled):
        return False
    return truthy(evaluate(expression, context, status))
