"""The `tablelens` command, run as a shell user runs it: the installed console script in a subprocess, on a copy
of the quick demo store, for every verb and its error paths (exit 1 with the message on stderr, 2 for usage).

Each subprocess imports tablelens (about a second), so subprocesses that do not depend on each other run
concurrently, and the further checks of a verb already run as a subprocess call `tablelens.cli.main` in this
process (`inproc`), with the same arguments and the same streams.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import tablelens as tl
from tablelens.cli import main

BIN = Path(sys.executable).parent / "tablelens"
ROOT = Path(__file__).resolve().parents[2]
VERBS = ["ls", "show", "query", "export", "import", "lineage", "alias", "rm", "edit", "verify", "gc"]
CONFIDENT = "{$gt: ['$confidence', 0.99]}"

pytestmark = pytest.mark.slow


@dataclass
class Done:
    code: int
    out: str
    err: str


def tablelens(*args: str, store: Path | None = None, env: dict[str, str] | None = None) -> Done:
    """Run the console script; `store` goes in $TABLELENS_DIR."""
    assert BIN.exists(), f"the console script {BIN} is missing: run `make install` (pip install -e .)"
    full = {k: v for k, v in os.environ.items() if k != "TABLELENS_DIR"}
    if store is not None:
        full["TABLELENS_DIR"] = str(store)
    full.update(env or {})
    p = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=full, timeout=300)
    return Done(p.returncode, p.stdout, p.stderr)


def many(*calls: tuple[tuple[str, ...], Path | None]) -> list[Done]:
    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(lambda c: tablelens(*c[0], store=c[1]), calls))


def inproc(*args: str, store: Path | None = None) -> Done:
    """`main(args)` in this process, its standard output and error captured (`--store` given for `store`)."""
    out, err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), io.StringIO()
    argv = [*args] if store is None else ["--store", str(store), *args]
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = int(e.code or 0)
    out.flush()
    return Done(code, out.buffer.getvalue().decode(), err.getvalue())  # type: ignore[attr-defined]


@pytest.fixture
def store(demo_store_copy: Path) -> Path:
    return demo_store_copy


def test_every_verb_has_help_and_usage_errors_exit_2(store: Path) -> None:
    sub_help, sub_usage, sub_missing = many((("query", "--help"), None), (("frobnicate",), None), (("show",), store))
    assert sub_help.code == 0 and sub_help.out.startswith("usage: tablelens query")
    for u in (sub_usage, sub_missing):
        assert u.code == 2 and u.out == "" and "usage: tablelens" in u.err, u
    for verb in [*VERBS, "alias set", "alias rm", "alias ls"]:
        h = inproc(*verb.split(), "--help")
        assert h.code == 0 and h.out.startswith(f"usage: tablelens {verb}"), (verb, h)
        assert "--store" in h.out and "Exit status: 0 ok, 1 not found" in " ".join(h.out.split())
    for argv in ((), ("query", "x", "--limit", "many"), ("ls", "--no-such-option"), ("alias",), ("rm",)):
        u = inproc(*argv, store=store)
        assert u.code == 2 and u.out == "" and "usage: tablelens" in u.err, (argv, u)


def test_ls_lists_artifacts_by_type_and_versions(store: Path) -> None:
    text = tablelens("ls", store=store)
    as_json, one = inproc("ls", "--json", store=store), inproc("ls", "digit-predictions", store=store)
    assert text.code == 0, text.err
    lines = text.out.splitlines()
    assert lines[0].startswith(f"Store {store}: 4 artifacts, 6 versions, 6 runs")
    dataset, predictions = lines.index("dataset"), lines.index("predictions")
    assert dataset < predictions
    assert [ln.split()[0] for ln in lines[dataset + 2: predictions - 1]] == ["digits", "street-scenes"]
    assert "better=v1, weak=v0" in text.out
    data = json.loads(as_json.out)
    st = tl.Store(store)
    assert [a["name"] for a in data["artifacts"]] == st.artifacts()
    digits = next(a for a in data["artifacts"] if a["name"] == "digits")
    manifest = st.artifact("digits:v0").manifest
    assert digits["size"] == sum(e["size"] for e in manifest.values())
    preds = next(a for a in data["artifacts"] if a["name"] == "digit-predictions")
    assert preds["stored"] < preds["size"]  # the two versions share their images: stored once
    assert one.code == 0 and one.out.startswith("digit-predictions (predictions): 2 versions")
    assert [ln.split()[0] for ln in one.out.splitlines()[2:]] == ["v0", "v1"]
    assert "latest, better" in one.out


def test_show_gives_fields_tables_and_files(store: Path) -> None:
    text = tablelens("show", "digit-predictions:better", store=store)
    as_json = inproc("show", "digit-predictions:v1", "--json", store=store)
    all_files = inproc("show", "digits", "--files", store=store)
    st = tl.Store(store)
    art = st.artifact("digit-predictions:v1")
    table = art.get("predictions")
    assert text.code == 0, text.err
    assert text.out.splitlines()[0] == "digit-predictions:v1  (predictions)"
    assert f"predictions  {len(table):,} rows, {len(table.columns)} columns" in text.out
    assert "made by      run predict-" in text.out and "[predict]" in text.out
    assert f"files ({len(art.files())})" in text.out and "more (--files lists them all)" in text.out
    d = json.loads(as_json.out)
    assert d["digest"] == art.digest and d["metadata"] == art.metadata
    assert d["tables"][0]["rows"] == len(table)
    assert [c["name"] for c in d["tables"][0]["columns"]] == table.columns
    assert {f["path"] for f in d["files"]} == set(art.files())
    assert d["made_by"]["job_type"] == "predict" and d["made_by"]["used"] == ["digits:v0"]
    assert len([ln for ln in all_files.out.splitlines() if "media/images/" in ln]) == len(
        [p for p in st.artifact("digits:v0").files() if p.startswith("media/images/")])


def test_query_prints_rows_and_streams_every_format(store: Path, tmp_path: Path) -> None:
    spec = "digit-predictions:v1"
    expected = tl.query(tl.Store(store).artifact(spec), filter=CONFIDENT, sort=[("confidence", "desc")]).to_pandas()
    assert 0 < len(expected) < 50
    csv_file, pq_file = tmp_path / "out.csv", tmp_path / "out.parquet"
    base = ("query", spec, "--filter", CONFIDENT, "--sort", "confidence:desc")
    shown, jsonl = many(((*base, "-n", "3"), store), ((*base, "--format", "jsonl"), store))
    csv_done = inproc(*base, "-o", str(csv_file), store=store)
    pq_done = inproc(*base, "--format", "parquet", "-o", str(pq_file), "--no-key", store=store)
    grouped = inproc("query", spec, "-g", "label", "--format", "csv", store=store)
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert lines[0].split()[:3] == ["_key", "id", "image"]
    assert [int(ln.split()[0]) for ln in lines[1:4]] == expected["_key"].tolist()[:3]
    assert lines[4] == f"(3 of {len(expected)} rows; 714 rows in the table)"
    assert csv_done.code == 0 and f"wrote {len(expected)} rows" in csv_done.err
    got = pd.read_csv(csv_file)
    assert got["_key"].tolist() == expected["_key"].tolist()
    assert got["confidence"].tolist() == expected["confidence"].tolist()
    assert pq_done.code == 0
    table = pq.read_table(pq_file)
    assert "_key" not in table.column_names and table.num_rows == len(expected)
    kinds = {c.name: c.kind for c in tl.query(str(pq_file)).columns}  # the tablelens metadata came along
    assert kinds["image"] == "image" and kinds["correct"] == "bool"
    records = [json.loads(line) for line in jsonl.out.splitlines()]
    assert [r["id"] for r in records] == expected["id"].tolist()
    assert grouped.code == 0
    groups = pd.read_csv(pd.io.common.StringIO(grouped.out))
    assert groups["label"].tolist() == list(range(10)) and groups["count"].sum() == 714


def test_query_errors_exit_1_with_the_message_on_stderr(store: Path) -> None:
    typo = tablelens("query", "digit-predictions:v1", "-f", "{$gt: ['$confidenc', 0.9]}", store=store)
    unclosed = inproc("query", "digit-predictions:v1", "-f", "{$gt: ['$confidence', 0.9]", store=store)
    table = inproc("query", "digit-predictions:v1", "--table", "nope", store=store)
    missing = inproc("query", "nope:v0", store=store)
    ambiguous = inproc("query", "digit-predictions:v7", store=store)
    parquet_ext = inproc("query", "digits", "-o", "out.xlsx", store=store)
    for d in (typo, unclosed, table, missing, ambiguous, parquet_ext):
        assert d.code == 1 and d.out == "" and d.err.startswith("tablelens: "), d
    assert "bad filter: Unknown column 'confidenc'" in typo.err
    caret = typo.err.splitlines()[-1]
    assert caret.strip() == "^" and typo.err.splitlines()[-2][caret.index("^"):].startswith("'$confidenc'")
    assert "bad filter" in unclosed.err
    assert "has no table 'nope'; its tables: predictions" in table.err
    assert "no artifact named 'nope'" in missing.err
    assert "has no version v7" in ambiguous.err
    assert "cannot tell the format" in parquet_ext.err


def test_export_wandb_then_import_round_trips(store: Path, tmp_path: Path) -> None:
    folder = tmp_path / "wandb-folder"
    done = tablelens("export", "digit-predictions:v0", str(folder), "--format", "wandb", store=store)
    assert done.code == 0, done.err
    assert (folder / "predictions.table.json").exists()
    again = inproc("export", "digit-predictions:v0", str(folder), store=store)
    assert again.code == 1 and "exist" in again.err  # never over an existing folder
    imported = tablelens("import", str(folder), "--name", "from-wandb", "--type", "predictions", "--alias", "first",
                         "--json", store=store)
    assert imported.code == 0, imported.err
    assert json.loads(imported.out)["spec"] == "from-wandb:v0"
    st = tl.Store(store)
    a, b = st.artifact("digit-predictions:v0").get("predictions"), st.artifact("from-wandb:first").get("predictions")
    assert len(a) == len(b) and a.columns == b.columns
    assert a.to_pandas()["confidence"].tolist() == b.to_pandas()["confidence"].tolist()
    run = next(r for r in st.runs() if "from-wandb:v0" in r["produced"])
    assert run["job_type"] == "import"
    nothing = inproc("import", str(tmp_path / "nope"), store=store)
    assert nothing.code == 1 and "no folder" in nothing.err


def test_lineage_prints_the_pipeline_as_a_tree(store: Path) -> None:
    text = tablelens("lineage", "digit-predictions:v1", store=store)
    as_json = inproc("lineage", "digits", "--json", store=store)
    dataset = inproc("lineage", "street-scenes", store=store)
    missing = inproc("lineage", "nope", store=store)
    lines = text.out.splitlines()
    assert lines[0] == "digit-predictions:v1 (predictions; latest, better)"
    assert lines[1].startswith("└── made by  run predict-")
    assert lines[2].startswith("    └── used  digits:v0 (dataset; latest)")
    assert lines[3].startswith("        └── made by  run build-dataset-")
    trees = json.loads(as_json.out)
    assert [t["node"]["id"] for t in trees] == ["digits:v0"]
    assert [c["node"]["job_type"] for c in trees[0]["upstream"]] == ["build-dataset"]
    downstream = trees[0]["downstream"]
    assert len(downstream) == 2 and all(c["relation"] == "used by" for c in downstream)
    assert sorted(g["node"]["id"] for c in downstream for g in c["children"]) == [
        "digit-predictions:v0", "digit-predictions:v1"]
    assert dataset.out.count("used by  run predict-") == 2
    assert missing.code == 1 and "no artifact named 'nope'" in missing.err


def test_alias_rm_edit_verify_gc(store: Path) -> None:
    st = tl.Store(store)
    assert tablelens("alias", "set", "digit-predictions:v0", "production", store=store).out.strip() == (
        "production -> digit-predictions:v0")
    moved = inproc("alias", "set", "digit-predictions:v1", "production", store=store)
    assert moved.out.strip() == "production -> digit-predictions:v1 (moved from v0)"
    assert st.aliases("digit-predictions")["production"] == "v1"
    listed = inproc("alias", "ls", "digit-predictions", "--json", store=store)
    history = inproc("alias", "ls", "digit-predictions", "--history", "--json", store=store)
    bad_alias = inproc("alias", "set", "digit-predictions:v1", "latest", store=store)
    no_version = inproc("alias", "set", "digit-predictions", "x", store=store)
    assert json.loads(listed.out) == {"latest": "v1", "better": "v1", "production": "v1", "weak": "v0"}
    moves = [(m["alias"], m["previous"], m["version"]) for m in json.loads(history.out) if m["alias"] == "production"]
    assert moves == [("production", None, "v0"), ("production", "v0", "v1")]
    assert bad_alias.code == 1 and "reserved" in bad_alias.err
    assert no_version.code == 1 and "NAME:VERSION" in no_version.err

    refused = tablelens("rm", "digit-predictions:v1", store=store)
    assert refused.code == 1 and "better, production" in refused.err and "--force" in refused.err
    assert st.artifact("digit-predictions:v1").version == "v1"
    removed = tablelens("alias", "rm", "digit-predictions", "production", store=store)  # a subprocess, as rm
    assert removed.out.strip() == "removed alias production of digit-predictions (it named v1)"
    gone = inproc("alias", "rm", "digit-predictions", "production", store=store)
    assert gone.code == 1 and "has no alias 'production'" in gone.err

    before = st.artifact("digit-predictions:v0")
    edited = tablelens("edit", "digit-predictions:v0", "-d", "the weak model", "--set", "reviewed=true",
                       "--set", "by=ana", "--unset", "demo", "--json", store=store)
    assert edited.code == 0, edited.err
    after = json.loads(edited.out)
    assert after["digest"] == before.digest
    assert after["metadata"] == {**{k: v for k, v in before.metadata.items() if k != "demo"},
                                 "reviewed": True, "by": "ana"}
    assert st.artifact("digit-predictions:v0").description == "the weak model"
    history = json.loads(inproc("edit", "digit-predictions:v0", "--history", "--json", store=store).out)
    assert [h["description"] for h in history] == [before.description, "the weak model"]
    bad_edit = inproc("edit", "digit-predictions:v0", "--unset", "nope", store=store)
    assert bad_edit.code == 1 and "no metadata key" in bad_edit.err

    deleted = inproc("rm", "digit-predictions:v1", "--force", store=store)
    assert deleted.code == 0 and "removed its aliases better" in deleted.out
    assert [v["version"] for v in st.versions("digit-predictions")] == ["v0"]
    dry, verify_json = inproc("gc", "--dry-run", "--json", store=store), inproc("verify", "--json", store=store)
    plan = json.loads(dry.out)
    assert plan["dry_run"] and plan["objects"] and plan["object_bytes"] > 0
    assert json.loads(verify_json.out)["ok"] is True
    size = st.size()
    collected = tablelens("gc", store=store)
    assert collected.code == 0 and collected.out.startswith(f"Store {store}: removed {len(plan['objects'])} ")
    assert st.size() == size - plan["object_bytes"]
    assert tablelens("verify", store=store).code == 0


def test_verify_names_damage_and_exits_1(store: Path) -> None:
    st = tl.Store(store)
    entry = st.artifact("digit-predictions:v1").get_path("predictions.table.parquet")
    path = Path(st.object_path(entry.digest))
    path.chmod(0o644)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    damaged = tablelens("verify", store=store)
    assert damaged.code == 1
    assert "damaged-object" in damaged.out and "digit-predictions:v1" in damaged.out
    shown = inproc("show", "digit-predictions:v1", store=store)
    assert shown.code == 0 and "cannot be read" in shown.out  # the rest of the version still shows


def test_the_store_comes_from_option_or_environment(store: Path, tmp_path: Path) -> None:
    by_env, none = many((("ls", "--json"), store), (("ls",), tmp_path / "missing"))
    by_option, not_a_store = inproc("ls", "--json", store=store), inproc("verify", store=tmp_path)
    assert json.loads(by_option.out) == json.loads(by_env.out)
    assert none.code == 1 and none.err.startswith("tablelens: no tablelens store at") and "--store" in none.err
    assert not (tmp_path / "missing").exists()  # looking never creates a store
    assert not_a_store.code == 1
    after_verb = inproc("ls", "--store", str(store), "--json")
    assert json.loads(after_verb.out) == json.loads(by_env.out)


def test_python_m_runs_the_same_command(store: Path) -> None:
    p = subprocess.run([sys.executable, "-m", "tablelens.cli", "--store", str(store), "ls", "digits"],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "widget")})
    assert p.returncode == 0 and p.stdout.startswith("digits (dataset): 1 version")
