"""An independent, pure-Python evaluator of the filter language, row by row.

It follows MongoDB's aggregation-expression semantics with the deviations documented in docs/filters.md
(runtime faults give null, `$toLower` of null is "", ints are 64-bit and report `$type` "int", ...). The
property tests compare the engine against it on random expressions; it shares no code with the engine.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any

__all__ = ["MISSING", "Fault", "evaluate", "mongo_cmp", "truthy", "type_name"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class Fault(Exception):
    """The expression cannot be evaluated (a static error: the engine must raise FilterError)."""


_RANK = {"missing": 1, "null": 2, "number": 3, "string": 4, "object": 5, "array": 6, "bool": 8, "date": 9}


def type_name(v: Any) -> str:
    if v is MISSING:
        return "missing"
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, _dt.datetime):
        return "date"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    raise TypeError(type(v))


def _cat(v: Any) -> str:
    t = type_name(v)
    return "number" if t in ("int", "double") else t


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _nullish(v: Any) -> bool:
    return v is None or v is MISSING


def mongo_cmp(a: Any, b: Any) -> int:
    """-1, 0 or 1 by BSON type order, then by value (NaN is the smallest number and equals itself)."""
    ca, cb = _cat(a), _cat(b)
    if ca != cb:
        return -1 if _RANK[ca] < _RANK[cb] else 1
    if ca in ("missing", "null"):
        return 0
    if ca == "number":
        na, nb = isinstance(a, float) and math.isnan(a), isinstance(b, float) and math.isnan(b)
        if na or nb:
            return 0 if na and nb else (-1 if na else 1)
        return (a > b) - (a < b)
    if ca in ("array", "object"):
        if not a and not b:  # two empty ones are equal; others are refused by the engine (docs/filters.md)
            return 0
        raise Fault("comparing arrays/objects")
    return (a > b) - (a < b)


def truthy(v: Any) -> bool:
    if _nullish(v) or v is False:
        return False
    if _is_num(v):
        return v != 0 or (isinstance(v, float) and math.isnan(v))
    return True


# ------------------------------------------------------------------------------------------------ paths
def _get_path(row: dict[str, Any], path: str, vars: dict[str, Any]) -> Any:
    if path.startswith("$$"):
        name, *rest = path[2:].split(".")
        if name not in vars:
            raise Fault(f"unknown variable {name}")
        value = vars[name]
    else:
        parts = path[1:].split(".")
        if parts[0] in ("0", "1") and len(parts) > 1:
            parts = parts[1:]
        if parts[0] not in row:
            raise Fault(f"unknown column {parts[0]}")
        value, rest = row[parts[0]], parts[1:]
    for name in rest:
        value = _field(value, name)
    return value


def _field(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return value.get(name, MISSING)
    if isinstance(value, list):
        return [v[name] for v in value if isinstance(v, dict) and name in v]
    return MISSING


# ----------------------------------------------------------------------------------------------- evaluate
def evaluate(expr: Any, row: dict[str, Any], vars: dict[str, Any] | None = None) -> Any:
    """Evaluate a Python-form expression on one row (column name -> Python value)."""
    vars = vars or {}
    if isinstance(expr, str):
        if expr.startswith("$"):
            return _get_path(row, expr, vars)
        return expr
    if isinstance(expr, list):
        return [_null_if_missing(evaluate(e, row, vars)) for e in expr]
    if isinstance(expr, dict):
        if not expr:
            return {}  # the empty object is a value
        if len(expr) != 1:
            raise Fault("object literal")
        ((name, arg),) = expr.items()
        if name == "$literal":
            return arg
        if name == "$date":
            return _dt.datetime.fromisoformat(arg.replace("Z", "+00:00")).replace(tzinfo=None)
        fn = _OPS.get(name)
        if fn is None:
            raise Fault(f"unknown operator {name}")
        return fn(arg, row, vars)
    return expr


def _null_if_missing(v: Any) -> Any:
    return None if v is MISSING else v


def _args(arg: Any) -> list[Any]:
    return arg if isinstance(arg, list) else [arg]


def _one(arg: Any) -> Any:
    if isinstance(arg, list):
        if len(arg) != 1:
            raise Fault("arity")
        return arg[0]
    return arg


def _ev_all(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> list[Any]:
    return [evaluate(a, row, vars) for a in _args(arg)]


# -------------------------------------------------------------------------------------------- comparisons
def _cmp_op(op: str):
    def run(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
        a, b = _ev_all(arg, row, vars)
        c = mongo_cmp(a, b)
        return {"$eq": c == 0, "$ne": c != 0, "$gt": c > 0, "$gte": c >= 0, "$lt": c < 0, "$lte": c <= 0,
                "$cmp": c}[op]

    return run


def _in(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    x, arr = _ev_all(arg, row, vars)
    if not isinstance(arr, list):
        return None
    return any(mongo_cmp(x, e) == 0 for e in arr)


def _and(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    return all(truthy(evaluate(a, row, vars)) for a in _args(arg))


def _or(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    return any(truthy(evaluate(a, row, vars)) for a in _args(arg))


def _not(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    return not truthy(evaluate(_one(arg), row, vars))


def _cond(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    if isinstance(arg, dict):
        arg = [arg["if"], arg["then"], arg["else"]]
    test, yes, no = arg
    return evaluate(yes if truthy(evaluate(test, row, vars)) else no, row, vars)


def _if_null(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    *firsts, last = arg
    for a in firsts:
        v = evaluate(a, row, vars)
        if not _nullish(v):
            return v
    return evaluate(last, row, vars)


def _switch(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    for b in arg["branches"]:
        if truthy(evaluate(b["case"], row, vars)):
            return evaluate(b["then"], row, vars)
    return evaluate(arg["default"], row, vars) if "default" in arg else None


# ------------------------------------------------------------------------------------------------- math
def _nums(vals: list[Any]) -> list[Any] | None:
    if any(_nullish(v) for v in vals):
        return None
    if not all(_is_num(v) for v in vals):
        return None
    return vals


def _arith(fn):
    """An int-preserving n-ary operation: int when every operand is an int."""
    def run(vals: list[Any]) -> Any:
        ns = _nums(vals)
        if ns is None:
            return None
        if all(isinstance(v, int) for v in ns):
            return fn([int(v) for v in ns])
        return float(fn([float(v) for v in ns]))

    return run


def _add(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    vals = _ev_all(arg, row, vars)
    if not vals:
        return 0
    dates = [v for v in vals if isinstance(v, _dt.datetime)]
    if dates:
        rest = _nums([v for v in vals if not isinstance(v, _dt.datetime)])
        if rest is None:
            return None
        return dates[0] + _dt.timedelta(milliseconds=round(sum(rest)))
    return _arith(_sum_plain)(vals)


def _sum_plain(xs: list[Any]) -> Any:
    total = xs[0]
    for x in xs[1:]:
        total = total + x
    return total


def _subtract(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    a, b = _ev_all(arg, row, vars)
    if isinstance(a, _dt.datetime):
        if isinstance(b, _dt.datetime):
            return (a - b) // _dt.timedelta(milliseconds=1)
        return None if _nums([b]) is None else a - _dt.timedelta(milliseconds=round(b))
    return _arith(lambda xs: xs[0] - xs[1])([a, b])


def _multiply(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    vals = _ev_all(arg, row, vars)
    if not vals:
        return 1
    return _arith(lambda xs: math.prod(xs))(vals)


def _divide(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    ns = _nums(_ev_all(arg, row, vars))
    if ns is None or ns[1] == 0:
        return None
    return float(ns[0]) / float(ns[1])


def _c_mod(x: Any, y: Any) -> Any:
    if isinstance(x, int) and isinstance(y, int):
        r = abs(x) % abs(y)
        return r if x >= 0 else -r
    if math.isinf(x) or math.isnan(x) or math.isnan(y):
        return math.nan
    if math.isinf(y):
        return float(x)
    return math.fmod(x, y)


def _mod(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    ns = _nums(_ev_all(arg, row, vars))
    if ns is None or ns[1] == 0:
        return None
    return _arith(lambda xs: _c_mod(xs[0], xs[1]))(ns)


def _unary_int_keep(fn_float):
    def run(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
        v = evaluate(_one(arg), row, vars)
        if _nums([v]) is None:
            return None
        if isinstance(v, int):
            return abs(v) if fn_float is abs else v
        return float(fn_float(v))

    return run


def _ffloor(x: float) -> float:
    return x if math.isnan(x) or math.isinf(x) else float(math.floor(x))


def _fceil(x: float) -> float:
    return x if math.isnan(x) or math.isinf(x) else float(math.ceil(x))


def _round_half_even(x: float, place: int) -> float:
    if math.isnan(x) or math.isinf(x):
        return x
    scale = 10.0**place
    y = x * scale if place else x
    f = _ffloor(y)
    d = y - f
    if d > 0.5:
        r = f + 1
    elif d < 0.5:
        r = f
    else:
        r = f if math.fmod(f, 2) == 0 else f + 1
    return r / scale if place else r


def _round(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    args = _args(arg)
    place = int(args[1]) if len(args) > 1 else 0
    v = evaluate(args[0], row, vars)
    if _nums([v]) is None:
        return None
    if isinstance(v, int):
        if place >= 0:
            return v
        return int(_round_half_even(float(v), place))
    return _round_half_even(v, place)


def _float_fn(fn, domain=lambda x: True):
    def run(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
        v = evaluate(_one(arg), row, vars)
        if _nums([v]) is None:
            return None
        x = float(v)
        if math.isnan(x):
            return x
        if not domain(x):
            return None
        return fn(x)

    return run


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(fn):
    def run(x: float) -> float:
        return math.inf if math.isinf(x) else fn(x)

    return run


def _pow(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    a_node, e_node = arg
    a, e = evaluate(a_node, row, vars), evaluate(e_node, row, vars)
    if _nums([a, e]) is None:
        return None
    x, y = float(a), float(e)
    if x == 0 and y < 0:
        return None
    # an int to an int power is the exact int while it fits in 64 bits, else the double (MongoDB's rule; the
    # engine does it for an exponent written as a constant int, documented in docs/filters.md)
    int_exp = isinstance(e_node, int) and not isinstance(e_node, bool)
    if int_exp and isinstance(a, int):
        if e >= 0 and (abs(a) <= 1 or e <= 63) and -(2**63) <= a**e < 2**63:
            return a**e
        if e < 0 and a in (1, -1):
            return 1 if a == 1 or e % 2 == 0 else -1
    if x < 0 and _ffloor(y) != y:
        return math.nan
    try:
        return math.pow(x, y)
    except OverflowError:
        return -math.inf if x < 0 and y % 2 == 1 else math.inf


# ----------------------------------------------------------------------------------------------- arrays
def _size(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    v = evaluate(_one(arg), row, vars)
    return len(v) if isinstance(v, list) else None


def _filter(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    arr = evaluate(arg["input"], row, vars)
    if not isinstance(arr, list):
        return None
    name = arg.get("as", "this")
    out = [x for x in arr if truthy(evaluate(arg["cond"], row, {**vars, name: x}))]
    if "limit" in arg:
        out = out[: int(arg["limit"])]
    return out


def _map(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    arr = evaluate(arg["input"], row, vars)
    if not isinstance(arr, list):
        return None
    name = arg.get("as", "this")
    return [_null_if_missing(evaluate(arg["in"], row, {**vars, name: x})) for x in arr]


def _reduce(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    arr = evaluate(arg["input"], row, vars)
    value = evaluate(arg["initialValue"], row, vars)
    if not isinstance(arr, list):
        return None
    for x in arr:
        value = evaluate(arg["in"], row, {**vars, "this": x, "value": value})
    return value


def _elem_at(arr: Any, i: Any) -> Any:
    if not isinstance(arr, list) or _nullish(i) or not -(2**31) <= i < 2**31:  # 32-bit indexes
        return None
    i = int(i)
    if i >= len(arr) or i < -len(arr):
        return MISSING
    return arr[i]


def _array_elem_at(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    arr, i = _ev_all(arg, row, vars)
    return _elem_at(arr, i)


def _first(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    return _elem_at(evaluate(_one(arg), row, vars), 0)


def _last(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    return _elem_at(evaluate(_one(arg), row, vars), -1)


def _slice(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    vals = _ev_all(arg, row, vars)
    arr = vals[0]
    if not isinstance(arr, list) or any(_nullish(v) for v in vals[1:]):
        return None
    n = len(arr)
    if len(vals) == 2:
        k = int(vals[1])
        return arr[max(n + k, 0):] if k < 0 else arr[: min(k, n)]
    pos, k = int(vals[1]), int(vals[2])
    if k <= 0:
        return None
    start = max(n + pos, 0) if pos < 0 else min(pos, n)
    return arr[start : min(start + k, n)]


def _concat_arrays(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    vals = _ev_all(arg, row, vars)
    if any(not isinstance(v, list) for v in vals):
        return None
    return [x for v in vals for x in v]


def _any_true(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    arr = evaluate(_one(arg), row, vars)
    return any(truthy(x) for x in arr) if isinstance(arr, list) else None


def _all_true(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    arr = evaluate(_one(arg), row, vars)
    return all(truthy(x) for x in arr) if isinstance(arr, list) else None


def _extreme(vals: list[Any], want: int) -> Any:
    vals = [v for v in vals if not _nullish(v)]
    if not vals:
        return None
    best = vals[0]
    for v in vals[1:]:
        if mongo_cmp(v, best) == want:
            best = v
    return best


def _min_max(want: int):
    def run(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
        vals = _ev_all(arg, row, vars)
        if len(vals) == 1:
            v = vals[0]
            if isinstance(v, list):
                return _extreme(v, want)
            return None if _nullish(v) else v
        return _extreme(vals, want)

    return run


def _numeric_items(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> list[Any]:
    vals = _ev_all(arg, row, vars)
    if len(vals) == 1 and isinstance(vals[0], list):
        vals = vals[0]
    return [v for v in vals if _is_num(v)]


def _sum(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    items = _numeric_items(arg, row, vars)
    if not items:
        return 0
    if all(isinstance(v, int) for v in items):
        return sum(items)
    return float(_sum_plain([float(v) for v in items]))


def _avg(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    items = _numeric_items(arg, row, vars)
    if not items:
        return None
    return float(_sum_plain([float(v) for v in items])) / len(items)


# ---------------------------------------------------------------------------------------------- strings
def _strs(vals: list[Any]) -> list[str] | None:
    if any(not isinstance(v, str) for v in vals):
        return None
    return vals


def _concat(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    vals = _strs(_ev_all(arg, row, vars))
    return None if vals is None else "".join(vals)


def _case(fn):
    """$toLower/$toUpper: null gives "", numbers and dates are converted to text first (MongoDB's coercion)."""
    def run(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
        v = evaluate(_one(arg), row, vars)
        if _nullish(v):
            return ""
        if (_is_num(v) or isinstance(v, _dt.datetime)) and not isinstance(v, bool):
            v = _to_string(v, row, vars)
        return fn(v) if isinstance(v, str) else None

    return run


def _strlen(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    v = evaluate(_one(arg), row, vars)
    return len(v) if isinstance(v, str) else None


def _substr(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    s, start, count = _ev_all(arg, row, vars)
    if _nullish(s):
        return ""
    if not isinstance(s, str):
        return None
    if _nullish(start) or _nullish(count):
        return None
    start, count = int(start), int(count)
    if start < 0 or count < 0:
        return None
    return s[start : start + count]


def _regex(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    """$regexMatch: the regex is any expression; a null or missing input or regex matches nothing."""
    s, pattern = evaluate(arg["input"], row, vars), evaluate(arg["regex"], row, vars)
    if not isinstance(s, str) or not isinstance(pattern, str):
        return False
    flags = 0
    for o in arg.get("options") or "":
        flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[o]
    return re.search(pattern, s, flags) is not None


def _index_of(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    vals = _ev_all(arg, row, vars)
    if any(_nullish(v) for v in vals):
        return None
    s, sub = vals[0], vals[1]
    if not isinstance(s, str) or not isinstance(sub, str):
        return None
    start = int(vals[2]) if len(vals) > 2 else 0
    end = int(vals[3]) if len(vals) > 3 else len(s)
    if start > len(s) or start > end:
        return -1
    return s.find(sub, start, max(end, start))


def _split(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    s, d = _ev_all(arg, row, vars)
    if not isinstance(s, str) or not isinstance(d, str) or d == "":
        return None
    return s.split(d)


# ------------------------------------------------------------------------------------------------ types
def _type(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    return type_name(evaluate(_one(arg), row, vars))


def _is_number(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    return _is_num(evaluate(_one(arg), row, vars))


def _float_text(f: float) -> str:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if f == math.floor(f) and abs(f) < 1e15:
        return str(int(f))
    return repr(f)


def _to_string(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    v = evaluate(_one(arg), row, vars)
    if _nullish(v):
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _float_text(v)
    if isinstance(v, str):
        return v
    if isinstance(v, _dt.datetime):
        return v.strftime("%Y-%m-%dT%H:%M:%S.") + f"{v.microsecond // 1000:03d}Z"
    raise Fault("toString of a nested value")


_FLOAT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$")
_INT_RE = re.compile(r"^[+-]?[0-9]+$")


def _to_double(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    v = evaluate(_one(arg), row, vars)
    if _nullish(v):
        return None
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if _is_num(v):
        return float(v)
    if isinstance(v, str):
        return float(v) if _FLOAT_RE.match(v) else None
    if isinstance(v, _dt.datetime):
        return float((v - _dt.datetime(1970, 1, 1)) // _dt.timedelta(milliseconds=1))
    return None


def _to_int(arg: Any, row: dict[str, Any], vars: dict[str, Any]) -> Any:
    v = evaluate(_one(arg), row, vars)
    if _nullish(v):
        return None
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        if math.isnan(v) or abs(v) >= 9.223372036854775e18:
            return None
        return int(v)
    if isinstance(v, str):
        if not _INT_RE.match(v):
            return None
        n = int(v)
        return n if -(2**63) <= n < 2**63 else None
    return None


_OPS = {
    **{op: _cmp_op(op) for op in ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$cmp")},
    "$in": _in, "$and": _and, "$or": _or, "$not": _not, "$cond": _cond, "$ifNull": _if_null, "$switch": _switch,
    "$add": _add, "$subtract": _subtract, "$multiply": _multiply, "$divide": _divide, "$mod": _mod,
    "$abs": _unary_int_keep(abs), "$ceil": _unary_int_keep(_fceil), "$floor": _unary_int_keep(_ffloor),
    "$round": _round,
    "$sqrt": _float_fn(lambda x: x if math.isinf(x) else math.sqrt(x), lambda x: x >= 0),
    "$exp": _float_fn(_exp),
    "$ln": _float_fn(_log(math.log), lambda x: x > 0), "$log10": _float_fn(_log(math.log10), lambda x: x > 0),
    "$pow": _pow,
    "$size": _size, "$filter": _filter, "$map": _map, "$reduce": _reduce, "$arrayElemAt": _array_elem_at,
    "$first": _first, "$last": _last, "$slice": _slice, "$concatArrays": _concat_arrays,
    "$anyElementTrue": _any_true, "$allElementsTrue": _all_true,
    "$min": _min_max(-1), "$max": _min_max(1), "$sum": _sum, "$avg": _avg,
    "$concat": _concat, "$toLower": _case(lambda s: s.lower()), "$toUpper": _case(lambda s: s.upper()),
    "$strLenCP": _strlen, "$substrCP": _substr, "$regexMatch": _regex, "$indexOfCP": _index_of, "$split": _split,
    "$type": _type, "$isNumber": _is_number, "$toString": _to_string, "$toDouble": _to_double, "$toInt": _to_int,
}
