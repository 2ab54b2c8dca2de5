"""Connections and the running of Ibis expressions: errors become FilterErrors, a running query can be cancelled.

DuckDB is embedded: one in-memory database per process, and one connection (a DuckDB cursor) per caller —
`tl.query` uses the default one, each Explorer gets its own — so one caller's slow query never waits for
another's. A connection is not safe for concurrent use, so each has one lock, taken by the `Runner` around
every call (and around registering a file, which runs SQL too).

No engine traceback reaches the user: whatever the backend raises is reported as an EngineError (or
QueryCancelled after `cancel()`), with the engine's own exception on `.engine_error` for debugging.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import uuid
import warnings
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from .._core.errors import EngineError, FilterError, TablelensError
from . import _spark

__all__ = ["Connection", "EngineSettings", "QueryCancelled", "Runner", "configure", "connect", "default_connection",
           "engine_error"]

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


try:  # the converter Ibis's DuckDB backend applies to Arrow results (absent from other Ibis versions: slow path)
    from ibis.backends.duckdb.converter import DuckDBPyArrowData as _DUCKDB_DATA
except ImportError:  # pragma: no cover
    _DUCKDB_DATA = None
# pages and counts are small: the extra copy DuckDB warns about costs less than the relation API saves
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result makes an extra copy", category=UserWarning)


class QueryCancelled(TablelensError):
    """The query was cancelled (by `QueryResult.cancel()` or by a newer query of the same caller)."""


class Connection:
    """An Ibis backend and the one lock serialising calls on it."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.name = str(getattr(backend, "name", type(backend).__name__))
        self.lock = threading.RLock()
        self._sql: OrderedDict[Any, str] = OrderedDict()  # compiled SQL of recent expressions
        self._unused: list[str] = []  # temporary tables nothing refers to any more, dropped before the next query

    def sql(self, expr: Any) -> str:
        """The SQL of `expr`, compiled once: Ibis expressions compare by structure, so the same query asked
        again (a page revisited, a count repeated, the same filter re-applied) costs no SQL generation."""
        op = expr.op()
        with self.lock:
            hit = self._sql.get(op)
            if hit is not None:
                self._sql.move_to_end(op)
                return hit
        text = _spark.compile_sql(self.backend, expr) if self.name == "pyspark" else self.backend.compile(expr)
        with self.lock:
            self._sql[op] = text
            while len(self._sql) > _SQL_CACHE:
                self._sql.popitem(last=False)
        return text

    def __repr__(self) -> str:
        return f"<Connection {self.name}>"

    def forget(self, name: str) -> None:
        """Mark a temporary table for dropping (called when its last user is collected, on any thread)."""
        self._unused.append(name)

    def drop_unused(self) -> None:
        """Drop the temporary tables marked unused (call while holding `lock`)."""
        while self._unused:
            name = self._unused.pop()
            try:
                if self.name == "pyspark":
                    _spark.drop_view(self.backend, name)
                else:
                    self.backend.drop_table(name, force=True)
            except Exception:  # a connection closed meanwhile: nothing left to free
                log.debug("could not drop %s", name, exc_info=True)


log = logging.getLogger("tablelens.query")
_SQL_CACHE = 256
_guard = threading.Lock()
_database: list[Any] = []
_default: list[Connection] = []
_wrapped: weakref.WeakKeyDictionary[Any, Connection] = weakref.WeakKeyDictionary()


@dataclass
class EngineSettings:
    """How much of the machine the embedded DuckDB may use (`tl.configure`).

    `memory_limit`: DuckDB's buffer limit ("6GB", "40%"); beyond it, sorts, joins and aggregates spill to
    `temp_directory`. The default leaves most of the memory to the notebook: a quarter of the machine's (or of
    the container's limit, when lower), at least 1 GB; on 24 GB a 100M-row compare then peaks at ~7 GB of RSS
    (benchmarks/README.md). `threads`: None lets DuckDB use every core.
    """

    memory_limit: str | None = None
    temp_directory: str | None = None
    threads: int | None = None

    def statements(self) -> list[str]:
        out = [f"SET memory_limit = '{_size(self.memory_limit or _default_limit())}'"]
        out.append(f"SET temp_directory = '{_quote(self.temp_directory or _default_temp())}'")
        if self.threads is not None:
            out.append(f"SET threads = {int(self.threads)}")
        return out


_settings = EngineSettings(memory_limit=os.environ.get("TABLELENS_MEMORY_LIMIT") or None,
                           temp_directory=os.environ.get("TABLELENS_TEMP_DIR") or None)


