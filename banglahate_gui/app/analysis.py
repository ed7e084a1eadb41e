"""Analysis and explanation scheduling: one item analysed at a time in a worker (the item the
moderator is looking at jumps the queue), LIME on request; results arrive as signals on the GUI thread."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, Signal

from banglahate_gui.app.triage import QueueItem
from banglahate_gui.app.workers import TaskContext, Worker, WorkerPool


class AnalysisQueue(QObject):
    """Owns the pending queue; sets each item's `status`, `analysis`, `ocr`, `text` and `explanation`."""

    changed = Signal(object)  # an item whose status changed (queued, started, cancelled)
    analysed = Signal(object)  # an item whose analysis arrived
    failed = Signal(object, object)  # item, exception
    explained = Signal(object)  # an item whose explanation arrived
    explain_failed = Signal(object)  # exception
    progress = Signal(float, str)
    busy_changed = Signal()

    def __init__(self, pool: WorkerPool, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = pool
        self.moderator = None
        self.force_engine = ""  # settings' engine for images whose own `engine` is ""
        self._pending: deque[QueueItem] = deque()
        self._running: tuple[QueueItem, Worker] | None = None
        self._explaining: Worker | None = None

    @property
    def busy(self) -> bool:
        return bool(self._pending) or self._running is not None or self._explaining is not None

    @property
    def explaining(self) -> bool:
        return self._explaining is not None

    def set_moderator(self, moderator) -> None:
        self.moderator = moderator
        self._pump()

    def enqueue(self, items: list[QueueItem], first: bool = False) -> None:
        """Queue items for analysis; `first` puts them ahead of everything else."""
        for item in items:
            item.status, item.error = "pending", ""
            if item in self._pending:
                self._pending.remove(item)
            self.changed.emit(item)
        if first:
            self._pending.extendleft(reversed(items))
        else:
            self._pending.extend(items)
        self._pump()
        self.busy_changed.emit()

    def cancel(self) -> None:
        """Drop the queue and cancel the running analysis and explanation (results are discarded)."""
        while self._pending:
            item = self._pending.popleft()
            item.status = "cancelled"
            self.changed.emit(item)
        if self._running is not None:
            self._running[1].cancel()
        if self._explaining is not None:
            self._explaining.cancel()
        self.busy_changed.emit()

    def _pump(self) -> None:
        if self.moderator is None or self._running is not None or not self._pending:
            return
        item = self._pending.popleft()
        item.status = "analysing"
        self.changed.emit(item)
        moderator, source, text, name = self.moderator, item.source, item.text, item.name
        engine = item.engine or self.force_engine or None
        mode = "edited" if item.is_image and item.text_edited else "image" if item.is_image else "text"

        def analyse(ctx: TaskContext):
            ctx.progress(-1, f"Analysing {name}…")
            if mode == "edited":
                return moderator.analyze(text)  # the moderator's corrected text, no new OCR
            if mode == "text":
                return moderator.analyze(source)
            return moderator.analyze(source, engine=engine, progress=lambda stage: ctx.progress(-1, f"{name}: {stage}…"))

        worker = self.pool.start(
            analyse,
            on_result=lambda analysis: self._done(item, analysis),
            on_error=lambda exc: self._failed(item, exc),
            on_progress=self.progress.emit,
            on_finished=lambda: self._finished(item),
            name=f"analyse {name}",
        )
        self._running = (item, worker)
        self.busy_changed.emit()

    def _done(self, item: QueueItem, analysis) -> None:
        item.analysis, item.status, item.error = analysis, "done", ""
        if analysis.ocr is not None:
            item.ocr, item.text = analysis.ocr, analysis.ocr.text
        elif not item.is_image:
            item.text = analysis.text
        item.explanation, item.text_edited = None, False
        self.analysed.emit(item)

    def _failed(self, item: QueueItem, exc: BaseException) -> None:
        item.status = "error"
        self.failed.emit(item, exc)

    def _finished(self, item: QueueItem) -> None:
        if self._running is not None and self._running[0] is item:
            self._running = None
        if item.status == "analysing":  # cancelled: the result was discarded
            item.status = "cancelled"
            self.changed.emit(item)
        self._pump()
        self.busy_changed.emit()

    def explain(self, item: QueueItem, num_samples: int) -> bool:
        """LIME for `item`'s current text (a running explanation is cancelled); False if not possible."""
        if item.analysis is None or self.moderator is None:
            return False
        if self._explaining is not None:
            self._explaining.cancel()
        moderator, text = self.moderator, item.text

        def explain(ctx: TaskContext):
            return moderator.explain(
                text, num_samples=num_samples,
                progress=lambda done, total: ctx.progress(done / max(total, 1), "Explaining…"),
                cancel=lambda: ctx.cancelled,
            )

        def finished() -> None:
            if self._explaining is worker:
                self._explaining = None
            self.busy_changed.emit()

        worker = self.pool.start(
            explain,
            on_result=lambda explanation: self._explained(item, explanation),
            on_error=self.explain_failed.emit,
            on_progress=self.progress.emit,
            on_finished=finished,
            name="explain",
        )
        self._explaining = worker
        self.busy_changed.emit()
        return True

    def _explained(self, item: QueueItem, explanation) -> None:
        item.explanation = explanation
        self.explained.emit(item)
