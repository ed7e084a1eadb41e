"""The moderator's day (issue 16): one test per numbered finding, the four bugs of item 9, a locked
log, and a keyboard-only pass (filter, decide, group-decide, undo, note, reason, export)."""

from __future__ import annotations

import csv
import os
import sqlite3
import threading
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from app_helpers import MEME_TEXTS, ScriptedModerator, hate_script, make_folder, make_meme, open_window  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from banglahate_gui.app import decisions as decisions_module  # noqa: E402
from banglahate_gui.app import main_window as main_window_module  # noqa: E402
from banglahate_gui.app.dialogs import about_html  # noqa: E402
from banglahate_gui.app.main_window import MainWindow  # noqa: E402
from banglahate_gui.app.settings import AppSettings  # noqa: E402
from banglahate_gui.cache import AnalysisCache  # noqa: E402
from banglahate_gui.review import ReviewLog, TaskPolicy  # noqa: E402
from banglahate_gui.review.verdict import Policy  # noqa: E402
from banglahate_gui.review.remember import image_key  # noqa: E402

TIMEOUT = 120_000
NO = Qt.KeyboardModifier.NoModifier
SHIFT, CTRL = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier
CAPTION = "এই নেতারা সব চোর"
SCRIPTS = {
    CAPTION: hate_script(0.92, type_=4, target=3),  # others / group: common in training
    CAPTION + "!!": hate_script(0.88, type_=4, target=3),  # same caption: grouped
    "সবাইকে ঈদের শুভেচ্ছা": {"binary": [0.95, 0.05]},
    "খেলাটা ভালো ছিল না": {"binary": [0.483, 0.517]},  # inside the uncertain band
    "মেয়েরা কিছুই পারে না": hate_script(0.9, type_=3, target=4),  # gender + others: rare in training
}


@pytest.fixture(scope="module")
def moderator(tiny_bundle):
    from banglahate_gui.pipeline import Moderator

    return Moderator.load(tiny_bundle, device="cpu")


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(factory, store_path: Path | None = None, **overrides) -> MainWindow:
        window = open_window(qtbot, tmp_path, factory, store_path, **overrides)
        window.activateWindow()
        assert QTest.qWaitForWindowActive(window)
        window.queue.list.setFocus()  # a moderator starts in the queue
        return window

    return make


def scripted_window(qtbot, make_window, texts=tuple(SCRIPTS), **overrides) -> tuple[MainWindow, ScriptedModerator]:
    fake = ScriptedModerator(SCRIPTS)
    window = make_window(lambda s: fake, **overrides)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    for text in texts:
        window.add_text(text)
    qtbot.waitUntil(lambda: all(i.status == "done" for i in window.session.items.values()), timeout=TIMEOUT)
    return window, fake


def item_named(window: MainWindow, text: str):
    return next(i for i in window.session.items.values() if i.text == text)


def key(window: MainWindow, k, modifier=NO, widget=None) -> None:
    QTest.keyClick(widget or window.queue.list, k, modifier)


# ----- finding 1: no decision on an item that is still waiting -------------------------------------
def test_1_decision_on_a_waiting_item_is_refused_and_nothing_logged(qtbot, make_window, tmp_path):
    release = threading.Event()
    fake = ScriptedModerator(SCRIPTS)
    window = make_window(lambda s: (release.wait(30), fake)[1])  # the model is still loading
    item = window.add_text(CAPTION)
    assert item.status == "pending"
    recorded = []
    window.decision_recorded.connect(recorded.append)
    key(window, Qt.Key.Key_R)
    assert recorded == [] and item.decision is None
    assert "still waiting to be analysed" in window.banner.label.text()
    release.set()
    qtbot.waitUntil(lambda: item.status == "done", timeout=TIMEOUT)
    with qtbot.waitSignal(window.decision_recorded):
        key(window, Qt.Key.Key_R)
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        [row] = log.entries()
    assert row.decision == "remove" and row.ocr_text == CAPTION and row.probabilities["binary"]["hate"] > 0.9


