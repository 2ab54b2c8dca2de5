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
    EngineError,
    EvaluationError,
    EvaluationWarning,
    FilterError,
    FormatError,
    MissingMediaWarning,
    TablelensError,
    UnsafePathError,
)
from .artifacts import Artifact, Run, Store, init, log_artifact, use_artifact
from .evaluation import (
    ClassificationEvaluation,
    DetectionEvaluation,
    SegmentationEvaluation,
    evaluate_classifications,
    evaluate_detections,
    evaluate_segmentations,
)
from .media import Classes, Image
from .model import JoinedTable, Table
from .query import QueryCancelled, QueryResult, QuerySpec, configure
from .sources import query

__version__ = "0.1.0"

__all__ = [
    "Artifact",
    "ArtifactNotFoundError",
    "Classes",
    "ClassificationEvaluation",
    "CorruptFileError",
    "DetectionEvaluation",
    "EngineError",
    "EvaluationError",
    "EvaluationWarning",
    "Explorer",
    "FilterError",
    "FormatError",
    "Image",
    "JoinedTable",
    "MissingMediaWarning",
    "QueryCancelled",
    "QueryResult",
    "QuerySpec",
    "Run",
    "SegmentationEvaluation",
    "Store",
    "Table",
    "TablelensError",
    "UnsafePathError",
    "__version__",
    "configure",
    "evaluate_classifications",
    "evaluate_detections",
    "evaluate_segmentations",
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
