"""The window follows the loaded bundle's task schema: violence bars, per-label toxicity bars with thresholds
from Settings, queue sort/filter and explanations for the new tasks, and a four-task bundle as before."""

from __future__ import annotations

import json
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from app_helpers import open_window  # noqa: E402
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from banglahate_gui.app.main_window import MainWindow  # noqa: E402
from banglahate_gui.app.settings import AppSettings, SettingsDialog  # noqa: E402
from banglahate_gui.model.schema import DEFAULT_TASKS, TASKS, task  # noqa: E402

TIMEOUT = 120_000
TOXICITY_LABELS = task("toxicity", DEFAULT_TASKS).labels


@pytest.fixture
def make_window(qtbot, tmp_path):
    def make(moderator, **overrides) -> MainWindow:
        window = open_window(qtbot, tmp_path, lambda s: moderator, **overrides)
        qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
        return window

    return make


def analysed(qtbot, window: MainWindow, *texts: str):
    items = [window.add_text(t) for t in texts]
    qtbot.waitUntil(lambda: all(i.status == "done" for i in items), timeout=TIMEOUT)
    window.queue.select(items[0].key)
    return items


def choices(box) -> list:
    return [box.itemData(i) for i in range(box.count())]


def test_window_shows_violence_and_independent_toxicity_bars(qtbot, make_window, moderator6, sample_texts):
    window = make_window(moderator6)
    [item] = analysed(qtbot, window, sample_texts[0])
    panel, prediction = window.result_panel, item.analysis.prediction
    violence, toxicity = panel.boxes["violence"], panel.boxes["toxicity"]
    assert violence.isVisible() and toxicity.isVisible() and violence.isEnabled()  # not conditional on hate
    v_probs = prediction.tasks["violence"].probabilities
    assert list(violence.rows) == ["non_violence", "passive", "direct"]
    for label, (bar, pct, _) in violence.rows.items():
        assert bar.value() == round(v_probs[label] * 1000) and bar.threshold is None
        assert pct.text() == f"{v_probs[label]:.1%}"
    assert violence.marked == (max(v_probs, key=v_probs.get),)
    t_probs = prediction.tasks["toxicity"].probabilities
    assert list(toxicity.rows) == list(TOXICITY_LABELS)
    for label, (bar, pct, name) in toxicity.rows.items():  # one bar per label, each with its threshold marker
        assert bar.value() == round(t_probs[label] * 1000) and bar.threshold == 0.5
        assert pct.text().endswith("/ 0.50") and name.text().startswith("✔ ") == (t_probs[label] >= 0.5)
    assert toxicity.marked == tuple(label for label, p in t_probs.items() if p >= 0.5)
    assert "Toxicity" in toxicity.title()
    verdict = window.session.verdict(item)
    row = window.queue.list.currentItem().text()
    assert ("⚠ violence" in row) == (not verdict.tasks["violence"].calm)
    assert ("⚠ toxicity" in row) == bool(verdict.tasks["toxicity"].labels)
    assert ("Also flagged" in panel.verdict.text()) == bool(verdict.flags)
    assert {"violence:direct", "toxicity:insult", "toxicity:vulgar"} <= set(choices(window.queue.sort_mode))
    assert {"violence:passive", "toxicity:threat", "toxicity:none"} <= set(choices(window.queue.label_filter))
    assert {"violence", "toxicity:hate", "toxicity:troll"} <= set(choices(window.explain_panel.task))
    assert "violence, toxicity (multi-label)" in window.about_text()


