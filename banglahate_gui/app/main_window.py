"""The main window: review queue | image and text | results and explanation.

All OCR, inference and LIME run in `WorkerPool` threads; the window only ever waits on SQLite
(one small committed INSERT per decision).
"""

from __future__ import annotations

import html
import sys
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QImage, QImageReader, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from banglahate_gui.app.analysis import AnalysisQueue
from banglahate_gui.app.banner import MessageBanner
from banglahate_gui.app.explain_panel import ExplainPanel
from banglahate_gui.app.image_view import DROP_HINT, ImageView
from banglahate_gui.app.ocr_panel import OcrPanel
from banglahate_gui.app.result_panel import ResultPanel
from banglahate_gui.app.settings import AppSettings, SettingsDialog
from banglahate_gui.app.triage import QueueItem, TriageList, make_thumbnail
from banglahate_gui.app.workers import TaskContext, WorkerPool
from banglahate_gui.errors import BundleError, EmptyTextError, ImageError, OcrUnavailableError
from banglahate_gui.ocr import expand_folders
from banglahate_gui.review_log import ReviewLog, export_csv, export_jsonl, sha256_bytes, sha256_file, sha256_text

TITLE = "BanglaHate Moderator"
ModeratorFactory = Callable[[AppSettings], object]


def load_moderator(settings: AppSettings):
    """Default factory: the real Moderator with the settings' bundle, device and OCR options."""
    from banglahate_gui.ocr import OcrConfig
    from banglahate_gui.pipeline import Moderator

    return Moderator.load(settings.bundle or None, device=settings.device,
                          ocr=OcrConfig(threshold=settings.ocr_threshold, preprocess=settings.ocr_preprocess,
                                        recognizer_dir=settings.ocr_recognizer or None))


def describe_error(exc: BaseException, name: str = "") -> str:
    """One line for the banner: what went wrong and what to do."""
    where = f"{name}: " if name else ""
    if isinstance(exc, BundleError):
        return (f"Model not loaded — {exc}. "
                "Open Settings ▸ Model bundle folder and pick a bundle (a folder with bundle.json).")
    if isinstance(exc, EmptyTextError):
        return f"{where}no text found. Type or correct the text in the text box and press Re-analyze."
    if isinstance(exc, ImageError):
        return f"{where}{exc}"
    if isinstance(exc, OcrUnavailableError):
        return f"{where}{exc} Choose the other engine in the OCR engine box."
    if isinstance(exc, (NotImplementedError, ImportError)):
        return f"{where}this feature is not available in this build ({exc})."
    return f"{where}unexpected {type(exc).__name__}: {exc}"


def image_to_png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


