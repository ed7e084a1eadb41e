"""Append-only SQLite log of moderator decisions (pure Python, no Qt).

Every decision is one row, committed the moment it is recorded (WAL journal, `synchronous=FULL`), so
a crash or kill loses nothing. Rows are never updated or deleted: an undo is a row of its own that
names the row it cancels, and an item's state is the latest row that is not cancelled. Items are
keyed by the SHA-256 of their content, so decisions follow a file that is moved or renamed.

The file carries its schema version (a `schema_version` table, mirrored in `PRAGMA user_version`);
older logs are migrated forward when opened for writing, a log from a newer schema is refused and
left untouched. Opening a new log from several processes at once is safe (busy timeout + retry).
A read-only log can still be opened with `readonly=True` (and exported).
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from banglahate_gui.hashing import sha256_bytes, sha256_file, sha256_text  # noqa: F401 - re-exported

VERDICTS: tuple[str, ...] = ("approve", "remove", "escalate")
"""Decisions that set an item's verdict (the latest uncancelled one wins)."""
KINDS: tuple[str, ...] = VERDICTS + ("note", "undo")
"""Every row kind: a `note` annotates without changing the verdict, an `undo` cancels one row."""
SCHEMA_VERSION = 3
COLUMNS: tuple[str, ...] = (
    "id", "time", "sha256", "path", "decision", "note", "ocr_text", "probabilities", "bundle_id", "undoes",
    "moderator", "reason", "group_id", "labels",
)
JSON_COLUMNS = ("probabilities", "labels")
SYNCHRONOUS_FULL = 2
"""`PRAGMA synchronous` value every writing connection runs with (FULL: fsync on each commit)."""

_V1 = f"""
CREATE TABLE IF NOT EXISTS decisions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    time          TEXT    NOT NULL,
    sha256        TEXT    NOT NULL,
    path          TEXT    NOT NULL DEFAULT '',
    decision      TEXT    NOT NULL CHECK (decision IN ({", ".join(f"'{k}'" for k in KINDS)})),
    note          TEXT,
    ocr_text      TEXT,
    probabilities TEXT,
    bundle_id     TEXT,
    undoes        INTEGER REFERENCES decisions(id)
);
CREATE INDEX IF NOT EXISTS decisions_sha256 ON decisions(sha256);
"""
_V2 = """
ALTER TABLE decisions ADD COLUMN moderator TEXT;
ALTER TABLE decisions ADD COLUMN reason TEXT;
ALTER TABLE decisions ADD COLUMN group_id TEXT;
ALTER TABLE decisions ADD COLUMN labels TEXT;
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied TEXT NOT NULL);
"""
_V3 = ""
"""Version 3 changes no column: a multi-label task's entry in `labels` is a JSON list of the labels shown
(older builds, which expect one string per task, refuse such a log instead of misreading it)."""
MIGRATIONS: dict[int, str] = {1: _V1, 2: _V2, 3: _V3}
"""Version -> the script that brings a log from version-1 to it (applied in order, one transaction each)."""


class ReviewLogError(Exception):
    """The review log cannot be used as asked; the message says why and what to do."""


class LogSchemaError(ReviewLogError):
    """The log was written by a newer schema than this build knows (it is not touched)."""


class LogReadOnlyError(ReviewLogError):
    """The log file cannot be written; open it with `readonly=True` to read or export it."""


class LogBusyError(ReviewLogError):
    """Another program holds the log's write lock longer than the busy timeout; nothing was written."""


@dataclass(frozen=True)
class LogEntry:
    """One row of the log, as written."""

    id: int
    time: str
    sha256: str
    path: str
    decision: str
    note: str | None = None
    ocr_text: str | None = None
    probabilities: dict | None = None
    bundle_id: str | None = None
    undoes: int | None = None
    moderator: str | None = None
    reason: str | None = None
    group_id: str | None = None
    labels: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_row(cls, row: tuple) -> LogEntry:
        values = dict(zip(COLUMNS, row))
        for column in JSON_COLUMNS:
            values[column] = json.loads(values[column]) if values[column] else None
        return cls(**values)


