"""Grouping: one row per group with its count, and per other column a summary of the group's values.

Numeric columns summarise as histograms whose edges are computed once over all filtered rows (so bars of
different groups line up), strings and booleans as top value counts, lists as counts of their elements (or a
histogram of their lengths when the elements are not scalars), images as a few sample images. Summaries are
computed by the engine for the groups of the requested page only.
In compare mode every row contributes one entry per table it is present in, so each summary has one counts
list per table, on shared bins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, reduce
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pyarrow as pa

from .._core.errors import FilterError
from ..codec import decode_variant
from ._exec import Runner
from ._frame import Frame
from ._semantics import imax, imin, out_expr
from ._sort import sort_exprs
from ._values import STRUCT_FIELD, T, Val, typed_null

__all__ = ["MEDIA_SUMMARY", "GroupKey", "GroupPlan", "Summary"]

#: media columns (audio, video, ...; docs/storage.md) summarise as a few samples and a histogram of this field
MEDIA_SUMMARY = {"audio": "duration", "video": "duration", "object3d": "points", "molecule": "atoms",
                 "html": None, "plotly": None}

SIDE, DUP, ROWKEY = "__tl_side", "__tl_dup", "__tl_rowkey"
#: up to this many groups are fetched at once (and counted and paged without more queries)
GROUP_CACHE = 10_000
#: list-length histograms count exact lengths in one pass when there are at most this many groups ...
LENGTH_GROUPS = 1_000
#: ... and at most this many (group, length) pairs
LENGTH_ROWS = 100_000
_AGGS = ("avg", "mean", "min", "max", "sum")


@dataclass
class GroupKey:
    """A group key: its label, its value on each side (one value unless grouping a compared column by name)."""

    label: str
    vals: list[Val]

    @property
    def t(self) -> T:
        return self.vals[0].t


@dataclass
class Split:
    """A compared group view that needs no join of the two tables (no filter, every row of both, group keys
    that are columns): each table's rows enter the long relation straight from its own scan, and only the
    rows counted twice (in both tables with the same keys) need the join, narrow, in one query.

    `keys[side]` and `values[side]` are the group keys and summary values on that table's scan (a summary value
    is None when the table lacks the column); `dups` is the count of such rows per group, by key columns.
    """

    rels: list[ir.Table]
    keys: list[list[Val]]
    values: list[list[Any]]
    rowkeys: list[Any]
    dups: ir.Table


@dataclass
class Summary:
    """A summarised column: `kind` is hist, counts, images, media or none; `exprs` its value per side (None if
    absent). A media summary has a few samples (as images do) and a histogram of its `fact` field."""

    label: str
    kind: str
    exprs: list[Any]
    table: int | None
    int_aligned: bool = False
    lengths: bool = False  # histogram of list lengths
    elements: bool = False  # counts of list elements
    mixed: bool = False  # values are variant structs
    media_kind: str | None = None  # media summaries: the storage kind of the cells ("audio", ...)
    fact: str | None = None  # media summaries: the numeric field binned (None: samples only)

    @property
    def binned(self) -> bool:
        """True when the summary has histogram bins (a hist, or a media summary with a fact)."""
        return self.kind == "hist" or (self.kind == "media" and self.fact is not None)


def _key_cols(i: int, v: Val) -> dict[str, Any]:
    if v.t.kind in ("array", "object"):
        raise FilterError("Cannot group by an array or object; group by $size, an element or a field instead")
    if v.t.kind == "mixed":
        cols = {f"__tl_g{i}_t": v.tag}
        for part, e in v.parts.items():
            cols[f"__tl_g{i}_{part}"] = e
        return cols
    if v.t.kind == "null":
        return {f"__tl_g{i}": typed_null("int64")}
    return {f"__tl_g{i}": out_expr(v)}


class GroupPlan:
    """The grouped view of a filtered frame."""

    def __init__(self, frame: Frame, rel: ir.Table, keys: list[GroupKey], summaries: list[Summary],
                 sort: list[tuple[Any, bool]], runner: Runner, bins: int, samples: int, top: int,
                 split: Split | None = None) -> None:
        self.frame, self.keys, self.summaries, self.split = frame, keys, summaries, split
        self.runner, self.bins, self.samples, self.top = runner, max(1, int(bins)), max(0, samples), max(1, top)
        self.compare = frame.mode == "compare"
        self._sort = sort
        self._planned = self._long(rel)
        self.key_cols = [c for c in self._planned.columns if c.startswith("__tl_g")]
        self.aggs: dict[str, Any] = {}
        self._planned_groups = self._groups(sort, self._planned)  # faults in the sort surface now
        self._edges: dict[str, tuple[list[float], float, float, int]] | None = None
        self._groups_tbl: pa.Table | None = None
        self._many = False
        self._lengths: dict[str, dict[tuple[Any, ...], dict[int, list[int]]]] = {}

    # ------------------------------------------------------------------------------------------ relations
    @cached_property
    def long(self) -> ir.Table:
        """One row per (row, table it is in) with the group keys and the values summaries need.

        Comparing, this is the join of the two versions unioned with itself, and every query of a page (groups,
        histogram edges, histograms, top values, samples) reads it: it is computed once, on first use, into a
        temporary table of the connection (narrow: list columns enter as their lengths), instead of joining the
        two versions again for each query.
        """
        return self.runner.materialize(self._planned) if self.compare and self.split is None else self._planned

    @cached_property
    def groups(self) -> ir.Table:
        return self._groups(self._sort, self.long) if self.compare and self.split is None else self._planned_groups

    def _long(self, rel: ir.Table) -> ir.Table:
        if self.split is not None:
            return self._split_long(self.split)
        rowkey = rel[self.frame.key]
        if not self.compare:
            cols: dict[str, Any] = {}
            for i, k in enumerate(self.keys):
                cols.update(_key_cols(i, k.vals[0]))
            for j, s in enumerate(self.summaries):
                if s.exprs[0] is not None:
                    cols[f"__tl_v{j}"] = _summary_value(s, s.exprs[0])
                    if s.kind == "media" and s.fact is not None:
                        cols[f"__tl_h{j}"] = _fact_value(s, s.exprs[0])
            cols[ROWKEY] = rowkey
            return rel.select(**cols)
        parts = []
        for side, rn in ((0, "__tl_rn0"), (1, "__tl_rn1")):
            cols = {}
            for i, k in enumerate(self.keys):
                cols.update(_key_cols(i, k.vals[side]))
            cols[SIDE] = ibis.literal(side, type=dt.int8)
            same = [k.vals[0] is k.vals[1] for k in self.keys]
            if side == 1:
                both = rel[self.frame.presence] == "both"
                eqs = [out_expr(k.vals[0]).identical_to(out_expr(k.vals[1])) for k, s in zip(self.keys, same)
                       if not s and k.vals[0].t.kind not in ("mixed", "null")]
                if any(not s and k.vals[0].t.kind == "mixed" for k, s in zip(self.keys, same)):
                    for k, s in zip(self.keys, same):
                        if not s and k.vals[0].t.kind == "mixed":
                            eqs.append(k.vals[0].tag == k.vals[1].tag)
                            for p in k.vals[0].parts:
                                eqs.append(k.vals[0].parts[p].identical_to(k.vals[1].parts[p]))
                cond = reduce(lambda a, b: a & b, eqs, both)
                cols[DUP] = ibis.ifelse(cond, 1, 0).cast("int64")
            else:
                cols[DUP] = ibis.literal(0, type=dt.int64)
            for j, s in enumerate(self.summaries):
                e = s.exprs[side]
                cols[f"__tl_v{j}"] = _summary_value(s, e) if e is not None else typed_null(_value_type(s))
                if s.kind == "media" and s.fact is not None:
                    cols[f"__tl_h{j}"] = _fact_value(s, e) if e is not None else typed_null(
                        dt.int64 if s.int_aligned else dt.float64)
            cols[ROWKEY] = rowkey
            parts.append(rel.filter(rel[rn].notnull()).select(**cols))
        return parts[0].union(parts[1])

    def _split_long(self, split: Split) -> ir.Table:
        parts = []
        for side in (0, 1):
            rel = split.rels[side]
            cols: dict[str, Any] = {}
            for i, v in enumerate(split.keys[side]):
                cols.update(_key_cols(i, v))
            cols[SIDE] = ibis.literal(side, type=dt.int8)
            cols[DUP] = ibis.literal(0, type=dt.int64)
            for j, s in enumerate(self.summaries):
                e = split.values[side][j]
                cols[f"__tl_v{j}"] = _summary_value(s, e) if e is not None else typed_null(_value_type(s))
                if s.kind == "media" and s.fact is not None:
                    cols[f"__tl_h{j}"] = _fact_value(s, e) if e is not None else typed_null(
                        dt.int64 if s.int_aligned else dt.float64)
            cols[ROWKEY] = split.rowkeys[side]
            parts.append(rel.select(**cols))
        return parts[0].union(parts[1])

    def _groups(self, sort: list[tuple[Any, bool]], g: ir.Table) -> ir.Table:
        aggs: dict[str, Any] = {}
        if self.compare:
            aggs["count_0"] = (g[SIDE] == 0).cast("int64").sum()
            aggs["count_1"] = (g[SIDE] == 1).cast("int64").sum()
            if self.split is None:
                aggs["__tl_dups"] = g[DUP].sum()
        else:
            aggs["count"] = g.count()
        order: list[Any] = []
        labels = {k.label: i for i, k in enumerate(self.keys)}
        for key, desc in sort:
            if not isinstance(key, str):
                raise FilterError(f"Groups sort by a key, count or an aggregate such as avg(x); got {key!r}")
            name = key.strip()
            if name in ("count", "count_0", "count_1") and (name == "count" or self.compare):
                order.append((name, desc))
                continue
            if name in labels:
                order.append((labels[name], desc))
                continue
            agg = self._agg(name, g)
            if agg is None:
                keys = ", ".join([*labels, "count"] + (["count_0", "count_1"] if self.compare else []))
                raise FilterError(f"Cannot sort groups by {key!r}: use a group key ({keys}) or an aggregate "
                                  f"such as avg(x), min(x), max(x), sum(x) of a numeric column")
            aggs[name] = agg
            self.aggs[name] = agg
            order.append((name, desc))
        groups = g.group_by(self.key_cols).agg(**aggs)
        if self.split is not None:  # rows in both tables with the same keys: counted by one narrow join
            d = self.split.dups
            joined = groups.left_join(d, [groups[c].identical_to(d[c]) for c in self.key_cols])
            groups = joined.select(*[groups[c] for c in groups.columns],
                                   __tl_dups=ibis.coalesce(d["__tl_dups"], 0))
        if self.compare:
            groups = groups.mutate(count=groups["count_0"] + groups["count_1"] - groups["__tl_dups"]).drop(
                "__tl_dups")
        sort_keys: list[Any] = []
        used = set()
        for item, desc in order:
            if isinstance(item, int):
                sort_keys += sort_exprs(self._key_val(groups, item), desc)
                used.add(item)
            else:
                e = groups[item]
                sort_keys.append(e.desc(nulls_first=False) if desc else e.asc(nulls_first=False))
        for i in range(len(self.keys)):
            if i not in used:
                sort_keys += sort_exprs(self._key_val(groups, i), False)
        return groups.order_by(sort_keys) if sort_keys else groups

    def _key_val(self, rel: ir.Table, i: int) -> Val:
        k = self.keys[i]
        if k.t.kind == "mixed":
            parts = {c.removeprefix(f"__tl_g{i}_"): rel[c] for c in self.key_cols if c.startswith(f"__tl_g{i}_")
                     and not c.endswith("_t")}
            return Val(k.t, None, tag=rel[f"__tl_g{i}_t"], parts=parts)
        return Val(k.t, rel[f"__tl_g{i}"])

    def _agg(self, name: str, g: ir.Table) -> Any:
        if "(" not in name or not name.endswith(")"):
            return None
        fn, arg = name[:-1].split("(", 1)
        fn, arg = fn.strip().lower(), arg.strip()
        if fn not in _AGGS:
            return None
        for j, s in enumerate(self.summaries):
            if s.label == arg and s.kind == "hist" and not s.lengths:
                col = g[f"__tl_v{j}"]
                return {"avg": col.mean(), "mean": col.mean(), "min": col.min(), "max": col.max(),
                        "sum": col.sum()}[fn]
        return None

    # ------------------------------------------------------------------------------------------- results
    def _cached_groups(self) -> pa.Table | None:
        """All groups (keys, counts, aggregates) in order, fetched once when there are at most GROUP_CACHE."""
        if self._groups_tbl is None and not self._many:
            tbl = self.runner.arrow(self.groups.limit(GROUP_CACHE + 1))
            if tbl.num_rows <= GROUP_CACHE:
                self._groups_tbl = tbl
            else:
                self._many = True
        return self._groups_tbl

    def count(self) -> int:
        cached = self._cached_groups()
        if cached is not None:
            return cached.num_rows
        return int(self.runner.scalar(self.groups.count()))

    def expr(self) -> ir.Table:
        return self._planned_groups

    def check_expr(self) -> ir.Table:
        return self._planned_groups

    def edges(self) -> dict[str, tuple[list[float], float, float, int]]:
        """Histogram edges per hist summary over all filtered rows: (edges, low, width, bins)."""
        if self._edges is not None:
            return self._edges
        self._edges = {}
        hists = [(j, s) for j, s in enumerate(self.summaries) if s.binned]
        cached = self._cached_groups()
        for j, s in hists:  # list lengths: one pass gives every group's exact counts, and so the edges
            if s.lengths and cached is not None and cached.num_rows <= LENGTH_GROUPS:
                self._length_counts(j, s)
        todo = [(j, s) for j, s in hists if s.label not in self._lengths]
        row = self._min_max(todo, finite_only=False)
        # plain min/max is cheap (often answered from Parquet statistics); NaN or an infinity among the
        # results means the column has some: only then take the slower min/max of the finite values
        again = [(j, s) for j, s in todo if any(v is not None and not math.isfinite(v)
                                                for v in (row[f"lo{j}"], row[f"hi{j}"]))]
        row.update(self._min_max(again, finite_only=True))
        for j, s in hists:
            if s.label in self._lengths:
                values = [v for per_group in self._lengths[s.label].values() for v in per_group]
                lo, hi = (min(values), max(values)) if values else (None, None)
            else:
                lo, hi = row[f"lo{j}"], row[f"hi{j}"]
            self._edges[s.label] = _bin_edges(lo, hi, self.bins, s.int_aligned)
        return self._edges

    def _min_max(self, cols: list[tuple[int, Summary]], finite_only: bool) -> dict[str, Any]:
        aggs = {}
        for j, s in cols:
            x = self._hist_value(j, s)
            ok = _finite(x, s) if finite_only else None
            # integers stay exact: a double cannot hold 2**63 - 1, and its edges would leave the int64 range
            typ = "int64" if x.type().is_integer() else "float64"
            aggs[f"lo{j}"] = x.min(where=ok).cast(typ)
            aggs[f"hi{j}"] = x.max(where=ok).cast(typ)
        return self.runner.arrow(self.long.aggregate(**aggs)).to_pylist()[0] if aggs else {}

    def _length_counts(self, j: int, s: Summary) -> None:
        x = self.long[f"__tl_v{j}"]
        q = self.long.filter(x.notnull()).group_by(
            [*self.key_cols, *([SIDE] if self.compare else []), x.name("__tl_len")]).agg(__tl_n=ibis._.count())
        tbl = self.runner.arrow(q.limit(LENGTH_ROWS + 1))
        if tbl.num_rows > LENGTH_ROWS:
            return
        out: dict[tuple[Any, ...], dict[int, list[int]]] = {}
        for r in tbl.to_pylist():
            kt, side = self._split(r)
            per = out.setdefault(kt, {})
            per.setdefault(int(r["__tl_len"]), [0, 0])[side] += int(r["__tl_n"])
        self._lengths[s.label] = out

    def _hist_value(self, j: int, s: Summary) -> Any:
        return self.long[f"__tl_h{j}" if s.kind == "media" else f"__tl_v{j}"]

    def page(self, offset: int, limit: int) -> tuple[list[dict[str, Any]], list[str]]:
        """Rows of the page as dicts (keys decoded, counts, aggregates, summaries) and their column names."""
        cached = self._cached_groups()
        if cached is not None:
            rows = cached.slice(offset, limit).to_pylist()
            whole = offset == 0 and len(rows) == cached.num_rows
        else:
            rows = self.runner.arrow(self.groups.limit(limit, offset=offset)).to_pylist()
            whole = False
        names = [k.label for k in self.keys] + (["count", "count_0", "count_1"] if self.compare else ["count"])
        names += list(self.aggs)
        names += [s.label for s in self.summaries]
        if not rows:
            return [], names
        keyed = [self._key_tuple(r) for r in rows]
        scope = self.long if whole else self._page_scope(rows)
        summaries: dict[str, dict[tuple[Any, ...], Any]] = {}
        edges = self.edges() if any(s.binned for s in self.summaries) else {}
        hists = self._hists(scope, edges)
        for j, s in enumerate(self.summaries):
            if s.kind == "counts":
                summaries[s.label] = self._counts(scope, j, s)
            elif s.kind in ("images", "media"):
                summaries[s.label] = self._images(scope, j, s, keyed)
        for label, per_group in hists.items():
            if label in summaries:  # media: the samples, with the histogram of their fact beside
                for kt, counts in per_group.items():
                    summaries[label].setdefault(kt, {"images": []})["hist"] = counts
            else:
                summaries[label] = per_group
        out = []
        nsides = 2 if self.compare else 1
        for r, kt in zip(rows, keyed):
            rec: dict[str, Any] = {}
            for i, k in enumerate(self.keys):
                rec[k.label] = self._decode_key(r, i)
            rec["count"] = int(r["count"])
            if self.compare:
                rec["count_0"], rec["count_1"] = int(r["count_0"]), int(r["count_1"])
            for name in self.aggs:
                rec[name] = r[name]
            for s in self.summaries:
                rec[s.label] = _fill(s, summaries.get(s.label, {}).get(kt), edges.get(s.label), nsides)
            out.append(rec)
        return out, names

    def _key_tuple(self, r: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(_norm(r[c]) for c in self.key_cols)

    def _decode_key(self, r: dict[str, Any], i: int) -> Any:
        if self.keys[i].t.kind != "mixed":
            return r[f"__tl_g{i}"]
        tag = r[f"__tl_g{i}_t"]
        cell = {"type": tag}
        for part, fld in STRUCT_FIELD.items():
            cell[fld] = r.get(f"__tl_g{i}_{part}")
        return decode_variant(cell)

    def _page_scope(self, rows: list[dict[str, Any]]) -> ir.Table:
        """The long relation narrowed to the groups of this page."""
        g = self.long
        if len(self.key_cols) == 1:  # one scalar key: an IN list
            col = g[self.key_cols[0]]
            values = [r[self.key_cols[0]] for r in rows]
            plain = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
            conds = [col.isin([ibis.literal(v, type=col.type()) for v in plain])] if plain else []
            if any(v is None for v in values):
                conds.append(col.isnull())
            if len(plain) + sum(v is None for v in values) < len(values):
                conds.append(col.isnan())
            return g.filter(reduce(lambda a, b: a | b, conds))
        conds = []
        for r in rows:
            parts = []
            for c in self.key_cols:
                v = r[c]
                col = g[c]
                if v is None:
                    parts.append(col.isnull())
                elif isinstance(v, float) and math.isnan(v):
                    parts.append(col.isnan())
                else:
                    parts.append(col == ibis.literal(v, type=col.type()))
            conds.append(reduce(lambda a, b: a & b, parts) if parts else ibis.literal(True))
        if not conds:
            return g
        return g.filter(reduce(lambda a, b: a | b, conds))

    def _split(self, r: dict[str, Any]) -> tuple[tuple[Any, ...], int]:
        return tuple(_norm(r[c]) for c in self.key_cols), int(r[SIDE]) if self.compare else 0

    def _hists(self, scope: ir.Table, edges: dict[str, Any]) -> dict[str, dict[tuple[Any, ...], Any]]:
        """Histogram counts of every hist summary for the groups in `scope`, in one engine query."""
        nsides = 2 if self.compare else 1
        out: dict[str, dict[tuple[Any, ...], Any]] = {}
        parts = []
        todo: dict[int, tuple[Summary, int]] = {}
        for j, s in enumerate(self.summaries):
            if not s.binned or not edges[s.label][0]:
                continue
            _, lo, width, nb = edges[s.label]
            if s.label in self._lengths:  # counted already: bin the exact lengths
                per_label: dict[tuple[Any, ...], Any] = {}
                for kt, per_len in self._lengths[s.label].items():
                    counts = [[0] * nb for _ in range(nsides)]
                    for length, by_side in per_len.items():
                        b = min(max(int((length - int(lo)) // int(width)), 0), nb - 1)
                        for side in range(nsides):
                            counts[side][b] += by_side[side]
                    per_label[kt] = counts
                out[s.label] = per_label
                continue
            x = scope[f"__tl_h{j}" if s.kind == "media" else f"__tl_v{j}"]
            if s.int_aligned and int(width) * nb < 2**62:  # exact integer bins while `x - lo` cannot overflow
                b = (x - int(lo)) // int(width)
            else:
                b = ((x.cast("float64") - float(lo)) / float(width)).floor()
            b = imin(imax(b, 0), nb - 1).cast("int64")
            parts.append(scope.filter(_finite(x, s)).select(
                *self.key_cols, *([SIDE] if self.compare else []), __tl_j=ibis.literal(j, type=dt.int64),
                __tl_bin=b))
            todo[j] = (s, nb)
        if not parts:
            return out
        union = reduce(lambda a, b: a.union(b), parts)
        q = union.group_by([*self.key_cols, *([SIDE] if self.compare else []), "__tl_j", "__tl_bin"]).agg(
            __tl_n=ibis._.count())
        for r in self.runner.arrow(q).to_pylist():
            kt, side = self._split(r)
            s, nb = todo[int(r["__tl_j"])]
            counts = out.setdefault(s.label, {}).setdefault(kt, [[0] * nb for _ in range(nsides)])
            counts[side][int(r["__tl_bin"])] += int(r["__tl_n"])
        return out

    def _counts(self, scope: ir.Table, j: int, s: Summary) -> dict[tuple[Any, ...], Any]:
        col = scope[f"__tl_v{j}"]
        base = scope.select(*self.key_cols, *([SIDE] if self.compare else []),
                            __tl_x=col.unnest() if s.elements else col)
        base = base.filter(base["__tl_x"].notnull())
        aggs: dict[str, Any] = {"__tl_n": base.count()}
        if self.compare:
            aggs["__tl_n0"] = (base[SIDE] == 0).cast("int64").sum()
            aggs["__tl_n1"] = (base[SIDE] == 1).cast("int64").sum()
        grouped = base.group_by([*self.key_cols, "__tl_x"]).agg(**aggs)
        ranked = grouped.mutate(__tl_r=ibis.row_number().over(
            group_by=[grouped[c] for c in self.key_cols],
            order_by=[grouped["__tl_n"].desc(), grouped["__tl_x"].asc()]))
        top_q = ranked.filter(ranked["__tl_r"] < self.top)
        try:
            self.runner.check(top_q)
            rows = self.runner.arrow(top_q).to_pylist()
        except FilterError:  # no window functions: rank in Python
            rows = self.runner.arrow(grouped).to_pylist()
        by_group: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for r in rows:
            by_group.setdefault(tuple(_norm(r[c]) for c in self.key_cols), []).append(r)
        out: dict[tuple[Any, ...], Any] = {}
        for kt, items in by_group.items():
            items.sort(key=lambda r: (-r["__tl_n"], _sortable(r["__tl_x"])))
            items = items[: self.top]
            values = [decode_variant(r["__tl_x"]) if s.mixed else r["__tl_x"] for r in items]
            counts = [[int(r["__tl_n0"]) for r in items], [int(r["__tl_n1"]) for r in items]] if self.compare \
                else [[int(r["__tl_n"]) for r in items]]
            out[kt] = {"values": values, "counts": counts}
        return out

    def _images(self, scope: ir.Table, j: int, s: Summary, keyed: list[tuple[Any, ...]]) -> dict[
            tuple[Any, ...], Any]:
        if self.samples == 0:
            return {}
        col = scope[f"__tl_v{j}"]
        base = scope.filter(col.notnull())
        part = [base[c] for c in self.key_cols] + ([base[SIDE]] if self.compare else [])
        ranked = base.mutate(__tl_r=ibis.row_number().over(group_by=part, order_by=[base[ROWKEY]]))
        q = ranked.filter(ranked["__tl_r"] < self.samples).select(
            *self.key_cols, *([SIDE] if self.compare else []), ROWKEY, __tl_img=ranked[f"__tl_v{j}"])
        try:
            self.runner.check(q)
            rows = self.runner.arrow(q).to_pylist()
        except FilterError:  # no window functions: one small query per group
            rows = []
            for r0 in self.runner.arrow(scope.select(*self.key_cols).distinct()).to_pylist():
                cond = reduce(lambda a, b: a & b, [
                    base[c].isnull() if r0[c] is None else base[c] == r0[c] for c in self.key_cols
                ], ibis.literal(True))
                sub = base.filter(cond).order_by(base[ROWKEY]).select(
                    *self.key_cols, *([SIDE] if self.compare else []), ROWKEY, __tl_img=base[f"__tl_v{j}"])
                rows += self.runner.arrow(sub.limit(self.samples * (2 if self.compare else 1))).to_pylist()
        out: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        for r in sorted(rows, key=lambda r: (r.get(SIDE, 0), _sortable(r[ROWKEY]))):
            kt = tuple(_norm(r[c]) for c in self.key_cols)
            imgs = out.setdefault(kt, [])
            if len(imgs) < self.samples * (2 if self.compare else 1):
                imgs.append(r["__tl_img"])
        return {kt: {"images": v[: self.samples]} for kt, v in out.items()}


# --------------------------------------------------------------------------------------------- helpers
def _summary_value(s: Summary, e: Any) -> Any:
    """What a summary needs of a value: a list's length for a length histogram, else the value itself."""
    return e.length().cast("int64") if s.lengths else e


