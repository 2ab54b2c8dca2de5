"""MongoDB value semantics on top of SQL: type order, missing vs null, truthiness, comparisons.

SQL comparisons return NULL when a side is NULL and order NaN differently per engine; MongoDB compares any two
values by BSON type order (missing < null < numbers < strings < objects < arrays < bools < dates) and treats NaN
as the smallest number, equal to itself. Everything here builds engine-neutral Ibis expressions with those rules.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

import ibis
import ibis.common.graph
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from ._values import MIXED_PARTS, STRUCT_FIELD, TAG_OF_KIND, T, Val, ibis_type, let, null_val, typed_null

__all__ = [
    "INT32_MAX",
    "INT32_MIN",
    "LEFT_RUN",
    "RANK",
    "Unsupported",
    "all_of",
    "any_of",
    "as_bool",
    "as_mixed",
    "balanced",
    "bind",
    "bind_val",
    "bind_vals",
    "cases_val",
    "compare",
    "costly",
    "epoch_ms",
    "expr_size",
    "ifelse_val",
    "imax",
    "imin",
    "is_null",
    "keeps_row_order",
    "lit_truth",
    "member",
    "mixed_from_struct",
    "mixed_to_struct",
    "null_like",
    "num_part",
    "one_of",
    "out_expr",
    "rank",
    "truthy",
    "unify",
]

RANK = {"missing": 1, "null": 2, "number": 3, "str": 4, "object": 5, "array": 6, "bool": 8, "date": 9}
CAT_OF_KIND = {"int": "number", "float": "number", "str": "str", "object": "object", "array": "array",
               "bool": "bool", "date": "date"}
CAT_OF_TAG = {"int": "number", "double": "number", "string": "str", "object": "object", "array": "array",
              "bool": "bool", "date": "date"}
PART_TYPE = {"bool": dt.boolean, "int": dt.int64, "float": dt.float64, "str": dt.string, "date": dt.timestamp,
             "json": dt.string}
OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "cmp")


class Unsupported(Exception):
    """A construct the compiler cannot express; the compiler turns it into a located FilterError."""


#: indexes, positions and counts are 32-bit in MongoDB
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
#: up to this many operands are combined left to right, as MongoDB evaluates them (float rounding and overflow
#: follow MongoDB's order); longer lists are combined as a balanced tree of such runs
LEFT_RUN = 16


def balanced(fn: Callable[[Any, Any], Any], items: Sequence[Any]) -> Any:
    """`fn` folded over `items` (in order) with depth ~16 + log2(n) instead of n.

    A left-deep reduce of thousands of operands makes an expression thousands of levels deep, which overflows the
    recursion of Ibis's and SQL generators' tree walks (a `$in` list of 1,000 ids used to raise RecursionError).
    """
    items = list(items)
    if not items:
        raise ValueError("balanced() of nothing")
    runs = [reduce(fn, items[i:i + LEFT_RUN]) for i in range(0, len(items), LEFT_RUN)]
    while len(runs) > 1:
        pairs = [fn(runs[i], runs[i + 1]) for i in range(0, len(runs) - 1, 2)]
        if len(runs) % 2:
            pairs.append(runs[-1])
        runs = pairs
    return runs[0]


def any_of(tests: Sequence[Any]) -> Any:
    """OR of boolean expressions (Python bools folded away): True, False or an expression."""
    if any(t is True for t in tests):
        return True
    live = [t for t in tests if t is not False]
    return balanced(operator.or_, live) if live else False


def all_of(tests: Sequence[Any]) -> Any:
    """AND of boolean expressions (Python bools folded away): True, False or an expression."""
    if any(t is False for t in tests):
        return False
    live = [t for t in tests if t is not True]
    return balanced(operator.and_, live) if live else True


# --------------------------------------------------------------------------------------------------- basics
def is_null(v: Val) -> Any:
    """True where the value is null or missing (a Python bool when known statically)."""
    if v.t.kind == "null":
        return True
    if v.t.kind == "mixed":
        return v.tag == "null"
    if v.is_lit:
        return v.lit is None  # a null constant typed like its neighbours by `unify`
    return v.e.isnull()


def as_bool(v: Val) -> ir.BooleanValue:
    """A boolean value with NULL (standing for false) replaced by false."""
    return v.e.fill_null(False) if v.falsy_null else v.e


def num_part(v: Val) -> ir.NumericValue:
    """The numeric value of a mixed value (as double), NULL when it is not a number."""
    i, f = v.parts.get("int"), v.parts.get("float")
    if i is not None and f is not None:
        return ibis.ifelse(v.tag == "int", i.cast("float64"), f)
    if f is not None:
        return f
    if i is not None:
        return i.cast("float64")
    return typed_null(dt.float64)


def truthy(v: Val) -> ir.BooleanValue:
    """MongoDB truthiness (false, null, missing and 0 are false; everything else, NaN included, is true)."""
    k = v.t.kind
    if k == "null":
        return ibis.literal(False)
    if v.is_lit:
        return ibis.literal(lit_truth(v))
    if k == "bool":
        return v.e.fill_null(False)
    if k in ("int", "float"):
        return (v.e != 0).fill_null(False)
    if k == "mixed":
        if costly(v):
            return bind(v, truthy)
        branches: list[tuple[Any, Any]] = [(v.tag == "null", False)]
        if "bool" in v.parts:
            branches.append((v.tag == "bool", v.parts["bool"].fill_null(False)))
        if "int" in v.parts or "float" in v.parts:
            branches.append((one_of(v.tag, ["int", "double"]), (num_part(v) != 0).fill_null(False)))
        return ibis.cases(*branches, else_=True)
    return v.e.notnull()


def lit_truth(v: Val) -> bool:
    """MongoDB truthiness of a constant."""
    if v.lit is None or v.missing is True:
        return False
    if isinstance(v.lit, (bool, int, float)):
        return v.lit != 0 or v.lit != v.lit
    return True


def rank(v: Val) -> Any:
    """BSON type-order rank of the value: a Python int when static, else an integer expression."""
    k = v.t.kind
    if k == "null" or (v.is_lit and v.lit is None):
        base: Any = RANK["null"]
    elif k == "mixed":
        base = v.tag.cases(*[(tag, RANK[cat]) for tag, cat in CAT_OF_TAG.items()], else_=RANK["null"])
    elif v.is_lit:
        base = RANK[CAT_OF_KIND[k]]
    else:
        base = ibis.ifelse(v.e.isnull(), RANK["null"], RANK[CAT_OF_KIND[k]])
    if v.missing is False:
        return base
    if v.missing is True:
        return RANK["missing"]
    return ibis.ifelse(v.missing, RANK["missing"], base)


# ------------------------------------------------------------------------------------------------- compare
@dataclass(frozen=True)
class _Part:
    """One comparable facet of a value: where it applies (`cond`), its expression and whether it may be NaN."""

    cond: Any  # True or a boolean expression
    e: Any
    is_float: bool
    lit: Any = None
    has_lit: bool = False


def _cats(v: Val) -> dict[str, _Part]:
    k = v.t.kind
    if k == "null" or (v.is_lit and v.lit is None):
        return {}
    if k == "mixed":
        out: dict[str, _Part] = {}
        if "int" in v.parts or "float" in v.parts:
            out["number"] = _Part(one_of(v.tag, ["int", "double"]), num_part(v), "float" in v.parts)
        for tag, part in (("string", "str"), ("bool", "bool"), ("date", "date"), ("array", "json"),
                          ("object", "json")):
            if part in v.parts and tag in v.t.tags:
                out[CAT_OF_TAG[tag] + ("-json" if part == "json" else "")] = _Part(v.tag == tag, v.parts[part],
                                                                                   False)
        return out
    cond = True if v.is_lit else v.e.notnull()
    return {CAT_OF_KIND[k]: _Part(cond, v.e, k == "float", v.lit, v.is_lit)}


def _fold_and(a: Any, b: Any) -> Any:
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def _isnan(p: _Part) -> Any:
    if not p.is_float:
        return False
    if p.has_lit:
        return p.lit != p.lit
    return p.e.isnan()


def _num_cmp(op: str, a: _Part, b: _Part) -> Any:
    """NaN-aware numeric comparison (NaN equals NaN and is below every other number); NULL if a side is NULL."""
    na, nb = _isnan(a), _isnan(b)
    if na is False and nb is False and op != "cmp":  # no NaN possible: plain SQL
        return {"eq": a.e == b.e, "ne": a.e != b.e, "gt": a.e > b.e, "gte": a.e >= b.e, "lt": a.e < b.e,
                "lte": a.e <= b.e}[op]
    if op in ("ne", "gte", "lte"):
        inner = _num_cmp({"ne": "eq", "gte": "lt", "lte": "gt"}[op], a, b)
        return (not inner) if isinstance(inner, bool) else ~inner
    if op == "cmp":
        return _cmp3(_num_cmp("lt", a, b), _num_cmp("eq", a, b), a, b)
    sql = {"eq": a.e == b.e, "gt": a.e > b.e, "lt": a.e < b.e}[op]
    if na is False and nb is False:
        return sql
    if isinstance(na, bool) and isinstance(nb, bool):  # one side is a NaN literal
        if op == "eq":
            return na and nb
        return (not na) and nb if op == "gt" else na and not nb
    if isinstance(nb, bool):  # b is a literal or an int
        if nb:  # b is NaN
            return {"eq": na, "gt": ~na, "lt": False}[op] if not isinstance(na, bool) else False
        return {"eq": sql, "gt": sql & ~na, "lt": sql | na}[op]
    if isinstance(na, bool):
        if na:
            return {"eq": nb, "gt": False, "lt": ~nb}[op]
        return {"eq": sql, "gt": sql | nb, "lt": sql & ~nb}[op]
    either = na | nb
    return {"eq": ibis.ifelse(either, na & nb, sql), "gt": ibis.ifelse(either, ~na & nb, sql),
            "lt": ibis.ifelse(either, na & ~nb, sql)}[op]


def _cmp3(lt: Any, eq: Any, a: _Part, b: _Part) -> Any:
    """-1/0/1 from `lt` and `eq`, NULL when a side is NULL (like the SQL comparisons it stands beside)."""
    if isinstance(lt, bool) and isinstance(eq, bool):
        return -1 if lt else (0 if eq else 1)
    c = ibis.ifelse(lt, -1, ibis.ifelse(eq, 0, 1))
    nulls = [p.e.isnull() for p in (a, b) if not p.has_lit]
    if nulls:
        c = ibis.ifelse(reduce(operator.or_, nulls), typed_null(dt.int64), c)
    return c


def _typed_cmp(op: str, cat: str, a: _Part, b: _Part) -> Any:
    if cat == "number":
        return _num_cmp(op, a, b)
    if cat in ("array", "object"):
        raise Unsupported(f"comparing two {cat}s is not supported; compare their elements, fields or $size")
    if cat.endswith("-json"):  # arrays/objects of mixed values: by their JSON text, written one way by the engine
        a, b = _Part(a.cond, json_text(a.e), False), _Part(b.cond, json_text(b.e), False)
    if op == "cmp":
        return _cmp3(a.e < b.e, a.e == b.e, a, b)
    return {"eq": a.e == b.e, "ne": a.e != b.e, "gt": a.e > b.e, "gte": a.e >= b.e, "lt": a.e < b.e,
            "lte": a.e <= b.e}[op]


def _sign_op(op: str, s: int) -> Any:
    return {"eq": s == 0, "ne": s != 0, "gt": s > 0, "gte": s >= 0, "lt": s < 0, "lte": s <= 0, "cmp": s}[op]


def _rank_op(op: str, ra: Any, rb: Any) -> Any:
    if isinstance(ra, int) and isinstance(rb, int):
        return _sign_op(op, (ra > rb) - (ra < rb))
    if op == "cmp":
        return ibis.ifelse(ra < rb, -1, ibis.ifelse(ra == rb, 0, 1))
    return {"eq": ra == rb, "ne": ra != rb, "gt": ra > rb, "gte": ra >= rb, "lt": ra < rb, "lte": ra <= rb}[op]


def _result(op: str, e: Any, falsy_null: bool = False) -> Val:
    if op == "cmp":
        return Val(T("int"), e if not isinstance(e, int) else ibis.literal(e, type=dt.int64))
    if isinstance(e, bool):
        return Val(T("bool"), ibis.literal(e), lit=e)
    return Val(T("bool"), e, falsy_null=falsy_null)


def compare(op: str, a: Val, b: Val) -> Val:
    """`$eq`..`$cmp` with MongoDB semantics: never NULL (a NULL here stands for false, see `falsy_null`)."""
    for v in (a, b):
        if costly(v):  # compute it once: the comparison reads its tag and parts many times
            def body(x: Val, v: Val = v) -> Any:
                c = compare(op, x, b) if v is a else compare(op, a, x)
                if c.is_lit:
                    return ibis.literal(c.lit, type=dt.int64 if op == "cmp" else dt.boolean)
                return c.e if op == "cmp" else as_bool(c)

            return _result(op, bind(v, body))
    return _compare(op, a, b)


def _compare(op: str, a: Val, b: Val) -> Val:
    if (a.t.kind == "mixed") != (b.t.kind == "mixed"):  # an array/object against a mixed value: both as JSON
        if a.t.kind in ("array", "object"):
            a = as_mixed(a)
        elif b.t.kind in ("array", "object"):
            b = as_mixed(b)
    ca, cb = _cats(a), _cats(b)
    if a.t.kind != "mixed" and b.t.kind != "mixed" and len(ca) == 1 and ca.keys() == cb.keys():
        (cat,) = ca
        pa, pb = ca[cat], cb[cat]
        sql = _typed_cmp(op, cat, pa, pb)
        if a.is_lit and b.is_lit:
            return _result(op, sql)
        if isinstance(sql, (bool, int)):  # decided by the values' types, unless a side is null
            nulls = [v.e.isnull() for v in (a, b) if not v.is_lit]
            typ = dt.int64 if op == "cmp" else dt.boolean
            sql = ibis.ifelse(reduce(operator.or_, nulls), typed_null(typ), ibis.literal(sql, type=typ))
        if (b.is_lit and a.missing is False) or b.is_lit:
            fallback: Any = _sign_op(op, -1)
        elif a.is_lit:
            fallback = _sign_op(op, 1)
        else:
            fallback = _rank_op(op, rank(a), rank(b))
        if fallback is False:
            return _result(op, sql, falsy_null=True)
        return _result(op, sql.fill_null(fallback))
    ra, rb = rank(a), rank(b)
    common = [c for c in ca if c in cb]
    if not common:
        return _result(op, _rank_op(op, ra, rb))
    within: Any = ibis.literal(0, type=dt.int8)
    for cat in common:
        cond = _fold_and(ca[cat].cond, cb[cat].cond)
        c3 = _typed_cmp("cmp", cat, ca[cat], cb[cat])
        within = c3 if cond is True else ibis.ifelse(cond, c3, within)
    if isinstance(ra, int) and isinstance(rb, int) and ra == rb:
        cmp3 = within
    else:
        cmp3 = ibis.ifelse(ra == rb, within, ibis.ifelse(ra < rb, -1, 1))
    if op == "cmp":
        return _result(op, cmp3.cast("int64"))
    return _result(op, _sign_op_expr(op, cmp3))


def _sign_op_expr(op: str, c: Any) -> Any:
    return {"eq": c == 0, "ne": c != 0, "gt": c > 0, "gte": c >= 0, "lt": c < 0, "lte": c <= 0}[op]


# ------------------------------------------------------------------------------------------- mixed values
def mixed_from_struct(s: ir.StructValue, missing: Any = False, tags: frozenset[str] | None = None) -> Val:
    """A mixed value read from a variant struct (docs/storage.md)."""
    names = set(s.type().names)
    parts = {part: s[field] for part, field in STRUCT_FIELD.items() if field in names}
    tag = s["type"].fill_null("null") if "type" in names else ibis.literal("null")
    all_tags = frozenset(("null", *(t for t, p in MIXED_PARTS.items() if p in parts)))
    return Val(T("mixed", tags=tags or all_tags), None, missing=missing, tag=tag, parts=parts)


def mixed_to_struct(v: Val) -> ir.StructValue:
    """The variant struct of a mixed value (for arrays of mixed values and for output)."""
    v = as_mixed(v)
    if v.e is not None:  # computed as a whole already
        return v.e
    fields: dict[str, Any] = {"type": v.tag}
    for part, field in STRUCT_FIELD.items():
        fields[field] = v.parts[part] if part in v.parts else typed_null(PART_TYPE[part])
    return ibis.struct(fields)


def as_mixed(v: Val) -> Val:
    """The same value as a mixed value (tag + parts)."""
    if v.t.kind == "mixed":
        return v
    k = v.t.kind
    if k == "null":
        return Val(T("mixed", tags=frozenset({"null"})), None, missing=v.missing, tag=ibis.literal("null"))
    if k in ("array", "object"):  # held as JSON text, as a mixed column holds them
        if v.t.view:
            raise Unsupported(f"{_an(v.t.describe())} cannot be combined with values of other types here")
        tag = ibis.ifelse(v.e.isnull(), "null", k)
        return Val(T("mixed", tags=frozenset({"null", k})), None, missing=v.missing, tag=tag,
                   parts={"json": json_text(v.e)})
    if k not in PART_TYPE:
        raise Unsupported(f"{_an(v.t.describe())} cannot be combined with values of other types here")
    e = as_bool(v) if k == "bool" else v.e
    if v.is_lit and v.lit is None:
        tag = ibis.literal("null")
    else:
        tag = ibis.literal(TAG_OF_KIND[k]) if v.is_lit else ibis.ifelse(e.isnull(), "null", TAG_OF_KIND[k])
    return Val(T("mixed", tags=frozenset({"null", TAG_OF_KIND[k]})), None, missing=v.missing, tag=tag,
               parts={k: e})


def json_text(e: Any) -> Any:
    """An array or object (or JSON text) as JSON text in the engine's own spelling, so equal values compare equal."""
    return e.cast(dt.json).cast(dt.string)


