"""Entry point of the desktop app (`banglahate-gui`, `python -m banglahate_gui`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from banglahate_gui.app.icon import app_icon
from banglahate_gui.app.main_window import TITLE, MainWindow
from banglahate_gui.defaults import DEVICES
from banglahate_gui.ocr.image import IMAGE_SUFFIXES, expand_folders

ORGANIZATION = "BanglaHate"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="banglahate-gui",
                                     description=f"{TITLE}: review memes and text for hate speech")
    parser.add_argument("paths", nargs="*", type=Path, help="images or folders to open")
    parser.add_argument("--bundle", help="model bundle folder for this session (default: Settings, else shipped)")
    parser.add_argument("--device", choices=DEVICES, help="inference device for this session")
    parser.add_argument("--log", help="review log file for this session (default: Settings)")
    parser.add_argument("--smoke-out", type=Path, metavar="FILE",
                        help="smoke test: once every opened file is analysed, write one JSON line each to FILE and "
                             "quit (exit 1 if any failed)")
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
    if args.smoke_out and not [p for p in expand_folders(args.paths) if p.is_file()]:
        # nothing would ever be analysed: fail now instead of waiting for the first result forever
        print(f"banglahate-gui: --smoke-out: no image to analyse in {', '.join(map(str, args.paths)) or 'no paths'} "
              f"(give image files or folders holding {', '.join(sorted(IMAGE_SUFFIXES))})", file=sys.stderr)
        return 2
    app = create_app()
    overrides = {k: v for k, v in (("bundle", args.bundle), ("device", args.device), ("review_log", args.log)) if v}
    window = MainWindow(overrides=overrides)
    window.show()
    if args.paths:
        QTimer.singleShot(0, lambda: window.open_paths(args.paths))
        if args.smoke_out:
            QTimer.singleShot(0, lambda: _quit_when_analysed(app, window, args.smoke_out))
    return app.exec()


def _quit_when_analysed(app: QApplication, window: MainWindow, out: Path) -> None:
    """`--smoke-out`: wait for every queued item, write `{name, platform, error, analysis}` lines, quit."""
    expected, done = len(window.session.items), []

    def analysed(item) -> None:
        done.append(item)
        if len(done) < expected:
            return
        with open(out, "w", encoding="utf-8") as f:
            for i in done:
                analysis = i.analysis.to_dict() if i.analysis is not None else None
                row = {"name": i.name, "platform": app.platformName(), "error": i.error, "analysis": analysis}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
        window.close()
        app.exit(1 if any(i.error or i.analysis is None for i in done) else 0)

    window.item_analysed.connect(analysed)


if __name__ == "__main__":
    raise SystemExit(main())
