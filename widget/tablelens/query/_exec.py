"""Run Ibis expressions on a backend: errors become FilterError, and a running query can be interrupted.

No engine traceback reaches the user: whatever the backend raises is reported as a FilterError (or
QueryCancelled after `cancel()`), with the engine's own message kept on `.engine_error` for debugging.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pyarrow as pa

from tablelens.errors import FilterError, TablelensError

__all__ = ["QueryCancelled", "Runner", "engine_error"]

#: Ibis operations that a backend may lack, and the filter operators that need them
_NEEDED_BY = {
    "ArrayFilter": "$filter, $in over an array column, $anyElementTrue, $allElementsTrue, paths through arrays",
    "ArrayMap": "$map, $reduce, paths through arrays",
    "WindowFunction": "row numbers",
    "RowNumber": "row numbers",
    "ArrayIndex": "$arrayElemAt, $first, $last",
    "ArraySlice": "$slice, $filter with a limit",
    "RegexSearch": "$regexMatch",
}


class QueryCancelled(TablelensError):
    """The query was cancelled (by `QueryResult.cancel()` or by a newer query of the same caller)."""


def engine_error(exc: BaseException, backend_name: str) -> FilterError:
    """Translate a backend exception into a FilterError that says what to change."""
    import ibis.common.exceptions as ibis_exc

    if isinstance(exc, (ibis_exc.OperationNotDefinedError, ibis_exc.UnsupportedOperationError)):
        m = re.search(r"\.(\w+)'>", str(exc)) or re.search(r"(\w+)$", str(exc).strip())
        op = m.group(1) if m else "an operation"
        used = _NEEDED_BY.get(op)
        hint = f" (needed by {used})" if used else ""
        err = FilterError(f"The {backend_name} backend does not support {op}{hint}; run this query on DuckDB")
    else:
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        err = FilterError(f"The {backend_name} engine could not run the query: {first}")
    err.engine_error = exc  # type: ignore[attr-defined]
    return err


_locks_guard = threading.Lock()


def _backend_lock(backend: Any) -> threading.RLock:
    """The lock serialising queries on one backend connection (not thread-safe for concurrent use)."""
    with _locks_guard:
        lock = backend.__dict__.get("_tablelens_lock")
        if lock is None:
            lock = backend.__dict__["_tablelens_lock"] = threading.RLock()
        return lock


class Runner:
    """Executes the expressions of one query result; `cancel()` interrupts the one running."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.name = str(getattr(backend, "name", type(backend).__name__))
        self.cancelled = False
        self._running = 0
        self._lock = threading.Lock()

    def arrow(self, expr: Any) -> pa.Table:
        out = self._run(lambda: self.backend.to_pyarrow(expr))
        if isinstance(out, pa.ChunkedArray):
            return pa.table({"value": out})
        return out

    def scalar(self, expr: Any) -> Any:
        out = self._run(lambda: self.backend.to_pyarrow(expr))
        if isinstance(out, pa.Scalar):
            return out.as_py()
        if isinstance(out, pa.Table):
            return out.column(0)[0].as_py()
        if isinstance(out, (pa.Array, pa.ChunkedArray)):
            return out[0].as_py()
        return out

    def check(self, expr: Any) -> None:
        """Compile without running, so that unsupported operations fail at query() time.

        Skipped on DuckDB, which runs every operation the compiler emits (the test suite checks it).
        """
        if self.name == "duckdb":
            return
        try:
            self.backend.compile(expr)
        except FilterError:
            raise
        except Exception as exc:
            raise engine_error(exc, self.name) from None

    def cancel(self) -> None:
        with self._lock:
            self.cancelled = True
            running = self._running
        if running and self.name == "duckdb":
            con = getattr(self.backend, "con", None)
            if con is not None:
                con.interrupt()

    def _run(self, fn: Any) -> Any:
        if self.cancelled:
            raise QueryCancelled("The query was cancelled")
        # one query at a time per connection (the Explorer's thread and the user's may share it); `_running`
        # counts only queries actually executing, so cancel() never interrupts another result's query
        with _backend_lock(self.backend):
            with self._lock:
                if self.cancelled:
                    raise QueryCancelled("The query was cancelled")
                self._running += 1
            try:
                return fn()
            except (FilterError, QueryCancelled):
                raise
            except KeyboardInterrupt:
                raise
            except Exception as exc:  # whatever the backend raises is reported as a FilterError
                if self.cancelled or type(exc).__name__ == "InterruptException":
                    raise QueryCancelled("The query was cancelled") from None
                raise engine_error(exc, self.name) from None
            finally:
                with self._lock:
                    self._running -= 1
