"""Writer processes of the object-storage concurrency tests (`spawn` children import this module by name); the
endpoint and credentials reach them through the AWS environment variables the session fixture set."""

from __future__ import annotations

from typing import Any

import numpy as np


def image_of(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (16, 16, 3), dtype=np.uint8)


def log_at_once(store: str, who: int, rows: int, barrier: Any, out: Any) -> None:
    """Three rounds, each started by every writer at once (one process start for all three): an artifact of its
    own, an artifact identical for every writer, and `rows` rows appended to `grow`; reports each version."""
    import tablelens as tl

    run = tl.init(dir=store)
    for identical in (False, True):
        art = tl.Artifact("same" if identical else "diff", "dataset")
        cells = [[0 if identical else who, tl.Image(image_of(0 if identical else who))]]
        art.add(tl.Table(columns=["who", "img"], data=cells), "t")
        barrier.wait(timeout=120)
        run.log_artifact(art)
        out.put((art.name, who, art.version))
    art = tl.Artifact("grow", "dataset")
    art.append("t", tl.Table(columns=["who", "i"], data=[[who, i] for i in range(rows)]))
    barrier.wait(timeout=120)
    run.log_artifact(art)
    out.put(("grow", who, art.version))
    run.finish()


def log_until_killed(store: str, writer: int, ready: Any) -> None:
    import tablelens as tl

    run = tl.init(dir=store)
    ready.set()
    for r in range(1000):
        art = tl.Artifact("crash", "dataset")
        rows = [[writer, r, i, tl.Image(image_of(1000 * writer + 20 * r + i))] for i in range(10)]
        art.add(tl.Table(columns=["writer", "round", "i", "img"], data=rows), "t")
        run.log_artifact(art)


def manage_at_once(store: str, who: int, moves: int, barrier: Any, out: Any) -> None:
    """Move the shared alias `production` and set this manager's own metadata key, `moves` times each."""
    import random

    import tablelens as tl

    s = tl.Store(store)
    rng = random.Random(who)
    barrier.wait(timeout=120)
    for i in range(moves):
        s.alias(f"m:v{rng.randrange(3)}", "production")
        s.edit("m:v0", update_metadata={f"k{who}": i})
    out.put(who)
