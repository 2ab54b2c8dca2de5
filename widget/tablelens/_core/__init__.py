"""The bottom layer: typed errors, content hashes and logical paths, used by every other stage."""

from __future__ import annotations

from .errors import (
    ArtifactNotFoundError,
    CorruptFileError,
    FilterError,
    MissingMediaWarning,
    TablelensError,
    UnsafePathError,
)
from .hashing import sha256_bytes, sha256_file
from .paths import check_logical_path

__all__ = [
    "ArtifactNotFoundError",
    "CorruptFileError",
    "FilterError",
    "MissingMediaWarning",
    "TablelensError",
    "UnsafePathError",
    "check_logical_path",
    "sha256_bytes",
    "sha256_file",
]
