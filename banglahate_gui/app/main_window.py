"""The main window: review queue | image and text | results and explanation.

It shows a `ReviewSession` (the review rules) and runs OCR, inference, LIME and image decoding in
`WorkerPool` threads; the window itself only waits on one small committed log write per decision.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from banglahate_gui.app.analysis import AnalysisQueue
from banglahate_gui.app.banner import MessageBanner
from banglahate_gui.app.decisions import DecisionController
from banglahate_gui.app.dialogs import TITLE, ShortcutsDialog, TextDialog, about_html
from banglahate_gui.app.explain_panel import ExplainPanel
from banglahate_gui.app.image_view import ImageView
from banglahate_gui.app.menus import build_menus, shortcut_rows
from banglahate_gui.app.ocr_panel import OcrPanel
from banglahate_gui.app.opening import ItemOpener
from banglahate_gui.app.presenter import ItemPresenter
from banglahate_gui.app.queue_view import QueueView
from banglahate_gui.app.result_panel import ResultPanel
from banglahate_gui.app.settings import AppSettings, SettingsDialog
from banglahate_gui.app.status import describe_error, open_cache, open_review_log
from banglahate_gui.app.workers import WorkerPool
from banglahate_gui.errors import BundleError, EmptyTextError, ImageError, OcrUnavailableError
from banglahate_gui.review.session import ReviewItem, ReviewSession

ModeratorFactory = Callable[[AppSettings], object]
OCR_FIELDS = ("ocr_threshold", "ocr_preprocess", "ocr_recognizer", "ocr_text_scope")
MODEL_FIELDS = ("bundle", "device") + OCR_FIELDS


def load_moderator(settings: AppSettings):
    """Default factory: the real Moderator with the settings' bundle, device and OCR options."""
    from banglahate_gui.pipeline import Moderator

    return Moderator.load(settings.bundle or None, device=settings.device, ocr=settings.ocr_config())


