"""Triage a folder: queue fills and sorts as items are analysed; keyboard decisions go to the log
at once, survive closing the window and come back (by content hash) when the folder is reopened."""

from __future__ import annotations

import os
import shutil

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from app_helpers import make_folder  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from banglahate_gui.app import decisions as decisions_module  # noqa: E402
from banglahate_gui.app.main_window import MainWindow  # noqa: E402
from banglahate_gui.review import ReviewLog, sha256_file  # noqa: E402

TIMEOUT = 180_000


@pytest.fixture(scope="module")
def moderator(tiny_bundle):
    from banglahate_gui.pipeline import Moderator

    return Moderator.load(tiny_bundle, device="cpu")


def open_window(qtbot, tmp_path, moderator) -> MainWindow:
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(store, lambda s: moderator,
                        {"review_log": str(tmp_path / "log.sqlite3"), "force_engine": "tesseract",
                         "analysis_cache": str(tmp_path / "cache.sqlite")})
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    return window


def all_analysed(window: MainWindow) -> bool:
    items = window.session.items.values()
    return bool(items) and all(i.status in ("done", "error") and i.sha256 for i in items)


def press(qtbot, window: MainWindow, key, modifier=Qt.KeyboardModifier.NoModifier):
    with qtbot.waitSignal(window.decision_recorded, timeout=5000) as signal:
        QTest.keyClick(window.queue.list, key, modifier)
    return signal.args[0]


def test_folder_triage_keyboard_decisions_survive_reopen(qtbot, tmp_path, moderator, monkeypatch):
    folder = tmp_path / "memes"
    paths = make_folder(folder, 5)
    window = open_window(qtbot, tmp_path, moderator)
    window.open_folder(folder)
    assert len(window.session.items) == 5  # listed at once, analysed in the background
    qtbot.waitUntil(lambda: all_analysed(window), timeout=TIMEOUT)
    errors = [i.error for i in window.session.items.values() if i.status != "done"]
    assert not errors

    shown = window.queue.ordered()
    probs = [window.session.probability(i, "binary", "hate") for i in shown]
    assert probs == sorted(probs, reverse=True)  # highest hate probability first
    assert all(not i.thumbnail.isNull() for i in shown)

    window.queue.select(shown[0].key)
    window.queue.list.setFocus()
    assert press(qtbot, window, Qt.Key.Key_A).decision == "approve"
    assert window.queue.current() is shown[1]  # a verdict moves on
    assert press(qtbot, window, Qt.Key.Key_R).decision == "remove"
    assert press(qtbot, window, Qt.Key.Key_E).decision == "escalate"
    QTest.keyClick(window.queue.list, Qt.Key.Key_K)  # back to shown[2]
    assert window.queue.current() is shown[2]
    monkeypatch.setattr(decisions_module.QInputDialog, "getMultiLineText",
                        lambda *a, **k: ("ছবিটা আবার দেখতে হবে", True))
    note = press(qtbot, window, Qt.Key.Key_N)
    assert note.decision == "note" and note.sha256 == shown[2].sha256
    QTest.keyClick(window.queue.list, Qt.Key.Key_J)
    assert window.queue.current() is shown[3]
    press(qtbot, window, Qt.Key.Key_R)
    undo = press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert undo.decision == "undo" and window.queue.current() is shown[3] and shown[3].decision is None
    assert "3 decided" in window.queue_label.text()

    expected = {
        shown[0].sha256: ("approve", None),
        shown[1].sha256: ("remove", None),
        shown[2].sha256: ("escalate", "ছবিটা আবার দেখতে হবে"),
    }
    with ReviewLog(tmp_path / "log.sqlite3") as log:  # written already, while the window is open
        rows = log.entries()
        assert [r.decision for r in rows] == ["approve", "remove", "escalate", "note", "remove", "undo"]
        assert rows[0].path == str(shown[0].source) and rows[0].sha256 == sha256_file(shown[0].source)
        assert rows[0].ocr_text == shown[0].text and rows[0].bundle_id == moderator.classifier.bundle_id
        assert rows[0].probabilities["binary"]["hate"] == pytest.approx(probs[0])
        assert {h: (s.decision, s.note) for h, s in log.states().items() if s.decision} == expected
    window.close()

    # Reopen from another place: decisions follow the content, not the path.
    moved = tmp_path / "moved"
    shutil.copytree(folder, moved)
    window = open_window(qtbot, tmp_path, moderator)
    window.open_folder(moved)
    qtbot.waitUntil(lambda: all(i.sha256 for i in window.session.items.values()), timeout=TIMEOUT)
    restored = {i.sha256: (i.decision, i.note) for i in window.session.items.values() if i.decision}
    assert restored == expected
    assert {sha256_file(p) for p in paths} == {i.sha256 for i in window.session.items.values()}
    qtbot.waitUntil(lambda: all_analysed(window), timeout=TIMEOUT)
    assert "3 decided" in window.queue_label.text()


def test_arrival_order_and_export(qtbot, tmp_path, moderator):
    folder = tmp_path / "memes"
    make_folder(folder, 3)
    window = open_window(qtbot, tmp_path, moderator)
    window.open_folder(folder)
    qtbot.waitUntil(lambda: all_analysed(window), timeout=TIMEOUT)
    window.queue.sort_mode.setCurrentIndex(window.queue.sort_mode.findData("arrival"))
    assert [i.name for i in window.queue.ordered()] == ["meme_0.png", "meme_1.png", "meme_2.png"]
    window.queue.select(window.queue.ordered()[1].key)
    press(qtbot, window, Qt.Key.Key_E)
    window.decisions.export("csv", str(tmp_path / "out.csv"))
    window.decisions.export("jsonl", str(tmp_path / "out.jsonl"))
    assert "meme_1.png" in (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert '"escalate"' in (tmp_path / "out.jsonl").read_text(encoding="utf-8")
    assert "Exported 1 log rows" in window.banner.label.text()