@dataclass(frozen=True)
class ItemState:
    """Where an item stands: its winning verdict (with who, when, why) and latest note."""

    sha256: str
    decision: str | None = None
    note: str | None = None
    decided_at: str | None = None
    path: str = ""
    moderator: str | None = None
    reason: str | None = None
    entry_id: int | None = None  # the row that set the verdict

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class NewEntry:
    """What `ReviewLog.record_many` writes for one item."""

    sha256: str
    decision: str
    path: str = ""
    note: str | None = None
    ocr_text: str | None = None
    probabilities: dict | None = None
    bundle_id: str | None = None
    moderator: str | None = None
    reason: str | None = None
    group_id: str | None = None
    labels: dict | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


T = TypeVar("T")


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _retry(fn: Callable[[], T], seconds: float) -> T:
    """Run `fn`, retrying with backoff while SQLite says locked/busy, for up to `seconds`."""
    deadline, pause = time.monotonic() + seconds, 0.01
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


class ReviewLog:
    """The decision log in one SQLite file; opened (created, migrated) by the constructor.

    `busy_timeout` (seconds) bounds how long one write waits for another writer's lock before
    `LogBusyError`; `open_timeout` bounds the retries while several processes create or migrate it.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False, busy_timeout: float = 5.0,
                 open_timeout: float = 30.0):
        self.path = Path(path)
        self.readonly = readonly
        if readonly:
            self._conn = self._open_readonly()
            self._columns = self._check_version(self._conn)[1]
            return
        if self.path.exists() and not os.access(self.path, os.W_OK):
            raise LogReadOnlyError(f"the review log {self.path} is read-only: decisions cannot be saved to it "
                                   "(it can still be opened read-only and exported)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit, every INSERT is durable when `record` returns.
        self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=busy_timeout)
        try:
            _retry(lambda: self._conn.execute("PRAGMA journal_mode=WAL").fetchone(), open_timeout)
            self._conn.execute(f"PRAGMA synchronous={SYNCHRONOUS_FULL}")
            _retry(self._migrate, open_timeout)
        except BaseException:
            self._conn.close()
            raise
        self._columns = COLUMNS

    # ----- opening ------------------------------------------------------------------------
    def _open_readonly(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise FileNotFoundError(f"no review log at {self.path}")
        uri = self.path.resolve().as_uri()
        try:
            conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, isolation_level=None)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            # A WAL file in a folder we cannot write (no -shm can be made): read the file as it is.
            conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn

    def _check_version(self, conn: sqlite3.Connection) -> tuple[int, tuple[str, ...]]:
        """(version, columns present); raises `LogSchemaError` for a newer log."""
        version = stored_version(conn)
        if version > SCHEMA_VERSION:
            raise LogSchemaError(
                f"the review log {self.path} has schema version {version}, newer than this program's "
                f"{SCHEMA_VERSION}: it was written by a newer BanglaHate Moderator. Open it with that version, "
                "or choose another review log file; it has not been changed.")
        present = {row[1] for row in conn.execute("PRAGMA table_info(decisions)")}
        return version, tuple(c for c in COLUMNS if c in present)

    def _migrate(self) -> None:
        conn = self._conn
        if self._check_version(conn)[0] == SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then see it done
        try:
            version = self._check_version(conn)[0]
            for target in range(version + 1, SCHEMA_VERSION + 1):
                for statement in filter(str.strip, MIGRATIONS[target].split(";")):
                    conn.execute(statement)
                if target >= 2:
                    conn.execute("INSERT INTO schema_version (version, applied) VALUES (?, ?)", (target, _now()))
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    @property
    def journal_mode(self) -> str:
        return self._conn.execute("PRAGMA journal_mode").fetchone()[0]

    @property
    def synchronous(self) -> int:
        return int(self._conn.execute("PRAGMA synchronous").fetchone()[0])

    @property
    def schema_version(self) -> int:
        return stored_version(self._conn)

    # ----- writing ------------------------------------------------------------------------
    def record(self, sha256: str, decision: str, **fields) -> LogEntry:
        """Append one decision (a verdict or a note) and commit it; returns the row written."""
        return self.record_many([NewEntry(sha256, decision, **fields)])[0]

    def record_many(self, rows: Iterable[NewEntry]) -> list[LogEntry]:
        """Append several decisions in one transaction (all or none); returns the rows written."""
        rows = list(rows)
        for row in rows:
            if row.decision not in VERDICTS + ("note",):
                raise ValueError(f"unknown decision {row.decision!r}; expected one of {', '.join(VERDICTS)} or note")
        return self._insert([(r.sha256, r.decision, str(r.path), r.note, r.ocr_text, r.probabilities, r.bundle_id,
                              None, r.moderator, r.reason, r.group_id, r.labels) for r in rows])

    def undo(self, entry_id: int, moderator: str | None = None) -> LogEntry:
        """Cancel row `entry_id` by appending an `undo` row; the item falls back to its previous state."""
        return self.undo_many([entry_id], moderator)[0]

    def undo_many(self, entry_ids: Iterable[int], moderator: str | None = None) -> list[LogEntry]:
        """Cancel several rows in one transaction (all or none)."""
        values = []
        for entry_id in entry_ids:
            target = self.entry(entry_id)
            if target.decision == "undo":
                raise ValueError(f"row {entry_id} is itself an undo")
            if self._conn.execute("SELECT 1 FROM decisions WHERE undoes = ?", (entry_id,)).fetchone():
                raise ValueError(f"row {entry_id} is already undone")
            values.append((target.sha256, "undo", target.path, None, None, None, None, entry_id, moderator, None,
                           target.group_id, None))
        return self._insert(values)

    def _insert(self, rows: list[tuple]) -> list[LogEntry]:
        if self.readonly:
            raise LogReadOnlyError(f"the review log {self.path} is open read-only: nothing can be recorded")
        columns = COLUMNS[1:]
        sql = f"INSERT INTO decisions ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        ids: list[int] = []
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._translate(exc) from exc
        try:
            for row in rows:
                sha, decision, path, note, text, probs, bundle, undoes, moderator, reason, group, labels = row
                values = (_now(), sha, path, decision, note, text, _json(probs), bundle, undoes, moderator, reason,
                          group, _json(labels))
                ids.append(self._conn.execute(sql, values).lastrowid)
            self._conn.execute("COMMIT")
        except BaseException as exc:
            self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise self._translate(exc) from exc
            raise
        return [self.entry(i) for i in ids]

    def _translate(self, exc: sqlite3.OperationalError) -> Exception:
        if _is_busy(exc):
            return LogBusyError(f"the review log {self.path} is locked by another program; nothing was saved. "
                                "Try again in a moment, or close the other program using it.")
        if "readonly" in str(exc).lower():
            return LogReadOnlyError(f"the review log {self.path} cannot be written ({exc}); nothing was saved")
        return exc

    # ----- reading ------------------------------------------------------------------------
    def _select(self) -> str:
        return "SELECT " + ", ".join(c if c in self._columns else f"NULL AS {c}" for c in COLUMNS) + " FROM decisions"

    def entry(self, entry_id: int) -> LogEntry:
        row = self._conn.execute(self._select() + " WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KeyError(f"no row {entry_id} in {self.path}")
        return LogEntry.from_row(row)

    def entries(self, sha256: str | None = None) -> list[LogEntry]:
        """Every row in order of writing (of one item when `sha256` is given)."""
        if "id" not in self._columns:  # an empty read-only file: no table yet
            return []
        query, args = self._select(), ()
        if sha256 is not None:
            query, args = query + " WHERE sha256 = ?", (sha256,)
        return [LogEntry.from_row(row) for row in self._conn.execute(query + " ORDER BY id", args)]

    def states(self) -> dict[str, ItemState]:
        """Current state of every item in the log, by content hash."""
        return current_states(self.entries())

    def state(self, sha256: str) -> ItemState:
        return current_states(self.entries(sha256)).get(sha256, ItemState(sha256))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> ReviewLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def stored_version(conn: sqlite3.Connection) -> int:
    """The schema version a log file declares (0 for an empty file)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    table_version = 0
    if "schema_version" in tables:
        table_version = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]
    if "decisions" in tables:
        return max(user_version, table_version, 1)
    return max(user_version, table_version)


