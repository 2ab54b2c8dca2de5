"""Other tools' dataset formats a `Table` is read from and written to: `Table.from_coco(...)`, `table.to_coco(...)`.

The readers and writers live in `tablelens.interop` (a layer above the data model, see docs/architecture.md):
each registers itself here when `tablelens` is imported, so the model never imports them — the same dependency
inversion as `artifacts/layouts.py` for `Artifact.from_dir`. docs/formats.md says what maps to what.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .table import Table

__all__ = ["Converter", "converter", "register_converter"]


class Converter:
    """How one format is read into a Table (`read`) and written from one (`write`); either may be None."""

    def __init__(self, name: str, read: Callable[..., Table] | None, write: Callable[..., Any] | None) -> None:
        self.name = name
        self._read = read
        self._write = write

    def read(self, *args: Any, **kwargs: Any) -> Table:
        if self._read is None:
            raise NotImplementedError(f"tablelens writes the {self.name} format but does not read it")
        return self._read(*args, **kwargs)

    def write(self, *args: Any, **kwargs: Any) -> Any:
        if self._write is None:
            raise NotImplementedError(f"tablelens reads the {self.name} format but does not write it")
        return self._write(*args, **kwargs)


_CONVERTERS: dict[str, Converter] = {}


def register_converter(name: str, read: Callable[..., Table] | None,
                       write: Callable[..., Any] | None = None) -> None:
    _CONVERTERS[name] = Converter(name, read, write)


def converter(name: str) -> Converter:
    """The registered converter `name`; a message naming the known ones otherwise."""
    found = _CONVERTERS.get(name)
    if found is None:
        known = ", ".join(sorted(_CONVERTERS)) or "none (import tablelens, which registers them)"
        raise ValueError(f"no converter for the {name!r} format; known: {known}")
    return found
