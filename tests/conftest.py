"""Shared fixtures: every test gets its own store and no run left over from another test."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "widget") not in sys.path:  # run from a checkout without installing too
    sys.path.insert(0, str(ROOT / "widget"))


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "store"
    monkeypatch.setenv("TABLELENS_DIR", str(d))
    return d


@pytest.fixture
def run(store_dir: Path):
    import tablelens as tl

    r = tl.init(project="test", job_type="test", dir=str(store_dir))
    yield r
    r.finish()


@pytest.fixture(autouse=True)
def _no_current_run():
    yield
    from tablelens.artifacts import current_run

    left = current_run()
    if left is not None:
        left.finish()


@pytest.fixture(autouse=True)
def _thumb_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TABLELENS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="session")
def demo_store_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The quick demo store (`python -m tablelens.demo --quick`: digits and street scenes, a run per step), made
    once per test run and shared: copy it (`demo_store_copy`) before changing it."""
    from tablelens.demo import generate

    store = tmp_path_factory.mktemp("demo-template") / "store"
    generate(str(store), quick=True, log=lambda _m: None)
    return store


@pytest.fixture
def demo_store_copy(tmp_path: Path, demo_store_template: Path) -> Path:
    """A private copy of the quick demo store."""
    import shutil

    dest = tmp_path / "demo-store"
    shutil.copytree(demo_store_template, dest)
    return dest


@pytest.fixture(scope="session")
def chromium():
    """One Playwright driver and one Debian Chromium for the whole run.

    Playwright's sync API allows one driver per thread, so every browser test (Explorer, media, notebooks) shares
    this one instead of starting its own.
    """
    from playwright.sync_api import sync_playwright

    from browser.harness import launch_chromium

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


@pytest.fixture(scope="session")
def spark():
    """One local Spark (2 cores) for the whole run, as an Ibis PySpark backend (the Spark parity tests).

    Java comes from the Makefile (`make java`: Debian's openjdk-17-jre-headless), pyspark from the test extra.
    """
    if shutil.which("java") is None:
        pytest.fail("the Spark tests need Java 17: run `make java` (or apt-get install openjdk-17-jre-headless)")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # loopback: no look-up of the host's own name
    import ibis
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("tablelens-tests")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2").config("spark.default.parallelism", "2")
               .config("spark.driver.memory", "1g")
               # tiny tables: interpreting expressions beats compiling Java for each new query (-25% time)
               .config("spark.sql.codegen.wholeStage", "false").config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("PYTHONHASHSEED", "0")
