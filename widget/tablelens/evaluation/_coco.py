"""COCO's detection evaluation (pycocotools' `COCOeval`, bbox) over flat numpy arrays, every image at once.

`COCOeval` loops in Python over images x categories x area ranges x IoU thresholds x detections. Here the same
rules run vectorised: detections are matched in *rounds* — round k takes the k-th highest-scored detection of
every (image, class) group at once, since two groups never compete for a ground-truth box — and precision is
accumulated per class with cumulative sums, reading only the positions of true positives. The greedy matching is
sequential inside a group (each detection takes what the higher-scored ones left), which a set-oriented engine
cannot express without recursion: that is why this part is numpy, over arrays the engine produced.

Rules kept exactly (pycocotools 2.0, `cocoeval.py`):
- detections of an (image, class) are ranked by score, ties in their original order (a stable sort), and only
  the first `max_dets[-1]` (100) take part;
- a detection takes, among the ground truth not yet matched (crowd regions can be matched again), the one with
  the highest IoU >= the threshold, ties to the later box; regular boxes first, ignored ones only when no regular
  box qualifies. A crowd region's IoU is intersection / detection area;
- ground truth is ignored when it is a crowd region or its area lies outside the area range; a detection is
  ignored when it matched an ignored box, or matched nothing and its own area lies outside the range;
- precision at the 101 recall thresholds follows the interpolated envelope; classes without ground truth are
  undefined (-1) and left out of the means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._arrays import unique_inverse

__all__ = [
    "AREA_NAMES",
    "AREA_RANGES",
    "IOU_THRESHOLDS",
    "MAX_DETS",
    "RECALL_THRESHOLDS",
    "Accumulated",
    "Detections",
    "GroundTruth",
    "Matcher",
    "Matches",
    "Pairs",
    "accumulate",
    "class_bounds",
    "group_ranks",
    "summarize",
]

# the parameters of pycocotools' Params.setDetParams, computed the same way (AP75 looks 0.75 up by equality)
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
MAX_DETS = (1, 10, 100)
AREA_RANGES = ((0.0**2, 1e5**2), (0.0**2, 32.0**2), (32.0**2, 96.0**2), (96.0**2, 1e5**2))
AREA_NAMES = ("all", "small", "medium", "large")
_EPS = np.spacing(1)


@dataclass
class Detections:
    """Predicted boxes in the order `COCOeval.accumulate` reads them: by class, score descending, image (in
    image-id order), original position. `image` and `cls` are dense indices, `rank` the position of the box
    in its (image, class) group by score (ties by original order), `area` w x h in pixels."""

    image: np.ndarray
    cls: np.ndarray
    score: np.ndarray
    area: np.ndarray
    rank: np.ndarray

    def __len__(self) -> int:
        return len(self.image)


@dataclass
class GroundTruth:
    """Ground-truth boxes: image, class, crowd flag (COCO's `iscrowd`) and area (COCO's `area`)."""

    image: np.ndarray
    cls: np.ndarray
    crowd: np.ndarray
    area: np.ndarray

    def __len__(self) -> int:
        return len(self.image)


@dataclass
class Pairs:
    """Candidate matches: detection index, ground-truth index (its position in the image's list breaks IoU ties:
    larger wins, so `g` must follow the original order within an image) and IoU."""

    d: np.ndarray
    g: np.ndarray
    iou: np.ndarray

    def __len__(self) -> int:
        return len(self.d)


@dataclass
class Matches:
    """Matching at every threshold, as bit masks (bit t = threshold t): `dt_bits[d]` where the detection is
    matched, `ignore_bits[d]` where it is left out of precision and recall (matched an ignored box, or matched
    nothing and lies outside the area range), `gt_bits[g]` where the ground truth is matched. At the threshold
    `keep` (the one statuses are shown for): each detection's partner (-1 when none) and their IoU (NaN)."""

    dt_bits: np.ndarray
    ignore_bits: np.ndarray
    gt_bits: np.ndarray
    gt_ignore: np.ndarray
    partner: np.ndarray
    partner_iou: np.ndarray
    n_thresholds: int

    def matched(self, t: int) -> np.ndarray:
        return ((self.dt_bits >> np.uint32(t)) & np.uint32(1)).astype(bool)

    def gt_matched(self, t: int) -> np.ndarray:
        return ((self.gt_bits >> np.uint32(t)) & np.uint32(1)).astype(bool)

    def ignored(self, t: int) -> np.ndarray:
        return ((self.ignore_bits >> np.uint32(t)) & np.uint32(1)).astype(bool)


