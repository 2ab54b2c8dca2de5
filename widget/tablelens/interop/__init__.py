"""Interchange with other tools' layouts: the W&B artifact folder (`interop.wandb`)."""

from __future__ import annotations

__all__: list[str] = []