# ----- finding 2: remembered analyses -----------------------------------------------------------------
class Counting:
    """Wraps the real Moderator and counts OCR / model calls."""

    def __init__(self, inner):
        self.inner, self.calls = inner, []
        self.classifier, self.device, self.bundle_path = inner.classifier, inner.device, inner.bundle_path

    def analyze_image(self, *args, **kwargs):
        self.calls.append(("image", args[0]))
        return self.inner.analyze_image(*args, **kwargs)

    def analyze_text(self, *args, **kwargs):
        self.calls.append(("text", args[0]))
        return self.inner.analyze_text(*args, **kwargs)


def test_2_reopened_folder_shows_remembered_results_renamed_reused_edited_reanalysed(
        qtbot, make_window, moderator, tmp_path):
    folder = tmp_path / "memes"
    paths = make_folder(folder, 3)
    counting = Counting(moderator)
    window = make_window(lambda s: counting, force_engine="tesseract")
    window.open_folder(folder)
    qtbot.waitUntil(lambda: len(window.session.items) == 3 and all(
        i.status == "done" for i in window.session.items.values()), timeout=TIMEOUT)
    assert len(counting.calls) == 3
    # the moderator corrects one OCR text and re-analyses it (no decision made)
    first = next(i for i in window.session.items.values() if i.name == "meme_0.png")
    window.queue.select(first.key)
    corrected = "সংশোধিত লেখা: " + MEME_TEXTS[0]
    window.ocr_panel.text.setPlainText(corrected)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT):
        qtbot.mouseClick(window.ocr_panel.reanalyze, Qt.MouseButton.LeftButton)
    assert first.text == corrected and first.analysis.ocr is not None
    window.close()

    paths[1].rename(folder / "renamed.png")  # same bytes, new name
    make_meme(paths[2], MEME_TEXTS[5], 5)  # same name, new content
    counting.calls.clear()
    window = make_window(lambda s: counting, force_engine="tesseract")
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    window.open_folder(folder)
    qtbot.waitUntil(lambda: all(i.status == "done" for i in window.session.items.values()), timeout=TIMEOUT)
    by_name = {i.name: i for i in window.session.items.values()}
    assert counting.calls == [("image", paths[2])]  # only the edited file was analysed again
    assert by_name["renamed.png"].from_cache and by_name["meme_0.png"].from_cache
    assert not by_name["meme_2.png"].from_cache
    assert by_name["meme_0.png"].text == corrected  # the corrected text persisted
    window.queue.select(by_name["meme_0.png"].key)
    assert window.ocr_panel.text.toPlainText() == corrected


def test_2_fifty_reviewed_memes_reopen_within_two_seconds_without_ocr_or_model(
        qtbot, make_window, moderator, tmp_path):
    from PIL import Image

    from banglahate_gui.hashing import sha256_file

    folder = tmp_path / "fifty"
    folder.mkdir()
    template = moderator.analyze_text(MEME_TEXTS[0], "meme").to_dict()
    ocr_key = image_key(AppSettings(force_engine="tesseract").ocr_config().cache_key(), "tesseract")
    with AnalysisCache(tmp_path / "cache.sqlite") as cache:
        for n in range(50):
            path = folder / f"m{n:02d}.png"
            Image.new("RGB", (400, 300), (n * 5, 100, 200)).save(path)
            cache.put(sha256_file(path), moderator.classifier.bundle_id, ocr_key, {**template, "source": path.name})
    counting = Counting(moderator)
    window = make_window(lambda s: counting, force_engine="tesseract")
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    start = time.perf_counter()
    window.open_folder(folder)
    qtbot.waitUntil(lambda: len(window.session.items) == 50 and all(
        i.status == "done" for i in window.session.items.values()), timeout=10_000)
    elapsed = time.perf_counter() - start
    print(f"re-opened 50 remembered memes in {elapsed:.2f} s")
    assert counting.calls == []
    assert elapsed <= 2.0, f"re-opening 50 remembered memes took {elapsed:.2f} s"