def _default_limit() -> str:
    """A quarter of the memory this process may use (at least 1 GB): the machine's, or its container's limit
    when lower (a notebook in a container sees the host's memory in sysconf, and DuckDB taking a quarter of the
    host's would get the kernel killed)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not a POSIX system
        return "4GB"
    limit = _cgroup_limit()
    if limit is not None:
        total = min(total, limit)
    return f"{max(1 << 30, total // 4) // (1 << 20)}MB"


#: where cgroup v2 and v1 keep the memory limit of the process's group
_CGROUP_FILES = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def _cgroup_limit() -> int | None:
    """The container's memory limit in bytes, None when there is none (or no cgroup file to say so)."""
    for path in _CGROUP_FILES:
        try:
            with open(path) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # "max" (v2) or ~2^63 (v1) mean no limit
            return int(text)
        return None
    return None


def _default_temp() -> str:
    return os.path.join(tempfile.gettempdir(), f"tablelens-duckdb-{os.getuid() if hasattr(os, 'getuid') else 0}")


def _quote(text: str) -> str:
    return text.replace("'", "''")


def _size(text: str) -> str:
    if not re.fullmatch(r"\s*\d+(\.\d+)?\s*(%|[KMGT]i?B|bytes)?\s*", text, re.IGNORECASE):
        raise ValueError(f"memory_limit takes a size such as '6GB', '512MB' or '40%', got {text!r}")
    return text.strip()


def configure(*, memory_limit: str | None = None, temp_directory: str | None = None,
              threads: int | None = None) -> EngineSettings:
    """Set how much memory and how many threads the embedded DuckDB uses (also for connections made already).

    `memory_limit` ("6GB", "40%"; env `TABLELENS_MEMORY_LIMIT`), `temp_directory` where larger-than-memory work
    spills (env `TABLELENS_TEMP_DIR`), `threads`. Returns the settings in effect.
    """
    if memory_limit is not None:
        _size(memory_limit)
        _settings.memory_limit = memory_limit
    if temp_directory is not None:
        _settings.temp_directory = os.fspath(temp_directory)
    if threads is not None:
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        _settings.threads = threads
    with _guard:
        db = _database[0] if _database else None
    if db is not None:
        for statement in _settings.statements():  # settings of the database: every cursor sees them
            db.raw_sql(statement)
    return _settings


def _duckdb() -> Any:
    """The process's embedded DuckDB (created on first use, with the engine settings)."""
    import ibis

    with _guard:
        if not _database:
            con = ibis.duckdb.connect()
            con.raw_sql("SET enable_progress_bar = false")  # DuckDB's bar would print into notebook cell outputs
            for statement in _settings.statements():
                con.raw_sql(statement)
            _database.append(con)
        return _database[0]


def default_connection() -> Connection:
    """The connection `tl.query` uses when given no backend."""
    db = _duckdb()
    with _guard:
        if not _default:
            _default.append(Connection(db))
        return _default[0]


def connect(backend: Any = None) -> Connection:
    """A connection of its own: a new cursor on the process's DuckDB, or `backend` (one Connection per backend)."""
    if backend is None:
        import ibis

        db = _duckdb()
        cursor = db.con.cursor()
        cursor.execute("SET enable_progress_bar = false")
        return Connection(ibis.duckdb.from_connection(cursor))
    if isinstance(backend, Connection):
        return backend
    if _database and backend is _database[0]:
        return default_connection()
    if _spark.is_spark(backend):
        _spark.check_version(backend)
    with _guard:
        conn = _wrapped.get(backend)
        if conn is None:
            conn = _wrapped[backend] = Connection(backend)
        return conn


def engine_error(exc: BaseException, backend_name: str) -> EngineError:
    """Translate a backend exception into an EngineError that says what to change."""
    import ibis.common.exceptions as ibis_exc

    if isinstance(exc, (ibis_exc.OperationNotDefinedError, ibis_exc.UnsupportedOperationError)):
        m = re.search(r"\.(\w+)'>", str(exc)) or re.search(r"(\w+)$", str(exc).strip())
        op = m.group(1) if m else "an operation"
        used = _NEEDED_BY.get(op)
        hint = f" (needed by {used})" if used else ""
        return EngineError(f"The {backend_name} backend does not support {op}{hint}; run this query on DuckDB",
                           exc)
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return EngineError(f"The {backend_name} engine could not run the query: {first}", exc)