class MainWindow(QMainWindow):
    """`moderator_factory(settings)` builds the Moderator in a worker (injectable for tests)."""

    model_ready = Signal(object)  # the moderator, once loaded
    item_analysed = Signal(object)  # a QueueItem whose analysis (or error) arrived
    decision_recorded = Signal(object)  # the LogEntry just committed (decision, note or undo)
    explanation_ready = Signal(object)

    def __init__(
        self,
        settings_store: QSettings | None = None,
        moderator_factory: ModeratorFactory | None = None,
        overrides: dict | None = None,
    ):
        super().__init__()
        self.store = settings_store if settings_store is not None else QSettings()
        self.settings = AppSettings.load(self.store)
        for key, value in (overrides or {}).items():
            setattr(self.settings, key, value)
        self.moderator_factory = moderator_factory or load_moderator
        self.moderator = None
        self.pool = WorkerPool(max_threads=3, parent=self)
        self.log: ReviewLog | None = None
        self.states: dict = {}
        self._next_key = 0
        self.analysis = AnalysisQueue(self.pool, self)
        self.analysis.force_engine = self.settings.force_engine
        self._undo: list[tuple[int, int]] = []  # (log row id, item key) of this session

        self.setWindowTitle(TITLE)
        self.setAcceptDrops(True)
        self.resize(1400, 880)
        self._build_ui()
        self._build_actions()
        self._open_log()
        self.load_model()

    # ----- layout -------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.banner = MessageBanner()
        self.triage = TriageList()
        self.triage.current_changed.connect(self._show_item)
        self.image_view = ImageView()
        self.ocr_panel = OcrPanel()
        self.ocr_panel.reanalyze_requested.connect(self.reanalyze_text)
        self.ocr_panel.engine_changed.connect(self.reread_with_engine)
        self.result_panel = ResultPanel()
        self.explain_panel = ExplainPanel()
        self.explain_panel.explain_requested.connect(self.explain_current)

        centre = QSplitter(Qt.Orientation.Vertical)
        centre.addWidget(self.image_view)
        centre.addWidget(self.ocr_panel)
        centre.setSizes([520, 300])
        right = QTabWidget()
        right.addTab(self.result_panel, "Prediction")
        right.addTab(self.explain_panel, "Explanation")
        self.tabs = right
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget in (self.triage, centre, right):
            self.splitter.addWidget(widget)
        self.splitter.setSizes([300, 620, 480])
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(body)

        bar = self.statusBar()
        self.model_label = QLabel("Loading model…")
        self.queue_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel_work)
        bar.addWidget(self.model_label)
        bar.addWidget(self.queue_label)
        bar.addPermanentWidget(self.progress_label)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_button)
        self.pool.busy_changed.connect(lambda _running: self._refresh_busy())
        self.analysis.changed.connect(self._item_changed)
        self.analysis.analysed.connect(self._analysed)
        self.analysis.failed.connect(self._analysis_failed)
        self.analysis.explained.connect(self._explained)
        self.analysis.explain_failed.connect(self._explain_failed)
        self.analysis.progress.connect(self._progress)
        self.analysis.busy_changed.connect(self._refresh_busy)
        self._update_status()

    def _action(self, menu, text: str, shortcut, slot, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_actions(self) -> None:
        menus = self.menuBar()
        file = menus.addMenu("&File")
        self._action(file, "Open images…", QKeySequence.StandardKey.Open, self.open_files_dialog)
        self._action(file, "Open folder…", "Ctrl+Shift+O", self.open_folder_dialog)
        self.paste_action = self._action(file, "Paste image or text", QKeySequence.StandardKey.Paste, self.paste)
        file.addSeparator()
        self._action(file, "Export review log as CSV…", None, lambda: self.export_log("csv"))
        self._action(file, "Export review log as JSONL…", None, lambda: self.export_log("jsonl"))
        file.addSeparator()
        self._action(file, "Settings…", QKeySequence.StandardKey.Preferences, self.open_settings)
        self._action(file, "Quit", QKeySequence.StandardKey.Quit, self.close)
        review = menus.addMenu("&Review")
        self._action(review, "Approve", "A", lambda: self.decide("approve"), "Keep the item")
        self._action(review, "Remove", "R", lambda: self.decide("remove"), "Take the item down")
        self._action(review, "Escalate", "E", lambda: self.decide("escalate"), "Send to a senior moderator")
        self._action(review, "Note…", "N", lambda: self.add_note(), "Attach a note to the item")
        review.addSeparator()
        self._action(review, "Next item", "J", lambda: self.triage.move(1))
        self._action(review, "Previous item", "K", lambda: self.triage.move(-1))
        self._action(review, "Undo last decision", QKeySequence.StandardKey.Undo, self.undo)
        review.addSeparator()
        self._action(review, "Explain", "X", self.explain_current, "LIME word highlights")
        self._action(review, "Cancel running work", "Ctrl+.", self.cancel_work)
        self._action(review, "Dismiss message", "Esc", self.banner.dismiss)
        help_menu = menus.addMenu("&Help")
        self._action(help_menu, "About", None, self.show_about)

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
        self.model_ready.emit(moderator)
        self._update_status()
        self.analysis.set_moderator(moderator)

    def _model_failed(self, exc: BaseException) -> None:
        self.model_label.setText("No model")
        self.report(exc, action=("Settings…", self.open_settings))

    def model_description(self) -> str:
        m = self.moderator
        if m is None:
            return "No model"
        classifier = getattr(m, "classifier", None)
        bundle = getattr(classifier, "bundle_id", None) or Path(str(getattr(m, "bundle_path", "?"))).name
        return f"Model: {bundle} · device {getattr(m, 'device', '?')}"

    # ----- opening items ------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt override
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasImage() or mime.hasText():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self.open_mime(event.mimeData()):
            event.acceptProposedAction()

    def paste(self) -> None:
        if not self.open_mime(QGuiApplication.clipboard().mimeData()):
            self.banner.show_message("The clipboard holds no image, file or text to check.", "info")

    def open_mime(self, mime: QMimeData) -> bool:
        """What a drop or a paste does: files/folders, else an image, else text. True if anything opened."""
        paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
        if paths:
            self.open_paths(paths)
            return True
        if mime.hasImage():
            image = QImage(mime.imageData())
            if not image.isNull():
                self.add_image_bytes(image_to_png(image), "Pasted image")
                return True
        if mime.hasText() and mime.text().strip():
            self.add_text(mime.text())
            return True
        return False

    def open_paths(self, paths: list[Path]) -> None:
        files: list[Path] = []
        for path in paths:
            files.extend(expand_folders([path]))
        if not files:
            self.banner.show_message("No images found there (png, jpg, webp, bmp, gif, tiff).", "info")
            return
        items = [self._new_item(f, f.name) for f in files]
        self._scan(items)
        self._enqueue(items, first=len(items) == 1)
        if len(items) == 1 or self.triage.current() is None:
            self.triage.select(items[0].key)

    def open_folder(self, folder: str | Path) -> None:
        self.open_paths([Path(folder)])

    def add_image_bytes(self, data: bytes, name: str) -> QueueItem:
        item = self._new_item(data, name, sha256_bytes(data))
        item.thumbnail = make_thumbnail(data)
        self._restore(item)
        self._enqueue([item], first=True)
        self.triage.select(item.key)
        return item

    def add_text(self, text: str) -> QueueItem:
        one_line = " ".join(text.split())
        item = self._new_item(text, one_line[:40] + ("…" if len(one_line) > 40 else ""), sha256_text(text))
        item.text = text
        self._restore(item)
        self._enqueue([item], first=True)
        self.triage.select(item.key)
        return item

    def _new_item(self, source, name: str, sha256: str | None = None) -> QueueItem:
        item = QueueItem(self._next_key, source, name, sha256=sha256)
        self._next_key += 1
        self.triage.add(item)
        return item

    def _scan(self, items: list[QueueItem]) -> None:
        """Hash and thumbnail files in a worker; restores logged decisions as hashes arrive."""
        jobs = [(item.key, item.source) for item in items]

        def scan(ctx: TaskContext):
            for key, path in jobs:
                try:
                    ctx.emit((key, sha256_file(path), make_thumbnail(path)))
                except OSError:
                    ctx.emit((key, None, None))

        self.pool.start(scan, on_yield=self._scanned, name="scan")

    def _scanned(self, value) -> None:
        key, sha, thumbnail = value
        item = self.triage.items.get(key)
        if item is None:
            return
        item.thumbnail = thumbnail
        if sha and not item.sha256:
            item.sha256 = sha
            self._restore(item)
        self.triage.refresh(item)

    def _restore(self, item: QueueItem) -> None:
        state = self.states.get(item.sha256) if item.sha256 else None
        if state is not None:
            item.decision, item.note = state.decision, state.note
        self.triage.refresh(item)
        self._update_status()

    # ----- analysis (AnalysisQueue runs it; these slots show what comes back) ---------------
    def _enqueue(self, items: list[QueueItem], first: bool = False) -> None:
        self.analysis.enqueue(items, first)

    def _item_changed(self, item: QueueItem) -> None:
        self.triage.refresh(item)
        self._update_status()

    def _analysed(self, item: QueueItem) -> None:
        self.triage.refresh(item)
        self.item_analysed.emit(item)
        if self.triage.current() is item:
            self._show_item(item.key)
            if self.settings.auto_explain:
                self.explain_current()

    def _analysis_failed(self, item: QueueItem, exc: BaseException) -> None:
        item.error = describe_error(exc)
        self.triage.refresh(item)
        self.report(exc, item.name)
        self.item_analysed.emit(item)
        if self.triage.current() is item:
            self._show_item(item.key)

    def reanalyze_text(self, text: str) -> None:
        """Re-classify the current item's text as edited (no new OCR)."""
        item = self.triage.current()
        if item is None:
            if text.strip():
                self.add_text(text)
            return
        item.text, item.text_edited, item.engine = text, True, ""
        if not item.is_image:
            item.source = text
        self._enqueue([item], first=True)

    def reread_with_engine(self, engine: str) -> None:
        item = self.triage.current()
        if item is None or not item.is_image:
            return
        item.engine, item.text_edited = engine, False
        self._enqueue([item], first=True)

    def cancel_work(self) -> None:
        """Stop queued and running analyses and explanations (the items can be re-analysed)."""
        self.analysis.cancel()

    # ----- showing an item ----------------------------------------------------------------
    def _show_item(self, key: int) -> None:
        item = self.triage.items[key]
        image = None
        if item.is_image:
            if isinstance(item.source, bytes):
                image = QImage.fromData(item.source)
            else:
                reader = QImageReader(str(item.source))
                reader.setAutoTransform(True)
                image = reader.read()
        if not item.is_image:
            self.image_view.placeholder = "Text item: no image"
        elif image is None or image.isNull():
            self.image_view.placeholder = f"Cannot preview {item.name}"
        else:
            self.image_view.placeholder = DROP_HINT
        self.image_view.set_image(image, item.ocr.boxes if item.ocr is not None else None)
        self.ocr_panel.show_item(item.text, item.ocr, item.engine, item.is_image)
        if item.analysis is not None:
            self.result_panel.set_prediction(item.analysis.prediction, bool(getattr(item.analysis, "truncated", False)))
        else:
            self.result_panel.clear({"error": item.error}.get(item.status, f"{item.name}: {item.status}…"))
        if item.explanation is not None:
            self.explain_panel.set_explanation(item.explanation)
        else:
            self.explain_panel.clear()
        self._update_status()

    # ----- explanation --------------------------------------------------------------------
    def explain_current(self) -> None:
        item = self.triage.current()
        if item is not None and self.explain_panel.available:
            if self.analysis.explain(item, self.settings.lime_samples):
                self.explain_panel.set_busy(True)

    def _explained(self, item: QueueItem) -> None:
        if self.triage.current() is item:
            self.explain_panel.set_explanation(item.explanation)
        self.explanation_ready.emit(item)

    def _explain_failed(self, exc: BaseException) -> None:
        if isinstance(exc, (NotImplementedError, ImportError)):
            self.explain_panel.set_unavailable(str(exc) or "the explain module is not installed")
        else:
            self.explain_panel.clear("The explanation failed; see the message above.")
            self.report(exc, "Explanation")

    # ----- decisions ----------------------------------------------------------------------
    def _open_log(self) -> None:
        if self.log is not None:
            self.log.close()
        try:
            self.log = ReviewLog(self.settings.review_log_path)
            self.states = self.log.states()
        except Exception as exc:  # noqa: BLE001 - a bad path must not stop the app
            self.log, self.states = None, {}
            self.banner.show_message(
                f"Cannot open the review log {self.settings.review_log_path}: {exc}. "
                "Choose another file in Settings ▸ Review log file.", "error", ("Settings…", self.open_settings))
            return
        for item in self.triage.items.values():
            item.decision = item.note = None
            self._restore(item)

    def _ensure_hash(self, item: QueueItem) -> str:
        if item.sha256 is None:
            item.sha256 = sha256_file(item.source)
        return item.sha256

    def decide(self, decision: str, note: str | None = None) -> None:
        """Log a verdict (or a note) for the current item; a verdict moves on to the next undecided item."""
        item = self.triage.current()
        if item is None:
            return
        if self.log is None:
            self.banner.show_message("No review log is open: decisions are not being saved. "
                                     "Choose a file in Settings ▸ Review log file.", "error",
                                     ("Settings…", self.open_settings))
            return
        try:
            sha = self._ensure_hash(item)
        except OSError as exc:
            self.report(exc, item.name)
            return
        bundle = getattr(getattr(self.moderator, "classifier", None), "bundle_id", None)
        entry = self.log.record(
            sha, decision, path=item.source if isinstance(item.source, Path) else "", note=note,
            ocr_text=item.text or None, probabilities=item.probabilities(), bundle_id=bundle,
        )
        self._undo.append((entry.id, item.key))
        self._apply_state(item)
        self.decision_recorded.emit(entry)
        if decision != "note":
            self.triage.next_undecided()

    def add_note(self, text: str | None = None) -> None:
        item = self.triage.current()
        if item is None:
            return
        if text is None:
            text, ok = QInputDialog.getMultiLineText(self, "Note", f"Note for {item.name}:", item.note or "")
            if not ok:
                return
        self.decide("note", note=text)

    def undo(self) -> None:
        """Cancel this session's latest decision (an `undo` row; nothing is deleted) and go back to it."""
        if not self._undo or self.log is None:
            self.banner.show_message("Nothing to undo in this session.", "info")
            return
        entry_id, key = self._undo.pop()
        entry = self.log.undo(entry_id)
        item = self.triage.items.get(key)
        if item is not None:
            self._apply_state(item)
            self.triage.select(key)
        self.decision_recorded.emit(entry)

    def _apply_state(self, item: QueueItem) -> None:
        state = self.log.state(item.sha256)
        self.states[item.sha256] = state
        item.decision, item.note = state.decision, state.note
        for other in self.triage.items.values():  # duplicates share a hash, and a verdict
            if other is not item and other.sha256 == item.sha256:
                other.decision, other.note = state.decision, state.note
                self.triage.refresh(other)
        self.triage.refresh(item)
        self._update_status()

    def export_log(self, fmt: str, path: str | None = None) -> None:
        if self.log is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, f"Export review log ({fmt.upper()})",
                                                  f"review_log.{fmt}", f"{fmt.upper()} (*.{fmt})")
            if not path:
                return
        rows = (export_csv if fmt == "csv" else export_jsonl)(self.log, path)
        self.banner.show_message(f"Exported {rows} log rows to {path}.", "info")

    # ----- dialogs ------------------------------------------------------------------------
    def about_text(self) -> str:
        lines = [f"<b>{TITLE}</b>", "Offline review of Bangla memes, screenshots and text for hate speech."]
        if self.moderator is not None and hasattr(self.moderator, "info"):
            info = self.moderator.info()
            bundle = info.get("bundle", {})
            lines += [f"Model: {bundle.get('id')} ({bundle.get('path')})", f"Device: {info.get('device')}",
                      f"OCR engines: {info.get('ocr')}",
                      f"banglahate_gui {info.get('banglahate_gui')} · torch {info.get('torch')} · "
                      f"transformers {info.get('transformers')} · Python {info.get('python')}"]
        lines.append(f"Review log: {self.settings.review_log_path}")
        return "<br>".join(html.escape(line) if i else line for i, line in enumerate(lines))

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {TITLE}", self.about_text())

    def open_files_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open images", "",
                                                "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)")
        if files:
            self.open_paths([Path(f) for f in files])

    def open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of memes")
        if folder:
            self.open_folder(folder)

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.apply_settings(dialog.values())

    def apply_settings(self, new: AppSettings) -> None:
        old, self.settings = self.settings, new
        new.save(self.store)
        if new.review_log_path != old.review_log_path:
            self._undo.clear()
            self._open_log()
        self.analysis.force_engine = new.force_engine
        if (new.bundle, new.device, new.ocr_threshold) != (old.bundle, old.device, old.ocr_threshold):
            self.banner.dismiss()
            self.load_model()

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
        loading = self.moderator is None and bool(self.pool.active)
        busy = loading or self.analysis.busy
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy and self.moderator is not None)
        if not busy:
            self.progress_label.clear()
        if self.explain_panel.busy and not self.analysis.explaining:
            self.explain_panel.set_busy(False)
            if self.explain_panel.explanation is None and self.explain_panel.available:
                self.explain_panel.clear()
        self._update_status()

    def _update_status(self) -> None:
        if self.moderator is not None:
            self.model_label.setText(self.model_description())
        c = self.triage.counts()
        self.queue_label.setText(
            f"Queue: {c['items']} items · {c['waiting']} waiting · {c['decided']} decided"
            + (f" · {c['errors']} errors" if c["errors"] else "")
        )

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.cancel_work()
        self.pool.wait(3000)
        if self.log is not None:
            self.log.close()
            self.log = None
        super().closeEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(1400, 880)
