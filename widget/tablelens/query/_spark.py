"""What the engine needs to run on Spark (Ibis's PySpark backend, a classic session or Spark Connect).

The compiler is the same for every engine; Spark differs in how a table gets in (Parquet read with its row index,
Arrow handed over directly), how results come out (Arrow batches, not pandas), and in three points of Ibis's Spark
SQL, which the engine's queries compile here with corrected (Ibis 12):

- `isnull()`/`notnull()` of a double treat NaN as null (a pandas habit), where the filter language, like every
  other engine, keeps them apart (docs/filters.md: NaN is a number);
- `isinf()` compiles to `FALSE OR FALSE` (it compares sqlglot nodes with Python's `==`, which is structural
  equality there, so a histogram's range took in the infinities);
- `strftime` passes letters of the format that are not directives (the `T` of an ISO date) to Java's
  DateTimeFormatter unquoted, where they are pattern letters or errors.
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
import weakref
from collections.abc import Iterator
from typing import Any

import ibis.expr.types as ir
import pyarrow as pa

from .._core.errors import EngineError

__all__ = ["check_version", "compile_sql", "drop_view", "fetch_arrow", "interrupt", "is_spark", "materialize",
           "session", "spark_arrow", "spark_parquet"]


def is_spark(backend: Any) -> bool:
    return getattr(backend, "name", "") == "pyspark"


def check_version(backend: Any) -> None:
    """Spark 4 is needed: Arrow in (`createDataFrame` of a pyarrow Table) and out (`toArrow`), job tags."""
    import pyspark

    major = int(str(pyspark.__version__).split(".")[0])
    if major < 4:
        raise EngineError(f"tablelens runs on Spark 4.0 or newer; this is PySpark {pyspark.__version__} "
                          f"(pip install 'pyspark>=4', and a cluster of Spark 4)")


def session(backend: Any) -> Any:
    """The SparkSession behind Ibis's PySpark backend: Ibis keeps it as `_session` and offers no public accessor,
    and reading a file with its row index, taking Arrow in and out and cancelling jobs need the session itself."""
    return backend._session


_compiler: list[Any] = []


def _spark_compiler() -> Any:
    """Ibis's PySpark compiler with SQL's own IS NULL: a NaN double is a number, not null (docs/filters.md)."""
    if not _compiler:
        import sqlglot.expressions as sge
        from ibis.backends.sql.compilers.base import NULL
        from ibis.backends.sql.compilers.pyspark import PySparkCompiler

        class Compiler(PySparkCompiler):
            def visit_IsNull(self, op: Any, *, arg: Any) -> Any:
                return arg.is_(NULL)

            def visit_NotNull(self, op: Any, *, arg: Any) -> Any:
                return arg.is_(NULL).not_()

            def visit_IsInf(self, op: Any, *, arg: Any) -> Any:
                if not op.arg.dtype.is_floating():
                    return sge.false()
                return sge.or_(sge.EQ(this=arg, expression=self.POS_INF), sge.EQ(this=arg, expression=self.NEG_INF))

            def visit_Strftime(self, op: Any, *, arg: Any, format_str: Any) -> Any:
                if isinstance(format_str, sge.Literal) and format_str.is_string:
                    format_str = sge.convert(_quote_letters(format_str.this))
                return super().visit_Strftime(op, arg=arg, format_str=format_str)

        _compiler.append(Compiler())
    return _compiler[0]


def _quote_letters(fmt: str) -> str:
    """A strftime format with its literal letters quoted for Java (`%Y-%m-%dT%H` -> `%Y-%m-%d'T'%H`)."""
    return re.sub(r"(%.)|([A-Za-z]+)", lambda m: m.group(1) or f"'{m.group(2)}'", fmt)


def compile_sql(backend: Any, expr: ir.Expr) -> str:
    """The Spark SQL of `expr` (what `backend.compile` gives, with the null rule above)."""
    import ibis.common.exceptions as com
    import sqlglot as sg

    query = _spark_compiler().to_sqlglot(expr)
    try:
        return query.sql(dialect=backend.dialect, copy=False, unsupported_level=sg.ErrorLevel.RAISE)
    except sg.UnsupportedError as exc:
        raise com.UnsupportedOperationError(f"Operation not supported in pyspark backend: {exc}") from exc


def fetch_arrow(backend: Any, sql: str, tag: str) -> pa.Table:
    """The result of `sql` as Arrow, its jobs tagged `tag` so that `interrupt(tag)` can cancel them.

    Ibis's own `to_pyarrow` goes through pandas, which turns a null double into NaN (the two differ in the filter
    language) and lists of structs into Python objects; Spark 4 hands over Arrow batches directly.
    """
    with _tagged(backend, tag):
        return session(backend).sql(sql).toArrow()


def materialize(backend: Any, sql: str, name: str, tag: str) -> None:
    """The result of `sql` computed now and kept by Spark (a local checkpoint) as the temporary view `name`."""
    with _tagged(backend, tag):
        session(backend).sql(sql).localCheckpoint(eager=True).createOrReplaceTempView(name)


@contextlib.contextmanager
def _tagged(backend: Any, tag: str) -> Iterator[None]:
    """Jobs started by this thread meanwhile carry `tag`. A classic session tags them on its SparkContext, whose
    thread properties the threads serving Arrow results inherit (the session's own tags do not reach those, so
    `interruptTag` would miss them); Spark Connect tags the operations of the session."""
    spark = session(backend)
    sc = _context(spark)
    if sc is not None:
        sc.addJobTag(tag)
        try:
            yield
        finally:
            sc.removeJobTag(tag)
        return
    spark.addTag(tag)
    try:
        yield
    finally:
        spark.removeTag(tag)


def _context(spark: Any) -> Any:
    """The SparkContext of a classic session; None on Spark Connect, which has none."""
    try:
        return spark.sparkContext
    except Exception:
        return None


def drop_view(backend: Any, name: str) -> None:
    _drop_view(session(backend), name)


def interrupt(backend: Any, tag: str) -> None:
    """Cancel the running jobs tagged `tag` (from another thread)."""
    spark = session(backend)
    sc = _context(spark)
    if sc is not None:
        sc.cancelJobsWithTag(tag)
    else:
        spark.interruptTag(tag)


def spark_parquet(backend: Any, paths: list[str], offsets: list[int], rn: str) -> ir.Table:
    """Parquet files as one Spark temporary view with each row's position in column `rn`: the file's own row index
    (`_metadata.row_index`, exact however the file is split into tasks) plus the rows of the files before it
    (`offsets`, from the footers), so that positions run 0..n-1 over the files in order. (A `row_number()` over
    no order, or `monotonically_increasing_id()`, numbers rows in whatever order tasks run.)"""
    from pyspark.sql import functions as F

    spark = session(backend)
    frames = []
    for path, offset in zip(paths, offsets):
        df = spark.read.parquet(path)
        pos = F.col("_metadata.row_index")
        cols = [F.col("`" + c.replace("`", "``") + "`") for c in df.columns]
        frames.append(df.select(*cols, (pos + F.lit(offset) if offset else pos).cast("long").alias(rn)))
    df = frames[0]
    for more in frames[1:]:
        df = df.unionByName(more)
    name = f"__tl_scan_{uuid.uuid4().hex}"
    df.createOrReplaceTempView(name)
    return backend.table(name)


def spark_arrow(backend: Any, data: pa.Table, lock: threading.RLock) -> ir.Table:
    """An Arrow table as a Spark temporary view, dropped when the expressions built on it are collected. (Ibis
    registers a memtable through pandas, which turns lists into numpy arrays the JVM cannot read; Spark 4 takes
    Arrow directly.)"""
    spark = session(backend)
    name = f"__tl_arrow_{uuid.uuid4().hex}"
    with lock:
        spark.createDataFrame(data).createOrReplaceTempView(name)
    table = backend.table(name)
    weakref.finalize(table.op(), _drop_view, spark, name)  # the op: what every expression built on it refers to
    return table


def _drop_view(spark: Any, name: str) -> None:
    with contextlib.suppress(Exception):  # the session stopped meanwhile: nothing left to free
        spark.catalog.dropTempView(name)