def _an(what: str) -> str:
    return ("an " if what[:1] in "aeiou" else "a ") + what


def ifelse_val(cond: Any, a: Val, b: Val) -> Val:
    """`cond ? a : b` on values of one unified type (see `unify`)."""
    missing: Any
    if a.missing is False and b.missing is False:
        missing = False
    else:
        missing = ibis.ifelse(cond, _missing_expr(a), _missing_expr(b))
    if a.t.kind == "mixed":
        parts = {}
        for p in sorted(set(a.parts) | set(b.parts)):
            pa = a.parts.get(p, typed_null(PART_TYPE[p]))
            pb = b.parts.get(p, typed_null(PART_TYPE[p]))
            parts[p] = ibis.ifelse(cond, pa, pb)
        return Val(T("mixed", tags=a.t.tags | b.t.tags), None, missing=missing,
                   tag=ibis.ifelse(cond, a.tag, b.tag), parts=parts)
    ea = as_bool(a) if a.falsy_null else a.e
    eb = as_bool(b) if b.falsy_null else b.e
    return Val(a.t, ibis.ifelse(cond, ea, eb), missing=missing)


def cases_val(branches: Sequence[tuple[Any, Val]], default: Val) -> Val:
    """`CASE WHEN c1 THEN v1 ... ELSE default END` on values of one unified type: one flat CASE, however many
    branches (nested `ifelse`s thousands deep overflow SQL generators)."""
    branches = [(c, v) for c, v in branches if c is not False]
    for i, (c, v) in enumerate(branches):
        if c is True:  # later branches can never be taken
            branches, default = branches[:i], v
            break
    if not branches:
        return default
    vals = [v for _, v in branches] + [default]
    conds = [c if not isinstance(c, bool) else ibis.literal(c) for c, _ in branches]

    def case(exprs: Sequence[Any]) -> Any:
        return ibis.cases(*zip(conds, exprs[:-1]), else_=exprs[-1])

    live = any(v.missing is not False for v in vals)
    missing: Any = case([_missing_expr(v) for v in vals]) if live else False
    if default.t.kind == "null":
        return Val(T("null"), ibis.null(), missing=missing, lit=None)
    if default.t.kind == "mixed":
        parts = {}
        for p in sorted(set().union(*(v.parts for v in vals))):
            parts[p] = case([v.parts.get(p, typed_null(PART_TYPE[p])) for v in vals])
        tags = frozenset().union(*(v.t.tags for v in vals))
        return Val(T("mixed", tags=tags), None, missing=missing, tag=case([v.tag for v in vals]), parts=parts)
    return Val(default.t, case([as_bool(v) if v.falsy_null else v.e for v in vals]), missing=missing)


