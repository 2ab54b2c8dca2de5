"""The README's Python example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_example_runs(store_dir, monkeypatch, tmp_path, capsys):
    text = (ROOT / "README.md").read_text()
    block = re.search(r"## Ten lines\s+```python\n(.*?)```", text, re.S)
    assert block, "the README lost its Python example"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(block.group(1), "README.md", "exec"), namespace)
    assert "car" in capsys.readouterr().out  # the query printed the matching row
    explorer = namespace.get("tl").Explorer("street-scenes:v0")  # type: ignore[union-attr]
    explorer._wait()
    assert explorer.num_rows == 1 and not explorer.error