# ----- findings 3 and 4: honest verdicts ------------------------------------------------------------
def test_3_uncertain_band_is_shown_and_thresholds_come_from_settings(qtbot, make_window, tmp_path, monkeypatch):
    window, _ = scripted_window(qtbot, make_window)
    unsure = item_named(window, "খেলাটা ভালো ছিল না")
    window.queue.select(unsure.key)
    verdict = window.result_panel.verdict.text()
    assert "Uncertain" in verdict and "51.7%" in verdict and "uncertain band" in verdict
    assert "Calibrated probability" in verdict  # what the number means
    assert window.result_panel.verdict_status == "uncertain"
    row = window.queue.list.currentItem().text()
    assert "uncertain" in row and "not hate" not in row
    assert "1 uncertain" in window.queue_label.text()
    # a team policy with another band: 0.517 is now a clear "hateful"
    monkeypatch.setattr("banglahate_gui.app.settings.profiles_dir", lambda: tmp_path / "profiles")
    team = Policy("team", {"binary": TaskPolicy(threshold=0.5, low=0.45, high=0.5)})
    window.apply_settings(replace(window.settings, policy=__import__("json").dumps(team.to_dict())))
    window.queue.select(unsure.key)
    assert "Hateful" in window.result_panel.verdict.text() and window.result_panel.verdict_status == "hate"
    from banglahate_gui.app.settings import SettingsDialog

    dialog = SettingsDialog(window.settings, window)
    assert dialog.policy.policy() == team
    assert "calibrated" in dialog.policy.findChild(type(window.result_panel.verdict)).text().lower()
    path = dialog.policy.save_profile("Team Dhaka")
    assert path == tmp_path / "profiles" / "Team_Dhaka.json" and Policy.load(path).tasks == team.tasks
    assert dialog.policy.profiles.findText("Team Dhaka") >= 0


def test_4_rare_auxiliary_combination_is_flagged(qtbot, make_window):
    window, _ = scripted_window(qtbot, make_window, texts=("মেয়েরা কিছুই পারে না", CAPTION))
    window.queue.select(item_named(window, "মেয়েরা কিছুই পারে না").key)
    assert "Unusual combination: type gender + target others" in window.result_panel.verdict.text()
    window.queue.select(item_named(window, CAPTION).key)
    assert "Unusual combination" not in window.result_panel.verdict.text()


def test_insufficient_text_is_shown_as_such_and_sorted_last(qtbot, make_window):
    from banglahate_gui.model.prediction import Prediction, TaskPrediction
    from banglahate_gui.pipeline import Analysis

    window, fake = scripted_window(qtbot, make_window, texts=(CAPTION,))
    empty = Prediction("", {n: TaskPrediction("insufficient_text", None)
                            for n in ("binary", "type", "target", "severity")}, insufficient_text=True)
    original = fake.analyze_text
    fake.analyze_text = lambda text, source="text": (Analysis(source, text, text, False, empty, "scripted@1")
                                                     if text == "হ" else original(text, source))
    item = window.add_text("হ")
    qtbot.waitUntil(lambda: item.status == "done", timeout=TIMEOUT)
    assert "Insufficient text" in window.result_panel.verdict.text()
    assert "insufficient text" in window.queue.list.currentItem().text()
    assert window.queue.ordered()[-1] is item


