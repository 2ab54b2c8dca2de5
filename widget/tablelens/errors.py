"""Typed exceptions: each message tells the user what to change."""

from __future__ import annotations

__all__ = [
    "ArtifactNotFoundError",
    "CorruptFileError",
    "FilterError",
    "MissingMediaWarning",
    "TablelensError",
    "UnsafePathError",
]


class TablelensError(Exception):
    """Base class of every error tablelens raises on purpose."""


class UnsafePathError(TablelensError, ValueError):
    """A logical path is absolute or climbs out of its artifact with `..`."""


class CorruptFileError(TablelensError, ValueError):
    """A stored file (table, manifest, media) cannot be read; the message names the file and the fault."""


class ArtifactNotFoundError(TablelensError, KeyError):
    """No artifact, version, alias or entry by that name."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class FilterError(TablelensError, ValueError):
    """A filter, group or sort expression is malformed or cannot be evaluated.

    `position` is the 0-based offset in the expression text where the fault is (None when unknown).
    """

    def __init__(self, message: str, position: int | None = None, path: str | None = None) -> None:
        self.message = message
        self.position = position
        self.path = path
        where = f" (at position {position})" if position is not None else ""
        super().__init__(f"{message}{where}")


class MissingMediaWarning(UserWarning):
    """A media file a table names is not there: the table opens, and that cell shows why it has no pixels."""
