"""The run that records a derived version's lineage (a subset, an edit): it uses the source version and produces
the new one, so `Store.lineage` shows where the new version came from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..artifacts import Artifact, Run, Store, current_run

__all__ = ["lineage_run", "log_derived"]


@contextmanager
def lineage_run(store: Store, job_type: str, config: dict[str, Any]) -> Iterator[Run]:
    """The current run when it writes to `store` (as `tl.log_artifact` would use), else a run of its own,
    finished on exit."""
    run = current_run()
    if run is not None and run.store.dir == store.dir:
        yield run
        return
    own = Run(store, None, job_type, config)
    try:
        yield own
    finally:
        own.finish()


def log_derived(store: Store, art: Artifact, used: Artifact | None, job_type: str, config: dict[str, Any],
                aliases: tuple[str, ...] = ()) -> Artifact:
    """Log `art` into `store` through a run that used `used` (the source version) and produced it."""
    with lineage_run(store, job_type, config) as run:
        if used is not None:
            run.use_artifact(used)
        return run.log_artifact(art, aliases=list(aliases))
