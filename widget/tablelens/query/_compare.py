"""Two tables matched row by row: compare mode (two versions overlaid) and JoinedTable joins.

Columns of table 0 become `0.x` and of table 1 `1.x` in the relation, so any names (dots, quotes, the same
name on both sides) stay distinct. Rows match on a join key (default `id` when both tables have it, else the
row position); each joined row records which sides it has in `__tl_presence`.
"""

from __future__ import annotations

from typing import Any

import ibis

from .._core.errors import FilterError
from ._frame import Frame, FrameColumn
from ._tables import Source
from ._values import type_from_ibis
from .spec import HOWS, QUICK_FILTERS

__all__ = ["KEY", "PRESENCE", "RN0", "RN1", "joined_frame"]

KEY = "__tl_key"
PRESENCE = "__tl_presence"
RN0, RN1 = "__tl_rn0", "__tl_rn1"


def _key_names(s0: Source, s1: Source, join_key: Any) -> tuple[str, str] | None:
    if join_key is None:
        return ("id", "id") if "id" in s0.names() and "id" in s1.names() else None
    k0, k1 = (join_key, join_key) if isinstance(join_key, str) else tuple(join_key)
    for side, (src, k) in enumerate(((s0, k0), (s1, k1))):
        if k not in src.names():
            raise FilterError(f"The join key {k!r} is not a column of table {side} ({src.label}); "
                              f"columns: {', '.join(src.names()[:30])}", path="join_key")
    return k0, k1


def joined_frame(s0: Source, s1: Source, join_key: Any, how: str, mode: str, quick_filter: str = "all") -> Frame:
    """Join two sources. `mode` is "compare" (outer join narrowed by `quick_filter`) or "joined"."""
    if how not in HOWS:
        raise FilterError(f"how must be one of inner, left, outer (got {how!r})", path="how")
    if quick_filter not in QUICK_FILTERS:
        raise FilterError(f"quick_filter must be one of {', '.join(QUICK_FILTERS)} (got {quick_filter!r})",
                          path="quick_filter")
    keys = _key_names(s0, s1, join_key)
    a = s0.table.select(**{RN0: s0.table[s0.rn]}, **{f"0.{c}": s0.table[c] for c in s0.names()})
    b = s1.table.select(**{RN1: s1.table[s1.rn]}, **{f"1.{c}": s1.table[c] for c in s1.names()})
    if keys is None:
        ka, kb = RN0, RN1
    else:
        ka, kb = f"0.{keys[0]}", f"1.{keys[1]}"
        ta, tb = a[ka].type(), b[kb].type()
        if not (ta.is_numeric() and tb.is_numeric()) and ta != tb:
            raise FilterError(f"The join keys have different types ({ta} in table 0, {tb} in table 1)",
                              path="join_key")
    if mode == "compare":
        join_how = {"all": "outer", "both": "inner", "only0": "left", "only1": "right"}[quick_filter]
    else:
        join_how = HOWS[how]
    j = a.join(b, a[ka] == b[kb], how=join_how)
    if join_how == "inner":
        presence: Any = ibis.literal("both")
    else:
        presence = ibis.cases((j[RN0].notnull() & j[RN1].notnull(), "both"), (j[RN0].notnull(), "only0"),
                              else_="only1")
    key = ibis.coalesce(j[ka], j[kb]) if join_how != "inner" else j[ka]
    rel = j.mutate(**{KEY: key, PRESENCE: presence})
    if mode == "compare" and quick_filter in ("only0", "only1"):
        rel = rel.filter(rel[RN1 if quick_filter == "only0" else RN0].isnull())
    schema = rel.schema()
    cols: list[FrameColumn] = []
    for side, src in enumerate((s0, s1)):
        for info in src.columns:
            ref = f"{side}.{info.name}"
            t = type_from_ibis(schema[ref], info.kind)
            cols.append(FrameColumn(ref, ref, info.name, side, side, info.kind, info.meta, t))
    missing: dict[int, Any] = {0: False, 1: False}
    if join_how in ("outer", "right"):
        missing[0] = rel[RN0].isnull()
    if join_how in ("outer", "left"):
        missing[1] = rel[RN1].isnull()
    return Frame(rel, cols, KEY, [KEY, RN0, RN1], [s0, s1], mode, False, missing, PRESENCE,
                 tuple(keys) if keys is not None else None)