# ----- finding 5: filters, sorts, groups ----------------------------------------------------------------
def test_5_filters_sorts_and_group_decision(qtbot, make_window, tmp_path):
    window, _ = scripted_window(qtbot, make_window)
    a, b = item_named(window, CAPTION), item_named(window, CAPTION + "!!")
    assert a.group is not None and a.group == b.group  # same caption, different content
    assert item_named(window, "সবাইকে ঈদের শুভেচ্ছা").group is None
    assert "group of 2" in window.queue._rows[a.key].text()
    window.queue.grouped_only.setChecked(True)
    assert set(window.queue.ordered()) == {a, b}
    window.queue.grouped_only.setChecked(False)
    q = window.queue
    q.label_filter.setCurrentIndex(q.label_filter.findData("type:gender"))
    assert [i.text for i in q.ordered()] == ["মেয়েরা কিছুই পারে না"]
    q.label_filter.setCurrentIndex(0)
    q.sort_mode.setCurrentIndex(q.sort_mode.findData("binary:not_hate"))
    assert q.ordered()[0].text == "সবাইকে ঈদের শুভেচ্ছা"
    q.sort_mode.setCurrentIndex(q.sort_mode.findData("type:others"))
    assert {q.ordered()[0], q.ordered()[1]} == {a, b}
    q.select(a.key)
    with qtbot.waitSignals([window.decision_recorded] * 2):
        key(window, Qt.Key.Key_R, SHIFT)
    assert a.decision == b.decision == "remove"
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        rows = log.entries()
    assert {r.sha256 for r in rows} == {a.sha256, b.sha256} and {r.group_id for r in rows} == {a.group}
    q.decision_filter.setCurrentIndex(q.decision_filter.findData("undecided"))
    assert a not in q.ordered() and len(q.ordered()) == 3
    key(window, Qt.Key.Key_Z, CTRL)
    assert a.decision is None and b.decision is None and len(q.ordered()) == 5


# ----- finding 6: zoom, pan, blur --------------------------------------------------------------------
def test_6_zoom_pan_and_blur_until_revealed(qtbot, make_window, tmp_path):
    image = make_meme(tmp_path / "graphic.png", MEME_TEXTS[0], 0, size=(1600, 800))
    fake = ScriptedModerator(SCRIPTS, {"graphic.png": CAPTION})
    window = make_window(lambda s: fake)
    assert window.settings.blur_images  # blurred by default
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.image_shown, timeout=TIMEOUT):
        window.open_paths([image])
    view = window.image_view
    assert view.softened and view.shown_image() != view.image
    key(window, Qt.Key.Key_B)
    assert not view.softened and view.shown_image() is view.image
    key(window, Qt.Key.Key_Plus)
    key(window, Qt.Key.Key_Plus)
    assert view.zoom == pytest.approx(1.5625)
    before = view.image_rect()
    view.pan_by(40, 0)
    assert view.image_rect().x() == pytest.approx(before.x() + 40)
    key(window, Qt.Key.Key_0)
    assert view.zoom == 1.0
    window.apply_settings(replace(window.settings, blur_images=False, greyscale_images=True))
    view.reveal(False)
    assert view.softened and view.shown_image().isGrayscale() and not view.image.isGrayscale()


def test_6_huge_image_is_decoded_scaled_off_the_gui_thread(qtbot, make_window, tmp_path, monkeypatch):
    from PIL import Image

    big = tmp_path / "huge.png"
    Image.new("RGB", (9000, 3000), "#fff3c4").save(big)
    fake = ScriptedModerator(SCRIPTS)
    window = make_window(lambda s: fake)
    threads = []
    from banglahate_gui.app import presenter

    original = presenter.decode_image

    def spy(source):
        threads.append(threading.current_thread() is threading.main_thread())
        return original(source)

    monkeypatch.setattr(presenter, "decode_image", spy)
    with qtbot.waitSignal(window.image_shown, timeout=TIMEOUT):
        window.open_paths([big])
    assert threads == [False]
    assert max(window.image_view.image.width(), window.image_view.image.height()) == 4096
    assert window.image_view.box_scale == pytest.approx(4096 / 9000)


