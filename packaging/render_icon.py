"""Render the app icon (banglahate_gui/app/icon.py) to PNG: `python packaging/render_icon.py OUT.png [SIZE]`."""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QGuiApplication  # noqa: E402

from banglahate_gui.app.icon import draw_icon  # noqa: E402


def main(argv: list[str]) -> int:
    out, size = argv[0], int(argv[1]) if len(argv) > 1 else 256
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - QPixmap needs a GUI application
    if not draw_icon(size).save(out, "PNG"):
        raise SystemExit(f"could not write {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
