"""Sort and group keys: what the user wrote (a column, a `$path`, an expression) to typed values and sort keys.

Sorting follows MongoDB type order within a column of mixed values, puts NaN below every number, and puts null
and missing last in both directions; the row key breaks ties so paging is stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis

from .._core.errors import FilterError
from ._parse import Node, from_python, parse
from ._semantics import CAT_OF_TAG, RANK, as_bool
from ._values import Val, typed_null

__all__ = ["key_node", "sort_exprs"]


def key_node(key: Any, labels: dict[str, str], names0: Sequence[str], control: str) -> Node:
    """The expression node of a sort or group key: a column label, a `$path`, or expression text."""
    if isinstance(key, dict):
        try:
            return from_python(key)
        except FilterError as err:
            raise err.for_control(control) from None
    if not isinstance(key, str):
        raise FilterError(f"A {control} key must be a string, got {key!r}", path=control, control=control)
    if key in labels:
        return Node("string", labels[key], None, key)
    text = key.strip()
    if not text:
        raise FilterError(f"An empty {control} key", path=control, control=control)
    try:
        if text.startswith("$"):
            return Node("string", text, key.index("$"), key)
        if text[0] in "{['\"":
            return parse(key)
    except FilterError as err:
        raise err.for_control(control) from None
    if text in names0:
        return Node("string", f"$0.{text}", None, key)
    listing = ", ".join(list(labels)[:30])
    raise FilterError(f"Unknown column {key!r}; write a column name ({listing}), a path such as $0.a.b, or an "
                      f"expression", position=0, path=control, control=control)


def sort_exprs(v: Val, desc: bool, no_nan: bool = False) -> list[Any]:
    """Ibis sort keys for one value: type order, NaN below numbers, null/missing last.

    `no_nan` says a double column holds no NaN, so the NaN key can go: a plain column as first key lets DuckDB
    prune row groups while it keeps the top rows.
    """
    def direct(e: Any) -> Any:
        return e.desc(nulls_first=False) if desc else e.asc(nulls_first=False)

    k = v.t.kind
    if k == "null":
        return []
    if k in ("array", "object"):
        raise FilterError(f"Cannot sort by {'an array' if k == 'array' else 'an object'}; sort by $size, an "
                          f"element or a field instead")
    if k == "bool":
        return [direct(as_bool(v))]
    if k == "float":
        return [direct(v.e)] if no_nan else [direct(_nan_flag(v.e)), direct(v.e)]
    if k != "mixed":
        return [direct(v.e)]
    tag = v.tag
    ranks = [(t, RANK[c]) for t, c in CAT_OF_TAG.items()]
    rank = ibis.ifelse(tag == "null", typed_null("int64"), tag.cases(*ranks, else_=typed_null("int64")))
    keys = [direct(rank)]
    num_tags = [t for t in ("int", "double") if t in v.t.tags]
    if num_tags:
        from ._semantics import num_part

        num = ibis.ifelse(tag.isin(["int", "double"]), num_part(v), typed_null("float64"))
        keys += [direct(_nan_flag(num)), direct(num)]
    for part, tags in (("str", ["string"]), ("bool", ["bool"]), ("date", ["date"]), ("json", ["array", "object"])):
        if part in v.parts:
            keys.append(direct(ibis.ifelse(tag.isin(tags), v.parts[part], typed_null(v.parts[part].type()))))
    return keys


def _nan_flag(e: Any) -> Any:
    """0 for NaN, 1 for other numbers, NULL for NULL: sorts NaN below the numbers and NULL last."""
    return ibis.cases((e.isnan(), 0), (e.notnull(), 1), else_=typed_null("int64"))
