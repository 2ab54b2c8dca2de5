"""The quickstart's data: scikit-learn's handwritten digits (shipped inside scikit-learn, nothing downloaded).

A dataset artifact of upscaled digit images with labels, and predictions artifacts from two classifiers (a weak
one trained on a handful of examples, a better one trained on the whole training split) whose image column
refers to the dataset's images instead of copying them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..artifacts import Artifact, Run
    from ..model import Table

__all__ = [
    "DATASET",
    "PREDICTIONS",
    "SCORE_COLUMNS",
    "Digits",
    "dataset_table",
    "load_digits",
    "log_dataset",
    "log_predictions",
    "predictions_table",
    "train_classifier",
]

DATASET = "digits"
PREDICTIONS = "digit-predictions"
SCORE_COLUMNS = [f"score_{d}" for d in range(10)]
_TEST_FRACTION = 0.4
_WEAK_TRAIN_EXAMPLES = 40


@dataclass
class Digits:
    """The 1,797 digits: `features` (N, 64) for the models, `images` (N, S, S) uint8 for people, `split`."""

    features: np.ndarray
    labels: np.ndarray
    images: np.ndarray
    split: np.ndarray

    @property
    def train(self) -> np.ndarray:
        return np.flatnonzero(self.split == "train")

    @property
    def test(self) -> np.ndarray:
        return np.flatnonzero(self.split == "test")


def load_digits(size: int = 32, seed: int = 0) -> Digits:
    """The digits with images upscaled from 8x8 to `size` (smooth dark ink on white) and a fixed train/test split."""
    from PIL import Image as PILImage
    from sklearn.datasets import load_digits as sk_load

    d = sk_load()
    ink = (d.images / 16.0 * 255).astype(np.uint8)
    images = np.stack([
        255 - np.asarray(PILImage.fromarray(im).resize((size, size), PILImage.Resampling.BICUBIC)) for im in ink
    ])
    rng = np.random.default_rng(seed)
    split = np.where(rng.random(len(d.target)) < _TEST_FRACTION, "test", "train")
    return Digits(d.data.astype(np.float32), d.target.astype(np.int64), images, split)


def dataset_table(digits: Digits) -> Table:
    """id, image, label, split: the table a W&B user would log as their dataset."""
    import tablelens as tl

    table = tl.Table(columns=["id", "image", "label", "split"])
    for i, (img, label, split) in enumerate(zip(digits.images, digits.labels, digits.split)):
        table.add_data(i, tl.Image(img), int(label), str(split))
    return table


def train_classifier(digits: Digits, version: str = "better") -> Any:
    """`weak`: logistic regression on 40 training examples; `better`: an RBF SVM on the whole training split."""
    train = digits.train
    if version == "weak":
        from sklearn.linear_model import LogisticRegression

        few = train[:_WEAK_TRAIN_EXAMPLES]  # the split is random, so these are 40 random digits
        model: Any = LogisticRegression(max_iter=200, C=0.05)
        return model.fit(digits.features[few], digits.labels[few])
    if version == "better":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import SVC

        model = CalibratedClassifierCV(SVC(gamma=0.001, C=10), ensemble=False)
        return model.fit(digits.features[train], digits.labels[train])
    raise ValueError(f"version must be 'weak' or 'better', got {version!r}")


def predictions_table(dataset: Table, digits: Digits, model: Any) -> Table:
    """The test split's predictions; `image` refers to the dataset artifact's image (no bytes copied)."""
    import tablelens as tl

    test = digits.test
    scores = model.predict_proba(digits.features[test])
    pred = np.asarray(model.classes_)[scores.argmax(1)]
    images = dataset.get_column("image")
    table = tl.Table(columns=["id", "image", "label", "pred", "correct", "confidence", *SCORE_COLUMNS])
    for row, i in enumerate(test):
        p, truth = int(pred[row]), int(digits.labels[i])
        table.add_data(int(i), tl.Image(images[i]), truth, p, p == truth, round(float(scores[row].max()), 4),
                       *(round(float(s), 4) for s in scores[row]))
    return table


def log_dataset(run: Run, digits: Digits | None = None) -> Artifact:
    """Log the `digits` dataset artifact (identical contents return the existing version)."""
    import tablelens as tl

    digits = digits or load_digits()
    art = tl.Artifact(DATASET, type="dataset", description="scikit-learn handwritten digits, upscaled to 32x32",
                      metadata={"demo": "digits-dataset"})
    art.add(dataset_table(digits), "digits")
    return run.log_artifact(art)


def log_predictions(run: Run, version: str, digits: Digits | None = None) -> Artifact:
    """Train the `version` classifier and log its test-split predictions, aliased by `version`."""
    import tablelens as tl

    digits = digits or load_digits()
    dataset = run.use_artifact(f"{DATASET}:latest").get("digits")
    model = train_classifier(digits, version)
    table = predictions_table(dataset, digits, model)  # type: ignore[arg-type]
    accuracy = float(np.mean(table.get_column("correct")))
    art = tl.Artifact(PREDICTIONS, type="predictions", description=f"{version} classifier on the test split",
                      metadata={"demo": f"digits-{version}", "model": version, "accuracy": round(accuracy, 4)})
    art.add(table, "predictions")
    return run.log_artifact(art, aliases=[version])
