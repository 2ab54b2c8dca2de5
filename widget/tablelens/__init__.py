"""tablelens: explore datasets and model predictions at the example level, in a notebook.

The API mirrors Weights & Biases (`Table`, `Image`, `Classes`, `JoinedTable`, `Artifact`, `init`), stores tables
as Parquet in a versioned artifact store, and queries them with DuckDB through Ibis. The stages of the data flow,
and which imports which, are in docs/architecture.md.
"""

from __future__ import annotations

from typing import Any

from . import interop as _interop  # noqa: F401  (registers Artifact.from_dir/export layouts, Table.from_*/to_*)
from ._core.errors import (
    AppendError,
    ArtifactNotFoundError,
    CorruptFileError,
    DamagedObjectError,
    EngineError,
    EvaluationError,
    EvaluationWarning,
    FilterError,
    FormatError,
    ImageTooLargeError,
    MediaFileError,
    MissingMediaWarning,
    StoreConfigError,
    TablelensError,
    UnsafePathError,
    VersionInUseError,
    ViewWarning,
)
from .artifacts import Artifact, Run, Store, View, init, log_artifact, use_artifact
from .artifacts.browsing import register_browser as _register_browser
from .evaluation import (
    ClassificationEvaluation,
    DetectionEvaluation,
    SegmentationEvaluation,
    evaluate_classifications,
    evaluate_detections,
    evaluate_segmentations,
)
from .media import Audio, Classes, Html, Image, Molecule, Object3D, Plotly, Video, box3d
from .model import JoinedTable, Table
from .query import QueryCancelled, QueryResult, QuerySpec, configure
from .sources import query

__version__ = "0.1.0"

__all__ = [
    "AppendError",
    "Artifact",
    "ArtifactNotFoundError",
    "Audio",
    "Classes",
    "ClassificationEvaluation",
    "CorruptFileError",
    "DamagedObjectError",
    "DetectionEvaluation",
    "EngineError",
    "EvaluationError",
    "EvaluationWarning",
    "Explorer",
    "FilterError",
    "FormatError",
    "Html",
    "Image",
    "ImageTooLargeError",
    "JoinedTable",
    "MediaFileError",
    "MissingMediaWarning",
    "Molecule",
    "Object3D",
    "Plotly",
    "QueryCancelled",
    "QueryResult",
    "QuerySpec",
    "Run",
    "SegmentationEvaluation",
    "Store",
    "StoreConfigError",
    "Table",
    "TablelensError",
    "UnsafePathError",
    "VersionInUseError",
    "Video",
    "View",
    "ViewWarning",
    "__version__",
    "box3d",
    "browse",
    "configure",
    "evaluate_classifications",
    "evaluate_detections",
    "evaluate_segmentations",
    "init",
    "log_artifact",
    "panel",
    "panels",
    "query",
    "remove_panel",
    "report",
    "use_artifact",
]


def _store_browser(store: Store, **options: Any) -> Any:
    # `Store.explore()` (artifacts/browsing.py): the widget layer loads when a browser is first asked for
    from .explorer.store_browser import StoreBrowser

    return StoreBrowser(store, **options)


_register_browser(_store_browser)


def __getattr__(name: str) -> Any:
    # The widget (anywidget, ipywidgets) loads only when first used; reports are drawn by its front end.
    if name == "Explorer":
        from .explorer import Explorer

        return Explorer
    if name == "browse":  # the store browser of the default store (docs/store-browser.md)
        from .explorer.store_browser import browse

        return browse
    if name == "report":
        from .explorer.report import report

        return report
    if name in ("panel", "panels", "remove_panel"):  # cell panels are the Explorer's (docs/panels.md)
        from .explorer import panels as _panels

        return getattr(_panels, name)
    raise AttributeError(f"module 'tablelens' has no attribute {name!r}")
