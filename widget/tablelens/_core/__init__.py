"""The bottom layer: typed errors, content hashes and logical paths, used by every other stage."""

from __future__ import annotations

from .errors import (
    ArtifactNotFoundError,
    CorruptFileError,
    DamagedObjectError,
    FilterError,
    ImageTooLargeError,
    MissingMediaWarning,
    TablelensError,
    UnsafePathError,
    VersionInUseError,
)
from .hashing import copy_verified, file_sha256, sha256_bytes, sha256_file
from .paths import check_inside, check_logical_path, check_name_text, local_file, make_parents, new_folder

__all__ = [
    "ArtifactNotFoundError",
    "CorruptFileError",
    "DamagedObjectError",
    "FilterError",
    "ImageTooLargeError",
    "MissingMediaWarning",
    "TablelensError",
    "UnsafePathError",
    "VersionInUseError",
    "check_inside",
    "check_logical_path",
    "check_name_text",
    "copy_verified",
    "file_sha256",
    "local_file",
    "make_parents",
    "new_folder",
    "sha256_bytes",
    "sha256_file",
]
