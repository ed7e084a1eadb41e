"""Bringing items in: files, folders, drops, pastes and typed text; hashing, thumbnails and
perceptual hashes in a worker; near-duplicate groups recomputed as analyses arrive."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QObject
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QFileDialog

from banglahate_gui.app.queue_view import make_thumbnail
from banglahate_gui.app.workers import TaskContext
from banglahate_gui.grouping import GroupItem, group_ids, image_hash
from banglahate_gui.ocr import expand_folders
from banglahate_gui.hashing import sha256_bytes, sha256_file, sha256_text
from banglahate_gui.review.remember import triage_result_paths
from banglahate_gui.review.session import ReviewItem

HASH_SIDE = 256
"""Images are decoded at about this size for the perceptual hash (pHash works on 32×32)."""


def image_to_png(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def perceptual_hash(source: Path | bytes) -> str | None:
    """pHash of a small decode of the picture; None when it cannot be read."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
            image.draft("L", (HASH_SIDE, HASH_SIDE))
            image.thumbnail((HASH_SIDE, HASH_SIDE))
            return image_hash(image)
    except Exception:  # noqa: BLE001 - an unreadable picture simply has no hash (its analysis reports why)
        return None


class ItemOpener(QObject):
    def __init__(self, window):
        super().__init__(window)
        self.w = window
        self.last_folder: str | None = None  # where exports are offered
        self.image_hashes: dict[int, str | None] = {}

    @property
    def session(self):
        return self.w.session

    def paste(self) -> None:
        if not self.open_mime(QGuiApplication.clipboard().mimeData()):
            self.w.banner.show_message("The clipboard holds no image, file or text to check.", "info")

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
            self.w.banner.show_message("No images found there (png, jpg, webp, bmp, gif, tiff).", "info")
            return
        self.last_folder = str(paths[0] if paths[0].is_dir() else paths[0].parent)
        items = [self.session.add(f, f.name) for f in files]
        self.w.queue.rebuild()
        self._scan(items)
        self.w.analysis.enqueue(items, first=len(items) == 1)
        if len(items) == 1 or self.w.queue.current() is None:
            self.w.queue.select(items[0].key)

    def open_triage_result(self, result: str | Path) -> None:
        """Open the files of a triage result as the queue, riskiest first."""
        try:
            paths = [p for p in triage_result_paths(result) if p.is_file()]
        except (OSError, ValueError, UnicodeDecodeError) as exc:
            self.w.banner.show_message(f"Cannot open {Path(result).name}: {exc}", "error")
            return
        if not paths:
            self.w.banner.show_message(f"None of the files listed in {Path(result).name} exist here.", "info")
            return
        self.open_paths(paths)
        self.last_folder = str(Path(result).parent)

    def open_triage_dialog(self) -> None:
        result, _ = QFileDialog.getOpenFileName(self.w, "Open a triage result", self.last_folder or "",
                                                "Triage results (*.csv *.jsonl)")
        if result:
            self.open_triage_result(result)

    def add_image_bytes(self, data: bytes, name: str) -> ReviewItem:
        item = self.session.add(data, name, sha256_bytes(data))
        item.thumbnail = make_thumbnail(data)
        self.image_hashes[item.key] = perceptual_hash(data)
        return self._show_new(item)

    def add_text(self, text: str) -> ReviewItem:
        one_line = " ".join(text.split())
        item = self.session.add(text, one_line[:40] + ("…" if len(one_line) > 40 else ""), sha256_text(text))
        return self._show_new(item)

    def _show_new(self, item: ReviewItem) -> ReviewItem:
        self.w.queue.rebuild()
        self.w.analysis.enqueue([item], first=True)
        self.w.queue.select(item.key)
        return item

    def _scan(self, items: list[ReviewItem]) -> None:
        """Hash, thumbnail and perceptual hash in a worker; logged decisions return as hashes arrive."""
        jobs = [(item.key, item.source) for item in items]

        def scan(ctx: TaskContext):
            for key, path in jobs:
                if ctx.cancelled:
                    return
                try:
                    ctx.emit((key, sha256_file(path), make_thumbnail(path), perceptual_hash(path)))
                except OSError:
                    ctx.emit((key, None, None, None))

        self.w.pool.start(scan, on_yield=self._scanned, name="scan")

    def _scanned(self, value) -> None:
        key, sha, thumbnail, phash = value
        item = self.session.items.get(key)
        if item is None:
            return
        item.thumbnail = thumbnail
        self.image_hashes[key] = phash
        if sha and not item.sha256:
            self.session.set_hash(item, sha)
        self.w.queue.rebuild()
        self.w.update_status()

    def regroup(self) -> None:
        """Near-duplicate groups over the analysed items (same caption; re-encodes by image hash)."""
        analysed = [i for i in self.session.items.values() if i.analysis is not None and i.analysis.normalized_text]
        numbers = group_ids([GroupItem(i.analysis.normalized_text, self.image_hashes.get(i.key)) for i in analysed])
        sizes: dict[int, int] = {}
        for n in numbers:
            sizes[n] = sizes.get(n, 0) + 1
        groups = {i.key: None for i in self.session.items.values()}
        members = {}
        for item, n in zip(analysed, numbers):
            if sizes[n] > 1:
                members.setdefault(n, []).append(item)
        for n, group in members.items():
            name = f"g{min(m.key for m in group)}"  # stable while the first member stays
            groups.update({m.key: name for m in group})
        self.session.set_groups(groups)
