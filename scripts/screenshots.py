"""Render the real window offscreen on real inputs and save PNGs to docs/screenshots/.

    python scripts/screenshots.py                  # shipped model (resources/models/...)
    python scripts/screenshots.py --bundle PATH    # any bundle folder, e.g. a tiny test bundle

Inputs: Bangla memes rendered with an installed Bengali font, and pasted Bangla text. Settings and
the review log go to a temporary folder, so the user's own are untouched.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image, ImageDraw, ImageFont  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FONTS = (
    "/usr/share/fonts/truetype/noto/NotoSansBengali-Bold.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansBengali-Regular.ttf",
    "/usr/share/fonts/truetype/lohit-bengali/Lohit-Bengali.ttf",
)
MEMES = (
    ("তোদের মতো লোকদের দেশ থেকে", "বের করে দেওয়া উচিত", "#fdebd0"),
    ("আজকের খেলা দারুণ হয়েছে", "সবাইকে অভিনন্দন", "#d6eaf8"),
    ("এই নেতারা সব চোর", "দেশটা শেষ করে দিল", "#fadbd8"),
    ("মেয়েরা কিছুই পারে না", "ওদের কাজ শুধু রান্না", "#f5eef8"),
    ("সবাইকে ঈদের শুভেচ্ছা", "ভালো থাকবেন সবাই", "#e8f8f5"),
    ("তুই একটা বাজে লোক", "তোর মুখ দেখতে চাই না", "#fff3c4"),
)
PASTED = "ওরা সবাই বেঈমান, ওদের এই দেশে থাকার কোনো অধিকার নেই"


def render_meme(path: Path, top: str, bottom: str, colour: str, size=(800, 560)) -> Path:
    font_path = next((f for f in FONTS if Path(f).exists()), None)
    if font_path is None:
        raise SystemExit("no Bengali font installed (apt install fonts-noto-core)")
    font = ImageFont.truetype(font_path, 46)
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rounded_rectangle((w // 4, 110, 3 * w // 4, 400), 24, fill="#95a5a6", outline="#2c3e50", width=4)
    draw.ellipse((w // 2 - 70, 150, w // 2 + 70, 290), fill="#f0c27b", outline="#2c3e50", width=3)
    draw.rectangle((w // 2 - 110, 300, w // 2 + 110, 400), fill="#34495e")
    for text, y in ((top, 20), (bottom, 440)):
        box = draw.textbbox((0, 0), text, font=font)
        x = (w - (box[2] - box[0])) // 2
        draw.rectangle((0, y - 6, w, y + 90), fill="white")
        draw.text((x, y), text, font=font, fill="black")
    image.save(path)
    return path


def wait_until(app, predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents()
        time.sleep(0.02)
    app.processEvents()


def main(argv: list[str] | None = None) -> int:
    from banglahate_gui.resources import default_bundle_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, help="bundle folder (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--samples", type=int, default=300, help="LIME samples for the explanation shot")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args(argv)
    bundle = args.bundle or default_bundle_dir()
    if not (bundle / "bundle.json").exists():
        raise SystemExit(f"no bundle at {bundle}: pass --bundle PATH")

    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication

    from banglahate_gui.app.main import create_app
    from banglahate_gui.app.main_window import MainWindow
    from banglahate_gui.app.settings import SettingsDialog
    from banglahate_gui.pipeline import Moderator

    app = create_app()
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="banglahate-shots-"))
    folder = work / "memes"
    folder.mkdir()
    for i, m in enumerate(MEMES):
        render_meme(folder / f"meme_{i}.png", *m)
    (ROOT / "docs" / "examples").mkdir(parents=True, exist_ok=True)  # also the README's CLI example image
    single = render_meme(ROOT / "docs" / "examples" / "meme.png", "ওরা আমাদের দেশের শত্রু", "ওদের তাড়িয়ে দাও", "#fdebd0")
    # Near-duplicates of meme_2: a JPEG re-encode and a crop (same caption), grouped in the queue.
    original = Image.open(folder / "meme_2.png")
    original.convert("RGB").save(folder / "meme_2_reencoded.jpg", quality=70)
    original.crop((20, 0, 780, 560)).save(folder / "meme_2_cropped.png")
    moderator = Moderator.load(bundle, device=args.device)
    store = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    common = {"analysis_cache": str(work / "cache.sqlite"), "lime_samples": args.samples, "moderator_name": "rumi"}
    window = MainWindow(store, lambda s: moderator, {**common, "review_log": str(work / "log.sqlite3"),
                                                     "blur_images": False})
    window.resize(1500, 920)
    window.show()
    wait_until(app, lambda: window.moderator is not None, args.timeout, "the model")

    def shot(name: str, widget=None) -> None:
        app.processEvents()
        (widget or window).grab().save(str(args.out / name))
        print("wrote", args.out / name)

    def picture() -> None:
        item = window.queue.current()
        if item is not None and item.is_image:
            wait_until(app, lambda: window.image_view.image is not None, args.timeout, "the picture")

    def current_done() -> bool:
        item = window.queue.current()
        return item is not None and item.status in ("done", "error")

    # 1. One meme image, OCR boxes, prediction; then its explanation.
    window.open_paths([single])
    wait_until(app, current_done, args.timeout, "the meme analysis")
    picture()
    shot("single_image.png")
    window.explain_current()
    wait_until(app, lambda: not window.analysis.explaining, args.timeout, "the explanation")
    window.tabs.setCurrentWidget(window.explain_panel)
    shot("explanation.png")
    window.tabs.setCurrentWidget(window.result_panel)

    # 2. Pasted Bangla text: classified without OCR.
    QGuiApplication.clipboard().setText(PASTED)
    window.opener.paste()
    wait_until(app, current_done, args.timeout, "the pasted text")
    shot("pasted_text.png")

    # 3. Triage a folder in a fresh window (pictures blurred by default): sorted by P(hate), decisions made.
    window.close()
    window = MainWindow(store, lambda s: moderator, {**common, "review_log": str(work / "triage.sqlite3")})
    window.resize(1500, 920)
    window.show()
    wait_until(app, lambda: window.moderator is not None, args.timeout, "the model")
    window.open_folder(folder)
    wait_until(app, lambda: all(i.status in ("done", "error") for i in window.session.items.values()),
               args.timeout, "the folder")
    first = window.queue.ordered()[0]
    window.queue.select(first.key)
    picture()
    shot("blur.png")
    for decision in ("remove", "escalate", "approve"):
        window.decisions.decide(decision)
    window.queue.select(first.key)
    picture()
    window.image_view.reveal(True)
    shot("triage.png")

    # 4. Filters: undecided items only, sorted by P(severity = high).
    q = window.queue
    q.decision_filter.setCurrentIndex(q.decision_filter.findData("undecided"))
    q.sort_mode.setCurrentIndex(q.sort_mode.findData("severity:high"))
    shot("filters.png")
    q.decision_filter.setCurrentIndex(0)
    q.sort_mode.setCurrentIndex(0)

    # 5. A duplicate group: the re-encode and the crop of one meme, decided together.
    q.grouped_only.setChecked(True)
    if q.ordered():
        q.select(q.ordered()[0].key)
        picture()
        window.image_view.reveal(True)
    else:
        print("note: no duplicate group was formed from these OCR readings")
    shot("duplicate_group.png")
    q.grouped_only.setChecked(False)

    # 6. The uncertain band: the item nearest P(hate) = 0.5, under the default 0.40-0.60 band if it falls
    #    inside it, else under a "cautious" team profile whose band reaches it (printed below).
    from dataclasses import replace
    import json

    from banglahate_gui.review.verdict import Policy, TaskPolicy

    analysed = [i for i in window.session.items.values() if window.session.verdict(i) is not None
                and window.session.verdict(i).hate_probability is not None]
    nearest = min(analysed, key=lambda i: abs(window.session.verdict(i).hate_probability - 0.5))
    p = window.session.verdict(nearest).hate_probability
    if not window.session.verdict(nearest).uncertain:
        half = round(abs(p - 0.5) + 0.05, 2)
        policy = Policy("cautious", {"binary": TaskPolicy(0.5, round(0.5 - half, 2), round(0.5 + half, 2))})
        window.apply_settings(replace(window.settings, policy=json.dumps(policy.to_dict())))
        print(f"uncertain.png: P(hate) = {p:.3f}, shown under the profile 'cautious' (band {0.5 - half:.2f}-{0.5 + half:.2f})")
    q.select(nearest.key)
    picture()
    window.image_view.reveal(True)
    shot("uncertain.png")

    # 7. Settings dialog (thresholds and profiles included).
    dialog = SettingsDialog(window.settings, window, tasks=window.tasks)
    dialog.show()
    shot("settings.png", dialog)
    dialog.close()
    window.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
