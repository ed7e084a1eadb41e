"""Image preview: fits the widget, zooms and pans, blurs or greys graphic pictures until revealed,
and draws OCR word boxes over it. Images are decoded off the GUI thread (`decode_image`)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

DROP_HINT = "Drop images or a folder here, paste (Ctrl+V) an image or text, or use File ▸ Open"
MAX_PREVIEW_SIDE = 4096
"""Longer side of the decoded preview (huge images are decoded scaled down; boxes are scaled to match)."""
BLUR_SIDE = 24
"""A blurred preview is the image shrunk to this many pixels across, smoothly scaled back up."""
BLURRED_SIDE = 512
"""...back up to this many pixels only: painting stretches it to the view, and a full-size blurred copy of a
huge picture would cost the GUI thread its making and every repaint for no visible difference."""
MIN_ZOOM, MAX_ZOOM, ZOOM_STEP = 1.0, 16.0, 1.25


def box_colour(confidence: float) -> QColor:
    """Green for confident words, through amber, to red for doubtful ones."""
    c = max(0.0, min(1.0, float(confidence)))
    return QColor.fromHsvF(0.33 * c, 0.85, 0.85)


def decode_image(source: Path | bytes) -> tuple[QImage, float]:
    """Thread-safe decode (QImage only), EXIF orientation applied, at most MAX_PREVIEW_SIDE across.
    Returns (image, scale from original pixels to preview pixels); a null image when unreadable."""
    if isinstance(source, bytes):
        image = QImage.fromData(source)
        if image.isNull():
            return image, 1.0
        side = max(image.width(), image.height())
        if side <= MAX_PREVIEW_SIDE:
            return image, 1.0
        scale = MAX_PREVIEW_SIDE / side
        return image.scaled(image.size() * scale, Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation), scale
    reader = QImageReader(str(source))
    reader.setAutoTransform(True)
    size, scale = reader.size(), 1.0
    if size.isValid() and max(size.width(), size.height()) > MAX_PREVIEW_SIDE:
        scale = MAX_PREVIEW_SIDE / max(size.width(), size.height())
        reader.setScaledSize(QSize(round(size.width() * scale), round(size.height() * scale)))
    return reader.read(), scale


class ImageView(QWidget):
    """Paints `image` (fit, then `zoom`× around `centre`) and each box `(text, confidence, bbox)`.

    With `blur` or `greyscale` on, the picture is shown softened until `reveal()`; a new image is
    softened again. Wheel or +/− zoom, drag pans, 0 fits."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.image: QImage | None = None
        self.box_scale = 1.0
        self.boxes: list = []
        self.placeholder = DROP_HINT
        self.blur = False
        self.greyscale = False
        self.revealed = False
        self.zoom = 1.0
        self.centre = QPointF(0.5, 0.5)  # point of the image (fractions) shown at the widget centre
        self._softened: QImage | None = None
        self._drag: QPointF | None = None
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    # ----- content ------------------------------------------------------------------------
    def set_image(self, image: QImage | None, boxes: list | None = None, box_scale: float = 1.0) -> None:
        self.image = image if image is not None and not image.isNull() else None
        self.box_scale = box_scale
        self.boxes = list(boxes or [])
        self.revealed = False
        self._softened = None
        self.fit()

    def set_boxes(self, boxes: list | None) -> None:
        self.boxes = list(boxes or [])
        self.update()

    def set_softening(self, blur: bool, greyscale: bool) -> None:
        self.blur, self.greyscale, self._softened = blur, greyscale, None
        self.update()

    @property
    def softened(self) -> bool:
        """True while the picture is shown blurred or grey (not revealed)."""
        return self.image is not None and (self.blur or self.greyscale) and not self.revealed

    def reveal(self, on: bool | None = None) -> None:
        """Show the picture as it is (or soften it again); toggles when `on` is None."""
        self.revealed = (not self.revealed) if on is None else on
        self.update()

    def shown_image(self) -> QImage | None:
        """What is painted: the image, or its blurred / greyscale version."""
        if self.image is None or not self.softened:
            return self.image
        if self._softened is None:
            image = self.image
            if self.greyscale:
                image = image.convertToFormat(QImage.Format.Format_Grayscale8)
            if self.blur:
                small = image.scaled(BLUR_SIDE, BLUR_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
                image = small.scaled(image.size().boundedTo(QSize(BLURRED_SIDE, BLURRED_SIDE)),
                                     Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
            self._softened = image
        return self._softened

    # ----- zoom and pan -------------------------------------------------------------------
    def fit(self) -> None:
        self.zoom, self.centre = 1.0, QPointF(0.5, 0.5)
        self.update()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the image point under `anchor` (widget coordinates; default the centre) still."""
        if self.image is None:
            return
        before = self._image_point(anchor) if anchor is not None else self.centre
        self.zoom = max(MIN_ZOOM, min(MAX_ZOOM, self.zoom * factor))
        if anchor is not None:
            after = self._image_point(anchor)
            self.centre += before - after
        self._clamp()
        self.update()

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the view by (dx, dy) widget pixels."""
        rect = self.image_rect()
        if rect.width() and rect.height():
            self.centre -= QPointF(dx / rect.width(), dy / rect.height())
            self._clamp()
            self.update()

    def _clamp(self) -> None:
        half = 0.5 / self.zoom
        self.centre = QPointF(min(max(self.centre.x(), half), 1 - half), min(max(self.centre.y(), half), 1 - half))

    def _image_point(self, widget_point: QPointF) -> QPointF:
        rect = self.image_rect()
        return QPointF((widget_point.x() - rect.x()) / rect.width(), (widget_point.y() - rect.y()) / rect.height())

    def image_rect(self) -> QRectF:
        """Where the whole image is drawn, in widget coordinates (may extend past the widget when zoomed)."""
        if self.image is None:
            return QRectF()
        w, h = self.image.width(), self.image.height()
        scale = min(self.width() / w, self.height() / h) * self.zoom
        return QRectF(self.width() / 2 - self.centre.x() * w * scale, self.height() / 2 - self.centre.y() * h * scale,
                      w * scale, h * scale)

    def wheelEvent(self, event) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(ZOOM_STEP ** steps, event.position())
            event.accept()

    def mousePressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 - Qt override
        if self._drag is not None:
            delta = event.position() - self._drag
            self._drag = event.position()
            self.pan_by(delta.x(), delta.y())

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 - Qt override
        self._drag = None

    def mouseDoubleClickEvent(self, event) -> None:  # noqa: N802 - Qt override
        self.fit()

    # ----- painting -----------------------------------------------------------------------
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
        painter.drawImage(target, self.shown_image())
        scale = target.width() / self.image.width() * self.box_scale
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
        if self.softened:
            painter.setPen(self.palette().text().color())
            painter.drawText(self.rect().adjusted(8, 8, -8, -8), Qt.AlignmentFlag.AlignBottom | Qt.AlignmentFlag.AlignRight,
                             "Softened — press B to reveal")
        painter.end()