# ----- finding 7: export ----------------------------------------------------------------------------
def test_7_final_decisions_export_is_flat_and_opens_in_the_reviewed_folder(qtbot, make_window, tmp_path,
                                                                          monkeypatch):
    folder = tmp_path / "reviewed"
    make_folder(folder, 2)
    fake = ScriptedModerator(SCRIPTS, {"meme_0.png": CAPTION, "meme_1.png": "সবাইকে ঈদের শুভেচ্ছা"})
    window = make_window(lambda s: fake, moderator_name="rumi")
    window.open_folder(folder)
    qtbot.waitUntil(lambda: all(i.status == "done" and i.sha256 for i in window.session.items.values()),
                    timeout=TIMEOUT)
    window.queue.select(window.queue.ordered()[0].key)
    for k in (Qt.Key.Key_R, Qt.Key.Key_A):
        with qtbot.waitSignal(window.decision_recorded):
            key(window, k)
    key(window, Qt.Key.Key_Z, CTRL)
    with qtbot.waitSignal(window.decision_recorded):
        key(window, Qt.Key.Key_E)
    asked = []
    out = tmp_path / "final.csv"
    monkeypatch.setattr(decisions_module.QFileDialog, "getSaveFileName",
                        lambda parent, title, start, pattern: (asked.append(start), (str(out), pattern))[1])
    key(window, Qt.Key.Key_E, CTRL)
    assert asked == [str(folder / "decisions.csv")]
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["decision"] for r in rows) == ["escalate", "remove"]  # undo rows folded in
    assert {"path", "sha256", "decision", "note", "text", "binary_label", "binary_probability", "type_label",
            "bundle_id", "moderator", "decided_at"} <= set(rows[0])
    assert all(r["moderator"] == "rumi" and r["bundle_id"] == "scripted@1" for r in rows)
    assert not any(v.startswith("{") for r in rows for v in r.values())


# ----- finding 8: About and the shortcuts sheet -----------------------------------------------------
def test_8_about_shows_versions_bundle_and_data_licences(qtbot, make_window, moderator):
    from banglahate_gui.resources import default_bundle_dir

    window = make_window(lambda s: moderator)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    text = window.about_text()
    assert moderator.classifier.bundle_id in text and "{" not in text and "tesseract" in text  # no raw dict
    info = moderator.info()
    assert info["torch"] in text and info["banglahate_gui"] in text
    shipped = about_html(info, "log", default_bundle_dir())
    assert "Training data licences" in shipped and "CC BY-NC-SA 4.0" in shipped and "AGPL-3.0" in shipped
    assert "non-commercial" in shipped and "NOTICE.md" in shipped


@pytest.mark.parametrize("keys", [(Qt.Key.Key_F1, NO), (Qt.Key.Key_Question, NO)])
def test_8_shortcuts_sheet_opens_with_f1_or_question_mark(qtbot, make_window, monkeypatch, keys):
    shown = []
    monkeypatch.setattr(main_window_module.ShortcutsDialog, "exec", lambda self: shown.append(self))
    window = make_window(lambda s: ScriptedModerator(SCRIPTS))
    key(window, *keys)
    assert len(shown) == 1
    table = shown[0].table
    rows = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    assert {("A", "Approve"), ("Shift+R", "Remove the whole group"), ("B", "Reveal / soften the picture")} <= rows


# ----- item 9: the four bugs ----------------------------------------------------------------------------
def test_9_log_records_the_bundle_of_the_analysis_not_the_live_model(qtbot, make_window, tmp_path):
    window, fake = scripted_window(qtbot, make_window, texts=(CAPTION,))
    fake.classifier.bundle_id = "reloaded@2"  # the model changed after the item was scored
    with qtbot.waitSignal(window.decision_recorded) as signal:
        key(window, Qt.Key.Key_R)
    assert signal.args[0].bundle_id == "scripted@1"


