"""Folder layouts of other tools that an Artifact can be opened from and exported to (`from_dir`, `export`).

The readers and writers live in `tablelens.interop`, a layer above the store: they register themselves here
when imported (the package imports them), so the store never imports them. "tablelens" (the files as stored)
needs no registration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .artifact import Artifact

__all__ = ["Layout", "layout", "register_layout"]


@dataclass(frozen=True)
class Layout:
    """How to open a folder of this layout as an Artifact, and how to write an Artifact as one."""

    name: str
    read: Callable[..., Artifact]
    write: Callable[[Artifact, str], str]


_LAYOUTS: dict[str, Layout] = {}


def register_layout(name: str, read: Callable[..., Artifact], write: Callable[[Artifact, str], str]) -> None:
    _LAYOUTS[name] = Layout(name, read, write)


def layout(name: Any) -> Layout:
    """The registered layout `name`; ValueError listing the known ones otherwise."""
    found = _LAYOUTS.get(name) if isinstance(name, str) else None
    if found is None:
        known = ", ".join(repr(n) for n in ["tablelens", *sorted(_LAYOUTS)])
        raise ValueError(f"unknown folder format {name!r}; use one of {known}")
    return found
