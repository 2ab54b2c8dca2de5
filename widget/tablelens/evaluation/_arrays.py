"""Distinct values of numpy arrays by sorting: NumPy 2's hash-based `np.unique` takes seconds on a few million
integers (and the evaluation calls it on every threshold), a sort takes a fraction of a second."""

from __future__ import annotations

import numpy as np

__all__ = ["unique", "unique_counts", "unique_inverse"]


def _starts(s: np.ndarray) -> np.ndarray:
    new = np.ones(len(s), bool)
    new[1:] = s[1:] != s[:-1]
    return new


def unique(x: np.ndarray) -> np.ndarray:
    """The sorted distinct values of `x`."""
    s = np.sort(np.asarray(x).ravel())
    return s[_starts(s)] if len(s) else s


def unique_counts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of `x` and how often each occurs."""
    s = np.sort(np.asarray(x).ravel())
    if not len(s):
        return s, np.zeros(0, np.int64)
    starts = np.flatnonzero(_starts(s))
    return s[starts], np.diff(np.append(starts, len(s)))


def unique_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct values of `x` and, for each element, the index of its value among them."""
    x = np.asarray(x).ravel()
    order = np.argsort(x, kind="stable")
    s = x[order]
    if not len(s):
        return s, np.zeros(0, np.int64)
    new = _starts(s)
    inverse = np.empty(len(x), np.int64)
    inverse[order] = np.cumsum(new) - 1
    return s[new], inverse
