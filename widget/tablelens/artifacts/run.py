"""`init()` and `Run`: a unit of work that uses and produces artifact versions, recorded for lineage."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from typing import Any

from .artifact import Artifact
from .context import current_run, current_store, set_current_run
from .store import Store

__all__ = ["Run", "current_run", "current_store", "init", "log_artifact", "use_artifact"]


class Run:
    """What `tl.init()` returns: `log_artifact`, `use_artifact`, `finish` (as a wandb run)."""

    def __init__(self, store: Store, project: str | None, job_type: str | None, config: dict[str, Any] | None,
                 name: str | None = None) -> None:
        self.store = store
        self.id = uuid.uuid4().hex[:12]
        self.name = name or f"{job_type or 'run'}-{self.id[:6]}"
        self.project = project
        self.job_type = job_type
        self.config = dict(config or {})
        self._used: list[str] = []
        self._produced: list[str] = []
        self._started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        self._finished: str | None = None
        self._save()

    def _save(self) -> None:
        self.store.write_run({
            "id": self.id, "name": self.name, "project": self.project, "job_type": self.job_type,
            "config": self.config, "used": self._used, "produced": self._produced, "started_at": self._started,
            "finished_at": self._finished, "host": socket.gethostname(), "pid": os.getpid(),
        })

    def log_artifact(self, artifact: Artifact, name: str | None = None, type: str | None = None,
                     aliases: list[str] | tuple[str, ...] = ()) -> Artifact:
        """Store the artifact as a new version (v0, v1, ...); identical contents return the latest version."""
        if not isinstance(artifact, Artifact):
            raise TypeError(f"log_artifact takes a tl.Artifact, got {type(artifact).__name__}")
        if isinstance(aliases, str):
            aliases = [aliases]
        if artifact.version is not None:
            raise ValueError(f"artifact {artifact.qualified_name} is logged already")
        staging = artifact.staging
        manifest, written = self.store.log(
            staging.entries, name=name or artifact.name, type=type or artifact.type,
            description=artifact.description, metadata=artifact.metadata, run=self.id, aliases=aliases,
            staging_dir=staging.dir, on_base=artifact._on_base())
        logged = self.store.artifact(f"{manifest['name']}:{manifest['version']}")
        artifact._mark_logged(self.store, manifest, logged.aliases, written)
        if name:
            artifact.name = name
        if artifact.qualified_name not in self._produced:
            self._produced.append(artifact.qualified_name)
            self._save()
        return artifact

    def use_artifact(self, spec: str | Artifact, type: str | None = None) -> Artifact:
        """The logged artifact named 'name:v3', 'name:latest' or 'name:ALIAS'; recorded as used by this run."""
        art = spec if isinstance(spec, Artifact) else self.store.artifact(spec)
        if art.version is None:
            raise ValueError(f"artifact {art.name} is not logged yet; log it before using it")
        if type is not None and art.type != type:
            raise ValueError(f"artifact {art.qualified_name} has type {art.type!r}, not {type!r}")
        if art.qualified_name not in self._used:
            self._used.append(art.qualified_name)
            self._save()
        return art

    def finish(self) -> None:
        self._finished = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        self._save()
        if current_run() is self:
            set_current_run(None)

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.finish()

    def __repr__(self) -> str:
        return f"Run({self.name!r}, project={self.project!r}, store={self.store.dir!r})"


def init(project: str | None = None, job_type: str | None = None, config: dict[str, Any] | None = None,
         dir: str | os.PathLike[str] | None = None, name: str | None = None, *,
         storage_options: dict[str, Any] | None = None, **kwargs: Any) -> Run:
    """Start a run writing to the store in `dir` (default `$TABLELENS_DIR`, else `./tablelens-store`): a local
    folder, or an fsspec URL such as `s3://bucket/prefix` (`storage_options` go to its filesystem)."""
    del kwargs  # wandb options (entity, reinit, ...) without meaning here
    previous = current_run()
    if previous is not None:
        previous.finish()
    store = Store(dir, storage_options=storage_options) if storage_options else Store(dir)
    run = Run(store, project, job_type, config, name)
    set_current_run(run)
    return run


def _run() -> Run:
    return current_run() or init()


def log_artifact(artifact: Artifact, name: str | None = None, type: str | None = None,
                 aliases: list[str] | tuple[str, ...] = ()) -> Artifact:
    """Log through the current run (one is started if there is none)."""
    return _run().log_artifact(artifact, name=name, type=type, aliases=aliases)


def use_artifact(spec: str, type: str | None = None) -> Artifact:
    return _run().use_artifact(spec, type=type)