def test_9_ocr_settings_apply_without_restart(qtbot, make_window):
    built = []

    def factory(settings):
        built.append(settings)
        return ScriptedModerator(SCRIPTS)

    window = make_window(factory)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    key_before = window.analysis.ocr_key
    window.apply_settings(replace(window.settings, ocr_preprocess="upscale+otsu"))
    qtbot.waitUntil(lambda: len(built) == 2 and window.moderator is not None, timeout=TIMEOUT)
    assert built[-1].ocr_preprocess == "upscale+otsu"
    assert built[-1].ocr_config().preprocess == "upscale+otsu"
    assert window.analysis.ocr_key != key_before  # remembered analyses of the old OCR are not reused


def test_9_command_line_overrides_are_not_saved_by_settings(qtbot, make_window, tmp_path):
    store_path = tmp_path / "persist.ini"
    stored = AppSettings(review_log=str(tmp_path / "team.sqlite3"), device="auto")
    stored.save(QSettings(str(store_path), QSettings.Format.IniFormat))
    window = make_window(lambda s: ScriptedModerator(SCRIPTS), store_path, review_log=str(tmp_path / "once.sqlite3"),
                         bundle=str(tmp_path / "one-run-bundle"), device="cpu")
    assert window.settings.review_log.endswith("once.sqlite3") and window.settings.device == "cpu"
    window.apply_settings(replace(window.settings, lime_samples=123, device="cuda"))
    saved = AppSettings.load(QSettings(str(store_path), QSettings.Format.IniFormat))
    assert saved.lime_samples == 123
    assert saved.review_log == stored.review_log and saved.bundle == ""  # the one-run values stay unsaved
    assert saved.device == "cuda"  # changed in the dialog: the user's choice is saved


def test_9_analyze_with_a_str_naming_an_image_file_is_a_clear_error(moderator, tmp_path):
    from banglahate_gui.errors import EmptyTextError

    image = make_meme(tmp_path / "x.png", MEME_TEXTS[0])
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with pytest.raises(TypeError, match=r"pass Path\('x.png'\) to read the image"):
            moderator.analyze("x.png")
    finally:
        os.chdir(cwd)
    assert moderator.analyze("missing.png").text == "missing.png"  # not a file: it is text
    try:
        read = moderator.analyze(image, engine="tesseract")
    except EmptyTextError:
        pytest.fail("the image was not read")
    assert read.ocr is not None


# ----- a locked log must not freeze the window ------------------------------------------------------
def test_locked_log_keeps_the_window_responsive_and_says_so(qtbot, make_window, tmp_path):
    window, _ = scripted_window(qtbot, make_window, texts=(CAPTION,))
    item = item_named(window, CAPTION)
    other = sqlite3.connect(tmp_path / "log.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # e.g. a batch job holding the write lock
    start = time.perf_counter()
    key(window, Qt.Key.Key_R)
    assert time.perf_counter() - start < 1.0
    assert "locked by another program" in window.banner.label.text() and item.decision is None
    other.execute("ROLLBACK")
    other.close()
    with qtbot.waitSignal(window.decision_recorded):
        key(window, Qt.Key.Key_R)
    assert item.decision == "remove"


def test_read_only_log_refuses_decisions_but_exports(qtbot, make_window, tmp_path, monkeypatch):
    path = tmp_path / "ro.sqlite3"
    with ReviewLog(path) as log:
        log.record("h", "approve")
    os.chmod(path, 0o444)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(path) and mode == os.W_OK
                        else real_access(p, mode))
    window, _ = scripted_window(qtbot, make_window, texts=(CAPTION,), review_log=str(path))
    assert "read-only" in window.banner.label.text()
    key(window, Qt.Key.Key_R)
    assert "read-only" in window.banner.label.text() and item_named(window, CAPTION).decision is None
    assert window.decisions.export("csv", str(tmp_path / "all.csv")) == 1


