"""`tl.query(...)`: resolve the source (and the compared one), normalise the spec, plan it on the engine."""

from __future__ import annotations

from typing import Any

from .._core.errors import ArtifactNotFoundError, FilterError
from ..artifacts import Store
from ..query import Connection, QueryResult, QuerySpec, connect, run
from ..query import evaluate as evaluate_scan
from .resolve import ResolvedSource, resolve

__all__ = ["evaluate", "query", "resolve_for_query"]


def resolve_for_query(obj: Any, table: str | None, control: str, store: Store | None = None) -> ResolvedSource:
    """`resolve`, with what cannot be found reported as a FilterError of `control` ("source" or "compare");
    a spec is looked up in `store` (the shown source's: a compared version lives where the shown one does)."""
    try:
        return resolve(obj, table, store=store)
    except ArtifactNotFoundError as e:
        raise FilterError(f"Cannot resolve {_name(obj)}: {e}", path=control, control=control) from None
    except FileNotFoundError as e:
        raise FilterError(str(e), path=control, control=control) from None
    except FilterError as e:
        raise e.for_control(control) from None


def _name(obj: Any) -> str:
    return repr(obj) if isinstance(obj, str) else type(obj).__name__


def query(source: Any, *, table: str | None = None, filter: Any = None, group_by: Any = None, sort: Any = None,
          compare: Any = None, compare_table: str | None = None, quick_filter: str = "all",
          join_key: Any = None, how: str = "inner", bins: int = 20, backend: Any = None, samples: int = 4,
          top: int = 10) -> QueryResult:
    """Filter, group, sort or compare a table; see docs/filters.md for the expression language.

    `source` is a `"name:v3"` spec, a Table, JoinedTable or Artifact (with `table=`), a DataFrame, an Arrow table
    or a Parquet path; `compare` the same for the compared version. Nothing is scanned until the result's
    `num_rows`, `page()`, `to_pandas()` or `to_arrow()` is used. Faults raise FilterError; its `.control` names
    the part at fault ("filter", "group-by", "sort", "compare", "source"). `backend` runs the query on another
    Ibis backend (or a `tablelens.query.Connection`).
    """
    spec = QuerySpec.normalize(filter=filter, group_by=group_by, sort=sort, compare=compare,
                               compare_table=compare_table, quick_filter=quick_filter, table=table,
                               join_key=join_key, how=how, bins=bins, samples=samples, top=top)
    resolved = resolve_for_query(source, spec.table, "source")
    other = None
    if spec.compare is not None:
        other = resolve_for_query(spec.compare, spec.compare_table or spec.table or resolved.table, "compare",
                                  store=resolved.store)
    return run(resolved.scan, spec, compare=other.scan if other is not None else None,
               connection=_connection(backend))


def evaluate(source: Any, expr: Any, *, backend: Any = None) -> list[tuple[Any, bool]]:
    """The value of an expression on every row of a (single) table, as (value, missing) pairs."""
    scan = resolve_for_query(source, None, "source").scan
    if not hasattr(scan, "columns"):
        raise FilterError("evaluate() takes a single table, not a JoinedTable", control="source")
    return evaluate_scan(scan, expr, connection=_connection(backend))  # type: ignore[arg-type]


def _connection(backend: Any) -> Connection | None:
    return None if backend is None else connect(backend)
