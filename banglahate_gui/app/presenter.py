"""Showing the current item: picture (decoded in a worker), OCR text, verdict and explanation."""

from __future__ import annotations

from PySide6.QtCore import QObject

from banglahate_gui.app.image_view import DROP_HINT, decode_image
from banglahate_gui.review.session import ReviewItem


class ItemPresenter(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self._decode_for: int | None = None

    def show(self, key: int) -> None:
        w = self.w
        item = w.session.items[key]
        view = w.image_view
        view.placeholder = "Text item: no image" if not item.is_image else f"Loading {item.name}…"
        if self._decode_for != key:
            view.set_image(None)
            self._decode_for = key if item.is_image else None
            if item.is_image:
                source = item.source
                w.pool.start(lambda ctx: decode_image(source), name="decode",
                             on_result=lambda result: self._decoded(item, result))
        view.set_boxes(item.ocr.boxes if item.ocr is not None else None)
        w.ocr_panel.show_item(item.text, item.ocr, item.engine, item.is_image)
        verdict = w.session.verdict(item)
        if verdict is not None:
            analysis = item.analysis
            w.result_panel.set_prediction(analysis.prediction, verdict, bool(analysis.truncated), analysis.blocks,
                                          analysis.riskiest_block)
        else:
            w.result_panel.clear({"error": item.error}.get(item.status, f"{item.name}: {item.status}…"))
        if item.explanation is not None:
            w.explain_panel.set_explanation(item.explanation)
        else:
            w.explain_panel.clear()
        w.update_status()

    def _decoded(self, item: ReviewItem, result) -> None:
        image, scale = result
        if self._decode_for != item.key:
            return  # the moderator moved on
        self.w.image_view.placeholder = DROP_HINT if not image.isNull() else f"Cannot preview {item.name}"
        self.w.image_view.set_image(image, item.ocr.boxes if item.ocr is not None else None, scale)
        self.w.image_shown.emit(item)

    def explain_current(self) -> None:
        w = self.w
        item = w.queue.current()
        if item is not None and w.explain_panel.available:
            if w.analysis.explain(item, w.settings.lime_samples):
                w.explain_panel.set_busy(True)

    def explained(self, item: ReviewItem) -> None:
        if self.w.queue.current() is item:
            self.w.explain_panel.set_explanation(item.explanation)
        self.w.explanation_ready.emit(item)

    def explain_failed(self, exc: BaseException) -> None:
        if isinstance(exc, (NotImplementedError, ImportError)):
            self.w.explain_panel.set_unavailable(str(exc) or "the explain module is not installed")
        else:
            self.w.explain_panel.clear("The explanation failed; see the message above.")
            self.w.report(exc, "Explanation")
