"""Typed exceptions: each message tells the user what to change."""

from __future__ import annotations

__all__ = [
    "ArtifactNotFoundError",
    "CorruptFileError",
    "EngineError",
    "EvaluationError",
    "EvaluationWarning",
    "FilterError",
    "FormatError",
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


class FormatError(TablelensError, ValueError):
    """A dataset in another tool's format (COCO, YOLO, Pascal VOC, an image folder, ...) is malformed.

    `file` is the file at fault, `line` the 1-based line in it (text formats) and `field` the part of it (for
    example `annotations[12].bbox`); the message starts with them, so it says where to look.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.field = field
        where = ":".join(str(p) for p in (file, line) if p is not None)
        if field:
            where = f"{where}: {field}" if where else field
        super().__init__(f"{where}: {message}" if where else message)


class ArtifactNotFoundError(TablelensError, KeyError):
    """No artifact, version, alias or entry by that name."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0]) if self.args else ""


class FilterError(TablelensError, ValueError):
    """A filter, group or sort expression (or another part of a query) is malformed or cannot be evaluated.

    `position` is the 0-based offset in the expression text where the fault is (None when unknown); `path` says
    which part of the expression or argument it is in; `control` names the part of the query it belongs to —
    one of `CONTROLS` — so the Explorer shows the message beside that control.
    """

    CONTROLS = ("filter", "group-by", "sort", "compare", "source")

    def __init__(self, message: str, position: int | None = None, path: str | None = None,
                 control: str | None = None) -> None:
        if control is not None and control not in self.CONTROLS:
            raise ValueError(f"unknown control {control!r}; one of {self.CONTROLS}")
        self.message = message
        self.position = position
        self.path = path
        self.control = control
        where = f" (at position {position})" if position is not None else ""
        super().__init__(f"{message}{where}")

    def for_control(self, control: str) -> FilterError:
        """This error as belonging to `control` (kept when it already names one)."""
        if self.control is not None:
            return self
        err = type(self)(self.message, self.position, self.path, control)
        err.__dict__.update({k: v for k, v in self.__dict__.items() if k not in err.__dict__})
        return err


class EngineError(FilterError):
    """The engine (DuckDB, another Ibis backend) could not run a query; `engine_error` keeps what it raised."""

    def __init__(self, message: str, engine_error: BaseException | None = None, control: str | None = None) -> None:
        super().__init__(message, control=control)
        self.engine_error = engine_error

    def for_control(self, control: str) -> FilterError:
        if self.control is not None:
            return self
        return EngineError(self.message, self.engine_error, control)


class EvaluationError(TablelensError, ValueError):
    """Predictions or ground truth cannot be evaluated as given (`tablelens.evaluation`).

    `row` is the 0-based row of the table at fault (None when the fault is not one row's), `field` the column,
    box layer or box field (for example `pred.boxes.predictions[3].minX`) and `key` the row's key value; the
    message starts with them, so it says where to look.
    """

    def __init__(self, message: str, *, row: int | None = None, field: str | None = None, key: object = None) -> None:
        self.message = message
        self.row = row
        self.field = field
        self.key = key
        where = []
        if row is not None:
            where.append(f"row {row}" + (f" (key {key!r})" if key is not None else ""))
        if field:
            where.append(field)
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


class EvaluationWarning(UserWarning):
    """Something was left out of an evaluation on purpose (rows without ground truth, unknown class ids); the
    evaluation's metrics count it (`missing_ground_truth`, `unknown_classes`)."""


class MissingMediaWarning(UserWarning):
    """A media file a table names is not there: the table opens, and that cell shows why it has no pixels."""
