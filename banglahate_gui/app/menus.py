"""Menus and keyboard shortcuts of the main window (the shortcuts sheet is built from them)."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence


def build_menus(w) -> dict[str, QAction]:
    """Create every menu action of MainWindow `w`; returns them by name."""
    actions: dict[str, QAction] = {}
    bar = w.menuBar()

    def add(menu, name: str, text: str, keys, slot, tip: str = "") -> QAction:
        action = QAction(text, w)
        if keys:
            sequences = keys if isinstance(keys, list) else [keys]
            action.setShortcuts([QKeySequence(k) for k in sequences])
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        actions[name] = action
        return action

    file = bar.addMenu("&File")
    add(file, "open", "Open images…", QKeySequence.StandardKey.Open, w.open_files_dialog)
    add(file, "open_folder", "Open folder…", "Ctrl+Shift+O", w.open_folder_dialog)
    add(file, "open_triage", "Open triage result…", None, w.opener.open_triage_dialog,
        "A `banglahate triage` CSV/JSONL as a review queue (its remembered analyses show at once)")
    add(file, "paste", "Paste image or text", QKeySequence.StandardKey.Paste, w.opener.paste)
    file.addSeparator()
    add(file, "export_decisions", "Export final decisions (CSV)…", "Ctrl+E", lambda: w.decisions.export("decisions"),
        "One row per item: decision, note, text, each task's label and probability")
    add(file, "export_csv", "Export full event log (CSV)…", None, lambda: w.decisions.export("csv"))
    add(file, "export_jsonl", "Export full event log (JSONL)…", None, lambda: w.decisions.export("jsonl"))
    file.addSeparator()
    add(file, "settings", "Settings…", QKeySequence.StandardKey.Preferences, w.open_settings)
    add(file, "quit", "Quit", QKeySequence.StandardKey.Quit, w.close)

    review = bar.addMenu("&Review")
    d = w.decisions
    add(review, "approve", "Approve", "A", lambda: d.decide("approve"), "Keep the item")
    add(review, "remove", "Remove", "R", lambda: d.decide("remove"), "Take the item down")
    add(review, "escalate", "Escalate", "E", lambda: d.decide("escalate"), "Send to a senior moderator")
    add(review, "approve_group", "Approve the whole group", "Shift+A", lambda: d.decide("approve", group=True))
    add(review, "remove_group", "Remove the whole group", "Shift+R", lambda: d.decide("remove", group=True))
    add(review, "escalate_group", "Escalate the whole group", "Shift+E", lambda: d.decide("escalate", group=True))
    add(review, "note", "Note…", "N", d.add_note, "Attach a note to the item")
    add(review, "reason", "Reason / policy code…", "C", lambda: w.queue.reason.setFocus(),
        "Type the reason recorded with the next decisions")
    review.addSeparator()
    add(review, "undo", "Undo", QKeySequence.StandardKey.Undo, d.undo)
    add(review, "redo", "Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], d.redo)
    review.addSeparator()
    add(review, "next", "Next item", "J", lambda: w.queue.move(1))
    add(review, "previous", "Previous item", "K", lambda: w.queue.move(-1))
    add(review, "focus_queue", "Go to the queue", "Ctrl+L", lambda: w.queue.list.setFocus())
    add(review, "reanalyze", "Re-analyze (ignore the remembered result)", "Ctrl+R", w.reanalyze_current)
    add(review, "explain", "Explain", "X", w.explain_current, "LIME word highlights")
    add(review, "cancel", "Cancel running work", "Ctrl+.", w.cancel_work)
    add(review, "dismiss", "Dismiss message", "Esc", w.banner.dismiss)

    view = bar.addMenu("&View")
    q = w.queue
    add(view, "filter_label", "Filter by label", "Ctrl+F", lambda: q.label_filter.setFocus())
    add(view, "filter_decision", "Filter by decision", "Ctrl+D", lambda: q.decision_filter.setFocus())
    add(view, "sort", "Sort by…", "Ctrl+T", lambda: q.sort_mode.setFocus())
    add(view, "uncertain_only", "Uncertain items only", "U", q.uncertain_only.toggle)
    add(view, "undecided_only", "Undecided items only", "Shift+U", w.toggle_undecided)
    add(view, "grouped_only", "Duplicate groups only", "G", q.grouped_only.toggle)
    view.addSeparator()
    add(view, "reveal", "Reveal / soften the picture", "B", w.image_view.reveal)
    add(view, "zoom_in", "Zoom in", ["+", "="], lambda: w.image_view.zoom_by(1.25))
    add(view, "zoom_out", "Zoom out", "-", lambda: w.image_view.zoom_by(0.8))
    add(view, "zoom_fit", "Fit the picture", "0", w.image_view.fit)

    help_menu = bar.addMenu("&Help")
    add(help_menu, "shortcuts", "Keyboard shortcuts", ["?", "F1"], w.show_shortcuts)
    add(help_menu, "about", "About", None, w.show_about)
    return actions


def shortcut_rows(w) -> list[tuple[str, str, str]]:
    """(keys, action, menu) for every menu action that has a shortcut."""
    rows = []
    for menu_action in w.menuBar().actions():
        menu = menu_action.menu()
        for action in menu.actions() if menu else []:
            keys = " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts())
            if keys:
                rows.append((keys, action.text().rstrip("…"), menu_action.text().replace("&", "")))
    return rows
