"""Arithmetic operators. Results keep MongoDB's int/double distinction, per row when operands are mixed.

MongoDB raises on faults such as division by zero or the square root of a negative number; a filter runs over
millions of rows, so here such a result is null instead (documented in docs/filters.md).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt

from ._parse import Node
from ._registry import MANY, Env, op
from ._semantics import all_of, balanced, bind_val, bind_vals, epoch_ms, num_part
from ._values import T, Val, const, null_val, typed_null

if TYPE_CHECKING:
    from ._compile import Compiler

__all__ = ["Num", "as_num", "combine", "fceil", "ffloor", "numbers"]


@dataclass(frozen=True)
class Num:
    """A numeric operand: its int value (when it is an int), its value as double, and whether it is an int."""

    i: Any
    f: Any
    is_int: Any  # True, False or a boolean expression


def as_num(v: Val) -> Num | None:
    """The operand as a Num, or None when it is statically null."""
    k = v.t.kind
    if k == "null":
        return None
    if k == "int":
        return Num(v.e, v.e.cast("float64"), True)
    if k == "float":
        return Num(None, v.e, False)
    if k == "mixed":
        i = v.parts.get("int")
        f = num_part(v)
        return Num(i, f, (v.tag == "int") if i is not None else False)
    raise TypeError(k)


def numbers(c: Compiler, name: str, nodes: Sequence[Node], env: Env, allow_dates: bool = False) -> list[Val]:
    """Compile operands and check statically that each can be a number."""
    vals = []
    for pos, node in enumerate(nodes, 1):
        v = c.compile(node, env)
        ok = v.t.kind in ("int", "float", "null") or (v.t.kind == "mixed" and {"int", "double"} & v.t.tags) \
            or (allow_dates and v.t.kind == "date")
        if not ok:
            what = node.value if node.kind == "string" else "the expression"
            raise node.error(f"{name}: argument {pos} ({what!r}) is {_a(v.t.describe())}; {name} takes numbers")
        vals.append(v)
    return vals


def _a(what: str) -> str:
    return ("an " if what[:1] in "aeiou" else "a ") + what


def _fold(flags: list[Any]) -> Any:
    return all_of(flags)


def combine(nums: Sequence[Num | None], fn_int: Callable[..., Any], fn_float: Callable[..., Any]) -> Val:
    """Apply an int-preserving operation: int when every operand is an int, else double."""
    if any(n is None for n in nums):
        return null_val()
    ns: list[Num] = [n for n in nums if n is not None]
    all_int = _fold([n.is_int for n in ns])
    if all_int is True:
        return Val(T("int"), fn_int(*[n.i for n in ns]))
    fe = fn_float(*[n.f for n in ns])
    if all_int is False:
        return Val(T("float"), fe)
    ie = fn_int(*[n.i if n.i is not None else typed_null(dt.int64) for n in ns])
    tag = ibis.ifelse(fe.isnull(), "null", ibis.ifelse(all_int, "int", "double"))
    return Val(T("mixed", tags=frozenset({"null", "int", "double"})), None, tag=tag,
               parts={"int": ibis.ifelse(all_int, ie, typed_null(dt.int64)), "float": fe})


def ffloor(x: Any) -> Any:
    """floor() of a double that stays a double (NaN and infinities pass through; Ibis's floor returns an int)."""
    t = x - x % 1.0  # truncates with C-style %, floors with Python-style %
    return ibis.ifelse(x.isinf(), x, ibis.ifelse(t > x, t - 1.0, t))


def fceil(x: Any) -> Any:
    """ceil() of a double that stays a double."""
    return -ffloor(-x)


def _double(v: Val, fn: Callable[[Any], Any]) -> Val:
    def apply(x: Val) -> Val:
        n = as_num(x)
        return null_val() if n is None else Val(T("float"), fn(n.f))

    return bind_val(v, apply)


def _null(typ: str = "float64") -> Any:
    return typed_null(typ)


# ------------------------------------------------------------------------------------------- operators
@op("$add")
def _add(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    vals = numbers(c, name, c.args(name, arg, 0, MANY), env, allow_dates=True)
    return bind_vals(vals, lambda vs: _add_vals(vs, arg))


def _add_vals(vals: list[Val], arg: Node) -> Val:
    dates = [v for v in vals if v.t.kind == "date"]
    if len(dates) > 1:
        raise arg.error("$add: only one argument may be a date")
    nums = [as_num(v) for v in vals if v.t.kind != "date"]
    if not nums:
        return dates[0] if dates else Val(T("int"), ibis.literal(0, type=dt.int64), lit=0)
    total = combine(nums, lambda *xs: balanced(operator.add, xs), lambda *xs: balanced(operator.add, xs))
    if not dates:
        return total
    ms = total.e if total.t.kind != "mixed" else total.parts["float"]
    if total.t.kind == "null":
        return Val(T("date"), typed_null(dt.timestamp))
    return Val(T("date"), dates[0].e + ms.round().cast("int64").as_interval("ms"))


@op("$subtract")
def _subtract(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    return bind_vals(numbers(c, name, c.args(name, arg, 2), env, allow_dates=True),
                     lambda vs: _subtract_vals(vs[0], vs[1], arg))


def _subtract_vals(a: Val, b: Val, arg: Node) -> Val:
    if a.t.kind == "date" and b.t.kind == "date":
        return Val(T("int"), epoch_ms(a.e) - epoch_ms(b.e))
    if b.t.kind == "date":
        raise arg.error("$subtract: a date can only be subtracted from a date")
    nb = as_num(b)
    if a.t.kind == "date":
        if nb is None:
            return Val(T("date"), typed_null(dt.timestamp))
        return Val(T("date"), a.e - nb.f.round().cast("int64").as_interval("ms"))
    return combine([as_num(a), nb], operator.sub, operator.sub)


@op("$multiply")
def _multiply(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    vals = numbers(c, name, c.args(name, arg, 0, MANY), env)
    if not vals:
        return Val(T("int"), ibis.literal(1, type=dt.int64), lit=1)
    return bind_vals(vals, lambda vs: combine([as_num(v) for v in vs], lambda *xs: balanced(operator.mul, xs),
                                              lambda *xs: balanced(operator.mul, xs)))


@op("$divide")
def _divide(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    def divide(vs: list[Val]) -> Val:
        a, b = (as_num(v) for v in vs)
        if a is None or b is None:
            return null_val()
        return Val(T("float"), a.f / b.f.nullif(0))

    return bind_vals(numbers(c, name, c.args(name, arg, 2), env), divide)


def _mod(x: Any, y: Any) -> Any:
    """Remainder with the sign of the dividend (C/MongoDB), whatever the engine's own `%` convention."""
    r = x % y.nullif(0)
    return ibis.ifelse((r != 0) & ((r < 0) != (x < 0)), r - y, r)


@op("$mod")
def _mod_op(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    return bind_vals(numbers(c, name, c.args(name, arg, 2), env),
                     lambda vs: combine([as_num(v) for v in vs], _mod, _mod))


@op("$abs")
def _abs(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    (v,) = numbers(c, name, [c.one(name, arg)], env)
    return bind_val(v, lambda x: combine([as_num(x)], lambda y: y.abs(), lambda y: y.abs()))


@op("$ceil", "$floor")
def _ceil_floor(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    (v,) = numbers(c, name, [c.one(name, arg)], env)
    fn = fceil if name == "$ceil" else ffloor
    return bind_val(v, lambda x: combine([as_num(x)], lambda y: y, fn))


def round_half_even(x: Any, place: int) -> Any:
    """Round a double to `place` decimals, ties to even (as MongoDB's $round does)."""
    scale = 10.0**place
    y = x * scale if place else x
    f = ffloor(y)
    d = y - f
    r = ibis.ifelse(d > 0.5, f + 1, ibis.ifelse(d < 0.5, f, ibis.ifelse(f % 2 == 0, f, f + 1)))
    return r / scale if place else r


@op("$round")
def _round(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 1, 2)
    place = 0
    if len(nodes) == 2:
        pnode = nodes[1]
        if pnode.kind != "number" or not float(pnode.value).is_integer() or not -20 <= pnode.value <= 100:
            raise pnode.error("$round: the place must be a constant integer from -20 to 100")
        place = int(pnode.value)
    (v,) = numbers(c, name, nodes[:1], env)
    if place >= 0:
        return bind_val(v, lambda x: combine([as_num(x)], lambda y: y, lambda y: round_half_even(y, place)))
    return bind_val(v, lambda x: combine([as_num(x)], lambda y: round_half_even(y.cast("float64"), place).cast(
        "int64"), lambda y: round_half_even(y, place)))


@op("$sqrt")
def _sqrt(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    (v,) = numbers(c, name, [c.one(name, arg)], env)
    return _double(v, lambda x: ibis.ifelse(x < 0, _null(), x).sqrt())


@op("$exp")
def _exp(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    (v,) = numbers(c, name, [c.one(name, arg)], env)
    # exp() of a large number overflows in some engines; NaN passes through (it compares above 709 in DuckDB)
    return _double(v, lambda x: ibis.ifelse(~x.isnan() & (x > 709.0), float("inf"), x).exp())


@op("$ln", "$log10")
def _logs(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    (v,) = numbers(c, name, [c.one(name, arg)], env)
    if name == "$ln":
        return _double(v, lambda x: ibis.ifelse(x <= 0, _null(), x).ln())
    return _double(v, lambda x: ibis.ifelse(x <= 0, _null(), x).log10())


_TWO63 = 2.0**63


def _lit_pow(a: int | float, b: int | float, int_exp: bool) -> Val:
    """`$pow` of two constants, computed exactly where MongoDB does (int ** int constant fits in 64 bits)."""
    if isinstance(a, int) and int_exp and isinstance(b, int):
        if b >= 0:
            r = a**b if abs(a) <= 1 or b <= 63 else None  # beyond 63, only 0, 1 and -1 can fit
            if r is not None and -(2**63) <= r < 2**63:
                return const(r)
        elif a in (1, -1):
            return const(1 if a == 1 or b % 2 == 0 else -1)
        elif a == 0:
            return null_val()
    x, y = float(a), float(b)
    if x == 0 and y < 0:
        return null_val()
    if x < 0 and math.isfinite(y) and not y.is_integer():
        return const(math.nan)
    try:
        return const(math.pow(x, y))
    except OverflowError:
        return const(math.copysign(math.inf, x) if x < 0 and y.is_integer() and y % 2 else math.inf)


@op("$pow")
def _pow(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 2)
    return bind_vals(numbers(c, name, nodes, env), lambda vs: _pow_vals(vs[0], vs[1], nodes[1]))


def _pow_vals(a: Val, b: Val, exp_node: Node) -> Val:
    na, nb = as_num(a), as_num(b)
    if na is None or nb is None:
        return null_val()
    int_exp = exp_node.kind == "number" and isinstance(exp_node.value, int)
    if a.is_lit and b.is_lit:
        return _lit_pow(a.lit, b.lit, int_exp)

    def fpow(x: Any, y: Any) -> Any:
        bad = ((x == 0) & (y < 0)) | ((x < 0) & (ffloor(y) != y))
        return ibis.ifelse(bad, ibis.ifelse(x == 0, _null(), float("nan")), x.pow(y).cast("float64"))

    if not int_exp or na.is_int is False:
        return Val(T("float"), fpow(na.f, nb.f))
    # an int to a constant int power stays an int while it fits in 64 bits (exactly, not through a double);
    # beyond, it is the double (MongoDB's rule)
    k = int(exp_node.value)
    i = na.i
    f = fpow(na.f, ibis.literal(float(k)))
    if k >= 0:
        fits = (f < _TWO63) & (f >= -_TWO63)
        if k > 63:  # only 0, 1 and -1 stay in range
            exact: Any = ibis.ifelse(i == 0, 0, ibis.ifelse((i == -1) & (k % 2 == 1), -1, 1)).cast("int64")
        elif k == 0:
            exact = ibis.literal(1, type=dt.int64)
        else:
            safe = ibis.ifelse(fits, i, 1)  # never multiply out a power that overflows, whatever the engine
            exact = balanced(operator.mul, [safe] * k)
    else:
        fits = (i == 1) | (i == -1)
        exact = ibis.ifelse(i == 1, 1, 1 if k % 2 == 0 else -1).cast("int64")
    is_int = fits if na.is_int is True else (na.is_int & fits)
    tag = ibis.ifelse(f.isnull(), "null", ibis.ifelse(is_int, "int", "double"))
    return Val(T("mixed", tags=frozenset({"null", "int", "double"})), None, tag=tag,
               parts={"int": ibis.ifelse(is_int, exact, typed_null(dt.int64)), "float": f})
