"""The Explorer widget (kernel side): traits, message handlers and the background query thread."""

from __future__ import annotations

from .widget import Explorer, FrontEndMissingError

__all__ = ["Explorer", "FrontEndMissingError"]
