"""`run()`: from a scan source and a `QuerySpec` to a lazy QueryResult.

The work done here is planning only: opening the sources on the connection, compiling expressions and checking
that the backend can compile the plan, so every fault in the spec surfaces as a FilterError (naming its
control) before any data is scanned.
"""

from __future__ import annotations

import re
from functools import reduce
from typing import Any

import ibis

from .._core.errors import FilterError
from ._compare import RN0, RN1, joined_frame
from ._compile import Compiler
from ._exec import Connection, Runner, default_connection
from ._frame import Frame, FrameColumn, single_frame
from ._group import MEDIA_SUMMARY, GroupKey, GroupPlan, Split, Summary
from ._parse import Node, from_python, parse
from ._rows import RowsPlan
from ._semantics import keeps_row_order, out_expr, truthy
from ._sort import key_node, sort_exprs
from ._tables import Source, open_scan
from ._values import Val, typed_null
from .result import QueryResult, group_columns
from .scan import JoinedScan, Scan, ScanSource
from .spec import QuerySpec

__all__ = ["evaluate", "run"]

_BARE_PATH = re.compile(r"^\$[^\s{}\[\],:'\"]+$")


def run(scan: Scan, spec: QuerySpec, *, compare: Scan | None = None,
        connection: Connection | None = None) -> QueryResult:
    """Plan `spec` over `scan` (and the compared `compare`) on `connection` (default: the shared one).

    Nothing is scanned until the result's `num_rows`, `page()`, `to_pandas()` or `to_arrow()` is used.
    """
    conn = connection or default_connection()
    runner = Runner(conn)
    frame, total = _frame(scan, compare, spec, conn)
    compiler = frame.compiler(runner.name)
    rel = frame.rel
    pred = _filter(spec.filter, compiler)
    if pred is not None:
        rel = rel.filter(pred)
        frame.ordered = frame.ordered and keeps_row_order(pred)  # else pages need an ORDER BY
    labels = {c.label: f"${c.side}.{c.name}" for c in frame.columns}
    names0 = [c.name for c in frame.side_columns(0)]
    plan: RowsPlan | GroupPlan
    if spec.group_by:
        keys = _group_keys(spec.group_by, frame, compiler, labels, names0)
        summaries = _summaries(frame, rel, keys)
        split = _split(frame, spec, keys, summaries, runner.name)
        try:
            plan = GroupPlan(frame, rel, keys, summaries, list(spec.sort), runner, spec.bins, spec.samples,
                             spec.top, split)
        except FilterError as err:
            raise err.for_control("sort") from None
        mode = "compare-groups" if frame.mode == "compare" else "groups"
        columns = group_columns(plan)
    else:
        sort_vals = []
        for key, desc in spec.sort:
            if key == "_key":
                sort_vals.append((Val(frame.key_type(), rel[frame.key]), desc))
                continue
            node = key_node(key, labels, names0, "sort")
            val = _compile(compiler, node, "sort")
            try:
                sort_exprs(val, desc)
            except FilterError as err:
                raise FilterError(err.message, node.pos, node.where or None, "sort") from None
            sort_vals.append((val, desc))
        plan = RowsPlan(frame, rel, sort_vals, runner)
        mode = "compare" if frame.mode == "compare" else "rows"
        columns = plan.columns
    if runner.name != "duckdb":  # DuckDB runs every operation the compiler emits (the test suite checks it)
        try:
            runner.check(plan.check_expr())
        except FilterError as err:
            raise err.for_control("filter") from None
    return QueryResult(plan, frame, runner, mode, columns, total, spec)


def evaluate(scan: ScanSource, expr: Any, *, connection: Connection | None = None) -> list[tuple[Any, bool]]:
    """The value of an expression on every row, in row order, as (value, missing) pairs.

    A debugging aid (and what the property tests compare against a reference evaluator); filters use the
    same compiler.
    """
    from ._output import decode_value

    conn = connection or default_connection()
    runner = Runner(conn)
    frame, _ = _frame(scan, None, QuerySpec(), conn)
    node = _parse_text(expr) if isinstance(expr, str) else from_python(expr)
    val = _compile(frame.compiler(runner.name), node, "filter")
    missing = val.missing if not isinstance(val.missing, bool) else ibis.literal(val.missing)
    value = out_expr(val) if val.t.kind != "null" else typed_null("int64")
    rel = frame.rel.order_by(frame.order).select(__v=value, __m=missing)
    rows = runner.arrow(rel).to_pylist()
    return [(decode_value(r["__v"], val.t), bool(r["__m"])) for r in rows]


# ------------------------------------------------------------------------------------------------ frame
def _open(scan: ScanSource, conn: Connection) -> Source:
    return open_scan(scan, conn.backend, conn.lock)


def _frame(scan: Scan, compare: Scan | None, spec: QuerySpec, conn: Connection) -> tuple[Frame, Any]:
    if compare is not None:
        if isinstance(scan, JoinedScan):
            raise FilterError("compare= works on plain tables, not on a JoinedTable", path="compare",
                              control="compare")
        if isinstance(compare, JoinedScan):
            raise FilterError("compare= must name a plain table, not a JoinedTable", path="compare",
                              control="compare")
        s0, s1 = _open(scan, conn), _open(compare, conn)
        try:
            frame = joined_frame(s0, s1, spec.join_key, "outer", "compare", spec.quick_filter)
        except FilterError as err:
            raise err.for_control("compare") from None
        return frame, _joined_total(s0, s1, spec.join_key, "outer", conn)
    if isinstance(scan, JoinedScan):
        s0, s1 = _open(scan.left, conn), _open(scan.right, conn)
        key = spec.join_key or scan.key
        try:
            frame = joined_frame(s0, s1, key, spec.how, "joined")
        except FilterError as err:
            raise err.for_control("source") from None
        return frame, _joined_total(s0, s1, key, spec.how, conn)
    src = _open(scan, conn)
    frame = single_frame(src, conn.backend)
    total = src.total_rows if src.total_rows is not None else (lambda: Runner(conn).scalar(src.table.count()))
    return frame, total


