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


def test_default_memory_limit_is_a_quarter_of_what_the_process_may_use(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from tablelens.query import _exec

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    monkeypatch.setattr(_exec, "_CGROUP_FILES", (str(tmp_path / "none"),))
    assert _exec._default_limit() == f"{max(1 << 30, total // 4) // (1 << 20)}MB"
    v2, v1 = tmp_path / "memory.max", tmp_path / "memory.limit_in_bytes"
    v2.write_text("max\n")
    v1.write_text("8589934592\n")  # a container of 8 GB (v1) behind an unlimited v2 file is not read
    monkeypatch.setattr(_exec, "_CGROUP_FILES", (str(v2), str(v1)))
    assert _exec._default_limit() == f"{max(1 << 30, total // 4) // (1 << 20)}MB"
    monkeypatch.setattr(_exec, "_CGROUP_FILES", (str(tmp_path / "none"), str(v1)))
    assert _exec._default_limit() == "2048MB"  # a quarter of the container's 8 GB
    v1.write_text("9223372036854771712\n")  # v1's "no limit"
    assert _exec._default_limit() == f"{max(1 << 30, total // 4) // (1 << 20)}MB"
    v1.write_text(str(2 << 30))
    assert _exec._default_limit() == "1024MB"  # never below 1 GB