def test_settings_thresholds_change_the_toxicity_decision_and_persist(qtbot, make_window, moderator6, sample_texts,
                                                                       monkeypatch, tmp_path):
    monkeypatch.setattr("banglahate_gui.app.settings.profiles_dir", lambda: tmp_path / "profiles")
    window = make_window(moderator6)
    items = analysed(qtbot, window, *sample_texts[:4])
    probs = items[0].analysis.prediction.tasks["toxicity"].probabilities
    strong, weak = max(probs, key=probs.get), min(probs, key=probs.get)
    dialog = SettingsDialog(window.settings, window, tasks=window.tasks)
    spins = dialog.policy.label_spins["toxicity"]
    assert list(spins) == list(TOXICITY_LABELS) and all(s.value() == 0.5 for s in spins.values())
    assert "violence" in dialog.policy.spins and "toxicity" not in dialog.policy.spins
    above, below = round(probs[strong] + 0.01, 2), round(probs[weak] - 0.01, 2)
    spins[strong].setValue(above)  # the strongest label no longer passes
    spins[weak].setValue(below)  # the weakest one now does
    window.apply_settings(dialog.values())
    window.queue.select(items[0].key)
    box = window.result_panel.boxes["toxicity"]
    assert box.rows[strong][0].threshold == above and box.rows[weak][0].threshold == below
    assert strong not in box.marked and weak in box.marked
    expected = tuple(label for label, p in probs.items()
                     if p >= {strong: above, weak: below}.get(label, 0.5))
    assert box.marked == expected == window.session.verdict(items[0]).tasks["toxicity"].labels
    stored = AppSettings.load(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert stored.verdict_policy.labels["toxicity"] == {strong: above, weak: below}
    again = SettingsDialog(stored, window, tasks=window.tasks)
    assert again.policy.label_spins["toxicity"][strong].value() == above
    # the queue's label filter follows the same thresholds
    window.queue.label_filter.setCurrentIndex(window.queue.label_filter.findData(f"toxicity:{weak}"))
    shown = {i.key for i in window.queue.ordered()}
    assert shown == {i.key for i in items if weak in window.session.verdict(i).tasks["toxicity"].labels}
    assert items[0].key in shown
    with qtbot.waitSignal(window.decision_recorded) as signal:
        window.queue.select(items[0].key)
        window.decisions.decide("remove")
    assert signal.args[0].labels["toxicity"] == list(expected)


def test_queue_sorts_by_a_toxicity_label(qtbot, make_window, moderator6, sample_texts):
    window = make_window(moderator6)
    analysed(qtbot, window, *sample_texts[:5])
    window.queue.sort_mode.setCurrentIndex(window.queue.sort_mode.findData("toxicity:insult"))
    shown = [i.analysis.prediction.tasks["toxicity"].probabilities["insult"] for i in window.queue.ordered()]
    assert len(shown) == 5 and shown == sorted(shown, reverse=True)
    window.queue.sort_mode.setCurrentIndex(window.queue.sort_mode.findData("violence:direct"))
    shown = [i.analysis.prediction.tasks["violence"].probabilities["direct"] for i in window.queue.ordered()]
    assert shown == sorted(shown, reverse=True)


def test_explain_panel_explains_violence_and_each_toxicity_label(qtbot, make_window, moderator6, sample_texts):
    window = make_window(moderator6, lime_samples=60)
    [item] = analysed(qtbot, window, sample_texts[2])
    with qtbot.waitSignal(window.explanation_ready, timeout=TIMEOUT):
        qtbot.mouseClick(window.explain_panel.button, Qt.MouseButton.LeftButton)
    panel = window.explain_panel
    assert list(panel.explanation.labels["toxicity"]) == list(TOXICITY_LABELS)
    probs = item.analysis.prediction.tasks["toxicity"].probabilities
    for label in ("hate", "insult"):
        panel.task.setCurrentIndex(panel.task.findData(f"toxicity:{label}"))
        assert (panel.selected_task, panel.selected_label) == ("toxicity", label)
        assert f"<b>{label}</b> (p = {probs[label]:.1%})" in panel.summary.text()
        assert panel.top_words.text().startswith("Top words:")
    panel.task.setCurrentIndex(panel.task.findData("violence"))
    assert panel.explanation.tasks["violence"].label.replace("_", " ") in panel.summary.text()


def test_four_task_bundle_shows_only_its_tasks(qtbot, make_window, moderator4, sample_texts, tmp_path, monkeypatch):
    monkeypatch.setattr("banglahate_gui.app.settings.profiles_dir", lambda: tmp_path / "profiles")
    window = make_window(moderator4)
    [item] = analysed(qtbot, window, sample_texts[0])
    shown = [name for name, box in window.result_panel.boxes.items() if box.isVisible()]
    assert shown == [t.name for t in TASKS]
    assert all(bar.threshold is None for box in window.result_panel.boxes.values() for bar, _, _ in box.rows.values())
    assert not any(str(k).startswith(("violence", "toxicity")) for k in choices(window.queue.sort_mode))
    assert choices(window.explain_panel.task) == [t.name for t in TASKS]
    dialog = SettingsDialog(window.settings, window, tasks=window.tasks)
    assert list(dialog.policy.spins) == [t.name for t in TASKS] and dialog.policy.label_spins == {}
    # thresholds of tasks this bundle lacks survive an edit made with it
    kept = json.dumps({"name": "team", "labels": {"toxicity": {"hate": 0.3}}})
    window.apply_settings(AppSettings(**{**window.settings.to_dict(), "policy": kept}))
    dialog = SettingsDialog(window.settings, window, tasks=window.tasks)
    assert dialog.values().verdict_policy.labels == {"toxicity": {"hate": 0.3}}
    row = window.queue.list.currentItem().text()
    assert "⚠" not in row  # a four-task verdict raises no extra flag
    assert window.session.verdict(item).tasks["type"].conditional


def test_triage_result_with_new_tasks_opens_as_a_queue_from_remembered_analyses(qtbot, make_window, moderator6,
                                                                                  sample_texts, tmp_path):
    """Rows a six-task triage remembered (multi-label kind included) come back through the cache."""
    import csv

    from PIL import Image

    from banglahate_gui.cache import AnalysisCache
    from banglahate_gui.hashing import sha256_file
    from banglahate_gui.review.remember import image_key

    ocr_key = image_key(AppSettings(force_engine="tesseract").ocr_config().cache_key(), "tesseract")
    folder, expected = tmp_path / "memes", {}
    folder.mkdir()
    with AnalysisCache(tmp_path / "cache.sqlite") as cache:
        for n, text in enumerate(sample_texts[:3]):
            path = folder / f"m{n}.png"
            Image.new("RGB", (200, 120), (n * 60, 90, 160)).save(path)
            analysis = moderator6.analyze_text(text, path.name)
            expected[path.name] = analysis.prediction
            cache.put(sha256_file(path), moderator6.classifier.bundle_id, ocr_key, analysis.to_dict())
    result = tmp_path / "triage.csv"
    with open(result, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "toxicity_label"])
        writer.writerows([[f"memes/{name}", p.tasks["toxicity"].label] for name, p in expected.items()])
    window = make_window(moderator6, force_engine="tesseract")
    window.opener.open_triage_result(result)
    qtbot.waitUntil(lambda: len(window.session.items) == 3 and all(
        i.status == "done" for i in window.session.items.values()), timeout=TIMEOUT)
    for item in window.session.items.values():
        assert item.from_cache and item.analysis.prediction == expected[item.name]
        assert item.analysis.prediction.tasks["toxicity"].kind == "sigmoid"
    first = next(iter(window.session.items.values()))
    window.queue.select(first.key)
    box = window.result_panel.boxes["toxicity"]
    assert all(bar.threshold == 0.5 for bar, _, _ in box.rows.values())
    assert box.marked == expected[first.name].tasks["toxicity"].labels  # the bundle has no offsets: 0.5 both ways