def _missing_expr(v: Val) -> Any:
    if v.missing is False:
        return ibis.literal(False)
    if v.missing is True:
        return ibis.literal(True)
    return v.missing


def unify(vals: Sequence[Val]) -> list[Val]:
    """Bring values to one static type: nulls take the others' type; several scalar types become mixed."""
    kinds = {v.t.kind for v in vals} - {"null"}
    if not kinds:
        return list(vals)
    if len(kinds) == 1 and "mixed" not in kinds:
        types = {v.t for v in vals if v.t.kind != "null"}
        if len(types) > 1 and kinds == {"array"}:  # an empty array literal takes the others' element type
            typed = {t for t in types if t.elem is not None and t.elem.kind != "null"}
            if len(typed) == 1:
                (typ,) = typed
                return [v if v.t == typ or v.t.kind == "null" else Val(typ, v.e.cast(ibis_type(typ)),
                                                                       missing=v.missing) for v in unify_nulls(
                    vals, typ)]
        if len(types) > 1:
            raise Unsupported("these values are arrays or objects of different shapes and cannot be combined")
        (typ,) = types
        try:
            ityp = ibis_type(typ)
        except TypeError as exc:
            raise Unsupported(f"values of type {typ.describe()} cannot be combined here") from exc
        return [v if v.t.kind != "null" else Val(typ, typed_null(ityp), missing=v.missing, lit=None) for v in vals]
    mixed = [as_mixed(v) for v in vals]
    tags = frozenset().union(*(m.t.tags for m in mixed))
    return [m.but(t=T("mixed", tags=tags)) for m in mixed]


