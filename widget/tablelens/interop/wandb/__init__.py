"""The W&B table layout, read and written for interchange: `Artifact.from_dir` and `Artifact.export`."""

from __future__ import annotations

from ...artifacts.layouts import register_layout
from ._common import OTHER_MEDIA_TYPES
from .read import read_wandb_dir
from .write import write_wandb_dir

__all__ = ["OTHER_MEDIA_TYPES", "read_wandb_dir", "write_wandb_dir"]

register_layout("wandb", read_wandb_dir, write_wandb_dir)
