"""What the reader and the writer of the W&B layout share: file names, digests and JSON as the SDK writes it."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
from typing import Any

__all__ = [
    "EPOCH", "FORMATS", "IMAGE", "JOINED", "MANIFEST", "MAX_INLINE_ARRAY", "OTHER_MEDIA_TYPES", "PARQUET",
    "PARTITIONED", "SHA256", "TABLE", "b64", "dumps", "hash_file", "local_file", "new_md5",
]

MANIFEST = "wandb_manifest.json"
#: cell `_type`s kept as dict cells (their files are added to the artifact as plain files); audio, video, HTML,
#: 3-D, Plotly and molecule cells are media cells (interop/wandb/media.py)
OTHER_MEDIA_TYPES = frozenset({"bokeh-file", "graph-file", "histogram"})
TABLE = ".table.json"
JOINED = ".joined-table.json"
PARTITIONED = ".partitioned-table.json"
IMAGE = ".image-file.json"
PARQUET = ".table.parquet"
EPOCH = dt.datetime(1970, 1, 1)
MAX_INLINE_ARRAY = 150  # the SDK keeps 1-D arrays up to this length inline (Table._MAX_EMBEDDING_DIMENSIONS)
FORMATS = {"jpg": "jpeg", "tif": "tiff"}
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def new_md5() -> Any:
    return hashlib.md5(usedforsecurity=False)  # names and manifest digests, as W&B uses it; not for security


def hash_file(local: str) -> tuple[str, str, int]:
    """(sha256 hex, md5 hex, size) of a file, read once."""
    sha, md5 = hashlib.sha256(), new_md5()
    size = 0
    with open(local, "rb") as f:
        while chunk := f.read(1 << 20):
            sha.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return sha.hexdigest(), md5.hexdigest(), size


def b64(md5_hex: str) -> str:
    return base64.b64encode(bytes.fromhex(md5_hex)).decode("ascii")


def dumps(obj: Any) -> bytes:
    """JSON as the SDK writes it: sorted keys, default separators, bare `Infinity` tokens (NaN is null already)."""
    return json.dumps(obj, sort_keys=True).encode()


def local_file(root: str, path: str) -> str:
    return os.path.join(root, *path.split("/"))
