"""Image preview that fits the widget and draws OCR word boxes over it."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget


def box_colour(confidence: float) -> QColor:
    """Green for confident words, through amber, to red for doubtful ones."""
    c = max(0.0, min(1.0, float(confidence)))
    return QColor.fromHsvF(0.33 * c, 0.85, 0.85)


DROP_HINT = "Drop images or a folder here, paste (Ctrl+V) an image or text, or use File ▸ Open"


class ImageView(QWidget):
    """Paints `image` scaled to fit (aspect kept) and each box `(text, confidence, (x0, y0, x1, y1))`."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.boxes: list = []
        self.placeholder = DROP_HINT
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None, boxes: list | None = None) -> None:
        self.image = image if image is not None and not image.isNull() else None
        self.boxes = list(boxes or [])
        self.update()

    def set_boxes(self, boxes: list | None) -> None:
        self.boxes = list(boxes or [])
        self.update()

    def image_rect(self) -> QRectF:
        """Where the image is drawn, in widget coordinates."""
        if self.image is None:
            return QRectF()
        w, h = self.image.width(), self.image.height()
        scale = min(self.width() / w, self.height() / h)
        return QRectF((self.width() - w * scale) / 2, (self.height() - h * scale) / 2, w * scale, h * scale)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.fillRect(self.rect(), self.palette().base())
        if self.image is None:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect().adjusted(24, 24, -24, -24),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
            return
        target = self.image_rect()
        painter.drawImage(target, self.image)
        scale = target.width() / self.image.width()
        for box in self.boxes:
            x0, y0, x1, y1 = box.bbox
            rect = QRectF(QPointF(target.x() + x0 * scale, target.y() + y0 * scale),
                          QPointF(target.x() + x1 * scale, target.y() + y1 * scale))
            colour = box_colour(box.confidence)
            painter.setPen(QPen(colour, 2))
            fill = QColor(colour)
            fill.setAlpha(40)
            painter.fillRect(rect, fill)
            painter.drawRect(rect)
        painter.end()
