"""Writer processes of the concurrency tests (a module of its own: `spawn` children import it by name)."""

from __future__ import annotations

from typing import Any

import numpy as np


def image_of(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (16, 16, 3), dtype=np.uint8)


def crash_table(writer: int, round_: int) -> Any:
    """20 rows; the images of even rows are shared by every writer (the same seeds), the odd ones are its own."""
    import tablelens as tl

    rows = []
    for i in range(20):
        seed = i if i % 2 == 0 else 1000 * (writer + 1) + 20 * round_ + i
        rows.append([writer, round_, seed, tl.Image(image_of(seed))])
    return tl.Table(columns=["writer", "round", "seed", "img"], data=rows)


def log_rounds(store: str, who: int, rounds: int, barrier: Any, identical: bool, out: Any) -> None:
    """Each round: build an artifact, wait for every writer, log it at once; report the versions got."""
    import tablelens as tl

    run = tl.init(dir=store)
    for r in range(rounds):
        art = tl.Artifact(f"{'same' if identical else 'diff'}-{r}", "dataset")
        art.add(tl.Table(columns=["round", "who"], data=[[r, 0 if identical else who]]), "t")
        barrier.wait(timeout=120)
        run.log_artifact(art)
        out.put((who, r, art.version))
    run.finish()


def log_until_killed(store: str, writer: int, ready: Any) -> None:
    import tablelens as tl

    run = tl.init(dir=store)
    ready.set()
    for r in range(1000):
        art = tl.Artifact(f"crash-{writer % 2}", "dataset")  # two writers per name: versions race too
        art.add(crash_table(writer, r), "t")
        run.log_artifact(art)


def log_after_gc(store: str, staged: Any, go: Any, out: Any) -> None:
    """Build an artifact (reusing objects of a deleted version), wait while gc runs, then log it."""
    import tablelens as tl

    run = tl.init(dir=store)
    art = tl.Artifact("late", "dataset")
    art.add(tl.Table(columns=["seed", "img"], data=[[s, tl.Image(image_of(s))] for s in range(4)]), "t")
    staged.set()
    go.wait(timeout=120)
    run.log_artifact(art)
    out.put(art.version)
