"""Queries run on a background thread: the kernel answers meanwhile, a newer query cancels an older one, and
only the latest result reaches the browser."""

from __future__ import annotations

import importlib
import threading
import time
from typing import Any

import pytest

from tablelens.explorer._worker import Lane, LatestRunner

# the module, not the `tablelens.query` function the package exports under the same name
tlq = importlib.import_module("tablelens.query")
widget_module = importlib.import_module("tablelens.explorer.widget")

SLOW = "{$gt: ['$score', 0.25]}"
FAST = "{$gt: ['$score', 0.75]}"


class _SlowResult:
    """A real QueryResult whose count blocks until it is cancelled."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.started = threading.Event()
        self.cancelled_event = threading.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    @property
    def num_rows(self) -> int:
        self.started.set()
        if not self.cancelled_event.wait(30):
            raise AssertionError("the slow query was never cancelled")
        raise tlq.QueryCancelled("cancelled")

    def cancel(self) -> None:
        self.cancelled_event.set()
        self._real.cancel()


@pytest.fixture
def slow_query(monkeypatch: pytest.MonkeyPatch) -> list[_SlowResult]:
    made: list[_SlowResult] = []
    real_run = tlq.run

    def run(scan: Any, spec: Any, **kwargs: Any) -> Any:  # the engine entry the Explorer calls
        result = real_run(scan, spec, **kwargs)
        if spec.filter == SLOW:
            result = _SlowResult(result)
            made.append(result)
        return result

    monkeypatch.setattr(widget_module, "run", run)
    return made


def test_newer_query_cancels_older_and_kernel_stays_responsive(preds: dict[str, Any], make_explorer: Any,
                                                               slow_query: list[_SlowResult]) -> None:
    ex, cap = make_explorer("preds:v0")
    version = ex.result_version
    ex.filter = SLOW
    assert _wait_for(lambda: bool(slow_query) and slow_query[0].started.is_set())
    assert ex.busy
    # the kernel still answers the browser: the page on screen comes back at once (the message handler itself
    # only queues work, so the kernel's main thread is never held by a query)
    t0 = time.monotonic()
    ex._on_custom(ex, {"type": "rows", "id": 99, "result_version": version, "offset": 0, "limit": 50}, [])
    assert time.monotonic() - t0 < 0.5
    assert ex._rows_lane.wait(10)
    answer = next(m for m, _ in cap.sent if m.get("id") == 99)
    assert time.monotonic() - t0 < 5
    assert answer["result_version"] == version and len(answer["rows"]) == 50
    # a newer change cancels the running query; only its result is shown
    ex.filter = FAST
    ex._wait(60)
    assert slow_query[0].cancelled_event.is_set()
    assert ex.error == {}
    assert ex.num_rows == sum(1 for s in preds["v0"]["score"] if s > 0.75)
    assert ex.result_version == version + 1  # the cancelled query produced no result
    assert not ex.busy


def test_busy_is_true_while_a_query_runs(preds: dict[str, Any], make_explorer: Any,
                                         slow_query: list[_SlowResult]) -> None:
    ex, _ = make_explorer("preds:v0")
    assert not ex.busy
    ex.filter = SLOW
    assert _wait_for(lambda: bool(slow_query) and slow_query[0].started.is_set())
    assert ex.busy
    ex.filter = ""
    ex._wait(60)
    assert not ex.busy
    assert ex.num_rows == 100


def test_explorers_share_the_engine_without_colliding(preds: dict[str, Any], make_explorer: Any) -> None:
    """Explorers query the one embedded DuckDB database at the same time, each on its own connection."""
    explorers = [make_explorer("preds:v0")[0] for _ in range(3)]
    for i in range(4):
        for j, ex in enumerate(explorers):
            ex.filter = f"{{$gt: ['$id', {10 * i + j}]}}"
            ex.sort = [["score", "desc" if (i + j) % 2 else "asc"]]
    for j, ex in enumerate(explorers):
        ex._wait(60)
        assert ex.error == {}, ex.error
        assert ex.num_rows == 99 - (30 + j)


#: a filter DuckDB needs seconds for on the table below (string work in a lambda over every list element)
HEAVY = ("{$gt: [{$size: {$filter: {input: {$map: {input: '$tags', as: 't', in: {$concat: [{$toString: '$$t'}, "
         "'x', {$toString: {$multiply: ['$$t', '$x']}}]}}}, as: 's', cond: {$regexMatch: {input: '$$s', "
         "regex: '^[0-9]*x9'}}}}}, 2]}")


def test_one_explorers_slow_query_never_holds_up_another_explorers_pages(preds: dict[str, Any],
                                                                       make_explorer: Any, tmp_path: Any) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 400_000
    rng = np.random.default_rng(0)
    offsets = pa.array(np.arange(0, n * 8 + 1, 8, dtype=np.int32))
    big = pa.table({"id": np.arange(n), "x": rng.random(n),
                    "tags": pa.ListArray.from_arrays(offsets, pa.array(rng.integers(0, 100, n * 8)))})
    path = tmp_path / "big.parquet"
    pq.write_table(big, path)
    shown, cap = make_explorer("preds:v0")
    busy, _ = make_explorer(str(path))
    busy.filter = HEAVY
    assert _wait_for(lambda: busy.busy)
    time.sleep(0.3)  # the heavy query is running in DuckDB now
    # a page the shown Explorer has not fetched yet: it needs its own query on its own connection
    shown._on_custom(shown, {"type": "rows", "id": 7, "result_version": shown.result_version, "offset": 60,
                             "limit": 20}, [])
    assert shown._rows_lane.wait(30)
    answer = next(m for m, _ in cap.sent if m.get("id") == 7)
    still_busy = busy.busy
    assert [r["_key"] for r in answer["rows"]] == list(range(60, 80))
    assert still_busy, "the heavy query finished first: the test shows nothing"
    busy.filter = ""  # cancels the heavy query
    busy._wait(60)
    assert busy.error == {} and busy.num_rows == n


def test_latest_runner_delivers_only_the_latest() -> None:
    delivered: list[str] = []
    busy: list[bool] = []
    runner = LatestRunner("test-runner", on_busy=busy.append)
    gate = threading.Event()

    def job(name: str, wait: bool) -> Any:
        def run(token: Any, gen: int) -> None:
            if wait:
                gate.wait(10)
            runner.deliver(gen, lambda: delivered.append(name))

        return run

    runner.submit(job("first", True))
    time.sleep(0.05)
    runner.submit(job("second", True))
    runner.submit(job("third", False))  # replaces "second" before it starts
    gate.set()
    assert runner.wait(10)
    assert delivered == ["third"]
    assert busy[0] is True and busy[-1] is False
    runner.close()


def test_cancel_reaches_attached_results() -> None:
    runner = LatestRunner("test-runner")
    cancelled = threading.Event()
    started = threading.Event()

    class Result:
        def cancel(self) -> None:
            cancelled.set()

    def slow(token: Any, gen: int) -> None:
        token.attach(Result())
        started.set()
        cancelled.wait(10)
        token.check()

    runner.submit(slow)
    assert started.wait(10)
    runner.submit(lambda token, gen: None)
    assert cancelled.wait(10)
    assert runner.wait(10)
    runner.close()


def test_superseding_lane_keeps_only_the_newest_waiting_task() -> None:
    lane = Lane("test-lane", supersede=True)
    gate = threading.Event()
    done: list[int] = []
    lane.submit(lambda: (gate.wait(10), done.append(0)))
    time.sleep(0.05)
    for i in (1, 2, 3):
        lane.submit(lambda i=i: done.append(i))
    gate.set()
    assert lane.wait(10)
    assert done == [0, 3]
    lane.close()


def _wait_for(cond: Any, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False
