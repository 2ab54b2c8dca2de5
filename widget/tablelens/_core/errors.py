"""Typed exceptions: each message tells the user what to change."""

from __future__ import annotations

__all__ = [
    "AppendError",
    "ArtifactNotFoundError",
    "CorruptFileError",
    "DamagedObjectError",
    "EngineError",
    "EvaluationError",
    "EvaluationWarning",
    "FilterError",
    "FormatError",
    "ImageTooLargeError",
    "MediaFileError",
    "MissingMediaWarning",
    "StoreConfigError",
    "TablelensError",
    "UnsafePathError",
    "VersionInUseError",
    "ViewWarning",
]


class TablelensError(Exception):
    """Base class of every error tablelens raises on purpose."""


class UnsafePathError(TablelensError, ValueError):
    """A logical path is absolute or climbs out of its artifact with `..`."""


class CorruptFileError(TablelensError, ValueError):
    """A stored file (table, manifest, media) cannot be read; the message names the file and the fault."""


class MediaFileError(CorruptFileError):
    """A media file (audio, video, 3-D object, ...) cannot be read as what it claims to be.

    `reason` is "missing", "unsupported" (a format or codec the readers do not know), "corrupt" (truncated or not
    that kind of file) or "too-large"; the message names the file and says what to change.
    """

    def __init__(self, message: str, reason: str = "corrupt") -> None:
        super().__init__(message)
        self.reason = reason


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
class DamagedObjectError(CorruptFileError):
    """Stored bytes do not hash to the digest the store recorded for them: they were damaged after being written.

    `artifact` is the version ("name:v3") whose file it is (None for an unlogged artifact or a store file such as
    a manifest), `path` the logical path in it, `object` the digest the bytes should have (or, for a manifest or
    an alias file, its place in the store), `actual` what they hash to now, `file` the local file. The data is
    never used: read the version again after logging the intact file again (the store then replaces the damaged
    copy), or find every affected version with `Store.verify()`.
    """

    def __init__(self, file: str, object: str, actual: str | None, *, artifact: str | None = None,
                 path: str | None = None, detail: str | None = None) -> None:
        self.file = file
        self.object = object
        self.actual = actual
        self.artifact = artifact
        self.path = path
        what = repr(path) if path else f"store file {object!r}"
        where = f" of artifact {artifact}" if artifact else ""
        why = detail or (f"its bytes hash to {actual[:12]}… but the store recorded {object[:12]}…" if actual
                         else f"it does not match the checksum recorded for {object}")
        fix = ("log the intact file again (the store replaces the damaged copy) or delete the affected versions"
               if path else "restore the file from a backup or delete the version")
        super().__init__(f"{what}{where} is damaged: {why} (file {file}). tablelens never serves damaged data: "
                         f"{fix}; Store.verify() lists every damaged version")
        self.detail = detail

    def __reduce__(self) -> tuple[object, ...]:  # pickled across processes with every field
        return (type(self), (self.file, self.object, self.actual), {"artifact": self.artifact, "path": self.path,
                                                                     "detail": self.detail, "args": self.args})


class ImageTooLargeError(TablelensError, ValueError):
    """An image has more pixels than Pillow decodes safely (twice `PIL.Image.MAX_IMAGE_PIXELS`)."""


class VersionInUseError(TablelensError, ValueError):
    """A version cannot be deleted while an alias names it (remove the alias, or delete with `force=True`)."""


class AppendError(TablelensError, ValueError):
    """Rows that cannot be appended to a table (another set of columns, another type): the message names the
    column and both types."""


class StoreConfigError(TablelensError, ValueError):
    """A store location that cannot be used (a URL whose filesystem is missing, or that cannot publish versions
    safely): the message names it and what to install or change."""


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


class ViewWarning(UserWarning):
    """A saved view names columns the version it is applied to does not have: the view opens without the group
    and sort keys that name them, and the warning (and the Explorer's notice) says which."""
