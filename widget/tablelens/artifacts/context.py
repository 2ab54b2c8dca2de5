"""The run in progress (`tl.init`), so that artifacts made while it runs stage their files inside its store."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .run import Run
    from .store import Store

__all__ = ["current_run", "current_store", "set_current_run"]

_current: list[Run] = []


def current_run() -> Run | None:
    return _current[0] if _current else None


def current_store() -> Store | None:
    return _current[0].store if _current else None


def set_current_run(run: Run | None) -> None:
    _current[:] = [run] if run is not None else []
