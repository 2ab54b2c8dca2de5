"""Media cells: images with boxes and masks, and the class sets they refer to."""

from __future__ import annotations

from .classes import Classes
from .image import Image

__all__ = ["Classes", "Image"]
