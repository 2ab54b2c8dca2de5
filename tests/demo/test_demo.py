"""The demo generator: idempotent, the expected artifacts and versions, and a segmentation model that learned."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tablelens as tl
from tablelens.demo import generate
from tablelens.demo.scenes import CAR, CLASS_IDS, make_scene, make_scenes
from tablelens.demo.segmentation import (
    _label_numpy,
    connected_components,
    iou_per_class,
    predicted_boxes,
    train_model,
)

ROOT = Path(__file__).resolve().parents[2]


def _manifests(store: Path) -> dict[str, bytes]:
    return {str(p.relative_to(store)): p.read_bytes() for p in sorted((store / "artifacts").rglob("*.json"))}


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory, demo_store_template: Path) -> Path:
    store = tmp_path_factory.mktemp("demo") / "store"
    shutil.copytree(demo_store_template, store)  # made once per test run (tests/conftest.py), changed here
    return store


@pytest.mark.slow
def test_generator_makes_the_expected_artifacts(demo_store: Path) -> None:
    store = tl.Store(demo_store)
    assert store.artifacts() == ["digit-predictions", "digits", "scene-predictions", "street-scenes"]
    assert [v["version"] for v in store.versions("digit-predictions")] == ["v0", "v1"]
    assert store.artifact("digit-predictions:weak").version == "v0"
    assert store.artifact("digit-predictions:better").version == "v1"
    assert store.artifact("scene-predictions:better").version == "v1"

    digits = store.artifact("digits:v0").get("digits")
    assert len(digits) == 1797 and digits.columns == ["id", "image", "label", "split"]
    first = digits.get_column("image")[0]
    assert (first.width, first.height) == (32, 32)

    preds = store.artifact("digit-predictions:better").get("predictions")
    assert preds.columns[:6] == ["id", "image", "label", "pred", "correct", "confidence"]
    assert [c for c in preds.columns if c.startswith("score_")] == [f"score_{d}" for d in range(10)]
    weak = store.artifact("digit-predictions:weak")
    better = store.artifact("digit-predictions:better")
    assert better.metadata["accuracy"] > weak.metadata["accuracy"] + 0.05


@pytest.mark.slow
def test_predictions_refer_to_the_dataset_images(demo_store: Path) -> None:
    store = tl.Store(demo_store)
    for name, dataset in (("digit-predictions:v1", "digits:v0"), ("scene-predictions:v1", "street-scenes:v0")):
        manifest = store.artifact(name).manifest
        images = {p: e for p, e in manifest.items() if p.startswith("media/images/") and "/mask/" not in p}
        assert images and all(e.get("ref", "").startswith(dataset + "/") for e in images.values()), name


@pytest.mark.slow
def test_generator_is_idempotent(demo_store: Path) -> None:
    before, runs = _manifests(demo_store), sorted((demo_store / "runs").iterdir())
    generate(str(demo_store), quick=True, log=lambda _: None)
    assert _manifests(demo_store) == before
    assert sorted((demo_store / "runs").iterdir()) == runs  # finding everything starts no run


@pytest.mark.slow
def test_each_step_is_a_run_of_its_own(demo_store: Path) -> None:
    runs = tl.Store(demo_store).runs()
    made = {a: r["job_type"] for r in runs for a in r["produced"]}
    assert made == {"digits:v0": "build-dataset", "street-scenes:v0": "build-dataset",
                    "digit-predictions:v0": "predict", "digit-predictions:v1": "predict",
                    "scene-predictions:v0": "predict", "scene-predictions:v1": "predict"}
    assert len(runs) == 6 and all(len(r["produced"]) == 1 for r in runs)
    used = {r["produced"][0]: r["used"] for r in runs}
    assert used["digit-predictions:v1"] == ["digits:v0"] and used["scene-predictions:v0"] == ["street-scenes:v0"]
    assert used["digits:v0"] == []


@pytest.mark.slow
def test_command_line_finds_everything_on_a_second_run(demo_store: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "tablelens.demo", "--store", str(demo_store), "--quick"],
                         capture_output=True, text=True, check=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT / "widget"), "PATH": "/usr/bin:/bin"})
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith(("made", "found"))]
    assert len(lines) == 6 and all(ln.startswith("found") for ln in lines), out.stdout


@pytest.mark.slow
def test_scene_predictions_table_and_the_seed_filters(demo_store: Path) -> None:
    store = tl.Store(demo_store)
    table = store.artifact("scene-predictions:better").get("predictions")
    for col in ("pred_mask", "dominant_pred", "road", "car", "person", "mean_iou"):
        assert col in table.columns
    image = table.get_column("pred_mask")[0]
    assert set(image.masks) == {"ground_truth", "predictions"}
    assert set(image.boxes) == {"ground_truth", "predictions"}
    assert image.classes.name(13) == "car"
    for box in image.boxes["predictions"]:
        assert 0 < box["scores"]["score"] <= 1
    art = store.artifact("scene-predictions:better")
    road = tl.query(art, filter="{$gt: ['$0.road', 0.05]}")
    cars = tl.query(art, filter="{ $gte: [ {$size: {$filter: {input: "
                    "'$0.pred_mask.boxes.ground_truth', as: 'box', cond: {$eq: ['$$box.class_id', 13]} } } }, 1] }")
    assert 0 < road.num_rows < road.total_rows
    assert 0 < cars.num_rows < cars.total_rows


# ------------------------------------------------------------------------------------------ scenes and the model
def test_scenes_are_deterministic_and_labelled() -> None:
    a, b = make_scene(3), make_scene(3)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask) and a.boxes == b.boxes
    assert a.image.shape == (96, 128, 3) and a.mask.shape == (96, 128)
    assert set(np.unique(a.mask)) <= set(CLASS_IDS.values())
    assert CLASS_IDS["car"] == 13 == CAR
    for box in a.boxes:
        p = box["position"]
        assert 0 <= p["minX"] < p["maxX"] <= 1 and 0 <= p["minY"] < p["maxY"] <= 1


def test_scenes_vary_the_way_the_filters_need() -> None:
    scenes = make_scenes(60)
    assert any(not s.has_road for s in scenes) and any(s.has_road for s in scenes)
    assert any(s.count("car") == 0 for s in scenes) and any(s.count("car") > 0 for s in scenes)


def test_segmentation_model_is_better_than_chance() -> None:
    train, test = make_scenes(20), make_scenes(10, start=500)
    chance = []
    rng = np.random.default_rng(0)
    ids = np.array(sorted(CLASS_IDS.values()))
    for version in ("weak", "better"):
        model = train_model(train, version)
        scores = []
        for s, (pred, conf) in zip(test, model.predict_many([s.image for s in test])):
            ious = [v for v in iou_per_class(s.mask, pred).values() if v is not None]
            scores.append(np.mean(ious))
            if version == "weak":
                guess = ids[rng.integers(0, len(ids), s.mask.shape)]
                chance.append(np.mean([v for v in iou_per_class(s.mask, guess).values() if v is not None]))
            assert conf.min() > 0 and conf.max() <= 1
        if version == "weak":
            weak = float(np.mean(scores))
        else:
            better = float(np.mean(scores))
    assert weak > float(np.mean(chance)) + 0.05
    assert better > 0.5 and better > weak + 0.2


def test_connected_components_numpy_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    binary = rng.random((30, 40)) > 0.6
    lab_np, n_np = _label_numpy(binary)
    lab, n = connected_components(binary)
    assert n_np == n
    # the same partition of the pixels, whatever the numbering
    pairs = {(int(a), int(b)) for a, b in zip(lab_np[binary], lab[binary])}
    assert len(pairs) == n and (lab_np == 0).sum() == (~binary).sum()


def test_predicted_boxes_come_from_blobs_with_scores() -> None:
    pred = np.zeros((20, 30), np.uint8)
    pred[2:6, 3:9] = CAR  # a car blob
    pred[10:14, 20:22] = CLASS_IDS["person"]
    pred[18, 0] = CAR  # a single pixel: too small to box
    conf = np.full(pred.shape, 0.8)
    boxes = predicted_boxes(pred, conf)
    assert sorted(b["box_caption"] for b in boxes) == ["car", "person"]
    car = next(b for b in boxes if b["class_id"] == CAR)
    assert car["position"] == {"minX": 0.1, "maxX": 0.3, "minY": 0.1, "maxY": 0.3}
    assert car["scores"]["score"] == pytest.approx(0.8)


def test_large_table_is_written_by_duckdb_with_storage_metadata(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from tablelens.demo.large import write_predictions_parquet

    path = write_predictions_parquet(str(tmp_path / "p.parquet"), 5000, "candidate")
    pf = pq.ParquetFile(path)
    meta = json.loads(pf.schema_arrow.metadata[b"tablelens"])
    assert [c["name"] for c in meta["columns"]] == pf.schema_arrow.names
    t = pf.read()
    assert t.num_rows == 5000 and t.column("id").to_pylist() == list(range(5000))
    again = pq.read_table(write_predictions_parquet(str(tmp_path / "q.parquet"), 5000, "candidate"))
    assert again.equals(t)  # deterministic


def test_large_table_is_generated_once(tmp_path: Path) -> None:
    from tablelens.demo.large import ensure_large

    run = tl.init(dir=str(tmp_path / "store"))
    first = ensure_large(run, 3000, verbose=False)
    again = ensure_large(run, 3000, verbose=False)
    assert {k: a.qualified_name for k, a in first.items()} == {k: a.qualified_name for k, a in again.items()}
    assert [v["version"] for v in run.store.versions("large-predictions")] == ["v0", "v1"]
    assert len(again["candidate"].get("predictions")) == 3000
    run.finish()


@pytest.mark.slow
def test_full_generation_adds_the_large_table_once(demo_store: Path) -> None:
    made = generate(str(demo_store), large_rows=2000, log=lambda _: None)
    assert "large-predictions:v0" in made and "large-predictions:v1" in made
    before = _manifests(demo_store)
    generate(str(demo_store), large_rows=2000, log=lambda _: None)
    assert _manifests(demo_store) == before
    store = tl.Store(demo_store)
    assert store.artifact("large-predictions:candidate-2000").metadata["rows"] == 2000
