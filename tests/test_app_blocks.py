"""The window lists the messages of a thread screenshot with their risk, the riskiest highlighted
(issue 10 item 3); a single-text item shows no list."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from app_helpers import open_window  # noqa: E402

from banglahate_gui.app.result_panel import block_line  # noqa: E402
from banglahate_gui.data.synth_memes import render_thread  # noqa: E402

TIMEOUT = 180_000  # ms: OCR of the screenshot runs in a worker on a shared CPU

MESSAGES = ["আজকের খেলা দারুণ হয়েছে", "তোদের মতো লোকদের দেশ থেকে বের করে দেওয়া উচিত", "সবাইকে ঈদের শুভেচ্ছা"]


def test_thread_screenshot_lists_its_messages_with_the_riskiest_highlighted(qtbot, tmp_path, moderator4):
    shot = tmp_path / "thread.png"
    render_thread(MESSAGES, seed=3).save(shot)
    window = open_window(qtbot, tmp_path, lambda s: moderator4)
    qtbot.waitUntil(lambda: window.moderator is not None, timeout=TIMEOUT)
    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT) as signal:
        window.open_paths([shot])
    item = signal.args[0]
    assert item.status == "done", item.error
    analysis, shown = item.analysis, window.result_panel.blocks
    assert len(analysis.blocks) == 3
    assert shown.isVisible() and shown.list.count() == 3
    riskiest = analysis.riskiest_block
    assert shown.riskiest == riskiest and f"message {riskiest + 1})" in shown.title()
    for i, block in enumerate(analysis.blocks):
        row = shown.list.item(i)
        assert row.text() == block_line(i + 1, block)
        assert row.font().bold() == (i == riskiest)
    assert f"{analysis.blocks[riskiest].prediction.hate_probability:.1%}" in window.result_panel.verdict.text()

    with qtbot.waitSignal(window.item_analysed, timeout=TIMEOUT):
        text = window.add_text("সবাইকে ঈদের শুভেচ্ছা")
    window.queue.select(text.key)
    assert text.analysis.blocks == () and not shown.isVisible() and shown.list.count() == 0
    window.queue.select(item.key)
    assert shown.isVisible() and shown.list.count() == 3