def group_ranks(image: np.ndarray, cls: np.ndarray, n_classes: int) -> np.ndarray:
    """Each detection's rank in its (image, class) group, for detections given in COCO's order (by score
    descending, ties in original order, within a class): the order of their positions within the group."""
    n = len(image)
    if n == 0:
        return np.zeros(0, np.int64)
    n_images = int(image.max()) + 1
    if (n_images * n_classes + n_classes) * n < 2**62:  # one integer key: (group, position)
        key = (image.astype(np.int64) * n_classes + cls) * n + np.arange(n)
        order = np.argsort(key)
        group = key[order] // n
    else:  # pragma: no cover - beyond 2^62: two keys
        order = np.lexsort((np.arange(n), cls, image))
        group = image[order].astype(np.int64) * n_classes + cls[order]
    starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    ranks = np.empty(n, np.int64)
    ranks[order] = np.arange(n) - np.repeat(starts, np.diff(np.append(starts, n)))
    return ranks


def _bits(n_pass: np.ndarray) -> np.ndarray:
    """Bit masks with the lowest `n_pass` bits set (thresholds rise, so an IoU passes a prefix of them)."""
    return ((np.uint64(1) << n_pass.astype(np.uint64)) - np.uint64(1)).astype(np.uint32)


class Matcher:
    """Greedy COCO matching of `pairs` at every threshold of `thresholds` (at most 32, rising), for any area range.

    `pairs` holds the (detection, ground truth) of the same image (and class) whose IoU may reach the lowest
    threshold. A pair whose detection has no other candidate and whose ground truth no other contender is
    decided by its IoU alone, once for every area range; the rest are matched in rounds by detection rank (see
    the module's docstring). Detections ranked `max_det` or lower take no part. `keep` is the threshold whose
    partners and IoUs are kept (the one statuses are shown for).
    """

    def __init__(self, dets: Detections, gts: GroundTruth, pairs: Pairs, thresholds: np.ndarray, *, keep: int = 0,
                 max_det: int = MAX_DETS[-1]) -> None:
        nt = len(thresholds)
        if nt > 32:
            raise ValueError("at most 32 IoU thresholds")
        self.dets, self.gts, self.keep, self.nt = dets, gts, keep, nt
        self.thr = np.minimum(np.asarray(thresholds, float), 1 - 1e-10)  # pycocotools' min([t, 1 - 1e-10])
        nd, ng = len(dets), len(gts)
        ok = (dets.rank[pairs.d] < max_det) & (pairs.iou >= self.thr.min()) if len(pairs) else np.zeros(0, bool)
        pd, pg, piou = pairs.d[ok], pairs.g[ok], pairs.iou[ok]
        d_count = np.bincount(pd, minlength=nd)
        g_count = np.bincount(pg, minlength=ng)
        simple = (d_count[pd] == 1) & (g_count[pg] == 1)
        self.sd, self.sg, siou = pd[simple], pg[simple], piou[simple]
        self.s_bits = _bits(np.searchsorted(self.thr, siou, side="right"))
        at = (self.s_bits >> np.uint32(keep)) & np.uint32(1) == 1
        self.s_partner = (self.sd[at], self.sg[at], siou[at])
        self.contended = (pd[~simple], pg[~simple], piou[~simple])

    def match(self, area_range: tuple[float, float], partners: bool = True) -> Matches:
        """Matches for one area range; `partners=False` leaves out who matched whom (only counts need it)."""
        dets, gts, nt = self.dets, self.gts, self.nt
        nd, ng = len(dets), len(gts)
        lo, hi = area_range
        crowd = gts.crowd.astype(bool)
        gt_ignore = crowd | (gts.area < lo) | (gts.area > hi)
        dt_bits = np.zeros(nd, np.uint32)
        gt_bits = np.zeros(ng, np.uint32)
        partner_ig = np.zeros(nd, np.uint32)  # bits where the detection's partner is an ignored box
        partner = np.full(nd if partners else 0, -1, np.int64)
        partner_iou = np.full(nd if partners else 0, np.nan)
        dt_bits[self.sd] = self.s_bits
        gt_bits[self.sg] = self.s_bits
        ig = gt_ignore[self.sg]
        partner_ig[self.sd[ig]] = self.s_bits[ig]
        d, g, iou = self.s_partner
        if partners:
            partner[d], partner_iou[d] = g, iou
        if len(self.contended[0]):
            _rounds(dets, *self.contended, self.thr, crowd, gt_ignore, self.keep if partners else -1, dt_bits,
                    partner_ig, gt_bits, partner, partner_iou)
        det_out = (dets.area < lo) | (dets.area > hi)
        all_bits = np.uint32((1 << nt) - 1)
        ignore_bits = partner_ig | np.where(det_out, ~dt_bits & all_bits, np.uint32(0))
        return Matches(dt_bits, ignore_bits, gt_bits, gt_ignore, partner, partner_iou, nt)


