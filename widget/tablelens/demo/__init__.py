"""Demo data for the notebooks and `make demo`: real digits, procedural street scenes, a 10M-row table.

Everything is generated locally (scikit-learn ships the digits); nothing is downloaded. `generate` fills a store
idempotently: running it again finds the artifacts it made and adds no version.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

__all__ = ["ensure", "generate"]


def ensure(run: Any, name: str, key: str, build: Callable[[], Any]) -> tuple[Any, bool]:
    """The version of `name` whose metadata says `demo: key`, built and logged by `build()` only when missing.

    Returns (artifact, built). Identical contents alone cannot decide this: the store returns an existing
    version only when it is the latest, and the weak model's predictions are logged before the better one's.
    """
    from .._core.errors import ArtifactNotFoundError

    try:
        versions = run.store.versions(name)
    except ArtifactNotFoundError:
        versions = []
    for v in versions:
        art = run.store.artifact(f"{name}:{v['version']}")
        if art.metadata.get("demo") == key:
            return run.use_artifact(art), False
    return build(), True


def generate(store_dir: str, *, quick: bool = False, large_rows: int | None = None,
             log: Callable[[str], None] = print) -> list[str]:
    """Fill `store_dir` with the demo artifacts; returns their 'name:version' list.

    `quick` skips the 10M-row table (the digits and scenes take well under a minute).
    """
    import tablelens as tl

    from . import digits, large, scenes, segmentation

    run = tl.init(project="tablelens-demo", job_type="generate-demo", dir=store_dir)
    made: list[str] = []

    def step(name: str, key: str, build: Callable[[], Any]) -> None:
        t0 = time.perf_counter()
        art, built = ensure(run, name, key, build)
        made.append(art.qualified_name)
        log(f"{'made' if built else 'found'} {art.qualified_name:28s} {key:16s} "
            f"{time.perf_counter() - t0:5.1f} s")

    try:
        data = digits.load_digits()
        step(digits.DATASET, "digits-dataset", lambda: digits.log_dataset(run, data))
        for version in ("weak", "better"):
            step(digits.PREDICTIONS, f"digits-{version}", lambda v=version: digits.log_predictions(run, v, data))
        step(scenes.DATASET, "scenes-dataset", lambda: scenes.log_dataset(run))
        for version in segmentation.MODEL_VERSIONS:
            step(segmentation.PREDICTIONS, f"scenes-{version}",
                 lambda v=version: segmentation.log_predictions(run, v))
        if not quick:
            t0 = time.perf_counter()
            for art in large.ensure_large(run, large_rows, verbose=False).values():
                made.append(art.qualified_name)
                log(f"ready {art.qualified_name:27s} {art.metadata['rows']:,} rows "
                    f"({time.perf_counter() - t0:.1f} s)")
    finally:
        run.finish()
    return made
