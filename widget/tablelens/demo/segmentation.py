"""A small, real segmentation model: a per-pixel scikit-learn classifier on color, position and local texture.

Two versions tell the seed's "compare two model versions" story: `weak` (logistic regression) sees only each
pixel's color (it confuses gray cars with road and buildings with sidewalk); `better` (a small random forest) also
sees where the pixel is and what surrounds it.
Predicted boxes come from connected components of the predicted mask, scored by the model's mean confidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .scenes import CLASSES, THING_CLASSES, Scene, class_name

__all__ = [
    "IOU_COLUMNS",
    "MODEL_VERSIONS",
    "PREDICTIONS",
    "SegmentationModel",
    "connected_components",
    "dominant_class",
    "iou_per_class",
    "log_predictions",
    "pixel_features",
    "predicted_boxes",
    "predictions_table",
    "scenes_from_table",
    "train_from_dataset",
    "train_model",
]

MODEL_VERSIONS = ("weak", "better")
_IDS = np.array([c["id"] for c in CLASSES])
_MIN_BOX_PIXELS = 6


def _box_mean(a: np.ndarray, r: int) -> np.ndarray:
    """Mean over a (2r+1)^2 window (edges replicated), with summed-area tables: numpy only, O(pixels)."""
    p = np.pad(a, ((r + 1, r), (r + 1, r)) + ((0, 0),) * (a.ndim - 2), mode="edge").astype(np.float64)
    s = p.cumsum(0).cumsum(1)
    k = 2 * r + 1
    out = s[k:, k:] - s[:-k, k:] - s[k:, :-k] + s[:-k, :-k]
    return (out / (k * k)).astype(np.float32)


def pixel_features(image: np.ndarray, version: str = "better") -> np.ndarray:
    """(H*W, F) float32 features of every pixel; `weak` uses color only."""
    h, w, _ = image.shape
    rgb = image.astype(np.float32) / 255.0
    if version == "weak":
        return rgb.reshape(-1, 3)
    gain = rgb.reshape(-1, 3).mean(0) + 1e-3  # per-image lighting, so night scenes look like day ones
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gray = rgb.mean(2)
    feats = [
        rgb, rgb / gain, (yy / h)[..., None], (np.abs(xx / w - 0.5))[..., None],
        _box_mean(rgb, 2), _box_mean(rgb, 6),
        np.sqrt(np.maximum(_box_mean(gray**2, 2) - _box_mean(gray, 2) ** 2, 0))[..., None],
        (rgb.max(2) - rgb.min(2))[..., None],
    ]
    return np.concatenate(feats, axis=2).reshape(h * w, -1)


@dataclass
class SegmentationModel:
    """A fitted per-pixel classifier; `predict` gives the mask and the per-pixel confidence of its class."""

    version: str
    estimator: Any

    def predict(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.predict_many([image])[0]

    def predict_many(self, images: Sequence[np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Masks and confidences of several images in one call (much faster than one call per image)."""
        if not images:
            return []
        feats = np.concatenate([pixel_features(im, self.version) for im in images])
        proba = self.estimator.predict_proba(feats)
        best = proba.argmax(1)
        ids = np.asarray(self.estimator.classes_)[best].astype(np.uint8)
        conf = proba[np.arange(len(best)), best].astype(np.float32)
        out, at = [], 0
        for im in images:
            h, w = im.shape[:2]
            out.append((ids[at:at + h * w].reshape(h, w), conf[at:at + h * w].reshape(h, w)))
            at += h * w
        return out


