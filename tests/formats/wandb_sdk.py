"""The real wandb SDK, offline, as the writer of fixtures and the reader of exports.

Writing: `wandb.Artifact(...).add(table, name)` with `WANDB_MODE=offline` stages every file of the artifact in
the SDK's staging folder (under `WANDB_DATA_DIR`) and lists it in `artifact.manifest` — no run, no server.
`stage_folder` copies each manifest entry's staged file to `<folder>/<entry path>` and writes the manifest as
`wandb_manifest.json` (`manifest.to_manifest_json()`): the folder a download of that artifact gives.

Reading: `Artifact.get` and `Artifact.get_entry` refuse an artifact that was never logged to a server, so
`read_table` hands the SDK's own deserialiser (`WBValue.init_from_json`, i.e. `wandb.Table.from_json` and each
media class's `from_json`) a small source-artifact object over a local folder: `get_entry(path).download()` is
the file in the folder, `get(name)` loads `name`'s JSON file the same way. Everything else is the SDK's code.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["FolderArtifact", "offline_wandb", "read_table", "stage_folder"]


@contextmanager
def offline_wandb(root: Path) -> Iterator[Any]:
    """`import wandb` with every folder it writes under `root`, offline, silent; restores the environment."""
    names = {"WANDB_MODE": "offline", "WANDB_DIR": str(root / "wandb"), "WANDB_CACHE_DIR": str(root / "cache"),
             "WANDB_DATA_DIR": str(root / "data"), "WANDB_CONFIG_DIR": str(root / "config"), "WANDB_SILENT": "true",
             "WANDB_DISABLE_GIT": "true", "WANDB_ARTIFACT_DIR": str(root / "artifacts")}
    old = {k: os.environ.get(k) for k in names}
    for k, v in names.items():
        if k.endswith("_DIR"):
            os.makedirs(v, exist_ok=True)
        os.environ[k] = v
    try:
        import wandb

        yield wandb
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def stage_folder(artifact: Any, folder: Path) -> Path:
    """The folder of a staged (unlogged) `wandb.Artifact`: its files at their paths and `wandb_manifest.json`."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, entry in artifact.manifest.entries.items():
        dest = folder / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(entry.local_path, dest)
    (folder / "wandb_manifest.json").write_text(json.dumps(artifact.manifest.to_manifest_json()))
    return folder


class _Entry:
    def __init__(self, folder: Path, path: str) -> None:
        self.path = path
        self._local = folder / path

    def download(self, root: str | None = None) -> str:
        if not self._local.is_file():
            raise FileNotFoundError(f"{self.path} is not in the folder")
        return str(self._local)

    def ref_url(self) -> str:
        return f"file://{self._local}"


class FolderArtifact:
    """What the SDK's `from_json` methods call on their source artifact, over a local folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.aliases = ["latest"]

    def get_entry(self, path: str) -> _Entry:
        return _Entry(self.folder, path)

    def get(self, name: str) -> Any:
        from wandb.sdk.data_types.base_types.wb_value import WBValue

        candidates = [name] + [f"{name}.{t}.json" for t in ("table", "joined-table", "classes", "image-file")]
        for c in candidates:
            p = self.folder / c
            if p.is_file():
                obj = json.loads(p.read_text())
                if isinstance(obj, dict) and obj.get("_type") == "classes":
                    from wandb.sdk.data_types.helper_types.classes import Classes

                    return Classes.from_json(obj, self)
                return WBValue.init_from_json(obj, self)
        raise KeyError(f"{name} is not in {self.folder}")

    def _local_path_to_name(self, path: str) -> str | None:
        try:
            return os.path.relpath(path, self.folder)
        except ValueError:
            return None

    def _default_root(self) -> str:
        return str(self.folder)


def read_table(folder: Path, name: str) -> Any:
    """The SDK's own reading of the table `name` in a folder (a `wandb.Table` of wandb media objects)."""
    return FolderArtifact(folder).get(name)
