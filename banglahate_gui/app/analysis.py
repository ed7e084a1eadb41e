"""Analysis and explanation scheduling: one item analysed at a time in a worker (the item the
moderator is looking at jumps the queue), remembered analyses answered from the cache, LIME on
request; results arrive as signals on the GUI thread."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QObject, Signal

from banglahate_gui.app.workers import TaskContext, Worker, WorkerPool
from banglahate_gui.review.remember import Request, analyse
from banglahate_gui.review.session import ReviewItem, ReviewSession


class AnalysisQueue(QObject):
    """Owns the pending queue; hands results to the session (`set_analysis`, `set_failed`)."""

    changed = Signal(object)  # an item whose status changed (queued, started, cancelled)
    analysed = Signal(object)  # an item whose analysis arrived
    failed = Signal(object, object)  # item, exception
    explained = Signal(object)  # an item whose explanation arrived
    explain_failed = Signal(object)  # exception
    progress = Signal(float, str)
    busy_changed = Signal()

    def __init__(self, pool: WorkerPool, session: ReviewSession, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = pool
        self.session = session
        self.moderator = None
        self.cache = None  # an AnalysisCache, or None to always analyse
        self.ocr_key = ""  # OcrConfig.cache_key() of the settings in force
        self.force_engine = ""  # settings' engine for images whose own `engine` is ""
        self._pending: deque[ReviewItem] = deque()
        self._forced: set[int] = set()
        self._running: tuple[ReviewItem, Worker] | None = None
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

    def enqueue(self, items: list[ReviewItem], first: bool = False, force: bool = False) -> None:
        """Queue items; `first` puts them ahead of everything else, `force` skips remembered analyses."""
        for item in items:
            item.status, item.error = "pending", ""
            if item in self._pending:
                self._pending.remove(item)
            if force:
                self._forced.add(item.key)
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

    def _request(self, item: ReviewItem) -> Request:
        mode = "edited" if item.is_image and item.text_edited else "image" if item.is_image else "text"
        return Request(item.source, item.name, mode, item.sha256, item.text, item.ocr,
                       item.engine or self.force_engine or None, item.key in self._forced)

    def _pump(self) -> None:
        if self.moderator is None or self._running is not None or not self._pending:
            return
        item = self._pending.popleft()
        item.status = "analysing"
        self.changed.emit(item)
        moderator, cache, ocr_key, request = self.moderator, self.cache, self.ocr_key, self._request(item)
        self._forced.discard(item.key)

        def run(ctx: TaskContext):
            ctx.progress(-1, f"Analysing {request.name}…")
            return analyse(moderator, request, cache, ocr_key,
                           progress=lambda stage: ctx.progress(-1, f"{request.name}: {stage}…"))

        worker = self.pool.start(
            run,
            on_result=lambda outcome: self._done(item, outcome),
            on_error=lambda exc: self._failed(item, exc),
            on_progress=self.progress.emit,
            on_finished=lambda: self._finished(item),
            name=f"analyse {item.name}",
        )
        self._running = (item, worker)
        self.busy_changed.emit()

    def _done(self, item: ReviewItem, outcome) -> None:
        if item.sha256 is None:
            self.session.set_hash(item, outcome.sha256)
        self.session.set_analysis(item, outcome.analysis)
        item.from_cache = outcome.from_cache
        self.analysed.emit(item)

    def _failed(self, item: ReviewItem, exc: BaseException) -> None:
        item.status = "error"
        self.failed.emit(item, exc)

    def _finished(self, item: ReviewItem) -> None:
        if self._running is not None and self._running[0] is item:
            self._running = None
        if item.status == "analysing":  # cancelled: the result was discarded
            item.status = "cancelled"
            self.changed.emit(item)
        self._pump()
        self.busy_changed.emit()

    def explain(self, item: ReviewItem, num_samples: int) -> bool:
        """LIME for the text that decided `item` (`ReviewItem.decisive_text`: a thread's riskiest message); a
        running explanation is cancelled; False if not possible."""
        if item.analysis is None or self.moderator is None:
            return False
        if self._explaining is not None:
            self._explaining.cancel()
        moderator, text = self.moderator, item.decisive_text

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

    def _explained(self, item: ReviewItem, explanation) -> None:
        item.explanation = explanation
        self.explained.emit(item)
