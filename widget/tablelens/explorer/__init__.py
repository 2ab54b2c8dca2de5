"""The widgets (kernel side): the Explorer (traits, message handlers, the background query thread) and the store
browser."""

from __future__ import annotations

from .store_browser import StoreBrowser, browse
from .widget import Explorer, FrontEndMissingError

__all__ = ["Explorer", "FrontEndMissingError", "StoreBrowser", "browse"]
