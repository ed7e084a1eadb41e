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
        assert log.schema_version == SCHEMA_VERSION == 3
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
    with pytest.raises(LogSchemaError, match="schema version 7, newer than this program's 3"):
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
    assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == SCHEMA_VERSION - 1  # once
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


# Pinned exactly (what mutation testing of review/log.py showed the scenarios above let through): replaying
# rows into states, the flat final-decisions export and its columns, the lock retry schedule, read-only
# opening, row values as written, and schema bookkeeping.
from banglahate_gui.review import log as review_log  # noqa: E402
from banglahate_gui.review.log import (  # noqa: E402
    COLUMNS,
    DECISION_COLUMNS,
    ItemState,
    LogEntry,
    current_states,
    final_decisions,
    stored_version,
)


def _row(id: int, sha: str, decision: str, **fields) -> LogEntry:
    return LogEntry(id, f"2026-01-01T00:00:{id:02d}.000+00:00", sha, fields.pop("path", ""), decision, **fields)


def test_replay_keeps_the_latest_uncancelled_verdict_and_note_with_who_when_why():
    rows = [
        _row(1, "a", "approve", path="/one.png", moderator="rumi", reason="P-1"),
        _row(2, "a", "note", note="first look", moderator="tania"),
        _row(3, "a", "remove", moderator="tania", reason="P-2"),
        _row(4, "a", "undo", undoes=3),
        _row(5, "b", "note", note="only a note", path="/b.png"),
        _row(6, "a", "note", note="second look", path="/moved.png"),
        _row(7, "c", "escalate"),
        _row(8, "c", "undo", undoes=7),
    ]
    states = current_states(rows)
    assert states["a"] == ItemState("a", "approve", "second look", rows[0].time, "/moved.png", "rumi", "P-1", 1)
    assert states["b"] == ItemState("b", None, "only a note", None, "/b.png", None, None, None)
    assert states["c"] == ItemState("c", path="")
    assert list(states) == ["a", "b", "c"]
    # a verdict keeps the note; a later verdict replaces who/when/why; a path-less row keeps the known path
    more = rows + [_row(9, "a", "escalate", moderator="mita")]
    assert current_states(more)["a"] == ItemState("a", "escalate", "second look", more[-1].time, "/moved.png", "mita",
                                                  None, 9)
    assert current_states([_row(1, "d", "note", note="n", path="/d.png"), _row(2, "d", "approve")])["d"].path == "/d.png"
    assert current_states([_row(1, "e", "approve", path="/e.png"), _row(2, "e", "undo", undoes=1)])["e"].path == "/e.png"


def test_final_decisions_flat_rows_per_task_exactly():
    probabilities = {"binary": {"not_hate": 0.1234567, "hate": 0.8765433},
                     "severity": {"none": 0.1, "low": 0.2, "medium": 0.6, "high": 0.1},
                     "toxicity": {"vulgar": 0.7, "hate": 0.65, "threat": 0.12345678},
                     "type": {"not_hate": 0.1, "abusive": 0.9}}
    labels = {"binary": "hate", "toxicity": ["vulgar", "hate"], "target": "insufficient_text"}
    rows = final_decisions([
        _row(20, "undone", "approve"), _row(21, "undone", "undo", undoes=20),  # nothing left: no row, the rest follow
        _row(1, "a", "remove", path="/a.png", ocr_text="text", bundle_id="b@1", group_id="g", moderator="m",
              reason="r", probabilities=probabilities, labels=labels),
        _row(2, "a", "note", note="n"),
        _row(3, "b", "approve", labels={"toxicity": []}, probabilities={"toxicity": {"vulgar": 0.1}}),
        _row(4, "c", "note", note="just a note", path="/c.png"),
        _row(5, "d", "approve", probabilities={"binary": {"not_hate": 0.3, "hate": 0.7}, "type": None},
             labels={"binary": "maybe"}),
    ])
    a, b, c, d = rows
    assert {k: a[k] for k in DECISION_COLUMNS} == {
        "path": "/a.png", "sha256": "a", "decision": "remove", "reason": "r", "note": "n", "moderator": "m",
        "decided_at": "2026-01-01T00:00:01.000+00:00", "text": "text", "bundle_id": "b@1", "group_id": "g"}
    assert (a["binary_label"], a["binary_probability"]) == ("hate", 0.876543)
    assert (a["severity_label"], a["severity_probability"]) == ("medium", 0.6)  # no label logged: the most probable
    assert (a["target_label"], a["target_probability"]) == ("insufficient_text", "")
    assert a["toxicity_label"] == "vulgar+hate" and "toxicity_probability" not in a
    assert (a["toxicity_p_vulgar"], a["toxicity_p_hate"], a["toxicity_p_threat"]) == (0.7, 0.65, 0.123457)
    assert (a["type_label"], a["type_probability"]) == ("abusive", 0.9)  # tasks after a multi-label one still come
    assert b["toxicity_label"] == "none" and b["toxicity_p_vulgar"] == 0.1
    assert c == {"path": "/c.png", "sha256": "c", "decision": "", "reason": "", "note": "just a note", "moderator": "",
                 "decided_at": "", "text": "", "bundle_id": "", "group_id": ""}
    assert (d["binary_label"], d["binary_probability"]) == ("maybe", "")  # a label without its probability
    assert (d["type_label"], d["type_probability"]) == ("", "")  # no prediction for the task
    assert final_decisions([_row(1, "x", "approve"), _row(2, "x", "undo", undoes=1)]) == []