def _rounds(dets: Detections, pd: np.ndarray, pg: np.ndarray, piou: np.ndarray, thr: np.ndarray, crowd: np.ndarray,
            gt_ignore: np.ndarray, keep: int, dt_bits: np.ndarray, partner_ig: np.ndarray, gt_bits: np.ndarray,
            partner: np.ndarray, partner_iou: np.ndarray) -> None:
    """Match contended pairs: round k takes the rank-k detection of every (image, class) group at once."""
    nd = len(dets)
    nt = len(thr)
    # per detection, candidates in COCO's order of preference: regular before ignored, higher IoU, later box
    prank = dets.rank[pd]
    first_key = (prank * nd + pd) * 2 + gt_ignore[pg]
    order = np.lexsort((-pg, -piou, first_key))
    pd, pg, piou, prank = pd[order], pg[order], piou[order], prank[order]
    ug, pgc = unique_inverse(pg)  # the contended ground truth, numbered compactly
    taken = np.zeros((nt, len(ug)), bool)
    crowd_c = crowd[ug]
    cuts = np.flatnonzero(np.diff(prank)) + 1
    for a, b in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(pd)]])):
        bd, bgc, biou = pd[a:b], pgc[a:b], piou[a:b]
        avail = (biou[None, :] >= thr[:, None]) & (crowd_c[bgc][None, :] | ~taken[:, bgc])
        ti, pi = np.nonzero(avail)  # row-major: per threshold, candidates in order of preference
        if not len(ti):
            continue
        key = ti * nd + bd[pi]
        first = np.ones(len(key), bool)
        first[1:] = key[1:] != key[:-1]
        ti, pi = ti[first], pi[first]
        d, gc = bd[pi], bgc[pi]
        g = ug[gc]
        bit = (np.uint32(1) << ti.astype(np.uint32))
        np.bitwise_or.at(dt_bits, d, bit)
        np.bitwise_or.at(gt_bits, g, bit)
        ig = gt_ignore[g]
        np.bitwise_or.at(partner_ig, d[ig], bit[ig])
        at = ti == keep
        partner[d[at]], partner_iou[d[at]] = g[at], biou[pi][at]
        taken[ti, gc] = True


@dataclass
class Accumulated:
    """`precision[t, r, k]` at the recall thresholds and `recall[t, k]` (-1 for a class without ground truth),
    `tp[t, k]`, `fp[t, k]` counts of the detections that took part, `npig[k]` regular ground truth per class."""

    precision: np.ndarray
    recall: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    npig: np.ndarray


def class_bounds(cls: np.ndarray, n_classes: int) -> np.ndarray:
    """Start of each class's run in class-sorted detections (n_classes + 1 entries)."""
    return np.searchsorted(cls, np.arange(n_classes + 1), side="left")


