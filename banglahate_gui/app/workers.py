"""Background work: run a function in a QThreadPool, get progress, values, result and errors back
on the GUI thread (in the spirit of Anki's `run_in_background` and napari's workers)."""

from __future__ import annotations

import threading
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class Cancelled(Exception):
    """Raised inside a task (by `TaskContext.check`) to stop it after Cancel."""


class WorkerSignals(QObject):
    """Created on the GUI thread; connected callables run there (queued) whatever thread emits."""

    progress = Signal(float, str)  # fraction 0..1 (negative: unknown), message
    yielded = Signal(object)  # intermediate values, e.g. one analysed item of a folder
    result = Signal(object)
    error = Signal(object)  # the exception, with `.traceback_text` where it can hold one
    finished = Signal()  # always last, also after an error or a cancel


class TaskContext:
    """Handed to the task function: report progress, emit values, notice Cancel."""

    def __init__(self, signals: WorkerSignals, cancel_event: threading.Event):
        self._signals = signals
        self._cancel = cancel_event

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        return self._cancel

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        self._signals.progress.emit(float(fraction), message)

    def emit(self, value: Any) -> None:
        self._signals.yielded.emit(value)


class Worker(QRunnable):
    """Runs `fn(ctx)`; emits `result` unless cancelled, `error` on an exception, then `finished`."""

    def __init__(self, fn: Callable[[TaskContext], Any], name: str = ""):
        super().__init__()
        self.setAutoDelete(False)
        self.fn = fn
        self.name = name
        self.signals = WorkerSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:
        try:
            value = self.fn(TaskContext(self.signals, self._cancel))
        except Cancelled:
            pass
        except BaseException as exc:  # noqa: BLE001 - every failure goes to the GUI, never kills the thread
            try:
                exc.traceback_text = traceback.format_exc()
            except AttributeError:  # exceptions with __slots__
                pass
            if not self._cancel.is_set():
                self.signals.error.emit(exc)
        else:
            if not self._cancel.is_set():
                self.signals.result.emit(value)
        finally:
            self.signals.finished.emit()


class WorkerPool(QObject):
    """A small thread pool that keeps its workers alive until they finish and can cancel them all."""

    busy_changed = Signal(int)  # number of running workers

    def __init__(self, max_threads: int = 2, parent: QObject | None = None):
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._active: set[Worker] = set()

    def start(
        self,
        fn: Callable[[TaskContext], Any],
        *,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_yield: Callable[[Any], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        name: str = "",
    ) -> Worker:
        worker = Worker(fn, name)
        for signal, slot in (
            (worker.signals.result, on_result),
            (worker.signals.error, on_error),
            (worker.signals.yielded, on_yield),
            (worker.signals.progress, on_progress),
            (worker.signals.finished, on_finished),
        ):
            if slot is not None:
                signal.connect(slot)
        worker.signals.finished.connect(lambda: self._done(worker))
        self._active.add(worker)
        self.busy_changed.emit(len(self._active))
        self._pool.start(worker)
        return worker

    def _done(self, worker: Worker) -> None:
        self._active.discard(worker)
        self.busy_changed.emit(len(self._active))

    @property
    def active(self) -> list[Worker]:
        return list(self._active)

    def cancel_all(self) -> None:
        for worker in self._active:
            worker.cancel()

    def wait(self, msecs: int = -1) -> bool:
        """Block until every worker has returned (used at shutdown and in tests)."""
        return self._pool.waitForDone(msecs)