def _joined_total(s0: Source, s1: Source, key: Any, how: str, conn: Connection) -> Any:
    def count() -> int:
        f = joined_frame(s0, s1, key, how, "compare" if how == "outer" else "joined", "all")
        return int(Runner(conn).scalar(f.rel.count()))

    return count


# ------------------------------------------------------------------------------------------------ filter
def _parse_text(text: str) -> Node:
    stripped = text.strip()
    if _BARE_PATH.match(stripped):
        return Node("string", stripped, text.index("$"), "")
    return parse(text)


def _filter(flt: Any, compiler: Compiler) -> Any:
    if flt is None:
        return None
    try:
        node = _parse_text(flt) if isinstance(flt, str) else from_python(flt)
    except FilterError as err:
        raise err.for_control("filter") from None
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
        return compiler.compile_root(node)
    except FilterError as err:
        raise err.for_control(control) from None


# ------------------------------------------------------------------------------------------------ groups
def _group_keys(group_by: tuple[Any, ...], frame: Frame, compiler: Compiler, labels: dict[str, str],
                names0: list[str]) -> list[GroupKey]:
    keys = []
    for item in group_by:
        label = item if isinstance(item, str) else str(item)
        node = key_node(item, labels, names0, "group-by")
        if frame.mode == "compare" and isinstance(item, str) and any(c.name == item for c in frame.columns):
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
            raise FilterError(f"Cannot group by {label!r}: it is an array or object; group by $size, "
                              f"an element or a field instead", node.pos, "group-by", "group-by")
        keys.append(GroupKey(label, [val, val]))
    return keys


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
    if k == "str" and any(c.meta.get("text") for c in present):  # long text: a histogram of lengths
        return Summary(label, "hist", exprs, table, int_aligned=True, lengths=True)
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
    media = {c.kind for c in present}
    if len(media) == 1 and (mk := media.pop()) in MEDIA_SUMMARY and k == "object":
        fact = MEDIA_SUMMARY[mk]
        if fact is not None and t.field(fact) is None:
            fact = None
        return Summary(label, "media", exprs, table, media_kind=mk, fact=fact,
                       int_aligned=fact is not None and t.field(fact).kind == "int")  # type: ignore[union-attr]
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


def _split(frame: Frame, spec: QuerySpec, keys: list[GroupKey], summaries: list[Summary],
           backend_name: str) -> Split | None:
    """The compared group view without joining the tables, when nothing needs the join: no filter, every row of
    both tables, and group keys that are plain columns (each table's rows grouped by their own value).

    A DuckDB plan only: it is there for speed, and other engines differ in details it relies on (the integer type
    of a list length, for one); they take the joined path, which gives the same groups.
    """
    if frame.mode != "compare" or spec.filter is not None or spec.quick_filter != "all" or backend_name != "duckdb":
        return None
    if not all(isinstance(k, str) and any(c.name == k for c in frame.columns) for k in spec.group_by):
        return None
    if any(v.t.kind in ("mixed", "null") for k in keys for v in k.vals):
        return None
    sources = list(frame.sources)
    tables = [sources[0].table, sources[1].table.view()]  # a view: the same file may be compared with itself
    side_frames = [single_frame(Source(t, src.columns, src.label, src.total_rows, src.resolve, src.ordered, src.rn,
                                       src.identity), None) for t, src in zip(tables, sources)]
    key_vals: list[list[Val]] = [[], []]
    for side, f in enumerate(side_frames):
        compiler = f.compiler(backend_name)
        names = {c.name for c in f.columns}
        for item in spec.group_by:
            node = Node("string", f"$0.{item}", None, item) if item in names else Node("null", None, None, item)
            val = _compile(compiler, node, "group-by")
            if val.t != keys[len(key_vals[side])].vals[side].t:
                return None  # a key whose type differs between the tables: take the joined path
            key_vals[side].append(val)
    values: list[list[Any]] = [[], []]
    for s in summaries:
        for side, t in enumerate(tables):
            joined = s.exprs[side]
            if joined is None or s.label not in t.columns:
                values[side].append(None)
                continue
            e = t[s.label]
            values[side].append(e if e.type() == joined.type() else e.cast(joined.type()))
    k0, k1 = frame.join_key if frame.join_key is not None else (sources[0].rn, sources[1].rn)
    rowkeys = [tables[0][k0], tables[1][k1]]
    # rows in both tables whose keys are equal are one row of the compared view, not two
    t0, t1 = tables
    both = t0.join(t1, t0[k0] == t1[k1])
    same = [out_expr(a).identical_to(out_expr(b)) for a, b in zip(key_vals[0], key_vals[1])]
    matched = both.filter(reduce(lambda a, b: a & b, same)) if same else both
    dups = matched.group_by(**{f"__tl_g{i}": out_expr(v) for i, v in enumerate(key_vals[0])}).agg(
        __tl_dups=ibis._.count())
    return Split(tables, key_vals, values, rowkeys, dups)
