"""Append-only SQLite log of moderator decisions (pure Python, no Qt).

Every decision is one row, committed the moment it is recorded (WAL journal, autocommit), so a
crash or kill loses nothing. Rows are never updated or deleted: an undo is a row of its own that
names the row it cancels, and an item's state is the latest row that is not cancelled. Items are
keyed by the SHA-256 of their content, so decisions follow a file that is moved or renamed.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

VERDICTS: tuple[str, ...] = ("approve", "remove", "escalate")
"""Decisions that set an item's verdict (the latest uncancelled one wins)."""
KINDS: tuple[str, ...] = VERDICTS + ("note", "undo")
"""Every row kind: a `note` annotates without changing the verdict, an `undo` cancels one row."""
SCHEMA_VERSION = 1
COLUMNS: tuple[str, ...] = (
    "id", "time", "sha256", "path", "decision", "note", "ocr_text", "probabilities", "bundle_id", "undoes",
)

_SCHEMA = f"""
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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """Content hash of a text item (pasted or typed), over its UTF-8 bytes."""
    return sha256_bytes(text.encode("utf-8"))


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_row(cls, row: tuple) -> "LogEntry":
        values = dict(zip(COLUMNS, row))
        values["probabilities"] = json.loads(values["probabilities"]) if values["probabilities"] else None
        return cls(**values)


@dataclass(frozen=True)
class ItemState:
    """Where an item stands: its winning verdict and latest note (each None when there is none)."""

    sha256: str
    decision: str | None = None
    note: str | None = None
    decided_at: str | None = None
    path: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class ReviewLog:
    """The decision log in one SQLite file; opened (and created) by the constructor."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: autocommit, every INSERT is durable when `record` returns.
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @property
    def journal_mode(self) -> str:
        return self._conn.execute("PRAGMA journal_mode").fetchone()[0]

    def record(
        self,
        sha256: str,
        decision: str,
        *,
        path: str | Path = "",
        note: str | None = None,
        ocr_text: str | None = None,
        probabilities: dict | None = None,
        bundle_id: str | None = None,
    ) -> LogEntry:
        """Append one decision (a verdict or a note) and commit it; returns the row written."""
        if decision not in VERDICTS + ("note",):
            raise ValueError(f"unknown decision {decision!r}; expected one of {', '.join(VERDICTS)} or note")
        return self._insert(sha256, decision, str(path), note, ocr_text, probabilities, bundle_id, None)

    def undo(self, entry_id: int) -> LogEntry:
        """Cancel row `entry_id` by appending an `undo` row; the item falls back to its previous state."""
        target = self.entry(entry_id)
        if target.decision == "undo":
            raise ValueError(f"row {entry_id} is itself an undo")
        if self._conn.execute("SELECT 1 FROM decisions WHERE undoes = ?", (entry_id,)).fetchone():
            raise ValueError(f"row {entry_id} is already undone")
        return self._insert(target.sha256, "undo", target.path, None, None, None, None, entry_id)

    def _insert(self, sha256, decision, path, note, ocr_text, probabilities, bundle_id, undoes) -> LogEntry:
        probs = json.dumps(probabilities, ensure_ascii=False, sort_keys=True) if probabilities is not None else None
        values = (_now(), sha256, path, decision, note, ocr_text, probs, bundle_id, undoes)
        cursor = self._conn.execute(
            f"INSERT INTO decisions ({', '.join(COLUMNS[1:])}) VALUES ({', '.join('?' * len(values))})", values
        )
        return self.entry(cursor.lastrowid)

    def entry(self, entry_id: int) -> LogEntry:
        row = self._conn.execute(f"SELECT {', '.join(COLUMNS)} FROM decisions WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise KeyError(f"no row {entry_id} in {self.path}")
        return LogEntry.from_row(row)

    def entries(self, sha256: str | None = None) -> list[LogEntry]:
        """Every row in order of writing (of one item when `sha256` is given)."""
        query = f"SELECT {', '.join(COLUMNS)} FROM decisions"
        args: tuple = ()
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

    def __enter__(self) -> "ReviewLog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def current_states(entries: list[LogEntry]) -> dict[str, ItemState]:
    """Replay rows (in id order): the latest uncancelled verdict and note of each item win."""
    undone = {e.undoes for e in entries if e.decision == "undo"}
    states: dict[str, ItemState] = {}
    for e in entries:
        state = states.setdefault(e.sha256, ItemState(e.sha256, path=e.path))
        if e.decision == "undo" or e.id in undone:
            continue
        if e.decision == "note":
            states[e.sha256] = ItemState(e.sha256, state.decision, e.note, state.decided_at, e.path or state.path)
        else:
            states[e.sha256] = ItemState(e.sha256, e.decision, state.note, e.time, e.path or state.path)
    return states


def _rows_for_export(log: ReviewLog | str | Path) -> list[LogEntry]:
    if isinstance(log, ReviewLog):
        return log.entries()
    with ReviewLog(log) as opened:
        return opened.entries()


def export_csv(log: ReviewLog | str | Path, out_path: str | Path) -> int:
    """Write every row (the full audit trail) as CSV, probabilities as a JSON string; returns rows written."""
    entries = _rows_for_export(log)
    with open(out_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for e in entries:
            row = e.to_dict()
            if row["probabilities"] is not None:
                row["probabilities"] = json.dumps(row["probabilities"], ensure_ascii=False, sort_keys=True)
            writer.writerow(row)
    return len(entries)


def export_jsonl(log: ReviewLog | str | Path, out_path: str | Path) -> int:
    """Write every row as one JSON object per line; returns rows written."""
    entries = _rows_for_export(log)
    with open(out_path, "w", encoding="utf-8") as handle:
        for e in entries:
            handle.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")
    return len(entries)
