"""Demo data for the notebooks and `make demo`: real digits, procedural street scenes, a 10M-row table.

Everything is generated locally (scikit-learn ships the digits); nothing is downloaded. `generate` fills a store
idempotently: running it again finds the artifacts it made and adds no version.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["ensure", "generate"]


PROJECT = "tablelens-demo"


def ensure(store: Any, name: str, key: str, job_type: str, build: Callable[[Any], Any]) -> tuple[Any, bool]:
    """The version of `name` whose metadata says `demo: key`; when missing, a run of `job_type` builds and logs
    it (`build(run)`), so the store's lineage shows each step of the pipeline as a run of its own.

    Returns (artifact, built). Identical contents alone cannot decide this: the store returns an existing
    version only when it is the latest, and the weak model's predictions are logged before the better one's.
    """
    import tablelens as tl

    from .._core.errors import ArtifactNotFoundError

    try:
        versions = store.versions(name)
    except ArtifactNotFoundError:
        versions = []
    for v in versions:
        art = store.artifact(f"{name}:{v['version']}")
        if art.metadata.get("demo") == key:
            return art, False
    with tl.init(project=PROJECT, job_type=job_type, dir=store.dir) as run:
        return build(run), True


def generate(store_dir: str, *, quick: bool = False, large_rows: int | None = None,
             log: Callable[[str], None] = print) -> list[str]:
    """Fill `store_dir` with the demo artifacts; returns their 'name:version' list.

    `quick` skips the 10M-row table (the digits and scenes take well under a minute). Each step that makes
    something is a run of its own (`build-dataset`, `predict`, `generate-large`): the datasets' runs produce
    them, the predictions' runs use them. A second call finds everything and starts no run.
    """
    import tablelens as tl

    from . import digits, large, scenes, segmentation

    store = tl.Store(store_dir)
    made: list[str] = []

    def step(name: str, key: str, job_type: str, build: Callable[[Any], Any]) -> None:
        t0 = time.perf_counter()
        art, built = ensure(store, name, key, job_type, build)
        made.append(art.qualified_name)
        log(f"{'made' if built else 'found'} {art.qualified_name:28s} {key:16s} "
            f"{time.perf_counter() - t0:5.1f} s")

    data = digits.load_digits()
    step(digits.DATASET, "digits-dataset", "build-dataset", lambda run: digits.log_dataset(run, data))
    for version in ("weak", "better"):
        step(digits.PREDICTIONS, f"digits-{version}", "predict",
             lambda run, v=version: digits.log_predictions(run, v, data))
    step(scenes.DATASET, "scenes-dataset", "build-dataset", scenes.log_dataset)
    for version in segmentation.MODEL_VERSIONS:
        step(segmentation.PREDICTIONS, f"scenes-{version}", "predict",
             lambda run, v=version: segmentation.log_predictions(run, v))
    if not quick:
        t0 = time.perf_counter()
        rows = large.rows_from_env() if large_rows is None else large_rows
        found = [large._existing(store, f"large-{m}", rows) for m in large.MODELS]
        if all(a is not None for a in found):
            arts = found
        else:
            with tl.init(project=PROJECT, job_type="generate-large", dir=store_dir) as run:
                arts = list(large.ensure_large(run, rows, verbose=False).values())
        for art in arts:
            made.append(art.qualified_name)
            log(f"ready {art.qualified_name:27s} {art.metadata['rows']:,} rows "
                f"({time.perf_counter() - t0:.1f} s)")
    return made
