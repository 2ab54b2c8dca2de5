"""Fixtures for the query-engine tests (data in query_data.py)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from query_data import arrow_table, image_table, write_parquet


@pytest.fixture(scope="session")
def sample_parquet(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_parquet(arrow_table(), tmp_path_factory.mktemp("q") / "sample.parquet")


@pytest.fixture(scope="session")
def sample_arrow() -> pa.Table:
    return arrow_table()


@pytest.fixture(scope="session")
def image_parquet(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_parquet(image_table(), tmp_path_factory.mktemp("img") / "images.parquet")
