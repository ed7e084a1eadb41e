"""About box (versions, bundle, data licences from the shipped notice) and the shortcuts sheet."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from banglahate_gui.resources import data_licences

TITLE = "BanglaHate Moderator"


def ocr_line(name: str, value) -> str:
    """One OCR engine (or setting) of `Moderator.info()["ocr"]` in words."""
    if not isinstance(value, dict):
        return f"{name} {value}"
    details = [str(value[k]) for k in ("version", "lang", "recognizer") if value.get(k)]
    state = "available" if value.get("available") else "not available"
    return f"{name} {' '.join(details)} ({state})"


def about_html(info: dict | None, log_path: str, bundle_path: str | Path | None) -> str:
    """The About text: program, versions, model bundle, OCR engines, review log, data licences."""
    esc = html.escape
    parts = [f"<h3>{TITLE}</h3><p>Offline review of Bangla memes, screenshots and text for hate speech.</p>"]
    if info:
        bundle = info.get("bundle", {})
        ocr = info.get("ocr", {})
        engines = "; ".join(ocr_line(k, v) for k, v in (ocr.items() if isinstance(ocr, dict) else []))
        parts.append("<table>" + "".join(
            f"<tr><td><b>{esc(k)}</b></td><td>{esc(str(v))}</td></tr>" for k, v in (
                ("Version", info.get("banglahate_gui")),
                ("Python · torch · transformers",
                 f"{info.get('python')} · {info.get('torch')} · {info.get('transformers')}"),
                ("Device", info.get("device")),
                ("Model bundle", f"{bundle.get('id')} ({bundle.get('path')})"),
                ("Tasks", ", ".join(f"{n} (multi-label)" if bundle.get("task_kinds", {}).get(n) == "sigmoid" else n
                                    for n in bundle.get("tasks", {}))),
                ("OCR engines", engines or str(ocr)),
                ("Review log", log_path),
            )) + "</table>")
    else:
        parts.append(f"<p>No model loaded. Review log: {esc(log_path)}</p>")
    notice = data_licences(Path(bundle_path) if bundle_path else None)
    parts.append("<p><b>Training data licences</b></p><table>" + "".join(
        f"<tr><td>{esc(d.title)}</td><td>{esc(d.licence)}</td><td>{esc(', '.join(d.terms))}</td></tr>"
        for d in sorted(notice.data, key=lambda d: not d.restrictive)) + "</table>")
    parts.append(f"<p>{esc(notice.guidance)}</p><p>Full notice: {esc(str(notice.notice_file))}</p>")
    return "".join(parts)


class TextDialog(QDialog):
    def __init__(self, title: str, body: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        self.label = QLabel(body)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class ShortcutsDialog(QDialog):
    """The keyboard sheet: every action with a shortcut, grouped by menu."""

    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(520, 620)
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Action", "Menu"])
        self.table.verticalHeader().setVisible(False)
        for r, (keys, action, menu) in enumerate(rows):
            for c, value in enumerate((keys, action, menu)):
                self.table.setItem(r, c, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
