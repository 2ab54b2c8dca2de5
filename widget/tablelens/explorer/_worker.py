"""Background threads of the Explorer, so the kernel answers the browser while a query runs.

- `LatestRunner` runs queries one at a time; submitting a new one cancels the running one (through every object
  the job attached to its `Token`, e.g. a `QueryResult`) and forgets any older one still waiting: only the
  latest query's outcome is delivered.
- `Lane` runs the answers to the browser's requests in order; a superseding lane (rows) keeps only the newest
  waiting request, because the browser drops every older answer anyway.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

__all__ = ["Cancelled", "Lane", "LatestRunner", "Token"]

log = logging.getLogger("tablelens.explorer")

class Cancelled(Exception):
    """The job's work was superseded; nothing is delivered."""


class Token:
    """Cancellation handle of one job: `attach` things with a `cancel()` method; `cancel` cancels them all."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._targets: list[Any] = []

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def attach(self, target: Any) -> Any:
        """Remember `target` to cancel it with the job (at once if the job is cancelled already)."""
        with self._lock:
            self._targets.append(target)
            cancelled = self._cancelled
        if cancelled:
            _cancel(target)
        return target

    def check(self) -> None:
        """Raise Cancelled when the job was cancelled (call between steps)."""
        if self._cancelled:
            raise Cancelled()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            targets = list(self._targets)
        for t in targets:
            _cancel(t)


def _cancel(target: Any) -> None:
    try:
        target.cancel()
    except Exception:  # cancelling is best effort; the outcome is dropped anyway
        log.debug("cancel failed", exc_info=True)


Job = Callable[[Token, int], None]


class LatestRunner:
    """One daemon thread running the latest submitted job."""

    def __init__(self, name: str, on_busy: Callable[[bool], None] | None = None) -> None:
        self._name = name
        self._cond = threading.Condition()
        self._pending: tuple[int, Job] | None = None
        self._token: Token | None = None
        self._running = False
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._closed = False
        self._on_busy = on_busy  # called (under the lock) with True on submit and False once idle

    @property
    def generation(self) -> int:
        return self._generation

    def submit(self, job: Job) -> int:
        """Queue `job(token, generation)`; cancels the running job and replaces any waiting one."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the Explorer is closed")
            self._generation += 1
            gen = self._generation
            if self._token is not None:
                self._token.cancel()
            self._pending = (gen, job)
            self._notify_busy(True)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()
        return gen

    def deliver(self, gen: int, fn: Callable[[], None]) -> bool:
        """Run `fn` only if `gen` is still the latest generation (atomic with `submit`)."""
        with self._cond:
            if gen != self._generation:
                return False
            fn()
            return True

    @property
    def idle(self) -> bool:
        with self._cond:
            return self._pending is None and not self._running

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no job is running or waiting; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: self._pending is None and not self._running, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            if self._token is not None:
                self._token.cancel()
            self._pending = None
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait(timeout=60)
                    if self._pending is None and not self._closed:
                        self._thread = None  # idle for a minute: let the thread go; submit starts another
                        return
                if self._closed:
                    return
                gen, job = self._pending  # type: ignore[misc]
                self._pending = None
                token = self._token = Token()
                self._running = True
            try:
                job(token, gen)
            except Cancelled:
                pass
            except Exception:
                log.exception("tablelens Explorer: background job failed")
            finally:
                with self._cond:
                    self._running = False
                    self._token = None
                    if self._pending is None:
                        self._notify_busy(False)
                    self._cond.notify_all()

    def _notify_busy(self, busy: bool) -> None:
        if self._on_busy is not None:
            try:
                self._on_busy(busy)
            except Exception:
                log.exception("tablelens Explorer: busy callback failed")


class Lane:
    """A daemon thread running submitted tasks in order; `supersede` keeps only the newest waiting task."""

    def __init__(self, name: str, supersede: bool = False) -> None:
        self._name = name
        self._supersede = supersede
        self._cond = threading.Condition()
        self._tasks: deque[Callable[[], None]] = deque()
        self._busy = False
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, task: Callable[[], None]) -> None:
        with self._cond:
            if self._closed:
                return
            if self._supersede:
                self._tasks.clear()
            self._tasks.append(task)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        with self._cond:
            return self._cond.wait_for(lambda: not self._tasks and not self._busy, timeout)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._tasks.clear()
            self._cond.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._tasks and not self._closed:
                    if not self._cond.wait(timeout=60) and not self._tasks:
                        self._thread = None
                        return
                if self._closed:
                    return
                task = self._tasks.popleft()
                self._busy = True
            try:
                task()
            except Exception:
                log.exception("tablelens Explorer: request failed")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
