"""The review log: WAL, durability across reopen, append-only latest-wins/undo, CSV/JSONL export."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from banglahate_gui.review_log import (
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
