"""A W&B folder never pulls in other local files: symbolic links leaving the folder are refused when it is opened,
logged or exported — links to files and folders outside, a symlinked image, an image under a symlinked folder —
and links that loop never hang the reader."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import tablelens as tl

SECRET = b"the contents of a private file outside the folder"


def _folder(root: Path) -> Path:
    """A W&B folder (written by hand, as the SDK writes it): a table of two images, and a notes file."""
    (root / "media" / "images").mkdir(parents=True)
    cells = []
    for i in range(2):
        name = f"media/images/{i}.png"
        PILImage.fromarray(np.full((6, 8, 3), 40 * i, np.uint8)).save(root / name)
        cells.append([i, {"_type": "image-file", "format": "png", "height": 6, "path": name, "width": 8}])
    table = {"_type": "table", "columns": ["id", "img"], "data": cells, "ncols": 2, "nrows": 2}
    (root / "t.table.json").write_text(json.dumps(table, sort_keys=True))
    (root / "notes.txt").write_text("notes")
    return root


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    (out / "imgs").mkdir(parents=True)
    (out / "secret.txt").write_bytes(SECRET)
    PILImage.fromarray(np.full((6, 8, 3), 200, np.uint8)).save(out / "imgs" / "0.png")
    PILImage.fromarray(np.full((6, 8, 3), 201, np.uint8)).save(out / "imgs" / "1.png")
    return out


def _no_secret_in(store_dir: Path) -> None:
    for dirpath, _, files in os.walk(store_dir):
        for f in files:
            assert SECRET not in (Path(dirpath) / f).read_bytes()


@pytest.mark.parametrize("case", ["file", "image", "image-folder", "dangling", "folder-up"])
def test_opening_refuses_links_that_leave_the_folder(tmp_path: Path, outside: Path, case: str) -> None:
    root = _folder(tmp_path / "dl")
    if case == "file":  # notes.txt -> /outside/secret.txt
        (root / "notes.txt").unlink()
        (root / "notes.txt").symlink_to(outside / "secret.txt")
        name = "notes.txt"
    elif case == "image":  # an image the table names is a link to a file outside
        (root / "media/images/0.png").unlink()
        (root / "media/images/0.png").symlink_to(outside / "imgs" / "0.png")
        name = "media/images/0.png"
    elif case == "image-folder":  # the images' folder is a link to a folder outside
        for f in (root / "media/images").iterdir():
            f.unlink()
        (root / "media/images").rmdir()
        (root / "media/images").symlink_to(outside / "imgs", target_is_directory=True)
        name = "media/images"
    elif case == "dangling":  # a link to a path outside that does not exist (yet)
        (root / "later.txt").symlink_to(outside / "not-there.txt")
        name = "later.txt"
    else:  # a link to a folder above the download
        (root / "up").symlink_to(tmp_path, target_is_directory=True)
        name = "up"
    with pytest.raises(tl.UnsafePathError, match="symbolic link") as err:
        tl.Artifact.from_dir(root)
    assert repr(name) in str(err.value) and "outside the folder" in str(err.value)


def test_links_inside_the_folder_are_followed_and_loops_do_not_hang(tmp_path: Path) -> None:
    root = _folder(tmp_path / "dl")
    (root / "copy.txt").symlink_to("notes.txt")  # a link to a file inside: read as that file
    (root / "media" / "again").symlink_to("images", target_is_directory=True)  # a folder inside: not walked twice
    (root / "media" / "loop").symlink_to("..", target_is_directory=True)  # a loop back up: not walked
    art = tl.Artifact.from_dir(root)
    assert art.files() == ["copy.txt", "media/images/0.png", "media/images/1.png", "notes.txt", "t.table.parquet"]
    assert Path(art.get_path("copy.txt").download()).read_text() == "notes"
    (root / "a.txt").symlink_to("b.txt")  # a loop of links
    (root / "b.txt").symlink_to("a.txt")
    with pytest.raises(tl.CorruptFileError, match="does not exist or loops"):
        tl.Artifact.from_dir(root)


def test_a_link_placed_after_opening_is_refused_at_log_and_export(tmp_path: Path, outside: Path,
                                                                  store_dir: Path) -> None:
    run = tl.init(dir=str(store_dir))
    root = _folder(tmp_path / "dl")
    art = tl.Artifact.from_dir(root)
    (root / "notes.txt").unlink()  # swapped for a link out after the folder was opened
    (root / "notes.txt").symlink_to(outside / "secret.txt")
    for export in (lambda: art.export(tmp_path / "w", format="wandb"),
                   lambda: art.export(tmp_path / "t", format="tablelens")):
        with pytest.raises(tl.UnsafePathError, match=r"'notes\.txt'.*outside the folder"):
            export()
    assert not (tmp_path / "w").exists() and not (tmp_path / "t").exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]  # no half-written folder either
    with pytest.raises(tl.UnsafePathError, match=r"'notes\.txt'.*outside the folder"):
        run.log_artifact(art)
    assert "dl" not in tl.Store(store_dir).artifacts()
    _no_secret_in(store_dir)

    image = tl.Artifact.from_dir(_folder(tmp_path / "dl2"))  # the same for an image the table names
    (tmp_path / "dl2/media/images/1.png").unlink()
    (tmp_path / "dl2/media/images/1.png").symlink_to(outside / "imgs" / "1.png")
    with pytest.raises(tl.UnsafePathError, match="outside the folder"):
        run.log_artifact(image)
    with pytest.raises(tl.UnsafePathError, match="outside the folder"):
        image.get("t").data[1][1].to_numpy()
    run.finish()


def test_an_intact_folder_logs_and_exports(tmp_path: Path, store_dir: Path) -> None:
    run = tl.init(dir=str(store_dir))
    art = tl.Artifact.from_dir(_folder(tmp_path / "dl"))
    run.log_artifact(art)
    out = run.use_artifact("dl:v0").export(tmp_path / "again")
    assert (Path(out) / "notes.txt").read_text() == "notes"
    reopened = tl.Artifact.from_dir(out)
    assert reopened.get("t") == run.use_artifact("dl:v0").get("t")
    run.finish()
