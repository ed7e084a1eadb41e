"""Helpers for the GUI tests, and the in-process driver the kill test runs as a subprocess.

As a script: ``python tests/app_helpers.py BUNDLE FOLDER LOG KEYS`` opens the real window on
FOLDER with the Moderator on BUNDLE and the review log LOG, prints ``SYNC <synchronous> <journal>``,
presses KEYS (e.g. "ARE") on the queue with QTest once every file is analysed, prints ``DECIDED n``
after each committed decision, then keeps running until it is killed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/noto/NotoSansBengali-Regular.ttf",
    "/usr/share/fonts/truetype/lohit-bengali/Lohit-Bengali.ttf",
    "/usr/share/fonts/truetype/fonts-beng-extra/MitraMono.ttf",
)
MEME_TEXTS = (
    "তুই একটা বাজে লোক",
    "আজকের খেলা দারুণ হয়েছে",
    "এই নেতারা সব চোর",
    "মেয়েরা কিছুই পারে না",
    "সবাইকে ঈদের শুভেচ্ছা",
    "তোদের মতো লোকদের দেশ থেকে বের করে দেওয়া উচিত",
)
COLOURS = ("#fff3c4", "#d6eaf8", "#fadbd8", "#e8f8f5", "#f5eef8", "#fdebd0")


def open_window(qtbot, tmp_path: Path, factory, store_path: Path | None = None, **overrides):
    """The real MainWindow with settings, review log and analysis cache in `tmp_path`, shown (for the GUI tests)."""
    from PySide6.QtCore import QSettings

    from banglahate_gui.app.main_window import MainWindow

    store = QSettings(str(store_path or tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    overrides.setdefault("review_log", str(tmp_path / "log.sqlite3"))
    overrides.setdefault("analysis_cache", str(tmp_path / "cache.sqlite"))
    window = MainWindow(store, factory, overrides)
    qtbot.addWidget(window)
    window.show()
    return window


def bengali_font(size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    raise FileNotFoundError("no Bengali font installed (apt install fonts-noto-core or fonts-beng)")


def make_meme(path: Path, text: str, index: int = 0, size: tuple[int, int] = (800, 400)) -> Path:
    """A meme-like image: coloured panel, a simple 'picture' block, the caption in Bengali."""
    image = Image.new("RGB", size, COLOURS[index % len(COLOURS)])
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle((w // 3, 20, 2 * w // 3, h // 2), fill="#7f8c8d", outline="#2c3e50", width=3)
    draw.ellipse((w // 2 - 30, 40, w // 2 + 30, 100), fill="#f0c27b")
    # Caption texts, size and layout are ones Tesseract (ben) reads back reliably.
    font = bengali_font(36)
    box = draw.textbbox((0, 0), text, font=font)
    draw.text(((w - (box[2] - box[0])) // 2, h // 2 + 60), text, fill="black", font=font)
    image.save(path)
    return path


def make_folder(folder: Path, n: int = 5) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [make_meme(folder / f"meme_{i}.png", MEME_TEXTS[i % len(MEME_TEXTS)], i) for i in range(n)]


def main(bundle: str, folder: str, log: str, keys: str) -> int:
    from PySide6.QtCore import QSettings, Qt, QTimer
    from PySide6.QtTest import QTest

    from banglahate_gui.app.main import create_app
    from banglahate_gui.app.main_window import MainWindow
    from banglahate_gui.pipeline import Moderator

    app = create_app()
    store = QSettings(str(Path(log).with_suffix(".ini")), QSettings.Format.IniFormat)
    window = MainWindow(store, lambda s: Moderator.load(bundle, device="cpu"),
                        overrides={"review_log": log, "force_engine": "tesseract",
                                   "analysis_cache": str(Path(log).with_suffix(".cache.sqlite"))})
    window.show()
    decided = 0

    def on_decision(entry) -> None:
        nonlocal decided
        decided += 1
        print(f"DECIDED {decided} {entry.decision}", flush=True)

    window.decision_recorded.connect(on_decision)
    print(f"SYNC {window.session.log.synchronous} {window.session.log.journal_mode}", flush=True)
    window.open_folder(folder)
    pending = list(keys)

    def press() -> None:
        waiting = window.moderator is None or any(
            item.sha256 is None or item.status in ("pending", "analysing") for item in window.session.items.values()
        )
        if waiting:
            QTimer.singleShot(50, press)
            return
        if pending:
            if len(pending) == len(keys):
                window.queue.list.setCurrentRow(0)  # start at the top, as a moderator would
            QTest.keyClick(window.queue.list, getattr(Qt.Key, f"Key_{pending.pop(0)}"))
            QTimer.singleShot(20, press)
        else:
            print("DONE", flush=True)

    QTimer.singleShot(0, press)
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:5]))


class ScriptedModerator:
    """A Moderator stand-in whose probabilities are given per text (for display and review-rule
    tests that need exact values); images are 'read' as the text in `captions[file name]`."""

    device = "cpu"
    bundle_path = "scripted"

    def __init__(self, scripts: dict[str, dict[str, list[float]]], captions: dict[str, str] | None = None,
                 bundle_id: str = "scripted@1", tasks: tuple | None = None):
        from types import SimpleNamespace

        from banglahate_gui.model.schema import TASKS

        self.scripts = scripts
        self.captions = captions or {}
        self.classifier = SimpleNamespace(bundle_id=bundle_id, tasks=TASKS if tasks is None else tasks)
        self.calls: list[str] = []

    def analyze_text(self, text: str, source: str = "text"):
        import numpy as np

        from banglahate_gui.model import predictions_from_proba
        from banglahate_gui.pipeline import Analysis

        self.calls.append(text)
        script = self.scripts.get(text, {"binary": [0.9, 0.1]})
        tasks = self.classifier.tasks
        proba = {t.name: np.array([script.get(t.name, [1.0] + [0.0] * (t.num_labels - 1) if t.kind == "softmax"
                                               else [0.0] * t.num_labels)]) for t in tasks}
        prediction = predictions_from_proba([text], proba, tasks)[0]
        return Analysis(source, text, text, False, prediction, self.classifier.bundle_id)

    def analyze_image(self, image, engine=None, progress=None):
        return self.analyze_text(self.captions.get(Path(str(image)).name, "ছবি"), str(image))


def hate_script(p_hate: float, type_: int = 1, target: int = 1, severity: int = 3) -> dict[str, list[float]]:
    """Probabilities with P(hate) = p_hate and one dominant label per auxiliary task."""
    def one_hot(k: int, i: int) -> list[float]:
        return [0.9 if j == i else 0.1 / (k - 1) for j in range(k)]

    return {"binary": [1 - p_hate, p_hate], "type": one_hot(5, type_), "target": one_hot(5, target),
            "severity": one_hot(4, severity)}
