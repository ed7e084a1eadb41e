"""Analysis cache: one SQLite file remembering `Analysis.to_dict()` per (file hash, bundle id, OCR settings).

Shared by `banglahate triage` (resume) and the GUI (remember analyses). Values are JSON, never pickle;
the file is in WAL mode with autocommit, so several processes can read and write it at once and a
killed process loses at most the row it was writing.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (
    sha256    TEXT NOT NULL,
    bundle_id TEXT NOT NULL,
    ocr_key   TEXT NOT NULL,
    analysis  TEXT NOT NULL,
    PRIMARY KEY (sha256, bundle_id, ocr_key)
);
"""


def default_cache_path() -> Path:
    """`$BANGLAHATE_CACHE_DIR`, else the platform's user cache dir (XDG on Linux), + `analyses.sqlite`."""
    override = os.environ.get("BANGLAHATE_CACHE_DIR")
    if override:
        return Path(override) / "analyses.sqlite"
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "banglahate" / "Cache" / "analyses.sqlite"
    if os.uname().sysname == "Darwin":
        return Path.home() / "Library" / "Caches" / "banglahate" / "analyses.sqlite"
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "banglahate" / "analyses.sqlite"


class AnalysisCache:
    """Get/put analysis dicts by (sha256, bundle_id, ocr_key); opened (and created) by the constructor."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(_SCHEMA)
        except BaseException:  # not a database, locked, read-only: no connection left open
            self._conn.close()
            raise

    def get(self, sha256: str, bundle_id: str, ocr_key: str) -> dict | None:
        row = self._conn.execute(
            "SELECT analysis FROM analyses WHERE sha256 = ? AND bundle_id = ? AND ocr_key = ?",
            (sha256, bundle_id, ocr_key),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, sha256: str, bundle_id: str, ocr_key: str, analysis: dict) -> None:
        """Store (or replace) one analysis; committed when this returns."""
        sql = "INSERT OR REPLACE INTO analyses (sha256, bundle_id, ocr_key, analysis) VALUES (?, ?, ?, ?)"
        try:
            self._conn.execute(sql, (sha256, bundle_id, ocr_key, json.dumps(analysis, ensure_ascii=False)))
        except UnicodeEncodeError:  # a lone surrogate (non-UTF-8 file name): \uXXXX escapes round-trip it
            self._conn.execute(sql, (sha256, bundle_id, ocr_key, json.dumps(analysis)))

    def __len__(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> AnalysisCache:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