def unify_nulls(vals: Sequence[Val], typ: T) -> list[Val]:
    """Null values typed as `typ`."""
    return [v if v.t.kind != "null" else Val(typ, typed_null(ibis_type(typ)), missing=v.missing, lit=None)
            for v in vals]


def imax(a: Any, b: Any) -> Any:
    """max of two numbers as a CASE (some engines lack GREATEST over columns)."""
    return ibis.ifelse(a >= b, a, b)


def imin(a: Any, b: Any) -> Any:
    """min of two numbers as a CASE."""
    return ibis.ifelse(a <= b, a, b)


def epoch_ms(d: Any) -> Any:
    """Milliseconds since 1970 of a timestamp, with operations every engine has."""
    return d.epoch_seconds().floor().cast("int64") * 1000 + d.millisecond().cast("int64")


def out_expr(v: Val) -> ir.Value:
    """The value as one Ibis expression: comparisons forced to two values, mixed values as a variant struct."""
    if v.t.kind == "mixed":
        return mixed_to_struct(v)
    if v.t.kind == "bool":
        return as_bool(v)
    return v.e


def null_like(v: Val) -> Val:
    """A NULL of the same static type (used for runtime faults, which MongoDB reports as errors)."""
    if v.t.kind == "mixed":
        return as_mixed(null_val())
    try:
        return Val(v.t, typed_null(ibis_type(v.t)))
    except TypeError:
        return null_val()