def test_final_decisions_csv_puts_binary_columns_first(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        log.record("a", "remove", probabilities={"type": {"abusive": 0.9, "gender": 0.1},
                                                 "binary": {"not_hate": 0.2, "hate": 0.8},
                                                 "aggression": {"low": 0.4, "high": 0.6}})
        log.record("b", "approve", labels={"toxicity": ["troll"]}, probabilities={"toxicity": {"troll": 0.75}})
        assert export_decisions_csv(log, tmp_path / "final.csv") == 2
    with open(tmp_path / "final.csv", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        body = list(reader)
    assert header == list(DECISION_COLUMNS) + ["binary_label", "binary_probability", "aggression_label",
                                               "aggression_probability", "toxicity_label", "toxicity_p_troll",
                                               "type_label", "type_probability"]
    assert body[0][len(DECISION_COLUMNS):] == ["hate", "0.8", "high", "0.6", "", "", "abusive", "0.9"]
    assert body[1][len(DECISION_COLUMNS):] == ["", "", "", "", "troll", "0.75", "", ""]  # columns it lacks stay empty


def test_lock_retries_back_off_until_the_deadline(monkeypatch):
    clock = [100.0]
    sleeps: list[float] = []
    monkeypatch.setattr(review_log.time, "monotonic", lambda: clock[0])

    def sleep(seconds):
        sleeps.append(round(seconds, 6))
        clock[0] += seconds

    monkeypatch.setattr(review_log.time, "sleep", sleep)
    calls = []

    def locked():
        calls.append(1)
        raise sqlite3.OperationalError("Database Is Locked")

    with pytest.raises(sqlite3.OperationalError, match="Locked"):
        review_log._retry(locked, 0.3)
    assert sleeps == [0.01, 0.02, 0.04, 0.08, 0.16] and len(calls) == 6
    sleeps.clear()
    answers = iter([sqlite3.OperationalError("database is busy")] * 8 + [None])

    def busy_then_done():
        error = next(answers)
        if error:
            raise error
        return "done"

    assert review_log._retry(busy_then_done, 30.0) == "done"
    assert sleeps == [0.01, 0.02, 0.04, 0.08, 0.16, 0.2, 0.2, 0.2]  # the pause stops growing at 0.2 s
    sleeps.clear()

    def broken():
        raise sqlite3.OperationalError("no such table: decisions")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        review_log._retry(broken, 30.0)
    assert sleeps == []  # only locks are retried


def test_readonly_open_falls_back_to_an_immutable_read(tmp_path, monkeypatch):
    path = tmp_path / "log.sqlite3"
    with ReviewLog(path) as log:
        log.record("h", "approve", note="kept")
    with pytest.raises(FileNotFoundError, match="no review log at"):
        ReviewLog(tmp_path / "missing.sqlite3", readonly=True)
    opened = []
    real_connect = sqlite3.connect

    class Unreadable:
        """What a read-only connection to a WAL log in an unwritable folder does: fails on first use."""

        def execute(self, *args):
            raise sqlite3.OperationalError("unable to open database file")

    def connect(target, *args, **kwargs):
        opened.append(str(target))
        return Unreadable() if str(target).endswith("?mode=ro") else real_connect(target, *args, **kwargs)

    monkeypatch.setattr(review_log.sqlite3, "connect", connect)
    with ReviewLog(path, readonly=True) as ro:
        assert ro.state("h").decision == "approve" and ro.readonly
        with pytest.raises(LogReadOnlyError, match="open read-only: nothing can be recorded"):
            ro.record("h", "remove")
    uri = path.resolve().as_uri()
    assert opened == [f"{uri}?mode=ro", f"{uri}?immutable=1"]


def test_readonly_open_reads_through_the_wal(tmp_path):
    live = tmp_path / "live.sqlite3"
    writer = ReviewLog(live)  # still open: its rows sit in the WAL, not yet in the main file
    writer.record("w", "remove")
    with ReviewLog(live, readonly=True) as ro:
        assert ro.state("w").decision == "remove"
    writer.close()


def test_rows_are_written_with_every_field(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        written = log.record("s" * 64, "escalate", path=tmp_path / "m.png", note="n", ocr_text="t",
                             probabilities={"binary": {"hate": 0.5}}, bundle_id="b", moderator="m", reason="r",
                             group_id="g", labels={"binary": "hate"})
        assert written == log.entry(written.id) == log.entries()[0]
        assert (written.sha256, written.decision, written.path, written.note, written.ocr_text, written.bundle_id,
                written.moderator, written.reason, written.group_id, written.undoes) == (
            "s" * 64, "escalate", str(tmp_path / "m.png"), "n", "t", "b", "m", "r", "g", None)
        assert written.probabilities == {"binary": {"hate": 0.5}} and written.labels == {"binary": "hate"}
        assert written.time.endswith("+00:00") and len(written.time) == len("2026-01-01T00:00:00.000+00:00")
        undo = log.undo(written.id, moderator="boss")
        assert (undo.sha256, undo.path, undo.group_id, undo.moderator, undo.undoes, undo.note) == (
            "s" * 64, str(tmp_path / "m.png"), "g", "boss", written.id, None)
        many = log.record_many([review_log.NewEntry("x", "approve"), review_log.NewEntry("y", "note", note="z")])
        assert [e.id for e in many] == [undo.id + 1, undo.id + 2] and [e.sha256 for e in many] == ["x", "y"]
        with pytest.raises(ValueError, match="unknown decision 'undo'; expected one of approve, remove, escalate or note"):
            log.record_many([review_log.NewEntry("x", "approve"), review_log.NewEntry("x", "undo")])
        assert len(log.entries()) == 4  # all or none
        with pytest.raises(KeyError, match="no row 99"):
            log.entry(99)
        assert [e.sha256 for e in log.entries("x")] == ["x"] and log.entries("nobody") == []
        assert log.state("nobody") == ItemState("nobody")
        raw = sqlite3.connect(tmp_path / "log.sqlite3").execute("SELECT probabilities, labels FROM decisions").fetchone()
        assert raw == ('{"binary": {"hate": 0.5}}', '{"binary": "hate"}')  # sorted keys, JSON text
        assert log.state("x") == ItemState("x", "approve", None, many[0].time, "", None, None, many[0].id)


def test_undo_refusals_name_the_row(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        done = log.record("h", "approve")
        undo = log.undo(done.id)
        with pytest.raises(ValueError, match=f"row {undo.id} is itself an undo"):
            log.undo(undo.id)
        with pytest.raises(ValueError, match=f"row {done.id} is already undone"):
            log.undo(done.id)


def test_write_errors_say_what_happened_and_what_to_do(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        busy = log._translate(sqlite3.OperationalError("database is locked"))
        assert str(busy) == (f"the review log {log.path} is locked by another program; nothing was saved. "
                             "Try again in a moment, or close the other program using it.")
        readonly = log._translate(sqlite3.OperationalError("attempt to write a readonly database"))
        assert isinstance(readonly, LogReadOnlyError) and str(readonly) == (
            f"the review log {log.path} cannot be written (attempt to write a readonly database); nothing was saved")
        other = sqlite3.OperationalError("disk I/O error")
        assert log._translate(other) is other


def test_exports_write_every_column(tmp_path):
    with ReviewLog(tmp_path / "log.sqlite3") as log:
        log.record("h", "remove", labels={"binary": "hate"}, probabilities={"binary": {"hate": 0.9}}, note="ঘৃণা")
        assert export_csv(log, tmp_path / "all.csv") == 1 and export_jsonl(log, tmp_path / "all.jsonl") == 1
    with open(tmp_path / "all.csv", encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert header == list(COLUMNS)
    with open(tmp_path / "all.csv", encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert json.loads(row["labels"]) == {"binary": "hate"} and row["note"] == "ঘৃণা"
    line = (tmp_path / "all.jsonl").read_text(encoding="utf-8")
    assert "ঘৃণা" in line and line.endswith("}\n") and list(json.loads(line)) == list(COLUMNS)


def test_schema_bookkeeping(tmp_path):
    conn = sqlite3.connect(tmp_path / "empty.sqlite3")
    assert stored_version(conn) == 0  # an empty file
    conn.execute("PRAGMA user_version=4")
    assert stored_version(conn) == 4
    conn.close()
    path = tmp_path / "log.sqlite3"
    with ReviewLog(path) as log:
        assert log.schema_version == SCHEMA_VERSION
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert [v for (v,) in raw.execute("SELECT version FROM schema_version ORDER BY version")] == \
        list(range(2, SCHEMA_VERSION + 1))
    raw.execute("CREATE TABLE IF NOT EXISTS extra (x)")
    raw.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    for readonly in (False, True):
        with pytest.raises(LogSchemaError, match=f"schema version {SCHEMA_VERSION + 1}"):
            ReviewLog(path, readonly=readonly)
    sqlite3.connect(tmp_path / "blank.sqlite3").close()
    with ReviewLog(tmp_path / "blank.sqlite3", readonly=True) as ro:  # no table yet: nothing to read
        assert ro.entries() == [] and ro.states() == {} and ro.schema_version == 0
