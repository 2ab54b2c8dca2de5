"""`Store.explore()`: the store browser is a widget, two layers above the store. The package registers the function
that makes one when `tablelens` is imported (as `layouts.py` does for folder formats), so the store never imports
the widget layer and `import tablelens` does not load anywidget until a browser is asked for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._core.errors import TablelensError

if TYPE_CHECKING:
    from .store import Store

__all__ = ["make_browser", "register_browser"]

_factory: list[Callable[..., Any]] = []


def register_browser(factory: Callable[..., Any]) -> None:
    """`factory(store, **options)` makes the browser widget of a store."""
    _factory[:] = [factory]


def make_browser(store: Store, **options: Any) -> Any:
    if not _factory:
        raise TablelensError("the store browser is part of the tablelens package: `import tablelens` first")
    return _factory[0](store, **options)
