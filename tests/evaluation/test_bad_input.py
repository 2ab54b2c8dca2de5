"""Bad input: each a typed error naming the row and field, or a documented behaviour (docs/evaluation.md)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import tablelens as tl
from tablelens.codec import META_KEY

CLASSES = tl.Classes([{"id": 1, "name": "car"}, {"id": 2, "name": "bus"}])


def _box(x: float, y: float, w: float, h: float, c: int = 1, score: float | None = 0.5, pixel: bool = True) -> dict:
    b: dict = {"position": {"minX": x, "maxX": x + w, "minY": y, "maxY": y + h}, "class_id": c}
    if pixel:
        b["domain"] = "pixel"
    if score is not None:
        b["scores"] = {"score": score}
    return b


def _table(rows: list[tuple[list, list]], ids: list | None = None, classes: tl.Classes | None = CLASSES) -> tl.Table:
    t = tl.Table(columns=["id", "image"])
    for k, (truth, preds) in enumerate(rows):
        t.add_data(ids[k] if ids else k, tl.Image(np.zeros((50, 100, 3), np.uint8), classes=classes, boxes={
            "ground_truth": {"box_data": truth}, "predictions": {"box_data": preds}}))
    return t


def test_predictions_without_scores_are_a_clear_error_or_rank_free_metrics() -> None:
    t = _table([([_box(0, 0, 10, 10)], [_box(0, 0, 10, 10, score=None), _box(50, 0, 10, 10, score=None)])])
    with pytest.raises(tl.EvaluationError, match=r"no score 'score'.*score=None") as e:
        tl.evaluate_detections(t)
    assert e.value.field == "image.boxes.predictions"
    ev = tl.evaluate_detections(t, score=None)
    m = ev.metrics()
    assert (m["tp"], m["fp"], m["fn"], m["precision"], m["recall"]) == (1, 1, 0, 0.5, 1.0)
    assert m["mAP"] is None and m["AP50"] is None  # AP needs a ranking


def test_a_box_without_its_score_names_its_row_and_box() -> None:
    t = _table([([_box(0, 0, 10, 10)], [_box(0, 0, 10, 10)]),
                ([_box(0, 0, 10, 10)], [_box(0, 0, 10, 10), _box(5, 5, 10, 10, score=None)])])
    with pytest.raises(tl.EvaluationError, match="has no score") as e:
        tl.evaluate_detections(t)
    assert (e.value.row, e.value.field, e.value.key) == (1, "image.boxes.predictions[1].scores", 1)


def test_class_ids_missing_from_the_class_set_are_evaluated_and_reported() -> None:
    t = _table([([_box(0, 0, 10, 10, c=7)], [_box(0, 0, 10, 10, c=7), _box(50, 0, 10, 10, c=1)])])
    with pytest.warns(tl.EvaluationWarning, match=r"class ids \[7\]"):
        ev = tl.evaluate_detections(t)
    m = ev.metrics()
    assert m["unknown_classes"] == [7]
    assert "class 7" in ev.per_class()["class"].tolist()
    assert m["tp"] == 1


def test_ground_truth_missing_for_some_keys_is_counted_not_dropped() -> None:
    truth = _table([([_box(0, 0, 10, 10)], []), ([_box(0, 0, 10, 10)], [])], ids=["a", "b"])
    preds = _table([([], [_box(0, 0, 10, 10)]), ([], [_box(0, 0, 10, 10)]), ([], [_box(0, 0, 10, 10)])],
                   ids=["a", "c", "d"])
    with pytest.warns(tl.EvaluationWarning) as record:
        ev = tl.evaluate_detections(preds, gt=truth, key="id")
    text = " ".join(str(w.message) for w in record)
    assert "2 predictions rows have no ground truth" in text and "1 ground-truth rows have no predictions" in text
    m = ev.metrics()
    assert (m["missing_ground_truth"], m["missing_predictions"]) == (2, 1)
    assert ev.missing_ground_truth == [1, 2]
    assert (m["tp"], m["fp"], m["fn"]) == (1, 0, 1)  # key b's box is a false negative
    df = ev.table.to_pandas()
    assert df.tp.isna().tolist() == [False, True, True]


def test_mixed_box_domains_are_normalised_per_box() -> None:
    mixed = _table([([_box(10, 10, 20, 20)], [_box(0.1, 0.2, 0.2, 0.4, pixel=False)]),
                    ([_box(0.5, 0.5, 0.2, 0.2, pixel=False)], [_box(50, 25, 20, 10)])])
    ev = tl.evaluate_detections(mixed)
    assert ev.metrics()["tp"] == 2  # 0.1 x 100 px = 10 px, 0.2 x 50 px = 10 px: the same boxes


def test_relative_boxes_with_pixel_coordinates_are_an_error() -> None:
    t = _table([([_box(0, 0, 10, 10)], [_box(0.5, 0.5, 0.1, 0.1, pixel=False)]),
                ([_box(20, 20, 300, 30, pixel=False)], [])])
    with pytest.raises(tl.EvaluationError, match="pixel coordinates logged without domain='pixel'") as e:
        tl.evaluate_detections(t)
    assert (e.value.row, e.value.field) == (1, "image.boxes.ground_truth[0].domain")


def test_nan_coordinates_name_the_row_and_field(tmp_path) -> None:
    """A NaN cannot be logged through tl.Image; a table written by another tool can hold one."""
    t = _table([([_box(0, 0, 10, 10)], [_box(0, 0, 10, 10)]), ([_box(0, 0, 10, 10)], [_box(0, 0, 10, 10)])])
    art = tl.Artifact("nan", type="predictions")
    art.add(t, "t")
    arrow = pq.read_table(art.get_path("t.table.parquet").local_path)
    image = arrow.column("image").combine_chunks()
    boxes = image.field("boxes")
    preds = boxes.field("predictions")
    values = preds.flatten()
    min_x = values.field("minX").to_numpy(zero_copy_only=False).copy()
    min_x[1] = np.nan
    new_values = pa.StructArray.from_arrays([pa.array(min_x) if f.name == "minX" else values.field(f.name)
                                             for f in values.type], fields=list(values.type))
    new_preds = pa.ListArray.from_arrays(preds.offsets, new_values)
    new_boxes = pa.StructArray.from_arrays([boxes.field("ground_truth"), new_preds], fields=list(boxes.type))
    new_image = pa.StructArray.from_arrays([new_boxes if f.name == "boxes" else image.field(f.name)
                                            for f in image.type], fields=list(image.type))
    bad = arrow.set_column(arrow.schema.get_field_index("image"), "image", new_image)
    assert META_KEY in bad.schema.metadata
    table = tl.Table.from_arrow(bad, media=art.media_source())
    with pytest.raises(tl.EvaluationError, match="NaN") as e:
        tl.evaluate_detections(table)
    assert (e.value.row, e.value.field) == (1, "image.boxes.predictions[0].minX")


def test_duplicate_keys_and_wrong_fields_name_what_to_change() -> None:
    t = _table([([], []), ([], [])], ids=[5, 5])
    with pytest.raises(tl.EvaluationError, match="value 5 in rows 0 and 1"):
        tl.evaluate_detections(t, gt=t, key="id")
    with pytest.raises(tl.EvaluationError, match=r"has no boxes layer 'preds'.*ground_truth, predictions"):
        tl.evaluate_detections(t, pred_field="image.boxes.preds")
    with pytest.raises(tl.EvaluationError, match=r"no column for pred_field='photo\.boxes\.x'.*id, image"):
        tl.evaluate_detections(t, pred_field="photo.boxes.x")
    with pytest.raises(tl.EvaluationError, match="method must be one of coco"):
        tl.evaluate_detections(t, method="voc")


def test_masks_of_another_size_than_their_image_name_the_row() -> None:
    good = np.zeros((10, 20), np.uint8)
    with pytest.raises(ValueError, match="the mask is 5x20"):  # tl.Image refuses such a mask when it is made ...
        tl.Image(np.zeros((10, 20, 3), np.uint8), masks={"predictions": {"mask_data": np.zeros((5, 20), np.uint8)}})
    # ... but a W&B folder can hold one (its reader restores images without decoding them): put it in place
    small = tl.Image(np.zeros((5, 20, 3), np.uint8), masks={"predictions": {"mask_data": np.zeros((5, 20), np.uint8)}})
    t = tl.Table(columns=["id", "mask"])
    t.add_data(0, tl.Image(np.zeros((10, 20, 3), np.uint8), masks={"ground_truth": {"mask_data": good},
                                                                   "predictions": {"mask_data": good}}))
    bad = tl.Image(np.zeros((10, 20, 3), np.uint8), masks={"ground_truth": {"mask_data": good},
                                                           "predictions": {"mask_data": good}})
    bad._masks["predictions"] = small._masks["predictions"]
    t.add_data(1, bad)
    with pytest.raises(tl.EvaluationError, match="the mask is 20x5 but its image is 20x10") as e:
        tl.evaluate_segmentations(t)
    assert (e.value.row, e.value.field) == (1, "mask.masks.predictions")


def test_classification_labels_outside_the_classes_name_the_row() -> None:
    import pandas as pd

    df = pd.DataFrame({"id": [0, 1, 2], "label": ["cat", "dog", "cow"], "pred": ["cat", "cat", "dog"]})
    with pytest.raises(tl.EvaluationError, match="label 'cow' is not one of the classes") as e:
        tl.evaluate_classifications(df, classes=["cat", "dog"])
    assert (e.value.row, e.value.field) == (2, "label")
    with pytest.raises(tl.EvaluationError, match="3 score columns but 2 classes"):
        tl.evaluate_classifications(df.assign(a=0.1, b=0.2, c=0.3).iloc[:2], scores=["a", "b", "c"])
