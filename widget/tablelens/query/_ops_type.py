"""Type operators: `$type`, `$isNumber`, `$toString`, `$toDouble`, `$toInt`.

Conversions that MongoDB would refuse at run time (a string that is not a number, NaN to int) give null.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt

from ._ops_math import fceil, ffloor
from ._parse import Node
from ._registry import Env, op
from ._semantics import as_bool, bind_val, epoch_ms, one_of
from ._values import TAG_OF_KIND, T, Val, typed_null

if TYPE_CHECKING:
    from ._compile import Compiler

__all__ = ["TO_TEXT"]

INT_TEXT = r"^[+-]?[0-9]+$"
FLOAT_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_INT64_BOUND = 9.223372036854775e18


@op("$type")
def _type(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    v = c.compile(c.one(name, arg), env)
    k = v.t.kind
    if k == "mixed":
        tag: Any = v.tag
    elif k == "null":
        tag = ibis.literal("null")
    elif v.is_lit:
        tag = ibis.literal(TAG_OF_KIND[k])
    else:
        e = as_bool(v) if k == "bool" else v.e
        tag = ibis.ifelse(e.isnull(), "null", TAG_OF_KIND[k])
    if v.missing is True:
        tag = ibis.literal("missing")
    elif v.missing is not False:
        tag = ibis.ifelse(v.missing, "missing", tag)
    return Val(T("str"), tag)


@op("$isNumber")
def _is_number(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    v = c.compile(c.one(name, arg), env)
    k = v.t.kind
    if k in ("int", "float"):
        return Val(T("bool"), ibis.literal(True) if v.is_lit else v.e.notnull())
    if k == "mixed":
        return Val(T("bool"), one_of(v.tag, ["int", "double"]))
    return Val(T("bool"), ibis.literal(False), lit=False)


def _bool_text(b: Any) -> Any:
    return ibis.cases((b, "true"), (~b, "false"), else_=typed_null(dt.string))


def _float_text(f: Any) -> Any:
    """Doubles as text: integral values without a decimal part (as MongoDB prints them), others as the engine."""
    integral = (f == ffloor(f)) & (f.abs() < 1e15)
    special = ibis.cases((f.isnan(), "NaN"), (f == float("inf"), "Infinity"), (f == float("-inf"), "-Infinity"),
                         else_=typed_null(dt.string))
    return special.fill_null(ibis.ifelse(integral, f.cast("int64").cast("string"), f.cast("string")))


def _date_text(d: Any) -> Any:
    return d.strftime("%Y-%m-%dT%H:%M:%S.%f").left(23).concat("Z")


#: each scalar kind as text, the way `$toString` writes it (also used where MongoDB converts to a string)
TO_TEXT: dict[str, Any] = {
    "str": lambda e: e,
    "int": lambda e: e.cast("string"),
    "float": _float_text,
    "bool": _bool_text,
    "date": _date_text,
}


@op("$toString")
def _to_string(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    node = c.one(name, arg)
    return bind_val(c.compile(node, env), lambda v: _to_string_val(v, node))


def _to_string_val(v: Val, node: Node) -> Val:
    k = v.t.kind
    conv = TO_TEXT
    if k == "null":
        return Val(T("str"), typed_null(dt.string))
    if k in conv:
        e = as_bool(v) if k == "bool" else v.e
        return Val(T("str"), conv[k](e))
    if k == "mixed":
        branches = [(v.tag == tag, conv[part](v.parts[part])) for tag, part in
                    (("string", "str"), ("int", "int"), ("double", "float"), ("bool", "bool"), ("date", "date"))
                    if part in v.parts]
        return Val(T("str"), ibis.cases(*branches, else_=typed_null(dt.string)) if branches
                   else typed_null(dt.string))
    raise node.error(f"$toString cannot convert {v.t.describe()}s")


def _str_to_double(s: Any) -> Any:
    return ibis.ifelse(s.re_search(FLOAT_TEXT), s.try_cast("float64"), typed_null(dt.float64))


def _str_to_int(s: Any) -> Any:
    return ibis.ifelse(s.re_search(INT_TEXT), s.try_cast("int64"), typed_null(dt.int64))


def _float_to_int(f: Any) -> Any:
    ok = ~f.isnan() & (f.abs() < _INT64_BOUND)
    truncated = ibis.ifelse(f >= 0, ffloor(f), fceil(f))
    return ibis.ifelse(ok, truncated, typed_null(dt.float64)).cast("int64")


def _date_ms(d: Any) -> Any:
    return epoch_ms(d)


@op("$toDouble")
def _to_double(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    node = c.one(name, arg)
    v = c.compile(node, env)
    conv = {
        "float": lambda e: e,
        "int": lambda e: e.cast("float64"),
        "bool": lambda e: e.cast("int64").cast("float64"),
        "str": _str_to_double,
        "date": lambda e: _date_ms(e).cast("float64"),
    }
    return bind_val(v, lambda x: _convert(x, node, conv, "float", "$toDouble"))


@op("$toInt")
def _to_int(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    node = c.one(name, arg)
    v = c.compile(node, env)
    conv = {
        "int": lambda e: e,
        "float": _float_to_int,
        "bool": lambda e: e.cast("int64"),
        "str": _str_to_int,
    }
    return bind_val(v, lambda x: _convert(x, node, conv, "int", "$toInt"))


def _convert(v: Val, node: Node, conv: dict[str, Any], out: str, name: str) -> Val:
    k = v.t.kind
    out_t = dt.float64 if out == "float" else dt.int64
    if k == "null":
        return Val(T(out), typed_null(out_t))
    if k in conv:
        e = as_bool(v) if k == "bool" else v.e
        return Val(T(out), conv[k](e))
    if k == "mixed":
        tags = {"int": "int", "double": "float", "bool": "bool", "string": "str", "date": "date"}
        branches = [(v.tag == tag, conv[part](v.parts[part]).cast(out_t)) for tag, part in tags.items()
                    if part in v.parts and part in conv]
        return Val(T(out), ibis.cases(*branches, else_=typed_null(out_t)) if branches else typed_null(out_t))
    raise node.error(f"{name} cannot convert {v.t.describe()}s")
