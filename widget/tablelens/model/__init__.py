"""The data model: `Table` (rows of cells) and `JoinedTable` (two tables on a key), as in the W&B API."""

from __future__ import annotations

from .joined import JoinedTable
from .table import StoredFile, Table

__all__ = ["JoinedTable", "StoredFile", "Table"]
