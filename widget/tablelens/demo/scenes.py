"""Procedural street scenes with pixel-exact ground truth: the seed's segmentation story without a download.

Each scene is a small RGB image (sky, buildings, road, sidewalks, trees, poles, signs, cars, people drawn in
perspective, with per-scene lighting and sensor noise) plus a class-id mask and one box per visible object.
Class ids follow the Cityscapes train ids, so `car` is 13 as in the seed's filter example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "CLASSES",
    "CLASS_IDS",
    "DATASET",
    "N_TRAIN",
    "THING_CLASSES",
    "Scene",
    "class_name",
    "dataset_table",
    "log_dataset",
    "make_scene",
    "make_scenes",
    "scene_classes",
]

CLASSES: list[dict[str, Any]] = [
    {"id": 0, "name": "road", "color": "#804080"},
    {"id": 1, "name": "sidewalk", "color": "#f423e8"},
    {"id": 2, "name": "building", "color": "#464646"},
    {"id": 5, "name": "pole", "color": "#999999"},
    {"id": 7, "name": "sign", "color": "#dcdc00"},
    {"id": 8, "name": "vegetation", "color": "#6b8e23"},
    {"id": 10, "name": "sky", "color": "#4682b4"},
    {"id": 11, "name": "person", "color": "#dc143c"},
    {"id": 13, "name": "car", "color": "#00008e"},
]
CLASS_IDS: dict[str, int] = {c["name"]: c["id"] for c in CLASSES}
THING_CLASSES: tuple[str, ...] = ("car", "person", "sign")  # countable objects: these get boxes

ROAD, SIDEWALK, BUILDING, POLE, SIGN, VEGETATION, SKY, PERSON, CAR = (
    CLASS_IDS[n] for n in ("road", "sidewalk", "building", "pole", "sign", "vegetation", "sky", "person", "car"))


def class_name(class_id: int) -> str:
    """The name of a class id (`13` -> `"car"`)."""
    for c in CLASSES:
        if c["id"] == class_id:
            return str(c["name"])
    raise KeyError(f"no class with id {class_id}")


@dataclass
class Scene:
    """One generated scene: `image` HxWx3 uint8, `mask` HxW class ids, `boxes` in W&B box form (fractions)."""

    index: int
    image: np.ndarray
    mask: np.ndarray
    boxes: list[dict[str, Any]] = field(default_factory=list)
    has_road: bool = True
    time_of_day: str = "day"

    def count(self, name: str) -> int:
        cid = CLASS_IDS[name]
        return sum(1 for b in self.boxes if b["class_id"] == cid)


class _Canvas:
    """Paints color, class and instance id together, so the mask is exact wherever objects overlap."""

    def __init__(self, h: int, w: int) -> None:
        self.h, self.w = h, w
        self.rgb = np.zeros((h, w, 3), dtype=np.float32)
        self.cls = np.zeros((h, w), dtype=np.uint8)
        self.inst = np.zeros((h, w), dtype=np.int32)
        self.yy, self.xx = np.mgrid[0:h, 0:w]
        self.instances: dict[int, int] = {}  # instance id -> class id

    def paint(self, where: np.ndarray, color: Any, cls: int, inst: int = 0) -> None:
        self.rgb[where] = np.asarray(color, dtype=np.float32)
        self.cls[where] = cls
        self.inst[where] = inst

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        return (self.xx >= x0) & (self.xx < x1) & (self.yy >= y0) & (self.yy < y1)

    def ellipse(self, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
        return ((self.xx - cx) / max(rx, 0.5)) ** 2 + ((self.yy - cy) / max(ry, 0.5)) ** 2 <= 1.0

    def new_instance(self, cls: int) -> int:
        k = len(self.instances) + 1
        self.instances[k] = cls
        return k


def _jitter(rng: np.random.Generator, color: tuple[float, float, float], amount: float) -> np.ndarray:
    return np.clip(np.asarray(color) + rng.normal(0, amount, 3), 0, 255)


def make_scene(index: int, *, width: int = 128, height: int = 96, seed: int = 0) -> Scene:
    """Scene number `index` of the series `seed`: the same arguments always give the same pixels."""
    rng = np.random.default_rng([seed, index])
    c = _Canvas(height, width)
    h, w = height, width
    horizon = h * rng.uniform(0.38, 0.5)
    night = rng.random() < 0.2
    has_road = rng.random() > 0.15  # some scenes are plazas: no road at all

    # sky: a vertical gradient, darker at night
    top = np.array([40, 60, 120] if night else [90, 150, 225], dtype=np.float32)
    low = np.array([70, 80, 120] if night else [185, 210, 235], dtype=np.float32)
    t = np.clip(c.yy / max(horizon, 1), 0, 1)[..., None]
    c.rgb[:] = top * (1 - t) + low * t
    c.cls[:] = SKY

    # buildings along the horizon, with window grids
    x = rng.uniform(-10, 0)
    while x < w:
        bw = rng.uniform(0.12, 0.3) * w
        top_y = horizon - rng.uniform(0.15, 0.42) * h
        base = _jitter(rng, rng.choice([(120, 110, 100), (150, 130, 110), (100, 100, 110), (170, 160, 150)]), 12)
        where = c.rect(x, top_y, x + bw, horizon + 1)
        c.paint(where, base, BUILDING)
        win = where & ((c.xx - int(x)) % 6 < 3) & ((c.yy - int(top_y)) % 7 < 3)
        c.rgb[win] = np.array([230, 210, 120] if night else [60, 70, 90], dtype=np.float32)
        x += bw + rng.uniform(0, 6)

    # the ground: sidewalk everywhere below the horizon, then the road as a trapezoid to a vanishing point
    ground = c.yy >= horizon
    c.paint(ground, _jitter(rng, (175, 170, 165), 8), SIDEWALK)
    vx = w * rng.uniform(0.4, 0.6)
    depth = np.clip((c.yy - horizon) / (h - horizon), 0, 1)  # 0 at the horizon, 1 at the bottom edge
    half = (0.04 + 0.5 * depth) * w * rng.uniform(0.8, 1.1)
    if has_road:
        road = ground & (np.abs(c.xx - vx) <= half)
        c.paint(road, _jitter(rng, (80, 80, 85), 6), ROAD)
        lane = road & (np.abs(c.xx - vx) <= 0.6 + 1.2 * depth) & ((c.yy * 3 // 4) % 4 < 2)
        c.rgb[lane] = np.array([235, 235, 225], dtype=np.float32)

    # trees: trunk and canopy, standing on the sidewalk
    for _ in range(rng.integers(0, 4)):
        ty = rng.uniform(horizon + 2, h * 0.85)
        s = 0.2 + (ty - horizon) / (h - horizon)
        tx = rng.choice([vx - half[int(ty), 0] - 6 * s, vx + half[int(ty), 0] + 6 * s]) + rng.normal(0, 3)
        c.paint(c.rect(tx - 1.2 * s, ty - 16 * s, tx + 1.2 * s, ty), (90, 60, 40), VEGETATION)
        c.paint(c.ellipse(tx, ty - 20 * s, 9 * s, 8 * s), _jitter(rng, (70, 120, 50), 12), VEGETATION)

    # poles with signs
    for _ in range(rng.integers(0, 3)):
        py = rng.uniform(horizon + 4, h * 0.8)
        s = 0.25 + (py - horizon) / (h - horizon)
        px = rng.choice([vx - half[int(py), 0] - 3 * s, vx + half[int(py), 0] + 3 * s])
        c.paint(c.rect(px - 0.7 * s - 0.3, py - 28 * s, px + 0.7 * s + 0.3, py), (110, 110, 115), POLE)
        k = c.new_instance(SIGN)
        color = rng.choice([(210, 40, 40), (40, 80, 200), (230, 200, 30)])
        c.paint(c.ellipse(px, py - 28 * s, 4 * s + 0.8, 4 * s + 0.8), color, SIGN, k)

    # cars on the road (or parked on the plaza), far ones first so near ones occlude them
    n_cars = int(rng.integers(0, 5)) if has_road else int(rng.integers(0, 2))
    for cy in sorted(rng.uniform(horizon + 3, h - 1, n_cars)):
        s = (cy - horizon) / (h - horizon)
        cw, ch = (6 + 44 * s) * rng.uniform(0.9, 1.2), (4 + 22 * s) * rng.uniform(0.9, 1.1)
        lane_off = rng.uniform(-0.6, 0.6) * half[int(min(cy, h - 1)), 0]
        cx = vx + lane_off
        k = c.new_instance(CAR)
        body = _jitter(rng, rng.choice([(200, 30, 30), (30, 60, 170), (220, 220, 220), (40, 40, 40),
                                        (200, 170, 40), (60, 140, 70)]), 10)
        c.paint(c.rect(cx - cw / 2, cy - ch * 0.65, cx + cw / 2, cy), body, CAR, k)
        c.paint(c.rect(cx - cw * 0.32, cy - ch, cx + cw * 0.32, cy - ch * 0.6), body * 0.9, CAR, k)
        c.paint(c.rect(cx - cw * 0.27, cy - ch * 0.93, cx + cw * 0.27, cy - ch * 0.67), (120, 160, 190), CAR, k)
        for wx in (cx - cw * 0.3, cx + cw * 0.3):
            c.paint(c.ellipse(wx, cy - ch * 0.05, cw * 0.1, ch * 0.14), (20, 20, 20), CAR, k)
        if night:
            for lx in (cx - cw * 0.38, cx + cw * 0.38):
                c.paint(c.ellipse(lx, cy - ch * 0.35, cw * 0.06 + 0.5, ch * 0.07 + 0.5), (255, 240, 180), CAR, k)

    # people on the sidewalks
    for _ in range(rng.integers(0, 5)):
        fy = rng.uniform(horizon + 3, h - 1)
        s = 0.2 + (fy - horizon) / (h - horizon)
        side = rng.choice([-1, 1])
        fx = vx + side * (half[int(min(fy, h - 1)), 0] + rng.uniform(2, 14) * s) if has_road else rng.uniform(0, w)
        ph = 30 * s * rng.uniform(0.85, 1.15)
        k = c.new_instance(PERSON)
        shirt = _jitter(rng, rng.choice([(200, 60, 60), (50, 90, 160), (230, 230, 80), (90, 60, 120)]), 15)
        c.paint(c.rect(fx - ph * 0.14, fy - ph * 0.45, fx + ph * 0.14, fy), (50, 50, 70), PERSON, k)
        c.paint(c.rect(fx - ph * 0.17, fy - ph * 0.82, fx + ph * 0.17, fy - ph * 0.42), shirt, PERSON, k)
        c.paint(c.ellipse(fx, fy - ph * 0.9, ph * 0.1 + 0.4, ph * 0.1 + 0.4), (225, 180, 150), PERSON, k)

    # lighting and sensor noise: the same class never has one exact color
    gain = rng.uniform(0.45, 0.65) if night else rng.uniform(0.85, 1.15)
    img = c.rgb * gain + rng.normal(0, 7, c.rgb.shape)
    image = np.clip(img, 0, 255).astype(np.uint8)

    boxes = []
    for k, cls in c.instances.items():
        ys, xs = np.nonzero(c.inst == k)
        if len(xs) < 4:  # hidden behind something nearer, or too small to label
            continue
        boxes.append({
            "position": {"minX": round(xs.min() / w, 4), "maxX": round((xs.max() + 1) / w, 4),
                         "minY": round(ys.min() / h, 4), "maxY": round((ys.max() + 1) / h, 4)},
            "class_id": int(cls), "box_caption": class_name(cls),
        })
    return Scene(index, image, c.cls.copy(), boxes, has_road, "night" if night else "day")


def make_scenes(n: int, *, start: int = 0, width: int = 128, height: int = 96, seed: int = 0) -> list[Scene]:
    """Scenes `start .. start+n-1` of the series `seed`."""
    return [make_scene(i, width=width, height=height, seed=seed) for i in range(start, start + n)]


# -- as an artifact ---------------------------------------------------------------------------------------------------

DATASET = "street-scenes"
N_TRAIN = 40


def scene_classes() -> Any:
    """The class set as a `tl.Classes` (ids, names and Cityscapes colors)."""
    import tablelens as tl

    return tl.Classes(CLASSES)


def dataset_table(scenes: list[Scene], n_train: int = N_TRAIN) -> Any:
    """id, image (with its ground-truth mask and boxes), split, time of day and object counts."""
    import tablelens as tl

    classes = scene_classes()
    table = tl.Table(columns=["id", "image", "split", "time_of_day", "has_road", "cars", "people", "signs"])
    for k, s in enumerate(scenes):
        img = tl.Image(s.image, classes=classes, boxes={"ground_truth": {"box_data": s.boxes}},
                       masks={"ground_truth": {"mask_data": s.mask}})
        table.add_data(s.index, img, "train" if k < n_train else "test", s.time_of_day, s.has_road,
                       s.count("car"), s.count("person"), s.count("sign"))
    return table


def log_dataset(run: Any, n_scenes: int = 160, *, seed: int = 0) -> Any:
    """Log the `street-scenes` dataset artifact: the first `N_TRAIN` scenes are for training, the rest for test."""
    import tablelens as tl

    art = tl.Artifact(DATASET, type="dataset", description=f"{n_scenes} procedural street scenes",
                      metadata={"demo": "scenes-dataset", "scenes": n_scenes, "seed": seed})
    art.add(dataset_table(make_scenes(n_scenes, seed=seed)), "scenes")
    return run.log_artifact(art)
