"""String operators. Indexes and lengths count code points (the `CP` operators of MongoDB)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt

from ._ops_type import TO_TEXT
from ._parse import Node
from ._registry import MANY, Env, op
from ._semantics import INT32_MAX, any_of, bind_val, imax, one_of
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
                   tag=~one_of(v.tag, ["string", "null"]))
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
    if v.t.kind not in ("int", "null") or (v.is_lit and v.lit is not None and not 0 <= v.lit <= INT32_MAX):
        raise node.error(f"{name}: {what} must be a non-negative 32-bit integer (0 to {INT32_MAX})")
    if v.t.kind == "int" and not v.is_lit:  # beyond 32 bits MongoDB fails: null here
        v = Val(T("int"), ibis.ifelse(v.e > INT32_MAX, typed_null(dt.int64), v.e))
    return v


@op("$concat")
def _concat(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 0, MANY)
    vals = [_string(c, name, n, env, i) for i, n in enumerate(nodes, 1)]
    if not vals:
        return Val(T("str"), ibis.literal(""), lit="")
    if any(v.t.kind == "null" for v in vals):
        return Val(T("str"), _null_str())
    # one flat call (`concat_ws('', ...)`): nested `a || b` chains are as deep as they are long, and engines
    # limit how deep an expression may be; its skipping of NULL parts is overridden just below
    joined = vals[0].e if len(vals) == 1 else ibis.literal("").join([v.e for v in vals])
    live = [v.e.isnull() for v in vals if not v.is_lit]
    if live:
        joined = ibis.ifelse(any_of(live), _null_str(), joined)
    return Val(T("str"), joined)


@op("$toLower", "$toUpper")
def _case(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    node = c.one(name, arg)
    v = c.compile(node, env)
    if v.t.kind not in ("int", "float", "date") and not (v.t.kind == "mixed" and v.t.tags & {"int", "double",
                                                                                             "date"}):
        v = _string(c, name, node, env)  # (checks the type, with a message naming the argument)

    def case(x: Val) -> Val:
        if x.t.kind in ("int", "float", "date", "mixed"):
            x = _coerce_to_string(x)  # MongoDB converts numbers and dates to their text first
        if x.t.kind == "null":
            return Val(T("str"), ibis.literal(""), lit="")
        return Val(T("str"), _empty_for_null(x, x.e.lower() if name == "$toLower" else x.e.upper()))

    return bind_val(v, case)


def _coerce_to_string(v: Val) -> Val:
    """A number, date or mixed value as text, as `$toString` writes it; other kinds of a mixed value are flagged
    in `tag` (so they give null, see `_empty_for_null`)."""
    if v.t.kind != "mixed":
        return Val(T("str"), TO_TEXT[v.t.kind](v.e))
    branches = [(v.tag == tag, TO_TEXT[part](v.parts[part])) for tag, part in
                (("string", "str"), ("int", "int"), ("double", "float"), ("date", "date")) if part in v.parts]
    return Val(T("str"), ibis.cases(*branches, else_=_null_str()),
               tag=~one_of(v.tag, ["string", "int", "double", "date", "null"]))


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
    bad = []  # a computed start or count that is null or out of range: null (not the "" of a null string)
    if not start.is_lit:
        bad.append(start.e.isnull() | (start.e < 0))
    if not count.is_lit:
        bad.append(count.e.isnull() | (count.e < 0))
    if bad:
        e = ibis.ifelse(any_of(bad), _null_str(), e)
    return Val(T("str"), e)


_FLAGS = set("imsx")


def strip_extended(pattern: str) -> str:
    """A pattern written for the `x` (extended) option, without it: unescaped whitespace and `#` comments outside
    character classes removed (PCRE's rule). Engines like DuckDB (RE2) have no `x` flag."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            out.append(nxt if not in_class and (nxt.isspace() or nxt == "#") else pattern[i:i + 2])
            i += 2
        elif in_class:
            in_class = ch != "]"
            out.append(ch)
            i += 1
        elif ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            for lead in "^]":  # `[^` and a `]` first in the class are part of it
                if pattern.startswith(lead, i):
                    out.append(lead)
                    i += 1
        elif ch.isspace():
            i += 1
        elif ch == "#":
            end = pattern.find("\n", i)
            i = n if end < 0 else end + 1
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@op("$regexMatch")
def _regex_match(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    spec = c.spec(name, arg, ("input", "regex"), ("options",))
    s = _string(c, name, spec["input"], env)
    rnode = spec["regex"]
    options = ""
    if "options" in spec and spec["options"].kind != "null":
        onode = spec["options"]
        if onode.kind != "string" or not set(onode.value) <= _FLAGS:
            raise onode.error("$regexMatch: 'options' must be a constant string of the flags i, m, s, x")
        options = "".join(sorted(set(onode.value)))
    rv = c.compile(rnode, env)
    if rv.t.kind not in ("str", "null") and not (rv.t.kind == "mixed" and "string" in rv.t.tags):
        raise rnode.error(f"$regexMatch: 'regex' must be a string, but it is {_a(rv.t.describe())}")
    if rv.t.kind == "null" or (rv.is_lit and rv.lit is None) or s.t.kind == "null":
        return Val(T("bool"), ibis.literal(False), lit=False)  # a null or missing input or regex: no match
    flags = options.replace("x", "")
    prefix = f"(?{flags})" if flags else ""
    if rv.is_lit:
        pattern = strip_extended(rv.lit) if "x" in options else rv.lit
        try:
            re.compile(pattern)
        except re.error as exc:
            raise rnode.error(f"$regexMatch: invalid regular expression ({exc})") from None
        return Val(T("bool"), s.e.re_search(prefix + pattern), falsy_null=True)
    if "x" in options:
        raise spec["options"].error("$regexMatch: the x option needs a constant 'regex' (a string, not a path "
                                    "or an expression); remove the whitespace and comments from the pattern")
    r = _string(c, name, rnode, env)
    pattern_e = ibis.literal(prefix).concat(r.e) if prefix else r.e
    return Val(T("bool"), s.e.re_search(pattern_e), falsy_null=True)


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
    if not d.is_lit:  # an empty delimiter is a fault (null); a null one gives null (engines may split anyway)
        e = ibis.ifelse(d.e.isnull() | (d.e == ""), typed_null("array<string>"), e)
    return Val(typ, e)