def accumulate(dets: Detections, m: Matches, n_classes: int, gt_cls: np.ndarray, *, max_det: int = MAX_DETS[-1],
               min_score: float | None = None, precision: bool = True) -> Accumulated:
    """Precision/recall of every class at every threshold of `m`, counting the detections ranked below
    `max_det` in their (image, class) group (and scoring at least `min_score`); without `precision` only
    recall and counts are computed.

    Only positions of true positives and of detections ignored at some thresholds are visited: a class's
    precision at its j-th true positive is (j + 1) / (its position among the class's counted detections + 1).
    """
    nt = m.n_thresholds
    nr = len(RECALL_THRESHOLDS)
    npig = np.bincount(gt_cls[~m.gt_ignore], minlength=n_classes)[:n_classes]
    prec = np.full((nt, nr, n_classes), -1.0)
    recall = np.full((nt, n_classes), -1.0)
    tp_count = np.zeros((nt, n_classes), np.int64)
    fp_count = np.zeros((nt, n_classes), np.int64)
    include = m.ignore_bits != np.uint32((1 << nt) - 1)  # left out at every threshold: dropped once
    if len(dets) and int(dets.rank.max()) >= max_det:
        include &= dets.rank < max_det
    if min_score is not None:
        include &= dets.score >= min_score
    if include.all():  # (the usual case at area "all"): no copy
        cls, dt_bits, ig_bits = dets.cls, m.dt_bits, m.ignore_bits
    else:
        idx = np.flatnonzero(include)
        cls, dt_bits, ig_bits = dets.cls[idx], m.dt_bits[idx], m.ignore_bits[idx]
    bounds = class_bounds(cls, n_classes)
    tp_bits = dt_bits & ~ig_bits
    tp_at = np.flatnonzero(tp_bits)
    tp_bits = tp_bits[tp_at]
    ig_at = np.flatnonzero(ig_bits)
    ig_bits = ig_bits[ig_at]
    has_gt = npig > 0
    one = np.uint32(1)
    for t in range(nt):
        shift = np.uint32(t)
        tp_t = tp_at[(tp_bits >> shift) & one == one]  # positions (among included detections), class-major
        ig_t = ig_at[(ig_bits >> shift) & one == one]
        n_tp = np.diff(np.searchsorted(tp_t, bounds))
        ig_before = np.searchsorted(ig_t, bounds)
        n_valid = np.diff(bounds) - np.diff(ig_before)
        tp_count[t], fp_count[t] = n_tp, n_valid - n_tp
        recall[t] = np.where(has_gt, np.where(n_valid > 0, n_tp / np.maximum(npig, 1), 0.0), -1.0)
        if not precision:
            continue
        prec[t][:, has_gt] = 0.0
        if not len(tp_t):
            continue
        # each TP's position among its class's counted detections: its index minus the ignored ones before it
        if len(ig_t):
            before = np.zeros(len(tp_t) + 1, np.int64)
            np.add.at(before, np.searchsorted(tp_t, ig_t), 1)
            pos_all = tp_t - np.cumsum(before)[: len(tp_t)]
        else:
            pos_all = tp_t
        tp_start = np.searchsorted(tp_t, bounds)
        for k in np.flatnonzero((n_tp > 0) & has_gt):
            a, b = tp_start[k], tp_start[k + 1]
            pos = pos_all[a:b] - (bounds[k] - ig_before[k])
            tpf = np.arange(1, b - a + 1, dtype=np.float64)
            fpf = pos - tpf + 1
            pr = tpf / (fpf + tpf + _EPS)  # pycocotools' expression, to the last bit
            # the interpolated envelope: the best precision at this or any later true positive
            env = np.maximum.accumulate(pr[::-1])[::-1]
            rc = tpf / npig[k]
            at = np.searchsorted(rc, RECALL_THRESHOLDS, side="left")
            inside = at < len(pr)
            q = np.zeros(nr)
            q[inside] = env[at[inside]]
            prec[t, :, k] = q
    return Accumulated(prec, recall, tp_count, fp_count, npig)


def summarize(precision: np.ndarray) -> float | None:
    """Mean of the defined entries (COCOeval's `_summarize`); None where nothing is defined (its -1)."""
    defined = precision[precision > -1]
    return float(np.mean(defined)) if defined.size else None