# ----- keyboard only ------------------------------------------------------------------------------
def test_keyboard_only_pass(qtbot, make_window, tmp_path, monkeypatch):
    window, _ = scripted_window(qtbot, make_window, moderator_name="rumi")
    q = window.queue
    window.activateWindow()
    q.list.setFocus()
    q.list.setCurrentRow(0)
    # filter: Ctrl+F focuses the label filter, arrows choose "type: gender", Ctrl+L back to the queue
    key(window, Qt.Key.Key_F, CTRL)
    assert QApplication.focusWidget() is q.label_filter
    target = q.label_filter.findData("type:gender")
    for _ in range(target):
        key(window, Qt.Key.Key_Down, widget=q.label_filter)
    assert [i.text for i in q.ordered()] == ["মেয়েরা কিছুই পারে না"]
    key(window, Qt.Key.Key_L, CTRL, widget=q.label_filter)
    # a reason code, then decide
    key(window, Qt.Key.Key_C)
    QTest.keyClicks(q.reason, "P-9")
    key(window, Qt.Key.Key_L, CTRL, widget=q.reason)
    with qtbot.waitSignal(window.decision_recorded) as signal:
        key(window, Qt.Key.Key_E)
    assert (signal.args[0].decision, signal.args[0].reason, signal.args[0].moderator) == ("escalate", "P-9", "rumi")
    # clear the filter with the keyboard, then decide a whole group
    key(window, Qt.Key.Key_F, CTRL)
    for _ in range(target):
        key(window, Qt.Key.Key_Up, widget=q.label_filter)
    key(window, Qt.Key.Key_L, CTRL, widget=q.label_filter)
    q.reason.clear()
    key(window, Qt.Key.Key_G)  # duplicate groups only
    assert len(q.ordered()) == 2
    with qtbot.waitSignals([window.decision_recorded] * 2):
        key(window, Qt.Key.Key_R, SHIFT)
    key(window, Qt.Key.Key_G)
    # undo the group decision and redo it
    with qtbot.waitSignals([window.decision_recorded] * 2):
        key(window, Qt.Key.Key_Z, CTRL)
    assert all(i.decision is None for i in window.session.items.values() if i.group)
    with qtbot.waitSignals([window.decision_recorded] * 2):
        key(window, Qt.Key.Key_Z, CTRL | SHIFT)
    # a note (the dialog answers as a person typing would)
    monkeypatch.setattr(decisions_module.QInputDialog, "getMultiLineText", lambda *a, **k: ("দেখা হয়েছে", True))
    with qtbot.waitSignal(window.decision_recorded) as signal:
        key(window, Qt.Key.Key_N)
    assert signal.args[0].note == "দেখা হয়েছে"
    # undecided only (Shift+U), decide the rest with the keyboard
    key(window, Qt.Key.Key_U, SHIFT)
    while q.ordered():
        q.list.setCurrentRow(0)
        with qtbot.waitSignal(window.decision_recorded):
            key(window, Qt.Key.Key_A)
    key(window, Qt.Key.Key_U, SHIFT)
    assert all(i.decision for i in window.session.items.values())
    # export
    out = tmp_path / "keyboard.csv"
    monkeypatch.setattr(decisions_module.QFileDialog, "getSaveFileName", lambda *a: (str(out), "CSV (*.csv)"))
    key(window, Qt.Key.Key_E, CTRL)
    with open(out, encoding="utf-8", newline="") as handle:
        rows = {r["text"]: r for r in csv.DictReader(handle)}
    assert len(rows) == 5
    assert rows["মেয়েরা কিছুই পারে না"]["reason"] == "P-9"
    assert rows[CAPTION]["decision"] == rows[CAPTION + "!!"]["decision"] == "remove"
    assert sum(bool(r["note"]) for r in rows.values()) == 1


