"""tablelens: explore datasets and model predictions at the example level, in a notebook.

The API mirrors Weights & Biases (`Table`, `Image`, `Classes`, `JoinedTable`, `Artifact`, `init`), stores tables
as Parquet in a versioned artifact store, and queries them with DuckDB through Ibis.
"""

from __future__ import annotations

from typing import Any

from .artifacts import Artifact, Run, Store, init, log_artifact, use_artifact
from .errors import (
    ArtifactNotFoundError,
    CorruptFileError,
    FilterError,
    MissingMediaWarning,
    TablelensError,
    UnsafePathError,
)
from .joined import JoinedTable
from .media import Classes, Image
from .query import QueryResult, query  # binds the function over the submodule of the same name
from .table import Table

__version__ = "0.1.0"

__all__ = [
    "Artifact",
    "ArtifactNotFoundError",
    "Classes",
    "CorruptFileError",
    "Explorer",
    "FilterError",
    "Image",
    "JoinedTable",
    "MissingMediaWarning",
    "QueryResult",
    "Run",
    "Store",
    "Table",
    "TablelensError",
    "UnsafePathError",
    "__version__",
    "init",
    "log_artifact",
    "query",
    "use_artifact",
]


def __getattr__(name: str) -> Any:
    # The widget (anywidget, ipywidgets) loads only when first used.
    if name == "Explorer":
        from .explorer import Explorer

        return Explorer
    raise AttributeError(f"module 'tablelens' has no attribute {name!r}")
