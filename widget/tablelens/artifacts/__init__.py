"""Artifacts, the store that keeps their versions, and the runs that log and use them."""

from __future__ import annotations

from .artifact import Artifact
from .context import current_run, current_store
from .maintenance import GcReport, Problem, VerifyReport
from .names import parse_spec
from .run import Run, init, log_artifact, use_artifact
from .staging import Entry, EntrySource, Staging
from .store import Store
from .views import View

__all__ = [
    "Artifact", "Entry", "EntrySource", "GcReport", "Problem", "Run", "Staging", "Store", "VerifyReport", "View",
    "current_run", "current_store", "init", "log_artifact", "parse_spec", "use_artifact",
]