# ------------------------------------------------------------------------------------------- membership
#: literal `$in` lists up to this long are written as `x = a OR x = b ...`: DuckDB runs an `IN` list as a join,
#: which gives up the file order of the rows (see `keeps_row_order`), and a few equalities cost nothing
SHORT_IN = 8
#: literal `$in` lists up to this long are written into the SQL (`x IN (1, 2, 3)`); longer ones are scanned as a
#: small in-memory table (`x IN (SELECT v FROM t)`), which the engine hashes: SQL text and parse time stay small
INLINE_IN = 256
_INT64 = (-(2**63), 2**63 - 1)


def scalar_key(x: Any) -> tuple[str, Any]:
    """A constant's MongoDB equality class: (category, value) with ints and doubles equal by value, NaN == NaN."""
    if x is None:
        return ("null", None)
    if isinstance(x, bool):
        return ("bool", x)
    if isinstance(x, float) and x != x:
        return ("number", "nan")
    if isinstance(x, (int, float)):
        return ("number", x)
    if isinstance(x, str):
        return ("str", x)
    return ("date", x)


def member(needle: Val, items: Sequence[Any], in_lambda: bool = False) -> Val:
    """Whether `needle` equals one of the constant scalars `items` (None, bool, int, float, str, datetime), with
    MongoDB's equality: numbers by value across int and double, NaN equal to NaN, null equal to null but not to
    missing, values of different types never equal.

    The test is a set membership per type (`x IN (...)`), never a chain of comparisons, so 100,000 ids cost one
    hash lookup per row. Inside `$filter`/`$map` bodies (`in_lambda`), where engines allow no sub-query, long
    lists are searched as an array constant instead.
    """
    keys = dict.fromkeys(scalar_key(x) for x in items)
    not_missing: Any = True if needle.missing is False else (False if needle.missing is True else ~needle.missing)
    if needle.is_lit and needle.t.kind in ("null", "bool", "int", "float", "str", "date"):
        return _or_val([_and_expr(not_missing, scalar_key(needle.lit) in keys)])
    ints = [v for c, v in keys if c == "number" and isinstance(v, int)]
    floats = [v for c, v in keys if c == "number" and isinstance(v, float)]
    has_nan = ("number", "nan") in keys
    by_cat = {cat: [v for c, v in keys if c == cat] for cat in ("str", "bool", "date")}
    as_int = ints + [int(f) for f in floats if f.is_integer() and _INT64[0] <= f <= _INT64[1]]
    as_float = floats + [float(i) for i in ints if float(i) == i]

    def isin(e: Any, values: list[Any], typ: dt.DataType) -> Any:
        if not values:
            return False
        values = list(dict.fromkeys(values))
        if len(values) <= SHORT_IN:
            return one_of(e, [ibis.literal(v, type=typ) for v in values])
        if len(values) <= INLINE_IN:
            return e.isin([ibis.literal(v, type=typ) for v in values])
        if in_lambda:
            return ibis.literal(values, type=dt.Array(typ)).contains(e)
        table = ibis.memtable(pa.table({"v": pa.array(values, type=typ.to_pyarrow())}))
        return e.isin(table["v"])

    tests: list[Any] = []
    k = needle.t.kind
    if k == "mixed":
        tag, parts = needle.tag, needle.parts
        if "int" in parts:
            tests.append(_and_expr(tag == "int", isin(parts["int"], as_int, dt.int64)))
        if "float" in parts:
            tests.append(_and_expr(tag == "double", isin(parts["float"], as_float, dt.float64)))
            if has_nan:
                tests.append((tag == "double") & parts["float"].isnan())
        for cat, part, tname, typ in (("str", "str", "string", dt.string), ("bool", "bool", "bool", dt.boolean),
                                      ("date", "date", "date", dt.timestamp)):
            if part in parts:
                tests.append(_and_expr(tag == tname, isin(parts[part], by_cat[cat], typ)))
        if ("null", None) in keys:
            tests.append(_and_expr(tag == "null", not_missing))
        return _or_val(tests)
    if k == "null":
        return _or_val([_and_expr(not_missing, ("null", None) in keys)])
    e = as_bool(needle) if k == "bool" else needle.e
    if k == "int":
        tests.append(isin(e, as_int, dt.int64))
    elif k == "float":
        tests.append(isin(e, as_float, dt.float64))
        if has_nan:
            tests.append(e.isnan())
    elif k in ("str", "bool", "date"):
        tests.append(isin(e, by_cat[k], {"str": dt.string, "bool": dt.boolean, "date": dt.timestamp}[k]))
    if ("null", None) in keys:
        tests.append(_and_expr(e.isnull(), not_missing))
    return _or_val(tests)


