"""Relaxed-JSON parser for filter text: JSON plus JavaScript object-literal conveniences.

Accepted on top of JSON: unquoted keys, single-quoted strings, trailing commas, `//` and `/* */` comments,
`NaN`/`Infinity`, hex integers and extended-JSON dates (`{$date: "2024-01-02T03:04:05Z"}` is left to the compiler).
Every node remembers where it started so that errors can point at the faulty character.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._core.errors import FilterError

__all__ = ["MAX_DEPTH", "Node", "from_python", "parse"]

MAX_DEPTH = 64
_IDENT = re.compile(r"[A-Za-z_$\u00c0-\uffff][A-Za-z0-9_$\u00c0-\uffff]*")
_NUMBER = re.compile(
    r"[+-]?(?:0[xX][0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|Infinity|NaN)"
)
_INT64 = (-(2**63), 2**63 - 1)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0", "/": "/"}


@dataclass(frozen=True)
class Node:
    """One parsed value: `kind` is object/array/string/number/bool/null/date.

    `value` is a dict of key -> Node (objects), a list of Node (arrays) or a Python scalar. `pos` is the
    0-based offset in the text (None for Python input), `where` a readable location like `$and[1].$gt`.
    """

    kind: str
    value: Any
    pos: int | None = None
    where: str = ""
    key_pos: dict[str, int | None] = field(default_factory=dict, compare=False, repr=False)

    def error(self, message: str) -> FilterError:
        """A FilterError located at this node."""
        return FilterError(message, position=self.pos, path=self.where or None)


def parse(text: str) -> Node:
    """Parse `text` into a Node tree, raising FilterError with the offending position."""
    parser = _Parser(text)
    parser.skip()
    if parser.i >= len(text):
        raise FilterError("The expression is empty", position=0)
    node = parser.value(0, "")
    parser.skip()
    if parser.i < len(text):
        raise FilterError(
            f"Unexpected {_show(text[parser.i])} after the end of the expression", position=parser.i
        )
    return node


def from_python(obj: Any, where: str = "", depth: int = 0) -> Node:
    """Turn a Python value (dict/list/str/number/bool/None/datetime) into a Node tree."""
    if depth > MAX_DEPTH:
        raise FilterError(f"The expression is nested more than {MAX_DEPTH} levels deep", path=where or None)
    if obj is None:
        return Node("null", None, None, where)
    if isinstance(obj, bool):
        return Node("bool", obj, None, where)
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes, Mapping, Sequence)):
        with contextlib.suppress(Exception):  # numpy scalars
            obj = obj.item()
        if isinstance(obj, bool):
            return Node("bool", obj, None, where)
    if isinstance(obj, int):
        return Node("number", obj if _INT64[0] <= obj <= _INT64[1] else float(obj), None, where)
    if isinstance(obj, float):
        return Node("number", obj, None, where)
    if isinstance(obj, str):
        return Node("string", obj, None, where)
    if isinstance(obj, _dt.datetime):
        return Node("date", obj, None, where)
    if isinstance(obj, Mapping):
        items: dict[str, Node] = {}
        for key, val in obj.items():
            if not isinstance(key, str):
                raise FilterError(f"Object keys must be strings, got {key!r}", path=where or None)
            items[key] = from_python(val, _join(where, key), depth + 1)
        return Node("object", items, None, where, {k: None for k in items})
    if isinstance(obj, (list, tuple)):
        return Node(
            "array", [from_python(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(obj)], None, where
        )
    raise FilterError(
        f"Cannot use a {type(obj).__name__} in an expression; use dicts, lists, str, numbers, bools, None",
        path=where or None,
    )


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _show(ch: str) -> str:
    return repr(ch) if ch.isprintable() else f"character U+{ord(ch):04X}"


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def fail(self, message: str, pos: int | None = None) -> FilterError:
        return FilterError(message, position=self.i if pos is None else pos)

    def skip(self) -> None:
        s, n = self.s, len(self.s)
        while self.i < n:
            ch = s[self.i]
            if ch in " \t\r\n\ufeff\u00a0\u2028\u2029":
                self.i += 1
            elif s.startswith("//", self.i):
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end + 1
            elif s.startswith("/*", self.i):
                end = s.find("*/", self.i + 2)
                if end < 0:
                    raise self.fail("Unterminated /* comment")
                self.i = end + 2
            else:
                return

    def value(self, depth: int, where: str) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"The expression is nested more than {MAX_DEPTH} levels deep")
        self.skip()
        if self.i >= len(self.s):
            raise self.fail("Unexpected end of the expression: a value is missing")
        ch = self.s[self.i]
        if ch == "{":
            return self.obj(depth, where)
        if ch == "[":
            return self.arr(depth, where)
        if ch in "'\"":
            pos = self.i
            return Node("string", self.string(), pos, where)
        m = _NUMBER.match(self.s, self.i)
        if m and (ch in "+-.0123456789" or m.group() in ("Infinity", "NaN")):
            return self.number(m, where)
        m = _IDENT.match(self.s, self.i)
        if m:
            word, pos = m.group(), self.i
            self.i = m.end()
            if word in ("true", "false"):
                return Node("bool", word == "true", pos, where)
            if word == "null":
                return Node("null", None, pos, where)
            hint = " (quote strings and paths, e.g. '$0.label')" if word.startswith("$") else ""
            raise self.fail(f"Unexpected word {word!r}: expected a value{hint}", pos)
        raise self.fail(f"Unexpected {_show(ch)}: expected a value")

    def number(self, m: re.Match[str], where: str) -> Node:
        text, pos = m.group(), self.i
        self.i = m.end()
        if self.i < len(self.s) and (self.s[self.i].isalnum() or self.s[self.i] in "_$"):
            raise self.fail(f"Malformed number {text + self.s[self.i]!r}", pos)
        sign = -1 if text.startswith("-") else 1
        body = text.lstrip("+-")
        value: int | float
        if body == "Infinity":
            value = sign * math.inf
        elif body == "NaN":
            value = math.nan
        elif body[:2] in ("0x", "0X"):
            value = sign * int(body, 16)
        elif any(c in body for c in ".eE"):
            value = sign * float(body)
        else:
            value = sign * int(body)
        if isinstance(value, int) and not _INT64[0] <= value <= _INT64[1]:
            value = float(value)
        return Node("number", value, pos, where)

    def string(self) -> str:
        s, quote = self.s, self.s[self.i]
        start = self.i
        self.i += 1
        out: list[str] = []
        while True:
            if self.i >= len(s):
                raise self.fail("Unterminated string", start)
            ch = s[self.i]
            if ch == quote:
                self.i += 1
                return "".join(out)
            if ch in "\n\r":
                raise self.fail("Unterminated string (line break inside quotes)", start)
            if ch != "\\":
                out.append(ch)
                self.i += 1
                continue
            self.i += 1
            if self.i >= len(s):
                raise self.fail("Unterminated string", start)
            esc = s[self.i]
            if esc in _ESCAPES:
                out.append(_ESCAPES[esc])
                self.i += 1
            elif esc == "u":
                out.append(self.unicode_escape())
            elif esc == "x":
                out.append(self.hex_escape(2, self.i - 1))
            elif esc in "\r\n":  # line continuation
                self.i += 1
                if esc == "\r" and s.startswith("\n", self.i):
                    self.i += 1
            else:
                out.append(esc)
                self.i += 1

    def hex_escape(self, count: int, at: int) -> str:
        digits = self.s[self.i + 1 : self.i + 1 + count]
        if len(digits) != count or not all(c in "0123456789abcdefABCDEF" for c in digits):
            raise self.fail("Malformed escape sequence in string", at)
        self.i += 1 + count
        return chr(int(digits, 16))

    def unicode_escape(self) -> str:
        at = self.i - 1
        if self.s.startswith("{", self.i + 1):
            end = self.s.find("}", self.i + 2)
            digits = self.s[self.i + 2 : end] if end > 0 else ""
            if not digits or len(digits) > 6 or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise self.fail("Malformed \\u{...} escape in string", at)
            code = int(digits, 16)
            if code > 0x10FFFF:
                raise self.fail("Malformed \\u{...} escape in string", at)
            self.i = end + 1
            return chr(code)
        ch = self.hex_escape(4, at)
        if 0xD800 <= ord(ch) < 0xDC00 and self.s.startswith("\\u", self.i):  # surrogate pair
            save = self.i
            self.i += 1
            low = self.hex_escape(4, save)
            if 0xDC00 <= ord(low) < 0xE000:
                return chr(0x10000 + ((ord(ch) - 0xD800) << 10) + (ord(low) - 0xDC00))
            self.i = save
        if 0xD800 <= ord(ch) < 0xE000:
            raise self.fail("Lone surrogate escape in string", at)
        return ch

    def key(self) -> tuple[str, int]:
        pos = self.i
        ch = self.s[self.i] if self.i < len(self.s) else ""
        if ch in ("'", '"'):
            return self.string(), pos
        m = _IDENT.match(self.s, self.i)
        if m:
            self.i = m.end()
            return m.group(), pos
        m = _NUMBER.match(self.s, self.i)
        if m and ch and ch in "0123456789":
            self.i = m.end()
            return m.group(), pos
        if not ch:
            raise self.fail("Unexpected end of the expression: expected a key or '}'")
        raise self.fail(f"Unexpected {_show(ch)}: expected a key or '}}'")

    def obj(self, depth: int, where: str) -> Node:
        start = self.i
        self.i += 1
        items: dict[str, Node] = {}
        key_pos: dict[str, int | None] = {}
        while True:
            self.skip()
            if self.i >= len(self.s):
                raise self.fail("Unterminated object: expected '}'", start)
            if self.s[self.i] == "}":
                self.i += 1
                return Node("object", items, start, where, key_pos)
            key, kpos = self.key()
            if key in items:
                raise self.fail(f"Duplicate key {key!r} in object", kpos)
            self.skip()
            if not self.s.startswith(":", self.i):
                raise self.fail(f"Expected ':' after key {key!r}")
            self.i += 1
            items[key] = self.value(depth + 1, _join(where, key))
            key_pos[key] = kpos
            self.skip()
            if self.s.startswith(",", self.i):
                self.i += 1
            elif not self.s.startswith("}", self.i):
                if self.i >= len(self.s):
                    raise self.fail("Unterminated object: expected '}'", start)
                raise self.fail(f"Expected ',' or '}}' after the value of {key!r}")

    def arr(self, depth: int, where: str) -> Node:
        start = self.i
        self.i += 1
        items: list[Node] = []
        while True:
            self.skip()
            if self.i >= len(self.s):
                raise self.fail("Unterminated array: expected ']'", start)
            if self.s[self.i] == "]":
                self.i += 1
                return Node("array", items, start, where)
            if self.s[self.i] == ",":
                raise self.fail("Empty element in array")
            items.append(self.value(depth + 1, f"{where}[{len(items)}]"))
            self.skip()
            if self.s.startswith(",", self.i):
                self.i += 1
            elif not self.s.startswith("]", self.i):
                if self.i >= len(self.s):
                    raise self.fail("Unterminated array: expected ']'", start)
                raise self.fail("Expected ',' or ']' in array")
