"""String operators. Indexes and lengths count code points (the `CP` operators of MongoDB)."""

from __future__ import annotations

import re
from functools import reduce
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt

from ._parse import Node
from ._registry import Env, op
from ._semantics import imax
from ._values import T, Val, typed_null

if TYPE_CHECKING:
    from ._compile import Compiler

__all__: list[str] = []


def _string(c: Compiler, name: str, node: Node, env: Env, pos: int | None = None) -> Val:
    """Compile an operand that must be a string (or null); a mixed value contributes its string part."""
    v = c.compile(node, env)
    if v.t.kind in ("str", "null"):
        return v
    if v.t.kind == "mixed" and "string" in v.t.tags:
        # `tag` carries "holds a non-string" for the operators that turn null into "" (see _empty_for_null)
        return Val(T("str"), v.parts.get("str", typed_null(dt.string)), missing=False,
                   tag=~v.tag.isin(["string", "null"]))
    which = f"argument {pos} " if pos else ""
    what = node.value if node.kind == "string" else "the expression"
    raise node.error(f"{name}: {which}({what!r}) is {_a(v.t.describe())}; {name} takes strings")


def _a(what: str) -> str:
    return ("an " if what[:1] in "aeiou" else "a ") + what


def _null_str() -> Any:
    return typed_null(dt.string)


def _empty_for_null(v: Val, e: Any) -> Any:
    """`e` with null input giving "" (MongoDB's rule for these operators); a mixed non-string gives null."""
    e = e.fill_null("")
    return ibis.ifelse(v.tag, _null_str(), e) if v.tag is not None else e


def _nonneg_int(c: Compiler, name: str, node: Node, env: Env, what: str) -> Val:
    v = c.compile(node, env)
    if v.t.kind == "float" and v.is_lit and float(v.lit).is_integer():
        v = Val(T("int"), ibis.literal(int(v.lit), type=dt.int64), lit=int(v.lit))
    if v.t.kind not in ("int", "null") or (v.is_lit and v.lit is not None and v.lit < 0):
        raise node.error(f"{name}: {what} must be a non-negative integer")
    return v


@op("$concat")
def _concat(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 0, 10_000)
    vals = [_string(c, name, n, env, i) for i, n in enumerate(nodes, 1)]
    if not vals:
        return Val(T("str"), ibis.literal(""), lit="")
    if any(v.t.kind == "null" for v in vals):
        return Val(T("str"), _null_str())
    joined = reduce(lambda x, y: x.concat(y), [v.e for v in vals])
    live = [v.e.isnull() for v in vals if not v.is_lit]
    if live:
        joined = ibis.ifelse(reduce(lambda x, y: x | y, live), _null_str(), joined)
    return Val(T("str"), joined)


@op("$toLower", "$toUpper")
def _case(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    v = _string(c, name, c.one(name, arg), env)
    if v.t.kind == "null":
        return Val(T("str"), ibis.literal(""), lit="")
    return Val(T("str"), _empty_for_null(v, v.e.lower() if name == "$toLower" else v.e.upper()))


@op("$strLenCP")
def _strlen(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    v = _string(c, name, c.one(name, arg), env)
    if v.t.kind == "null":
        return Val(T("int"), typed_null(dt.int64))
    return Val(T("int"), v.e.length().cast("int64"))


@op("$substrCP")
def _substr(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    s_node, start_node, count_node = c.args(name, arg, 3)
    s = _string(c, name, s_node, env, 1)
    start = _nonneg_int(c, name, start_node, env, "the start index")
    count = _nonneg_int(c, name, count_node, env, "the count")
    if s.t.kind == "null":
        return Val(T("str"), ibis.literal(""), lit="")
    if start.t.kind == "null" or count.t.kind == "null":
        return Val(T("str"), _null_str())
    e = _empty_for_null(s, ibis.ifelse(start.e >= s.e.length(), "", s.e.substr(start.e, count.e)))
    bad = []
    if not start.is_lit:
        bad.append(start.e < 0)
    if not count.is_lit:
        bad.append(count.e < 0)
    if bad:
        e = ibis.ifelse(reduce(lambda x, y: x | y, bad), _null_str(), e)
    return Val(T("str"), e)


_FLAGS = set("imsx")


@op("$regexMatch")
def _regex_match(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    spec = c.spec(name, arg, ("input", "regex"), ("options",))
    s = _string(c, name, spec["input"], env)
    rnode = spec["regex"]
    if rnode.kind != "string":
        raise rnode.error("$regexMatch: 'regex' must be a constant string")
    pattern = rnode.value
    options = ""
    if "options" in spec:
        onode = spec["options"]
        if onode.kind != "string" or not set(onode.value) <= _FLAGS:
            raise onode.error("$regexMatch: 'options' must be a string of the flags i, m, s, x")
        options = "".join(sorted(set(onode.value)))
    try:
        re.compile(pattern)
    except re.error as exc:
        raise rnode.error(f"$regexMatch: invalid regular expression ({exc})") from None
    if s.t.kind == "null":
        return Val(T("bool"), ibis.literal(False), lit=False)
    full = f"(?{options}){pattern}" if options else pattern
    return Val(T("bool"), s.e.re_search(full), falsy_null=True)


@op("$indexOfCP")
def _index_of(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 2, 4)
    s = _string(c, name, nodes[0], env, 1)
    sub = _string(c, name, nodes[1], env, 2)
    start = _nonneg_int(c, name, nodes[2], env, "the start index") if len(nodes) > 2 else None
    end = _nonneg_int(c, name, nodes[3], env, "the end index") if len(nodes) > 3 else None
    if s.t.kind == "null" or sub.t.kind == "null" or (start and start.t.kind == "null") \
            or (end and end.t.kind == "null"):
        return Val(T("int"), typed_null(dt.int64))
    hay = s.e
    offset: Any = 0
    if start is not None or end is not None:
        st = start.e if start is not None else ibis.literal(0, type=dt.int64)
        hay = s.e.substr(st, imax(end.e - st, 0)) if end is not None else s.e.substr(st)
        offset = st
    found = hay.find(sub.e)
    result = ibis.ifelse(found < 0, -1, found + offset).cast("int64")
    if start is not None:
        result = ibis.ifelse(start.e > s.e.length(), -1, result)
        if end is not None:
            result = ibis.ifelse(start.e > end.e, -1, result)
    result = ibis.ifelse(s.e.isnull() | sub.e.isnull(), typed_null(dt.int64), result)
    return Val(T("int"), result)


@op("$split")
def _split(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    s_node, d_node = c.args(name, arg, 2)
    s = _string(c, name, s_node, env, 1)
    d = _string(c, name, d_node, env, 2)
    if d.is_lit and d.lit == "":
        raise d_node.error("$split: the delimiter must not be empty")
    typ = T("array", elem=T("str"))
    if s.t.kind == "null" or d.t.kind == "null":
        return Val(typ, typed_null("array<string>"))
    e = s.e.split(d.e)
    if not d.is_lit:
        e = ibis.ifelse(d.e == "", typed_null("array<string>"), e)
    return Val(typ, e)