# ----- responsiveness under real work -----------------------------------------------------------------
def test_window_stays_responsive_during_real_ocr_lime_and_a_large_image(qtbot, make_window, moderator, tmp_path):
    import numpy as np
    from PIL import Image
    from PySide6.QtCore import QTimer

    rng = np.random.default_rng(0)
    big = tmp_path / "large.png"
    Image.fromarray(rng.integers(0, 255, (5000, 7000, 3), dtype=np.uint8)).save(big, compress_level=1)
    meme = make_meme(tmp_path / "meme.png", MEME_TEXTS[3], 3)
    window = make_window(lambda s: moderator, force_engine="tesseract", lime_samples=2000)  # a load that outlasts 0.5 s on the fast model
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    text_item = window.add_text(" ".join(MEME_TEXTS))  # many words: LIME has many distinct perturbations
    qtbot.waitUntil(lambda: text_item.status == "done", timeout=TIMEOUT)
    large = window.session.add(big, "large.png")  # shown, not analysed: its decode is the load here
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    start = time.perf_counter()
    with qtbot.waitSignals([window.explanation_ready, window.image_shown], timeout=TIMEOUT):
        window.explain_current()  # LIME on the text item
        window.open_paths([meme])  # real OCR (Tesseract) and the model
        window.queue.rebuild()
        window.queue.select(large.key)  # a 35 MP picture: about 0.9 s to decode on this machine
        qtbot.waitUntil(lambda: all(i.status == "done" for i in window.session.items.values() if i is not large),
                        timeout=TIMEOUT)
    timer.stop()
    window.pool.wait(60_000)
    during = [t for t in ticks if t >= start]
    gaps = np.diff(during)
    assert window.image_view.image is not None and window.image_view.box_scale < 1
    assert time.perf_counter() - start > 0.5 and len(during) > 20
    assert gaps.max() < 0.5, f"the GUI thread stalled for {gaps.max():.2f} s"


def test_a_triage_result_opens_as_a_review_queue(qtbot, make_window, tmp_path):
    import json

    folder = tmp_path / "triaged"
    paths = make_folder(folder, 2)
    result = tmp_path / "triage.jsonl"
    result.write_text("".join(json.dumps({"path": str(p), "hate_probability": 0.5}) + "\n" for p in reversed(paths)),
                      encoding="utf-8")
    fake = ScriptedModerator(SCRIPTS, {"meme_0.png": CAPTION, "meme_1.png": "সবাইকে ঈদের শুভেচ্ছা"})
    window = make_window(lambda s: fake)
    window.opener.open_triage_result(result)
    assert [i.name for i in window.session.items.values()] == ["meme_1.png", "meme_0.png"]
    qtbot.waitUntil(lambda: all(i.status == "done" for i in window.session.items.values()), timeout=TIMEOUT)
    window.opener.open_triage_result(tmp_path / "missing.csv")
    assert "Cannot open missing.csv" in window.banner.label.text()


def test_settings_change_keeps_the_analysis_cache_a_running_analysis_uses(qtbot, make_window):
    fake = ScriptedModerator(SCRIPTS)
    window = make_window(lambda s: fake)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    cache = window.analysis.cache
    window.apply_settings(replace(window.settings, moderator_name="rumi", blur_images=False))
    assert window.analysis.cache is cache and len(cache) >= 0  # still open: not closed under a worker
    window.apply_settings(replace(window.settings, remember_analyses=False))
    assert window.analysis.cache is None


def test_policy_editor_accepts_a_low_upper_edge_for_a_multiclass_task(qtbot, tmp_path):
    from banglahate_gui.app.policy_editor import PolicyEditor

    from banglahate_gui.model.schema import TASKS

    editor = PolicyEditor(Policy(), tmp_path / "profiles", tasks=TASKS)
    qtbot.addWidget(editor)
    assert not editor.spins["type"]["threshold"].isEnabled()
    editor.spins["type"]["high"].setValue(0.3)  # the only edge a moderator can change for `type`
    assert editor.policy().task("type").high == pytest.approx(0.3)
