"""How data-model objects show themselves as the last expression of a notebook cell: as an Explorer.

This is the one place the data model reaches up to the widget, and it does so lazily (the widget needs
anywidget and the built front end; the data model must import without them). docs/architecture.md explains
the exception.
"""

from __future__ import annotations

from typing import Any

__all__ = ["mimebundle"]


def mimebundle(obj: Any, text: str, **kwargs: Any) -> Any:
    """The MIME bundle of an Explorer over `obj`, or plain text when the widget cannot be made."""
    try:
        from ..explorer import Explorer
    except ImportError:  # pragma: no cover - anywidget missing
        return {"text/plain": text}
    return Explorer(obj)._repr_mimebundle_(**kwargs)