class MainWindow(QMainWindow):
    """`moderator_factory(settings)` builds the Moderator in a worker (injectable for tests);
    `overrides` apply to this run only (command-line options) and are not saved by Settings."""

    model_ready = Signal(object)  # the moderator, once loaded
    item_analysed = Signal(object)  # a ReviewItem whose analysis (or error) arrived
    decision_recorded = Signal(object)  # the LogEntry just committed (decision, note or undo)
    explanation_ready = Signal(object)
    image_shown = Signal(object)  # the ReviewItem whose full picture was decoded and shown

    def __init__(self, settings_store: QSettings | None = None, moderator_factory: ModeratorFactory | None = None,
                 overrides: dict | None = None):
        super().__init__()
        self.store = settings_store if settings_store is not None else QSettings()
        self.stored = AppSettings.load(self.store)
        self.overrides = dict(overrides or {})
        self.settings = replace(self.stored, **self.overrides)
        self.moderator_factory = moderator_factory or load_moderator
        self.moderator = None
        self.tasks: tuple = ()  # the loaded bundle's task schema (model.schema.Task), () until one loads
        self.pool = WorkerPool(max_threads=3, parent=self)
        self.session = ReviewSession(policy=self.settings.verdict_policy, moderator=self.settings.moderator_name)
        self.analysis = AnalysisQueue(self.pool, self.session, self)
        self.opener = ItemOpener(self)
        self.decisions = DecisionController(self)
        self.decisions.recorded.connect(self.decision_recorded.emit)
        self.presenter = ItemPresenter(self)
        self._cache_choice: tuple | None = None  # (remember_analyses, analysis_cache) of the open cache
        self.setWindowTitle(TITLE)
        self.setAcceptDrops(True)
        self.resize(1400, 880)
        self._build_ui()
        self.actions_by_name = build_menus(self)
        self._apply_view_settings()
        self._open_log()
        self.load_model()

    # ----- layout -------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.banner = MessageBanner()
        self.queue = QueueView(self.session)
        self.queue.current_changed.connect(self.presenter.show)
        self.queue.filters_changed.connect(self.update_status)
        self.image_view = ImageView()
        self.ocr_panel = OcrPanel()
        self.ocr_panel.reanalyze_requested.connect(self.reanalyze_text)
        self.ocr_panel.engine_changed.connect(self.reread_with_engine)
        self.result_panel = ResultPanel()
        self.explain_panel = ExplainPanel()
        self.explain_panel.explain_requested.connect(self.presenter.explain_current)
        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(self.image_view)
        centre.addWidget(self.ocr_panel)
        centre.setSizes([520, 300])
        self.tabs = QTabWidget()
        self.tabs.addTab(self.result_panel, "Prediction")
        self.tabs.addTab(self.explain_panel, "Explanation")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.queue, centre, self.tabs):
            self.splitter.addWidget(widget)
        self.splitter.setSizes([320, 600, 480])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(body)
        bar = self.statusBar()
        self.model_label, self.queue_label, self.progress_label = QLabel("Loading model…"), QLabel(), QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_work)
        bar.addWidget(self.model_label)
        bar.addWidget(self.queue_label)
        for widget in (self.progress_label, self.progress, self.cancel_button):
            bar.addPermanentWidget(widget)
        self.pool.busy_changed.connect(lambda _running: self._refresh_busy())
        a = self.analysis
        a.changed.connect(lambda item: (self.queue.rebuild(), self.update_status()))
        a.analysed.connect(self._analysed)
        a.failed.connect(self._analysis_failed)
        a.explained.connect(self.presenter.explained)
        a.explain_failed.connect(self.presenter.explain_failed)
        a.progress.connect(self._progress)
        a.busy_changed.connect(self._refresh_busy)
        self.update_status()

    def _apply_view_settings(self) -> None:
        s = self.settings
        self.image_view.set_softening(s.blur_images, s.greyscale_images)
        self.session.set_policy(s.verdict_policy)
        self.session.moderator = s.moderator_name
        self.analysis.force_engine = s.force_engine
        self.analysis.ocr_key = s.ocr_config().cache_key()
        cache_choice = (s.remember_analyses, s.analysis_cache)
        if cache_choice != self._cache_choice:  # reopened only when changed: a running analysis may be using it
            self._cache_choice = cache_choice
            if self.analysis.cache is not None:
                self.analysis.cache.close()
            self.analysis.cache = open_cache(s, self.banner) if s.remember_analyses else None
        self.queue.rebuild()
        if self.queue.current() is not None:
            self.presenter.show(self.queue.current().key)  # verdicts under the new policy

    # ----- model --------------------------------------------------------------------------
    def load_model(self) -> None:
        self.moderator = None
        self.analysis.set_moderator(None)
        self.model_label.setText("Loading model…")
        self._progress(-1, "Loading model…")
        settings = self.settings
        self.pool.start(lambda ctx: self.moderator_factory(settings), on_result=self._model_loaded,
                        on_error=self._model_failed, name="load model")

    def _model_loaded(self, moderator) -> None:
        self.moderator = moderator
        self.set_tasks(tuple(getattr(getattr(moderator, "classifier", None), "tasks", ())))
        self.model_ready.emit(moderator)
        self.update_status()
        self.analysis.set_moderator(moderator)

    def set_tasks(self, tasks: tuple) -> None:
        """Every view follows the loaded bundle's task schema (its tasks, labels, conditions and kinds)."""
        self.tasks = tasks
        self.session.set_tasks(tasks)
        self.queue.set_tasks(tasks)
        self.explain_panel.set_tasks(tasks)
        self.queue.rebuild()
        if self.queue.current() is not None:
            self.presenter.show(self.queue.current().key)

    def _model_failed(self, exc: BaseException) -> None:
        self.model_label.setText("No model")
        self.report(exc, action=("Settings…", self.open_settings))

    # ----- opening (ItemOpener does the work) -----------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage() or mime.hasText():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.opener.open_mime(event.mimeData()):
            event.acceptProposedAction()

    def open_paths(self, paths: list[Path]) -> None:
        self.opener.open_paths(paths)

    def open_folder(self, folder: str | Path) -> None:
        self.opener.open_paths([Path(folder)])

    def add_text(self, text: str) -> ReviewItem:
        return self.opener.add_text(text)

    def open_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open images", self.opener.last_folder or "",
                                                "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)")
        if files:
            self.open_paths([Path(f) for f in files])

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of memes", self.opener.last_folder or "")
        if folder:
            self.open_folder(folder)

    # ----- analysis results ---------------------------------------------------------------
    def _analysed(self, item: ReviewItem) -> None:
        self.opener.regroup()
        self.queue.rebuild()
        self.item_analysed.emit(item)
        if self.queue.current() is item:
            self.presenter.show(item.key)
            if self.settings.auto_explain:
                self.presenter.explain_current()
        self.update_status()

    def _analysis_failed(self, item: ReviewItem, exc: BaseException) -> None:
        self.session.set_failed(item, describe_error(exc))
        self.queue.rebuild()
        self.report(exc, item.name)
        self.item_analysed.emit(item)
        if self.queue.current() is item:
            self.presenter.show(item.key)

    def reanalyze_text(self, text: str) -> None:
        """Re-classify the current item's text as edited (no new OCR); the result is remembered."""
        item = self.queue.current()
        if item is None:
            if text.strip():
                self.add_text(text)
            return
        self.session.edit_text(item, text)
        self.analysis.enqueue([item], first=True, force=True)

    def reanalyze_current(self) -> None:
        """Analyse the current item again from its source, ignoring a remembered result."""
        item = self.queue.current()
        if item is not None:
            item.text_edited = False
            self.analysis.enqueue([item], first=True, force=True)

    def reread_with_engine(self, engine: str) -> None:
        item = self.queue.current()
        if item is None or not item.is_image:
            return
        item.engine, item.text_edited = engine, False
        self.analysis.enqueue([item], first=True, force=True)

    def explain_current(self) -> None:
        self.presenter.explain_current()

    def cancel_work(self) -> None:
        """Stop queued and running analyses and explanations (the items can be re-analysed)."""
        self.analysis.cancel()

    # ----- log, settings, dialogs ---------------------------------------------------------
    def _open_log(self) -> None:
        if self.session.log is not None:
            self.session.log.close()
        self.session.set_log(open_review_log(self.settings.review_log_path, self.banner, self.open_settings))
        self.queue.rebuild()
        self.update_status()

    def toggle_undecided(self) -> None:
        box = self.queue.decision_filter
        box.setCurrentIndex(box.findData("undecided") if box.currentData() != "undecided" else 0)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self, tasks=self.tasks)
        if dialog.exec():
            self.apply_settings(dialog.values())

    def apply_settings(self, new: AppSettings) -> None:
        """Use `new` now; save it, except one-run overrides the user left as they were."""
        old, self.settings = self.settings, new
        self.stored = new.persisted(self.stored, self.overrides)
        self.stored.save(self.store)
        self.overrides = {k: v for k, v in self.overrides.items() if getattr(new, k) == v}
        if new.review_log_path != old.review_log_path:
            self._open_log()
        self._apply_view_settings()
        if any(getattr(new, f) != getattr(old, f) for f in MODEL_FIELDS):
            self.banner.dismiss()
            self.load_model()  # OCR options included: they apply at once, no restart

    def about_text(self) -> str:
        info = self.moderator.info() if self.moderator is not None and hasattr(self.moderator, "info") else None
        bundle = (info or {}).get("bundle", {}).get("path") or getattr(self.moderator, "bundle_path", None)
        return about_html(info, self.settings.review_log_path, bundle)

    def show_about(self) -> None:
        TextDialog(f"About {TITLE}", self.about_text(), self).exec()

    def show_shortcuts(self) -> None:
        ShortcutsDialog(shortcut_rows(self), self).exec()

    # ----- status and errors --------------------------------------------------------------
    def report(self, exc: BaseException, name: str = "", action=None) -> None:
        if not isinstance(exc, (BundleError, EmptyTextError, ImageError, OcrUnavailableError)):
            print(getattr(exc, "traceback_text", repr(exc)), file=sys.stderr)
        level = "warning" if isinstance(exc, EmptyTextError) else "error"
        self.banner.show_message(describe_error(exc, name), level, action)

    def _progress(self, fraction: float, message: str) -> None:
        self.progress_label.setText(message)
        self.progress.setRange(0, 0 if fraction < 0 else 1000)
        if fraction >= 0:
            self.progress.setValue(round(fraction * 1000))

    def _refresh_busy(self) -> None:
        busy = (self.moderator is None and bool(self.pool.active)) or self.analysis.busy
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy and self.moderator is not None)
        if not busy:
            self.progress_label.clear()
        if self.explain_panel.busy and not self.analysis.explaining:
            self.explain_panel.set_busy(False)
            if self.explain_panel.explanation is None and self.explain_panel.available:
                self.explain_panel.clear()
        self.update_status()

    def update_status(self) -> None:
        m = self.moderator
        if m is not None:
            bundle = getattr(getattr(m, "classifier", None), "bundle_id", None) or Path(str(m.bundle_path)).name
            self.model_label.setText(f"Model: {bundle} · device {getattr(m, 'device', '?')}")
        c = self.session.counts()
        extras = [f"{c['uncertain']} uncertain" if c["uncertain"] else "", f"{c['errors']} errors" if c["errors"] else ""]
        self.queue_label.setText(" · ".join([f"Queue: {c['items']} items", f"{c['waiting']} waiting",
                                             f"{c['decided']} decided"] + [e for e in extras if e]))

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.cancel_work()
        self.pool.cancel_all()
        self.pool.wait(30_000)  # cancelled work stops at its next check; OCR of one image at most
        if self.session.log is not None:
            self.session.log.close()
            self.session.set_log(None)
        if self.analysis.cache is not None:
            self.analysis.cache.close()
            self.analysis.cache = None
        super().closeEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(1400, 880)
