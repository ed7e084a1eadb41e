"""`ReviewSession`: the review queue and its rules, without Qt.

Items arrive (files, pasted images, texts), get a content hash and an analysis, and are decided.
The session filters and orders them, applies the team's `Policy` (uncertain band), records each
decision in the `ReviewLog` (with the bundle that scored it, who decided and why), decides whole
near-duplicate groups at once, and undoes/redoes whole actions. The GUI and batch jobs only call it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from banglahate_gui.hashing import sha256_text
from banglahate_gui.review.log import (
    VERDICTS,
    LogEntry,
    NewEntry,
    LogReadOnlyError,
    ReviewLog,
    ReviewLogError,
    export_csv,
    export_decisions_csv,
    export_jsonl,
)
from banglahate_gui.review.verdict import INSUFFICIENT, Policy, Verdict, judge

UNDECIDED = "undecided"
DECISION_FILTERS: tuple[str, ...] = (UNDECIDED, "decided") + VERDICTS
ARRIVAL = "arrival"
DEFAULT_SORT = "binary:hate"
"""Sort keys: `arrival`, or `task:label` = that label's probability, highest first (any task of the
bundle's schema, a multi-label task's labels included)."""


class ReviewError(Exception):
    """A review action that cannot be done; the message tells the moderator why and what to do."""


@dataclass(eq=False)
class ReviewItem:
    """One thing to review. `source` is what the Moderator analyses: a Path, image bytes or a text."""

    key: int
    source: Path | bytes | str
    name: str
    sha256: str | None = None
    status: str = "pending"  # pending, analysing, done, error, cancelled
    analysis: object | None = None  # pipeline.Analysis
    ocr: object | None = None  # the last OCR result (kept when the edited text is re-classified)
    text: str = ""  # the text as the moderator sees and edits it
    text_edited: bool = False  # re-classify `text` instead of reading the image again
    engine: str = ""  # forced OCR engine for this item ("" = settings)
    error: str = ""
    decision: str | None = None
    note: str | None = None
    moderator: str | None = None
    reason: str | None = None
    group: str | None = None  # near-duplicate group id (None = alone)
    explanation: object | None = field(default=None, repr=False)
    thumbnail: object | None = field(default=None, repr=False)  # filled by the GUI
    from_cache: bool = False

    @property
    def is_image(self) -> bool:
        return not isinstance(self.source, str)

    @property
    def analysed(self) -> bool:
        return self.analysis is not None

    @property
    def path(self) -> str:
        return str(self.source) if isinstance(self.source, Path) else ""

    @property
    def decisive_text(self) -> str:
        """The text whose prediction is the item's, hence the one to explain: a thread screenshot's riskiest
        message, else the item's text."""
        analysis = self.analysis
        if analysis is not None and analysis.blocks and analysis.riskiest_block is not None:
            return analysis.blocks[analysis.riskiest_block].text
        return self.text


@dataclass(frozen=True)
class Filter:
    """Which items to show; every condition given must hold (None / empty = any)."""

    labels: tuple[tuple[str, str], ...] = ()  # (task, label) pairs the shown verdict carries (multi-label: among others)
    decision: str | None = None  # one of DECISION_FILTERS
    uncertain: bool | None = None  # True: only uncertain items; False: only certain ones
    group: str | None = None  # a group id, or "grouped" for any item in a group of two or more

    def __post_init__(self) -> None:
        if self.decision is not None and self.decision not in DECISION_FILTERS:
            raise ValueError(f"unknown decision filter {self.decision!r}; expected one of {DECISION_FILTERS}")


@dataclass
class Action:
    """What one decide/undo/redo did: the rows written, the items changed, the members left out."""

    kind: str
    entries: list[LogEntry]
    items: list[ReviewItem]
    skipped: list[ReviewItem] = field(default_factory=list)
    rows: list[NewEntry] = field(default_factory=list, repr=False)