def _and_expr(a: Any, b: Any) -> Any:
    if a is False or b is False:
        return False
    if a is True:
        return b
    if b is True:
        return a
    return a & b


def _bool_val(b: bool) -> Val:
    return Val(T("bool"), ibis.literal(b), lit=b)


def _or_val(tests: Sequence[Any]) -> Val:
    """The OR of membership tests whose NULL means false (`x IN (...)` is NULL for a NULL x)."""
    e = any_of(tests)
    if isinstance(e, bool):
        return _bool_val(e)
    return Val(T("bool"), e, falsy_null=True)


# ------------------------------------------------------------------------------------- computed once
#: Ibis operations whose SQL writes an operand more than once (up to three times): counted that often
_REPEATING = frozenset({"ArrayConcat", "ArrayIndex", "ArraySlice", "ArrayPosition", "Substring", "StringSlice",
                        "StringFind", "Log", "Clip"})


def expr_size(exprs: Sequence[Any], cap: int) -> int:
    """How many operations the SQL of `exprs` holds, each shared sub-expression counted every time it is written
    out (Ibis shares them; SQL text repeats them). Linear in the Ibis graph; counts stop growing at `cap`."""
    sizes: dict[Any, int] = {}
    total = 0
    for root in exprs:
        if not isinstance(root, ir.Expr):
            continue
        stack = [(root.op(), False)]
        while stack:
            node, expanded = stack.pop()
            if node in sizes:
                continue
            kids = [] if isinstance(node, ops.Relation) else [k for k in node.__children__ if isinstance(k, ops.Node)]
            if expanded or not kids:
                weight = 3 if type(node).__name__ in _REPEATING else 1
                sizes[node] = min(1 + weight * sum(sizes[k] for k in kids), cap)
                continue
            stack.append((node, True))
            stack.extend((k, False) for k in kids if k not in sizes)
        total = min(total + sizes[root.op()], cap)
    return total