def _fact_value(s: Summary, e: Any) -> Any:
    """The numeric field a media summary bins (a duration, a point count), as a float."""
    return e[s.fact].cast("int64" if s.int_aligned else "float64")


def _value_type(s: Summary) -> Any:
    if s.lengths:
        return dt.int64
    for e in s.exprs:
        if e is not None:
            return e.type()
    return dt.null


def _finite(x: Any, s: Summary) -> Any:
    ok = x.notnull()
    if not s.lengths and x.type().is_floating():
        ok = ok & ~x.isnan() & ~x.isinf()
    return ok


def _bin_edges(lo: float | None, hi: float | None, bins: int, int_aligned: bool) -> tuple[
        list[float], float, float, int]:
    """Edges for values in [lo, hi]: `bins` equal bins, or integer-aligned bins of integer width."""
    if lo is None or hi is None:
        return [], 0.0, 1.0, 0
    if int_aligned:  # exact integer arithmetic (floats lose the low bits of large int64 values)
        lo_i, hi_i = math.floor(lo), math.floor(hi)
        span = hi_i - lo_i + 1
        width = max(1, -(-span // bins))
        nb = max(1, -(-span // width))
        return [float(lo_i + i * width) for i in range(nb + 1)], lo_i, width, nb
    if hi == lo:
        return [lo - 0.5, lo + 0.5], lo - 0.5, 1.0, 1
    width = (hi - lo) / bins
    return [lo + i * width for i in range(bins)] + [hi], lo, width, bins


def _fill(s: Summary, value: Any, edge: Any, nsides: int) -> Any:
    if s.kind == "hist":
        edges = edge[0] if edge else []
        nb = len(edges) - 1 if edges else 0
        counts = value if value is not None else [[0] * nb for _ in range(nsides)]
        return {"kind": "hist", "edges": edges, "counts": counts}
    if s.kind == "counts":
        value = value or {"values": [], "counts": [[] for _ in range(nsides)]}
        return {"kind": "counts", **value}
    if s.kind == "images":
        return {"kind": "images", **(value or {"images": []})}
    if s.kind == "media":
        value = value or {"images": []}
        out = {"kind": "media", "media_kind": s.media_kind, "field": s.fact, "images": value.get("images") or []}
        if s.fact is not None:
            edges = edge[0] if edge else []
            nb = len(edges) - 1 if edges else 0
            out["hist"] = {"edges": edges, "counts": value.get("hist") or [[0] * nb for _ in range(nsides)]}
        return out
    return None


def _norm(v: Any) -> Any:
    if isinstance(v, float) and math.isnan(v):
        return "__nan__"
    if isinstance(v, dict):
        return tuple(sorted((k, _norm(x)) for k, x in v.items()))
    if isinstance(v, list):
        return tuple(_norm(x) for x in v)
    return v


def _sortable(v: Any) -> tuple[int, Any]:
    if v is None:
        return (1, 0)
    if isinstance(v, (dict, list)):
        return (0, str(v))
    return (0, v)