class ReviewSession:
    def __init__(self, log: ReviewLog | None = None, policy: Policy | None = None, moderator: str = "",
                 combos: dict | None = None):
        self.items: dict[int, ReviewItem] = {}
        self.policy = policy or Policy()
        self.moderator = moderator
        self.combos = combos
        self.conditional: set[str] | None = None  # see `set_tasks`
        self.log: ReviewLog | None = None
        self.states: dict = {}
        self._next_key = 0
        self._undo: list[Action] = []
        self._redo: list[Action] = []
        self._verdicts: dict[int, Verdict | None] = {}
        self.set_log(log)

    # ----- items --------------------------------------------------------------------------
    def add(self, source: Path | bytes | str, name: str, sha256: str | None = None) -> ReviewItem:
        item = ReviewItem(self._next_key, source, name)
        if isinstance(source, str):
            item.text = source
        self._next_key += 1
        self.items[item.key] = item
        if sha256 is not None:
            self.set_hash(item, sha256)
        return item

    def set_hash(self, item: ReviewItem, sha256: str) -> None:
        """Record the item's content hash and restore its logged decision and note."""
        item.sha256 = sha256
        self._restore(item)

    def set_analysis(self, item: ReviewItem, analysis) -> None:
        item.analysis, item.status, item.error = analysis, "done", ""
        if analysis.ocr is not None:
            item.ocr = analysis.ocr
        item.text = analysis.text  # the OCR text, or the moderator's correction of it
        item.explanation, item.text_edited = None, False
        self._verdicts.pop(item.key, None)

    def set_failed(self, item: ReviewItem, message: str) -> None:
        item.status, item.error = "error", message

    def edit_text(self, item: ReviewItem, text: str) -> None:
        """The moderator corrected the text: classify it as typed next time (no new OCR)."""
        item.text, item.text_edited, item.engine = text, True, ""
        if not item.is_image:  # a text item's content is its text: a new text is new content (new hash)
            item.source = text
            self.set_hash(item, sha256_text(text))

    def set_groups(self, groups: dict[int, str | None]) -> None:
        """Near-duplicate group id per item key (from `banglahate_gui.grouping`)."""
        for key, group in groups.items():
            if key in self.items:
                self.items[key].group = group

    def members(self, item: ReviewItem) -> list[ReviewItem]:
        """The item's near-duplicate group in arrival order (just the item when it is alone)."""
        if item.group is None:
            return [item]
        return [i for i in self.items.values() if i.group == item.group]

    def group_sizes(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for item in self.items.values():
            if item.group is not None:
                sizes[item.group] = sizes.get(item.group, 0) + 1
        return sizes

    # ----- verdicts, filters, order -------------------------------------------------------
    def set_policy(self, policy: Policy) -> None:
        self.policy = policy
        self._verdicts.clear()

    def set_tasks(self, tasks) -> None:
        """The loaded bundle's task schema (`model.schema.Task`s): which tasks are conditional on another."""
        self.conditional = {t.name for t in tasks if t.condition is not None}
        self._verdicts.clear()

    def verdict(self, item: ReviewItem) -> Verdict | None:
        if item.analysis is None:
            return None
        if item.key not in self._verdicts:
            self._verdicts[item.key] = judge(item.analysis.prediction, self.policy, self.combos, self.conditional)
        return self._verdicts[item.key]

    def probability(self, item: ReviewItem, task: str, label: str) -> float | None:
        """P(label) of a task, None when not analysed or the text was insufficient."""
        if item.analysis is None or task not in item.analysis.prediction.tasks:
            return None
        probs = item.analysis.prediction.tasks[task].probabilities
        return None if probs is None else probs.get(label)

    def matches(self, item: ReviewItem, f: Filter) -> bool:
        verdict = self.verdict(item)
        for task, label in f.labels:
            shown = verdict.tasks.get(task) if verdict else None
            if shown is None or (label not in shown.shown_labels and shown.label != label):
                return False
        if f.decision == UNDECIDED and item.decision is not None:
            return False
        if f.decision == "decided" and item.decision is None:
            return False
        if f.decision in VERDICTS and item.decision != f.decision:
            return False
        if f.uncertain is not None and (verdict is not None and verdict.uncertain) != f.uncertain:
            return False
        if f.group == "grouped":
            return item.group is not None and self.group_sizes().get(item.group, 0) > 1
        return f.group is None or item.group == f.group

    def view(self, f: Filter | None = None, sort: str = DEFAULT_SORT) -> list[ReviewItem]:
        """Items passing `f`, ordered by `sort`; items without that probability (not analysed,
        insufficient text) come last, in arrival order."""
        shown = [i for i in self.items.values() if f is None or self.matches(i, f)]
        if sort == ARRIVAL:
            return shown
        task, _, label = sort.partition(":")

        def key(item: ReviewItem):
            p = self.probability(item, task, label)
            return (p is None, -(p or 0.0), item.key)

        return sorted(shown, key=key)

    def next_undecided(self, shown: list[ReviewItem], current: ReviewItem | None) -> ReviewItem | None:
        """The first undecided item after `current` in `shown` (wrapping); None when all are decided."""
        start = shown.index(current) + 1 if current in shown else 0
        for item in shown[start:] + shown[:start]:
            if item.decision is None and item is not current:
                return item
        return None

    def counts(self) -> dict[str, int]:
        items = list(self.items.values())
        return {
            "items": len(items),
            "waiting": sum(i.status in ("pending", "analysing") for i in items),
            "decided": sum(i.decision is not None for i in items),
            "errors": sum(i.status == "error" for i in items),
            "uncertain": sum(bool(v and v.uncertain) for v in map(self.verdict, items)),
        }

    # ----- decisions ----------------------------------------------------------------------
    def set_log(self, log: ReviewLog | None) -> None:
        """Use another log (or none): decisions are restored from it, the undo history is cleared."""
        self.log = log
        self.states = log.states() if log is not None else {}
        self._undo.clear()
        self._redo.clear()
        for item in self.items.values():
            self._restore(item)

    def _restore(self, item: ReviewItem) -> None:
        state = self.states.get(item.sha256) if item.sha256 else None
        item.decision = state.decision if state else None
        item.note = state.note if state else None
        item.moderator = state.moderator if state else None
        item.reason = state.reason if state else None

    def _writable_log(self) -> ReviewLog:
        if self.log is None:
            raise ReviewError("No review log is open: decisions are not being saved. "
                              "Choose a file in Settings ▸ Review log file.")
        if self.log.readonly:
            raise ReviewError(f"The review log {self.log.path} is open read-only: decisions cannot be saved. "
                              "Choose a writable file in Settings ▸ Review log file.")
        return self.log

    def _row(self, item: ReviewItem, decision: str, note: str | None, reason: str | None,
             group: str | None) -> NewEntry:
        analysis = item.analysis
        prediction = analysis.prediction
        verdict = self.verdict(item)
        return NewEntry(
            item.sha256, decision, path=item.path, note=note, ocr_text=analysis.text,
            probabilities={n: (dict(t.probabilities) if t.probabilities is not None else None)
                           for n, t in prediction.tasks.items()},
            labels={n: _logged_label(t, verdict.tasks.get(n)) for n, t in prediction.tasks.items()},
            bundle_id=analysis.bundle_id, moderator=self.moderator or None, reason=reason or None, group_id=group,
        )

    @staticmethod
    def _refuse_unanalysed(item: ReviewItem) -> None:
        if item.analysis is None:
            state = {"pending": "is still waiting to be analysed", "analysing": "is still being analysed",
                     "error": "could not be analysed", "cancelled": "was not analysed (cancelled)"}
            raise ReviewError(f"{item.name} {state.get(item.status, 'is not analysed')}: decide once its result "
                              "is shown (type or correct its text and Re-analyze if needed).")
        if item.sha256 is None:
            raise ReviewError(f"{item.name}: its content hash is not computed yet; try again in a moment.")

    def decide(self, item: ReviewItem, decision: str, *, note: str | None = None, reason: str | None = None,
               group: bool = False) -> Action:
        """Record a verdict (or a note) for `item` — for its whole near-duplicate group if `group`.

        Group members not analysed yet are left out and listed in `Action.skipped`."""
        if decision not in VERDICTS + ("note",):
            raise ValueError(f"unknown decision {decision!r}")
        self._refuse_unanalysed(item)
        members = self.members(item) if group else [item]
        chosen = [m for m in members if m.analysis is not None and m.sha256 is not None]
        skipped = [m for m in members if m not in chosen]
        group_id = item.group if group and len(members) > 1 else None
        rows = [self._row(m, decision, note, reason, group_id) for m in chosen]
        action = self._write(rows, "decide")
        action.skipped = skipped
        self._redo.clear()
        return action

    def note(self, item: ReviewItem, text: str) -> Action:
        return self.decide(item, "note", note=text)

    def _write(self, rows: list[NewEntry], kind: str) -> Action:
        log = self._writable_log()
        try:
            entries = log.record_many(rows)
        except ReviewLogError as exc:
            raise ReviewError(str(exc)) from exc
        action = Action(kind, entries, self._apply({e.sha256 for e in entries}), rows=rows)
        self._undo.append(action)
        return action

    def _apply(self, hashes: set[str]) -> list[ReviewItem]:
        """Refresh the state of every item with one of `hashes` (exact duplicates share it)."""
        for sha in hashes:
            self.states[sha] = self.log.state(sha)
        changed = [i for i in self.items.values() if i.sha256 in hashes]
        for item in changed:
            self._restore(item)
        return changed

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> Action:
        """Cancel this session's latest action (every row of a group decision); nothing is deleted."""
        if not self._undo:
            raise ReviewError("Nothing to undo in this session.")
        log = self._writable_log()
        action = self._undo[-1]
        try:
            entries = log.undo_many([e.id for e in action.entries], self.moderator or None)
        except ReviewLogError as exc:
            raise ReviewError(str(exc)) from exc
        self._undo.pop()
        self._redo.append(action)
        return Action("undo", entries, self._apply({e.sha256 for e in entries}), rows=action.rows)

    def redo(self) -> Action:
        """Record the last undone action again (new rows)."""
        if not self._redo:
            raise ReviewError("Nothing to redo.")
        action = self._write(self._redo[-1].rows, "redo")
        self._redo.pop()
        return action

    def export(self, kind: str, out_path: str | Path) -> int:
        """`decisions`: final decisions CSV (one row per item); `csv` / `jsonl`: the full event log.
        Returns rows written; works on a read-only log."""
        writers = {"decisions": export_decisions_csv, "csv": export_csv, "jsonl": export_jsonl}
        if kind not in writers:
            raise ValueError(f"unknown export {kind!r}; expected one of {', '.join(writers)}")
        if self.log is None:
            raise ReviewError("No review log is open: there is nothing to export.")
        try:
            return writers[kind](self.log, out_path)
        except (OSError, ReviewLogError) as exc:
            raise ReviewError(f"Export failed: {exc}") from exc

    @staticmethod
    def describe(action: Action) -> str:
        """One line for the status bar."""
        names = ", ".join(i.name for i in action.items[:3]) + ("…" if len(action.items) > 3 else "")
        decided = action.kind == "decide" and bool(action.entries)
        verb = (action.entries[0].decision if decided else action.kind).capitalize()
        group = f" for the group of {len(action.entries)}" if decided and len(action.entries) > 1 else ""
        text = f"{verb}{group}: {names}"
        if action.skipped:
            text += f" ({len(action.skipped)} not analysed yet, left undecided)"
        return text


GUI_BUSY_TIMEOUT = 0.25
"""Seconds a decision waits for another program's lock on the log before saying so (the GUI never freezes)."""


def open_log(path: str | Path, busy_timeout: float = GUI_BUSY_TIMEOUT) -> tuple[ReviewLog | None, str]:
    """Open the log for writing; a read-only file is opened read-only (decisions refused, export works).
    Returns (log or None, a message for the moderator or "")."""
    try:
        return ReviewLog(path, busy_timeout=busy_timeout), ""
    except LogReadOnlyError as exc:
        try:
            return ReviewLog(path, readonly=True), f"{exc}. Choose a writable file in Settings ▸ Review log file."
        except (ReviewLogError, OSError, sqlite3.Error) as inner:
            return None, f"Cannot open the review log {path}: {inner}."
    except (ReviewLogError, OSError, sqlite3.Error) as exc:
        return None, (f"Cannot open the review log {path}: {exc}. Decisions are not being saved; "
                      "choose another file in Settings ▸ Review log file.")


def _logged_label(prediction, shown) -> str | list[str]:
    """The label a row records: a multi-label task's labels as the moderator saw them (a JSON list,
    decided by the policy's per-label thresholds), else the model's label."""
    if getattr(prediction, "kind", "softmax") == "sigmoid" and prediction.probabilities is not None and shown:
        return list(shown.labels)
    return prediction.label


def status_text(item: ReviewItem, verdict: Verdict | None) -> str:
    """A short queue-row line: the verdict (with uncertainty) or the item's progress."""
    if verdict is None:
        if item.error:
            return "⚠ " + item.error[:60]
        return {"pending": "waiting…", "analysing": "analysing…"}.get(item.status, item.status)
    if verdict.insufficient_text:
        return "insufficient text"
    p = verdict.hate_probability
    flags = "".join(f" · ⚠ {t.task} {' + '.join(t.shown_labels).replace('_', ' ')}" for t in verdict.flags)
    if verdict.uncertain:
        return f"uncertain · P(hate) {p:.0%}{flags}"
    if verdict.hateful:
        kind = verdict.tasks.get("type")
        detail = f" · {kind.label.replace('_', ' ')}" if kind and kind.label not in ("not_hate", INSUFFICIENT) else ""
        return f"HATE {p:.0%}{detail}{flags}"
    return f"not hate · P(hate) {p:.0%}{flags}"