def _json(value) -> str | None:
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value is not None else None


def current_states(entries: list[LogEntry]) -> dict[str, ItemState]:
    """Replay rows (in id order): the latest uncancelled verdict and note of each item win."""
    undone = {e.undoes for e in entries if e.decision == "undo"}
    states: dict[str, ItemState] = {}
    for e in entries:
        state = states.setdefault(e.sha256, ItemState(e.sha256, path=e.path))
        if e.decision == "undo" or e.id in undone:
            continue
        path = e.path or state.path
        if e.decision == "note":
            states[e.sha256] = ItemState(e.sha256, state.decision, e.note, state.decided_at, path, state.moderator,
                                         state.reason, state.entry_id)
        else:
            states[e.sha256] = ItemState(e.sha256, e.decision, state.note, e.time, path, e.moderator, e.reason, e.id)
    return states


def _read_entries(log: ReviewLog | str | Path) -> list[LogEntry]:
    if isinstance(log, ReviewLog):
        return log.entries()
    with ReviewLog(log, readonly=True) as opened:
        return opened.entries()


def export_csv(log: ReviewLog | str | Path, out_path: str | Path) -> int:
    """Write every row (the full audit trail) as CSV, JSON columns as JSON strings; returns rows written."""
    entries = _read_entries(log)
    with open(out_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for e in entries:
            row = e.to_dict()
            for column in JSON_COLUMNS:
                row[column] = _json(row[column])
            writer.writerow(row)
    return len(entries)


def export_jsonl(log: ReviewLog | str | Path, out_path: str | Path) -> int:
    """Write every row as one JSON object per line; returns rows written."""
    entries = _read_entries(log)
    with open(out_path, "w", encoding="utf-8") as handle:
        for e in entries:
            handle.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")
    return len(entries)


DECISION_COLUMNS: tuple[str, ...] = (
    "path", "sha256", "decision", "reason", "note", "moderator", "decided_at", "text", "bundle_id", "group_id",
)


def final_decisions(entries: list[LogEntry]) -> list[dict]:
    """One flat row per item that has a verdict or a note: the final state and what it was decided on.

    Per task `<task>_label` and `<task>_probability` (of that label) come from the row that set the
    verdict; a prediction with too little text has label `insufficient_text` and an empty probability.
    A multi-label task (its labels logged as a list) gets its labels joined with "+" (`none` when none
    passed) and one `<task>_p_<label>` column per label instead of `<task>_probability`.
    """
    by_id = {e.id: e for e in entries}
    rows = []
    for sha, state in current_states(entries).items():
        if state.decision is None and state.note is None:
            continue
        source = by_id.get(state.entry_id) if state.entry_id is not None else None
        row = {"path": state.path, "sha256": sha, "decision": state.decision or "", "reason": state.reason or "",
               "note": state.note or "", "moderator": state.moderator or "", "decided_at": state.decided_at or "",
               "text": (source.ocr_text if source else "") or "", "bundle_id": (source.bundle_id if source else "") or "",
               "group_id": (source.group_id if source else "") or ""}
        probabilities = (source.probabilities if source else None) or {}
        labels = (source.labels if source else None) or {}
        for task in sorted(set(probabilities) | set(labels)):
            probs = probabilities.get(task)
            label = labels.get(task)
            if isinstance(label, list):
                row[f"{task}_label"] = "+".join(label) or "none"
                row.update({f"{task}_p_{name}": round(float(p), 6) for name, p in (probs or {}).items()})
                continue
            label = label or (max(probs, key=probs.get) if probs else "")
            row[f"{task}_label"] = label
            row[f"{task}_probability"] = "" if not probs or label not in probs else round(float(probs[label]), 6)
        rows.append(row)
    return rows


def export_decisions_csv(log: ReviewLog | str | Path, out_path: str | Path) -> int:
    """Write the final decisions (one row per item, flat columns); returns items written."""
    rows = final_decisions(_read_entries(log))
    task_columns = list(dict.fromkeys(sorted((k for r in rows for k in r if k not in DECISION_COLUMNS),
                                             key=lambda c: (not c.startswith("binary_"), c))))
    with open(out_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(DECISION_COLUMNS) + task_columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
