"""Interchange with other tools: the W&B artifact folder (`interop.wandb`) and the common dataset formats
(`coco`, `yolo`, `voc`, `image_folder`, `huggingface`), each registered for `Artifact.from_dir` or
`Table.from_*` / `Table.to_*` when imported (docs/formats.md)."""

from __future__ import annotations

__all__: list[str] = []
