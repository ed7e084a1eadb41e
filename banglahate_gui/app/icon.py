"""The application icon, drawn with QPainter (no image files to ship or lose)."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap


def draw_icon(size: int = 256) -> QPixmap:
    """A speech bubble on a teal tile, with a red mark under review: moderated speech."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#1f6f78"))
    p.drawRoundedRect(QRectF(8 * s, 8 * s, 240 * s, 240 * s), 48 * s, 48 * s)
    bubble = QPainterPath()
    bubble.addRoundedRect(QRectF(40 * s, 52 * s, 176 * s, 120 * s), 28 * s, 28 * s)
    tail = QPainterPath()
    tail.moveTo(QPointF(78 * s, 166 * s))
    tail.lineTo(QPointF(66 * s, 210 * s))
    tail.lineTo(QPointF(116 * s, 168 * s))
    tail.closeSubpath()
    p.setBrush(QColor("#fdfdfd"))
    p.drawPath(bubble.united(tail))
    p.setPen(QPen(QColor("#c0392b"), 16 * s, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
    for y in (88, 116, 144):
        p.drawLine(QPointF(70 * s, y * s), QPointF((186 if y != 116 else 150) * s, y * s))
    p.end()
    return pixmap


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        icon.addPixmap(draw_icon(size))
    return icon