def train_model(scenes: Sequence[Scene], version: str = "better", *, pixels_per_scene: int = 900,
                seed: int = 0) -> SegmentationModel:
    """Fit on a class-balanced sample of pixels from `scenes` (rare classes like signs are oversampled)."""
    if version not in MODEL_VERSIONS:
        raise ValueError(f"version must be one of {MODEL_VERSIONS}, got {version!r}")
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for s in scenes:
        feats = pixel_features(s.image, version)
        labels = s.mask.reshape(-1)
        present = np.unique(labels)
        per_class = max(pixels_per_scene // len(present), 1)
        for cid in present:
            idx = np.flatnonzero(labels == cid)
            pick = rng.choice(idx, size=min(per_class, len(idx)), replace=False)
            xs.append(feats[pick])
            ys.append(labels[pick])
    x, y = np.concatenate(xs), np.concatenate(ys)
    if version == "weak":
        from sklearn.linear_model import LogisticRegression

        est: Any = LogisticRegression(max_iter=100, tol=1e-3)
    else:
        from sklearn.ensemble import RandomForestClassifier

        est = RandomForestClassifier(n_estimators=12, max_depth=16, min_samples_leaf=2, n_jobs=2, random_state=seed)
    est.fit(x, y)
    return SegmentationModel(version, est)


def iou_per_class(truth: np.ndarray, pred: np.ndarray) -> dict[str, float | None]:
    """Intersection over union per class name; None where the class is in neither mask (undefined, not 0)."""
    out: dict[str, float | None] = {}
    for c in CLASSES:
        t, p = truth == c["id"], pred == c["id"]
        union = int(np.count_nonzero(t | p))
        out[str(c["name"])] = None if union == 0 else round(np.count_nonzero(t & p) / union, 4)
    return out


def connected_components(binary: np.ndarray) -> tuple[np.ndarray, int]:
    """4-connected labels of a boolean image (scipy.ndimage.label when present, else a numpy union-find)."""
    try:
        from scipy import ndimage
    except ImportError:
        return _label_numpy(binary)
    labels, n = ndimage.label(binary)
    return labels, int(n)


def _label_numpy(binary: np.ndarray) -> tuple[np.ndarray, int]:
    h, w = binary.shape
    parent = np.arange(h * w)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return int(i)

    flat = binary.reshape(-1)
    idx = np.arange(h * w).reshape(h, w)
    pairs = [(idx[:, :-1][binary[:, :-1] & binary[:, 1:]], 1), (idx[:-1, :][binary[:-1, :] & binary[1:, :]], w)]
    for starts, step in pairs:
        for a in starts.tolist():
            ra, rb = find(a), find(a + step)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    roots = np.array([find(i) for i in range(h * w)])
    labels = np.zeros(h * w, dtype=np.int32)
    uniq = np.unique(roots[flat])
    labels[flat] = np.searchsorted(uniq, roots[flat]) + 1
    return labels.reshape(h, w), len(uniq)


def predicted_boxes(pred: np.ndarray, confidence: np.ndarray) -> list[dict[str, Any]]:
    """One box per connected blob of each countable class, with the blob's mean confidence as its score."""
    h, w = pred.shape
    boxes = []
    for name in THING_CLASSES:
        cid = next(c["id"] for c in CLASSES if c["name"] == name)
        labels, n = connected_components(pred == cid)
        for k in range(1, n + 1):
            ys, xs = np.nonzero(labels == k)
            if len(xs) < _MIN_BOX_PIXELS:
                continue
            boxes.append({
                "position": {"minX": round(xs.min() / w, 4), "maxX": round((xs.max() + 1) / w, 4),
                             "minY": round(ys.min() / h, 4), "maxY": round((ys.max() + 1) / h, 4)},
                "class_id": cid, "box_caption": class_name(cid),
                "scores": {"score": round(float(confidence[ys, xs].mean()), 4), "pixels": float(len(xs))},
            })
    return boxes


# -- as an artifact ---------------------------------------------------------------------------------------------------

PREDICTIONS = "scene-predictions"
IOU_COLUMNS = [str(c["name"]) for c in CLASSES]


def scenes_from_table(table: Any) -> tuple[list[Scene], list[Any], list[str]]:
    """Scenes rebuilt from a stored dataset table (pixels, masks, boxes), its Image cells and splits."""
    images = table.get_column("image")
    ids, splits = table.get_column("id"), table.get_column("split")
    scenes = [Scene(int(i), img.to_numpy(), img.masks["ground_truth"], img.boxes.get("ground_truth", []))
              for i, img in zip(ids, images)]
    return scenes, images, [str(s) for s in splits]


def dominant_class(pred: np.ndarray) -> str:
    """The class covering the most predicted pixels."""
    values, counts = np.unique(pred, return_counts=True)
    return class_name(int(values[counts.argmax()]))


def predictions_table(dataset: Any, model: SegmentationModel) -> Any:
    """One row per test scene: `pred_mask` (the dataset image by reference, with ground-truth and predicted
    masks and boxes), `dominant_pred`, one IoU column per class and `mean_iou`."""
    import tablelens as tl

    scenes, images, splits = scenes_from_table(dataset)
    test = [k for k, s in enumerate(splits) if s == "test"]
    preds = model.predict_many([scenes[k].image for k in test])
    classes = tl.Classes(CLASSES)
    table = tl.Table(columns=["id", "pred_mask", "dominant_pred", *IOU_COLUMNS, "mean_iou", "pred_boxes"])
    for k, (pred, conf) in zip(test, preds):
        s = scenes[k]
        boxes = predicted_boxes(pred, conf)
        image = tl.Image(images[k], classes=classes,
                         masks={"ground_truth": {"mask_data": s.mask}, "predictions": {"mask_data": pred}},
                         boxes={"ground_truth": {"box_data": s.boxes}, "predictions": {"box_data": boxes}})
        ious = iou_per_class(s.mask, pred)
        defined = [v for v in ious.values() if v is not None]
        table.add_data(s.index, image, dominant_class(pred), *ious.values(),
                       round(float(np.mean(defined)), 4), len(boxes))
    return table


def train_from_dataset(dataset: Any, version: str) -> SegmentationModel:
    """Train on the scenes of a stored dataset table whose `split` is `train`."""
    scenes, _, splits = scenes_from_table(dataset)
    return train_model([s for s, sp in zip(scenes, splits) if sp == "train"], version)


def log_predictions(run: Any, version: str) -> Any:
    """Train the `version` model on the dataset's training scenes and log its test-scene predictions."""
    import tablelens as tl

    from .scenes import DATASET

    dataset = run.use_artifact(f"{DATASET}:latest").get("scenes")
    model = train_from_dataset(dataset, version)
    table = predictions_table(dataset, model)
    miou = float(np.nanmean(np.asarray(table.get_column("mean_iou"), dtype=float)))
    art = tl.Artifact(PREDICTIONS, type="predictions", description=f"{version} per-pixel classifier",
                      metadata={"demo": f"scenes-{version}", "model": version, "mean_iou": round(miou, 4)})
    art.add(table, "predictions")
    return run.log_artifact(art, aliases=[version])
