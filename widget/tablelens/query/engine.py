"""`query()`: from a source and a query spec (filter, group, sort, compare) to a lazy QueryResult.

The work done here is planning only: resolving sources, compiling expressions and checking that the backend can
compile the plan, so every fault in the spec surfaces as a FilterError before any data is scanned.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import ibis

from tablelens.errors import FilterError

from ._compare import RN0, RN1, joined_frame
from ._compile import Compiler
from ._exec import Runner
from ._frame import Frame, FrameColumn, single_frame
from ._group import GroupKey, GroupPlan, Summary
from ._parse import Node, from_python, parse
from ._rows import RowsPlan
from ._semantics import truthy
from ._sort import key_node, normalize_sort, sort_exprs, with_control
from ._sources import Joined, Source, default_backend, resolve_source
from ._values import Val, typed_null
from .result import QueryResult

__all__ = ["Canceller", "evaluate", "query"]

_BARE_PATH = re.compile(r"^\$[^\s{}\[\],:'\"]+$")
_KIND_OF_T = {"int": "int", "float": "float", "str": "str", "bool": "bool", "date": "datetime", "mixed": "mixed",
              "null": "null", "array": "list", "object": "dict"}


def query(source: Any, *, table: str | None = None, filter: Any = None, group_by: Any = None,
          sort: Any = None, compare: Any = None, compare_table: str | None = None, quick_filter: str = "all",
          join_key: str | None = None, how: str = "inner", bins: int = 20, backend: Any = None,
          samples: int = 4, top: int = 10) -> QueryResult:
    """Filter, group, sort or compare a table; see docs/filters.md for the expression language.

    Nothing is scanned until the result's `num_rows`, `page()`, `to_pandas()` or `to_arrow()` is used.
    Faults in the spec raise FilterError; its `.control` names the argument at fault ("filter", "group-by",
    "sort", "compare", "source").
    """
    backend = backend if backend is not None else default_backend()
    runner = Runner(backend)
    frame, total = _frame(source, table, compare, compare_table, quick_filter, join_key, how, backend)
    compiler = frame.compiler(runner.name)
    rel = frame.rel
    pred = _filter(filter, compiler)
    if pred is not None:
        rel = rel.filter(pred)
    labels = {c.label: f"${c.side}.{c.name}" for c in frame.columns}
    names0 = [c.name for c in frame.side_columns(0)]
    if group_by not in (None, "", []):
        keys = _group_keys(group_by, frame, compiler, labels, names0)
        summaries = _summaries(frame, rel, keys)
        try:
            plan: RowsPlan | GroupPlan = GroupPlan(frame, rel, keys, summaries, normalize_sort(sort), runner,
                                                   bins, samples, top)
        except FilterError as err:
            raise with_control(err, getattr(err, "control", "sort")) from None
        mode = "compare-groups" if frame.mode == "compare" else "groups"
        columns = _group_columns(plan)
    else:
        sort_vals = []
        for key, desc in normalize_sort(sort):
            if key == "_key":
                sort_vals.append((Val(frame.key_type(), rel[frame.key]), desc))
                continue
            node = key_node(key, labels, names0, "sort")
            val = _compile(compiler, node, "sort")
            try:
                sort_exprs(val, desc)
            except FilterError as err:
                raise with_control(FilterError(err.message, node.pos, node.where or None), "sort") from None
            sort_vals.append((val, desc))
        plan = RowsPlan(frame, rel, sort_vals, runner)
        mode = "compare" if frame.mode == "compare" else "rows"
        columns = plan.columns
    try:
        runner.check(plan.check_expr())
    except FilterError as err:
        raise with_control(err, "filter") from None
    return QueryResult(plan, frame, runner, mode, columns, total)


def evaluate(source: Any, expr: Any, *, backend: Any = None) -> list[tuple[Any, bool]]:
    """The value of an expression on every row, in row order, as (value, missing) pairs.

    A debugging aid (and what the property tests compare against a reference evaluator); filters use the
    same compiler.
    """
    from ._compile import out_expr
    from ._output import decode_value

    backend = backend if backend is not None else default_backend()
    runner = Runner(backend)
    frame, _ = _frame(source, None, None, None, "all", None, "inner", backend)
    node = _parse_text(expr) if isinstance(expr, str) else from_python(expr)
    val = _compile(frame.compiler(runner.name), node, "filter")
    missing = val.missing if not isinstance(val.missing, bool) else ibis.literal(val.missing)
    value = out_expr(val) if val.t.kind != "null" else typed_null("int64")
    rel = frame.rel.order_by(frame.order).select(__v=value, __m=missing)
    rows = runner.arrow(rel).to_pylist()
    return [(decode_value(r["__v"], val.t), bool(r["__m"])) for r in rows]


class Canceller:
    """Runs the queries of one caller: starting a query cancels the caller's previous one.

    `c = Canceller(); r = c.query(src, filter=...)` — the Explorer keeps one per widget.
    """

    def __init__(self) -> None:
        self._last: QueryResult | None = None
        self._lock = threading.Lock()

    def query(self, source: Any, **kwargs: Any) -> QueryResult:
        self.cancel()
        result = query(source, **kwargs)
        with self._lock:
            self._last = result
        return result

    def cancel(self) -> None:
        with self._lock:
            last, self._last = self._last, None
        if last is not None:
            last.cancel()


# ------------------------------------------------------------------------------------------------ frame
def _frame(source: Any, table: str | None, compare: Any, compare_table: str | None, quick_filter: str,
           join_key: str | None, how: str, backend: Any) -> tuple[Frame, Any]:
    try:
        src = resolve_source(source, table, backend, "source")
    except FilterError as err:
        raise with_control(err, "source") from None
    try:
        if compare is not None and not (isinstance(compare, str) and not compare):
            if isinstance(src, Joined):
                raise FilterError("compare= works on plain tables, not on a JoinedTable", path="compare")
            other = resolve_source(compare, compare_table or table, backend, "compare")
            if isinstance(other, Joined):
                raise FilterError("compare= must name a plain table, not a JoinedTable", path="compare")
            frame = joined_frame(src, other, join_key, "outer", "compare", quick_filter)
            return frame, _joined_total(src, other, join_key, "outer", runner_backend=backend)
        if quick_filter != "all":
            raise FilterError("quick_filter needs compare=", path="quick_filter")
        if isinstance(src, Joined):
            frame = joined_frame(src.left, src.right, join_key or src.key, how, "joined")
            return frame, _joined_total(src.left, src.right, join_key or src.key, how, runner_backend=backend)
    except FilterError as err:
        raise with_control(err, "compare") from None
    frame = single_frame(src, backend)
    total = src.total_rows if src.total_rows is not None else (lambda: Runner(backend).scalar(src.table.count()))
    return frame, total


def _joined_total(s0: Source, s1: Source, key: Any, how: str, runner_backend: Any) -> Any:
    def count() -> int:
        f = joined_frame(s0, s1, key, how, "compare" if how == "outer" else "joined", "all")
        return int(Runner(runner_backend).scalar(f.rel.count()))

    return count


# ------------------------------------------------------------------------------------------------ filter
def _parse_text(text: str) -> Node:
    stripped = text.strip()
    if _BARE_PATH.match(stripped):
        return Node("string", stripped, text.index("$"), "")
    return parse(text)


def _filter(flt: Any, compiler: Compiler) -> Any:
    if flt is None or (isinstance(flt, str) and not flt.strip()):
        return None
    try:
        node = _parse_text(flt) if isinstance(flt, str) else from_python(flt)
    except FilterError as err:
        raise with_control(err, "filter") from None
    if node.kind == "object" and not node.value:
        return None
    v = _compile(compiler, node, "filter")
    if v.t.kind == "bool" and v.is_lit:
        return None if v.lit else ibis.literal(False)
    if v.t.kind == "bool" and v.falsy_null:
        return v.e  # NULL rows are dropped by the filter anyway; keeping it simple helps pushdown
    return truthy(v)


def _compile(compiler: Compiler, node: Node, control: str) -> Any:
    try:
        return compiler.compile(node)
    except FilterError as err:
        raise with_control(err, control) from None


# ------------------------------------------------------------------------------------------------ groups
def _group_keys(group_by: Any, frame: Frame, compiler: Compiler, labels: dict[str, str],
                names0: list[str]) -> list[GroupKey]:
    items = [group_by] if isinstance(group_by, (str, dict)) else list(group_by)
    keys = []
    for item in items:
        label = item if isinstance(item, str) else str(item)
        node = key_node(item, labels, names0, "group-by")
        if frame.mode == "compare" and isinstance(item, str) and _is_bare(item, frame):
            vals = []
            for side in (0, 1):
                names = {c.name for c in frame.side_columns(side)}
                if item in names:
                    vals.append(_compile(compiler, Node("string", f"${side}.{item}", None, item), "group-by"))
                else:
                    vals.append(_compile(compiler, Node("null", None, None, item), "group-by"))
            keys.append(GroupKey(label, vals))
            continue
        val = _compile(compiler, node, "group-by")
        if val.t.kind in ("array", "object"):
            raise with_control(FilterError(f"Cannot group by {label!r}: it is an array or object; group by $size, "
                                           f"an element or a field instead", node.pos, "group-by"), "group-by")
        keys.append(GroupKey(label, [val, val]))
    return keys


def _is_bare(item: str, frame: Frame) -> bool:
    return any(c.name == item for c in frame.columns)


def _summary_of(label: str, cols: list[FrameColumn | None], rel: Any, table: int | None) -> Summary:
    present = [c for c in cols if c is not None]
    kinds = {c.t.kind for c in present}
    exprs = [rel[c.ref] if c is not None else None for c in cols]
    t = present[0].t
    if kinds <= {"int", "float"}:
        if kinds == {"int", "float"}:
            exprs = [e.cast("float64") if e is not None else None for e in exprs]
        return Summary(label, "hist", exprs, table, int_aligned=kinds == {"int"})
    if len(kinds) > 1 or len({c.t for c in present}) > 1:
        return Summary(label, "none", exprs, table)
    k = t.kind
    if k in ("str", "bool"):
        return Summary(label, "counts", exprs, table)
    if k == "mixed":
        return Summary(label, "counts", exprs, table, mixed=True)
    if k == "array":
        elem = t.elem.kind if t.elem else "null"
        if elem in ("int", "float", "str", "bool"):
            return Summary(label, "counts", exprs, table, elements=True)
        return Summary(label, "hist", exprs, table, int_aligned=True, lengths=True)
    if t.view == "image":
        return Summary(label, "images", exprs, table)
    return Summary(label, "none", exprs, table)


def _summaries(frame: Frame, rel: Any, keys: list[GroupKey]) -> list[Summary]:
    bare = {k.label for k in keys}
    out = []
    if frame.mode != "compare":
        for c in frame.columns:
            if c.label in bare or c.label == RN0 or c.label == RN1:
                continue
            out.append(_summary_of(c.label, [c], rel, c.table))
        return out
    by_side: list[dict[str, FrameColumn]] = [{}, {}]
    for c in frame.columns:
        by_side[c.side][c.name] = c
    names = list(by_side[0]) + [n for n in by_side[1] if n not in by_side[0]]
    for name in names:
        if name in bare:
            continue
        out.append(_summary_of(name, [by_side[0].get(name), by_side[1].get(name)], rel, None))
    return out


def _group_columns(plan: GroupPlan) -> list[dict[str, Any]]:
    cols = [{"name": k.label, "kind": _KIND_OF_T.get(k.t.kind, k.t.kind), "table": None} for k in plan.keys]
    cols.append({"name": "count", "kind": "count", "table": None})
    if plan.compare:
        cols += [{"name": "count_0", "kind": "count", "table": 0}, {"name": "count_1", "kind": "count", "table": 1}]
    cols += [{"name": name, "kind": "float", "table": None} for name in plan.aggs]
    cols += [{"name": s.label, "kind": s.kind, "table": s.table} for s in plan.summaries]
    return cols

