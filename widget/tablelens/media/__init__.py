"""Media cells: images with boxes and masks, the class sets they refer to, and the other media W&B tables hold
(audio, video, HTML, 3-D objects, Plotly figures, molecules)."""

from __future__ import annotations

from typing import Any

from .audio import Audio
from .classes import Classes
from .html import Html
from .image import Image
from .molecule import Molecule
from .object3d import Object3D, box3d
from .plotly import Plotly
from .video import Video

__all__ = ["FILE_MEDIA", "Audio", "Classes", "Html", "Image", "Molecule", "Object3D", "Plotly", "Video", "box3d",
           "is_media"]

#: storage kind -> class of the media cells that are one file each (images, with masks and classes, are apart)
FILE_MEDIA: dict[str, type] = {"audio": Audio, "video": Video, "html": Html, "object3d": Object3D,
                               "plotly": Plotly, "molecule": Molecule}
_MEDIA_TYPES = (Image, *FILE_MEDIA.values())


def is_media(v: Any) -> bool:
    """True for a media cell (an Image, Audio, Video, Html, Object3D, Plotly or Molecule)."""
    return isinstance(v, _MEDIA_TYPES)
