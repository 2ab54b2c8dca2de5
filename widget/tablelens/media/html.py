"""`Html`: an HTML document, as `wandb.Html` — literal HTML, a `.html` file or a text file object.

With `inject=True` (the default, as in W&B) the same `<base>` and stylesheet link W&B adds are put in the head,
so the file is the one the SDK would log. The Explorer shows HTML only inside a sandboxed iframe whose content
security policy blocks every network request (docs/protocol.md), so that link is never fetched there.
"""

from __future__ import annotations

import os
from typing import Any

from .._core.errors import MediaFileError
from ._mediafile import FileMedia, MediaFile, read_text_arg

__all__ = ["Html"]

#: what wandb.Html(inject=True) puts at the start of the head (wandb/sdk/data_types/html.py)
WANDB_HEAD = '<base target="_blank"><link rel="stylesheet" type="text/css" href="https://app.wandb.ai/normalize.css" />'


class Html(FileMedia):
    """An HTML document (the `wandb.Html` API): `data` is a path to a `.html` file, literal HTML or a file object."""

    def __init__(self, data: Any, inject: bool = True, data_is_not_path: bool = False) -> None:
        if isinstance(data, Html):
            self._file = data._file
            return
        path = os.fspath(data) if isinstance(data, (str, os.PathLike)) else None
        is_path = (path is not None and not data_is_not_path and os.path.splitext(path)[1] == ".html"
                   and os.path.isfile(path))
        if is_path:
            try:
                with open(path, encoding="utf-8") as f:  # type: ignore[arg-type]
                    html = f.read()
            except (OSError, UnicodeDecodeError) as e:
                raise MediaFileError(f"HTML file {path!r} cannot be read as UTF-8 text: {e}", "corrupt") from None
        elif isinstance(data, str):
            html = data
        elif (text := read_text_arg(data)) is not None:
            html = text
        else:
            raise TypeError(f"Html takes a string, a path to a .html file or a file object, got {type(data).__name__}")
        if inject:
            html = inject_head(html)
        if is_path and not inject:
            self._file = MediaFile.from_path(path, "html", "HTML file")  # type: ignore[arg-type]
        else:
            self._file = MediaFile(ext="html", data=html.encode("utf-8"))

    @property
    def html(self) -> str:
        """The document's text."""
        return self._file.read_bytes().decode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return f"Html({self._file.size} bytes)"

    def _facts(self) -> dict[str, Any]:
        return {}

    @classmethod
    def _restore(cls, file: MediaFile, record: dict[str, Any]) -> Html:
        h = cls.__new__(cls)
        h._file = file
        return h


def inject_head(html: str) -> str:
    """W&B's `Html.inject_head`: the base target and stylesheet at the start of the head (made when missing)."""
    if "<head>" in html:
        before, after = html.split("<head>", 1)
        parts = [before + "<head>", WANDB_HEAD, after]
    elif "<html>" in html:
        before, after = html.split("<html>", 1)
        parts = [before + "<html><head>", WANDB_HEAD, "</head>" + after]
    else:
        parts = ["", WANDB_HEAD, html]
    return "".join(parts).strip()