#: a mixed value whose tag and parts hold more operations than this is computed once per row before it is
#: used many times (comparisons read the tag and parts a dozen times)
_CHEAP = 48


def costly(v: Val) -> bool:
    """Whether a mixed value is costly to repeat: its tag and parts hold more than a few operations."""
    return v.t.kind == "mixed" and expr_size([v.tag, *v.parts.values()], _CHEAP + 1) > _CHEAP


def bind(v: Val, fn: Callable[[Val], Any]) -> Any:
    """`fn(v)` (an expression) with the mixed value `v` computed once per row, not once per use (see `let`)."""
    whole = mixed_to_struct(v)
    if isinstance(v.missing, bool):
        return let(whole, lambda x: fn(mixed_from_struct(x, v.missing, v.t.tags)))
    return let(ibis.struct({"v": whole, "m": v.missing}),
               lambda x: fn(mixed_from_struct(x["v"], x["m"], v.t.tags)))


def one_of(e: Any, values: Sequence[Any]) -> Any:
    """`e` equals one of `values`, as equalities joined by OR (an `IN` list may reorder rows, see above)."""
    return balanced(operator.or_, [e == v for v in values])


def keeps_row_order(expr: Any) -> bool:
    """Whether a filter keeps the rows in scan order on an engine that streams them (DuckDB): a set membership
    (`IN` list or sub-query) runs as a join, after which rows come back in any order, so pages need an ORDER BY."""
    graph = ibis.common.graph.Graph.from_bfs(expr.op())
    return not any(isinstance(node, (ops.InValues, ops.InSubquery)) for node in graph)


