"""tablelens: explore datasets and model predictions at the example level, in a notebook.

The API mirrors Weights & Biases (`Table`, `Image`, `Classes`, `JoinedTable`, `Artifact`, `init`), stores tables
as Parquet in a versioned artifact store, and queries them with DuckDB through Ibis. The stages of the data flow,
and which imports which, are in docs/architecture.md.
"""

from __future__ import annotations

from typing import Any

from . import interop as _interop  # noqa: F401  (registers Artifact.from_dir/export layouts, Table.from_*/to_*)
from ._core.errors import (
    ArtifactNotFoundError,
    CorruptFileError,
    DamagedObjectError,
    EngineError,
    FilterError,
    FormatError,
    ImageTooLargeError,
    MissingMediaWarning,
    TablelensError,
    UnsafePathError,
    VersionInUseError,
    ViewWarning,
)
from .artifacts import Artifact, Run, Store, View, init, log_artifact, use_artifact
from .media import Classes, Image
from .model import JoinedTable, Table
from .query import QueryCancelled, QueryResult, QuerySpec, configure
from .sources import query

__version__ = "0.1.0"

__all__ = [
    "Artifact",
    "ArtifactNotFoundError",
    "Classes",
    "CorruptFileError",
    "DamagedObjectError",
    "EngineError",
    "Explorer",
    "FilterError",
    "FormatError",
    "Image",
    "ImageTooLargeError",
    "JoinedTable",
    "MissingMediaWarning",
    "QueryCancelled",
    "QueryResult",
    "QuerySpec",
    "Run",
    "Store",
    "Table",
    "TablelensError",
    "UnsafePathError",
    "VersionInUseError",
    "View",
    "ViewWarning",
    "__version__",
    "configure",
    "init",
    "log_artifact",
    "query",
    "report",
    "use_artifact",
]


def __getattr__(name: str) -> Any:
    # The widget (anywidget, ipywidgets) loads only when first used; reports are drawn by its front end.
    if name == "Explorer":
        from .explorer import Explorer

        return Explorer
    if name == "report":
        from .explorer.report import report

        return report
    raise AttributeError(f"module 'tablelens' has no attribute {name!r}")
