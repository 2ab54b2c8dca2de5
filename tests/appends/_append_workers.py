"""Writer processes of the concurrent-append tests (a module of its own: `spawn` children import it by name)."""

from __future__ import annotations

from typing import Any


def append_rows(store: str, who: int, n: int, barrier: Any, out: Any) -> None:
    """Build an append of `n` rows of writer `who`, wait for every writer, log it at once; report the version."""
    import tablelens as tl

    run = tl.init(dir=store)
    art = tl.Artifact("grow", "dataset")
    art.append("t", tl.Table(columns=["who", "i"], data=[[who, i] for i in range(n)]))
    barrier.wait(timeout=120)
    run.log_artifact(art)
    out.put((who, art.version))
    run.finish()
