"""Names and exports: control characters are refused in every logical name; `x:y` and `./t` mean the same thing
everywhere; exports never overwrite, never write through a link, never leave half-written output."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tablelens as tl
from tablelens._core.errors import DamagedObjectError


def _table() -> tl.Table:
    return tl.Table(columns=["id", "img"], data=[[i, tl.Image(np.full((4, 5, 3), 9 * i, np.uint8))]
                                                 for i in range(3)])


@pytest.mark.parametrize("bad", ["a\0b", "tab\tname", "line\nbreak", "bell\x07", "del\x7f", "c1\x85"])
def test_control_characters_are_refused_in_every_name(run: Any, tmp_path: Path, bad: str) -> None:
    f = tmp_path / "f.txt"
    f.write_text("x")
    art = tl.Artifact("names", "dataset")
    with pytest.raises(tl.UnsafePathError, match="control character"):
        art.add(_table(), bad)  # a table name
    with pytest.raises(tl.UnsafePathError, match="control character"):
        art.add_file(str(f), f"dir/{bad}.txt")  # a file name
    with pytest.raises(ValueError, match="artifact name"):
        tl.Artifact(bad, "dataset")
    art.add(_table(), "t")
    run.log_artifact(art)
    with pytest.raises(ValueError, match="alias"):
        run.store.set_alias("names", bad, "v0")
    with pytest.raises(ValueError, match="alias"):
        run.log_artifact(_fresh("names"), aliases=[bad])
    assert art.files() == sorted(art.files()) and all("\0" not in p for p in art.files())


def _fresh(name: str) -> tl.Artifact:
    a = tl.Artifact(name, "dataset")
    a.add(tl.Table(columns=["x"], data=[[1]]), "other")
    return a


def test_colon_names_are_ordinary_names_everywhere(run: Any, tmp_path: Path) -> None:
    art = tl.Artifact("colon", "dataset")
    art.add(_table(), "x:y")
    run.log_artifact(art)
    got = run.use_artifact("colon:v0")
    assert got.tables() == ["x:y"] and got.get("x:y") == _table()
    assert tl.query("colon:v0/x:y").num_rows == 3 and tl.query("colon:v0", table="x:y").num_rows == 3
    out = Path(got.export(tmp_path / "tl", format="tablelens"))
    assert (out / "x:y.table.parquet").is_file()
    wb = Path(got.export(tmp_path / "wb"))
    assert tl.Artifact.from_dir(wb).get("x:y") == _table()
    with pytest.raises(tl.UnsafePathError, match="absolute"):
        art2 = tl.Artifact("colon", "dataset")
        art2.add(_table(), "C:/t")


def test_dot_slash_names_the_same_table_everywhere(run: Any) -> None:
    art = tl.Artifact("dot", "dataset")
    art.add(_table(), "./t")
    run.log_artifact(art)
    assert art.tables() == ["t"]
    for name in ("./t", "t", "t.table.parquet", "./t.table.parquet", ".//t"):
        assert tl.query("dot:v0", table=name).num_rows == 3
        assert run.use_artifact("dot:v0").get(name) == _table()
    with pytest.raises(tl.FilterError, match="has no table"):
        tl.query("dot:v0", table="../t")


def test_exports_never_overwrite_and_never_write_through_a_link(run: Any, tmp_path: Path) -> None:
    art = tl.Artifact("ex", "dataset")
    art.add(_table(), "t")
    run.log_artifact(art)
    got = run.use_artifact("ex:v0")
    for fmt in ("tablelens", "wandb"):
        target = tmp_path / f"busy-{fmt}"
        target.mkdir()
        (target / "t.table.parquet").write_bytes(b"mine")  # a file the user had there
        with pytest.raises(FileExistsError, match="never overwrites"):
            got.export(target, format=fmt)
        assert (target / "t.table.parquet").read_bytes() == b"mine" and os.listdir(target) == ["t.table.parquet"]
        elsewhere = tmp_path / f"elsewhere-{fmt}"
        elsewhere.mkdir()
        link = tmp_path / f"link-{fmt}"
        link.symlink_to(elsewhere, target_is_directory=True)  # the target itself is a link to an empty folder
        with pytest.raises(FileExistsError, match="symbolic link"):
            got.export(link, format=fmt)
        assert os.listdir(elsewhere) == []
    # a folder that already holds exactly these files: the download is done (nothing written)
    first = got.download(str(tmp_path / "dl"))
    assert got.download(first) == first
    Path(first, "t.table.parquet").unlink()
    Path(first, "t.table.parquet").symlink_to(tmp_path / "busy-tablelens" / "t.table.parquet")
    with pytest.raises(FileExistsError):
        got.download(first)
    # one file of an entry
    entry = got.get_path("t.table.parquet")
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "t.table.parquet").write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        entry.download(str(tmp_path / "one"))
    assert (tmp_path / "one" / "t.table.parquet").read_bytes() == b"mine"
    media = next(p for p in got.files() if p.startswith("media/"))
    (tmp_path / "two").mkdir()
    (tmp_path / "two" / "media").symlink_to(tmp_path / "elsewhere-tablelens", target_is_directory=True)
    with pytest.raises(FileExistsError, match="symbolic link"):
        got.get_path(media).download(str(tmp_path / "two"))  # a folder on the way is a link
    assert os.listdir(tmp_path / "elsewhere-tablelens") == []


def test_a_failed_export_leaves_nothing(run: Any, tmp_path: Path) -> None:
    art = tl.Artifact("half", "dataset")
    art.add(_table(), "t")
    run.log_artifact(art)
    last = max(p for p in art.manifest if p.startswith("media/images/"))
    obj = Path(run.store.object_path(art.manifest[last]["digest"]))
    obj.write_bytes(obj.read_bytes()[:-3])  # the last image is damaged: the export fails part way
    for fmt in ("tablelens", "wandb"):
        with pytest.raises(DamagedObjectError):
            run.use_artifact("half:v0").export(tmp_path / fmt, format=fmt)
    assert os.listdir(tmp_path) == [] or all(p.name == "store" for p in tmp_path.iterdir())


def test_an_alias_file_that_names_itself_is_an_error_not_a_recursion(run: Any, store_dir: Path) -> None:
    run.log_artifact(_fresh("loops"))
    alias = store_dir / "artifacts" / "loops" / "aliases"
    alias.mkdir()
    (alias / "me.json").write_text(json.dumps({"version": "me"}))
    with pytest.raises(tl.CorruptFileError, match="me -> me"):
        tl.Store(store_dir).artifact("loops:me")
    assert tl.Store(store_dir).versions("loops")[0]["aliases"] == ["latest"]  # listing still works
