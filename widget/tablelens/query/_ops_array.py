"""Array operators (`$size`, `$filter`, `$map`, `$reduce`, element access, `$slice`, ...) and the
`$min/$max/$sum/$avg` family, which work over an array or over their arguments.

Lambdas (`$filter`, `$map`) compile to Ibis array lambdas; an engine without them fails with a FilterError.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.datatypes as dt

from ._ops_math import as_num, combine
from ._parse import Node
from ._registry import MANY, Env, op
from ._semantics import (
    INT32_MAX,
    INT32_MIN,
    Unsupported,
    any_of,
    balanced,
    compare,
    ifelse_val,
    imax,
    imin,
    is_null,
    json_text,
    mixed_from_struct,
    mixed_to_struct,
    null_like,
    one_of,
    out_expr,
    truthy,
    unify,
)
from ._values import T, Val, fresh, ibis_type, let, null_val, typed_null

if TYPE_CHECKING:
    from ._compile import Compiler

__all__: list[str] = []


def _array_arg(c: Compiler, name: str, node: Node, env: Env) -> Val:
    return c.need_array(name, c.compile(node, env), node)


def _int_arg(c: Compiler, name: str, node: Node, env: Env, what: str) -> Val:
    """An index, position or count: a 32-bit integer, as MongoDB requires (a constant outside is an error, a
    computed one gives null)."""
    v = c.compile(node, env)
    if v.t.kind == "float" and v.is_lit and float(v.lit).is_integer():
        v = Val(T("int"), ibis.literal(int(v.lit), type=dt.int64), lit=int(v.lit))
    if v.t.kind not in ("int", "null"):
        raise node.error(f"{name}: {what} must be an integer, got {v.t.describe()}")
    if v.is_lit and v.lit is not None and not INT32_MIN <= v.lit <= INT32_MAX:
        raise node.error(f"{name}: {what} must be a 32-bit integer ({INT32_MIN} to {INT32_MAX}), got {v.lit}")
    if v.t.kind == "int" and not v.is_lit:
        v = Val(T("int"), ibis.ifelse((v.e < INT32_MIN) | (v.e > INT32_MAX), typed_null(dt.int64), v.e))
    return v


@op("$size")
def _size(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    node = c.one(name, arg)
    v = _array_arg(c, name, node, env)
    if v.t.kind == "null":
        return Val(T("int"), typed_null(dt.int64))
    return Val(T("int"), v.e.length().cast("int64"))


@op("$filter")
def _filter(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    spec = c.spec(name, arg, ("input", "cond"), ("as", "limit"))
    arr = _array_arg(c, name, spec["input"], env)
    var = c.var_name(name, spec.get("as"))
    if arr.t.kind == "null":
        return arr
    elem = arr.t.elem or T("null")

    def keep(x: Any) -> Any:
        return truthy(c.compile(spec["cond"], {**env, var: c.elem_val(elem, x)}))

    result = arr.e.filter(fresh(keep))
    if "limit" in spec:
        lim = _int_arg(c, name, spec["limit"], env, "'limit'")
        if lim.is_lit and (lim.lit is None or lim.lit < 1):
            raise spec["limit"].error("$filter: 'limit' must be a positive integer")
        result = result[: lim.e] if not lim.is_lit else result[: lim.lit]
    return Val(arr.t, result)


@op("$map")
def _map(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    spec = c.spec(name, arg, ("input", "in"), ("as",))
    arr = _array_arg(c, name, spec["input"], env)
    var = c.var_name(name, spec.get("as"))
    if arr.t.kind == "null":
        return arr
    elem = arr.t.elem or T("null")
    seen: list[T] = []

    def body(x: Any) -> Any:
        v = c.compile(spec["in"], {**env, var: c.elem_val(elem, x)})
        seen.append(v.t)
        return out_expr(v) if v.t.kind != "null" else typed_null(dt.int64)

    result = arr.e.map(fresh(body))
    return Val(T("array", elem=seen[0] if seen else T("null")), result)


def _refers_to(node: Node, var: str) -> bool:
    if node.kind == "string":
        return node.value == f"$${var}" or node.value.startswith(f"$${var}.")
    if node.kind == "array":
        return any(_refers_to(n, var) for n in node.value)
    if node.kind == "object":
        return any(_refers_to(n, var) for n in node.value.values())
    return False


@op("$reduce")
def _reduce(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    spec = c.spec(name, arg, ("input", "initialValue", "in"))
    arr = _array_arg(c, name, spec["input"], env)
    out = _reduce_body(c, arr, spec, env)
    if arr.t.kind == "null" or arr.is_lit or out.t.kind == "null":
        return out
    if out.t.kind == "mixed":
        return out.but(tag=ibis.ifelse(arr.e.isnull(), "null", out.tag), missing=False)
    return Val(out.t, ibis.ifelse(arr.e.isnull(), typed_null(out.e.type()), out.e))


def _reduce_body(c: Compiler, arr: Val, spec: dict[str, Node], env: Env) -> Val:
    """`$reduce` for the accumulations an engine can run in parallel: `$$value` combined by $add, $multiply
    (not supported), $concat, $concatArrays, $min, $max, $and or $or with a term over `$$this`."""
    init = c.compile(spec["initialValue"], env)
    body = spec["in"]
    hint = ("$reduce supports 'in' of the form {$OP: ['$$value', <expression of $$this>]} with $OP one of "
            "$add, $concat, $concatArrays, $min, $max, $and, $or")
    if body.kind != "object" or len(body.value) != 1:
        raise body.error(hint)
    ((acc, acc_args),) = body.value.items()
    if acc not in ("$add", "$concat", "$concatArrays", "$min", "$max", "$and", "$or") \
            or acc_args.kind != "array" or len(acc_args.value) != 2:
        raise body.error(hint)
    a, b = acc_args.value
    term = b if a.kind == "string" and a.value == "$$value" else a
    other = a if term is b else b
    if not (other.kind == "string" and other.value == "$$value") or _refers_to(term, "value"):
        raise body.error(hint)
    if arr.t.kind == "null":
        return null_like(init) if init.t.kind != "null" else null_val()
    elem = arr.t.elem or T("null")
    seen: list[T] = []

    def body(x: Any) -> Any:
        v = c.compile(term, {**env, "this": c.elem_val(elem, x)})
        seen.append(v.t)
        return out_expr(v) if v.t.kind != "null" else typed_null(dt.int64)

    mapped = arr.e.map(fresh(body))
    mapped_t = seen[0] if seen else T("null")
    items = Val(T("array", elem=mapped_t), mapped)
    if acc == "$add":
        if mapped_t.kind not in ("int", "float", "null") or init.t.kind not in ("int", "float", "null"):
            raise body.error("$reduce with $add needs numbers for $$value and the term")
        if mapped_t.kind == "null" or init.t.kind == "null":
            return null_val()
        has_null = mapped.filter(lambda x: x.isnull()).length() > 0
        total = Val(mapped_t, mapped.sums().fill_null(0))
        summed = combine([as_num(init), as_num(total)], operator.add, operator.add)
        return Val(summed.t, ibis.ifelse(has_null, typed_null(ibis_type(summed.t)), summed.e))
    if acc == "$concat":
        if mapped_t.kind not in ("str", "null") or init.t.kind not in ("str", "null"):
            raise body.error("$reduce with $concat needs strings")
        if mapped_t.kind == "null" or init.t.kind == "null":
            return Val(T("str"), typed_null(dt.string))
        has_null = mapped.filter(lambda x: x.isnull()).length() > 0
        joined = ibis.ifelse(mapped.length() == 0, "", ibis.literal("").join(mapped))
        return Val(T("str"), ibis.ifelse(has_null, typed_null(dt.string), init.e.concat(joined)))
    if acc == "$concatArrays":
        if mapped_t.kind != "array" or init.t.kind not in ("array", "null"):
            raise body.error("$reduce with $concatArrays needs arrays")
        if init.t.kind == "null":
            return Val(T("array", elem=mapped_t.elem), typed_null(ibis_type(mapped_t)))
        init_u, flat_u = unify([init, Val(mapped_t, mapped.flatten())])
        has_null = mapped.filter(lambda x: x.isnull()).length() > 0
        return Val(init_u.t, ibis.ifelse(has_null, typed_null(ibis_type(init_u.t)), init_u.e.concat(flat_u.e)))
    if acc in ("$and", "$or"):
        truths = arr.e.map(fresh(lambda x: truthy(c.compile(term, {**env, "this": c.elem_val(elem, x)}))))
        combined = truths.alls() if acc == "$and" else truths.anys()
        combined = combined.fill_null(acc == "$and")
        init_t = truthy(init)
        return Val(T("bool"), (init_t & combined) if acc == "$and" else (init_t | combined))
    # $min / $max
    best = _extreme(acc, items)
    return _pairwise(acc, [init, best])


#: the parts a value splits into for $min/$max, with the `$type` tag of each and its Ibis type
_PARTS = {"int": ("int", dt.int64), "float": ("double", dt.float64), "str": ("string", dt.string),
          "bool": ("bool", dt.boolean), "date": ("date", dt.timestamp), "object": ("object", dt.string),
          "array": ("array", dt.string)}
#: categories in MongoDB type order, lowest first (numbers are the int and float parts together)
_ORDER = ("number", "str", "object", "array", "bool", "date")


def _split_value(v: Val) -> dict[str, Any]:
    """A value as part -> expression holding it when the value has that type (NULL otherwise)."""
    k = v.t.kind
    if k == "mixed":
        out = {}
        for part, (tag, typ) in _PARTS.items():
            src = v.parts.get("json" if part in ("array", "object") else part)
            if src is None or tag not in v.t.tags:
                continue
            if part in ("array", "object"):
                src = json_text(src)
            out[part] = ibis.ifelse(v.tag == tag, src, typed_null(typ))
        return out
    if k in ("int", "float", "str", "date"):
        return {k: v.e}
    if k == "bool":
        return {"bool": out_expr(v)}
    raise Unsupported(f"$min and $max cannot compare {v.t.describe()}s with other values; compare their "
                      f"elements, fields or $size")


def _pick(name: str, lists: dict[str, Any], nan: Any = None) -> Val:
    """$min/$max from one list per part (the candidates of that type, NULL where a candidate has another type).

    The SQL grows linearly with the candidates (a chain of pairwise comparisons grows exponentially when ints
    and doubles mix): each list is built once per row (`let`), its extreme taken once, and the winner picked from
    the extremes by MongoDB type order. An int and a double of equal value: the earlier candidate wins, as in
    MongoDB. NaN is the smallest number. `nan`, when given, says whether a candidate is NaN (the float list
    then holds none), which spares a pass over the list.
    """
    is_max = name == "$max"

    def ext(a: Any) -> Any:
        return a.maxs() if is_max else a.mins()

    def float_extreme(m_f: Any, has_nan: Any) -> Any:
        nan = ibis.literal(float("nan"), type=dt.float64)
        if is_max:  # NaN wins a $max only when there is no other number
            return m_f.fill_null(ibis.ifelse(has_nan, nan, typed_null(dt.float64)))
        return ibis.ifelse(has_nan, nan, m_f)

    kinds = set(lists)
    if kinds == {"int"} or (len(kinds) == 1 and kinds <= {"str", "bool", "date"}):  # one type: a plain value
        ((kind, lst),) = lists.items()
        return Val(T(kind), ext(lst))
    def nan_free(lf: Any) -> Any:
        return lf if nan is not None else lf.filter(lambda x: ~x.isnan())

    def has_nan(lf: Any) -> Any:
        return nan if nan is not None else (lf.filter(lambda x: x.isnan()).length() > 0).fill_null(False)

    if kinds == {"float"}:
        lf = lists["float"]
        return Val(T("float"), float_extreme(ext(nan_free(lf)), has_nan(lf)))

    def stats(s: Any) -> Any:  # every extreme (and where the numeric ones are) from the lists, bound once
        out: dict[str, Any] = {}
        for p in lists:
            if p == "float":
                clean = nan_free(s[p])
                out["float"] = ext(clean)
                out["nan"] = has_nan(s[p])
                if "int" in lists:
                    out["at_float"] = s[p].index(ext(clean))
            else:
                out[p] = ext(s[p])
                if p == "int" and "float" in lists:
                    out["at_int"] = s[p].index(ext(s[p]))
        return ibis.struct(out)

    def winner(st: Any) -> Any:  # the extreme of the highest (lowest) type present, as a variant struct
        parts: dict[str, Any] = {}
        num_tag: Any = None
        if "float" in lists:
            parts["float"] = f_val = float_extreme(st["float"], st["nan"])
            num_tag = ibis.ifelse(f_val.isnull(), typed_null(dt.string), "double")
        if "int" in lists:
            m_i = parts["int"] = st["int"]
            int_wins = m_i.notnull()
            if "float" in lists:
                fi, m_f = m_i.cast(dt.float64), st["float"]
                better = (fi > m_f) if is_max else (fi < m_f)
                tie = (fi == m_f) & (st["at_int"] < st["at_float"])
                int_wins = int_wins & (m_f.isnull() | better | tie)
                if not is_max:
                    int_wins = int_wins & ~st["nan"]
            num_tag = ibis.ifelse(int_wins, "int", num_tag if num_tag is not None else typed_null(dt.string))
        branches = []
        for cat in (_ORDER if not is_max else tuple(reversed(_ORDER))):
            if cat == "number":
                if num_tag is not None:
                    branches.append((num_tag.notnull(), num_tag))
            elif cat in lists:
                branches.append((st[cat].notnull(), ibis.literal(_PARTS[cat][0])))
                if cat not in ("array", "object"):
                    parts[cat] = st[cat]
        tag = ibis.cases(*branches, else_="null")
        if "array" in lists or "object" in lists:  # both are JSON text: the tag says which one the value is
            arr_t, obj_t = st["array"] if "array" in lists else None, st["object"] if "object" in lists else None
            parts["json"] = arr_t if obj_t is None else obj_t if arr_t is None else ibis.ifelse(
                tag == "object", obj_t, arr_t)
        # a variant holds only the part of its type (readers such as $sum take the int part as it is); the tag is
        # bound once for that
        owner = {"int": ["int"], "float": ["double"], "str": ["string"], "bool": ["bool"], "date": ["date"],
                 "json": ["array", "object"]}

        def gate(x: Any) -> Any:
            gated = {p: ibis.ifelse(one_of(x["tag"], owner[p]), x[p], typed_null(e.type())) for p, e in parts.items()}
            return mixed_to_struct(Val(T("mixed"), None, tag=x["tag"], parts=gated))

        return let(ibis.struct({"tag": tag, **parts}), gate)

    whole = let(let(ibis.struct(lists), stats), winner)
    tags = frozenset({"null", *(_PARTS[p][0] for p in lists)})
    return mixed_from_struct(whole, tags=tags).but(e=whole)


def _extreme(name: str, arr: Val) -> Val:
    """$min/$max over the elements of an array (nulls ignored, NaN is the smallest number)."""
    elem = arr.t.elem or T("null")
    if elem.kind == "null":
        return null_val()
    if elem.kind == "mixed":
        names = [p for p, (tag, _) in _PARTS.items() if tag in elem.tags]
        lists = {p: arr.e.map(lambda x, p=p: _split_value(mixed_from_struct(x, tags=elem.tags)).get(
            p, typed_null(_PARTS[p][1]))) for p in names}
        return _pick(name, lists) if lists else null_val()
    if elem.kind not in ("int", "float", "str", "bool", "date"):
        raise Unsupported(f"{name} over an array of {elem.describe()} values is not supported")
    return _pick(name, {elem.kind: arr.e})


def _pairwise(name: str, vals: list[Val]) -> Val:
    """$min/$max over two arguments, by MongoDB type order, ignoring null and missing."""
    vals = unify(vals)
    best = vals[0].but(missing=False)
    for v in vals[1:]:
        v = v.but(missing=False)
        better = compare("lt" if name == "$min" else "gt", v, best)
        v_null, b_null = is_null(v), is_null(best)
        pick = truthy(better)
        if v_null is not False:
            pick = pick & ~v_null if v_null is not True else ibis.literal(False)
        if b_null is not False:
            pick = pick | b_null if b_null is not True else ibis.literal(True)
        best = ifelse_val(pick, v, best)
    return best


def _extreme_of_args(name: str, vals: list[Val]) -> Val:
    """$min/$max over arguments: two compared directly, more as lists per type (linear in the arguments)."""
    vals = [v for v in vals if v.t.kind != "null" and not (v.is_lit and v.lit is None)]
    if not vals:
        return null_val()
    if len(vals) == 1:
        return vals[0].but(missing=False)
    if len(vals) == 2:
        return _pairwise(name, vals)
    split = [_split_value(v) for v in vals]
    nans = []
    for sp in split:  # NaN apart, so that the list of doubles needs no filtering pass
        if "float" in sp:
            f = sp["float"]
            nans.append(f.isnan().fill_null(False))
            sp["float"] = ibis.ifelse(f.isnan(), typed_null(dt.float64), f)
    names = [p for p in _PARTS if any(p in sp for sp in split)]
    lists = {p: ibis.array([sp.get(p, typed_null(_PARTS[p][1])) for sp in split]) for p in names}
    return _pick(name, lists, any_of(nans) if nans else None)


@op("$min", "$max")
def _min_max(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 1, MANY)
    vals = [c.compile(n, env) for n in nodes]
    if len(vals) == 1 and vals[0].t.kind == "array":
        return _extreme(name, vals[0])
    return _extreme_of_args(name, vals)


def _numeric_elems(arr: Val) -> tuple[Any, str]:
    elem = arr.t.elem or T("null")
    if elem.kind in ("int", "float"):
        return arr.e, elem.kind
    if elem.kind == "null":
        return None, "null"
    if elem.kind == "mixed":
        return arr.e, "mixed"
    return None, "none"


@op("$sum", "$avg")
def _sum_avg(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 1, MANY)
    vals = [c.compile(n, env) for n in nodes]
    is_sum = name == "$sum"
    if len(vals) == 1 and vals[0].t.kind == "array":
        e, kind = _numeric_elems(vals[0])
        if e is None:
            return Val(T("int"), ibis.literal(0, type=dt.int64), lit=0) if is_sum else null_val()
        if kind == "mixed":
            return _sum_avg_mixed(is_sum, vals[0])
        if not is_sum:
            return Val(T("float"), e.means().cast("float64"))
        if kind == "int":
            return Val(T("int"), e.sums().fill_null(0).cast("int64"))
        # a sum of no numbers is the int 0, as in MongoDB
        none = (e.filter(lambda x: x.notnull()).length() == 0).fill_null(True)
        return Val(T("mixed", tags=frozenset({"int", "double"})), None,
                   tag=ibis.ifelse(none, "int", "double"),
                   parts={"int": ibis.ifelse(none, 0, typed_null(dt.int64)).cast("int64"),
                          "float": ibis.ifelse(none, typed_null(dt.float64), e.sums())})
    nums = [as_num(v) for v in vals if v.t.kind in ("int", "float", "mixed")]
    nums = [n for n in nums if n is not None]
    if not nums:
        return Val(T("int"), ibis.literal(0, type=dt.int64), lit=0) if is_sum else null_val()
    if is_sum:
        return combine(
            [_zero_if_null(n) for n in nums],
            lambda *xs: balanced(operator.add, xs),
            lambda *xs: balanced(operator.add, xs),
        )
    count = balanced(operator.add, [n.f.notnull().cast("int64") for n in nums])
    total = balanced(operator.add, [n.f.fill_null(0.0) for n in nums])
    return Val(T("float"), total / count.nullif(0).cast("float64"))


def _sum_avg_mixed(is_sum: bool, arr: Val) -> Val:
    """$sum/$avg over an array of mixed values: its ints and doubles (non-numbers ignored), an int sum when
    every number is an int."""
    elem = arr.t.elem or T("mixed")

    def part(name: str, tag: str, typ: Any) -> Any:
        def pick(x: Any) -> Any:
            m = mixed_from_struct(x, tags=elem.tags)
            return ibis.ifelse(m.tag == tag, m.parts[name], typed_null(typ)) if name in m.parts \
                else typed_null(typ)

        return arr.e.map(pick)

    ints, floats = part("int", "int", dt.int64), part("float", "double", dt.float64)
    isum = ints.sums().cast(dt.int64).fill_null(0)
    fsum = floats.sums().cast(dt.float64).fill_null(0.0)
    n_float = floats.filter(lambda x: x.notnull()).length().fill_null(0)
    if not is_sum:
        count = ints.filter(lambda x: x.notnull()).length() + n_float
        return Val(T("float"), (isum.cast(dt.float64) + fsum) / count.nullif(0).cast(dt.float64))
    has_double = n_float > 0
    return Val(T("mixed", tags=frozenset({"int", "double"})), None, tag=ibis.ifelse(has_double, "double", "int"),
               parts={"int": ibis.ifelse(has_double, typed_null(dt.int64), isum),
                      "float": isum.cast(dt.float64) + fsum})


def _zero_if_null(n: Any) -> Any:
    from ._ops_math import Num

    is_int = n.is_int
    if is_int is not True:  # a null or non-number counts as int 0, as if it were not there
        is_int = n.f.isnull() if is_int is False else (is_int | n.f.isnull())
    i = n.i.fill_null(0) if n.i is not None else None
    if i is None and is_int is not False:
        i = ibis.literal(0, type=dt.int64)
    return Num(i, n.f.fill_null(0.0), is_int)


@op("$arrayElemAt")
def _elem_at(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    arr_node, idx_node = c.args(name, arg, 2)
    arr = _array_arg(c, name, arr_node, env)
    idx = _int_arg(c, name, idx_node, env, "the index")
    return _element(c, arr, idx)


def _element(c: Compiler, arr: Val, idx: Val) -> Val:
    elem = arr.t.elem or T("null")
    if arr.t.kind == "null" or idx.t.kind == "null":
        return null_val()
    n = arr.e.length().cast("int64")
    i = idx.e
    out_of_range = (i >= n) | (i + n < 0)  # (not `i < -n`: some engines cannot negate an unsigned length)
    if c.strict_index and elem.kind != "null":  # engines that fail out of bounds: index a padded array
        pad = ibis.array([typed_null(_elem_type(elem))])
        safe = ibis.ifelse(out_of_range, n, ibis.ifelse(i < 0, i + n, i))
        item = arr.e.concat(pad)[safe]
    else:
        item = arr.e[i]
    got = c.column_val(item, elem) if elem.kind != "null" else null_val()
    return got.but(missing=out_of_range.fill_null(False) & arr.e.notnull())


def _elem_type(t: T) -> Any:
    return ibis_type(t)


@op("$first", "$last")
def _first_last(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    node = c.one(name, arg)
    arr = _array_arg(c, name, node, env)
    idx = 0 if name == "$first" else -1
    return _element(c, arr, Val(T("int"), ibis.literal(idx, type=dt.int64), lit=idx))


@op("$slice")
def _slice(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 2, 3)
    arr = _array_arg(c, name, nodes[0], env)
    ints = [_int_arg(c, name, n, env, "position and count") for n in nodes[1:]]
    if arr.t.kind == "null" or any(v.t.kind == "null" for v in ints):
        return arr if arr.t.kind == "null" else null_like(arr)
    length = arr.e.length()
    if len(ints) == 1:
        n = ints[0].e
        start = ibis.ifelse(n < 0, imax(length + n, 0), 0)
        stop = ibis.ifelse(n < 0, length, imin(n, length))
    else:
        pos, n = ints[0].e, ints[1].e
        if ints[1].is_lit and ints[1].lit <= 0:
            raise nodes[2].error("$slice: the count must be positive")
        start = ibis.ifelse(pos < 0, imax(length + pos, 0), imin(pos, length))
        stop = imin(start + n, length)
        if not ints[1].is_lit:
            stop = ibis.ifelse(n <= 0, typed_null(dt.int64), stop)
    return Val(arr.t, arr.e[start:stop])


@op("$concatArrays")
def _concat_arrays(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    nodes = c.args(name, arg, 0, MANY)
    vals = [_array_arg(c, name, n, env) for n in nodes]
    if not vals:
        return Val(T("array", elem=T("null")), ibis.literal([], type="array<int64>"), lit=[])
    if any(v.t.kind == "null" for v in vals):
        return null_val()
    elems = {v.t.elem for v in vals if v.t.elem and v.t.elem.kind != "null"}
    if len(elems) > 1:
        raise arg.error("$concatArrays: the arrays hold different types of values ("
                        + ", ".join(sorted(e.describe() for e in elems)) + ")")
    typ = T("array", elem=next(iter(elems))) if elems else vals[0].t
    exprs = [v.e if v.t == typ else v.e.cast(ibis_type(typ)) for v in vals]
    if len(exprs) == 1:
        return Val(typ, exprs[0])
    nulls = any_of([e.isnull() for e, v in zip(exprs, vals) if not v.is_lit])
    joined = _concat_all(exprs)
    return Val(typ, joined if nulls is False else ibis.ifelse(nulls, typed_null(ibis_type(typ)), joined))


#: operands per n-ary concatenation: engines nest one (DuckDB's `list_concat` takes two), so a long list is
#: concatenated in groups, then the groups' results, keeping the SQL's depth logarithmic in the operands
_CONCAT_GROUP = 32


def _concat_all(exprs: list[Any]) -> Any:
    """The concatenation of the arrays `exprs`, each operand written once. (Not `flatten([a, b, ...])`: Ibis 12's
    Polars backend flattens an array of array columns across rows, silently wrong.)"""
    while len(exprs) > 1:
        groups = [exprs[i:i + _CONCAT_GROUP] for i in range(0, len(exprs), _CONCAT_GROUP)]
        exprs = [g[0].concat(*g[1:]) if len(g) > 1 else g[0] for g in groups]
    return exprs[0]


@op("$anyElementTrue", "$allElementsTrue")
def _any_all(c: Compiler, name: str, arg: Node, env: Env) -> Val:
    node = c.one(name, arg)
    arr = _array_arg(c, name, node, env)
    if arr.t.kind == "null":
        return Val(T("bool"), typed_null(dt.boolean))
    elem = arr.t.elem or T("null")
    if name == "$anyElementTrue":
        hits = arr.e.filter(fresh(lambda x: truthy(c.elem_val(elem, x)))).length() > 0
    else:
        hits = arr.e.filter(fresh(lambda x: ~truthy(c.elem_val(elem, x)))).length() == 0
    return Val(T("bool"), hits)
