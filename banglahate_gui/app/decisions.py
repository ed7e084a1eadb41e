"""Decisions from the window: verdicts (one item or its whole group), notes, undo/redo, export.
The rules live in `ReviewSession`; this only asks it and shows what happened."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog

from banglahate_gui.review.session import ReviewError

EXPORTS = {  # kind -> (dialog title, default file name, filter)
    "decisions": ("Export final decisions", "decisions.csv", "CSV (*.csv)"),
    "csv": ("Export full event log (CSV)", "review_log.csv", "CSV (*.csv)"),
    "jsonl": ("Export full event log (JSONL)", "review_log.jsonl", "JSONL (*.jsonl)"),
}


class DecisionController(QObject):
    recorded = Signal(object)  # each LogEntry written (decision, note or undo)

    def __init__(self, window):
        super().__init__(window)
        self.w = window

    @property
    def session(self):
        return self.w.session

    def _refused(self, exc: ReviewError) -> None:
        self.w.banner.show_message(str(exc), "error" if "log" in str(exc) else "info",
                                   ("Settings…", self.w.open_settings) if "Settings" in str(exc) else None)

    def _done(self, action, select=None) -> None:
        for entry in action.entries:
            self.recorded.emit(entry)
        self.w.queue.rebuild()
        if select is not None:
            self.w.queue.select(select.key)
        self.w.statusBar().showMessage(self.session.describe(action), 5000)
        if action.skipped:
            self.w.banner.show_message(self.session.describe(action), "info")
        self.w.update_status()

    def decide(self, decision: str, note: str | None = None, group: bool = False) -> None:
        """Log a verdict (or a note) for the current item, or its group; a verdict moves on."""
        item = self.w.queue.current()
        if item is None:
            return
        reason = self.w.queue.reason.text().strip() or None
        try:
            action = self.session.decide(item, decision, note=note, reason=reason, group=group)
        except ReviewError as exc:
            self._refused(exc)
            return
        self._done(action)
        if decision != "note":
            self.w.queue.next_undecided()

    def add_note(self, text: str | None = None) -> None:
        item = self.w.queue.current()
        if item is None:
            return
        if text is None:
            text, ok = QInputDialog.getMultiLineText(self.w, "Note", f"Note for {item.name}:", item.note or "")
            if not ok:
                return
        self.decide("note", note=text)

    def undo(self) -> None:
        """Cancel this session's latest action (a whole group at once) and go back to its item."""
        self._step(self.session.undo)

    def redo(self) -> None:
        self._step(self.session.redo)

    def _step(self, step) -> None:
        try:
            action = step()
        except ReviewError as exc:
            self._refused(exc)
            return
        self._done(action, select=action.items[0] if action.items else None)

    def export(self, kind: str, path: str | None = None) -> int | None:
        """Write an export; without `path`, ask where (the dialog opens in the reviewed folder)."""
        if path is None:
            title, name, pattern = EXPORTS[kind]
            start = Path(self.w.opener.last_folder or Path.home()) / name
            path, _ = QFileDialog.getSaveFileName(self.w, title, str(start), pattern)
            if not path:
                return None
        try:
            rows = self.session.export(kind, path)
        except ReviewError as exc:
            self._refused(exc)
            return None
        what = "final decisions" if kind == "decisions" else "log rows"
        self.w.banner.show_message(f"Exported {rows} {what} to {path}.", "info")
        return rows