class Runner:
    """Executes the expressions of one query result on a connection; `cancel()` interrupts the one running."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.backend = connection.backend
        self.name = connection.name
        self.cancelled = False
        self._running = 0
        self._state = threading.Lock()  # guards `cancelled` and `_running` only; queries take the connection's
        self._tag = f"tablelens-{uuid.uuid4().hex}"  # Spark: the jobs of this result, for cancel()

    def arrow(self, expr: Any, *, whole: bool = False) -> pa.Table:
        """The result of `expr`; `whole` says it may be large (a whole result rather than a page or a count)."""
        out = self._run(lambda: self._to_pyarrow(expr, whole))
        if isinstance(out, pa.ChunkedArray):
            return pa.table({"value": out})
        return out

    def batches(self, expr: Any) -> Any:
        """The result of `expr` as an iterator of Arrow record batches (call inside `_run`, as exports do).

        Spark: the whole result comes to the driver as Arrow first (its `toArrow`); an export too large for that
        is Spark's own job (`result.expr`, docs/scale-out.md).
        """
        if self.name == "pyspark":
            return iter(self._spark_arrow(expr).to_batches())
        return self.backend.to_pyarrow_batches(expr)

    def scalar(self, expr: Any) -> Any:
        out = self._run(lambda: self._to_pyarrow(expr, False))
        if isinstance(out, pa.Scalar):
            return out.as_py()
        if isinstance(out, pa.Table):
            return out.column(0)[0].as_py()
        if isinstance(out, (pa.Array, pa.ChunkedArray)):
            return out[0].as_py()
        return out

    def _to_pyarrow(self, expr: Any, whole: bool) -> Any:
        """The result of `expr` as Arrow.

        For small results on DuckDB this is Ibis's own `to_pyarrow` without its relation API:
        `execute(sql).to_arrow_table()` is ~3 ms quicker per query, and a page costs two queries. A whole result
        goes through the relation API, which does not copy the rows once more.
        """
        if self.name == "pyspark":
            return self._spark_arrow(expr)
        if whole or self.name != "duckdb" or _DUCKDB_DATA is None:
            return self.backend.to_pyarrow(expr)
        self.backend._run_pre_execute_hooks(expr)  # registers in-memory (Arrow) tables the query reads
        table = self.backend.con.execute(self.connection.sql(expr.as_table())).to_arrow_table()
        return expr.__pyarrow_result__(table, data_mapper=_DUCKDB_DATA)

    def _spark_arrow(self, expr: Any) -> Any:
        self.backend._run_pre_execute_hooks(expr)  # registers the UDFs the query uses
        return expr.__pyarrow_result__(_spark.fetch_arrow(self.backend, self.connection.sql(expr.as_table()),
                                                          self._tag))

    def materialize(self, expr: Any) -> Any:
        """`expr` computed once into a temporary table of the connection; the table to query instead.

        The table is dropped once nothing refers to it (the next query on the connection drops it).
        """
        name = f"__tl_tmp_{uuid.uuid4().hex}"
        if self.name == "pyspark":  # Ibis makes no temporary tables on Spark: a checkpointed view is one
            self._run(lambda: _spark.materialize(self.backend, self.connection.sql(expr), name, self._tag))
        else:
            self._run(lambda: self.backend.create_table(name, expr, temp=True))
        table = self.backend.table(name)
        weakref.finalize(table, self.connection.forget, name)
        return table

    def check(self, expr: Any) -> None:
        """Compile without running, so that unsupported operations fail at query() time.

        Skipped on DuckDB, which runs every operation the compiler emits (the test suite checks it).
        """
        if self.name == "duckdb":
            return
        try:
            self.connection.sql(expr) if self.name == "pyspark" else self.backend.compile(expr)
        except FilterError:
            raise
        except Exception as exc:
            raise engine_error(exc, self.name) from None

    def cancel(self) -> None:
        with self._state:
            self.cancelled = True
            running = self._running
        if running and self.name == "duckdb":
            con = getattr(self.backend, "con", None)
            if con is not None:
                con.interrupt()
        elif running and self.name == "pyspark":
            _spark.interrupt(self.backend, self._tag)

    def _run(self, fn: Any) -> Any:
        if self.cancelled:
            raise QueryCancelled("The query was cancelled")
        # `_running` counts only queries actually executing, so cancel() never interrupts another result's query
        with self.connection.lock:
            self.connection.drop_unused()
            with self._state:
                if self.cancelled:
                    raise QueryCancelled("The query was cancelled")
                self._running += 1
            try:
                return fn()
            except (FilterError, QueryCancelled, KeyboardInterrupt):
                raise
            except Exception as exc:  # whatever the backend raises is reported as an EngineError
                if self.cancelled or type(exc).__name__ == "InterruptException":
                    raise QueryCancelled("The query was cancelled") from None
                raise engine_error(exc, self.name) from None
            finally:
                with self._state:
                    self._running -= 1
