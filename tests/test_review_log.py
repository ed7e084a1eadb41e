"""The review log: WAL, durability across reopen, append-only latest-wins/undo, CSV/JSONL export, schema
version and migrations, several processes, locks, read-only files, kill -9 during a burst of writes."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from banglahate_gui.review.log import (
    ReviewLog,
    export_csv,
    export_jsonl,
    sha256_bytes,
    sha256_file,
    sha256_text,
)

PROBS = {"binary": {"not_hate": 0.2, "hate": 0.8}}


def test_wal_mode_and_each_decision_visible_to_another_connection(tmp_path):
    path = tmp_path / "log.sqlite3"
    log = ReviewLog(path)
    assert log.journal_mode == "wal"
    log.record("a" * 64, "approve", path="/x/a.png", probabilities=PROBS, bundle_id="b1", ocr_text="লেখা")
    # A second connection sees the row without the first being closed: it was committed at once.
    other = sqlite3.connect(path)
    assert other.execute("SELECT decision, path, bundle_id FROM decisions").fetchall() == [
        ("approve", "/x/a.png", "b1")
    ]
    other.close()
    log.close()


def test_decisions_survive_reopen_with_latest_winning(tmp_path):
    path = tmp_path / "log.sqlite3"
    with ReviewLog(path) as log:
        log.record("h1", "approve")
        log.record("h1", "remove", note=None)
        log.record("h2", "escalate")
        log.record("h2", "note", note="check with team")
    with ReviewLog(path) as log:
        states = log.states()
        assert states["h1"].decision == "remove"
        assert states["h2"].decision == "escalate"
        assert states["h2"].note == "check with team"
        assert len(log.entries()) == 4
        assert log.state("unknown").decision is None


def test_undo_appends_and_restores_previous_verdict(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        first = log.record("h", "approve")
        second = log.record("h", "remove")
        undo = log.undo(second.id)
        assert undo.decision == "undo" and undo.undoes == second.id and undo.sha256 == "h"
        assert log.state("h").decision == "approve"
        # Nothing is deleted: the cancelled row is still there.
        assert [e.decision for e in log.entries("h")] == ["approve", "remove", "undo"]
        log.undo(first.id)
        assert log.state("h").decision is None
        with pytest.raises(ValueError):
            log.undo(first.id)
        with pytest.raises(ValueError):
            log.undo(undo.id)
        with pytest.raises(ValueError):
            log.record("h", "delete")
        note = log.record("h", "note", note="n1")
        log.undo(note.id)
        assert log.state("h").note is None


def test_export_csv_and_jsonl_roundtrip_every_row(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        a = log.record("h1", "remove", path="/m/1.png", ocr_text="তুই একটা, \"বাজে\"\nলোক", probabilities=PROBS,
                       bundle_id="tiny")
        log.undo(a.id)
        log.record("h2", "note", note="আবার দেখো")
        assert export_csv(log, tmp_path / "out.csv") == 3
        assert export_jsonl(tmp_path / "log.sqlite3", tmp_path / "out.jsonl") == 3
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["decision"] for r in rows] == ["remove", "undo", "note"]
    assert rows[0]["ocr_text"] == "তুই একটা, \"বাজে\"\nলোক"
    assert json.loads(rows[0]["probabilities"]) == PROBS
    assert rows[1]["undoes"] == str(a.id)
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert lines[0]["probabilities"] == PROBS and lines[0]["bundle_id"] == "tiny"
    assert lines[2]["note"] == "আবার দেখো"
    assert set(lines[0]) == set(rows[0])


def test_content_hashes_agree(tmp_path):
    data = "মিম".encode("utf-8")
    (tmp_path / "f.bin").write_bytes(data)
    assert sha256_file(tmp_path / "f.bin") == sha256_bytes(data) == sha256_text("মিম")
    assert len(sha256_text("x")) == 64


# ----- schema version, migrations, concurrency, locks, read-only, crash safety ----------------------
import hashlib  # noqa: E402
import multiprocessing  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from banglahate_gui.review.log import (  # noqa: E402
    SCHEMA_VERSION,
    SYNCHRONOUS_FULL,
    LogBusyError,
    LogReadOnlyError,
    LogSchemaError,
    export_decisions_csv,
)

V1_SCHEMA = """
CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, sha256 TEXT NOT NULL,
  path TEXT NOT NULL DEFAULT '', decision TEXT NOT NULL, note TEXT, ocr_text TEXT, probabilities TEXT,
  bundle_id TEXT, undoes INTEGER REFERENCES decisions(id));
