"""`QuerySpec`: what to filter, group, sort and compare — one normalised form for `tl.query`, the Explorer's
traits and saved views.

Every way of writing a query (keyword arguments, trait values from the browser, a saved view's JSON) goes
through `QuerySpec.normalize`, so each part has one canonical form and one set of error messages; a fault is a
FilterError naming the control it belongs to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .._core.errors import FilterError

__all__ = ["HOWS", "QUICK_FILTERS", "GroupKey", "QuerySpec", "SortKey", "normalize_group_by", "normalize_sort"]

#: compare-mode row filters: every row, rows in both tables, rows only in table 0 / only in table 1
QUICK_FILTERS = ("all", "both", "only0", "only1")
#: joins of a JoinedTable (`full` is another name for `outer`)
HOWS = {"inner": "inner", "left": "left", "right": "right", "outer": "outer", "full": "outer"}

#: a group or sort key: a column name, a `$path`, expression text, or an expression as a dict
GroupKey = str | dict
#: a sort key and whether it sorts descending
SortKey = tuple[GroupKey, bool]

_DIRECTIONS = ("asc", "desc")


def _is_direction(x: Any) -> bool:
    return isinstance(x, str) and x.lower() in _DIRECTIONS


def _is_pair(value: Any) -> bool:
    """`("col", "desc")`: one sort key with its direction (not two keys)."""
    return (isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2
            and _is_direction(value[1]) and not _is_direction(value[0]) and isinstance(value[0], (str, Mapping)))


def _key(item: Any, control: str, strings_only: bool) -> GroupKey:
    if isinstance(item, str):
        if not item.strip():
            raise FilterError(f"An empty {control} key; name a column, a $path or an expression",
                              path=control, control=control)
        return item
    if isinstance(item, Mapping) and not strings_only:
        return dict(item)
    kinds = "a column name or '$0.a.b' path" if strings_only else "a column name, a $path or an expression"
    raise FilterError(f"A {control} key must be {kinds}, got {item!r}", path=control, control=control)


def normalize_group_by(value: Any, *, strings_only: bool = False) -> tuple[GroupKey, ...]:
    """`group_by` as a tuple of keys: accepts one key, a list of keys, or nothing (None, "", [])."""
    if value is None or value == "" or (isinstance(value, Sequence) and not isinstance(value, str) and not value):
        return ()
    if isinstance(value, (str, Mapping)):
        return (_key(value, "group-by", strings_only),)
    if isinstance(value, Sequence):
        return tuple(_key(v, "group-by", strings_only) for v in value)
    raise FilterError(f"group_by takes a column name, a $path, an expression or a list of them, got {value!r}",
                      path="group-by", control="group-by")


def normalize_sort(value: Any, *, strings_only: bool = False) -> tuple[SortKey, ...]:
    """`sort` as a tuple of (key, descending).

    Accepts `"col"`, `("col", "desc")`, `["col", "asc"]`, a dict expression, or a list of any of those.
    """
    if value is None or value == "" or (isinstance(value, Sequence) and not isinstance(value, str) and not value):
        return ()
    if isinstance(value, (str, Mapping)) or _is_pair(value):
        value = [value]
    if not isinstance(value, Sequence):
        raise FilterError(f"sort takes [(key, 'asc' | 'desc'), ...], got {value!r}", path="sort", control="sort")
    out = []
    for item in value:
        if isinstance(item, (str, Mapping)):
            out.append((_key(item, "sort", strings_only), False))
            continue
        if not isinstance(item, Sequence) or len(item) != 2 or not _is_direction(item[1]):
            raise FilterError(f"A sort key must be (key, 'asc' | 'desc'), got {item!r}", path="sort", control="sort")
        out.append((_key(item[0], "sort", strings_only), item[1].lower() == "desc"))
    return tuple(out)


def _positive(name: str, value: Any, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise FilterError(f"{name} must be an integer of at least {low}, got {value!r}", path=name, control="filter")
    return value


@dataclass(frozen=True)
class QuerySpec:
    """A query, normalised. Build one with `QuerySpec.normalize(...)` (keyword arguments as `tl.query` takes).

    `compare` is the compared source as given (a `"name:v3"` spec, a table, ...), None when not comparing.
    """

    filter: str | dict | None = None
    group_by: tuple[GroupKey, ...] = ()
    sort: tuple[SortKey, ...] = ()
    compare: Any = None
    compare_table: str | None = None
    quick_filter: str = "all"
    table: str | None = None
    join_key: str | tuple[str, str] | None = None
    how: str = "inner"
    bins: int = 20
    samples: int = 4
    top: int = 10

    @classmethod
    def normalize(cls, *, filter: Any = None, group_by: Any = None, sort: Any = None, compare: Any = None,
                  compare_table: str | None = None, quick_filter: str | None = "all", table: str | None = None,
                  join_key: Any = None, how: str = "inner", bins: int = 20, samples: int = 4,
                  top: int = 10) -> QuerySpec:
        """The canonical spec; FilterError (with `.control`) for a malformed part."""
        if isinstance(filter, str):
            filter = filter.strip() or None
        elif isinstance(filter, Mapping):
            filter = dict(filter) or None
        elif filter is not None:
            raise FilterError(f"A filter is expression text or a dict, got {type(filter).__name__}",
                              path="filter", control="filter")
        if isinstance(compare, str):
            compare = compare.strip() or None
        quick_filter = quick_filter or "all"
        if quick_filter not in QUICK_FILTERS:
            raise FilterError(f"quick_filter must be one of {', '.join(QUICK_FILTERS)} (got {quick_filter!r})",
                              path="quick_filter", control="compare")
        if quick_filter != "all" and compare is None:
            raise FilterError("quick_filter needs compare=", path="quick_filter", control="compare")
        if how not in HOWS:
            raise FilterError(f"how must be one of inner, left, right, outer (got {how!r})", path="how",
                              control="source")
        if join_key is not None and not isinstance(join_key, str):
            keys = tuple(join_key) if isinstance(join_key, Sequence) else ()
            if len(keys) != 2 or not all(isinstance(k, str) for k in keys):
                raise FilterError(f"join_key must be a column name or a pair of names, got {join_key!r}",
                                  path="join_key", control="compare" if compare is not None else "source")
            join_key = keys  # type: ignore[assignment]
        return cls(filter=filter, group_by=normalize_group_by(group_by), sort=normalize_sort(sort), compare=compare,
                   compare_table=compare_table or None, quick_filter=quick_filter, table=table or None,
                   join_key=join_key, how=HOWS[how], bins=_positive("bins", bins, 1),
                   samples=_positive("samples", samples, 0), top=_positive("top", top, 1))

    def replace(self, **changes: Any) -> QuerySpec:
        """A copy with some parts changed, normalised again."""
        fields = {f: getattr(self, f) for f in self.__dataclass_fields__}
        fields.update(changes)
        if "sort" not in changes:
            fields["sort"] = [(k, "desc" if d else "asc") for k, d in self.sort]
        return QuerySpec.normalize(**fields)

    @property
    def sort_pairs(self) -> list[list[Any]]:
        """`sort` as `[[key, "asc" | "desc"], ...]` (the Explorer's trait, and JSON)."""
        return [[k, "desc" if d else "asc"] for k, d in self.sort]

    def to_json(self) -> dict[str, Any]:
        """The spec as JSON-able data (the compared source as its spec string; other objects are refused)."""
        if self.compare is not None and not isinstance(self.compare, str):
            raise TypeError("only a spec whose compare is a 'name:version' string can be saved as JSON")
        return {"filter": self.filter, "group_by": list(self.group_by), "sort": self.sort_pairs,
                "compare": self.compare, "compare_table": self.compare_table, "quick_filter": self.quick_filter,
                "table": self.table, "join_key": list(self.join_key) if isinstance(self.join_key, tuple)
                else self.join_key, "how": self.how, "bins": self.bins, "samples": self.samples, "top": self.top}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QuerySpec:
        known = {"filter", "group_by", "sort", "compare", "compare_table", "quick_filter", "table", "join_key",
                 "how", "bins", "samples", "top"}
        unknown = set(data) - known
        if unknown:
            raise FilterError(f"unknown query spec fields {sorted(unknown)}; known: {sorted(known)}",
                              control="source")
        return cls.normalize(**dict(data))
