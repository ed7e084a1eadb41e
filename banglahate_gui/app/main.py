"""Entry point of the desktop app (`banglahate-gui`, `python -m banglahate_gui`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from banglahate_gui.app.icon import app_icon
from banglahate_gui.app.main_window import TITLE, MainWindow

ORGANIZATION = "BanglaHate"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="banglahate-gui",
                                     description=f"{TITLE}: review memes and text for hate speech")
    parser.add_argument("paths", nargs="*", type=Path, help="images or folders to open")
    parser.add_argument("--bundle", help="model bundle folder for this session (default: Settings, else shipped)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), help="inference device for this session")
    parser.add_argument("--log", help="review log file for this session (default: Settings)")
    return parser.parse_args(argv)


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName(TITLE)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationDisplayName(TITLE)
    app.setStyle("Fusion")
    app.setWindowIcon(app_icon())
    return app


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = create_app()
    overrides = {k: v for k, v in (("bundle", args.bundle), ("device", args.device), ("review_log", args.log)) if v}
    window = MainWindow(overrides=overrides)
    window.show()
    if args.paths:
        QTimer.singleShot(0, lambda: window.open_paths(args.paths))
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(main())