CREATE INDEX decisions_sha256 ON decisions(sha256);
PRAGMA user_version=1;
"""


def file_digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_new_log_declares_schema_version_and_durability(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        assert log.schema_version == SCHEMA_VERSION == 2
        assert log.synchronous == SYNCHRONOUS_FULL and log.journal_mode == "wal"
    conn = sqlite3.connect(tmp_path / "log.sqlite3")
    assert conn.execute("SELECT max(version) FROM schema_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_version_1_log_is_migrated_forward_keeping_rows(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(V1_SCHEMA)
    conn.execute("INSERT INTO decisions (time, sha256, path, decision, probabilities, bundle_id) "
                 "VALUES ('t', 'h1', '/a.png', 'remove', '{\"binary\": {\"hate\": 0.9}}', 'b1')")
    conn.commit()
    conn.close()
    with ReviewLog(path, readonly=True) as old:  # read as it is, before any migration
        assert old.schema_version == 1 and old.entries()[0].moderator is None
    with ReviewLog(path) as log:
        assert log.schema_version == SCHEMA_VERSION
        [row] = log.entries()
        assert (row.sha256, row.decision, row.bundle_id, row.probabilities) == ("h1", "remove", "b1",
                                                                                 {"binary": {"hate": 0.9}})
        new = log.record("h2", "approve", moderator="rumi", reason="policy-3")
        assert (new.moderator, new.reason) == ("rumi", "policy-3")


def test_newer_schema_log_is_refused_and_not_rewritten(tmp_path):
    path = tmp_path / "future.sqlite3"
    with ReviewLog(path) as log:
        log.record("h", "approve")
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO schema_version VALUES (7, 'later')")
    conn.execute("PRAGMA user_version=7")
    conn.commit()
    conn.close()
    before = file_digest(path)
    with pytest.raises(LogSchemaError, match="schema version 7, newer than this program's 2"):
        ReviewLog(path)
    with pytest.raises(LogSchemaError):
        export_csv(path, tmp_path / "out.csv")
    assert file_digest(path) == before
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
    conn.close()


def _open_and_record(path: str, n: int, barrier) -> int:
    barrier.wait()
    with ReviewLog(path) as log:
        log.record(f"h{n}", "approve")
        return log.schema_version


def test_several_processes_open_a_new_log_at_once(tmp_path):
    path = str(tmp_path / "shared.sqlite3")
    workers = 6
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(workers)
        with ctx.Pool(workers) as pool:
            versions = pool.starmap(_open_and_record, [(path, n, barrier) for n in range(workers)])
    assert versions == [SCHEMA_VERSION] * workers
    with ReviewLog(path) as log:
        assert sorted(e.sha256 for e in log.entries()) == sorted(f"h{n}" for n in range(workers))
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == 1  # migrated exactly once
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_locked_log_fails_fast_with_a_clear_error(tmp_path):
    path = tmp_path / "log.sqlite3"
    log = ReviewLog(path, busy_timeout=0.2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    start = time.monotonic()
    with pytest.raises(LogBusyError, match="locked by another program; nothing was saved"):
        log.record("h", "approve")
    assert time.monotonic() - start < 1.5
    other.execute("ROLLBACK")
    other.close()
    assert log.record("h", "approve").decision == "approve"  # usable again once released
    log.close()


def test_read_only_log_can_be_exported_but_not_written(tmp_path, monkeypatch):
    path = tmp_path / "log.sqlite3"
    with ReviewLog(path) as log:
        log.record("h", "remove", probabilities=PROBS)
    os.chmod(path, 0o444)
    real_access = os.access
    if os.geteuid() == 0:  # root ignores file modes: make the check see what a user would
        monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(path) and mode == os.W_OK
                            else real_access(p, mode))
    before = file_digest(path)
    with pytest.raises(LogReadOnlyError, match="read-only"):
        ReviewLog(path)
    assert export_csv(path, tmp_path / "out.csv") == 1
    assert export_decisions_csv(path, tmp_path / "final.csv") == 1
    with ReviewLog(path, readonly=True) as ro:
        assert ro.states()["h"].decision == "remove"
        with pytest.raises(LogReadOnlyError):
            ro.record("h", "approve")
    assert file_digest(path) == before


def test_final_decisions_export_is_flat_one_row_per_item(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        log.record("h1", "approve", path="/m/1.png", ocr_text="লেখা ১", bundle_id="b@1",
                   probabilities={"binary": {"not_hate": 0.7, "hate": 0.3}, "type": {"not_hate": 0.6, "abusive": 0.4}},
                   labels={"binary": "not_hate", "type": "not_hate"}, moderator="rumi")
        bad = log.record("h1", "remove", path="/m/1.png", ocr_text="লেখা ১", bundle_id="b@1")
        log.undo(bad.id)
        log.record("h1", "note", note="ঠিক আছে")
        log.record("h2", "escalate", path="/m/2.png", ocr_text="সম্পাদিত", bundle_id="b@2",
                   probabilities={"binary": {"not_hate": 0.2, "hate": 0.8}, "type": None},
                   labels={"binary": "hate", "type": "insufficient_text"}, reason="P-7", group_id="g1")
        log.record("h3", "approve")
        log.undo(log.entries()[-1].id)
        assert export_decisions_csv(log, tmp_path / "final.csv") == 2
    with open(tmp_path / "final.csv", encoding="utf-8", newline="") as handle:
        rows = {r["sha256"]: r for r in csv.DictReader(handle)}
    assert set(rows) == {"h1", "h2"}  # h3 was undone: no decision, no note
    h1, h2 = rows["h1"], rows["h2"]
    assert (h1["decision"], h1["note"], h1["moderator"], h1["text"], h1["bundle_id"]) == (
        "approve", "ঠিক আছে", "rumi", "লেখা ১", "b@1")
    assert (h1["binary_label"], float(h1["binary_probability"])) == ("not_hate", 0.7)
    assert (h2["decision"], h2["reason"], h2["group_id"], h2["path"]) == ("escalate", "P-7", "g1", "/m/2.png")
    assert (h2["binary_label"], float(h2["binary_probability"])) == ("hate", 0.8)
    assert (h2["type_label"], h2["type_probability"]) == ("insufficient_text", "")
    assert not any(v.startswith("{") for v in h2.values())  # flat: no nested JSON cells


BURST = """
import sys
from banglahate_gui.review.log import ReviewLog
log = ReviewLog(sys.argv[1])
print("SYNC", log.synchronous, log.journal_mode, flush=True)
i = 0
while True:
    e = log.record(f"h{i}", "approve", note="x" * 200, probabilities={"binary": {"hate": i / 1e6}})
    print("ROW", e.id, flush=True)
    i += 1
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_kill_during_a_burst_of_writes_leaves_a_consistent_prefix(tmp_path):
    path = tmp_path / "burst.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", BURST, str(path)], stdout=subprocess.PIPE, text=True)
    sync = proc.stdout.readline().split()
    assert sync == ["SYNC", str(SYNCHRONOUS_FULL), "wal"]  # the durability the writer runs with
    acknowledged = 0
    while acknowledged < 150:  # kill while it is writing, not idle
        line = proc.stdout.readline()
        assert line.startswith("ROW"), line
        acknowledged = int(line.split()[1])
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = [r[0] for r in conn.execute("SELECT id FROM decisions ORDER BY id")]
    conn.close()
    assert ids == list(range(1, len(ids) + 1))  # a prefix, no holes
    assert len(ids) >= acknowledged  # every acknowledged row is there
    with ReviewLog(path) as log:
        rows = log.entries()
        assert all(r.sha256 == f"h{r.id - 1}" and r.probabilities["binary"]["hate"] == (r.id - 1) / 1e6 for r in rows)
