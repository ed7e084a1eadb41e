"""The main window on the tiny bundle: drop an image, paste text, explain, errors, responsiveness."""

from __future__ import annotations

import html
import os
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from app_helpers import MEME_TEXTS, make_meme, open_window  # noqa: E402
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent, QGuiApplication  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from banglahate_gui.app.main_window import MainWindow, load_moderator  # noqa: E402
from banglahate_gui.app.settings import AppSettings  # noqa: E402
from banglahate_gui.model import predictions_from_proba  # noqa: E402
from banglahate_gui.pipeline import Analysis  # noqa: E402

TIMEOUT = 120_000  # ms; OCR and inference share two CPU cores with other jobs in CI


@pytest.fixture(scope="module")
def moderator(tiny_bundle):
    from banglahate_gui.pipeline import Moderator

    return Moderator.load(tiny_bundle, device="cpu")


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(factory, **overrides) -> MainWindow:
        return open_window(qtbot, tmp_path, factory, **overrides)

    return make


def drop(window: MainWindow, *paths: Path) -> None:
    """Deliver a real QDropEvent carrying file URLs to the window's drop handler."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(200, 200), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def shown_probabilities(window: MainWindow, task: str) -> dict[str, float]:
    return {label: bar.value() / 1000 for label, (bar, _pct, _name) in window.result_panel.boxes[task].rows.items()}


def test_drop_image_fills_result_panel_and_ocr(qtbot, make_window, moderator, tmp_path):
    image = make_meme(tmp_path / "meme.png", MEME_TEXTS[0])
    window = make_window(lambda s: moderator)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT) as signal:
        drop(window, image)
    item = signal.args[0]
    assert item.status == "done", item.error
    analysis = item.analysis
    assert analysis.ocr is not None and analysis.ocr.text.strip()
    assert window.ocr_panel.text.toPlainText() == analysis.ocr.text
    assert html.escape(analysis.ocr.gate_reason) in window.ocr_panel.gate.text()
    gate = window.ocr_panel.gate.text()
    names = {"easyocr": "EasyOCR", "tesseract": "Tesseract"}
    assert f"read by <b>{names[analysis.ocr.engine]}</b>" in gate
    for r in analysis.ocr.readings:  # every reading: engine, recognizer when known, confidence
        assert f"{names[r.engine]}{f' ({r.model})' if r.model else ''} {r.confidence:.2f}" in gate
    assert window.image_view.image is not None and window.image_view.boxes == analysis.ocr.boxes
    for task, pred in analysis.prediction.tasks.items():
        shown = shown_probabilities(window, task)
        assert shown == pytest.approx(pred.probabilities, abs=1e-3)
        assert window.result_panel.boxes[task].top_label == pred.label
    hateful = analysis.prediction.tasks["binary"].label == "hate"
    assert window.result_panel.is_emphasised("type") == hateful
    assert ("conditional on hate" in window.result_panel.boxes["severity"].title()) == (not hateful)
    assert "1 items" in window.queue_label.text()


def test_paste_text_classifies_without_ocr(qtbot, make_window, moderator):
    window = make_window(lambda s: moderator)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    text = "এই নেতারা সব চোর, দেশটা শেষ করে দিল"
    QGuiApplication.clipboard().setText(text)
    window.queue.list.setFocus()
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT) as signal:
        QTest.keyClick(window.queue.list, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    item = signal.args[0]
    assert item.status == "done", item.error
    assert item.analysis.ocr is None and not item.is_image
    assert item.analysis.text == text
    assert item.analysis.prediction == moderator.classify([text])[0]
    assert window.ocr_panel.text.toPlainText() == text
    assert not window.ocr_panel.engine.isEnabled()
    assert set(window.result_panel.boxes) == {"binary", "type", "target", "severity"}


def test_edited_text_is_reclassified_and_logged(qtbot, make_window, moderator, tmp_path):
    window = make_window(lambda s: moderator, force_engine="tesseract")
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT):
        drop(window, make_meme(tmp_path / "m.png", MEME_TEXTS[2], 2))
    item = window.queue.current()
    first_ocr = item.ocr
    assert first_ocr.engine == "tesseract" and "forced" in first_ocr.gate_reason
    recorded = []
    window.decision_recorded.connect(recorded.append)
    window.ocr_panel.text.setFocus()
    QTest.keyClicks(window.ocr_panel.text, "arenjk")  # typing in the text box is typing, not deciding
    assert recorded == [] and "arenjk" in window.ocr_panel.text.toPlainText()
    edited = "সম্পাদিত লেখা: তুই একটা বাজে লোক"
    window.ocr_panel.text.setPlainText(edited)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT):
        qtbot.mouseClick(window.ocr_panel.reanalyze, Qt.MouseButton.LeftButton)
    assert item.analysis.ocr is first_ocr and item.ocr is first_ocr  # the image reading is kept
    assert item.text == edited and window.ocr_panel.text.toPlainText() == edited
    assert item.analysis.prediction == moderator.classify([edited])[0]
    with qtbot.waitSignal(window.decision_recorded) as signal:
        QTest.keyClick(window.queue.list, Qt.Key.Key_R)
    entry = signal.args[0]
    assert entry.ocr_text == edited and entry.decision == "remove"
    assert entry.probabilities["binary"] == pytest.approx(item.analysis.prediction.tasks["binary"].probabilities)
    assert entry.bundle_id == moderator.classifier.bundle_id


def test_explain_panel_highlights_words(qtbot, make_window, moderator):
    window = make_window(lambda s: moderator, lime_samples=60)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT):
        window.add_text(MEME_TEXTS[5])
    with qtbot.waitSignal(window.explanation_ready, timeout=TIMEOUT):
        qtbot.mouseClick(window.explain_panel.button, Qt.MouseButton.LeftButton)
    panel = window.explain_panel
    assert set(panel.explanation.tasks) == {"binary", "type", "target", "severity"}
    assert "background-color" in panel.view.toHtml()
    words = panel.explanation.tasks["binary"].words
    assert words and words[0].word in panel.view.toPlainText()
    assert panel.top_words.text().startswith("Top words:")
    panel.task.setCurrentIndex(panel.task.findData("severity"))
    assert panel.explanation.tasks["severity"].label.replace("_", " ") in panel.summary.text()


def test_explain_unavailable_is_said_plainly(qtbot, make_window, moderator, monkeypatch):
    def not_built(*args, **kwargs):
        raise NotImplementedError("LIME explanations are not built yet")

    monkeypatch.setattr(moderator, "explain", not_built)
    window = make_window(lambda s: moderator)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT):
        window.add_text(MEME_TEXTS[1])
    window.explain_current()
    qtbot.waitUntil(lambda: not window.explain_panel.available, timeout=TIMEOUT)
    assert "unavailable" in window.explain_panel.summary.text()
    assert not window.explain_panel.button.isEnabled()


def test_corrupt_image_shows_banner_and_keeps_going(qtbot, make_window, moderator, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n this is not really a png")
    window = make_window(lambda s: moderator)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT) as signal:
        drop(window, bad)
    assert signal.args[0].status == "error"
    assert window.banner.isVisible() and "broken.png" in window.banner.label.text()
    assert "1 errors" in window.queue_label.text()
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT) as signal:
        window.add_text(MEME_TEXTS[4])  # the app still works
    assert signal.args[0].status == "done"
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.banner.isVisible()


def test_missing_bundle_says_what_to_do(qtbot, make_window, tmp_path):
    window = make_window(load_moderator, bundle=str(tmp_path / "no-such-bundle"))
    assert window.isVisible()  # the window is up before the model
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=TIMEOUT)
    assert "Settings" in window.banner.label.text()
    assert window.banner.action.text() == "Settings…"
    assert window.model_label.text() == "No model"


class SlowModerator:
    """Stands in for the Moderator only to make analysis deliberately slow."""

    device = "cpu"
    bundle_path = "slow"
    classifier = SimpleNamespace(bundle_id="slow@0")

    def __init__(self, seconds: float):
        self.seconds = seconds

    def analyze_text(self, text, source="text"):
        time.sleep(self.seconds)
        proba = {n: np.full((1, k), 1.0 / k) for n, k in (("binary", 2), ("type", 5), ("target", 5), ("severity", 4))}
        proba["binary"] = np.array([[0.2, 0.8]])
        prediction = predictions_from_proba([text], proba)[0]
        return Analysis(source, text, text, False, prediction, "slow@0")


def test_ui_stays_responsive_during_slow_load_and_analysis(qtbot, make_window):
    def slow_factory(settings):
        time.sleep(0.8)
        return SlowModerator(1.5)

    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    window = make_window(slow_factory)
    assert window.model_label.text() == "Loading model…"
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=10_000)
    start = time.perf_counter()
    with qtbot.waitSignal(window.item_analysed, timeout=10_000) as signal:
        window.add_text("ধীর বিশ্লেষণ")
        assert window.cancel_button.isVisible()
    timer.stop()
    assert time.perf_counter() - start >= 1.4
    assert signal.args[0].status == "done"
    during = [t for t in ticks if t >= start]
    gaps = np.diff(during)
    assert len(during) >= 20 and gaps.max() < 0.5, (len(during), gaps.max())


def test_cancel_discards_a_running_analysis(qtbot, make_window):
    window = make_window(lambda s: SlowModerator(1.0))
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=10_000)
    item = window.add_text("বাতিল করা হবে")
    window.add_text("পরের লেখা")
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    window.pool.wait(5000)
    qtbot.wait(50)
    assert item.analysis is None and item.status == "cancelled"
    assert all(i.status == "cancelled" for i in window.session.items.values())


def test_settings_persist_in_qsettings(tmp_path):
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    chosen = AppSettings(bundle="/models/b", device="cpu", ocr_threshold=0.7, force_engine="tesseract",
                         ocr_preprocess="upscale+otsu", ocr_recognizer="builtin", lime_samples=300, auto_explain=True, review_log=str(tmp_path / "r.sqlite3"))
    chosen.save(store)
    again = AppSettings.load(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert again == chosen
    assert AppSettings.load(QSettings(str(tmp_path / "empty.ini"), QSettings.Format.IniFormat)) == AppSettings()


def test_paste_clipboard_image_is_read_with_ocr(qtbot, make_window, moderator, tmp_path):
    from PySide6.QtGui import QImage

    window = make_window(lambda s: moderator, force_engine="tesseract")
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    QGuiApplication.clipboard().setImage(QImage(str(make_meme(tmp_path / "shot.png", MEME_TEXTS[1], 1))))
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT) as signal:
        window.actions_by_name["paste"].trigger()
    item = signal.args[0]
    assert item.status == "done", item.error
    assert isinstance(item.source, bytes) and item.sha256 and not item.thumbnail.isNull()
    assert item.analysis.ocr is not None and item.analysis.ocr.engine == "tesseract"
    assert "আজকের" in item.text
    assert window.image_view.image is not None


def test_entry_point_names_and_about(qtbot, make_window, moderator):
    from banglahate_gui.app.main import create_app, main

    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    app = create_app()
    assert app.applicationName() == "BanglaHate Moderator" and app.organizationName() == "BanglaHate"
    assert not app.windowIcon().isNull()
    window = make_window(lambda s: moderator)
    assert window.windowTitle() == "BanglaHate Moderator"
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    about = window.about_text()
    assert moderator.classifier.bundle_id in about and "tesseract" in about.lower()


def test_empty_ocr_asks_for_text_then_reanalyze_works(qtbot, make_window, moderator, tmp_path):
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), "white").save(blank)
    window = make_window(lambda s: moderator, force_engine="tesseract")
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT) as signal:
        drop(window, blank)
    item = signal.args[0]
    assert item.status == "error" and item.analysis is None
    assert "Re-analyze" in window.banner.label.text()
    window.ocr_panel.text.setPlainText(MEME_TEXTS[0])
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT):
        qtbot.mouseClick(window.ocr_panel.reanalyze, Qt.MouseButton.LeftButton)
    assert item.status == "done" and item.analysis.text == MEME_TEXTS[0]
