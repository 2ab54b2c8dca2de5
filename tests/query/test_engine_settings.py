"""`tl.configure`: the embedded DuckDB's memory limit, spill folder and threads, for every connection."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tablelens as tl
from tablelens.query import connect


def _setting(conn: object, name: str) -> object:
    return conn.backend.con.execute(f"SELECT current_setting('{name}')").fetchone()[0]  # type: ignore[attr-defined]


def test_settings_reach_every_connection(tmp_path: Path) -> None:
    before = connect()  # an Explorer's connection made before the change
    try:
        tl.configure(memory_limit="1GB", temp_directory=str(tmp_path / "spill"), threads=1)
        after = connect()
        for conn in (before, after):
            assert _setting(conn, "memory_limit") in ("953.6 MiB", "1.0 GiB", "1000.0 MB")
            assert _setting(conn, "threads") == 1
            assert _setting(conn, "temp_directory") == str(tmp_path / "spill")
    finally:
        tl.configure(memory_limit="25%", threads=os.cpu_count() or 1)


def test_bad_settings_say_what_to_write() -> None:
    with pytest.raises(ValueError, match="size such as '6GB'"):
        tl.configure(memory_limit="lots")
    with pytest.raises(ValueError, match="positive integer"):
        tl.configure(threads=0)
