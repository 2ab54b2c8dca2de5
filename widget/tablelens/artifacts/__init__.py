"""Artifacts, the store that keeps their versions, and the runs that log and use them."""

from __future__ import annotations

from .artifact import Artifact
from .run import Run, current_run, init, log_artifact, resolve, use_artifact
from .staging import Entry, StoredTable
from .store import Store

__all__ = [
    "Artifact", "Entry", "Run", "Store", "StoredTable", "current_run", "init", "log_artifact", "resolve",
    "use_artifact",
]
