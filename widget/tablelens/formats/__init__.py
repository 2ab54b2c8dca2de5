"""File formats: tables as Parquet (the store's own) and the W&B table layout (interchange)."""

from __future__ import annotations

__all__: list[str] = []
