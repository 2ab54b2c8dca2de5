"""Model evaluation over tables: detections (COCO), classifications, segmentations.

Each `evaluate_*` reads predictions and ground truth through the engine (DuckDB over the stored Parquet or Arrow),
computes the metrics vectorised over every example at once, and returns an evaluation whose results are ordinary
columns of a table (`ev.table`): counts, statuses and per-box fields that filters, groups and sorts can use, and
that the Explorer's evaluation panel reads. `ev.log(name)` stores it as an artifact version linked by lineage to
what it came from. docs/evaluation.md describes the metrics and their exact definitions.
"""

from __future__ import annotations

from ._base import Evaluation, load_summary
from .classification import ClassificationEvaluation, evaluate_classifications
from .compare import compare
from .detection import DetectionEvaluation, evaluate_detections
from .segmentation import SegmentationEvaluation, evaluate_segmentations

__all__ = [
    "ClassificationEvaluation",
    "DetectionEvaluation",
    "Evaluation",
    "SegmentationEvaluation",
    "compare",
    "evaluate_classifications",
    "evaluate_detections",
    "evaluate_segmentations",
    "load_summary",
]
