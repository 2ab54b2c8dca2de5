"""Interchange with other tools: the W&B artifact folder (`wandb`) and the common dataset formats (`coco`, `yolo`,
`voc`, `image_folder`, `huggingface`; docs/formats.md).

Importing this package (as `import tablelens` does) registers each of them where the layer below looks them up:
the W&B layout for `Artifact.from_dir` / `export` (`artifacts/layouts.py`), the formats for `Table.from_*` /
`Table.to_*` (`model/converters.py`).
"""

from __future__ import annotations

from . import coco, huggingface, image_folder, voc, wandb, yolo

__all__ = ["coco", "huggingface", "image_folder", "voc", "wandb", "yolo"]