def bind_val(v: Val, fn: Callable[[Val], Val]) -> Val:
    """`fn(v)` with a costly mixed `v` computed once per row: the result is read from one bound expression."""
    if not costly(v):
        return fn(v)
    seen: list[Val] = []

    def body(x: Val) -> Any:
        out = fn(x)
        seen.append(out)
        value = out_expr(out) if out.t.kind != "null" else typed_null(dt.int64)
        return value if isinstance(out.missing, bool) else ibis.struct({"v": value, "m": out.missing})

    r = bind(v, body)
    out = seen[0]
    missing = out.missing
    if not isinstance(missing, bool):
        r, missing = r["v"], r["m"]
    if out.t.kind == "mixed":
        return mixed_from_struct(r, missing, out.t.tags).but(e=r)
    if out.t.kind == "null":
        return Val(T("null"), ibis.null(), missing=missing, lit=None)
    return Val(out.t, r, missing=missing)


#: at most this many costly operands of one operator are bound (each binding nests one lambda)
_MAX_BOUND = 4


def bind_vals(vals: Sequence[Val], fn: Callable[[list[Val]], Val]) -> Val:
    """`fn(vals)` with its costly mixed operands computed once per row each (see `bind_val`)."""
    vals = list(vals)
    costly_at = [i for i, v in enumerate(vals) if costly(v)]
    if not costly_at or len(costly_at) > _MAX_BOUND:
        return fn(vals)
    i = costly_at[0]
    return bind_val(vals[i], lambda x: bind_vals([*vals[:i], x, *vals[i + 1:]], fn))
